"""The one guard around every listener: it never raises, and the person who acted always hears back.

With ``process_before_response=False`` Bolt runs a listener in a worker thread and waits for its ``ack()``. A
listener that raises after acking makes Bolt reset the ack (``listener/thread_runner.py``), so Slack gets a 404
after the 3 s ack timeout and the person gets nothing. So every listener is registered through ``Listeners``,
which wraps it in ``guarded``: whatever it raises is logged once and answered here:

* not acked yet: a slash command is acked with the ephemeral message, a view submission with an inline error
  on its first input (or an updated modal saying so), anything else with a plain ack;
* acked already: a message button or a slash command gets an ephemeral message through its ``response_url``;
  a Home tab button, or a view submission whose modal has closed, a DM to the person (``chat.postMessage`` to
  their user id); an event (Bolt acked it itself) is only logged.

What is said: a listener that failed after saving something raises ``Failure(text)`` with words that say what
was saved; otherwise the guard says nothing was saved. A ``MalformedPayload`` (``bot.parse_input``) and a failed
Slack call are logged as one line; anything else is a bug and logged with its traceback.

``install`` also covers what fails before a listener runs (Bolt's own middleware, matchers and argument
building choking on a payload Slack never sends) and requests no listener takes: 200, with the same kind of
message where there is someone to tell, never a 500 or a 404.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable, Mapping
from logging import Logger
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.context.respond import Respond
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.kwargs_injection import build_required_kwargs
from slack_bolt.request.internals import build_context
from slack_bolt.util.utils import get_arg_names_of_callable
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.parse_input import MalformedPayload, actor, is_user_id, response_url

log = logging.getLogger(__name__)

SOMETHING_WRONG = (
    "Sorry, something went wrong on my side, and nothing was saved or changed. Please try again in a minute."
)
MALFORMED = "Sorry, I couldn't read what Slack sent me for that, so nothing was saved or changed. Please try again."
OUT_OF_DATE = "Sorry, I don't know what that was for (it may be out of date), so nothing was saved or changed."
SLACK_ERRORS = (SlackApiError, SlackClientError, OSError)  # OSError: Slack unreachable, or a timeout
GUARDED = "__airetro_guarded__"


class Failure(Exception):
    """A listener's failure in the words for the person: what went wrong, whether anything was saved, what they
    can do. Raise it ``from`` the error that caused it."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


# -- what kind of request, and how to reach its person -----------------------------------------------------


def payload_kind(body: object) -> str:
    """``command``, ``block_actions``, ``view_submission``, ``event`` or ``other``."""
    if not isinstance(body, Mapping):
        return "other"
    if "command" in body:
        return "command"
    kind = body.get("type")
    if kind in ("block_actions", "view_submission"):
        return kind
    return "event" if kind == "event_callback" else "other"


def _slack_error(error: BaseException) -> str:
    """A Slack failure in a few words: the method and Slack's error code, or the exception type."""
    if isinstance(error, SlackApiError):
        method = str(getattr(error.response, "api_url", "")).rsplit("/", 1)[-1]
        return f"{method or 'Slack'} answered {error.response.get('error') if error.response else 'nothing'}"
    return f"{type(error).__name__}: {str(error)[:120]}"


def _modal_notice(text: str) -> dict:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "AI Retro"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def submission_answer(body: Mapping[str, Any], text: str) -> dict:
    """How to answer a view submission with ``text``: an inline error on the modal's first input block (the
    person keeps what they typed), or, for a modal without one we can name, the modal updated to say it."""
    view = body.get("view")
    blocks = view.get("blocks") if isinstance(view, Mapping) else None
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, Mapping) and block.get("type") == "input":
            block_id = block.get("block_id")
            if isinstance(block_id, str) and 0 < len(block_id) <= 255:
                return {"response_action": "errors", "errors": {block_id: text}}
    return {"response_action": "update", "view": _modal_notice(text)}


def _response_url(request: BoltRequest) -> str | None:
    try:
        return response_url(request.body)
    except MalformedPayload:
        return None


def _dm(request: BoltRequest, text: str) -> bool:
    try:
        user = actor(request.body)
    except MalformedPayload:
        user = request.context.get("user_id")
    if not is_user_id(user):
        return False
    request.context.client.chat_postMessage(channel=user, text=text)
    return True


def _by_response_url(request: BoltRequest, text: str) -> bool:
    url = _response_url(request)
    if url is None:
        return False
    client = request.context.client
    answer = Respond(response_url=url, proxy=client.proxy, ssl=client.ssl)(
        text=text, response_type="ephemeral", replace_original=False
    )
    return answer.status_code == 200


def tell(request: BoltRequest, text: str) -> bool:
    """Tell the person who acted, after the ack, in the surface they used; True if it went out.

    Message buttons and slash commands: an ephemeral message through the response_url (a DM if that fails);
    Home tab buttons and view submissions: a DM. Events: nobody to tell.
    """
    kind = payload_kind(request.body)
    if kind == "event" or kind == "other":
        return False
    container = request.body.get("container")
    in_message = kind == "command" or (isinstance(container, Mapping) and container.get("type") == "message")
    if in_message:
        try:
            if _by_response_url(request, text):
                return True
        except Exception as error:  # a broken response_url: try a DM instead
            log.warning("could not answer through the response_url (%s); trying a DM", _slack_error(error))
    return _dm(request, text)


def _answer(request: BoltRequest, text: str) -> None:
    """Ack with ``text`` if not acked yet (where an ack can carry it), else tell the person after the ack."""
    ack = request.context.ack
    kind = payload_kind(request.body)
    if ack.response is None:
        if kind == "command":
            ack(text=text, response_type="ephemeral")
            return
        if kind == "view_submission":
            ack(**submission_answer(request.body, text))
            return
        ack()
    tell(request, text)


# -- the guard -------------------------------------------------------------------------------------------


def _report(logger: Logger, name: str, error: BaseException) -> None:
    """One log line for what is expected (a malformed payload, a failed Slack call); a traceback for a bug."""
    cause = error.__cause__ if isinstance(error, Failure) and error.__cause__ is not None else error
    if isinstance(cause, MalformedPayload):
        logger.warning("%s: malformed payload, answered with a message: %s", name, cause)
    elif isinstance(cause, SLACK_ERRORS):
        logger.warning("%s: a Slack call failed (%s); the person was told", name, _slack_error(cause))
    elif isinstance(cause, Failure):
        logger.warning("%s: %s", name, cause.text)
    else:
        logger.error("%s failed; the person was told", name, exc_info=cause)


def fail_safely(request: BoltRequest, logger: Logger, name: str, error: BaseException) -> None:
    """Log ``error`` once and answer the person; never raises."""
    text = error.text if isinstance(error, Failure) else MALFORMED if isinstance(error, MalformedPayload) else None
    try:
        _report(logger, name, error)
    except Exception:  # a logging handler that fails must not cost the answer
        pass
    try:
        _answer(request, text or SOMETHING_WRONG)
    except Exception as told:
        logger.warning("%s: could not tell the person either (%s)", name, _slack_error(told))
    finally:
        if request.context.ack.response is None:
            request.context.ack()


def guarded(func: Callable[..., Any]) -> Callable[..., None]:
    """``func`` as a Bolt listener that never raises (see the module doc).

    Bolt injects arguments by the names of the function it is given, so the wrapper asks for the request and
    builds ``func``'s own arguments from it exactly as Bolt would have.
    """
    names = get_arg_names_of_callable(func)
    name = getattr(func, "__name__", "listener")

    def listener(request: BoltRequest, response: BoltResponse, logger: Logger) -> None:
        try:
            kwargs = build_required_kwargs(
                logger=logger, required_arg_names=list(names), request=request, response=response, this_func=func
            )
            func(**kwargs)
        except Exception as error:
            fail_safely(request, logger, name, error)

    listener.__name__ = name
    listener.__qualname__ = getattr(func, "__qualname__", name)
    listener.__module__ = getattr(func, "__module__", __name__)
    listener.__doc__ = func.__doc__
    setattr(listener, GUARDED, func)
    return listener


def is_guarded(func: object) -> bool:
    return hasattr(func, GUARDED)


class Listeners:
    """Registers listeners on the app, each behind ``guarded``; the only way listeners are registered."""

    def __init__(self, app: App) -> None:
        self.app = app

    def command(self, command: str, func: Callable[..., Any]) -> None:
        self.app.command(command)(guarded(func))

    def action(self, action_id: str, func: Callable[..., Any]) -> None:
        self.app.action(action_id)(guarded(func))

    def view(self, callback_id: str, func: Callable[..., Any]) -> None:
        self.app.view(callback_id)(guarded(func))

    def event(self, event_type: str, func: Callable[..., Any]) -> None:
        self.app.event(event_type)(guarded(func))


# -- before and around the listeners ------------------------------------------------------------------------


def _raised_by_bolt(error: BaseException) -> bool:
    """True when the innermost frame is Bolt's or the SDK's own code: a payload it could not take apart."""
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and any(part in frames[-1].filename for part in ("slack_bolt", "slack_sdk"))


def _describe(body: object) -> str:
    """What a request was, for a log line: its kind and the id a listener would be chosen by."""
    if not isinstance(body, Mapping):
        return "a request"
    kind = payload_kind(body)
    if kind == "command":
        return f"command {ascii(body.get('command'))[:40]}"
    if kind == "block_actions":
        actions = body.get("actions")
        first = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], Mapping) else {}
        return f"block_actions {ascii(first.get('action_id'))[:60]}"
    if kind == "view_submission":
        view = body.get("view")
        return f"view_submission {ascii(view.get('callback_id') if isinstance(view, Mapping) else view)[:60]}"
    if kind == "event":
        event = body.get("event")
        return f"event {ascii(event.get('type') if isinstance(event, Mapping) else event)[:60]}"
    return f"type {ascii(body.get('type'))[:40]}"


def _tell_later(request: BoltRequest, text: str) -> None:
    """``tell`` in the listener executor: the ack goes out first."""

    def run() -> None:
        try:
            tell(request, text)
        except Exception as error:
            log.warning("could not tell the person (%s)", _slack_error(error))

    runner = request.context.get("listener_runner")
    executor = getattr(runner, "listener_executor", None)
    try:
        executor.submit(run)
    except Exception as error:  # no executor, or it is shutting down: the app is stopping
        log.warning("could not tell the person (%s)", type(error).__name__)


def _answer_now(request: BoltRequest, text: str | None) -> BoltResponse:
    """The HTTP answer to a request no listener handled: 200, carrying ``text`` where Slack shows an ack's text."""
    kind = payload_kind(request.body)
    if text is not None and kind == "command":
        body = {"response_type": "ephemeral", "text": text}
    elif text is not None and kind == "view_submission":
        body = submission_answer(request.body, text)
    else:
        if text is not None and kind == "block_actions":
            _tell_later(request, text)
        return BoltResponse(status=200, body="")
    return BoltResponse(status=200, body=json.dumps(body), headers={"content-type": "application/json;charset=utf-8"})


def on_error(error: Exception, request: BoltRequest, response: BoltResponse | None) -> BoltResponse | None:
    """Bolt's error handler (``app.error``): what fails outside a guarded listener, and what no listener takes."""
    what = _describe(request.body)
    if isinstance(error, BoltUnhandledRequestError):
        log.warning("no listener for %s; answered 200", what)
        kind = payload_kind(request.body)
        return _answer_now(request, OUT_OF_DATE if kind in ("command", "view_submission") else None)
    if response is None:  # a listener raised after acking: cannot happen behind the guard, but never silent
        log.error("a listener for %s raised after its ack", what, exc_info=error)
        _tell_later(request, SOMETHING_WRONG)
        return None
    if isinstance(error, MalformedPayload) or _raised_by_bolt(error):
        log.warning("could not take apart %s (%s: %s); answered 200", what, type(error).__name__, str(error)[:120])
        return _answer_now(request, MALFORMED)
    log.error("handling %s failed; answered 200", what, exc_info=error)
    return _answer_now(request, SOMETHING_WRONG)


def reparse_form(req: BoltRequest, next_: Callable[[], None]) -> None:
    """Global middleware: a slash command whose text holds the word "payload" gets its fields back.

    Bolt's ``parse_body`` reads a form body as interactivity's one field ``payload`` whenever the text
    "payload" occurs anywhere in it; a command without that field is left with an empty body (and no listener,
    no user, no response_url): ``/airetro summary payload-team`` would go unanswered.
    """
    if not req.body and req.raw_body and "payload" in req.raw_body:
        fields = dict(parse_qsl(req.raw_body, keep_blank_values=True))
        if "payload" not in fields and "command" in fields:
            req.body = fields
            build_context(req.context, fields)
            for made_from_the_empty_body in ("respond", "say"):  # BoltContext makes these once, then keeps them
                req.context.pop(made_from_the_empty_body, None)
    next_()


def install(app: App) -> None:
    """Bolt's error handler; requests no listener takes answered 200 (not 404) through it; commands whose
    text says "payload" parsed as commands.

    ``raise_error_for_unhandled_request`` is an ``App(...)`` argument; Bolt keeps it as this attribute.
    """
    if not hasattr(app, "_raise_error_for_unhandled_request"):
        raise TypeError("this version of slack_bolt.App has no _raise_error_for_unhandled_request")
    app._raise_error_for_unhandled_request = True
    app.error(on_error)
    app.middleware(reparse_form)
