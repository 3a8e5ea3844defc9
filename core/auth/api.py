"""Account calls of /api/v1."""

from __future__ import annotations

from flask import request
from flask_login import current_user
from flask_smorest import Blueprint

from core.api import BEARER
from core.auth import privacy, services
from core.auth.access import bearer_token, public, require_role
from core.auth.schemas import (
    CredentialsSchema,
    PasswordConfirmSchema,
    PersonalDataSchema,
    ProfileSchema,
    SignUpSchema,
    TokenSchema,
    UserSchema,
)
from core.extensions import db, limiter
from core.ratelimit import sign_in_limit, sign_in_limit_by_account

blp = Blueprint("accounts_api", __name__, description="Accounts and API tokens")


@blp.route("/accounts", methods=["POST"])
@blp.arguments(SignUpSchema)
@blp.response(201, UserSchema)
@blp.alt_response(409, description="`email_taken`")
@public
def create_account(data):
    """Create an account (role: delegate)."""
    user = services.create_user(
        data["email"], data["password"], data["full_name"], language=data["language"], timezone=data["timezone"]
    )
    db.session.commit()
    return user


@blp.route("/auth/token", methods=["POST"])
@limiter.limit(sign_in_limit)
@limiter.limit(sign_in_limit, key_func=sign_in_limit_by_account)
@blp.arguments(CredentialsSchema)
@blp.response(201, TokenSchema)
@blp.alt_response(401, description="`invalid_credentials`")
@blp.alt_response(429, description="`rate_limited`")
@public
def create_token(data):
    """Exchange an e-mail and password for a bearer token."""
    user = services.authenticate(data["email"], data["password"])
    token = services.issue_token(user, name=request.headers.get("User-Agent", "api")[:100] or "api")
    db.session.commit()
    return {"token": token, "user": user}


@blp.route("/auth/token", methods=["DELETE"])
@blp.response(204)
@blp.doc(security=BEARER)
@require_role()
def delete_token():
    """Revoke the token presented with this call."""
    services.revoke_token(bearer_token())
    db.session.commit()


@blp.route("/me", methods=["GET"])
@blp.response(200, UserSchema)
@blp.doc(security=BEARER)
@require_role()
def me():
    """The signed-in user."""
    return current_user


@blp.route("/me", methods=["PATCH"])
@blp.arguments(ProfileSchema)
@blp.response(200, UserSchema)
@blp.doc(security=BEARER)
@require_role()
def update_me(data):
    """Change one's own name, language or time zone."""
    services.update_profile(current_user, **data)
    db.session.commit()
    return current_user


@blp.route("/me/data", methods=["GET"])
@blp.response(200, PersonalDataSchema)
@blp.doc(security=BEARER)
@require_role()
def my_data():
    """Everything the summit holds about the caller (their right of access)."""
    return privacy.personal_data(current_user)


@blp.route("/me", methods=["DELETE"])
@blp.arguments(PasswordConfirmSchema)
@blp.response(204)
@blp.alt_response(422, description="wrong password")
@blp.doc(security=BEARER)
@require_role()
def delete_me(data):
    """Delete the caller's account, confirmed by its password; registrations are anonymised, counts kept."""
    privacy.delete_account(current_user._get_current_object(), data["password"])
    db.session.commit()
