"""Public programme pages: the event with its timetable, and one session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from importlib.resources import files
from importlib.util import find_spec
from pathlib import Path
from zoneinfo import TZPATH, ZoneInfo, available_timezones

from babel import dates as babel_dates
from flask import abort, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from core.auth.access import public
from core.auth.models import Role
from core.extensions import db
from events import bp
from events.models import Event, ProgrammeSession, SessionKind, SessionStatus
from events.services import get_event_by_slug, get_session, published_events, sessions_of
from events.signals import may_see_join_link

# Hours and minutes on the 24-hour clock in every language: unambiguous for delegates across the region.
TIME_PATTERN = "HH:mm"


def _is_organiser() -> bool:
    return current_user.is_authenticated and current_user.has_role(Role.ORGANISER)


# Time zones -----------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    # available_timezones() walks the zone database on every call; the set does not change while we run.
    return frozenset(available_timezones())


@lru_cache(maxsize=1)
def zone_links() -> dict[str, str]:
    """Old zone names and the current ones they stand for (Asia/Rangoon -> Asia/Yangon), from the zone database.

    Browsers name some zones by their old names (Chromium says Asia/Saigon and Asia/Rangoon), so a name from one
    is read as the zone it links to.
    """
    candidates = [files("tzdata").joinpath("zoneinfo", "tzdata.zi")] if find_spec("tzdata") else []
    candidates += [Path(folder) / "tzdata.zi" for folder in TZPATH]
    for candidate in candidates:
        if candidate.is_file():
            links = {}
            for line in candidate.read_text(encoding="utf-8").splitlines():
                if line.startswith("L "):  # "L Asia/Yangon Asia/Rangoon": a link from the old name to the zone
                    _, target, alias = line.split()[:3]
                    links[alias] = target
            return links
    return {}


def canonical_zone(name: str) -> str | None:
    """The current IANA name of a known zone, or None for a name that is not one."""
    if name not in known_timezones():
        return None
    return zone_links().get(name, name)


@dataclass(frozen=True)
class Clock:
    """Shows instants in one time zone, in the request's language."""

    zone: ZoneInfo
    locale: str

    def local(self, value: datetime) -> datetime:
        return value.astimezone(self.zone)

    def time(self, value: datetime) -> str:
        return babel_dates.format_time(value, TIME_PATTERN, tzinfo=self.zone, locale=self.locale)

    def iso(self, value: datetime) -> str:
        """For the datetime attribute of <time>: the instant with the offset of the zone shown."""
        return self.local(value).isoformat(timespec="minutes")

    def day(self, value: date | datetime, format: str = "full") -> str:  # noqa: A002 (Babel's own word)
        if isinstance(value, datetime):
            value = self.local(value).date()
        return babel_dates.format_date(value, format, locale=self.locale)

    def offset(self, value: datetime) -> str:
        """The offset, such as GMT+07:00, at the given instant (it changes with daylight saving time in some zones)."""
        return babel_dates.get_timezone_gmt(self.local(value), locale=self.locale)


@dataclass(frozen=True)
class ZoneChoice:
    """Which zone the page shows, and what the one switch offers."""

    event_zone: str
    shown: str
    # The signed-in viewer's profile zone; None for a visitor, whose browser supplies it (static/js/timezone.js).
    mine: str | None

    @property
    def is_event_zone(self) -> bool:
        return self.shown == self.event_zone

    @property
    def offers_mine(self) -> bool:
        return self.mine is not None and self.mine != self.event_zone


def choose_zone(event: Event) -> ZoneChoice:
    """The `tz` argument when it names a known IANA zone, otherwise the event's zone."""
    event_zone = canonical_zone(event.timezone) or event.timezone
    shown = canonical_zone(request.args.get("tz", "")) or event_zone
    mine = canonical_zone(current_user.timezone or "") if current_user.is_authenticated else None
    return ZoneChoice(event_zone=event_zone, shown=shown, mine=mine)


# The arguments that links to another zone carry along; only these, so no argument can reach url_for's own.
FILTER_ARGS = ("kind", "theme")


def _url_with(endpoint: str, *, tz: str | None, **values) -> str:
    """The current URL's filters with `tz` set, or removed when None."""
    args = {key: request.args[key] for key in FILTER_ARGS if request.args.get(key)}
    if tz is not None:
        args["tz"] = tz
    return url_for(endpoint, **values, **args)


def _zone_context(event: Event, endpoint: str, **values) -> dict:
    zone = choose_zone(event)
    return {
        "zone": zone,
        "clock": Clock(ZoneInfo(zone.shown), str(get_locale() or "en")),
        # The offset shown next to the zone's name is the one of the event's first day (daylight saving time).
        "zone_reference": datetime.combine(event.starts_on, time(12), tzinfo=event.zone),
        # The zone argument that links from this page carry along, so the choice sticks while browsing.
        "tz_arg": None if zone.is_event_zone else zone.shown,
        "event_zone_url": _url_with(endpoint, tz=None, **values),
        "my_zone_url": _url_with(endpoint, tz=zone.mine, **values) if zone.mine else None,
    }


def _calendar_links(event: Event) -> dict:
    # The feeds belong to events/ical.py; their paths are fixed by API.md.
    feed = url_for("events.event_page", slug=event.slug, _external=True) + "/calendar.ics"
    return {"programme_ics_url": feed, "programme_webcal_url": "webcal://" + feed.split("://", 1)[1]}


# Timetable ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    room_id: int | None
    label: str


@dataclass(frozen=True)
class Slot:
    """The sessions that start at one instant: a list per column (several online sessions may share a start)."""

    starts_at: datetime
    cells: list[list[ProgrammeSession]]


@dataclass(frozen=True)
class Day:
    date: date
    columns: list[Column]
    slots: list[Slot]

    @property
    def anchor(self) -> str:
        return f"day-{self.date.isoformat()}"


def build_timetable(sessions: list[ProgrammeSession], clock: Clock) -> list[Day]:
    """Group sessions by day in the zone shown, one column per room used that day, then one for no room."""
    by_day: dict[date, list[ProgrammeSession]] = {}
    for session in sessions:
        by_day.setdefault(clock.local(session.starts_at).date(), []).append(session)
    days = []
    for day, day_sessions in sorted(by_day.items()):
        rooms = sorted({s.room for s in day_sessions if s.room is not None}, key=lambda r: (r.name.casefold(), r.id))
        columns = [Column(room.id, room.name) for room in rooms]
        roomless = [s for s in day_sessions if s.room is None]
        if roomless:
            label = _l("Online") if all(s.online_url for s in roomless) else _l("Online or no room")
            columns.append(Column(None, str(label)))
        position = {column.room_id: index for index, column in enumerate(columns)}
        slots: dict[datetime, list[list[ProgrammeSession]]] = {}
        for session in sorted(day_sessions, key=lambda s: (s.starts_at, s.id)):
            cells = slots.setdefault(session.starts_at, [[] for _ in columns])
            cells[position[session.room_id]].append(session)
        days.append(Day(day, columns, [Slot(start, cells) for start, cells in sorted(slots.items())]))
    return days


def themes_of(event: Event, *, include_drafts: bool) -> list[str]:
    """The themes used by the event's sessions, for the filter."""
    statement = select(ProgrammeSession.theme).where(
        ProgrammeSession.event_id == event.id, ProgrammeSession.theme != ""
    )
    if not include_drafts:
        statement = statement.where(ProgrammeSession.status != SessionStatus.DRAFT)
    return sorted(set(db.session.scalars(statement.distinct())), key=str.casefold)


# Pages ----------------------------------------------------------------------------------------------------------


@bp.get("/events/<slug>")
@public
def event_page(slug: str):
    organiser = _is_organiser()
    event = get_event_by_slug(slug, include_drafts=organiser) or abort(404)
    kind = request.args.get("kind", "")
    kind = kind if kind in {k.value for k in SessionKind} else ""  # an unknown kind is no filter, not an error
    theme = request.args.get("theme", "").strip()
    sessions = list(
        db.session.scalars(sessions_of(event, include_drafts=organiser, kind=kind or None, theme=theme or None))
    )
    context = _zone_context(event, "events.event_page", slug=event.slug)
    return render_template(
        "events/event.html",
        event=event,
        days=build_timetable(sessions, context["clock"]),
        kinds=list(SessionKind),
        themes=themes_of(event, include_drafts=organiser),
        chosen_kind=kind,
        chosen_theme=theme,
        filtered=bool(kind or theme),
        **context,
        **_calendar_links(event),
    )


@bp.get("/events/<slug>/sessions/<int:session_id>")
@public
def session_page(slug: str, session_id: int):
    organiser = _is_organiser()
    event = get_event_by_slug(slug, include_drafts=organiser) or abort(404)
    session = get_session(session_id, include_drafts=organiser)
    if session.event_id != event.id:
        abort(404)
    join_url = session.online_url if session.online_url and may_see_join_link(current_user, event) else None
    return render_template(
        "events/session.html",
        event=event,
        session=session,
        join_url=join_url,
        # One session's invitation; events/ical.py serves it to signed-in registrants (API.md).
        invite_url=f"{request.script_root}/my/sessions/{session.id}/invite.ics",  # registration domain's page
        **_zone_context(event, "events.session_page", slug=event.slug, session_id=session.id),
        **_calendar_links(event),
    )


def home_section() -> str:
    return render_template("events/_home_events.html", events=published_events())
