"""Events: a summit, with its dates, venue, time zone and registration rules."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, utcnow
from core.extensions import db


def _enum(enum_class: type[enum.Enum], name: str) -> Enum:
    return Enum(enum_class, name=name, values_callable=lambda members: [m.value for m in members])


class EventMode(enum.StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    HYBRID = "hybrid"

    @property
    def label(self) -> str:
        return str({"in_person": _l("In person"), "online": _l("Online"), "hybrid": _l("Hybrid")}[self.value])


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class ApprovalMode(enum.StrEnum):
    AUTO = "auto"
    MODERATED = "moderated"


class Event(db.Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Calendar dates in the event's own time zone.
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name, e.g. Asia/Ho_Chi_Minh
    venue: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="VN")  # ISO 3166-1 alpha-2
    mode: Mapped[EventMode] = mapped_column(_enum(EventMode, "event_mode"), default=EventMode.IN_PERSON)
    status: Mapped[EventStatus] = mapped_column(_enum(EventStatus, "event_status"), default=EventStatus.DRAFT)
    # In-person seats; None means no limit.
    capacity: Mapped[int | None] = mapped_column()
    approval: Mapped[ApprovalMode] = mapped_column(_enum(ApprovalMode, "approval_mode"), default=ApprovalMode.MODERATED)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    description: Mapped[str] = mapped_column(Text, default="")
    # In-person seats held by pending and approved registrations; changed only by conditional updates.
    seats_taken: Mapped[int] = mapped_column(default=0)
    # Length of the event's waiting list; a new entry's position is this counter after its increment.
    waitlist_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.slug}>"

    @property
    def seats_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.seats_taken, 0)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_published(self) -> bool:
        return self.status is EventStatus.PUBLISHED


class SessionKind(enum.StrEnum):
    PLENARY = "plenary"
    WORKSHOP = "workshop"
    MEETING = "meeting"
    EXHIBITION = "exhibition"
    SOCIAL = "social"
    BREAK = "break"

    @property
    def label(self) -> str:
        return str(SESSION_KIND_LABELS[self])


SESSION_KIND_LABELS = {
    SessionKind.PLENARY: _l("Plenary"),
    SessionKind.WORKSHOP: _l("Workshop"),
    SessionKind.MEETING: _l("Meeting"),
    SessionKind.EXHIBITION: _l("Exhibition"),
    SessionKind.SOCIAL: _l("Social"),
    SessionKind.BREAK: _l("Break"),
}


class SessionStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str({"draft": _l("Draft"), "published": _l("Published"), "cancelled": _l("Cancelled")}[self.value])


class Room(db.Model):
    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("event_id", "name", name="uq_rooms_event_id_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # Seats in the room; None when not limited.
    capacity: Mapped[int | None] = mapped_column()

    event: Mapped[Event] = relationship()

    def __repr__(self) -> str:
        return f"<Room {self.id} {self.name!r} event={self.event_id}>"


def _new_uid() -> str:
    return f"{uuid.uuid4()}@ascn-summit"


class ProgrammeSession(db.Model):
    """A session of the programme (the API's "session"): plenary, workshop, online meeting, ..."""

    __tablename__ = "programme_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("signups_count >= 0 AND waitlist_count >= 0", name="counts_not_negative"),
        Index("ix_programme_sessions_event_start", "event_id", "starts_at"),
        Index("ix_programme_sessions_room_start", "room_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    # The calendar UID, fixed at creation: every feed and invitation names the session by it for its whole life.
    uid: Mapped[str] = mapped_column(String(100), unique=True, default=_new_uid)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[SessionKind] = mapped_column(_enum(SessionKind, "session_kind"))
    theme: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="RESTRICT"))
    # Seats for sign-up; None means no limit. At most the room's capacity unless the session is online only.
    capacity: Mapped[int | None] = mapped_column()
    # Join link of an online or hybrid session: shown to organisers and approved registrants only.
    online_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[SessionStatus] = mapped_column(_enum(SessionStatus, "session_status"), default=SessionStatus.DRAFT)
    # iCalendar SEQUENCE: raised on every change of time, place or status.
    sequence: Mapped[int] = mapped_column(default=0)
    # Kept by the registration domain with conditional updates, so capacity holds under concurrency.
    signups_count: Mapped[int] = mapped_column(default=0)
    waitlist_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    room: Mapped[Room | None] = relationship(lazy="joined")
    speakers: Mapped[list[Speaker]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="Speaker.position", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<ProgrammeSession {self.id} {self.title!r} {self.starts_at:%Y-%m-%d %H:%M}Z {self.status}>"

    @property
    def seats_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.signups_count, 0)

    @property
    def is_online_only(self) -> bool:
        return self.room_id is None and bool(self.online_url)

    @property
    def is_cancelled(self) -> bool:
        return self.status is SessionStatus.CANCELLED


class Speaker(db.Model):
    __tablename__ = "speakers"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("programme_sessions.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(default=0)

    session: Mapped[ProgrammeSession] = relationship(back_populates="speakers")

    def __repr__(self) -> str:
        return f"<Speaker {self.id} {self.name!r}>"

    @property
    def conflict_key(self) -> tuple[str, str]:
        """Two entries are the same person when name and organisation match, ignoring case and spacing."""
        return (" ".join(self.name.split()).casefold(), " ".join(self.organisation.split()).casefold())
