"""Security headers on every response, and the one check of where a redirect taken from a request may lead."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request

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


def init_security(app: Flask) -> None:
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
