"""What protects accounts and pages: CSRF, rate limits, cookies, headers, no inline script, hashed passwords."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from core.extensions import db
from tests.fixtures.accounts import PASSWORD, csrf_token_from

SIGN_IN_LIMIT = 10  # RATELIMIT_SIGN_IN is "10 per minute" unless the environment says otherwise


@pytest.fixture(autouse=True)
def _default_sign_in_limit(app):
    assert app.config["RATELIMIT_SIGN_IN"] == f"{SIGN_IN_LIMIT} per minute"


def form_token(client, url="/sign-in") -> str:
    return csrf_token_from(client.get(url).get_data(as_text=True))


def is_signed_in(client) -> bool:
    return client.get("/account").status_code == 200


# --- CSRF ---


def test_signing_in_without_the_csrf_token_is_refused(client, make_user):
    make_user("van@danang.gov.vn")
    response = client.post("/sign-in", data={"email": "van@danang.gov.vn", "password": PASSWORD})
    assert response.status_code == 400
    assert not is_signed_in(client)


def test_a_forged_csrf_token_is_refused(client, make_user):
    make_user("van@danang.gov.vn")
    client.get("/sign-in")
    response = client.post(
        "/sign-in", data={"email": "van@danang.gov.vn", "password": PASSWORD, "csrf_token": "forged-by-another-site"}
    )
    assert response.status_code == 400
    assert not is_signed_in(client)


def test_signing_up_without_the_csrf_token_creates_nothing(client):
    response = client.post(
        "/sign-up",
        data={"full_name": "Van", "email": "van@danang.gov.vn", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.status_code == 400
    assert db.session.execute(text("SELECT count(*) FROM users")).scalar() == 0


def test_signed_in_forms_need_the_csrf_token(client, make_user, sign_in):
    user = make_user("van@danang.gov.vn", full_name="Nguyễn Tường Văn")
    sign_in("van@danang.gov.vn")

    assert client.post("/sign-out").status_code == 400
    assert is_signed_in(client)
    changed = {"current_password": PASSWORD, "new_password": "taken over", "confirm": "taken over"}
    assert client.post("/account/password", data=changed).status_code == 400
    assert (
        client.post("/account", data={"full_name": "Renamed", "language": "en", "timezone": "UTC"}).status_code == 400
    )
    db.session.expire_all()
    assert user.full_name == "Nguyễn Tường Văn"
    assert (
        client.application.test_client()
        .post("/api/v1/auth/token", json={"email": "van@danang.gov.vn", "password": PASSWORD})
        .status_code
        == 201
    )


# --- rate limits ---


def test_a_burst_of_sign_ins_from_one_address_is_stopped(client, make_user):
    make_user("van@danang.gov.vn")
    token = form_token(client)
    for attempt in range(SIGN_IN_LIMIT):
        # A different account each time: only the per-address limit applies.
        data = {"email": f"guess{attempt}@danang.gov.vn", "password": "guess", "csrf_token": token}
        assert client.post("/sign-in", data=data).status_code == 200, attempt

    response = client.post("/sign-in", data={"email": "van@danang.gov.vn", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert not is_signed_in(client)

    elsewhere = {"email": "van@danang.gov.vn", "password": PASSWORD, "csrf_token": token}
    assert client.post("/sign-in", data=elsewhere, environ_base={"REMOTE_ADDR": "192.0.2.77"}).status_code == 302


def test_guessing_one_accounts_password_from_many_addresses_is_stopped(client, make_user):
    make_user("van@danang.gov.vn")
    token = form_token(client)
    for attempt in range(SIGN_IN_LIMIT):
        data = {"email": "van@danang.gov.vn", "password": f"guess {attempt}", "csrf_token": token}
        response = client.post("/sign-in", data=data, environ_base={"REMOTE_ADDR": f"198.51.100.{attempt + 1}"})
        assert response.status_code == 200, attempt

    fresh_address = {"REMOTE_ADDR": "203.0.113.9"}
    right = {"email": "VAN@danang.gov.vn", "password": PASSWORD, "csrf_token": token}
    assert client.post("/sign-in", data=right, environ_base=fresh_address).status_code == 429

    other_account = {"email": "chan.sokha@phnompenh.gov.kh", "password": "guess", "csrf_token": token}
    assert client.post("/sign-in", data=other_account, environ_base=fresh_address).status_code == 200


def test_a_burst_of_token_calls_is_stopped_with_the_error_json(client, make_user):
    make_user("van@danang.gov.vn")
    for attempt in range(SIGN_IN_LIMIT):
        response = client.post(
            "/api/v1/auth/token", json={"email": "van@danang.gov.vn", "password": f"guess {attempt}"}
        )
        assert response.status_code == 401, attempt

    response = client.post("/api/v1/auth/token", json={"email": "van@danang.gov.vn", "password": PASSWORD})
    assert response.status_code == 429
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == "rate_limited"
    assert error["message"]
    assert "token" not in response.get_json()
    assert "Retry-After" in response.headers

    other_address = client.post(
        "/api/v1/auth/token",
        json={"email": "van@danang.gov.vn", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "192.0.2.77"},
    )
    assert other_address.status_code == 429  # the account's own limit


def test_pages_other_than_sign_in_are_not_limited(client):
    for _ in range(SIGN_IN_LIMIT + 5):
        assert client.get("/sign-in").status_code == 200


# --- cookies and headers ---


def cookie(response, name: str) -> str:
    found = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    assert found, f"no {name} cookie in {response.headers.getlist('Set-Cookie')}"
    return found[-1]


def test_the_session_and_remember_cookies_are_httponly_and_samesite_lax(client, make_user, sign_in):
    make_user("van@danang.gov.vn")
    response = sign_in("van@danang.gov.vn", remember=True)
    for name in ("session", "remember_token"):
        attributes = [part.strip().lower() for part in cookie(response, name).split(";")]
        assert "httponly" in attributes, name
        assert "samesite=lax" in attributes, name


def policy_directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy")
    assert policy, f"no Content-Security-Policy on {response.request.path}"
    directives = {}
    for directive in policy.split(";"):
        name, *values = directive.split()
        directives[name] = values
    return directives


PUBLIC_PAGES = ["/", "/sign-in", "/sign-up", "/reset-password"]
SIGNED_IN_PAGES = ["/", "/account", "/account/password", "/admin/users"]


@pytest.fixture
def signed_in_admin(client, make_user, sign_in):
    make_user("admin@ascn2020.gov.vn", roles=["admin"])
    sign_in("admin@ascn2020.gov.vn")
    return client


def assert_secure_headers(response) -> None:
    directives = policy_directives(response)
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives.get("default-src", [])
    assert directives["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_kind_of_answer_sends_the_security_headers(client, signed_in_admin):
    answers = [client.get(path) for path in SIGNED_IN_PAGES]
    answers += [client.get("/no-such-page"), client.get("/api/v1/me"), client.get("/healthz")]
    answers += [client.get("/api/v1/docs"), client.get("/api/v1/openapi.json")]
    static = client.get("/static/css/app.css")
    static.close()
    answers.append(static)
    for response in answers:
        assert_secure_headers(response)


def test_public_pages_send_the_security_headers(client):
    for path in PUBLIC_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_secure_headers(response)


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|<[^>]+\sstyle\s*=", re.IGNORECASE)


def assert_nothing_inline(path: str, html: str) -> None:
    """The policy blocks inline script and style, so a page that had any would be broken, not only unsafe."""
    assert "<script" in html, f"{path}: expected the page's script files"
    assert not INLINE_SCRIPT.findall(html), f"{path}: inline <script>"
    assert not EVENT_HANDLER.findall(html), f"{path}: inline event handler"
    assert not INLINE_STYLE.findall(html), f"{path}: inline style"


def test_public_pages_have_no_inline_script(client, cli):
    assert cli.invoke(args=["demo", "load"]).exit_code == 0  # so the home page lists the summit
    for path in PUBLIC_PAGES:
        assert_nothing_inline(path, client.get(path).get_data(as_text=True))


def test_signed_in_pages_have_no_inline_script(signed_in_admin):
    for path in SIGNED_IN_PAGES:
        response = signed_in_admin.get(path)
        assert response.status_code == 200, path
        assert_nothing_inline(path, response.get_data(as_text=True))


# --- passwords and redirects ---


def test_passwords_are_stored_hashed(client, post_form):
    response = post_form(
        "/sign-up",
        {
            "full_name": "Nguyễn Tường Văn",
            "email": "van@danang.gov.vn",
            "password": "plain text secret",
            "confirm": "plain text secret",
            "language": "en",
            "timezone": "UTC",
        },
    )
    assert response.status_code == 302
    row = db.session.execute(text("SELECT * FROM users WHERE email = 'van@danang.gov.vn'")).mappings().one()
    assert not any("plain text secret" in str(value) for value in row.values())
    assert row["password_hash"].startswith(("scrypt:", "pbkdf2:"))


def test_two_accounts_with_the_same_password_store_different_hashes(make_user):
    first, second = make_user("van@danang.gov.vn"), make_user("sokha@phnompenh.gov.kh")
    assert first.password_hash != second.password_hash


@pytest.mark.parametrize(
    "target", ["https://evil.example", "//evil.example", "/\\evil.example", "https:evil.example", "javascript:alert(1)"]
)
def test_sign_in_does_not_redirect_to_another_site(client, make_user, target):
    make_user("van@danang.gov.vn")
    response = client.post(
        "/sign-in",
        query_string={"next": target},
        data={"email": "van@danang.gov.vn", "password": PASSWORD, "csrf_token": form_token(client)},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    # Only a path on this site; browsers read a backslash as a slash, so "/\\host" would leave as "//host" does.
    on_this_site = location.replace("\\", "/")
    assert on_this_site.startswith("/"), location
    assert not on_this_site.startswith("//"), location


def test_sign_in_follows_a_next_path_on_this_site(client, make_user):
    make_user("van@danang.gov.vn")
    response = client.post(
        "/sign-in",
        query_string={"next": "/account/password"},
        data={"email": "van@danang.gov.vn", "password": PASSWORD, "csrf_token": form_token(client)},
    )
    assert response.headers["Location"] == "/account/password"
