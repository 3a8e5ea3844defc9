"""JSON shapes of the exhibition calls; the OpenAPI document is generated from them."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for

from core.api import ID, PageArgsSchema
from events.schemas import ZonedDateTime
from exhibitors.models import BookingStatus, BoothStatus, ExhibitorCategory, ExhibitorStatus

COUNTRY = ma.validate.Regexp(r"^[A-Za-z]{2}$", error="Use a two-letter ISO country code.")
CURRENCY = ma.validate.Regexp(r"^[A-Za-z]{3}$", error="Use a three-letter currency code, such as USD or VND.")
BOOTH_CODE = ma.validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,19}$", error="Use letters, digits and hyphens.")
METRES = ma.validate.Range(min=0, max=1000)
SIZE = ma.validate.Range(min=0, max=200, min_inclusive=False)


class _Metres(ma.fields.Decimal):
    """Metres: read as an exact decimal, written as a JSON number."""

    def __init__(self, **kwargs):
        super().__init__(places=2, allow_nan=False, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else float(value)


class BoothSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    event_id = ma.fields.Integer(dump_only=True)
    code = ma.fields.String(required=True, validate=BOOTH_CODE)
    hall = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    x = _Metres(required=True, validate=METRES, metadata={"description": "Metres from the hall's left wall."})
    y = _Metres(required=True, validate=METRES, metadata={"description": "Metres from the hall's back wall."})
    width = _Metres(required=True, validate=SIZE, metadata={"description": "Metres."})
    depth = _Metres(required=True, validate=SIZE, metadata={"description": "Metres."})
    area_sqm = _Metres(dump_only=True)
    # A decimal string (API.md); not negative, which the service checks and says next to the field.
    price = ma.fields.Decimal(
        required=True,
        places=2,
        as_string=True,
        allow_nan=False,
        metadata={"type": "string", "format": "decimal", "example": "2500.00"},
    )
    currency = ma.fields.String(load_default="USD", validate=CURRENCY)
    zone = ma.fields.String(load_default="", validate=ma.validate.Length(max=80))
    status = ma.fields.Enum(
        BoothStatus,
        by_value=True,
        load_default=None,
        metadata={"description": "Settable to available or blocked; held and booked follow from bookings."},
    )
    staff_badge_quota = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Range(min=0, max=1000),
        metadata={"description": "Staff badges with the booth; from its area when not given (2 per 9 m² started)."},
    )


class BoothPatchSchema(BoothSchema):
    """Use with partial=True."""

    currency = ma.fields.String(validate=CURRENCY)
    zone = ma.fields.String(validate=ma.validate.Length(max=80))
    status = ma.fields.Enum(BoothStatus, by_value=True)
    staff_badge_quota = ma.fields.Integer(allow_none=True, validate=ma.validate.Range(min=0, max=1000))


class BoothListArgsSchema(PageArgsSchema):
    status = ma.fields.Enum(BoothStatus, by_value=True)


class BoothImportResultSchema(ma.Schema):
    created = ma.fields.Integer(required=True)
    updated = ma.fields.Integer(required=True)


class ExhibitorSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    event_id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    country = ma.fields.String(required=True, validate=COUNTRY)
    website = ma.fields.String(load_default="", validate=ma.validate.Length(max=300))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))
    contact_email = ma.fields.Email(metadata={"description": "Defaults to the applying account's e-mail."})
    categories = ma.fields.List(ma.fields.Enum(ExhibitorCategory, by_value=True), load_default=list)
    status = ma.fields.Enum(ExhibitorStatus, by_value=True, dump_only=True)
    decision_reason = ma.fields.String(dump_only=True)
    logo_url = ma.fields.Method("dump_logo_url", dump_only=True, allow_none=True)
    account_email = ma.fields.Email(
        load_only=True, metadata={"description": "Organisers: the account that will manage the exhibitor."}
    )

    def dump_logo_url(self, exhibitor) -> str | None:
        if not exhibitor.has_logo:
            return None
        return url_for("exhibitors.logo", exhibitor_id=exhibitor.id, version=exhibitor.logo_version)


class ExhibitorPatchSchema(ExhibitorSchema):
    """Use with partial=True."""

    website = ma.fields.String(validate=ma.validate.Length(max=300))
    description = ma.fields.String(validate=ma.validate.Length(max=5000))
    categories = ma.fields.List(ma.fields.Enum(ExhibitorCategory, by_value=True))


class ExhibitorListArgsSchema(PageArgsSchema):
    status = ma.fields.Enum(ExhibitorStatus, by_value=True)
    category = ma.fields.Enum(ExhibitorCategory, by_value=True)
    country = ma.fields.String(validate=COUNTRY)
    q = ma.fields.String(validate=ma.validate.Length(max=200))


class BookingSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    booth_id = ma.fields.Integer(dump_only=True)
    booth_code = ma.fields.Function(lambda booking: booking.booth.code, dump_only=True)
    exhibitor_id = ma.fields.Integer(required=True, validate=ID)
    status = ma.fields.Enum(BookingStatus, by_value=True, dump_only=True)
    held_until = ZonedDateTime(dump_only=True, allow_none=True)
    created_at = ZonedDateTime(dump_only=True)
    confirmed_at = ZonedDateTime(dump_only=True, allow_none=True)


class StaffRequestSchema(ma.Schema):
    email = ma.fields.Email(required=True)
    full_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    language = ma.fields.String(load_default="en", validate=ma.validate.OneOf(["en", "vi"]))


class StaffSchema(ma.Schema):
    """A staff member's registration, as its exhibitor sees it."""

    id = ma.fields.Integer(dump_only=True)
    event_id = ma.fields.Integer(dump_only=True)
    user_id = ma.fields.Integer(dump_only=True, allow_none=True)
    full_name = ma.fields.String(dump_only=True)
    email = ma.fields.Function(lambda r: r.user.email if r.user else None, dump_only=True, allow_none=True)
    organisation = ma.fields.String(dump_only=True)
    category = ma.fields.Function(lambda r: r.category.value, dump_only=True)
    status = ma.fields.Function(lambda r: r.status.value, dump_only=True)
    created_at = ZonedDateTime(dump_only=True)


class StaffListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(StaffSchema), required=True)
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)
    quota = ma.fields.Integer(required=True, metadata={"description": "Staff badges the exhibitor's booths give."})


class LeadRequestSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


class LeadPatchSchema(ma.Schema):
    note = ma.fields.String(required=True, validate=ma.validate.Length(max=2000))


class LeadSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    exhibitor_id = ma.fields.Integer(dump_only=True)
    registration_id = ma.fields.Integer(dump_only=True)
    scanned_at = ZonedDateTime(dump_only=True)
    note = ma.fields.String(dump_only=True)
    full_name = ma.fields.Function(lambda lead: lead.registration.full_name, dump_only=True)
    organisation = ma.fields.Function(lambda lead: lead.registration.organisation, dump_only=True)
    job_title = ma.fields.Function(lambda lead: lead.registration.job_title, dump_only=True)
    country = ma.fields.Function(lambda lead: lead.registration.country, dump_only=True)
    email = ma.fields.Function(
        lambda lead: lead.registration.user.email if lead.registration.user else None, dump_only=True, allow_none=True
    )
