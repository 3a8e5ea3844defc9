"""Exhibition calls of /api/v1: booths, exhibitors, bookings, staff, leads."""

from __future__ import annotations

from flask import Response, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from core.api import BEARER, PageArgsSchema, list_envelope, paginate
from core.auth.access import public, require_role
from core.auth.models import Role
from core.auth.services import find_user_by_email
from core.errors import Forbidden, NotFound, ValidationFailed, error_body
from core.extensions import db
from events.services import get_event
from exhibitors import booking as bookings
from exhibitors import leads, services
from exhibitors.booth_import import ImportInvalid, import_booths
from exhibitors.forms import read_upload
from exhibitors.schemas import (
    BookingSchema,
    BoothImportResultSchema,
    BoothListArgsSchema,
    BoothPatchSchema,
    BoothSchema,
    ExhibitorListArgsSchema,
    ExhibitorPatchSchema,
    ExhibitorSchema,
    LeadPatchSchema,
    LeadRequestSchema,
    LeadSchema,
    StaffListSchema,
    StaffRequestSchema,
    StaffSchema,
)
from registration.schemas import DecisionSchema

blp = Blueprint("exhibition_api", __name__, description="Exhibition: booths, exhibitors, bookings, staff, leads")


def _organiser() -> bool:
    return services.is_organiser(current_user)


def _managed_exhibitor(exhibitor_id: int):
    return services.get_exhibitor_for(current_user, exhibitor_id, manage=True)


def _leads_exhibitor(exhibitor_id: int):
    """The exhibitor whose leads the caller works (its account or staff); others get 404."""
    exhibitor = services.get_exhibitor_for(current_user, exhibitor_id)
    if not services.may_work_leads(current_user, exhibitor):
        raise NotFound()
    return exhibitor


def import_invalid_response(exc: ImportInvalid):
    """The JSON of API.md for a refused import: the error, and its rows."""
    db.session.rollback()
    body = error_body(exc.code, exc.message)
    body["error"]["rows"] = exc.rows
    return jsonify(body), exc.status


# Booths ----------------------------------------------------------------------------------------------------------


@blp.route("/events/<int:event_id>/booths", methods=["GET"])
@blp.arguments(BoothListArgsSchema, location="query")
@blp.response(200, list_envelope(BoothSchema))
@public
def list_booths(args, event_id):
    """The event's booths by hall and code; filter `status`. Holds past their time have lapsed."""
    event = get_event(event_id, include_drafts=_organiser())
    page = paginate(bookings.booths_of(event, status=args.get("status")), args)
    db.session.commit()  # keep what lapsed
    return page


@blp.route("/events/<int:event_id>/booths", methods=["POST"])
@blp.arguments(BoothSchema)
@blp.response(201, BoothSchema)
@blp.alt_response(409, description="`booth_code_taken`, `booth_overlap`")
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER)
def create_booth(data, event_id):
    """Add a booth (organiser); its staff-badge quota follows from its area unless given."""
    booth = bookings.create_booth(get_event(event_id, include_drafts=True), data)
    db.session.commit()
    return booth


@blp.route("/events/<int:event_id>/booths/import", methods=["POST"])
@blp.response(200, BoothImportResultSchema)
@blp.alt_response(422, description="`import_invalid` with `rows: [{row, fields}]`; nothing imported")
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER)
def import_booths_csv(event_id):
    """Booths from a CSV file (multipart `file`, or the body as text/csv): created, or updated by code. All or none."""
    event = get_event(event_id, include_drafts=True)
    upload = request.files.get("file")
    data = read_upload(upload) if upload is not None else request.get_data()
    if not data:
        raise ValidationFailed("validation_failed", _("Send a CSV file."), fields={"file": [_("Send a CSV file.")]})
    counts = import_booths(event, data)
    db.session.commit()
    return counts


@blp.route("/booths/<int:booth_id>", methods=["GET"])
@blp.response(200, BoothSchema)
@public
def get_booth(booth_id):
    """One booth."""
    booth = bookings.get_booth(booth_id)
    get_event(booth.event_id, include_drafts=_organiser())
    db.session.commit()
    return booth


@blp.route("/booths/<int:booth_id>", methods=["PATCH"])
@blp.arguments(BoothPatchSchema(partial=True))
@blp.response(200, BoothSchema)
@blp.alt_response(409, description="`booth_code_taken`, `booth_overlap`, `booth_taken` (blocking a held booth)")
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER)
def update_booth(data, booth_id):
    """Change a booth (organiser); `status` moves between available and blocked only."""
    booth = bookings.update_booth(bookings.get_booth(booth_id), data)
    db.session.commit()
    return booth


@blp.route("/booths/<int:booth_id>/bookings", methods=["POST"])
@blp.arguments(BookingSchema)
@blp.response(201, BookingSchema)
@blp.alt_response(409, description="`booth_taken`, `exhibitor_not_approved`")
@blp.doc(security=BEARER)
@require_role(Role.EXHIBITOR, Role.ORGANISER)
def book_booth(data, booth_id):
    """Hold a booth for an approved exhibitor (its account, or an organiser for it) until an organiser confirms."""
    exhibitor = _managed_exhibitor(data["exhibitor_id"])
    booking = bookings.book_booth(bookings.get_booth(booth_id), exhibitor, current_user)
    db.session.commit()
    return booking


@blp.route("/exhibitors/<int:exhibitor_id>/bookings", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, list_envelope(BookingSchema))
@blp.doc(security=BEARER)
@require_role(Role.EXHIBITOR, Role.ORGANISER)
def list_bookings(args, exhibitor_id):
    """The exhibitor's bookings, newest first."""
    exhibitor = _managed_exhibitor(exhibitor_id)
    bookings.lapse_expired_holds(exhibitor.event_id)
    page = paginate(bookings.bookings_query(exhibitor=exhibitor), args)
    db.session.commit()
    return page


@blp.route("/bookings/<int:booking_id>/confirm", methods=["POST"])
@blp.response(200, BookingSchema)
@blp.alt_response(409, description="`booking_not_held`")
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER)
def confirm_booking(booking_id):
    """Confirm a held booking (organiser): the booth is booked."""
    booking = bookings.confirm_booking(bookings.get_booking(booking_id), current_user)
    db.session.commit()
    return booking


@blp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
@blp.response(200, BookingSchema)
@blp.alt_response(409, description="`booking_not_active`")
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER)
def cancel_booking(booking_id):
    """Cancel a held or confirmed booking (organiser): the booth is free again."""
    booking = bookings.cancel_booking(bookings.get_booking(booking_id), current_user)
    db.session.commit()
    return booking


# Exhibitors ------------------------------------------------------------------------------------------------------


@blp.route("/events/<int:event_id>/exhibitors", methods=["GET"])
@blp.arguments(ExhibitorListArgsSchema, location="query")
@blp.response(200, list_envelope(ExhibitorSchema))
@public
def list_exhibitors(args, event_id):
    """Approved exhibitors for everyone (plus one's own); organisers see all. Filters status, category, country, q."""
    event = get_event(event_id, include_drafts=_organiser())
    filters = {key: args.get(key) for key in ("status", "category", "country", "q")}
    return paginate(services.exhibitors_query(event, current_user, **filters), args)


@blp.route("/events/<int:event_id>/exhibitors", methods=["POST"])
@blp.arguments(ExhibitorSchema)
@blp.response(201, ExhibitorSchema)
@blp.alt_response(409, description="`already_applied`, `name_taken`")
@blp.doc(security=BEARER)
@require_role()
def apply(data, event_id):
    """Apply to exhibit; the applying account manages the exhibitor. Organisers may name it with `account_email`."""
    event = get_event(event_id, include_drafts=_organiser())
    account = None
    account_email = data.pop("account_email", None)
    if account_email:
        if not _organiser():
            raise Forbidden(message=_("Only organisers apply on behalf of another account."))
        account = find_user_by_email(account_email)
        if account is None:
            raise ValidationFailed(
                "validation_failed",
                _("Some fields are not valid."),
                fields={"account_email": [_("No account has this e-mail address.")]},
            )
    exhibitor = services.apply(event, current_user, data, account=account)
    db.session.commit()
    return exhibitor


@blp.route("/exhibitors/<int:exhibitor_id>", methods=["GET"])
@blp.response(200, ExhibitorSchema)
@public
def get_exhibitor(exhibitor_id):
    """One exhibitor: public once approved; otherwise for its account and organisers."""
    return services.get_exhibitor_for(current_user, exhibitor_id)


@blp.route("/exhibitors/<int:exhibitor_id>", methods=["PATCH"])
@blp.arguments(ExhibitorPatchSchema(partial=True))
@blp.response(200, ExhibitorSchema)
@blp.alt_response(409, description="`name_taken`")
@blp.doc(security=BEARER)
@require_role()
def update_exhibitor(data, exhibitor_id):
    """Change the profile: the exhibitor's account or an organiser."""
    exhibitor = _managed_exhibitor(exhibitor_id)
    data.pop("account_email", None)
    services.update_profile(exhibitor, data)
    db.session.commit()
    return exhibitor


@blp.route("/exhibitors/<int:exhibitor_id>/logo", methods=["PUT"])
@blp.response(200, ExhibitorSchema)
@blp.alt_response(422, description="Not a PNG, JPEG or WebP image, or larger than the limit (2 MB)")
@blp.doc(security=BEARER)
@require_role()
def put_logo(exhibitor_id):
    """Upload the logo (multipart `file`, or the image as the body); its type is told by its content."""
    exhibitor = _managed_exhibitor(exhibitor_id)
    upload = request.files.get("file")
    services.set_logo(exhibitor, read_upload(upload) if upload is not None else request.get_data())
    db.session.commit()
    return exhibitor


@blp.route("/exhibitors/<int:exhibitor_id>/approve", methods=["POST"])
@blp.response(200, ExhibitorSchema)
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER)
def approve_exhibitor(exhibitor_id):
    """Approve an application (organiser)."""
    exhibitor = services.approve(_managed_exhibitor(exhibitor_id), current_user)
    db.session.commit()
    return exhibitor


@blp.route("/exhibitors/<int:exhibitor_id>/reject", methods=["POST"])
@blp.arguments(DecisionSchema, required=False)
@blp.response(200, ExhibitorSchema)
@blp.doc(security=BEARER)
@require_role(Role.ORGANISER)
def reject_exhibitor(data, exhibitor_id):
    """Reject an application with an optional `reason` (organiser); its booths are freed."""
    exhibitor = services.reject(_managed_exhibitor(exhibitor_id), current_user, (data or {}).get("reason", ""))
    db.session.commit()
    return exhibitor


# Staff -----------------------------------------------------------------------------------------------------------


@blp.route("/exhibitors/<int:exhibitor_id>/staff", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, StaffListSchema)
@blp.doc(security=BEARER)
@require_role(Role.EXHIBITOR, Role.ORGANISER)
def list_staff(args, exhibitor_id):
    """The exhibitor's staff registrations, and the quota its booths give."""
    exhibitor = _managed_exhibitor(exhibitor_id)
    return paginate(leads.staff_query(exhibitor), args) | {"quota": leads.staff_quota(exhibitor)}


@blp.route("/exhibitors/<int:exhibitor_id>/staff", methods=["POST"])
@blp.arguments(StaffRequestSchema)
@blp.response(201, StaffSchema)
@blp.alt_response(409, description="`quota_exceeded`, `already_registered`, `exhibitor_not_approved`, `event_full`")
@blp.doc(security=BEARER)
@require_role(Role.EXHIBITOR, Role.ORGANISER)
def add_staff(data, exhibitor_id):
    """Name a booth staff member within the quota: an approved registration of category `exhibitor`, with a badge."""
    exhibitor = _managed_exhibitor(exhibitor_id)
    registration = leads.add_staff(
        exhibitor, current_user, email=data["email"], full_name=data["full_name"], language=data["language"]
    )
    db.session.commit()
    return registration


# Leads -----------------------------------------------------------------------------------------------------------


@blp.route("/exhibitors/<int:exhibitor_id>/leads", methods=["POST"])
@blp.arguments(LeadRequestSchema)
@blp.response(201, LeadSchema)
@blp.alt_response(200, schema=LeadSchema, description="The badge was scanned before: the same lead")
@blp.alt_response(403, description="`no_consent`: the delegate did not agree; nothing is stored")
@blp.alt_response(409, description="`revoked`, `wrong_event`, `not_approved`")
@blp.alt_response(422, description="`invalid_code`, `unknown_code`")
@blp.doc(security=BEARER)
@require_role(Role.EXHIBITOR)
def record_lead(data, exhibitor_id):
    """Keep the delegate of a scanned badge as a lead (the exhibitor's account and its staff)."""
    exhibitor = _leads_exhibitor(exhibitor_id)
    lead, created = leads.record_lead(exhibitor, current_user, data["code"], data["note"])
    db.session.commit()
    return lead, 201 if created else 200


@blp.route("/exhibitors/<int:exhibitor_id>/leads", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, list_envelope(LeadSchema))
@blp.doc(security=BEARER)
@require_role(Role.EXHIBITOR)
def list_leads(args, exhibitor_id):
    """The exhibitor's leads, latest scan first."""
    return paginate(leads.leads_query(_leads_exhibitor(exhibitor_id)), args)


@blp.route("/exhibitors/<int:exhibitor_id>/leads.csv", methods=["GET"])
@blp.response(200, content_type="text/csv")
@blp.doc(security=BEARER)
@require_role(Role.EXHIBITOR)
def export_leads(exhibitor_id):
    """The leads as CSV (UTF-8 with a byte-order mark, so that spreadsheets keep the diacritics)."""
    return leads_csv_response(_leads_exhibitor(exhibitor_id))


@blp.route("/leads/<int:lead_id>", methods=["PATCH"])
@blp.arguments(LeadPatchSchema)
@blp.response(200, LeadSchema)
@blp.doc(security=BEARER)
@require_role(Role.EXHIBITOR)
def annotate_lead(data, lead_id):
    """Replace a lead's note."""
    lead = leads.annotate_lead(leads.get_lead_for(current_user, lead_id), data["note"])
    db.session.commit()
    return lead


def leads_csv_response(exhibitor) -> Response:
    """The leads file, named after the exhibitor, never cached."""
    body = leads.leads_csv(exhibitor, exhibitor.event.zone)
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="leads-{exhibitor.id}.csv"',
            "Cache-Control": "no-store",
        },
    )
