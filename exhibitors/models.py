"""The exhibition: exhibitors and their profiles, booths on the floor, bookings, booth staff and leads."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.auth.models import User
from core.db import UTCDateTime, utcnow
from core.extensions import db
from events.models import Event
from registration.models import Registration
from registration.search import fold


def _enum(enum_class: type[enum.Enum], name: str) -> Enum:
    return Enum(enum_class, name=name, values_callable=lambda members: [m.value for m in members])


class ExhibitorStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return str(EXHIBITOR_STATUS_LABELS[self])


EXHIBITOR_STATUS_LABELS = {
    ExhibitorStatus.PENDING: _l("Waiting for approval"),
    ExhibitorStatus.APPROVED: _l("Approved"),
    ExhibitorStatus.REJECTED: _l("Rejected"),
}


class ExhibitorCategory(enum.StrEnum):
    """What an exhibitor shows: the smart-city fields of the exhibition (DOMAIN.md)."""

    REAL_ESTATE = "real_estate"
    URBAN_PLANNING = "urban_planning"
    BANKING = "banking"
    TRANSPORT = "transport"
    TELECOM = "telecom"
    ENERGY = "energy"
    DIGITAL_INFRASTRUCTURE = "digital_infrastructure"
    PUBLIC_SERVICES = "public_services"
    ENVIRONMENT = "environment"
    PUBLIC_SAFETY = "public_safety"

    @property
    def label(self) -> str:
        return str(CATEGORY_LABELS[self])


CATEGORY_LABELS = {
    ExhibitorCategory.REAL_ESTATE: _l("Real estate"),
    ExhibitorCategory.URBAN_PLANNING: _l("Urban planning"),
    ExhibitorCategory.BANKING: _l("Banking and digital payments"),
    ExhibitorCategory.TRANSPORT: _l("Transport and mobility"),
    ExhibitorCategory.TELECOM: _l("Telecommunications"),
    ExhibitorCategory.ENERGY: _l("Energy"),
    ExhibitorCategory.DIGITAL_INFRASTRUCTURE: _l("Digital infrastructure and data"),
    ExhibitorCategory.PUBLIC_SERVICES: _l("Smart public services"),
    ExhibitorCategory.ENVIRONMENT: _l("Water and environment"),
    ExhibitorCategory.PUBLIC_SAFETY: _l("Public safety"),
}


class BoothStatus(enum.StrEnum):
    AVAILABLE = "available"
    HELD = "held"
    BOOKED = "booked"
    BLOCKED = "blocked"

    @property
    def label(self) -> str:
        return str(BOOTH_STATUS_LABELS[self])


BOOTH_STATUS_LABELS = {
    BoothStatus.AVAILABLE: _l("Available"),
    BoothStatus.HELD: _l("Held"),
    BoothStatus.BOOKED: _l("Booked"),
    BoothStatus.BLOCKED: _l("Blocked"),
}


class BookingStatus(enum.StrEnum):
    HELD = "held"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return str(BOOKING_STATUS_LABELS[self])


BOOKING_STATUS_LABELS = {
    BookingStatus.HELD: _l("Held"),
    BookingStatus.CONFIRMED: _l("Confirmed"),
    BookingStatus.CANCELLED: _l("Cancelled"),
    BookingStatus.EXPIRED: _l("Expired"),
}
# A booking in one of these states occupies its booth; the partial unique index allows one per booth.
ACTIVE_BOOKING_STATES = (BookingStatus.HELD, BookingStatus.CONFIRMED)
_ACTIVE_SQL = "status IN ('held', 'confirmed')"


class Exhibitor(db.Model):
    __tablename__ = "exhibitors"
    __table_args__ = (
        UniqueConstraint("event_id", "account_id", name="uq_exhibitors_event_id_account_id"),
        UniqueConstraint("event_id", "name", name="uq_exhibitors_event_id_name"),
        CheckConstraint("staff_count >= 0", name="staff_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    # The account that applied: it manages the profile, the bookings, the staff and the leads.
    account_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    website: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    contact_email: Mapped[str] = mapped_column(String(254))
    status: Mapped[ExhibitorStatus] = mapped_column(
        _enum(ExhibitorStatus, "exhibitor_status"), default=ExhibitorStatus.PENDING
    )
    # Why an organiser rejected the application, told to the exhibitor.
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    # Raised on every new logo (0: none); part of the logo's URL, so browsers never show a stale one.
    logo_version: Mapped[int] = mapped_column(default=0)
    # Staff registered so far; raised only by a conditional update against the quota, so it holds under load.
    staff_count: Mapped[int] = mapped_column(default=0)
    # Name, description and website folded without diacritics, for the directory's search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    account: Mapped[User | None] = relationship()
    category_rows: Mapped[list[ExhibitorCategoryRow]] = relationship(
        back_populates="exhibitor", cascade="all, delete-orphan", lazy="selectin", order_by="ExhibitorCategoryRow.id"
    )

    def __repr__(self) -> str:
        return f"<Exhibitor {self.id} {self.name!r} event={self.event_id} {self.status}>"

    @property
    def categories(self) -> list[ExhibitorCategory]:
        return [row.category for row in self.category_rows]

    @categories.setter
    def categories(self, wanted) -> None:
        wanted = list(dict.fromkeys(ExhibitorCategory(value) for value in wanted))
        self.category_rows = [row for row in self.category_rows if row.category in wanted]
        have = {row.category for row in self.category_rows}
        self.category_rows.extend(ExhibitorCategoryRow(category=c) for c in wanted if c not in have)

    @property
    def is_approved(self) -> bool:
        return self.status is ExhibitorStatus.APPROVED

    @property
    def has_logo(self) -> bool:
        return self.logo_version > 0

    def refresh_search_text(self) -> None:
        self.search_text = fold(" ".join([self.name or "", self.description or "", self.website or ""]))


@sa_event.listens_for(Exhibitor, "before_insert")
@sa_event.listens_for(Exhibitor, "before_update")
def _keep_search_text(mapper, connection, exhibitor: Exhibitor) -> None:
    exhibitor.refresh_search_text()


class ExhibitorCategoryRow(db.Model):
    __tablename__ = "exhibitor_categories"
    __table_args__ = (
        UniqueConstraint("exhibitor_id", "category", name="uq_exhibitor_categories_exhibitor_id_category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exhibitor_id: Mapped[int] = mapped_column(ForeignKey("exhibitors.id", ondelete="CASCADE"), index=True)
    category: Mapped[ExhibitorCategory] = mapped_column(_enum(ExhibitorCategory, "exhibitor_category"), index=True)

    exhibitor: Mapped[Exhibitor] = relationship(back_populates="category_rows")

    def __repr__(self) -> str:
        return f"<ExhibitorCategoryRow {self.exhibitor_id} {self.category}>"


class ExhibitorLogo(db.Model):
    """The logo's bytes, apart from the profile so that lists never load them; re-encoded, so only pixels remain."""

    __tablename__ = "exhibitor_logos"

    exhibitor_id: Mapped[int] = mapped_column(ForeignKey("exhibitors.id", ondelete="CASCADE"), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(30))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<ExhibitorLogo {self.exhibitor_id} {self.content_type} {self.width}x{self.height}>"


class Booth(db.Model):
    """A booth on the exhibition floor; position and size in metres from the hall's top-left corner."""

    __tablename__ = "booths"
    __table_args__ = (
        UniqueConstraint("event_id", "code", name="uq_booths_event_id_code"),
        CheckConstraint("width > 0 AND depth > 0", name="size_positive"),
        CheckConstraint("x >= 0 AND y >= 0", name="position_not_negative"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("staff_badge_quota >= 0", name="quota_not_negative"),
        Index("ix_booths_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20))
    hall: Mapped[str] = mapped_column(String(80))
    x: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    y: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    width: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    depth: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    # width × depth, kept with the booth so that lists and filters need no arithmetic.
    area_sqm: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")  # ISO 4217
    zone: Mapped[str] = mapped_column(String(80), default="")
    # Changed only by conditional updates (booking, confirming, cancelling, lapsing), never read-then-written.
    status: Mapped[BoothStatus] = mapped_column(_enum(BoothStatus, "booth_status"), default=BoothStatus.AVAILABLE)
    # Staff badges that come with the booth; from its area unless an organiser says otherwise.
    staff_badge_quota: Mapped[int] = mapped_column(default=2)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()

    def __repr__(self) -> str:
        return f"<Booth {self.id} {self.code} {self.hall!r} {self.status}>"

    @property
    def area_text(self) -> str:
        """The area without needless zeros: 9, 12.5."""
        return f"{Decimal(self.area_sqm).normalize():f}"

    @property
    def size_text(self) -> str:
        return f"{Decimal(self.width).normalize():f} × {Decimal(self.depth).normalize():f}"


class Booking(db.Model):
    __tablename__ = "bookings"
    __table_args__ = (
        # One held or confirmed booking per booth, whatever the number of concurrent requests.
        Index(
            "uq_bookings_booth_id_active",
            "booth_id",
            unique=True,
            postgresql_where=text(_ACTIVE_SQL),
            sqlite_where=text(_ACTIVE_SQL),
        ),
        Index("ix_bookings_status_held_until", "status", "held_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booth_id: Mapped[int] = mapped_column(ForeignKey("booths.id", ondelete="CASCADE"))
    exhibitor_id: Mapped[int] = mapped_column(ForeignKey("exhibitors.id", ondelete="CASCADE"), index=True)
    status: Mapped[BookingStatus] = mapped_column(_enum(BookingStatus, "booking_status"), default=BookingStatus.HELD)
    # Until when a held booking keeps the booth; past it, the booking lapses to `expired` and the booth is free.
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who made it: the exhibitor's account, or an organiser booking for the exhibitor.
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When it was cancelled or lapsed.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    booth: Mapped[Booth] = relationship(lazy="joined")
    exhibitor: Mapped[Exhibitor] = relationship()

    def __repr__(self) -> str:
        return f"<Booking {self.id} booth={self.booth_id} exhibitor={self.exhibitor_id} {self.status}>"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_BOOKING_STATES

    @property
    def event(self) -> Event:
        return self.booth.event


class ExhibitorStaff(db.Model):
    """A person working on an exhibitor's booth: an approved registration of category `exhibitor`."""

    __tablename__ = "exhibitor_staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    exhibitor_id: Mapped[int] = mapped_column(ForeignKey("exhibitors.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    exhibitor: Mapped[Exhibitor] = relationship()
    registration: Mapped[Registration] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<ExhibitorStaff {self.id} exhibitor={self.exhibitor_id} registration={self.registration_id}>"


class Lead(db.Model):
    """A delegate whose badge an exhibitor's staff scanned, with the delegate's consent to share their details."""

    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("exhibitor_id", "registration_id", name="uq_leads_exhibitor_id_registration_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exhibitor_id: Mapped[int] = mapped_column(ForeignKey("exhibitors.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    scanned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")

    registration: Mapped[Registration] = relationship(lazy="joined")
    exhibitor: Mapped[Exhibitor] = relationship()

    def __repr__(self) -> str:
        return f"<Lead {self.id} exhibitor={self.exhibitor_id} registration={self.registration_id}>"

    @property
    def event(self) -> Event:
        return self.exhibitor.event
