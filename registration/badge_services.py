"""Badge operations shared by the API and the pages: who may have which badge, the bulk selection, reissuing.

They flush; the caller commits.
"""

from __future__ import annotations

import logging

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from core.errors import DomainError, Forbidden
from core.extensions import db
from events.models import Event
from registration import services
from registration.models import Attendance, Category, Registration, RegistrationStatus
from registration.search import fold

logger = logging.getLogger(__name__)

# The badge code holds the version in 16 bits (registration.badge_codes).
BADGE_VERSION_MAX = 0xFFFF
# Badges are printed for approved registrations, and ahead of the decision for pending ones if organisers wish
# (their code answers `not_approved` at the door until they are approved).
PRINTABLE_STATUSES = (RegistrationStatus.APPROVED, RegistrationStatus.PENDING)


def check_printable(registration: Registration) -> None:
    """Raises DomainError `not_approved` or `online_attendance` when the registration has no badge to print."""
    if registration.status is not RegistrationStatus.APPROVED:
        raise DomainError("not_approved", _("The badge is ready once the registration is approved."))
    if registration.attendance is not Attendance.IN_PERSON:
        raise DomainError(
            "online_attendance", _("This registration attends online: badges are for entering the venue.")
        )


def has_badge(registration: Registration) -> bool:
    return registration.status is RegistrationStatus.APPROVED and registration.attendance is Attendance.IN_PERSON


def may_see_badge(user, registration: Registration) -> bool:
    """The badge holds the code that opens the doors: its owner and organisers only (API.md)."""
    return bool(user.is_authenticated and (registration.user_id == user.id or services.is_organiser(user)))


def get_badge_registration(user, registration_id: int) -> Registration:
    """The registration whose badge `user` asks for. Raises NotFound when they may not know it exists, Forbidden
    when they may read it but not its badge (a focal point: the code is the owner's and organisers' only)."""
    registration = services.get_registration_for(user, registration_id)
    if not may_see_badge(user, registration):
        raise Forbidden(message=_("Only the delegate and the organisers can print this badge."))
    return registration


def badge_registrations(
    event: Event,
    *,
    status: RegistrationStatus = RegistrationStatus.APPROVED,
    category: Category | None = None,
    country: str | None = None,
    organisation: str | None = None,
    registration_id: int | None = None,
) -> list[Registration]:
    """The event's in-person registrations to print, by country, then name (accents folded, so Đ sits with D).

    `organisation` matches the whole name, ignoring case and accents ("bo xay dung" is "Bộ Xây dựng").
    """
    statement = select(Registration).where(
        Registration.event_id == event.id,
        Registration.attendance == Attendance.IN_PERSON,
        Registration.status == status,
    )
    if category:
        statement = statement.where(Registration.category == category)
    if country:
        statement = statement.where(Registration.country == country.upper())
    if registration_id is not None:
        statement = statement.where(Registration.id == registration_id)
    found = db.session.scalars(statement).all()
    if organisation:
        wanted = fold(organisation)
        found = [r for r in found if fold(r.organisation) == wanted]
    return sorted(found, key=lambda r: (not r.country, r.country, fold(r.full_name), r.id))


def delegations(event: Event, status: RegistrationStatus = RegistrationStatus.APPROVED) -> list[tuple[str, str, int]]:
    """(country, organisation, badges) of the event's in-person registrations, for printing by delegation."""
    rows = db.session.execute(
        select(Registration.country, Registration.organisation, func.count(Registration.id))
        .where(
            Registration.event_id == event.id,
            Registration.attendance == Attendance.IN_PERSON,
            Registration.status == status,
        )
        .group_by(Registration.country, Registration.organisation)
    ).all()
    return sorted(((c, o, n) for c, o, n in rows), key=lambda row: (not row[0], row[0], fold(row[1])))


def reissue_badge(registration: Registration, actor) -> str:
    """Give the registration a new badge code; every earlier code is revoked (check-in answers `revoked`), and the
    delegate is told by mail.

    One conditional UPDATE raises the version in the database, so concurrent reissues each get their own version
    and none is lost. Raises DomainError `badge_version_exhausted` after 65,535 reissues.
    """
    new_version = db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.badge_version < BADGE_VERSION_MAX)
        .values(badge_version=Registration.badge_version + 1)
        .returning(Registration.badge_version)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if new_version is None:
        raise DomainError("badge_version_exhausted", _("This badge cannot be reissued again."))
    set_committed_value(registration, "badge_version", new_version)
    if has_badge(registration):
        # The delegate may hold the old badge, printed from My summit: it no longer opens the doors.
        services.tell_registrant(registration, "badge_reissued")
    logger.info("Badge of registration %s reissued as version %s by user %s", registration.id, new_version, actor.id)
    return registration.badge_code
