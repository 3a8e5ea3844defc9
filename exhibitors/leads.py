"""Booth staff and leads. Operations flush; the caller commits once."""

from __future__ import annotations

import csv
import io
import logging

from flask_babel import gettext as _
from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError

from core.auth.models import Role
from core.auth.services import set_roles
from core.db import utcnow
from core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from core.extensions import db
from exhibitors.booking import active_bookings_of
from exhibitors.models import Exhibitor, ExhibitorStaff, ExhibitorStatus, Lead
from registration import services as registrations
from registration.badge_codes import BadCode, read_code
from registration.models import Attendance, Category, Registration, RegistrationStatus

logger = logging.getLogger(__name__)


# Staff -----------------------------------------------------------------------------------------------------------


def staff_quota(exhibitor: Exhibitor) -> int:
    """Staff badges the exhibitor may name: the sum of the quotas of its held and confirmed booths."""
    return sum(booking.booth.staff_badge_quota for booking in active_bookings_of(exhibitor))


def _take_staff_place(exhibitor: Exhibitor, quota: int) -> bool:
    """Count one more staff member if the quota allows: a conditional UPDATE, so the quota holds under load."""
    result = db.session.execute(
        update(Exhibitor)
        .where(Exhibitor.id == exhibitor.id, Exhibitor.staff_count < quota)
        .values(staff_count=Exhibitor.staff_count + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def add_staff(exhibitor: Exhibitor, actor, *, email: str, full_name: str, language: str | None = None) -> Registration:
    """Name a person as booth staff: an approved registration of category `exhibitor`, with a badge.

    Raises DomainError `exhibitor_not_approved`, `quota_exceeded`, `already_registered`, `event_full`.
    """
    if exhibitor.status is not ExhibitorStatus.APPROVED:
        raise DomainError("exhibitor_not_approved", _("Staff can be named once the exhibitor is approved."))
    quota = staff_quota(exhibitor)
    if not _take_staff_place(exhibitor, quota):
        raise DomainError(
            "quota_exceeded",
            _("Your booths come with %(quota)d staff badges, and all are given.", quota=quota)
            if quota
            else _("Staff badges come with a booth: book one first."),
        )
    data = {
        "full_name": (full_name or "").strip(),
        "category": Category.EXHIBITOR,
        "attendance": Attendance.IN_PERSON,
        "organisation": exhibitor.name,
        "country": exhibitor.country,
        # The exhibitor names its staff under its agreement with the organisers, which covers their data.
        "consent_data_processing": True,
        "language": language or "en",
    }
    if not data["full_name"]:
        raise ValidationFailed(
            "validation_failed", _("Some fields are not valid."), fields={"full_name": [_("Give the person's name.")]}
        )
    registration = registrations.register_approved(exhibitor.event, actor, data, email=email)
    db.session.add(ExhibitorStaff(exhibitor_id=exhibitor.id, registration_id=registration.id))
    person = registration.user
    if person is not None and not person.has_role(Role.EXHIBITOR):
        set_roles(person, person.roles | {Role.EXHIBITOR})
    db.session.flush()
    db.session.refresh(exhibitor, attribute_names=["staff_count"])
    return registration


def staff_query(exhibitor: Exhibitor) -> Select:
    """The exhibitor's staff registrations, by name."""
    return (
        select(Registration)
        .join(ExhibitorStaff, ExhibitorStaff.registration_id == Registration.id)
        .where(ExhibitorStaff.exhibitor_id == exhibitor.id)
        .order_by(Registration.full_name, Registration.id)
    )


# Leads -----------------------------------------------------------------------------------------------------------


def _code_problem(code: str, message: str, *, status: int = 409) -> DomainError:
    return DomainError(code, message, status=status)


def registration_for_code(exhibitor: Exhibitor, code: str) -> Registration:
    """The delegate behind a scanned badge code. Raises DomainError `invalid_code` (422), `unknown_code` (422),
    `wrong_event`, `revoked`, `not_approved` (409)."""
    try:
        claim = read_code(code)
    except BadCode as exc:
        raise ValidationFailed(
            "invalid_code",
            _("This is not a badge code of this summit."),
            fields={"code": [_("This is not a badge code of this summit.")]},
        ) from exc
    registration = db.session.get(Registration, claim.registration_id)
    if registration is None or registration.event_id != claim.event_id:
        raise _code_problem("unknown_code", _("No registration has this badge."), status=422)
    if claim.event_id != exhibitor.event_id:
        raise _code_problem("wrong_event", _("This badge is for another event."))
    if claim.version < registration.badge_version:
        raise _code_problem("revoked", _("This badge was replaced by a newer one and no longer counts."))
    if registration.status is not RegistrationStatus.APPROVED:
        raise _code_problem("not_approved", _("This badge's registration is not approved."))
    return registration


def record_lead(exhibitor: Exhibitor, actor, code: str, note: str = "") -> tuple[Lead, bool]:
    """Keep the delegate of a scanned badge as a lead, only with their consent; a re-scan returns the same lead.

    Returns (lead, created). Raises Forbidden `no_consent` (nothing is stored), and as registration_for_code.
    """
    if exhibitor.status is not ExhibitorStatus.APPROVED:
        raise DomainError("exhibitor_not_approved", _("Leads are collected once the exhibitor is approved."))
    registration = registration_for_code(exhibitor, code)
    if not registration.consent_lead_sharing:
        raise Forbidden(
            "no_consent",
            _("%(name)s has not agreed to share their details with exhibitors.", name=registration.full_name),
        )
    note = (note or "").strip()
    lead = _lead_of(exhibitor, registration)
    if lead is None:
        lead = Lead(
            exhibitor_id=exhibitor.id,
            registration_id=registration.id,
            scanned_by_id=actor.id,
            scanned_at=utcnow(),
            note=note,
        )
        try:
            with db.session.begin_nested():
                db.session.add(lead)
            return lead, True
        except IntegrityError:  # another device scanned the same badge at this moment
            lead = _lead_of(exhibitor, registration)
            if lead is None:  # pragma: no cover - the unique constraint names exactly this row
                raise
    if note and note not in lead.note:
        lead.note = f"{lead.note}\n{note}".strip()
        db.session.flush()
    return lead, False


def _lead_of(exhibitor: Exhibitor, registration: Registration) -> Lead | None:
    return db.session.scalar(
        select(Lead).where(Lead.exhibitor_id == exhibitor.id, Lead.registration_id == registration.id)
    )


def annotate_lead(lead: Lead, note: str) -> Lead:
    """Replace the lead's note."""
    lead.note = (note or "").strip()
    db.session.flush()
    return lead


def get_lead_for(user, lead_id: int) -> Lead:
    """The lead, if the user works the leads of its exhibitor; otherwise NotFound."""
    from exhibitors.services import may_work_leads

    lead = db.session.get(Lead, lead_id)
    if lead is None or not may_work_leads(user, lead.exhibitor):
        raise NotFound()
    return lead


def leads_query(exhibitor: Exhibitor) -> Select:
    """The exhibitor's leads, latest scan first."""
    return select(Lead).where(Lead.exhibitor_id == exhibitor.id).order_by(Lead.scanned_at.desc(), Lead.id.desc())


def count_leads(exhibitor: Exhibitor) -> int:
    return db.session.scalar(select(func.count(Lead.id)).where(Lead.exhibitor_id == exhibitor.id)) or 0


LEAD_COLUMNS = ["scanned_at", "full_name", "organisation", "job_title", "country", "city", "email", "note"]


def leads_csv(exhibitor: Exhibitor, zone) -> str:
    """The leads as CSV with a byte-order mark, so that Excel reads "Nguyễn Tường Văn" as UTF-8."""
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(LEAD_COLUMNS)
    for lead in db.session.scalars(leads_query(exhibitor)):
        person = lead.registration
        writer.writerow(
            [
                lead.scanned_at.astimezone(zone).isoformat(timespec="minutes"),
                _cell(person.full_name),
                _cell(person.organisation),
                _cell(person.job_title),
                person.country,
                _cell(person.city),
                person.user.email if person.user is not None else "",
                _cell(lead.note),
            ]
        )
    return "\ufeff" + output.getvalue()


def _cell(text: str | None) -> str:
    """Text that a spreadsheet will not run as a formula (CSV injection)."""
    text = text or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
