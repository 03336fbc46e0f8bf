"""Teams, people and memberships."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from storage.models import Person, Team, TeamManager, TeamMember


class TeamExists(Exception):
    pass


def upsert_person(
    session: Session, slack_user_id: str, *, email: str | None = None, display_name: str | None = None
) -> Person:
    person = session.exec(select(Person).where(Person.slack_user_id == slack_user_id)).first()
    if person is None:
        person = Person(slack_user_id=slack_user_id)
        session.add(person)
    if email:
        person.email = email.lower()
    if display_name:
        person.display_name = display_name
    session.flush()
    return person


def create_team(
    session: Session,
    *,
    name: str,
    channel_id: str,
    tz: str,
    prompt: tuple[int, str],
    digest: tuple[int, str],
    min_respondents: int,
    member_ids: list[str],
    reminder_hours: int = 24,
    per_member_tz: bool = False,
) -> Team:
    if get_team(session, name) is not None:
        raise TeamExists(name)
    team = Team(
        name=name,
        channel_id=channel_id,
        tz=tz,
        prompt_weekday=prompt[0],
        prompt_time=prompt[1],
        digest_weekday=digest[0],
        digest_time=digest[1],
        min_respondents=min_respondents,
        reminder_hours=reminder_hours,
        per_member_tz=per_member_tz,
        created_at=datetime.now(UTC),
    )
    session.add(team)
    session.flush()
    for slack_user_id in dict.fromkeys(member_ids):
        person = upsert_person(session, slack_user_id)
        session.add(TeamMember(team_id=team.id, person_id=person.id))
    session.flush()
    return team


def get_team(session: Session, name: str) -> Team | None:
    return session.exec(select(Team).where(Team.name == name)).first()


def find_team_by_name(session: Session, name: str) -> Team | None:
    """A team by name, ignoring case (what people type in a slash command)."""
    return session.exec(select(Team).where(func.lower(Team.name) == name.strip().lower())).first()


def teams_in_channel(session: Session, channel_id: str) -> list[Team]:
    return list(session.exec(select(Team).where(Team.channel_id == channel_id).order_by(Team.name)))


def get_person(session: Session, slack_user_id: str) -> Person | None:
    return session.exec(select(Person).where(Person.slack_user_id == slack_user_id)).first()


def _teams_linked(session: Session, link: type[TeamMember] | type[TeamManager], slack_user_id: str) -> list[Team]:
    query = (
        select(Team)
        .join(link, link.team_id == Team.id)
        .join(Person, Person.id == link.person_id)
        .where(Person.slack_user_id == slack_user_id)
        .order_by(Team.name)
    )
    return list(session.exec(query))


def teams_of(session: Session, slack_user_id: str) -> list[Team]:
    """The teams the user is a member of (prompted), by name."""
    return _teams_linked(session, TeamMember, slack_user_id)


def managed_by(session: Session, slack_user_id: str) -> list[Team]:
    """The teams the user manages, by name."""
    return _teams_linked(session, TeamManager, slack_user_id)


def team_managers(session: Session, team_id: int) -> list[Person]:
    return _people_linked(session, TeamManager, team_id)


def _set_people(session: Session, link: type[TeamMember] | type[TeamManager], team_id: int, ids: list[str]) -> None:
    """Make the people linked to the team through ``link`` exactly the Slack users ``ids``."""
    wanted = {upsert_person(session, uid).id for uid in dict.fromkeys(ids)}
    current = set(session.exec(select(link.person_id).where(link.team_id == team_id)))
    if current - wanted:
        session.execute(delete(link).where(link.team_id == team_id, link.person_id.in_(current - wanted)))
    for person_id in sorted(wanted - current):
        session.add(link(team_id=team_id, person_id=person_id))
    session.flush()


def set_team_members(session: Session, team_id: int, slack_user_ids: list[str]) -> None:
    """Make the team's members exactly ``slack_user_ids`` (answers of people who left are kept)."""
    _set_people(session, TeamMember, team_id, slack_user_ids)


def set_team_managers(session: Session, team_id: int, slack_user_ids: list[str]) -> None:
    """Make the team's managers exactly ``slack_user_ids``."""
    _set_people(session, TeamManager, team_id, slack_user_ids)


def list_teams(session: Session, *, include_paused: bool = True) -> list[Team]:
    query = select(Team).order_by(Team.name)
    if not include_paused:
        query = query.where(Team.paused == False)  # noqa: E712 - SQL comparison
    return list(session.exec(query))


def _people_linked(session: Session, link: type[TeamMember] | type[TeamManager], team_id: int) -> list[Person]:
    query = (
        select(Person)
        .join(link, link.person_id == Person.id)
        .where(link.team_id == team_id)
        .order_by(Person.slack_user_id)
    )
    return list(session.exec(query))


def team_members(session: Session, team_id: int) -> list[Person]:
    return _people_linked(session, TeamMember, team_id)


def primary_teams(session: Session, person_ids: list[int]) -> dict[int, int]:
    """Each person's primary team: the one they chose while they are still in it, else the first they joined."""
    if not person_ids:
        return {}
    chosen = dict(session.exec(select(Person.id, Person.primary_team_id).where(Person.id.in_(person_ids))).all())
    memberships = session.exec(
        select(TeamMember.person_id, TeamMember.team_id)
        .where(TeamMember.person_id.in_(person_ids))
        .order_by(TeamMember.id)
    ).all()
    teams: dict[int, list[int]] = {}
    for person_id, team_id in memberships:
        teams.setdefault(person_id, []).append(team_id)
    return {
        person_id: chosen.get(person_id) if chosen.get(person_id) in ids else ids[0] for person_id, ids in teams.items()
    }


def counted_members(session: Session, team_id: int) -> list[Person]:
    """The members whose primary team this is: the ones it prompts, and whose figures count in it."""
    people = team_members(session, team_id)
    primary = primary_teams(session, [p.id for p in people])
    return [p for p in people if primary.get(p.id) == team_id]


def set_primary_team(session: Session, person_id: int, team_id: int) -> None:
    session.get(Person, person_id).primary_team_id = team_id


def set_person_tz(session: Session, person_id: int, tz: str | None, checked_at: datetime) -> None:
    person = session.get(Person, person_id)
    if tz:
        person.tz = tz
    person.tz_checked_at = checked_at


def list_active_team_ids(session: Session) -> list[int]:
    return [team.id for team in list_teams(session, include_paused=False)]


def paused_with_end(session: Session) -> list[Team]:
    """The teams with a pause's last day set (``/airetro pause team until``): paused, or left over from a pause ended
    some other way (``airetro team --resume``)."""
    return list(session.exec(select(Team).where(Team.paused_until.is_not(None))))


def end_pause(session: Session, team_id: int, paused_until: date, *, paused: bool = True) -> bool:
    """Run a team paused through ``paused_until`` again (its pause is over), or (``paused`` False) clear that day
    left over on a team running already; False when the team changed meanwhile (a manager resumed or paused it, or
    set another day): one conditional UPDATE decides."""
    result = session.execute(
        update(Team)
        .where(Team.id == team_id, Team.paused == paused, Team.paused_until == paused_until)
        .values(paused=False, paused_until=None)
        .returning(Team.id)
    ).first()
    return result is not None
