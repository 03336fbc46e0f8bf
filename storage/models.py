"""SQLModel tables.

Every write the bot makes in response to Slack is guarded by a unique key, so a retried or
duplicated delivery can only ever find the row it already wrote:

* one prompt delivery per (cycle = team + week, member), and one per (member, week) across all teams:
  a person counts in exactly one team's figures each week (their primary team's);
* one logged moment per modal view (Slack's ``view.id``);
* one digest per (team, week);
* one usage record per (source, person, day, model);
* one token summary per (person, week);
* one set of published figures per (team, week) and per org week: written once when the week closes,
  never updated, and the only place any screen reads a week's team figures from.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.privacy import PRIVACY_FLOOR

# Token, request and activity counts: 64-bit on PostgreSQL (a record may count up to 10^12, sums more); SQLite's
# INTEGER is 64-bit already. Migration 0013 widened them.
COUNT = BigInteger().with_variant(Integer(), "sqlite")


class Team(SQLModel, table=True):
    __tablename__ = "teams"
    __table_args__ = (CheckConstraint(f"min_respondents >= {PRIVACY_FLOOR}", name="ck_team_min_respondents_floor"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    channel_id: str
    tz: str
    prompt_weekday: int  # 0 = Monday, ISO order
    prompt_time: str  # "HH:MM", team-local
    digest_weekday: int
    digest_time: str
    min_respondents: int = 3
    reminder_hours: int = 24  # reminder this many wall-clock hours after the prompt; 0 = no reminder
    per_member_tz: bool = False  # prompt each member at prompt_time in their own Slack time zone
    paused: bool = False
    paused_until: date | None = None  # a pause with an end: running again the day after (team-local)
    created_at: datetime
    # Who the members are: "people" (picked by hand), "channel" (everyone in channel_id) or
    # "usergroup" (the members of usergroup_id); the last two are re-read weekly before the prompt.
    membership: str = "people"
    usergroup_id: str | None = None
    members_synced_at: datetime | None = None
    share_free_text: bool = True  # may members' shared free text reach the digest at all
    # Public holidays: a country code with an optional region ("GB", "DE-BY", "US-CA"), read through the
    # ``holidays`` library; None = no holidays. A prompt day that is one moves to the next working day.
    holidays: str | None = None


class TeamManager(SQLModel, table=True):
    """A person who manages a team: changes its setup, previews and posts its digest, pauses it.
    A manager need not be a member (managers are not prompted unless they are members too)."""

    __tablename__ = "team_managers"
    __table_args__ = (UniqueConstraint("team_id", "person_id", name="uq_team_manager"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="teams.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="people.id", index=True, ondelete="CASCADE")


class Person(SQLModel, table=True):
    """A Slack user the bot knows about (answers and usage hang off this)."""

    __tablename__ = "people"

    id: int | None = Field(default=None, primary_key=True)
    slack_user_id: str = Field(unique=True, index=True)
    email: str | None = Field(default=None, unique=True, index=True)
    display_name: str | None = None
    tz: str | None = None  # the member's Slack time zone (users.info), for per-member prompt times
    tz_checked_at: datetime | None = None
    prompts_paused: bool = False  # the member opted out of prompts and reminders
    away_until: date | None = None  # ``/airetro away until``: no prompt or reminder through that day (their date)
    # The team whose figures the person counts in (and that prompts them) when they are in several;
    # None, or a team they have left: the team they joined first.
    primary_team_id: int | None = Field(default=None, foreign_key="teams.id", ondelete="SET NULL")


class TeamMember(SQLModel, table=True):
    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("team_id", "person_id", name="uq_team_member"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="teams.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="people.id", index=True, ondelete="CASCADE")


class Cycle(SQLModel, table=True):
    """One team's retro for one ISO week (``2026-W47``)."""

    __tablename__ = "cycles"
    __table_args__ = (UniqueConstraint("team_id", "week", name="uq_cycle_team_week"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="teams.id", index=True, ondelete="CASCADE")
    week: str
    created_at: datetime


class Delivery(SQLModel, table=True):
    """The weekly prompt to one member, and that member's answer to it.

    ``state``: claimed → sent | failed, or ``direct`` when the member logged on their own
    (``/airetro log``, App Home) before any prompt reached them; no DM is sent then.
    ``answer``: pending | helped | didnt_help | skipped | away. ``away``: the member was away when the prompt
    (state ``away``: no DM was sent) or the reminder was due, for ``away_reason``: command | status | holiday.
    An away member who logs anyway becomes a respondent like anyone else.
    ``reminder_state``: None → claimed → sent | failed | unknown (Slack's answer lost: settled by the
    reminder's metadata in the DM, then sent or recorded); one reminder per delivery; ``skipped``: none is sent
    (the member came back from away after the prompt time).
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("cycle_id", "person_id", name="uq_delivery_cycle_person"),
        UniqueConstraint("person_id", "week", name="uq_delivery_person_week"),
        Index("ix_deliveries_cycle_answer", "cycle_id", "person_id", "answer", "state"),  # a cohort's answers
    )

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycles.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="people.id", index=True, ondelete="CASCADE")
    week: str  # the cycle's ISO week, here too so that a person has one delivery per week in all teams
    state: str = "claimed"
    answer: str = "pending"
    channel_id: str | None = None
    message_ts: str | None = None
    error: str | None = None
    claimed_at: datetime
    sent_at: datetime | None = None
    answered_at: datetime | None = None
    reminder_state: str | None = None
    reminder_ts: str | None = None
    reminded_at: datetime | None = None
    claimed_by: str | None = None  # the process that claimed the prompt (``processes.id``)
    reminder_by: str | None = None  # the process that claimed the reminder
    away_reason: str | None = None  # why the member was counted away (see ``answer``)


class Moment(SQLModel, table=True):
    """One "where AI helped" entry logged through the modal."""

    __tablename__ = "moments"
    __table_args__ = (  # a cohort's moments added up by their choices, without reading the rows
        Index("ix_moments_delivery_choices", "delivery_id", "time_saved", "outcome", "quality", "counterfactual",
              "sharing"),
    )  # fmt: skip

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="deliveries.id", ondelete="CASCADE")
    view_id: str = Field(unique=True)  # Slack's view.id: a resubmitted view never logs twice
    what: str
    outcome: str
    time_saved: str
    quality: str
    counterfactual: str
    tool: str
    link: str | None = None
    sharing: str = "private"
    created_at: datetime


class UsageRecord(SQLModel, table=True):
    """Token usage for one person (or one unmapped key) on one day with one model, from one source.

    ``person_key`` is the identity as the source names it (e-mail, Slack ID, API key id, ...);
    ``person_id`` is set once that key maps to a known person, and stays empty for unattributed
    usage, which is kept rather than dropped.
    """

    __tablename__ = "usage_records"
    __table_args__ = (
        UniqueConstraint("source", "person_key", "day", "model", name="uq_usage_source_person_day_model"),
        Index("ix_usage_records_person_day", "person_id", "day"),  # a person's (or a cohort's) days
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str
    person_key: str
    person_id: int | None = Field(default=None, foreign_key="people.id", ondelete="CASCADE")
    day: date = Field(index=True)
    model: str
    input_tokens: int = Field(default=0, sa_type=COUNT)
    output_tokens: int = Field(default=0, sa_type=COUNT)
    cache_read_tokens: int = Field(default=0, sa_type=COUNT)
    cache_write_tokens: int = Field(default=0, sa_type=COUNT)
    cost_usd: float = 0.0  # reported, or estimated from list prices (the estimated part below)
    estimated_cost_usd: float = 0.0  # the part of cost_usd estimated from list prices (the source had none)
    unknown_cost_tokens: int = Field(
        default=0, sa_type=COUNT
    )  # tokens whose cost is unknown (no dollars, and a model without list prices)
    requests: int = Field(default=0, sa_type=COUNT)  # model requests, where the source reports them
    imported_at: datetime


class UsageEvent(SQLModel, table=True):
    """One request or data point from a source that reports them one by one (LiteLLM spend logs, Cursor usage
    events, OpenTelemetry): kept once per (source, event_id), so consecutive pages and windows add up and a
    repeated one changes nothing. The source's ``usage_records`` for a key, day and model are their sum."""

    __tablename__ = "usage_events"
    __table_args__ = (
        UniqueConstraint("source", "event_id", name="uq_usage_event_source_id"),
        Index("ix_usage_events_bucket", "source", "person_key", "day", "model"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str
    event_id: str
    person_key: str
    day: date
    model: str
    input_tokens: int = Field(default=0, sa_type=COUNT)
    output_tokens: int = Field(default=0, sa_type=COUNT)
    cache_read_tokens: int = Field(default=0, sa_type=COUNT)
    cache_write_tokens: int = Field(default=0, sa_type=COUNT)
    cost_usd: float = 0.0
    estimated_cost_usd: float = 0.0
    unknown_cost_tokens: int = Field(default=0, sa_type=COUNT)
    requests: int = Field(default=0, sa_type=COUNT)
    imported_at: datetime


class ActivityRecord(SQLModel, table=True):
    """What a provider reports people did with its tool on a day (Claude Code analytics): the nearest
    thing to outcomes a provider reports, set beside what people said. Keyed like usage records."""

    __tablename__ = "activity_records"
    __table_args__ = (
        UniqueConstraint("source", "person_key", "day", name="uq_activity_source_person_day"),
        Index("ix_activity_records_person_day", "person_id", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str
    person_key: str
    person_id: int | None = Field(default=None, foreign_key="people.id", ondelete="CASCADE")
    day: date = Field(index=True)
    sessions: int = Field(default=0, sa_type=COUNT)
    lines_added: int = Field(default=0, sa_type=COUNT)
    lines_removed: int = Field(default=0, sa_type=COUNT)
    commits: int = Field(default=0, sa_type=COUNT)
    pull_requests: int = Field(default=0, sa_type=COUNT)
    tool_accepted: int = Field(default=0, sa_type=COUNT)
    tool_rejected: int = Field(default=0, sa_type=COUNT)
    interactions: int = Field(default=0, sa_type=COUNT)  # prompts / chat requests started (Copilot, Cursor)
    code_generations: int = Field(default=0, sa_type=COUNT)  # code suggestions or generations shown
    code_acceptances: int = Field(default=0, sa_type=COUNT)  # of which accepted
    agent_requests: int = Field(default=0, sa_type=COUNT)  # requests in agent mode
    imported_at: datetime


class ActivityEvent(SQLModel, table=True):
    """One activity data point from a source that reports deltas (Claude Code's OpenTelemetry counters): kept
    once per (source, event_id); the source's ``activity_records`` of a key and day are the sum of its events,
    so deltas add up and a batch sent again changes nothing. ``field`` is an activity record column."""

    __tablename__ = "activity_events"
    __table_args__ = (
        UniqueConstraint("source", "event_id", name="uq_activity_event_source_id"),
        Index("ix_activity_events_bucket", "source", "person_key", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str
    event_id: str
    person_key: str
    day: date
    field: str
    value: int = Field(default=0, sa_type=COUNT)
    imported_at: datetime


class Identity(SQLModel, table=True):
    """An explicit mapping of a usage key (an API key id, a project id, a LiteLLM user, …) to a person:
    ``airetro identities map KEY U…``. E-mails and Slack IDs map without one."""

    __tablename__ = "identities"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)
    person_id: int = Field(foreign_key="people.id", index=True, ondelete="CASCADE")
    created_at: datetime


class TokenSummary(SQLModel, table=True):
    """A person's token use for one ISO week, kept beside their answers (private to them)."""

    __tablename__ = "token_summaries"
    __table_args__ = (UniqueConstraint("person_id", "week", name="uq_token_summary_person_week"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="people.id", index=True, ondelete="CASCADE")
    week: str
    tokens: int = Field(sa_type=COUNT)
    cost_usd: float  # reported, plus estimated from list prices where a source had no dollars
    estimated_cost_usd: float = 0.0  # the estimated part of cost_usd
    unknown_cost_tokens: int = Field(default=0, sa_type=COUNT)  # tokens whose cost nobody knows (not in cost_usd)
    sources: str = ""  # the sources whose tokens counted, comma-separated
    top_model: str | None = None
    updated_at: datetime


class OrgDigest(SQLModel, table=True):
    """The org roll-up posted to a leadership channel: claimed before posting, so a week is posted once
    per channel (also across processes and retries)."""

    __tablename__ = "org_digests"
    __table_args__ = (UniqueConstraint("channel_id", "week", name="uq_org_digest_channel_week"),)

    id: int | None = Field(default=None, primary_key=True)
    channel_id: str
    week: str
    state: str = "claimed"  # claimed → posted, or unknown (Slack's answer lost) → posted once settled
    message_ts: str | None = None
    claimed_at: datetime
    posted_at: datetime | None = None
    claimed_by: str | None = None  # the process that claimed it (``processes.id``)


class Digest(SQLModel, table=True):
    """A team's weekly digest: claimed before posting, so a team-week is posted once."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("team_id", "week", name="uq_digest_team_week"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="teams.id", index=True, ondelete="CASCADE")
    week: str
    state: str = "claimed"  # claimed → posted, or unknown (Slack's answer lost) → posted once settled
    channel_id: str | None = None
    message_ts: str | None = None
    claimed_at: datetime
    posted_at: datetime | None = None
    chart_state: str | None = None  # attached | failed | unknown; None: no chart to upload
    claimed_by: str | None = None  # the process that claimed it (``processes.id``)


class PublishedWeek(SQLModel, table=True):
    """A closed team-week's figures, computed once over that week's cohort and never recomputed.

    ``figures`` holds only what may be shown (``bot.digest.stored``): a figure withheld by the privacy
    floor is not stored at all, so no later view, sum or difference can bring it back.
    """

    __tablename__ = "published_weeks"
    __table_args__ = (UniqueConstraint("team_id", "week", name="uq_published_team_week"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="teams.id", index=True, ondelete="CASCADE")
    week: str
    published_at: datetime
    figures: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class PublishedOrgWeek(SQLModel, table=True):
    """The org roll-up of one ISO week, computed once when every team has closed that week."""

    __tablename__ = "published_org_weeks"

    id: int | None = Field(default=None, primary_key=True)
    week: str = Field(unique=True)
    published_at: datetime
    figures: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class UsagePull(SQLModel, table=True):
    """One scheduled API pull (a ``USAGE_PULLS`` source, ``bot/services/pulls.py``): the day it last ran
    (claimed with a conditional UPDATE, so several scheduler processes pull once a day), the period and
    outcome of that run, and whether the managers have been told of the current failing streak."""

    __tablename__ = "usage_pulls"
    __table_args__ = (UniqueConstraint("source", name="uq_usage_pull_source"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str  # as in USAGE_PULLS: anthropic, claude-code, openai, cursor, copilot
    last_run_day: date | None = None  # UTC day of the last claimed run
    last_run_at: datetime | None = None
    last_since: date | None = None  # the period the last run asked for
    last_until: date | None = None
    last_success_day: date | None = None  # UTC day of the last run that imported
    state: str = "never"  # never → running → ok | failed
    last_error: str | None = None  # one line
    last_rows: int | None = None  # rows the last successful run imported
    failure_reported: bool = False  # managers told of the failing streak


class Process(SQLModel, table=True):
    """A running AI Retro process and its heartbeat (``storage/liveness.py``): a claim made by a process that
    stopped beating is settled at once instead of after the claim lease."""

    __tablename__ = "processes"

    id: str = Field(primary_key=True)
    kind: str  # serve, scheduler, or the CLI command
    host: str
    pid: int
    started_at: datetime
    beat_at: datetime
