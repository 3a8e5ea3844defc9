"""Accounts and tokens of /api/v1, and the error JSON every API client relies on (API.md)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core.extensions import db
from tests.fixtures.accounts import PASSWORD

VAN = "Nguyễn Tường Văn"


def error_of(response) -> dict:
    """The error object of API.md; fails when the body is not that shape."""
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["code"], str)
    assert body["error"]["message"]
    return body["error"]


def new_token(client, email, password=PASSWORD) -> str:
    response = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# --- POST /api/v1/accounts ---


def test_creating_an_account_returns_the_user_with_the_name_exactly_as_sent(client):
    response = client.post(
        "/api/v1/accounts", json={"email": "van@danang.gov.vn", "password": "mật khẩu an toàn", "full_name": VAN}
    )
    assert response.status_code == 201
    user = response.get_json()
    assert user["email"] == "van@danang.gov.vn"
    assert user["full_name"] == VAN
    assert user["roles"] == ["delegate"]
    assert isinstance(user["id"], int)
    assert "password" not in user
    assert {"language", "timezone"} <= set(user)

    token = new_token(client, "van@danang.gov.vn", "mật khẩu an toàn")
    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["full_name"] == VAN


@pytest.mark.parametrize("second_email", ["van@danang.gov.vn", "Van@DaNang.gov.VN"])
def test_an_email_already_used_is_taken_whatever_its_case(client, second_email):
    first = {"email": "van@danang.gov.vn", "password": PASSWORD, "full_name": VAN}
    assert client.post("/api/v1/accounts", json=first).status_code == 201

    response = client.post("/api/v1/accounts", json={**first, "email": second_email})
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "email_taken"
    assert "fields" not in error


def test_a_bad_email_is_a_validation_error_on_that_field(client):
    response = client.post("/api/v1/accounts", json={"email": "not-an-email", "password": PASSWORD, "full_name": VAN})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_failed"
    assert list(error["fields"]) == ["email"]
    assert error["fields"]["email"]


def test_a_short_password_is_a_validation_error_on_that_field(client):
    response = client.post(
        "/api/v1/accounts", json={"email": "van@danang.gov.vn", "password": "short", "full_name": VAN}
    )
    assert response.status_code == 422
    error = error_of(response)
    assert list(error["fields"]) == ["password"]
    assert (
        client.post("/api/v1/auth/token", json={"email": "van@danang.gov.vn", "password": "short"}).status_code == 401
    )


def test_malformed_json_is_a_400_with_the_error_json(client):
    response = client.post("/api/v1/accounts", data='{"email": "van@danang.gov.vn", ', content_type="application/json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "bad_request"
    assert "fields" not in error


def test_a_json_array_body_is_a_validation_error(client):
    response = client.post("/api/v1/accounts", json=[{"email": "van@danang.gov.vn", "password": PASSWORD}])
    assert response.status_code == 422
    assert error_of(response)["code"] == "validation_failed"


# --- tokens ---


def test_a_token_is_issued_for_the_right_password(client, make_user):
    user = make_user("van@danang.gov.vn")
    response = client.post("/api/v1/auth/token", json={"email": "VAN@danang.gov.vn", "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"token", "user"}
    assert body["user"]["id"] == user.id
    assert body["user"]["email"] == "van@danang.gov.vn"
    assert client.get("/api/v1/me", headers=bearer(body["token"])).status_code == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [("van@danang.gov.vn", "wrong password"), ("nobody@danang.gov.vn", PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
def test_wrong_credentials_get_no_token(client, make_user, email, password):
    make_user("van@danang.gov.vn")
    response = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "invalid_credentials"
    assert "token" not in response.get_json()


def test_a_deleted_token_stops_working_and_the_others_keep_working(client, make_user):
    make_user("van@danang.gov.vn")
    laptop, phone = new_token(client, "van@danang.gov.vn"), new_token(client, "van@danang.gov.vn")

    response = client.delete("/api/v1/auth/token", headers=bearer(laptop))
    assert response.status_code == 204
    assert response.get_data() == b""

    refused = client.get("/api/v1/me", headers=bearer(laptop))
    assert refused.status_code == 401
    assert error_of(refused)["code"] == "unauthorized"
    assert client.get("/api/v1/me", headers=bearer(phone)).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=bearer(laptop)).status_code == 401


def test_tokens_are_stored_hashed(client, make_user):
    make_user("van@danang.gov.vn")
    token = new_token(client, "van@danang.gov.vn")
    rows = db.session.execute(text("SELECT * FROM api_tokens")).all()
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0])
    assert token not in stored


# --- /api/v1/me ---


def test_me_describes_the_token_holder(client, make_user, token_for):
    user = make_user("focal.kh@phnompenh.gov.kh", roles=["focal_point"], country="KH", full_name="Chan Sokha")
    response = client.get("/api/v1/me", headers=token_for(user))
    assert response.status_code == 200
    me = response.get_json()
    assert {"id", "email", "full_name", "roles", "language", "timezone"} <= set(me)
    assert me["id"] == user.id
    assert me["email"] == "focal.kh@phnompenh.gov.kh"
    assert me["full_name"] == "Chan Sokha"
    assert me["roles"] == ["delegate", "focal_point"]
    assert me["language"] == "en"
    assert me["timezone"] == "Asia/Ho_Chi_Minh"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic dmFuOnB3"}],
    ids=["no-token", "garbage-token", "basic-auth"],
)
def test_me_needs_a_valid_bearer_token(client, make_user, headers):
    make_user("van@danang.gov.vn")
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


@pytest.mark.parametrize("remember", [False, True], ids=["session-cookie", "remember-cookie"])
def test_a_browser_sign_in_does_not_open_the_api(client, make_user, sign_in, remember):
    make_user("van@danang.gov.vn")
    assert sign_in("van@danang.gov.vn", remember=remember).status_code == 302
    assert client.get("/account").status_code == 200  # signed in on the HTML pages

    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


def test_a_bearer_token_works_from_a_browser_that_stays_signed_in(client, make_user, token_for, sign_in):
    """Swagger UI in a browser signed in with "keep me signed in" sends the remember cookie beside the token."""
    user = make_user("van@danang.gov.vn")
    other = make_user("chan.sokha@phnompenh.gov.kh", full_name="Chan Sokha")
    sign_in("van@danang.gov.vn", remember=True)

    response = client.get("/api/v1/me", headers=token_for(other))
    assert response.status_code == 200
    assert response.get_json()["id"] == other.id
    assert client.get("/api/v1/me", headers=token_for(user)).get_json()["id"] == user.id


def test_patch_me_changes_the_profile(client, make_user, token_for):
    user = make_user("van@danang.gov.vn", full_name="Van")
    headers = token_for(user)
    response = client.patch(
        "/api/v1/me", headers=headers, json={"full_name": VAN, "language": "vi", "timezone": "Asia/Bangkok"}
    )
    assert response.status_code == 200
    assert response.get_json()["full_name"] == VAN
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert (me["full_name"], me["language"], me["timezone"]) == (VAN, "vi", "Asia/Bangkok")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"language": "fr"}, "language"),
        ({"full_name": ""}, "full_name"),
    ],
)
def test_patch_me_rejects_bad_values(client, make_user, token_for, body, field):
    user = make_user("van@danang.gov.vn")
    headers = token_for(user)
    response = client.patch("/api/v1/me", headers=headers, json=body)
    assert response.status_code == 422
    assert field in error_of(response)["fields"]
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert (me["full_name"], me["language"], me["timezone"]) == (VAN, "en", "Asia/Ho_Chi_Minh")


def test_patch_me_needs_a_token(client):
    response = client.patch("/api/v1/me", json={"full_name": VAN})
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


# --- errors of the whole /api/v1 surface ---


def test_an_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_wrong_method_is_a_json_405_with_allow(client):
    response = client.put("/api/v1/me", json={})
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_a_too_large_body_is_a_json_413(make_app):
    client = make_app(MAX_CONTENT_LENGTH=1024).test_client()
    response = client.post(
        "/api/v1/accounts", json={"email": "van@danang.gov.vn", "password": PASSWORD, "full_name": "x" * 4000}
    )
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"
    big_login = client.post("/api/v1/auth/token", json={"email": "van@danang.gov.vn", "password": "x" * 4000})
    assert big_login.status_code == 413
    assert error_of(big_login)["code"] == "payload_too_large"


def test_an_unexpected_error_is_a_json_500_without_details(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/api/v1/test-boom")
    def boom():
        raise RuntimeError("secret detail of the failure")

    response = app.test_client().get("/api/v1/test-boom")
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "internal_error"
    assert "secret detail" not in response.get_data(as_text=True)
