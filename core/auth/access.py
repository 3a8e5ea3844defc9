"""Who is asking, and may they: the one role-checking helper every view and endpoint uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, request
from flask_login import current_user

from core.auth.models import Role, User
from core.errors import wants_json
from core.extensions import db, login_manager


@login_manager.user_loader
def load_user_from_session(session_id: str) -> User | None:
    # The API takes bearer tokens only: a browser's cookie must not work there, where CSRF is not checked.
    # Flask-Login asks this loader instead of the request loader whenever a session or remember-me cookie
    # comes along (Swagger UI in a signed-in browser), so the token is read here too.
    if wants_json():
        return load_user_from_bearer(request)
    user_id, _, stamp = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.security_stamp != stamp:
        return None
    return user


@login_manager.request_loader
def load_user_from_bearer(req) -> User | None:
    if not wants_json():
        return None
    raw = bearer_token()
    if not raw:
        return None
    from core.auth.services import user_for_token

    return user_for_token(raw)


def bearer_token() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


@login_manager.unauthorized_handler
def unauthorized():
    if wants_json():
        abort(401)
    from flask import flash, redirect, url_for
    from flask_babel import gettext as _

    flash(_("Please sign in to see this page."), "info")
    return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))


def require_role(*roles: Role) -> Callable:
    """Decorate a view: the caller must be signed in and, if roles are given, hold one of them (admins hold all).

    Not signed in: 401 JSON in the API, the sign-in page in HTML. Signed in without the role: 403.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles  # read by the authorisation tests and the OpenAPI security notes
        return wrapped

    return decorator


def public(view: Callable) -> Callable:
    """Mark a view as open to anyone, so the route audit knows it was a choice."""
    view.required_roles = None
    return view
