"""A WSGI guard in front of Bolt at ``/slack/events``: only well-formed requests that Slack signed reach the app.

Bolt checks the signature too, but only after it has decoded and parsed the body, and it turns a timestamp
that is not a number into an exception: a forged or broken request then cost an HTTP 500 and a traceback in
the logs. The guard refuses all of those first, cheaply and in constant time, with one warning line each
(the reason, never a traceback) and never touches the database:

* 404 for another path; 405 (``Allow: POST``) for another method;
* 400 for a Content-Length that is not ASCII digits, 413 for a body over ``max_body`` (1 MiB);
* 401 unless ``X-Slack-Request-Timestamp`` is ASCII digits within 5 minutes of now, ``X-Slack-Signature``
  is ``v0=`` and 64 hex digits, and it equals HMAC-SHA256 of ``v0:{timestamp}:{raw body}`` with the signing
  secret (``hmac.compare_digest``); a missing, empty or duplicated header (joined with ", ") fails this;
* 400 for a signed body Slack would not send: not UTF-8, empty, a content type other than JSON or form,
  a JSON body that is not an object, a form whose ``payload`` is not a JSON object (decided as Bolt's
  ``parse_body`` decides what to parse, so nothing it parses can fail).

Everything else is passed to the wrapped app unchanged, with the body (read once here) re-supplied as
``wsgi.input``. The clock is slack_sdk's ``signature.Clock`` (``time()`` at call time), the one Bolt's own
``SignatureVerifier`` uses, so freezegun-frozen time is honoured the same way on both sides.

A signed request can still carry a well-formed object that Bolt cannot digest (``{"event": null}``, say).
The decision for those: **200 with an empty body**, never 500. Slack shows nothing for an interaction
answered so and does not retry an event (a retry of a request that fails the same way only fails again,
and a run of failures gets an app's event subscriptions switched off). So:

* if the wrapped app raises (Bolt parses the body before its own ``try``), the guard logs one error line
  with the exception's type and answers 200 empty;
* if it answers 5xx (Bolt's ``dispatch`` caught a failing middleware and has reported it), the guard
  answers 200 empty instead, without a second line;
* Bolt reports such a middleware failure with ``logger.exception``: ``OneLineMiddlewareFailures`` (put on
  the app's logger by ``bot.serve``) turns that record into one line with the exception and where it was
  raised. Listener failures (after the ack, in Bolt's workers) are the listeners' business and left alone.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import re
import traceback
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from slack_sdk.signature import Clock

from bot import logs

logger = logging.getLogger(__name__)

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]
MAX_BODY = 1024 * 1024  # Slack's largest payloads (a view_submission's state) are far below this
MAX_SKEW = 60 * 5  # seconds, as Slack documents and Bolt checks
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

_TIMESTAMP = re.compile(r"[0-9]{1,15}")  # ASCII digits only (str.isdigit admits "²"), short enough for int()
_SIGNATURE = re.compile(r"v0=[0-9a-fA-F]{64}")
_DIGITS = re.compile(r"[0-9]{1,20}")
_REASONS = {
    400: "400 Bad Request",
    401: "401 Unauthorized",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    413: "413 Content Too Large",
}


class Refused(Exception):
    """A request the guard answers itself: ``status`` and the reason logged (never attacker text unquoted)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _quoted(value: object, limit: int = 80) -> str:
    """Attacker-controlled text for a log line: repr'd (no newlines can split the line), cut to ``limit``."""
    text = value if isinstance(value, str) else str(value)
    return ascii(text[:limit]) + ("…" if len(text) > limit else "")


def expected_signature(signing_secret: str, timestamp: str, body: bytes) -> bytes:
    """``v0=`` + hex HMAC-SHA256 of ``v0:{timestamp}:{body}`` over the raw bytes, as Slack signs."""
    digest = hmac.new(signing_secret.encode(), b"v0:" + timestamp.encode("ascii") + b":" + body, hashlib.sha256)
    return b"v0=" + digest.hexdigest().encode("ascii")


def check_headers(environ: dict, signing_secret: str, now: float) -> tuple[str, str]:
    """The timestamp and signature headers, if well-formed and fresh; else ``Refused(401)``."""
    if not signing_secret:
        raise Refused(401, "no signing secret is configured")
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE")
    if timestamp is None or signature is None:
        missing = "X-Slack-Request-Timestamp" if timestamp is None else "X-Slack-Signature"
        raise Refused(401, f"no {missing} header")
    if not isinstance(timestamp, str) or not _TIMESTAMP.fullmatch(timestamp):
        raise Refused(401, f"timestamp is not ASCII digits: {_quoted(timestamp, 40)}")
    if abs(now - int(timestamp)) > MAX_SKEW:
        raise Refused(401, f"timestamp {timestamp} is more than {MAX_SKEW} s from now ({int(now)})")
    if not isinstance(signature, str) or not _SIGNATURE.fullmatch(signature):
        raise Refused(401, f"signature is not v0= and 64 hex digits: {_quoted(signature, 24)}")
    return timestamp, signature


def content_length(environ: dict, max_body: int) -> int:
    """The declared body length: ASCII digits (absent or empty: 0), at most ``max_body``."""
    declared = environ.get("CONTENT_LENGTH") or "0"
    if not isinstance(declared, str) or not _DIGITS.fullmatch(declared):
        raise Refused(400, f"Content-Length is not a number: {_quoted(declared, 24)}")
    length = int(declared)
    if length > max_body:
        raise Refused(413, f"body of {length} bytes is over {max_body}")
    return length


def read_body(environ: dict, length: int) -> bytes:
    """Exactly ``length`` bytes of ``wsgi.input`` (fewer: the request is broken)."""
    stream = environ.get("wsgi.input")
    if length == 0 or stream is None:
        return b""
    chunks: list[bytes] = []
    remaining = length
    while remaining > 0:
        chunk = stream.read(min(remaining, 65536))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    body = b"".join(chunks)
    if len(body) != length:
        raise Refused(400, f"body is {len(body)} bytes, Content-Length said {length}")
    return body


def _json_object(text: str, what: str) -> None:
    try:
        value: Any = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise Refused(400, f"{what} is not JSON ({type(error).__name__})") from None
    if not isinstance(value, dict):
        raise Refused(400, f"{what} is JSON {type(value).__name__}, not an object")


def check_body(body: bytes, content_type: str | None) -> None:
    """``Refused(400)`` unless ``body`` is what Slack sends and Bolt's ``parse_body`` will take apart cleanly.

    Bolt parses JSON when the media type is ``application/json`` or the body starts with ``{``; otherwise,
    if the text ``payload`` occurs in it, the form field ``payload`` (if any) as JSON; otherwise the form.
    """
    if not body:
        raise Refused(400, "body is empty")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type not in (JSON, FORM):
        raise Refused(400, f"content type is not JSON or form: {_quoted(content_type or '', 40)}")
    if media_type == JSON or text.startswith("{"):
        _json_object(text, "JSON body")
    elif "payload" in text:
        payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
        if payload is not None:
            _json_object(payload, "form field payload")


class SlackGuard:
    """WSGI middleware: refuses what Slack did not sign (or could not have sent) before ``app`` sees it."""

    def __init__(
        self,
        app: WsgiApp,
        signing_secret: str,
        *,
        path: str = "/slack/events",
        max_body: int = MAX_BODY,
        clock: Clock | None = None,
    ) -> None:
        self.app = app
        self.signing_secret = signing_secret
        self.path = path
        self.max_body = max_body
        self.clock = clock or Clock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        logs.new_request_id()  # every line this request causes carries it
        try:
            body = self._admit(environ)
        except Refused as refusal:
            return self._refuse(environ, start_response, refusal.status, refusal.reason)
        except Exception as error:  # the guard's own fault: still one line, still no traceback
            reason = f"guard failed: {type(error).__name__}"
            return self._refuse(environ, start_response, 400, reason)
        inner = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        return self._pass(inner, start_response)

    def _admit(self, environ: dict) -> bytes:
        """The body of a request to let through; ``Refused`` otherwise."""
        if environ.get("PATH_INFO") != self.path:
            raise Refused(404, "no such path")
        if environ.get("REQUEST_METHOD") != "POST":
            raise Refused(405, "method is not POST")
        length = content_length(environ, self.max_body)
        timestamp, signature = check_headers(environ, self.signing_secret, self.clock.now())
        body = read_body(environ, length)
        if not hmac.compare_digest(expected_signature(self.signing_secret, timestamp, body), signature.encode()):
            raise Refused(401, "signature does not match")
        check_body(body, environ.get("CONTENT_TYPE"))
        return body

    def _pass(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """The wrapped app's answer, buffered so that an exception anywhere in it still gets a clean reply."""
        started: list[tuple[str, list]] = []

        def capture(status: str, headers: list, exc_info: object = None) -> Callable[[bytes], None]:
            started[:] = [(status, headers)]
            return lambda data: None  # the legacy write(); Bolt's handler does not use it

        result: Iterable[bytes] | None = None
        try:
            result = self.app(environ, capture)
            chunks = list(result)
        except Exception as error:
            logger.error(
                "slack request: the app raised %s: %s (at %s; traceback not logged); answered 200 empty (%s)",
                type(error).__name__,
                _quoted(str(error), 120),
                _where(error.__traceback__),
                _describe(environ),
            )
            start_response("200 OK", [("Content-Type", "text/plain;charset=utf-8"), ("Content-Length", "0")])
            return [b""]
        finally:
            _close(result)
        if not started:  # a WSGI app that returned without starting a response
            logger.error("slack request: the app gave no response; answered 200 empty (%s)", _describe(environ))
            start_response("200 OK", [("Content-Type", "text/plain;charset=utf-8"), ("Content-Length", "0")])
            return [b""]
        status, headers = started[0]
        if status.startswith("5"):  # Bolt's dispatch caught a failure and has logged it: no second line
            start_response("200 OK", [("Content-Type", "text/plain;charset=utf-8"), ("Content-Length", "0")])
            return [b""]
        start_response(status, headers)
        return chunks

    def _refuse(self, environ: dict, start_response: Callable, status: int, reason: str) -> Iterable[bytes]:
        logger.warning("slack request refused with %d: %s (%s)", status, reason, _describe(environ))
        text = _REASONS[status].split(" ", 1)[1].encode()
        headers = [("Content-Type", "text/plain;charset=utf-8"), ("Content-Length", str(len(text)))]
        if status == 405:
            headers.append(("Allow", "POST"))
        start_response(_REASONS[status], headers)
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else text]


class OneLineMiddlewareFailures(logging.Filter):
    """Bolt logs a middleware that raised (its built-ins on a payload of unexpected shape) with a traceback,
    once per request: keep it to one line, with the exception and the file and line that raised it."""

    PREFIX = "Failed to run a middleware"

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info or not isinstance(record.msg, str) or not record.msg.startswith(self.PREFIX):
            return True
        _, error, tb = record.exc_info
        record.msg = "Bolt middleware failed on a signed request: %s: %s (at %s; traceback not logged)"
        record.args = (type(error).__name__, _quoted(str(error), 120), _where(tb))
        record.exc_info = None
        record.exc_text = None
        return True


def quiet_bolt_middleware_failures(bolt_logger: logging.Logger) -> None:
    """Put ``OneLineMiddlewareFailures`` on Bolt's app logger (``App.logger``), once."""
    if not any(isinstance(f, OneLineMiddlewareFailures) for f in bolt_logger.filters):
        bolt_logger.addFilter(OneLineMiddlewareFailures())


def _where(tb: TracebackType | None) -> str:
    """``file.py:line`` of the innermost frame of a traceback: where an exception was raised."""
    frames = traceback.extract_tb(tb) if tb is not None else []
    return f"{frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else "?"


def _close(result: object) -> None:
    """PEP 3333: call the app's iterable's ``close()``; its failure is logged in one line, not raised."""
    close = getattr(result, "close", None)
    if close is None:
        return
    try:
        close()
    except Exception as error:
        logger.error("slack request: closing the app's response raised %s", type(error).__name__)


def _describe(environ: dict) -> str:
    """Method, path and peer of a request for a log line, quoted."""
    method = _quoted(environ.get("REQUEST_METHOD", ""), 16)
    path = _quoted(environ.get("PATH_INFO", ""), 60)
    return f"{method} {path} from {environ.get('REMOTE_ADDR', '?')}"
