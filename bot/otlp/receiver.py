"""``POST /v1/metrics``: Claude Code's OpenTelemetry metrics over OTLP/HTTP, served by ``airetro serve``.

A WSGI app (``bot/serve.py`` routes the path to it; Slack's ``/slack/events`` is untouched). In order:
the endpoint answers 404 while ``OTLP_TOKEN`` is not configured; a request without ``Authorization: Bearer
<OTLP_TOKEN>`` gets 401 and is not read; the body must be ``application/x-protobuf`` or ``application/json``
(415), gzip or plain (415), at most ``max_body`` bytes before and after unpacking (413); a body that is not a
valid delta batch of Claude Code's metrics gets 400 with the reason. A good batch is stored in one transaction
(``bot/otlp/store.py``) and answered 200 with an ``ExportMetricsServiceResponse``, whose ``partial_success``
counts the data points with no ``user.email`` (nobody to attribute them to). When the database is busy or
Slack cannot be asked who an e-mail is, 503 with Retry-After: the exporter sends the batch again, and a
batch sent again changes nothing. Every refusal is one log line; none is a traceback. Error bodies are
``google.rpc.Status`` messages, in the request's encoding, as OTLP/HTTP specifies.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from google.protobuf import json_format
from google.rpc import code_pb2, status_pb2
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from bot.otlp.decode import JSON, MEDIA_TYPES, PROTOBUF, OtlpError, TooLarge, inflate, media_type, read_batch
from bot.otlp.store import store_batch
from bot.services.identities import EmailLookup
from bot.services.usage_import import slack_email_lookup

log = logging.getLogger("airetro.otlp")

METRICS_PATH = "/v1/metrics"
MAX_BODY = 5 * 2**20  # bytes, before and after gunzip: Claude Code's batches are a few kilobytes
RETRY_AFTER = 30  # seconds, on 503
UNKNOWN_EMAIL_TTL = 3600.0  # seconds an e-mail Slack did not know is not asked again
StartResponse = Callable[[str, list[tuple[str, str]]], object]
_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
_CODES = {
    400: code_pb2.INVALID_ARGUMENT,
    401: code_pb2.UNAUTHENTICATED,
    404: code_pb2.NOT_FOUND,
    405: code_pb2.UNIMPLEMENTED,
    413: code_pb2.INVALID_ARGUMENT,
    415: code_pb2.INVALID_ARGUMENT,
    500: code_pb2.INTERNAL,
    503: code_pb2.UNAVAILABLE,
}
NOT_CONFIGURED = (
    "OTLP_TOKEN isn't configured: set it where `airetro serve` runs to take Claude Code's metrics here, and send "
    "it as Authorization: Bearer <token>"
)
NO_EMAIL = (
    "data points without user.email are not recorded: Claude Code sends it once logged in "
    "(or set OTEL_RESOURCE_ATTRIBUTES=user.email=<e-mail>)"
)


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str
    headers: list[tuple[str, str]] = field(default_factory=list)


class RememberedLookup:
    """Asks ``lookup`` who an e-mail is, remembering for a while the e-mails it did not know, so a developer
    who is not in Slack costs one question an hour, not one per export. Thread-safe."""

    def __init__(self, lookup: EmailLookup, ttl: float = UNKNOWN_EMAIL_TTL) -> None:
        self.lookup = lookup
        self.ttl = ttl
        self._unknown: dict[str, float] = {}
        self._lock = threading.Lock()

    def __call__(self, email: str) -> str | None:
        now = time.monotonic()
        with self._lock:
            if self._unknown.get(email, 0.0) > now:
                return None
        found = self.lookup(email)
        if found is None:
            with self._lock:
                if len(self._unknown) > 10_000:
                    self._unknown = {k: t for k, t in self._unknown.items() if t > now}
                self._unknown[email] = now + self.ttl
        return found


class OtlpReceiver:
    """The WSGI app of ``POST /v1/metrics``: ``token`` is ``OTLP_TOKEN`` (None: off, 404); ``lookup_email``
    resolves e-mails the database does not know yet to Slack users (``users.lookupByEmail``)."""

    def __init__(
        self,
        engine: Engine,
        token: str | None,
        lookup_email: EmailLookup | None = None,
        *,
        max_body: int = MAX_BODY,
    ) -> None:
        self.engine = engine
        self.token = token
        self.lookup_email = RememberedLookup(lookup_email) if lookup_email is not None else None
        self.max_body = max_body

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        reply = self.handle(environ)
        headers = [("Content-Type", reply.content_type), ("Content-Length", str(len(reply.body))), *reply.headers]
        start_response(f"{reply.status} {_REASONS[reply.status]}", headers)
        return [reply.body]

    def handle(self, environ: dict) -> Reply:
        peer = environ.get("REMOTE_ADDR") or "?"
        media = media_type(environ.get("CONTENT_TYPE") or "")
        answer_as = media if media in MEDIA_TYPES else JSON
        if environ.get("REQUEST_METHOD") != "POST":
            return _refuse(405, "send metrics with POST", answer_as, peer, [("Allow", "POST")])
        if not self.token:
            return _refuse(404, NOT_CONFIGURED, answer_as, peer)
        if not self._authorised(environ.get("HTTP_AUTHORIZATION") or ""):
            message = "missing or wrong bearer token (Authorization: Bearer <OTLP_TOKEN>)"
            return _refuse(401, message, answer_as, peer, [("WWW-Authenticate", 'Bearer realm="airetro"')])
        if media not in MEDIA_TYPES:
            return _refuse(415, f"Content-Type {media or 'missing'}: send {PROTOBUF} or {JSON}", answer_as, peer)
        encoding = (environ.get("HTTP_CONTENT_ENCODING") or "").strip().lower()
        if encoding not in ("", "identity", "gzip"):
            return _refuse(415, f"Content-Encoding {encoding}: send gzip or none", answer_as, peer)
        try:
            body = self._read(environ)
            if encoding == "gzip":
                body = inflate(body, self.max_body)
            batch = read_batch(body, media)
        except TooLarge as exc:
            return _refuse(413, f"{exc} (at most {self.max_body:,})", answer_as, peer)
        except OtlpError as exc:
            return _refuse(400, str(exc), answer_as, peer)
        try:
            store_batch(self.engine, batch, self.lookup_email)
        except (OperationalError, SlackClientError, OSError) as exc:
            message = f"not stored now, send again later ({type(exc).__name__})"
            log.warning("OTLP %s from %s: 503 %s: %s", METRICS_PATH, peer, message, _first_line(exc))
            return _status(503, message, answer_as, [("Retry-After", str(RETRY_AFTER))])
        except Exception:  # noqa: BLE001 - a bug: logged in full, and the sender told, not left hanging
            log.exception("OTLP %s from %s: 500, the batch was not stored", METRICS_PATH, peer)
            return _status(500, "the batch was not stored (a fault in AI Retro; see its log)", answer_as)
        log.debug(
            "OTLP %s from %s: %d data points, %d usage and %d activity rows stored, %d ignored, %d without user.email",
            METRICS_PATH,
            peer,
            batch.points,
            len(batch.usage),
            len(batch.activity),
            batch.ignored,
            batch.no_email,
        )
        response = ExportMetricsServiceResponse()
        if batch.no_email:
            response.partial_success.rejected_data_points = batch.no_email
            response.partial_success.error_message = NO_EMAIL
        return Reply(200, _encode(response, answer_as), answer_as)

    def _authorised(self, header: str) -> bool:
        scheme, _, given = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not self.token:
            return False
        return hmac.compare_digest(given.strip().encode(), self.token.encode())

    def _read(self, environ: dict) -> bytes:
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            raise OtlpError("Content-Length is not a number") from None
        if length > self.max_body:
            raise TooLarge(f"the body is {length:,} bytes")
        stream = environ["wsgi.input"]
        body = stream.read(length) if length >= 0 else stream.read(self.max_body + 1)
        if len(body) > self.max_body:
            raise TooLarge("the body is larger")
        return body


def receiver_for_slack(engine: Engine, token: str | None, client: WebClient) -> OtlpReceiver:
    """The receiver ``airetro serve`` mounts: e-mails the database does not know are asked of Slack."""

    def lookup(email: str) -> str | None:
        return slack_email_lookup(client)(email)  # asked afresh; RememberedLookup remembers the unknown ones

    return OtlpReceiver(engine, token, lookup)


def _encode(message: object, media: str) -> bytes:
    if media == PROTOBUF:
        return message.SerializeToString()
    return json_format.MessageToJson(message, indent=None).encode()


def _status(status: int, message: str, media: str, headers: list[tuple[str, str]] | None = None) -> Reply:
    body = _encode(status_pb2.Status(code=_CODES[status], message=message), media)
    return Reply(status, body, media, headers or [])


def _refuse(status: int, message: str, media: str, peer: str, headers: list[tuple[str, str]] | None = None) -> Reply:
    log.warning("OTLP %s from %s: %d %s", METRICS_PATH, peer, status, message)
    return _status(status, message, media, headers)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
