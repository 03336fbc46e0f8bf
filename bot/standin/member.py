"""A simulated team member: reads their DM in the stand-in and clicks/submits like a person would."""

from __future__ import annotations

from bot.blocks.prompt import DIDNT_HELP, LOG_MOMENT, SKIP_WEEK
from bot.standin.inbound import Response, SlackSender, app_home_opened_event, state_values
from bot.standin.web_api import Call, SlackWebApi


class SimulatedMember:
    def __init__(self, slack: SlackWebApi, sender: SlackSender, user_id: str) -> None:
        self.slack, self.sender, self.user_id = slack, sender, user_id
        self.dm = slack.dm_channel(user_id)

    def prompt(self) -> dict:
        """The latest version of the weekly prompt in this member's DM."""
        messages = self.slack.channel_messages(self.dm)
        if not messages:
            raise LookupError(f"{self.user_id} has no DM from the bot")
        return messages[-1]

    def _after(self, method: str, response: Response, before: int) -> Response:
        if response.status == 200:
            self.slack.wait_for(method, before + 1)
        return response

    def click(self, action_id: str) -> Response:
        return self.sender.click(self.user_id, self.prompt(), self.dm, action_id)

    def open_log_modal(self) -> dict:
        before, opened = len(self.slack.calls("views.open")), self.slack.opened_count()
        self._after("views.open", self.click(LOG_MOMENT), before)
        return self.slack.opened_view(opened)

    def submit(self, view: dict, answers: dict[str, str | None], **kwargs: object) -> Response:
        return self.sender.submit(self.user_id, view, state_values(view, answers), **kwargs)

    def log_moment(self, **answers: str | None) -> Response:
        """Click "Log where AI helped", fill the modal with ``answers`` (block_id → value), submit."""
        view = self.open_log_modal()
        before = len(self.slack.calls("chat.update"))
        response = self.submit(view, answers)
        if response.status == 200 and not response.body:
            self.slack.wait_for("chat.update", before + 1)
        return response

    def didnt_help(self) -> Response:
        before = len(self.slack.calls("chat.update"))
        return self._after("chat.update", self.click(DIDNT_HELP), before)

    def skip(self) -> Response:
        before = len(self.slack.calls("chat.update"))
        return self._after("chat.update", self.click(SKIP_WEEK), before)

    def command(self, text: str) -> Response:
        """``/airetro <text>`` typed by this member in their DM with the bot."""
        return self.sender.slash_command(self.user_id, text, channel_id=self.dm)

    def open_home(self, timeout: float = 5.0) -> dict | None:
        """Open the app's Home tab: send ``app_home_opened``, wait for the app's views.publish for this
        member, and return the published view."""

        def mine(call: Call) -> bool:
            return call.args.get("user_id") == self.user_id

        before = len([c for c in self.slack.calls("views.publish") if mine(c)])
        response = self.sender.event(app_home_opened_event(self.user_id, view=self.slack.home(self.user_id)))
        if response.status != 200:
            raise RuntimeError(f"the app answered app_home_opened with HTTP {response.status}: {response.body}")
        self.slack.wait_for("views.publish", before + 1, timeout, where=mine)
        self.slack.wait_idle(timeout)  # a call is recorded as it arrives; the view is stored once it is answered
        return self.slack.home(self.user_id)

    def click_home(self, action_id: str, **kwargs: object) -> Response:
        """Click a button in this member's published Home tab."""
        view = self.slack.home(self.user_id)
        if view is None:
            raise LookupError(f"no Home tab published for {self.user_id}")
        return self.sender.click_in_view(self.user_id, view, action_id, **kwargs)
