"""Account pages: sign-up, sign-in, sign-out, profile, password change and reset, user roles."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_login.config import COOKIE_NAME
from sqlalchemy import select

from core.auth import privacy, services
from core.auth.access import public, require_role
from core.auth.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    ProfileForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignInForm,
    SignUpForm,
    UserRolesForm,
)
from core.auth.models import Role, User
from core.errors import DomainError, attach_to_form
from core.extensions import db, limiter
from core.ratelimit import sign_in_limit, sign_in_limit_by_account
from core.security import local_path

bp = Blueprint("auth", __name__)


def _safe_next(default: str) -> str:
    return local_path(request.args.get("next"), default)


@bp.route("/sign-up", methods=["GET", "POST"])
@public
def sign_up():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignUpForm(language=session.get("language") or "en")
    if form.validate_on_submit():
        try:
            user = services.create_user(
                form.email.data,
                form.password.data,
                form.full_name.data,
                language=form.language.data,
                timezone=form.timezone.data,
            )
        except DomainError as exc:
            db.session.rollback()
            attach_to_form(form, exc, field="email")  # the one error naming no field is `email_taken`
        else:
            db.session.commit()
            login_user(user)
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.full_name), "success")
            return redirect(url_for("main.home"))
    return render_template("core/auth/sign_up.html", form=form)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(sign_in_limit, methods=["POST"])
@limiter.limit(sign_in_limit, key_func=sign_in_limit_by_account, methods=["POST"])
@public
def sign_in():
    if current_user.is_authenticated:
        return redirect(_safe_next(url_for("main.home")))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except DomainError as exc:
            attach_to_form(form, exc)
        else:
            login_user(user, remember=form.remember.data)
            session["language"] = user.language
            flash(_("Signed in as %(name)s.", name=user.full_name), "success")
            return redirect(_safe_next(url_for("main.home")))
    return render_template("core/auth/sign_in.html", form=form)


@bp.post("/sign-out")
@require_role()
def sign_out():
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/account", methods=["GET", "POST"])
@require_role()
def account():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            services.update_profile(
                current_user, full_name=form.full_name.data, language=form.language.data, timezone=form.timezone.data
            )
        except DomainError as exc:
            db.session.rollback()
            attach_to_form(form, exc)
        else:
            db.session.commit()
            session["language"] = current_user.language
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("auth.account"))
    return render_template("core/auth/account.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@require_role()
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.new_password.data, current_password=form.current_password.data)
        except DomainError as exc:
            db.session.rollback()
            attach_to_form(form, exc)
        else:
            db.session.commit()
            # The session id (and the remember-me cookie, if this device has one) carries the new security stamp.
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies
            login_user(current_user._get_current_object(), remember=remembered)
            flash(_("Your password is changed. Other devices have been signed out."), "success")
            return redirect(url_for("auth.account"))
    return render_template("core/auth/change_password.html", form=form)


@bp.get("/account/data.json")
@require_role()
def download_my_data():
    """Everything we hold about the signed-in person, as a JSON file."""
    body = json.dumps(privacy.personal_data(current_user), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-ascn-summit-data.json"'},
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@require_role()
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            privacy.delete_account(current_user._get_current_object(), form.password.data)
        except DomainError as exc:
            db.session.rollback()
            attach_to_form(form, exc)
        else:
            db.session.commit()
            logout_user()
            session.pop("language", None)
            flash(_("Your account is deleted. Your registrations are kept without your name, for the counts."), "info")
            return redirect(url_for("main.home"))
    return render_template("core/auth/delete_account.html", form=form)


@bp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit(sign_in_limit, methods=["POST"])
@public
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(
            form.email.data, lambda token: url_for("auth.reset_password", token=token, _external=True)
        )
        db.session.commit()
        flash(_("If an account uses this address, we have sent it a link to choose a new password."), "info")
        return redirect(url_for("auth.sign_in"))
    return render_template("core/auth/reset_request.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    try:
        user = services.user_for_reset_token(token)
    except DomainError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("auth.reset_request"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(user, form.new_password.data)
        except DomainError as exc:
            db.session.rollback()
            attach_to_form(form, exc)
        else:
            db.session.commit()
            flash(_("Your new password is set. Please sign in."), "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("core/auth/reset_password.html", form=form)


@bp.get("/admin/users")
@require_role(Role.ADMIN)
def users():
    query = request.args.get("q", "").strip()
    statement = select(User).order_by(User.full_name)
    if query:
        statement = statement.where(User.email.contains(query.lower()) | User.full_name.ilike(f"%{query}%"))
    return render_template("core/auth/users.html", users=db.session.scalars(statement.limit(500)).all(), q=query)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def edit_user_roles(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = UserRolesForm(roles=[role.value for role in user.roles if role is not Role.DELEGATE], country=user.country)
    if form.validate_on_submit():
        try:
            services.set_roles(user, {Role(value) for value in form.roles.data}, country=form.country.data or "")
        except DomainError as exc:
            db.session.rollback()
            attach_to_form(form, exc)
        else:
            db.session.commit()
            flash(_("Roles of %(name)s saved.", name=user.full_name), "success")
            return redirect(url_for("auth.users"))
    return render_template("core/auth/edit_user.html", form=form, user=user)
