"""What the ``airetro`` commands share: running one (its module imported only now, its failure one line on
stderr and an exit status), the migrated engine, the Slack client, counting for the output lines."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.config import ConfigError, Settings, load_settings, require_slack
from bot.formatting import plural as fmt_plural
from bot.formatting import week_label
from storage import liveness
from storage.engine import make_engine, migrate

if TYPE_CHECKING:
    from slack_sdk import WebClient

UNATTRIBUTED_SHOWN = 20  # unattributed keys an import or `identities list` names


class CliError(Exception):
    """An operator-facing failure: printed as one line (one per line of the message), exit status 1."""


def run_command(args: argparse.Namespace) -> int:
    """Run the command ``args.run`` names (``"bot.cli.digest:cmd_digest"``) with the settings; a failure an
    operator can act on is one line on stderr: 2 for configuration, 1 for the rest, 130 for Ctrl-C."""
    module, _, name = args.run.partition(":")
    command = getattr(importlib.import_module(module), name)
    try:
        return command(args, load_settings())
    except (ConfigError, CliError) as exc:
        for line in str(exc).splitlines():  # several wrong IDs: one line each
            print(f"airetro: {line}", file=sys.stderr)
        return 2 if isinstance(exc, ConfigError) else 1
    except (ValueError, LookupError) as exc:
        print(f"airetro: {exc}", file=sys.stderr)
        return 1
    except _loaded("slack_sdk.errors", "SlackApiError") as exc:
        print(f"airetro: Slack answered '{exc.response.get('error')}'", file=sys.stderr)
        return 1
    except _loaded("slack_sdk.errors", "SlackClientError") + _loaded("slack_bolt.error", "BoltError") as exc:
        print(f"airetro: cannot talk to Slack: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"airetro: database error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"airetro: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _loaded(module: str, name: str) -> tuple[type[BaseException], ...]:
    """``module.name`` if the command has imported ``module``, else nothing: an exception of a class that was
    never imported cannot have been raised, so a command that never talks to Slack never loads Slack's library."""
    loaded = sys.modules.get(module)
    return (getattr(loaded, name),) if loaded is not None else ()


def open_database(settings: Settings) -> Engine:
    """The engine every command that uses the database works with: migrated, registered as a live process,
    and with the closed weeks of an upgraded database published."""
    from bot.services.publication import publish_closed  # not for `db check`, which only looks

    engine = make_engine(
        settings.database_url, pool_size=settings.database_pool_size, max_overflow=settings.database_max_overflow
    )
    migrate(engine)
    liveness.start(engine, " ".join(sys.argv[1:3]) or "airetro")  # its claims are settled soon after it dies
    publish_closed(engine)  # an upgraded database publishes its closed weeks once, from the data as it is
    return engine


def slack_client(settings: Settings) -> WebClient:
    """The Web API client, for commands that talk to Slack (a clear error without SLACK_BOT_TOKEN)."""
    from bot.app import make_client  # Slack's libraries only for the commands that use them

    require_slack(settings, serving=False)
    return make_client(settings)


def checked_slack(settings: Settings) -> WebClient:
    """The Web API client once Slack has answered ``auth.test`` with the bot token: a command that will talk
    to Slack checks this before it prints or stores anything."""
    client = slack_client(settings)
    check_slack(client, settings)
    return client


def check_slack(client: WebClient, settings: Settings) -> None:
    """``auth.test``; one line naming SLACK_API_URL when Slack cannot be reached, or SLACK_BOT_TOKEN when
    Slack refuses it (CliError)."""
    from slack_sdk.errors import SlackApiError, SlackClientError

    try:
        with quiet_slack_sdk():  # not one log line per attempt: the one line below says it all
            client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error") or "an error"
        if error in BAD_TOKEN:
            raise CliError(
                f"Slack does not accept SLACK_BOT_TOKEN ({error}): copy the bot token (xoxb-…) again "
                "from your Slack app's OAuth page"
            ) from None
        raise CliError(f"Slack at SLACK_API_URL ({settings.api_url}) answered '{error}' to auth.test") from None
    except (SlackClientError, OSError) as exc:  # urllib's URLError is an OSError; a timeout too
        raise CliError(f"cannot reach Slack at SLACK_API_URL ({settings.api_url}): {_why(exc)}") from None


BAD_TOKEN = (
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "not_allowed_token_type",
)


def _why(exc: BaseException) -> str:
    """``connection refused``, ``name or service not known``, ``timed out``: the cause, in a few words."""
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    text = str(reason).splitlines()[0] if str(reason) else reason.__class__.__name__
    return text.removeprefix("<urlopen error ").removesuffix(">")


@contextlib.contextmanager
def quiet_slack_sdk() -> Iterator[None]:
    """slack_sdk logs an ERROR for each failed attempt; a command says what failed in its own one line."""
    logger = logging.getLogger("slack_sdk.web.base_client")
    before, logger.disabled = logger.disabled, True
    try:
        yield
    finally:
        logger.disabled = before


def cli_week(week: str) -> str:
    """A week as the operator reads it and types it: "week of 23 Nov (2026-W48)"."""
    return f"{week_label(week)} ({week})"


def counted(n: int, what: str, plural: str = "") -> str:
    """``1 row``, ``2,000 rows``; ``plural`` when adding an s is wrong (``summaries``)."""
    return fmt_plural(n, what, plural or None)
