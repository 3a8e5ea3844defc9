"""Programme operations shared by the organiser pages, the API and the CLI. They flush; the caller commits."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from core.errors import DomainError, NotFound, ValidationFailed
from core.extensions import db
from events.models import (
    Event,
    EventStatus,
    ProgrammeSession,
    Room,
    SessionKind,
    SessionStatus,
    Speaker,
)
from events.signals import session_changed

logger = logging.getLogger(__name__)

EVENT_FIELDS = {
    "slug",
    "name",
    "starts_on",
    "ends_on",
    "timezone",
    "venue",
    "city",
    "country",
    "mode",
    "status",
    "capacity",
    "approval",
    "registration_opens_at",
    "registration_closes_at",
    "description",
}
SESSION_FIELDS = {"title", "kind", "theme", "description", "starts_at", "ends_at", "room_id", "capacity", "online_url"}
# A change of any of these is a change of time, place or status: SEQUENCE goes up and invitations are re-sent.
CALENDAR_FIELDS = {"starts_at", "ends_at", "room_id", "online_url", "status"}


def invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("validation_failed", _("Some fields are not valid."), fields={field: [message]})


# Events ---------------------------------------------------------------------------------------------------------


def check_timezone(name: str) -> ZoneInfo:
    if name not in available_timezones():
        raise invalid("timezone", _("Not a known IANA time zone, such as Asia/Ho_Chi_Minh."))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise invalid("timezone", _("Not a known IANA time zone, such as Asia/Ho_Chi_Minh.")) from exc


def _check_event(event: Event) -> None:
    check_timezone(event.timezone)
    for field in ("registration_opens_at", "registration_closes_at"):
        value = getattr(event, field)
        if value is not None and value.tzinfo is None:
            setattr(event, field, value.replace(tzinfo=event.zone))
    if event.ends_on < event.starts_on:
        raise invalid("ends_on", _("The event cannot end before it starts."))
    if event.capacity is not None and event.capacity < 0:
        raise invalid("capacity", _("Capacity cannot be negative."))
    opens, closes = event.registration_opens_at, event.registration_closes_at
    if opens and closes and closes <= opens:
        raise invalid("registration_closes_at", _("Registration must close after it opens."))


def create_event(data: dict) -> Event:
    """Create an event. Raises DomainError `slug_taken`, ValidationFailed."""
    event = Event(**{key: value for key, value in data.items() if key in EVENT_FIELDS})
    _check_event(event)
    _save_slug(event)
    return event


def update_event(event: Event, data: dict) -> Event:
    """Change an event's fields. Raises DomainError `slug_taken`, ValidationFailed."""
    for key, value in data.items():
        if key in EVENT_FIELDS:
            setattr(event, key, value)
    _check_event(event)
    _save_slug(event)
    return event


def _save_slug(event: Event) -> None:
    clash = db.session.scalar(select(Event.id).where(Event.slug == event.slug, Event.id != (event.id or 0)))
    if clash is not None:
        raise DomainError("slug_taken", _("Another event already uses the address “%(slug)s”.", slug=event.slug))
    try:
        with db.session.begin_nested():
            db.session.add(event)
    except IntegrityError as exc:  # a concurrent request took the slug between the check and the insert
        raise DomainError(
            "slug_taken", _("Another event already uses the address “%(slug)s”.", slug=event.slug)
        ) from exc


def visible_events(*, include_drafts: bool) -> Select:
    statement = select(Event).order_by(Event.starts_on, Event.id)
    if not include_drafts:
        statement = statement.where(Event.status == EventStatus.PUBLISHED)
    return statement


def published_events() -> list[Event]:
    """Published events, soonest first."""
    return list(db.session.scalars(visible_events(include_drafts=False)))


def get_event(event_id: int, *, include_drafts: bool) -> Event:
    """Raises NotFound for a missing event, and for a draft the caller may not see."""
    event = db.session.get(Event, event_id)
    if event is None or (not event.is_published and not include_drafts):
        raise NotFound()
    return event


def get_event_by_slug(slug: str, *, include_drafts: bool = False) -> Event | None:
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None or (not event.is_published and not include_drafts):
        return None
    return event


def event_window(event: Event) -> tuple[datetime, datetime]:
    """The event's first and last day, in its own time zone, as UTC instants [start, end)."""
    zone = event.zone
    start = datetime.combine(event.starts_on, time.min, tzinfo=zone)
    end = datetime.combine(event.ends_on + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def localize(value: datetime, event: Event) -> datetime:
    """An input without an offset is read in the event's time zone (API.md)."""
    return value.replace(tzinfo=event.zone) if value.tzinfo is None else value


# Rooms ----------------------------------------------------------------------------------------------------------


def create_room(event: Event, *, name: str, capacity: int | None = None) -> Room:
    """Add a room. Raises DomainError `room_name_taken`, ValidationFailed."""
    return _save_room(Room(event=event), name=name, capacity=capacity)


def update_room(room: Room, *, name: str | None = None, capacity: int | None = None, **_ignored) -> Room:
    """Rename a room or change its seats. Raises DomainError `room_name_taken`, ValidationFailed."""
    return _save_room(room, name=room.name if name is None else name, capacity=capacity)


def _save_room(room: Room, *, name: str, capacity: int | None) -> Room:
    name = name.strip()
    if not name:
        raise invalid("name", _("A room needs a name."))
    if capacity is not None and capacity < 0:
        raise invalid("capacity", _("Capacity cannot be negative."))
    try:
        # The change is made inside the savepoint: made before it, it would be flushed when the savepoint begins,
        # and a name another room has would fail the request (a 500) instead of being refused here.
        with db.session.begin_nested():
            room.name, room.capacity = name, capacity
            db.session.add(room)
    except IntegrityError as exc:
        message = _("This event already has a room called “%(name)s”.", name=name)
        raise DomainError("room_name_taken", message) from exc
    return room


def rooms_of(event: Event) -> list[Room]:
    return list(db.session.scalars(select(Room).where(Room.event_id == event.id).order_by(Room.name)))


# Sessions -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpeakerInput:
    name: str
    organisation: str = ""


def create_session(event: Event, data: dict) -> ProgrammeSession:
    """Schedule a session. Raises DomainError `outside_event_dates`, `room_conflict`, `speaker_conflict`,
    ValidationFailed."""
    session = ProgrammeSession(event=event, status=data.get("status") or SessionStatus.DRAFT)
    _apply(session, data)
    _check_session(session)
    db.session.add(session)
    db.session.flush()
    return session


def update_session(session: ProgrammeSession, data: dict) -> ProgrammeSession:
    """Change a session; a change of time, place or status raises its SEQUENCE and tells those confirmed."""
    before = {field: getattr(session, field) for field in CALENDAR_FIELDS}
    _apply(session, data)
    if "status" in data and data["status"] is not None:
        session.status = data["status"]
    _check_session(session)
    changed = {field for field in CALENDAR_FIELDS if getattr(session, field) != before[field]}
    if changed:
        session.sequence += 1
    db.session.flush()
    if changed and before["status"] is not SessionStatus.DRAFT:
        session_changed.send(session, change="cancelled" if session.is_cancelled else "updated", fields=changed)
    return session


def cancel_session(session: ProgrammeSession) -> ProgrammeSession:
    """Cancel a session: it stays in every feed with STATUS:CANCELLED; those confirmed get METHOD:CANCEL."""
    if session.is_cancelled:
        return session
    return update_session(session, {"status": SessionStatus.CANCELLED})


def delete_session(session: ProgrammeSession) -> bool:
    """Delete a session nobody signed up for (returns True); otherwise cancel it (returns False)."""
    if session.signups_count == 0 and session.waitlist_count == 0:
        db.session.delete(session)
        db.session.flush()
        return True
    cancel_session(session)
    return False


def _apply(session: ProgrammeSession, data: dict) -> None:
    event = session.event
    for key, value in data.items():
        if key not in SESSION_FIELDS:
            continue
        if key in ("starts_at", "ends_at") and value is not None:
            value = localize(value, event)
        if key in ("theme", "description") and value is None:
            value = ""
        if key == "online_url" and value is not None:
            value = value.strip() or None
        setattr(session, key, value)
    if "room_id" in data:
        # No autoflush: the changes above are not checked yet (an end before the start would fail in the database,
        # a 500, before _check_session could refuse it with a 422).
        with db.session.no_autoflush:
            session.room = db.session.get(Room, data["room_id"]) if data["room_id"] is not None else None
        if data["room_id"] is not None and (session.room is None or session.room.event_id != event.id):
            raise invalid("room_id", _("This room does not belong to the event."))
    if "speakers" in data and data["speakers"] is not None:
        session.speakers = [
            Speaker(name=_squash(entry["name"]), organisation=_squash(entry.get("organisation")), position=position)
            for position, entry in enumerate(data["speakers"])
            if _squash(entry.get("name"))
        ]


def _squash(text: str | None) -> str:
    return " ".join((text or "").split())


def _check_session(session: ProgrammeSession) -> None:
    if not (session.title or "").strip():
        raise invalid("title", _("A session needs a title."))
    if session.starts_at is None or session.ends_at is None:
        raise invalid("starts_at" if session.starts_at is None else "ends_at", _("Give a start and an end."))
    if session.ends_at <= session.starts_at:
        raise invalid("ends_at", _("A session must end after it starts."))
    if session.capacity is not None and session.capacity < 0:
        raise invalid("capacity", _("Capacity cannot be negative."))
    room = session.room
    if (
        room is not None
        and room.capacity is not None
        and session.capacity is not None
        and session.capacity > room.capacity
    ):
        raise invalid(
            "capacity",
            _(
                "The room “%(room)s” seats %(seats)d; the session cannot offer more.",
                room=room.name,
                seats=room.capacity,
            ),
        )
    if session.kind is SessionKind.WORKSHOP and room is None and not session.online_url:
        raise invalid("room_id", _("A workshop needs a room, or a join link if it is online."))
    if session.is_cancelled:
        return  # a cancelled session holds no room and no speaker, and may be cancelled wherever it lies
    start, end = event_window(session.event)
    if session.starts_at < start or session.ends_at > end:
        raise DomainError(
            "outside_event_dates",
            _(
                "The session must take place between %(first)s and %(last)s, in the event's time zone (%(zone)s).",
                first=format_date(session.event.starts_on, "medium"),
                last=format_date(session.event.ends_on, "medium"),
                zone=session.event.timezone,
            ),
        )
    if room is not None:
        _check_room_free(session, room)
    _check_speakers_free(session)


def _overlapping(session: ProgrammeSession) -> Select:
    return select(ProgrammeSession).where(
        ProgrammeSession.event_id == session.event.id,  # event_id is not set before the first flush
        ProgrammeSession.id != (session.id or 0),
        ProgrammeSession.status != SessionStatus.CANCELLED,
        ProgrammeSession.starts_at < session.ends_at,
        ProgrammeSession.ends_at > session.starts_at,
    )


def _check_room_free(session: ProgrammeSession, room: Room) -> None:
    # Lock the room row so that two organisers booking the same slot at once are serialised (PostgreSQL).
    db.session.execute(select(Room.id).where(Room.id == room.id).with_for_update())
    other = db.session.scalar(_overlapping(session).where(ProgrammeSession.room_id == room.id).limit(1))
    if other is not None:
        zone = session.event.zone
        raise DomainError(
            "room_conflict",
            _(
                "The room “%(room)s” is taken then by “%(other)s” (%(start)s–%(end)s).",
                room=room.name,
                other=other.title,
                start=other.starts_at.astimezone(zone).strftime("%H:%M"),
                end=other.ends_at.astimezone(zone).strftime("%H:%M"),
            ),
        )


def _check_speakers_free(session: ProgrammeSession) -> None:
    keys = {speaker.conflict_key: speaker for speaker in session.speakers}
    if not keys:
        return
    # The overlapping sessions of one event are few: compare the normalised names here, in one query.
    candidates = db.session.scalars(_overlapping(session).options(selectinload(ProgrammeSession.speakers)))
    for other in candidates:
        for other_speaker in other.speakers:
            mine = keys.get(other_speaker.conflict_key)
            if mine is not None:
                raise DomainError(
                    "speaker_conflict",
                    _(
                        "%(speaker)s already speaks at “%(other)s” at that time.",
                        speaker=mine.name,
                        other=other.title,
                    ),
                )


def sessions_of(event: Event, *, include_drafts: bool, kind: str | None = None, theme: str | None = None) -> Select:
    """The event's sessions in time order; drafts only for organisers. One query, speakers and rooms included."""
    statement = (
        select(ProgrammeSession)
        .where(ProgrammeSession.event_id == event.id)
        .options(selectinload(ProgrammeSession.speakers))
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.room_id, ProgrammeSession.id)
    )
    if not include_drafts:
        statement = statement.where(ProgrammeSession.status != SessionStatus.DRAFT)
    if kind:
        statement = statement.where(ProgrammeSession.kind == SessionKind(kind))
    if theme:
        statement = statement.where(ProgrammeSession.theme == theme)
    return statement


def get_session(session_id: int, *, include_drafts: bool) -> ProgrammeSession:
    """Raises NotFound for a missing session, or a draft (or one of a draft event) the caller may not see."""
    session = db.session.get(ProgrammeSession, session_id)
    if session is None:
        raise NotFound()
    if not include_drafts and (session.status is SessionStatus.DRAFT or not session.event.is_published):
        raise NotFound()
    return session
