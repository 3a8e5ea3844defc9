"""JSON shapes of the check-in calls (API.md, "Check-in")."""

from __future__ import annotations

import marshmallow as ma

from core.api import ID
from registration.checkin_models import CheckpointKind, ScanResult

DEVICE_TEXT = ma.validate.Length(min=1, max=100)


class CheckpointSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    event_id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(load_default="", validate=ma.validate.Length(max=120))
    kind = ma.fields.Enum(CheckpointKind, by_value=True, load_default=CheckpointKind.VENUE)
    session_id = ma.fields.Integer(allow_none=True, load_default=None, validate=ID)
    day = ma.fields.Date(
        allow_none=True,
        load_default=None,
        metadata={"description": "Venue only: the date it is valid; null = every day."},
    )


class CheckinRequestSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(max=2000))
    checkpoint_id = ma.fields.Integer(required=True, validate=ID)
    scanned_at = ma.fields.DateTime(
        load_default=None,
        allow_none=True,
        metadata={"description": "When the device scanned (offline scans sent later); no offset: the event's zone."},
    )
    device_id = ma.fields.String(load_default=None, allow_none=True, validate=DEVICE_TEXT)
    nonce = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=DEVICE_TEXT,
        metadata={"description": "The device's key for this scan: a repeat returns the first verdict."},
    )


class PersonSchema(ma.Schema):
    id = ma.fields.Integer()
    full_name = ma.fields.String()
    organisation = ma.fields.String()
    country = ma.fields.String()
    category = ma.fields.String()
    category_label = ma.fields.String()


class VerdictSchema(ma.Schema):
    result = ma.fields.String(metadata={"enum": [result.value for result in ScanResult]})
    admitted = ma.fields.Boolean()
    message = ma.fields.String()
    registration = ma.fields.Nested(PersonSchema, allow_none=True)
    checked_in_at = ma.fields.String(allow_none=True)
    first_checked_in_at = ma.fields.String(allow_none=True)


class CheckpointCountSchema(ma.Schema):
    checkpoint_id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String()
    day = ma.fields.String(allow_none=True)
    checked_in = ma.fields.Integer(metadata={"description": "Distinct people admitted."})
    admissions = ma.fields.Integer(metadata={"description": "Admissions (one per day at an every-day entrance)."})


class HourCountSchema(ma.Schema):
    hour = ma.fields.String(metadata={"description": "Start of the hour in the event's time zone."})
    checked_in = ma.fields.Integer()


class CountryCountSchema(ma.Schema):
    country = ma.fields.String()
    name = ma.fields.String()
    checked_in = ma.fields.Integer()


class CheckinStatsSchema(ma.Schema):
    registered = ma.fields.Integer(metadata={"description": "Pending and approved registrations."})
    approved = ma.fields.Integer()
    checked_in = ma.fields.Integer()
    by_checkpoint = ma.fields.List(ma.fields.Nested(CheckpointCountSchema))
    by_hour = ma.fields.List(ma.fields.Nested(HourCountSchema))
    by_country = ma.fields.List(ma.fields.Nested(CountryCountSchema))
    generated_at = ma.fields.String()


class OfflinePersonSchema(PersonSchema):
    badge_version = ma.fields.Integer()
    attendance = ma.fields.String()
    refusal = ma.fields.String(allow_none=True, metadata={"description": "`cancelled`, `not_approved` or null."})
    sessions = ma.fields.List(ma.fields.Integer(), metadata={"description": "Sessions with a confirmed seat."})


class OfflineCheckpointSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    session_id = ma.fields.Integer(allow_none=True)
    day = ma.fields.String(allow_none=True)


class OfflineBundleSchema(ma.Schema):
    event_id = ma.fields.Integer()
    public_key = ma.fields.String(metadata={"description": "Base64 of the raw 32-byte Ed25519 public key."})
    revoked = ma.fields.List(ma.fields.String())
    generated_at = ma.fields.String()
    registrations = ma.fields.List(ma.fields.Nested(OfflinePersonSchema))
    checkpoints = ma.fields.List(ma.fields.Nested(OfflineCheckpointSchema))
