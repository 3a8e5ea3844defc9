"""On-site check-in: checkpoints (doors), the accepted check-ins, and the log of every scan."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, utcnow
from core.extensions import db
from events.models import Event, ProgrammeSession
from registration.models import Registration, _enum


class CheckpointKind(enum.StrEnum):
    VENUE = "venue"
    SESSION = "session"

    @property
    def label(self) -> str:
        return str({"venue": _l("Venue entrance"), "session": _l("Session door")}[self.value])


class ScanResult(enum.StrEnum):
    """The verdicts of API.md, in the order a scan is checked."""

    ACCEPTED = "accepted"
    ALREADY_CHECKED_IN = "already_checked_in"
    UNKNOWN_CODE = "unknown_code"
    REVOKED = "revoked"
    NOT_APPROVED = "not_approved"
    CANCELLED = "cancelled"
    WRONG_EVENT = "wrong_event"
    NOT_ALLOWED_HERE = "not_allowed_here"

    @property
    def admitted(self) -> bool:
        return self is ScanResult.ACCEPTED


class Checkpoint(db.Model):
    """A door where badges are scanned: the venue's entrance (one day, or every day) or a session's door."""

    __tablename__ = "checkpoints"
    __table_args__ = (
        UniqueConstraint("event_id", "name", name="uq_checkpoints_event_id_name"),
        CheckConstraint(
            "(kind = 'session' AND session_id IS NOT NULL AND day IS NULL) OR (kind = 'venue' AND session_id IS NULL)",
            name="kind_matches_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[CheckpointKind] = mapped_column(_enum(CheckpointKind, "checkpoint_kind"))
    # The session whose confirmed sign-ups this door admits (kind = session).
    session_id: Mapped[int | None] = mapped_column(ForeignKey("programme_sessions.id", ondelete="CASCADE"))
    # The event-local date a venue checkpoint is valid; None = every day of the event (API.md).
    day: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    session: Mapped[ProgrammeSession | None] = relationship()

    def __repr__(self) -> str:
        return f"<Checkpoint {self.id} {self.name!r} event={self.event_id} {self.kind} day={self.day}>"


class CheckIn(db.Model):
    """An accepted admission: at most one per badge, checkpoint and period, whatever the number of devices.

    The unique constraint decides between concurrent scans (INSERT ... ON CONFLICT DO NOTHING), never Python.
    """

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint(
            "checkpoint_id", "registration_id", "period", name="uq_checkins_checkpoint_registration_period"
        ),
        Index("ix_checkins_event_checked_in_at", "event_id", "checked_in_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoints.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    # The event-local date the admission counts for: the scan's date at a venue checkpoint valid every day,
    # otherwise the checkpoint's own day (or its session's), so a second scan that day is `already_checked_in`.
    period: Mapped[date] = mapped_column(Date)
    # When the badge was first scanned, by the device's clock (an offline scan keeps its time); the earliest wins.
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    device_id: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    checkpoint: Mapped[Checkpoint] = relationship()
    registration: Mapped[Registration] = relationship()

    def __repr__(self) -> str:
        return f"<CheckIn {self.id} checkpoint={self.checkpoint_id} registration={self.registration_id} {self.period}>"


class Scan(db.Model):
    """Every scan as it came, refused ones too; (device_id, nonce) makes a device's retry return the first answer."""

    __tablename__ = "scans"
    __table_args__ = (
        UniqueConstraint("device_id", "nonce", name="uq_scans_device_id_nonce"),
        Index("ix_scans_checkpoint_received_at", "checkpoint_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoints.id", ondelete="CASCADE"))
    # The text the device read, cut to 200 characters (a badge code is 101).
    code: Mapped[str] = mapped_column(String(200))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"))
    # None while the scan is being decided (the row is written first, to hold the nonce).
    result: Mapped[ScanResult | None] = mapped_column(_enum(ScanResult, "scan_result"))
    device_id: Mapped[str] = mapped_column(String(100))
    # The device's idempotency key for this scan; None when it sent none.
    nonce: Mapped[str | None] = mapped_column(String(100))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # By the device's clock (as it says); received_at by ours.
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The verdict sent back, returned again as it was when the device repeats the nonce.
    verdict: Mapped[dict | None] = mapped_column(JSON)

    checkpoint: Mapped[Checkpoint] = relationship()

    def __repr__(self) -> str:
        return f"<Scan {self.id} checkpoint={self.checkpoint_id} {self.result} device={self.device_id!r}>"
