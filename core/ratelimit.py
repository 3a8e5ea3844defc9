"""Limits on sign-in and token calls, per address and per account."""

from __future__ import annotations

from flask import current_app, request


def sign_in_limit() -> str:
    return current_app.config["RATELIMIT_SIGN_IN"]


def sign_in_limit_by_account() -> str:
    """Key the limit by the e-mail tried, so many addresses cannot guess one account's password."""
    email = ""
    if request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict) and isinstance(body.get("email"), str):
            email = body["email"]
    else:
        email = request.form.get("email", "")
    return "account:" + email.strip().lower()
