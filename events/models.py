"""Events: a summit, with its dates, venue, time zone and registration rules."""

from __future__ import annotations

import enum
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Enum, String, Text
from sqlalchemy.orm import Mapped, mapped_column

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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.slug}>"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_published(self) -> bool:
        return self.status is EventStatus.PUBLISHED
