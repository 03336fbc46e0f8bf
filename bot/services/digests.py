"""A team's weekly digest, read from its published figures and posted once per team-week; the org roll-up.

Figures come only from published (closed) weeks, see ``bot.services.publication``: posting a digest closes
its week, and a preview of a week that is still open shows how many have answered, never figures.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session

from bot.blocks.digest import digest_blocks
from bot.blocks.org_digest import org_digest_blocks
from bot.digest import stored
from bot.digest.figures import DigestFigures
from bot.digest.org import MAX_TEAM_LINES, ORG_NAME, OrgFigures, TeamWeek, combine, compute_org, org_text
from bot.digest.progress import Progress
from bot.digest.sections import digest_text
from bot.digest.trend import TREND_WEEKS, compute_trend
from bot.formatting import clip, slack_escape, week_label
from bot.services import charts, once, publication
from storage.engine import session_scope
from storage.models import Digest, Team
from storage.queries import digests as dq
from storage.queries import published as pq
from storage.queries import teams as tq
from storage.weeks import week_key, weeks_back

log = logging.getLogger(__name__)
FALLBACK_TEXT_LIMIT = 3000
NOT_IN_CHANNEL = "not_in_channel"


def digest_week(team: Team, now: datetime | None = None) -> str:
    """The week a digest posted ``now`` reports on (the week of the latest prompt)."""
    return publication.current_week(team, now or datetime.now(UTC))


def empty_week(team: Team, week: str) -> DigestFigures:
    """A week with no figures to show (still open, in a trend or chart window): not drawn, no figures."""
    return DigestFigures(team.name, week, team.min_respondents, 0, 0, 0, 0, 0, 0, 0, suppressed=True)


def recent_figures(
    session: Session, team: Team, last_week: str, count: int, now: datetime, *, highlights: bool = False
) -> list[DigestFigures]:
    """The published figures of ``count`` weeks ending with ``last_week``, oldest first (trend, chart);
    a week still open counts as one with nothing to show. ``highlights``: with ``last_week``'s highlights
    (the digest's); the other weeks' are never read."""
    weeks = weeks_back(last_week, count)
    found = publication.closed_figures(session, team, weeks, now, highlights_of={last_week} if highlights else ())
    return [f if f is not None else empty_week(team, week) for week, f in zip(weeks, found, strict=True)]


def with_trend(weeks: list[DigestFigures]) -> DigestFigures:
    """The last of ``weeks`` (oldest first) with the trend over its last ``TREND_WEEKS``."""
    return replace(weeks[-1], trend=compute_trend(weeks[-TREND_WEEKS:]))


def week_view(engine: Engine, team: Team, week: str, now: datetime | None = None) -> DigestFigures | Progress:
    """What a team-week's digest shows now: its published figures with the trend once the week is closed,
    else how it is going (no figures)."""
    now = now or datetime.now(UTC)
    weeks = weeks_back(week, TREND_WEEKS)
    with session_scope(engine) as session:
        # the week and its trend's, in one read; only the week's own highlights are shown
        found = publication.closed_figures(session, team, weeks, now, highlights_of={week})
        if found[-1] is None:
            return publication.progress(session, team, week)
    return with_trend([f if f is not None else empty_week(team, w) for w, f in zip(weeks, found, strict=True)])


def team_chart(engine: Engine, team: Team, week: str, now: datetime | None = None) -> bytes | None:
    """PNG of the team's ``CHART_WEEKS`` weeks ending with ``week`` (published figures); ``None`` if no week
    may be shown."""
    with session_scope(engine) as session:
        weeks = recent_figures(session, team, week, charts.CHART_WEEKS, now or datetime.now(UTC))
    return charts.draw(team, weeks)


DIGEST_EVENT = "airetro_digest"  # message metadata of a team digest: {"team_id", "week"}
ORG_DIGEST_EVENT = "airetro_org_digest"  # of an org roll-up: {"week"}


class PostRefused(Exception):
    """Slack certainly did not post it (e.g. ``not_in_channel``); the claim is given back."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Slack refused the post: {reason}")
        self.reason = reason


class PostUnknown(Exception):
    """Slack's answer was lost and the message is not in the channel yet: it stays claimed as ``unknown``
    and is settled (looked for again, then posted only if it is not there) from ``SETTLE_AFTER`` on."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Slack did not confirm the post: {reason}")
        self.reason = reason


def _begin(session: Session, claim: dq.Claim | None, existing: dq.Claim | None, now: datetime) -> tuple:
    """(claim to work on, time to look back to for an earlier attempt's message or None); (None, None) when
    there is nothing to do: posted already, or someone else is on it."""
    if claim is not None:
        return claim, None
    if existing is None or existing.state == "posted" or not dq.settleable(session, existing, now):
        return None, None
    since = existing.claimed_at.replace(tzinfo=existing.claimed_at.tzinfo or UTC)
    if not dq.take_over(session, existing, now):
        return None, None
    session.refresh(existing)
    return existing, since


def _post_claimed(
    engine: Engine,
    client: WebClient,
    claim: dq.Claim,
    since: datetime | None,
    channel: str,
    event: str,
    key: dict,
    now: datetime,
    **message: object,
) -> once.PostResult:
    """Post the claimed message once, or find the one an earlier attempt may have posted; a refusal gives the
    claim back (``PostRefused``), a lost answer leaves it ``unknown`` (``PostUnknown``)."""
    result = None
    if since is not None:  # settling an earlier attempt: is its message there?
        try:
            ts = once.find_posted(client, channel, event, key, since)
        except once.CannotCheck as error:
            with session_scope(engine) as session:
                dq.mark_unknown(session, session.merge(claim))
            raise PostUnknown(str(error)) from None
        if ts is not None:
            log.info("found the %s post of %s in %s: recorded, not posted again", event, key, channel)
            result = once.PostResult("posted", channel, ts)
    if result is None:
        result = once.post_settled(client, channel=channel, event_type=event, key=key, since=now, **message)
    if result.outcome == "refused":
        with session_scope(engine) as session:
            dq.release_claim(session, session.merge(claim))
        raise PostRefused(result.error)
    if result.outcome == "unknown":
        with session_scope(engine) as session:
            dq.mark_unknown(session, session.merge(claim))
        raise PostUnknown(result.error)
    return result


def post_digest(engine: Engine, client: WebClient, team: Team, week: str, now: datetime | None = None) -> Digest | None:
    """Close the team-week (publish its figures, if not done yet) and post its digest to the team channel
    once; None if it was already posted (or another process is posting it).

    Raises ``PostRefused`` (nothing posted; the next try may post) or ``PostUnknown`` (Slack's answer was
    lost and the digest is not in the channel yet; a try from ``SETTLE_AFTER`` on looks again first)."""
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        fresh = dq.claim_digest(session, team.id, week, now)
        existing = dq.get_digest(session, team.id, week) if fresh is None else None
        if existing is not None and existing.state == "posted" and existing.chart_state == "unknown":
            settle_chart = existing
        else:
            settle_chart = None
        claim, since = _begin(session, fresh, existing, now)
        if claim is None and settle_chart is None:
            return None
        publication.publish(session, team, week, now)
        # once, for both; the week's own highlights for the digest
        history = recent_figures(session, team, week, max(TREND_WEEKS, charts.CHART_WEEKS), now, highlights=True)
    chart = charts.prepare_digest_chart(team, week, history)  # never raises: a failed drawing is only logged
    if claim is None:  # posted, its chart's upload unsettled: look for it, upload it if it is not there
        _record_chart(engine, settle_chart, team, week, chart, look_first=True, client=client)
        return None
    figures = with_trend(history)
    key = {"team_id": team.id, "week": week}
    result = _post_claimed(
        engine, client, claim, since, team.channel_id, DIGEST_EVENT, key, now,
        text=clip(digest_text(figures), FALLBACK_TEXT_LIMIT),
        blocks=charts.with_chart_note(digest_blocks(figures), chart),
        unfurl_links=False,
    )  # fmt: skip
    with session_scope(engine) as session:
        claim = session.merge(claim)
        dq.mark_posted(session, claim, result.channel, result.ts)
    log.info("posted digest for %s %s", team.name, week)
    return _record_chart(engine, claim, team, week, chart, look_first=since is not None, client=client)


def _record_chart(
    engine: Engine, digest: Digest, team: Team, week: str, chart: charts.DigestChart, *, look_first: bool,
    client: WebClient,
) -> Digest:  # fmt: skip
    state = charts.attach_digest_chart(
        client, team, week, chart, digest.channel_id, digest.message_ts, look_first=look_first
    )
    with session_scope(engine) as session:
        digest = session.merge(digest)
        dq.mark_chart(session, digest, state)
        session.flush()
        session.expunge(digest)
    return digest


def post_now(engine: Engine, client: WebClient, team: Team) -> str:
    """A manager's "post this week's digest now" (``/airetro digest post``, the Home button): post it once
    and say what is true, in words for that manager."""
    week = digest_week(team)
    name = slack_escape(team.name)
    try:
        posted = post_digest(engine, client, team, week)
    except PostRefused as refused:  # nothing is posted; the claim was given back
        hint = " Invite the bot to the channel first (`/invite @AI Retro`)." if refused.reason == NOT_IN_CHANNEL else ""
        return f":warning: Slack refused the digest for *{name}* ({refused.reason}); nothing was posted.{hint}"
    except PostUnknown:
        return (
            f":hourglass_flowing_sand: Slack didn't confirm the digest for *{name}*, so it may or may not be in "
            f"<#{team.channel_id}>. I'm checking: it will be posted once, never twice. "
            "If it isn't there in a couple of minutes, post again and I'll look before posting."
        )
    with session_scope(engine) as session:
        digest = dq.get_digest(session, team.id, week)
        state = digest.state if digest is not None else None
    label = week_label(week)
    if posted is not None:
        return f":white_check_mark: Posted the digest of the {label} for *{name}* in <#{team.channel_id}>."
    if state == "posted":
        return f"The digest of the {label} for *{name}* was already posted in <#{team.channel_id}>; it is posted once."
    return (
        f":hourglass_flowing_sand: The digest of the {label} for *{name}* is being posted or checked right now; "
        f"look in <#{team.channel_id}> in a minute. It is posted once."
    )


# The org roll-up -------------------------------------------------------------------------------------


def org_week(now: datetime | None = None) -> str:
    """The ISO week (UTC) an org roll-up reports on by default: the current one."""
    return week_key((now or datetime.now(UTC)).date())


class OrgNotReady(Exception):
    """Some team has not closed the week yet: the roll-up is computed once, after every team has."""

    def __init__(self, week: str, ready_at: datetime) -> None:
        super().__init__(
            f"The roll-up of the {week_label(week)} is computed once every team's week has closed, after "
            f"{ready_at:%a %d %b %H:%M} UTC; nothing is shown before that."
        )
        self.week, self.ready_at = week, ready_at


def _org_stored(org: OrgFigures) -> dict:
    return {
        "teams": [[f.team, stored.to_stored(f)] for f in org.teams],
        "other": stored.to_stored(org.other) if org.other is not None else None,
        "other_name": org.other.team if org.other is not None else None,
        "folded": org.folded,
        "other_min_respondents": org.other_min_respondents,
        "not_run": org.not_run,
        "everyone_away": org.everyone_away,
    }


def _org_from_stored(week: str, data: dict) -> OrgFigures:
    teams = [stored.from_stored(name, week, figures) for name, figures in data["teams"]]
    other = stored.from_stored(data["other_name"], week, data["other"]) if data["other"] else None
    parts = [*teams, *([other] if other else [])]
    return OrgFigures(
        week=week,
        teams=tuple(teams),
        other=other,
        folded=data["folded"],
        other_min_respondents=data["other_min_respondents"],
        not_run=data["not_run"],
        everyone_away=data.get("everyone_away", 0),  # stored before away: none
        totals=combine(ORG_NAME, week, parts) if parts else None,
        counted_teams=len(teams) + (data["folded"] if other else 0),
    )


def org_figures(session: Session, week: str, now: datetime) -> OrgFigures:
    """The week's roll-up, computed once (when every team has closed the week) and read back after."""
    found = pq.org_published(session, week)
    if found is not None:
        return _org_from_stored(week, found.figures)
    teams = tq.list_teams(session)
    ready_at = max((publication.closes_at(t, week) for t in teams), default=now)
    if now < ready_at and not all(pq.published(session, t.id, [week]) for t in teams):
        raise OrgNotReady(week, ready_at)
    shown, folded, not_run, everyone_away = [], [], 0, 0
    for team in teams:
        [figures] = publication.closed_figures(session, team, [week], max(now, ready_at))
        if figures is not None and figures.everyone_away:  # a holiday week: nobody was asked
            everyone_away += 1
        elif figures is None or not (figures.prompted or figures.responded or figures.small_cohort):
            not_run += 1
        elif figures.suppressed:  # folded as the week was when it closed, held to the floor it closed with
            closed_at = pq.published(session, team.id, [week])[week].published_at
            cohort = tuple(publication.cohort_data(session, team.id, week, as_of=closed_at))
            folded.append(TeamWeek(team.name, figures.min_respondents, cohort))
        else:
            shown.append(replace(figures, highlights=(), more_highlights=0))
    org = compute_org(week, shown, folded, not_run, everyone_away)
    pq.insert_org_once(session, week, _org_stored(org), now)
    return _org_from_stored(week, pq.org_published(session, week).figures)


def compute_org_digest(engine: Engine, week: str, now: datetime | None = None) -> OrgFigures:
    with session_scope(engine) as session:
        return org_figures(session, week, now or datetime.now(UTC))


def post_org_digest(engine: Engine, client: WebClient, channel: str, week: str, now: datetime | None = None) -> bool:
    """Post the week's org roll-up to ``channel`` once; False when it was already posted (or is being posted)
    there. The claim row is committed before the post; ``PostRefused`` gives it back, ``PostUnknown`` leaves
    it to be settled by the roll-up's metadata in the channel (as ``post_digest``)."""
    now = now or datetime.now(UTC)
    org = compute_org_digest(engine, week, now)  # OrgNotReady before anything is claimed
    with session_scope(engine) as session:
        fresh = dq.claim_org_digest(session, channel, week, now)
        existing = dq.get_org_digest(session, channel, week) if fresh is None else None
        claim, since = _begin(session, fresh, existing, now)
    if claim is None:
        return False
    result = _post_claimed(
        engine, client, claim, since, channel, ORG_DIGEST_EVENT, {"week": week}, now,
        text=clip(org_text(org, slack_escape, MAX_TEAM_LINES), FALLBACK_TEXT_LIMIT),
        blocks=org_digest_blocks(org),
        unfurl_links=False,
    )  # fmt: skip
    with session_scope(engine) as session:
        dq.mark_org_posted(session, session.merge(claim), result.ts)
    log.info("posted the org digest for %s to %s", week, channel)
    return True
