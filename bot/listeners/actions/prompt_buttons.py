"""The weekly prompt's buttons. Each acks first, then hands over to the answers service."""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot import vocabulary as v
from bot.listeners.actions.values import button_id
from bot.services import answers


def _delivery_id(body: dict, logger: Logger) -> int | None:
    return button_id(body, logger, "a prompt button")


def log_moment_clicked(ack: Ack, body: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    ack()
    delivery_id = _delivery_id(body, logger)
    if delivery_id is not None:
        answers.open_log_modal(context["engine"], client, delivery_id, body["user"]["id"], body["trigger_id"])


def didnt_help_clicked(ack: Ack, body: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    ack()
    delivery_id = _delivery_id(body, logger)
    if delivery_id is not None:
        answers.record_choice(context["engine"], client, delivery_id, body["user"]["id"], v.DIDNT_HELP)


def skip_week_clicked(ack: Ack, body: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    ack()
    delivery_id = _delivery_id(body, logger)
    if delivery_id is not None:
        answers.record_choice(context["engine"], client, delivery_id, body["user"]["id"], v.SKIPPED)
