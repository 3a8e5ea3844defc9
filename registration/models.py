"""Registrations of people for events, and their sign-ups for sessions."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.auth.models import User
from core.db import UTCDateTime, utcnow
from core.extensions import db
from events.models import Event, ProgrammeSession
from registration.search import fold


def _enum(enum_class: type[enum.Enum], name: str) -> Enum:
    return Enum(enum_class, name=name, values_callable=lambda members: [m.value for m in members])


class RegistrationStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(REGISTRATION_STATUS_LABELS[self])


REGISTRATION_STATUS_LABELS = {
    RegistrationStatus.PENDING: _l("Pending"),
    RegistrationStatus.APPROVED: _l("Approved"),
    RegistrationStatus.REJECTED: _l("Rejected"),
    RegistrationStatus.WAITLISTED: _l("Waiting list"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
}


class Category(enum.StrEnum):
    GOVERNMENT = "government"
    CITY = "city"
    ASEAN_SECRETARIAT = "asean_secretariat"
    PARTNER = "partner"
    EXHIBITOR = "exhibitor"
    PRESS = "press"
    OBSERVER = "observer"
    ORGANISER = "organiser"

    @property
    def label(self) -> str:
        return str(CATEGORY_LABELS[self])


CATEGORY_LABELS = {
    Category.GOVERNMENT: _l("Government"),
    Category.CITY: _l("City"),
    Category.ASEAN_SECRETARIAT: _l("ASEAN Secretariat"),
    Category.PARTNER: _l("Partner"),
    Category.EXHIBITOR: _l("Exhibitor"),
    Category.PRESS: _l("Press"),
    Category.OBSERVER: _l("Observer"),
    Category.ORGANISER: _l("Organiser"),
}


class Attendance(enum.StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"


class SignupStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


def _feed_token() -> str:
    return secrets.token_urlsafe(24)


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("event_id", "user_id", name="uq_registrations_event_id_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(
        _enum(RegistrationStatus, "registration_status"), default=RegistrationStatus.PENDING
    )
    category: Mapped[Category] = mapped_column(_enum(Category, "registration_category"), default=Category.GOVERNMENT)
    attendance: Mapped[Attendance] = mapped_column(_enum(Attendance, "attendance"), default=Attendance.IN_PERSON)
    full_name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    job_title: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(2), default="")  # ISO 3166-1 alpha-2
    city: Mapped[str] = mapped_column(String(120), default="")
    dietary: Mapped[str] = mapped_column(Text, default="")
    accessibility: Mapped[str] = mapped_column(Text, default="")
    consent_data_processing: Mapped[bool] = mapped_column(default=False)
    consent_lead_sharing: Mapped[bool] = mapped_column(default=False)
    # Place on the event's waiting list (1 = next in line) while waitlisted; None otherwise.
    waitlist_position: Mapped[int | None] = mapped_column()
    # Name, organisation and e-mail folded to lower case without diacritics, for search ("nguyen" finds "Nguyễn").
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Why an organiser rejected it, told to the delegate.
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    # Raised by a reissue: the badge code names its version, and codes of earlier versions answer `revoked`.
    badge_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Secret part of the personal agenda feed URL (/calendar/<token>.ics), readable without signing in.
    feed_token: Mapped[str] = mapped_column(String(64), unique=True, default=_feed_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Registration {self.id} event={self.event_id} user={self.user_id} {self.status}>"

    @property
    def is_approved(self) -> bool:
        return self.status is RegistrationStatus.APPROVED

    @property
    def badge_code(self) -> str:
        """The code in the badge's QR code; every registration has one from its creation (API.md)."""
        from registration.badge_codes import badge_code_for

        return badge_code_for(self)

    def refresh_search_text(self) -> None:
        email = self.user.email if self.user is not None else ""
        self.search_text = fold(" ".join([self.full_name or "", self.organisation or "", email, self.city or ""]))


@sa_event.listens_for(Registration, "before_insert")
@sa_event.listens_for(Registration, "before_update")
def _keep_search_text(mapper, connection, registration: Registration) -> None:
    registration.refresh_search_text()


class Signup(db.Model):
    """A registration's place in a session: confirmed, or waiting with a position."""

    __tablename__ = "signups"
    __table_args__ = (
        UniqueConstraint("session_id", "registration_id", name="uq_signups_session_id_registration_id"),
        Index("ix_signups_session_status_position", "session_id", "status", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("programme_sessions.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    status: Mapped[SignupStatus] = mapped_column(_enum(SignupStatus, "signup_status"), default=SignupStatus.CONFIRMED)
    # Place on the waiting list (1 = next in line); None once confirmed or cancelled.
    position: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[ProgrammeSession] = relationship()
    registration: Mapped[Registration] = relationship()

    def __repr__(self) -> str:
        return f"<Signup {self.id} session={self.session_id} registration={self.registration_id} {self.status}>"
