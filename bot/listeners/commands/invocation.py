"""What every ``/airetro`` subcommand handler gets: who called, from where, and how to answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.models.blocks import Block
from sqlalchemy import Engine

from bot.services import roles
from bot.services.roles import Caller


@dataclass
class Invocation:
    engine: Engine
    client: WebClient
    user_id: str
    channel_id: str
    trigger_id: str
    respond: Respond
    _caller: Caller | None = None

    def caller(self) -> Caller:
        """The caller's roles (one ``users.info`` call, made at most once per command)."""
        if self._caller is None:
            self._caller = roles.caller(self.engine, self.client, self.user_id)
        return self._caller

    def reply(self, text: str, blocks: Sequence[Block] | None = None) -> None:
        """An ephemeral reply, seen by the caller only; ``SlackClientError`` if Slack did not take it."""
        if blocks is None:
            answer = self.respond(text=text, response_type="ephemeral", replace_original=False)
        else:
            answer = self.respond(
                text=text,
                blocks=[b.to_dict() for b in blocks],
                response_type="ephemeral",
                replace_original=False,
            )
        status = getattr(answer, "status_code", 200)
        if status != 200:
            raise SlackClientError(f"the response_url answered HTTP {status}: {str(getattr(answer, 'body', ''))[:80]}")
