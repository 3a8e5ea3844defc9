"""Exhibitor profiles and who may do what. Operations flush; the caller commits once.

Booths and bookings are in exhibitors/booking.py, staff and leads in exhibitors/leads.py.
"""

from __future__ import annotations

import logging
import re

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import Select, exists, select
from sqlalchemy.exc import IntegrityError

from core.auth.models import Role, User
from core.auth.services import set_roles
from core.errors import DomainError, NotFound, ValidationFailed
from core.extensions import db
from core.mail.services import enqueue_template
from events.models import Event
from exhibitors.logos import check_logo
from exhibitors.models import (
    Exhibitor,
    ExhibitorCategory,
    ExhibitorCategoryRow,
    ExhibitorLogo,
    ExhibitorStaff,
    ExhibitorStatus,
)
from registration.models import Registration, RegistrationStatus
from registration.search import fold

logger = logging.getLogger(__name__)

PROFILE_FIELDS = ("name", "country", "website", "description", "contact_email", "categories")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("validation_failed", _("Some fields are not valid."), fields={field: [message]})


# Who may do what -------------------------------------------------------------------------------------------------


def is_organiser(user) -> bool:
    return user is not None and user.is_authenticated and user.has_role(Role.ORGANISER)


def may_manage(user, exhibitor: Exhibitor) -> bool:
    """Organisers, and the account that applied."""
    return is_organiser(user) or bool(user.is_authenticated and exhibitor.account_id == user.id)


def is_staff_of(user, exhibitor: Exhibitor) -> bool:
    """The user holds an approved staff registration of the exhibitor."""
    if not user.is_authenticated:
        return False
    return bool(
        db.session.scalar(
            select(
                exists()
                .where(ExhibitorStaff.exhibitor_id == exhibitor.id)
                .where(Registration.id == ExhibitorStaff.registration_id)
                .where(Registration.user_id == user.id, Registration.status == RegistrationStatus.APPROVED)
            )
        )
    )


def may_work_leads(user, exhibitor: Exhibitor) -> bool:
    """The exhibitor's own account and its staff: leads are the exhibitor's, not the organisers'."""
    return bool(user.is_authenticated and (exhibitor.account_id == user.id or is_staff_of(user, exhibitor)))


def may_see(user, exhibitor: Exhibitor) -> bool:
    """Approved exhibitors of a published event are public; the others only to those who manage them."""
    if exhibitor.is_approved and exhibitor.event.is_published:
        return True
    return may_manage(user, exhibitor)


def get_exhibitor_for(user, exhibitor_id: int, *, manage: bool = False) -> Exhibitor:
    """The exhibitor if the user may see it (or manage it); otherwise NotFound, so no one learns that it exists."""
    exhibitor = db.session.get(Exhibitor, exhibitor_id)
    if exhibitor is None or not (may_manage(user, exhibitor) if manage else may_see(user, exhibitor)):
        raise NotFound()
    return exhibitor


def exhibitors_of_account(user) -> list[Exhibitor]:
    """The exhibitors the user applied for, or works for as staff, newest event first."""
    if not user.is_authenticated:
        return []
    staff_of = (
        select(ExhibitorStaff.exhibitor_id)
        .join(Registration, Registration.id == ExhibitorStaff.registration_id)
        .where(Registration.user_id == user.id, Registration.status == RegistrationStatus.APPROVED)
    )
    statement = (
        select(Exhibitor)
        .join(Event, Event.id == Exhibitor.event_id)
        .where((Exhibitor.account_id == user.id) | Exhibitor.id.in_(staff_of))
        .order_by(Event.starts_on.desc(), Exhibitor.name)
    )
    return list(db.session.scalars(statement))


def exhibitor_of(user, event: Event) -> Exhibitor | None:
    """The exhibitor the user applied for at this event."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(select(Exhibitor).where(Exhibitor.event_id == event.id, Exhibitor.account_id == user.id))


# Profiles --------------------------------------------------------------------------------------------------------


def _apply_profile(exhibitor: Exhibitor, data: dict) -> None:
    for key in PROFILE_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key == "categories":
            exhibitor.categories = value or []
        else:
            setattr(exhibitor, key, value.strip() if isinstance(value, str) else value)
    exhibitor.country = (exhibitor.country or "").upper()
    exhibitor.contact_email = (exhibitor.contact_email or "").lower()
    if not exhibitor.name:
        raise invalid("name", _("Give the company's name."))
    if len(exhibitor.country) != 2 or not exhibitor.country.isalpha():
        raise invalid("country", _("Use a two-letter ISO country code."))
    if not EMAIL.match(exhibitor.contact_email):
        raise invalid("contact_email", _("Give an e-mail address where visitors can reach you."))
    if exhibitor.website and not re.match(r"^https?://[^\s/]+\.[^\s]+$", exhibitor.website):
        raise invalid("website", _("Give a full web address, starting with https://."))
    unknown = [c for c in exhibitor.categories if c not in set(ExhibitorCategory)]
    if unknown:
        raise invalid("categories", _("Choose categories from the list."))


def _save(exhibitor: Exhibitor) -> None:
    """Insert or flush the profile; a name already shown at this event is refused, ignoring case and accents."""
    same_name = [
        other
        for other in db.session.scalars(
            select(Exhibitor.name).where(Exhibitor.event_id == exhibitor.event_id, Exhibitor.id != (exhibitor.id or 0))
        )
        if fold(other) == fold(exhibitor.name)
    ]
    if same_name:
        raise DomainError(
            "name_taken",
            _("An exhibitor named “%(name)s” is already at this event.", name=same_name[0]),
            fields={"name": [_("An exhibitor named “%(name)s” is already at this event.", name=same_name[0])]},
        )
    try:
        with db.session.begin_nested():
            db.session.add(exhibitor)
    except IntegrityError as exc:  # the same name or account at once from another request
        raise DomainError("already_applied", _("This company or account has already applied.")) from exc


def apply(event: Event, actor: User, data: dict, *, account: User | None = None) -> Exhibitor:
    """A company applies to exhibit; the applying account (or, for an organiser, `account`) manages it.

    Raises DomainError `already_applied`, `name_taken`; ValidationFailed.
    """
    account = account or actor
    if exhibitor_of(account, event) is not None:
        raise DomainError("already_applied", _("This account has already applied to exhibit at this event."))
    exhibitor = Exhibitor(event=event, event_id=event.id, account=account, status=ExhibitorStatus.PENDING)
    _apply_profile(exhibitor, {"contact_email": account.email, **data})
    _save(exhibitor)
    if not account.has_role(Role.EXHIBITOR):
        set_roles(account, account.roles | {Role.EXHIBITOR})
    tell_exhibitor(exhibitor, "exhibitor_received")
    return exhibitor


def update_profile(exhibitor: Exhibitor, data: dict) -> Exhibitor:
    """Change the profile (not the status). Raises DomainError `name_taken`; ValidationFailed."""
    _apply_profile(exhibitor, data)
    _save(exhibitor)
    db.session.flush()
    return exhibitor


def set_logo(exhibitor: Exhibitor, data: bytes) -> ExhibitorLogo:
    """Keep a new logo. Raises ValidationFailed on `logo` for a file that is not a PNG, JPEG or WebP within limits."""
    checked = check_logo(data)
    logo = db.session.get(ExhibitorLogo, exhibitor.id) or ExhibitorLogo(exhibitor_id=exhibitor.id)
    logo.content_type, logo.data = checked.content_type, checked.data
    logo.width, logo.height = checked.width, checked.height
    db.session.add(logo)
    exhibitor.logo_version += 1
    db.session.flush()
    return logo


def approve(exhibitor: Exhibitor, actor: User) -> Exhibitor:
    """Approve an application: the exhibitor may now book a booth."""
    if exhibitor.status is ExhibitorStatus.APPROVED:
        return exhibitor
    exhibitor.status = ExhibitorStatus.APPROVED
    exhibitor.decision_reason = ""
    db.session.flush()
    tell_exhibitor(exhibitor, "exhibitor_approved")
    return exhibitor


def reject(exhibitor: Exhibitor, actor: User, reason: str = "") -> Exhibitor:
    """Reject an application, with a reason told to the exhibitor; its held or confirmed booths are freed."""
    from exhibitors.booking import active_bookings_of, cancel_booking

    if exhibitor.status is ExhibitorStatus.REJECTED:
        return exhibitor
    for booking in active_bookings_of(exhibitor):
        cancel_booking(booking, actor, notify=False)
    exhibitor.status = ExhibitorStatus.REJECTED
    exhibitor.decision_reason = (reason or "").strip()
    db.session.flush()
    tell_exhibitor(exhibitor, "exhibitor_rejected")
    return exhibitor


# Lists -----------------------------------------------------------------------------------------------------------


def exhibitors_query(
    event: Event, actor, *, status=None, category=None, country=None, q=None, public_only: bool = False
) -> Select:
    """The event's exhibitors the actor may list: approved ones for everyone, all for organisers, plus one's own."""
    statement = select(Exhibitor).where(Exhibitor.event_id == event.id).order_by(Exhibitor.name, Exhibitor.id)
    if public_only or not is_organiser(actor):
        visible = Exhibitor.status == ExhibitorStatus.APPROVED
        if not public_only and actor.is_authenticated:
            visible = visible | (Exhibitor.account_id == actor.id)
        statement = statement.where(visible)
    if status:
        statement = statement.where(Exhibitor.status == status)
    if category:
        statement = statement.where(
            Exhibitor.id.in_(select(ExhibitorCategoryRow.exhibitor_id).where(ExhibitorCategoryRow.category == category))
        )
    if country:
        statement = statement.where(Exhibitor.country == country.upper())
    if q and fold(q):
        escaped = fold(q).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(Exhibitor.search_text.like(f"%{escaped}%", escape="\\"))
    return statement


# Mail ------------------------------------------------------------------------------------------------------------


def tell_exhibitor(exhibitor: Exhibitor, template: str, **context) -> None:
    """Mail the exhibitor's account about a step, in the account's language (the contact address if no account)."""
    account = exhibitor.account
    address = account.email if account is not None else exhibitor.contact_email
    enqueue_template(
        template,
        to_address=address,
        to_name=account.full_name if account is not None else exhibitor.name,
        language=account.language if account is not None else "en",
        exhibitor=exhibitor,
        event=exhibitor.event,
        base_url=current_app.config["BASE_URL"],
        dashboard_url=current_app.config["BASE_URL"]
        + url_for("exhibitors.dashboard", exhibitor_id=exhibitor.id, _external=False),
        **context,
    )
