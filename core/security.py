"""Security headers on every response, the one check of where a redirect taken from a request may lead, and the
refusal of the NUL character in anything a request carries."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from flask import Flask, abort, request
from flask_babel import gettext as _

# No inline script anywhere: every script is a file under /static.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI sets style attributes from its script; the docs page alone allows inline styles.
DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def add_security_headers(response):
    docs = request.path.startswith("/api/v1/docs")
    response.headers.setdefault(
        "Content-Security-Policy", DOCS_CONTENT_SECURITY_POLICY if docs else CONTENT_SECURITY_POLICY
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


NUL = "\x00"


def _strings_with_nul(value, name: str) -> Iterator[str]:
    """The names of the fields of a JSON value (top-level keys) whose text holds a NUL character."""
    if isinstance(value, str):
        if NUL in value:
            yield name
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings_with_nul(key, name or str(key))
            yield from _strings_with_nul(item, name or str(key))
    elif isinstance(value, list):
        for item in value:
            yield from _strings_with_nul(item, name)


def refuse_nul_characters():
    """PostgreSQL text cannot hold U+0000: a statement with one fails (a 500), and no text a person types has one.
    A request that carries one anywhere (path, query, form, JSON) is refused before a view sees it: 404 for a path
    (it names nothing), 422 naming the fields in the API, 400 for a page."""
    from core.errors import ValidationFailed, wants_json

    if NUL in request.path:
        abort(404)
    pairs = list(request.args.items(multi=True))
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        pairs += request.form.items(multi=True)
    # A malformed multipart part may come without a name.
    fields = [name or "" for name, value in pairs if NUL in (name or "") or NUL in (value or "")]
    if request.is_json:
        fields += list(_strings_with_nul(request.get_json(silent=True), ""))
    if not fields:
        return None
    if not wants_json():
        abort(400)
    message = _("Text may not contain the NUL character.")
    raise ValidationFailed(
        "validation_failed", _("Some fields are not valid."), fields={name or "_json": [message] for name in fields}
    )


def init_security(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)


def local_path(target: str | None, default: str) -> str:
    """`target` if it is a path on this site, else `default`: a redirect anywhere else would be an open redirect.

    Browsers drop tabs and line breaks from an address and read a backslash as a slash, so "/<TAB>/evil.example"
    and "/\\evil.example" leave the site as "//evil.example" does; a line break would also break the header.
    """
    target = target or ""
    if "\\" in target or any(ord(character) < 0x20 or ord(character) == 0x7F for character in target):
        return default
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        return default
    return target
