"""JSON shapes of the programme calls; the OpenAPI document is generated from them."""

from __future__ import annotations

from datetime import UTC, timedelta

import marshmallow as ma
from flask import g
from flask_login import current_user

from core.api import COUNT, ID, PageArgsSchema
from events.models import ApprovalMode, EventMode, EventStatus, SessionKind, SessionStatus
from events.signals import may_see_join_link

SLUG = ma.validate.Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", error="Use lower-case letters, digits and hyphens.")


class ZonedDateTime(ma.fields.DateTime):
    """Dumps a UTC instant with the offset of the event's time zone (API.md: responses carry an offset)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        event = obj if hasattr(obj, "zone") else obj.event
        local = value.astimezone(event.zone)
        if local.utcoffset() % timedelta(minutes=1):
            # Local mean time before standard zones (Hanoi until 1906: +07:06:40) has seconds in its offset, which
            # RFC 3339 has no room for: the same instant in UTC then.
            local = value.astimezone(UTC)
        return local.isoformat()


class EventSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    slug = ma.fields.String(required=True, validate=[ma.validate.Length(min=2, max=80), SLUG])
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    timezone = ma.fields.String(required=True, metadata={"example": "Asia/Ho_Chi_Minh"})
    venue = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    city = ma.fields.String(load_default="", validate=ma.validate.Length(max=100))
    country = ma.fields.String(load_default="VN", validate=ma.validate.Regexp(r"^[A-Z]{2}$"))
    mode = ma.fields.Enum(EventMode, by_value=True, load_default=EventMode.IN_PERSON)
    status = ma.fields.Enum(EventStatus, by_value=True, load_default=EventStatus.DRAFT)
    capacity = ma.fields.Integer(allow_none=True, load_default=None, validate=COUNT)
    approval = ma.fields.Enum(ApprovalMode, by_value=True, load_default=ApprovalMode.MODERATED)
    registration_opens_at = ZonedDateTime(allow_none=True, load_default=None)
    registration_closes_at = ZonedDateTime(allow_none=True, load_default=None)
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=20000))


class EventPatchSchema(EventSchema):
    """The same fields, none filled in by default; use with partial=True."""

    venue = ma.fields.String(validate=ma.validate.Length(max=200))
    city = ma.fields.String(validate=ma.validate.Length(max=100))
    country = ma.fields.String(validate=ma.validate.Regexp(r"^[A-Z]{2}$"))
    mode = ma.fields.Enum(EventMode, by_value=True)
    status = ma.fields.Enum(EventStatus, by_value=True)
    capacity = ma.fields.Integer(allow_none=True, validate=COUNT)
    approval = ma.fields.Enum(ApprovalMode, by_value=True)
    registration_opens_at = ZonedDateTime(allow_none=True)
    registration_closes_at = ZonedDateTime(allow_none=True)
    description = ma.fields.String(validate=ma.validate.Length(max=20000))


class RoomSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    event_id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    capacity = ma.fields.Integer(allow_none=True, load_default=None, validate=COUNT)


class RoomPatchSchema(RoomSchema):
    """Use with partial=True."""

    capacity = ma.fields.Integer(allow_none=True, validate=COUNT)


class SpeakerSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    organisation = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))


def _join_link(session) -> str | None:
    """The join link, for organisers and approved registrants only; decided once per event and request."""
    if not session.online_url:
        return None
    cache = g.setdefault("join_link_access", {})
    if session.event_id not in cache:
        cache[session.event_id] = may_see_join_link(current_user, session.event)
    return session.online_url if cache[session.event_id] else None


class SessionSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    event_id = ma.fields.Integer(dump_only=True)
    uid = ma.fields.String(dump_only=True, metadata={"description": "The calendar UID, fixed for life."})
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=300))
    kind = ma.fields.Enum(SessionKind, by_value=True, required=True)
    theme = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=20000))
    starts_at = ZonedDateTime(required=True)
    ends_at = ZonedDateTime(required=True)
    room_id = ma.fields.Integer(allow_none=True, load_default=None, validate=ID)
    room_name = ma.fields.Function(lambda s: s.room.name if s.room else None, dump_only=True, allow_none=True)
    capacity = ma.fields.Integer(allow_none=True, load_default=None, validate=COUNT)
    online_url = ma.fields.Url(
        allow_none=True,
        load_default=None,
        schemes={"https", "http"},
        validate=ma.validate.Length(max=500),
        metadata={"description": "Shown only to organisers and approved registrants of the event."},
    )
    speakers = ma.fields.List(ma.fields.Nested(SpeakerSchema), load_default=list)
    status = ma.fields.Enum(SessionStatus, by_value=True, load_default=SessionStatus.DRAFT)
    sequence = ma.fields.Integer(dump_only=True)
    signups_count = ma.fields.Integer(dump_only=True)
    waitlist_count = ma.fields.Integer(dump_only=True)
    seats_left = ma.fields.Integer(dump_only=True, allow_none=True)

    @ma.post_dump(pass_original=True)
    def hide_join_link(self, data, session, **kwargs):
        data["online_url"] = _join_link(session)
        return data


class SessionPatchSchema(SessionSchema):
    """The same fields, none filled in by default; use with partial=True."""

    theme = ma.fields.String(validate=ma.validate.Length(max=200))
    description = ma.fields.String(validate=ma.validate.Length(max=20000))
    room_id = ma.fields.Integer(allow_none=True, validate=ID)
    capacity = ma.fields.Integer(allow_none=True, validate=COUNT)
    online_url = ma.fields.Url(allow_none=True, schemes={"https", "http"}, validate=ma.validate.Length(max=500))
    speakers = ma.fields.List(ma.fields.Nested(SpeakerSchema))
    status = ma.fields.Enum(SessionStatus, by_value=True)


class SessionListArgsSchema(PageArgsSchema):
    kind = ma.fields.Enum(SessionKind, by_value=True)
    theme = ma.fields.String()
