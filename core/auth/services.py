"""Account operations shared by the HTML views, the API and the CLI. They flush; the caller commits."""

from __future__ import annotations

import secrets
from functools import cache
from zoneinfo import available_timezones

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from core.auth.models import LANGUAGES, ApiToken, Role, User, UserRole, hash_token
from core.db import utcnow
from core.errors import DomainError, ValidationFailed
from core.extensions import db
from core.mail.services import enqueue_template

MIN_PASSWORD_LENGTH = 8
# The password hash of an invited account until its owner chooses a password: no hash method writes it, so
# check_password_hash refuses every password, and no slow hash is computed per invitation (a 1,000-row import).
UNUSABLE_PASSWORD = "!"  # noqa: S105 (a marker that matches no password, not a secret)
# Checked against when the e-mail is unknown, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            "validation_failed",
            _("Some fields are not valid."),
            fields={"password": [_("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)]},
        )


def create_user(
    email: str,
    password: str | None,
    full_name: str,
    *,
    roles: set[Role] | None = None,
    language: str = "en",
    timezone: str = "Asia/Ho_Chi_Minh",
    country: str | None = None,
) -> User:
    """Create an account; `password=None` makes an invited one that cannot sign in until a password is chosen.

    Raises DomainError `email_taken`, ValidationFailed for a weak password or bad field.
    """
    if password is not None:
        check_password_rules(password)
    check_profile(language=language, timezone=timezone, country=country)
    roles = set(roles or ()) - {Role.DELEGATE}
    if Role.FOCAL_POINT in roles and not country:
        raise ValidationFailed(
            "validation_failed",
            _("Some fields are not valid."),
            fields={"country": [_("A focal point needs a country.")]},
        )
    # No look-up first: the unique index decides, inside a savepoint (one query less per imported delegate).
    user = User(
        email=normalise_email(email),
        full_name=full_name.strip(),
        password_hash=generate_password_hash(password) if password is not None else UNUSABLE_PASSWORD,
        language=language,
        timezone=timezone,
        country=country.upper() if country else None,
        security_stamp=secrets.token_hex(16),
        role_rows=[UserRole(role=role) for role in sorted(roles)],
    )
    try:
        # A savepoint, so a concurrent sign-up with the same address fails cleanly and the transaction lives on.
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError as exc:
        raise DomainError("email_taken", _("An account with this e-mail address already exists.")) from exc
    return user


def check_profile(*, language: str | None = None, timezone: str | None = None, country: str | None = None) -> None:
    fields: dict[str, list[str]] = {}
    if language is not None and language not in LANGUAGES:
        fields["language"] = [_("Choose English or Vietnamese.")]
    if timezone is not None and timezone not in _known_timezones():
        fields["timezone"] = [_("Not a known time zone.")]
    if country and (len(country) != 2 or not country.isalpha()):
        fields["country"] = [_("Use a two-letter ISO country code.")]
    if fields:
        raise ValidationFailed("validation_failed", _("Some fields are not valid."), fields=fields)


@cache
def _known_timezones() -> frozenset[str]:
    # available_timezones() walks the tz database on every call (about 13 ms): too slow once per imported row.
    return frozenset(available_timezones())


def update_profile(user: User, *, full_name=None, language=None, timezone=None) -> User:
    """Change a user's own name, language or time zone."""
    check_profile(language=language, timezone=timezone)
    if full_name is not None:
        user.full_name = full_name.strip()
    if language is not None:
        user.language = language
    if timezone is not None:
        user.timezone = timezone
    db.session.flush()
    return user


def set_roles(user: User, roles: set[Role], *, country: str | None = None) -> None:
    """Replace a user's roles (delegate is implicit)."""
    wanted = set(roles) - {Role.DELEGATE}
    if country is not None:
        user.country = country.upper() or None
    if Role.FOCAL_POINT in wanted and not user.country:
        raise ValidationFailed(
            "validation_failed",
            _("Some fields are not valid."),
            fields={"country": [_("A focal point needs a country.")]},
        )
    user.role_rows = [row for row in user.role_rows if row.role in wanted]
    have = {row.role for row in user.role_rows}
    user.role_rows.extend(UserRole(role=role) for role in sorted(wanted - have))
    db.session.flush()


def authenticate(email: str, password: str) -> User:
    """Return the user with these credentials. Raises DomainError `invalid_credentials` (401)."""
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
    elif user.is_active and check_password_hash(user.password_hash, password):
        return user
    raise DomainError("invalid_credentials", _("The e-mail address or password is wrong."), status=401)


def change_password(user: User, new_password: str, *, current_password: str | None = None) -> None:
    """Set a new password; other sessions, remember-me cookies and reset links stop working."""
    if current_password is not None and not check_password_hash(user.password_hash, current_password):
        raise ValidationFailed(
            "validation_failed",
            _("Some fields are not valid."),
            fields={"current_password": [_("This is not your current password.")]},
        )
    check_password_rules(new_password)
    user.password_hash = generate_password_hash(new_password)
    user.security_stamp = secrets.token_hex(16)
    db.session.flush()


def issue_token(user: User, name: str = "api") -> str:
    """Create an API token and return it; only its hash is kept."""
    raw = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=hash_token(raw), name=name))
    db.session.flush()
    return raw


def user_for_token(raw_token: str) -> User | None:
    """The active account behind a live bearer token, or None.

    Every API call asks, a scanner at the door several times a second: the token, the account and its roles come
    in one statement instead of three (bench/bench_checkin.py).
    """
    statement = (
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == hash_token(raw_token), ApiToken.revoked_at.is_(None), User.is_active)
        .options(joinedload(User.role_rows))
    )
    return db.session.scalars(statement).unique().one_or_none()


def revoke_token(raw_token: str) -> None:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw_token)))
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user: User, *, invitation: bool = False) -> str:
    """A signed link token to set a password; an invitation's (a new account made for someone) lives longer."""
    # The security stamp makes the link single-use: it changes when the password does.
    data = {"user": user.id, "stamp": user.security_stamp}
    if invitation:
        data["purpose"] = "invitation"
    return _reset_serializer().dumps(data)


def request_password_reset(email: str, reset_url_for) -> None:
    """Mail a signed, expiring reset link if the account exists; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    enqueue_template(
        "password_reset",
        to_address=user.email,
        to_name=user.full_name,
        language=user.language,
        reset_url=reset_url_for(make_reset_token(user)),
        max_age_minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
    )


def user_for_reset_token(token: str) -> User:
    """Raises DomainError `invalid_reset_link` when the link is forged, expired or already used."""
    try:
        data, signed_at = _reset_serializer().loads(token, return_timestamp=True)
    except BadSignature as exc:
        raise DomainError("invalid_reset_link", _("This link is not valid. Ask for a new one."), status=400) from exc
    if not isinstance(data, dict):
        raise DomainError("invalid_reset_link", _("This link is not valid. Ask for a new one."), status=400)
    invitation = data.get("purpose") == "invitation"
    max_age = current_app.config["INVITATION_MAX_AGE" if invitation else "PASSWORD_RESET_MAX_AGE"]
    if (utcnow() - signed_at).total_seconds() > max_age:
        raise DomainError("invalid_reset_link", _("This link has expired. Ask for a new one."), status=400)
    user = db.session.get(User, data.get("user"))
    if user is None or user.security_stamp != data.get("stamp"):
        raise DomainError("invalid_reset_link", _("This link has already been used. Ask for a new one."), status=400)
    return user
