"""JSON shapes of the account calls."""

from __future__ import annotations

import marshmallow as ma

from core.auth.models import LANGUAGES, Role
from core.auth.services import MIN_PASSWORD_LENGTH


class UserSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    email = ma.fields.Email(dump_only=True)
    full_name = ma.fields.String(dump_only=True)
    roles = ma.fields.Method("dump_roles", dump_only=True, metadata={"type": "array", "items": {"type": "string"}})
    language = ma.fields.String(dump_only=True)
    timezone = ma.fields.String(dump_only=True)
    country = ma.fields.String(dump_only=True, allow_none=True)

    def dump_roles(self, user) -> list[str]:
        return sorted(str(role) for role in user.roles)


class SignUpSchema(ma.Schema):
    email = ma.fields.Email(required=True, validate=ma.validate.Length(max=254))
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=MIN_PASSWORD_LENGTH))
    full_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    language = ma.fields.String(load_default="en", validate=ma.validate.OneOf(list(LANGUAGES)))
    timezone = ma.fields.String(load_default="Asia/Ho_Chi_Minh")


class CredentialsSchema(ma.Schema):
    email = ma.fields.String(required=True, validate=ma.validate.Length(max=254))
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(max=1000))


class TokenSchema(ma.Schema):
    token = ma.fields.String(required=True)
    user = ma.fields.Nested(UserSchema, required=True)


class ProfileSchema(ma.Schema):
    full_name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    language = ma.fields.String(validate=ma.validate.OneOf(list(LANGUAGES)))
    timezone = ma.fields.String()


ROLE_NAMES = [role.value for role in Role]


class PasswordConfirmSchema(ma.Schema):
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(max=1000))


class PersonalDataSchema(ma.Schema):
    """Everything held about the caller: `account`, then one key per domain (`registrations`, ...)."""

    class Meta:
        # The document says so too (additionalProperties), or a client that checks the answer would refuse it.
        unknown = ma.INCLUDE

    exported_at = ma.fields.String(required=True)
    account = ma.fields.Dict(required=True)

    @ma.post_dump(pass_original=True)
    def keep_every_domain(self, data, original, **kwargs):
        # The domains' keys are not known here (the kernel imports no domain): pass them through as they are.
        return original | data
