"""Configuration from the environment (pydantic-settings)."""

from __future__ import annotations

import os

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///airetro.db"
SLACK_API_URL = "https://slack.com/api/"
OTLP_TOKEN_MIN = 16  # characters: a bearer token anyone on the network could guess is none


def normalise_database_url(url: str) -> str:
    """SQLite (``sqlite:///path``) or PostgreSQL through psycopg 3; ``postgres://`` and ``postgresql://`` (as
    hosts hand them out) mean the latter."""
    url = url.strip()
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    if url.startswith(("sqlite:///", "postgresql+psycopg://")):
        return url
    raise ValueError(
        "use SQLite (sqlite:///airetro.db, the default) or PostgreSQL (postgresql+psycopg://user:pass@host/db)"
    )


def sqlite_directory(url: str) -> str | None:
    """The directory a SQLite URL's database file is in (``.`` for a bare file name); None for an in-memory
    database or another engine."""
    if not url.startswith("sqlite:///"):
        return None
    path = url.removeprefix("sqlite:///").split("?", 1)[0]
    if path in ("", ":memory:") or path.startswith("file:"):
        return None
    return os.path.dirname(path) or "."


class ConfigError(Exception):
    """Configuration is missing or malformed; the message is one line meant for an operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    # PostgreSQL connections each process keeps (pool) and may open beyond it at a peak (overflow)
    database_pool_size: int = 5
    database_max_overflow: int = 5
    slack_api_url: str = SLACK_API_URL
    port: int = 3000
    # seconds to wait for a Web API answer; a post whose answer does not come in time is settled, never resent
    slack_api_timeout: float = 30.0
    # the bearer token Claude Code's OpenTelemetry exporter sends to /v1/metrics (unset: the endpoint is off)
    otlp_token: str | None = None

    @field_validator("otlp_token")
    @classmethod
    def _strong_token(cls, token: str | None) -> str | None:
        token = (token or "").strip() or None
        if token is not None and (len(token) < OTLP_TOKEN_MIN or any(c.isspace() or c == "," for c in token)):
            raise ValueError(
                f"must be at least {OTLP_TOKEN_MIN} characters with no spaces or commas (e.g. openssl rand -hex 24)"
            )
        return token

    @field_validator("slack_api_timeout")
    @classmethod
    def _sane_timeout(cls, seconds: float) -> float:
        if not 0 < seconds <= 300:
            raise ValueError("must be a number of seconds between 0 and 300 (e.g. 30)")
        return seconds

    @field_validator("database_url")
    @classmethod
    def _known_engine(cls, url: str) -> str:
        url = normalise_database_url(url)
        directory = sqlite_directory(url)
        if directory is not None and not os.path.isdir(directory):  # SQLite would make a new, empty database
            raise ValueError(
                f"the directory {directory} does not exist; create it or correct the path "
                "(no new, empty database was made)"
            )
        return url

    @field_validator("port", mode="before")
    @classmethod
    def _port_number(cls, port: object) -> int:
        return check_port(port)

    @property
    def api_url(self) -> str:
        """The Web API base URL with the trailing slash slack-sdk expects."""
        return self.slack_api_url if self.slack_api_url.endswith("/") else self.slack_api_url + "/"


def check_port(port: object) -> int:
    """A TCP port to listen on, 1 to 65535; a ValueError saying so (and what was given) otherwise."""
    text = str(port).strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        raise ValueError(f"must be a port number from 1 to 65535 (got {text or 'nothing'})")
    return int(text)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        raise ConfigError(f"{name}: {first['msg'].removeprefix('Value error, ')}") from None


def require_slack(settings: Settings, *, serving: bool) -> None:
    """Stop with one clear line when what talking to Slack needs is missing or malformed."""
    if not settings.slack_bot_token:
        raise ConfigError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…, from your Slack app's OAuth page).")
    if not settings.slack_bot_token.startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-'.")
    if not serving:
        return
    if settings.slack_app_token:
        if not settings.slack_app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with 'xapp-'.")
    elif not settings.slack_signing_secret:
        raise ConfigError(
            "SLACK_SIGNING_SECRET is not set: HTTP mode needs it to verify requests "
            "(or set SLACK_APP_TOKEN for Socket Mode)."
        )
