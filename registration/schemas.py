"""JSON shapes of the registration calls."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, url_for
from flask_login import current_user

from core.api import ID, PageArgsSchema
from core.auth.models import Role
from events.schemas import ZonedDateTime
from registration.badge_services import PRINTABLE_STATUSES, has_badge
from registration.badges import Layout
from registration.models import Attendance, Category, RegistrationStatus, SignupStatus

COUNTRY = ma.validate.Regexp(r"^[A-Za-z]{2}$", error="Use a two-letter ISO country code.")


class RegistrationSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    event_id = ma.fields.Integer(dump_only=True)
    user_id = ma.fields.Integer(dump_only=True, allow_none=True)
    status = ma.fields.Enum(RegistrationStatus, by_value=True, dump_only=True)
    category = ma.fields.Enum(Category, by_value=True, load_default=Category.GOVERNMENT)
    attendance = ma.fields.Enum(Attendance, by_value=True, load_default=Attendance.IN_PERSON)
    full_name = ma.fields.String(validate=ma.validate.Length(max=200))
    organisation = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    job_title = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    country = ma.fields.String(load_default="", validate=ma.validate.Length(max=2))
    city = ma.fields.String(load_default="", validate=ma.validate.Length(max=120))
    dietary = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    accessibility = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    consent_data_processing = ma.fields.Boolean(required=True, metadata={"description": "Must be true."})
    consent_lead_sharing = ma.fields.Boolean(load_default=False)
    created_at = ZonedDateTime(dump_only=True)
    waitlist_position = ma.fields.Integer(dump_only=True, allow_none=True)
    decision_reason = ma.fields.String(dump_only=True)
    email = ma.fields.Email(
        load_only=True,
        metadata={"description": "Organisers and focal points: register the person with this e-mail."},
    )
    language = ma.fields.String(load_only=True, validate=ma.validate.OneOf(["en", "vi"]))
    agenda_feed_url = ma.fields.Method("dump_agenda_feed_url", dump_only=True, allow_none=True)
    badge_code = ma.fields.String(
        dump_only=True, allow_none=True, metadata={"description": "The QR code's content; owner and organisers only."}
    )
    badge_url = ma.fields.Method(
        "dump_badge_url",
        dump_only=True,
        allow_none=True,
        metadata={"description": "The badge PDF, once approved, for in-person attendance; owner and organisers only."},
    )

    def dump_agenda_feed_url(self, registration) -> str | None:
        if not registration.is_approved:
            return None
        path = url_for("registration.agenda_feed", feed_token=registration.feed_token)
        return current_app.config["BASE_URL"] + path

    def dump_badge_url(self, registration) -> str | None:
        if not has_badge(registration):
            return None
        path = url_for("badge_api.registration_badge", registration_id=registration.id)
        return current_app.config["BASE_URL"] + path

    @ma.post_dump(pass_original=True)
    def private_fields(self, data, registration, **kwargs):
        # The feed URL is a secret: only its owner sees it.
        is_owner = current_user.is_authenticated and registration.user_id == current_user.id
        if not is_owner:
            data["agenda_feed_url"] = None
        if not (is_owner or (current_user.is_authenticated and current_user.has_role(Role.ORGANISER))):
            data["badge_code"] = None
            data["badge_url"] = None
        return data


class RegistrationPatchSchema(RegistrationSchema):
    """Use with partial=True."""

    category = ma.fields.Enum(Category, by_value=True)
    attendance = ma.fields.Enum(Attendance, by_value=True)
    organisation = ma.fields.String(validate=ma.validate.Length(max=200))
    job_title = ma.fields.String(validate=ma.validate.Length(max=200))
    country = ma.fields.String(validate=ma.validate.Length(max=2))
    city = ma.fields.String(validate=ma.validate.Length(max=120))
    dietary = ma.fields.String(validate=ma.validate.Length(max=2000))
    accessibility = ma.fields.String(validate=ma.validate.Length(max=2000))
    consent_data_processing = ma.fields.Boolean()
    consent_lead_sharing = ma.fields.Boolean()


class RegistrationFilterSchema(ma.Schema):
    """The filters of the registration list, shared by its exports."""

    status = ma.fields.Enum(RegistrationStatus, by_value=True)
    category = ma.fields.Enum(Category, by_value=True)
    country = ma.fields.String(validate=COUNTRY)
    q = ma.fields.String(validate=ma.validate.Length(max=200))


class RegistrationListArgsSchema(PageArgsSchema, RegistrationFilterSchema):
    pass


class ImportResultSchema(ma.Schema):
    created = ma.fields.Integer(required=True, metadata={"description": "Registrations created, with new accounts."})
    updated = ma.fields.Integer(required=True, metadata={"description": "Registrations updated, matched by e-mail."})


class DecisionSchema(ma.Schema):
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


class SignupSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    session_id = ma.fields.Integer(dump_only=True)
    registration_id = ma.fields.Integer(validate=ID)
    status = ma.fields.Enum(SignupStatus, by_value=True, dump_only=True)
    position = ma.fields.Integer(dump_only=True, allow_none=True)
    session_title = ma.fields.Function(lambda s: s.session.title, dump_only=True)


class SignupRequestSchema(ma.Schema):
    registration_id = ma.fields.Integer(validate=ID, metadata={"description": "Optional for the registration's owner."})


class BadgeLayoutArgsSchema(ma.Schema):
    """Read with unknown=RAISE: a misspelt filter is an error, not a silent "print everyone"."""

    layout = ma.fields.Enum(
        Layout,
        by_value=True,
        load_default=Layout.A6,
        metadata={"description": "`a6`: one badge a page; `a4-4up`: four A6 badges on A4, with cut marks."},
    )


class BulkBadgeArgsSchema(BadgeLayoutArgsSchema):
    category = ma.fields.Enum(Category, by_value=True)
    country = ma.fields.String(validate=COUNTRY)
    organisation = ma.fields.String(
        validate=ma.validate.Length(min=1, max=200),
        metadata={"description": "A delegation: the whole organisation name, case and accents ignored."},
    )
    status = ma.fields.Enum(
        RegistrationStatus,
        by_value=True,
        load_default=RegistrationStatus.APPROVED,
        validate=ma.validate.OneOf(
            PRINTABLE_STATUSES, error="Badges are printed for approved or pending registrations."
        ),
    )


class BadgeCodeSchema(ma.Schema):
    registration_id = ma.fields.Integer(required=True)
    badge_code = ma.fields.String(required=True, metadata={"description": "The new code; earlier ones are revoked."})
    badge_version = ma.fields.Integer(required=True)
