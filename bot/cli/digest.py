"""``airetro digest --team NAME`` (print, ``--post`` to the team channel, ``--chart`` a PNG) and
``airetro digest --org`` (every team's week on one line and org totals, ``--post --channel C…``)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from bot.blocks.digest import view_text
from bot.cli.common import CliError, checked_slack, cli_week, open_database
from bot.config import Settings
from bot.digest.figures import DigestFigures
from bot.digest.org import org_text
from bot.digest.progress import Progress
from bot.services import digests, teams
from bot.services.charts import NO_CHART
from storage.models import Team
from storage.weeks import parse_week


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    if args.org:
        return _org_digest(args, settings)
    if not args.team:
        raise CliError("give --team NAME for a team's digest, or --org for the roll-up across teams")
    if args.channel:
        raise CliError("--channel goes with --org: a team's digest is posted to the team's own channel")
    client = checked_slack(settings) if args.post else None  # the token works, or nothing is printed
    engine = open_database(settings)
    team = teams.find_team(engine, args.team)
    week = parse_week(args.week) if args.week else digests.digest_week(team)
    posted = None
    if args.post and _nobody_asked(digests.week_view(engine, team, week)):
        print(
            f"Nobody in {team.name} was prompted in the {cli_week(week)}, so there is no digest to post. "
            "Nothing was posted."
        )
        return 0
    if args.post:  # posting closes the week: the digest printed below is then the one that was posted
        posted = _posting(lambda: digests.post_digest(engine, client, team, week), team.channel_id)
    print(view_text(digests.week_view(engine, team, week)))
    _write_chart(engine, team, week, args.chart)
    if args.post:
        print(
            f"\nPosted to {team.channel_id}."
            if posted
            else f"\nAlready posted for the {cli_week(week)}; not posted again."
        )
    return 0


def _org_digest(args: argparse.Namespace, settings: Settings) -> int:
    """``digest --org [--week W] [--post --channel C…]``: every team's week on one line, and org totals."""
    if args.team:
        raise CliError("--org rolls up every team: leave out --team")
    if getattr(args, "chart", None):
        raise CliError("--chart draws one team's weeks: use it with --team")
    if args.post and not args.channel:
        raise CliError("--org --post needs --channel C… (the leadership channel to post to)")
    if args.channel and not args.post:
        raise CliError("--channel says where to post: add --post")
    if args.channel and not teams.CHANNEL_RE.match(args.channel):
        raise CliError(f"--channel {args.channel!r} is not a Slack channel ID like C0123ABCD")
    client = checked_slack(settings) if args.post else None  # the token works, or nothing is printed
    engine = open_database(settings)
    week = parse_week(args.week) if args.week else digests.org_week()
    try:
        print(org_text(digests.compute_org_digest(engine, week)))
    except digests.OrgNotReady as not_ready:
        raise CliError(str(not_ready)) from None
    if args.post:
        posted = _posting(lambda: digests.post_org_digest(engine, client, args.channel, week), args.channel)
        print(
            f"\nPosted to {args.channel}."
            if posted
            else f"\nAlready posted for the {cli_week(week)}; not posted again."
        )
    return 0


def _nobody_asked(view: DigestFigures | Progress) -> bool:
    """A team-week with no digest to post: nobody was prompted and nobody answered (a week of too few people
    asked still has one, saying so)."""
    if isinstance(view, Progress):
        return not (view.prompted or view.responded)
    return not (view.prompted or view.responded or view.small_cohort)


def _posting(post: Callable[[], object], channel: str) -> object:
    """Run a digest post; Slack's refusal or a lost answer becomes one clear line (and a non-zero exit)."""
    try:
        return post()
    except digests.PostRefused as refused:
        raise CliError(f"Slack refused the post to {channel} ({refused.reason}); nothing was posted.") from None
    except digests.PostUnknown as unknown:
        raise CliError(
            f"Slack didn't confirm the post to {channel} ({unknown.reason}), and it isn't in the channel yet. "
            "Run the same command again in a minute: it looks in the channel first and posts only if it isn't there."
        ) from None


def _write_chart(engine: Engine, team: Team, week: str, path: str | None) -> None:
    """``digest --chart PATH``: the team's last weeks as a PNG file, or the sentence saying why there is none."""
    if not path:
        return
    png = digests.team_chart(engine, team, week)
    if png is None:
        print(f"\n{NO_CHART}")
        return
    Path(path).write_bytes(png)
    print(f"\nChart written to {path}.")
