"""Language and time zone of the request: the switch in the header, the profile, then Accept-Language."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.timezone
    return None


def country_name(code: str | None) -> str:
    """A country's name in the interface language ("VN" → "Vietnam" / "Việt Nam"); the code itself if unknown."""
    from flask_babel import get_locale

    if not code:
        return ""
    return (get_locale() or _english()).territories.get(code.upper(), code)


def _english():
    from babel import Locale

    return Locale("en")
