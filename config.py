"""Configuration read from the environment, with development defaults generated once under instance/."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_INSTANCE_DIR = BASE_DIR / "instance"


def _read_or_create(path: Path, make) -> str:
    """Return the secret kept in `path`, generating it on first use so restarts keep sessions and badges valid."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    # Only the owner may read a generated secret.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """`postgresql://` and `postgres://` both mean psycopg 3 (API.md)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config(instance_dir: Path | None = None) -> dict:
    """Build the Flask config mapping from the environment (and `.env`)."""
    load_dotenv(BASE_DIR / ".env")
    instance = Path(instance_dir or os.environ.get("INSTANCE_DIR") or DEFAULT_INSTANCE_DIR)
    env = os.environ.get

    secret_key = env("SECRET_KEY") or _read_or_create(instance / "secret_key", lambda: secrets.token_urlsafe(48))
    badge_key = env("BADGE_SIGNING_KEY") or _read_or_create(
        instance / "badge_signing_key", lambda: base64.b64encode(secrets.token_bytes(32)).decode()
    )
    database_url = normalise_database_url(env("DATABASE_URL") or f"sqlite:///{instance / 'ascn.sqlite3'}")

    return {
        "INSTANCE_DIR": str(instance),
        "SECRET_KEY": secret_key,
        "BADGE_SIGNING_KEY": badge_key,
        "BASE_URL": (env("BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAIL_SERVER": env("MAIL_SERVER") or "localhost",
        "MAIL_PORT": int(env("MAIL_PORT") or 25),
        "MAIL_USE_TLS": _bool(env("MAIL_USE_TLS")),
        "MAIL_USERNAME": env("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env("MAIL_DEFAULT_SENDER") or "ASCN Summit <no-reply@ascn-summit.local>",
        # Seconds before the first retry of a failed delivery; doubled on each further failure.
        "MAIL_RETRY_BACKOFF_SECONDS": int(env("MAIL_RETRY_BACKOFF_SECONDS") or 30),
        "MAIL_MAX_ATTEMPTS": int(env("MAIL_MAX_ATTEMPTS") or 10),
        "RATELIMIT_STORAGE_URI": env("RATELIMIT_STORAGE_URI") or "memory://",
        "RATELIMIT_SIGN_IN": env("RATELIMIT_SIGN_IN") or "10 per minute",
        "RATELIMIT_HEADERS_ENABLED": True,
        "MAX_CONTENT_LENGTH": int(env("MAX_CONTENT_LENGTH") or 16 * 1024 * 1024),
        # Hours a booth stays held for an exhibitor before the hold lapses and the booth is free again.
        "BOOTH_HOLD_HOURS": int(env("BOOTH_HOLD_HOURS") or 48),
        "EXHIBITOR_LOGO_MAX_BYTES": int(env("EXHIBITOR_LOGO_MAX_BYTES") or 2 * 1024 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env("SESSION_COOKIE_SECURE")),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool(env("SESSION_COOKIE_SECURE")),
        "PASSWORD_RESET_MAX_AGE": int(env("PASSWORD_RESET_MAX_AGE") or 3600),
        # Seconds the set-password link of an account made for someone else (a focal point's delegate) stays valid.
        "INVITATION_MAX_AGE": int(env("INVITATION_MAX_AGE") or 14 * 24 * 3600),
        # Number of proxies in front of the app whose X-Forwarded-* headers are trusted.
        "PROXY_FIX_HOPS": int(env("PROXY_FIX_HOPS") or 0),
        # `make bench` only: adds /api/v1/bench/baseline, the reference the check-in figures are measured against.
        "BENCH_ENDPOINTS": _bool(env("BENCH_ENDPOINTS")),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": ["en", "vi"],
        "BOOTSTRAP_SERVE_LOCAL": True,
        "API_TITLE": "ASCN Summit API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
