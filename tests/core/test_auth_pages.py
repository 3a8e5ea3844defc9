"""The account pages as a person uses them: sign-up, sign-in, sign-out, passwords, and the admin's role page."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from core.auth import services
from core.auth.models import Role, User
from core.extensions import db
from tests.fixtures.accounts import PASSWORD, csrf_token_from

VAN = "Nguyễn Tường Văn"
NEW_PASSWORD = "một mật khẩu mới"


def field_errors(page: str, field: str) -> str:
    """The error text shown right under a form field, or "" when there is none."""
    match = re.search(rf'<div id="{field}-errors"[^>]*>(.*?)</div>', page, re.DOTALL)
    return html.unescape(match.group(1)).strip() if match else ""


def alerts(page: str) -> str:
    return html.unescape(" ".join(re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', page, re.DOTALL)))


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def is_signed_in(client) -> bool:
    response = client.get("/account")
    if response.status_code == 302:
        assert "/sign-in" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def sign_up_data(**changes) -> dict:
    data = {
        "full_name": VAN,
        "email": "van@danang.gov.vn",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "language": "vi",
        "timezone": "Asia/Ho_Chi_Minh",
    }
    data.update(changes)
    return data


# --- sign-up ---


def test_signing_up_creates_the_account_and_signs_in(client, post_form):
    response = post_form("/sign-up", sign_up_data())
    assert response.status_code == 302

    user = user_by_email("van@danang.gov.vn")
    assert user is not None
    assert user.full_name == VAN
    assert user.language == "vi"
    assert user.roles == {Role.DELEGATE}
    assert is_signed_in(client)
    assert VAN in text_of(client.get("/account"))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": "short", "confirm": "short"}, "password"),
        ({"confirm": "something else entirely"}, "confirm"),
        ({"full_name": ""}, "full_name"),
    ],
    ids=["bad-email", "short-password", "mismatched-confirmation", "no-name"],
)
def test_sign_up_shows_the_error_next_to_the_field(client, post_form, changes, field):
    response = post_form("/sign-up", sign_up_data(**changes))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_errors(page, field)
    assert 'aria-invalid="true"' in page
    assert user_by_email("van@danang.gov.vn") is None
    assert not is_signed_in(client)


def test_sign_up_with_a_taken_email_says_so_next_to_the_email(client, post_form, make_user):
    make_user("van@danang.gov.vn", full_name="Someone Else")
    response = post_form("/sign-up", sign_up_data(email="VAN@danang.gov.vn"))
    assert response.status_code == 200
    assert "already exists" in field_errors(response.get_data(as_text=True), "email")
    assert not is_signed_in(client)
    assert user_by_email("van@danang.gov.vn").full_name == "Someone Else"


# --- sign-in and sign-out ---


def test_signing_in_with_the_right_password(client, make_user, sign_in):
    make_user("van@danang.gov.vn")
    response = sign_in("Van@Danang.gov.vn")
    assert response.status_code == 302
    assert is_signed_in(client)


def test_a_wrong_password_shows_an_error_and_does_not_sign_in(client, make_user, sign_in):
    make_user("van@danang.gov.vn")
    response = sign_in("van@danang.gov.vn", "not the password")
    assert response.status_code == 200
    assert "password is wrong" in alerts(response.get_data(as_text=True))
    assert not is_signed_in(client)


def test_remember_me_sets_a_lasting_cookie(client, make_user, sign_in):
    make_user("van@danang.gov.vn")
    response = sign_in("van@danang.gov.vn", remember=True)
    remember = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    assert len(remember) == 1
    assert "Expires=" in remember[0]
    assert "HttpOnly" in remember[0]

    # A browser restart drops the session cookie; the remember cookie keeps the person signed in.
    client.delete_cookie("session", domain="summit.test")
    assert is_signed_in(client)


def test_without_remember_me_there_is_no_remember_cookie(client, make_user, sign_in):
    make_user("van@danang.gov.vn")
    response = sign_in("van@danang.gov.vn")
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    client.delete_cookie("session", domain="summit.test")
    assert not is_signed_in(client)


def test_sign_out_is_post_only(client, make_user, sign_in):
    make_user("van@danang.gov.vn")
    sign_in("van@danang.gov.vn")

    assert client.get("/sign-out").status_code == 405
    assert is_signed_in(client)

    home = client.get("/").get_data(as_text=True)
    response = client.post("/sign-out", data={"csrf_token": csrf_token_from(home)})
    assert response.status_code == 302
    assert not is_signed_in(client)


def test_sign_out_also_forgets_the_remember_cookie(client, make_user, sign_in):
    make_user("van@danang.gov.vn")
    sign_in("van@danang.gov.vn", remember=True)
    home = client.get("/").get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": csrf_token_from(home)})
    assert not is_signed_in(client)


# --- change password ---


def change_password_data(current=PASSWORD, new=NEW_PASSWORD) -> dict:
    return {"current_password": current, "new_password": new, "confirm": new}


def test_a_wrong_current_password_is_refused(client, make_user, sign_in, post_form):
    make_user("van@danang.gov.vn")
    sign_in("van@danang.gov.vn")
    response = post_form("/account/password", change_password_data(current="not my password"))
    assert response.status_code == 200
    assert field_errors(response.get_data(as_text=True), "current_password")

    other = client.application.test_client()
    assert (
        other.post("/api/v1/auth/token", json={"email": "van@danang.gov.vn", "password": PASSWORD}).status_code == 201
    )


def test_after_a_password_change_the_old_one_fails_and_other_devices_are_signed_out(
    app, client, make_user, sign_in, post_form
):
    make_user("van@danang.gov.vn")
    phone, laptop = app.test_client(), app.test_client()
    for device, remember in ((phone, False), (laptop, True)):
        page = device.get("/sign-in").get_data(as_text=True)
        data = {"email": "van@danang.gov.vn", "password": PASSWORD, "csrf_token": csrf_token_from(page)}
        if remember:
            data["remember"] = "y"
        assert device.post("/sign-in", data=data).status_code == 302
        assert is_signed_in(device)

    sign_in("van@danang.gov.vn")
    response = post_form("/account/password", change_password_data())
    assert response.status_code == 302

    assert is_signed_in(client)  # the device where the password was changed
    assert not is_signed_in(phone)
    assert not is_signed_in(laptop)  # its remember cookie carries the old security stamp

    fresh = app.test_client()
    token_call = {"email": "van@danang.gov.vn", "password": PASSWORD}
    assert fresh.post("/api/v1/auth/token", json=token_call).status_code == 401
    assert fresh.post("/api/v1/auth/token", json={**token_call, "password": NEW_PASSWORD}).status_code == 201


def test_a_password_change_keeps_this_device_remembered(client, make_user, sign_in, post_form):
    make_user("van@danang.gov.vn")
    sign_in("van@danang.gov.vn", remember=True)
    assert post_form("/account/password", change_password_data()).status_code == 302

    client.delete_cookie("session", domain="summit.test")
    assert is_signed_in(client)


# --- password reset by e-mail, through a real SMTP server ---


def reset_link_in(message) -> str:
    body = message.get_body(("plain",)).get_content()
    match = re.search(r"http://summit\.test(/reset-password/\S+)", body)
    assert match, body
    return match.group(1)


def request_reset(client, email: str):
    page = client.get("/reset-password").get_data(as_text=True)
    return client.post("/reset-password", data={"email": email, "csrf_token": csrf_token_from(page)})


def set_new_password(client, link: str, password: str):
    page = client.get(link)
    assert page.status_code == 200
    data = {"new_password": password, "confirm": password, "csrf_token": csrf_token_from(page.get_data(as_text=True))}
    return client.post(link, data=data)


def send_mail(app) -> None:
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output


def can_sign_in(client, email: str, password: str) -> bool:
    page = client.get("/sign-in").get_data(as_text=True)
    response = client.post("/sign-in", data={"email": email, "password": password, "csrf_token": csrf_token_from(page)})
    return response.status_code == 302


def add_account(email: str) -> User:
    # Not `make_user`: its `app` fixture would push a second app, whose mail settings `flask mail send` would use.
    user = services.create_user(email, PASSWORD, VAN)
    db.session.commit()
    return user


REQUEST_SENT = "If an account uses this address, we have sent it a link to choose a new password."


def test_a_password_is_reset_with_the_link_sent_by_mail(mail_app, smtp_server):
    add_account("van@danang.gov.vn")
    client = mail_app.test_client()

    response = request_reset(client, "Van@Danang.gov.vn")
    assert response.status_code == 302
    assert REQUEST_SENT in text_of(client.get(response.headers["Location"]))
    assert smtp_server.messages == []  # queued, not sent, until `flask mail send`
    send_mail(mail_app)

    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == f"{VAN} <van@danang.gov.vn>"
    link = reset_link_in(message)

    response = set_new_password(client, link, NEW_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/sign-in")
    assert can_sign_in(mail_app.test_client(), "van@danang.gov.vn", NEW_PASSWORD)
    assert not can_sign_in(mail_app.test_client(), "van@danang.gov.vn", PASSWORD)


def test_a_reset_link_works_only_once(mail_app, smtp_server):
    add_account("van@danang.gov.vn")
    client = mail_app.test_client()
    request_reset(client, "van@danang.gov.vn")
    send_mail(mail_app)
    link = reset_link_in(smtp_server.messages[0])
    assert set_new_password(client, link, NEW_PASSWORD).status_code == 302

    again = client.get(link)
    assert again.status_code == 302
    assert again.headers["Location"].endswith("/reset-password")
    assert "already been used" in text_of(client.get(again.headers["Location"]))
    token = csrf_token_from(client.get("/reset-password").get_data(as_text=True))
    refused = client.post(
        link, data={"new_password": "third password", "confirm": "third password", "csrf_token": token}
    )
    assert refused.status_code == 302
    assert refused.headers["Location"].endswith("/reset-password")
    assert can_sign_in(mail_app.test_client(), "van@danang.gov.vn", NEW_PASSWORD)


def test_an_expired_reset_link_is_refused(mail_app, smtp_server, make_app):
    add_account("van@danang.gov.vn")
    request_reset(mail_app.test_client(), "van@danang.gov.vn")
    send_mail(mail_app)
    link = reset_link_in(smtp_server.messages[0])

    # The same site (same secret) where links live shorter than the age of this one.
    later = make_app(PASSWORD_RESET_MAX_AGE=-1).test_client()
    response = later.get(link)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/reset-password")
    assert "expired" in text_of(later.get(response.headers["Location"]))
    assert can_sign_in(mail_app.test_client(), "van@danang.gov.vn", PASSWORD)


def test_a_forged_reset_link_is_refused(mail_app):
    add_account("van@danang.gov.vn")
    client = mail_app.test_client()
    response = client.get("/reset-password/eyJ1c2VyIjoxfQ.forged.signature")
    assert response.status_code == 302
    assert "not valid" in text_of(client.get(response.headers["Location"]))


def test_an_unknown_email_gets_the_same_answer_and_no_mail(mail_app, smtp_server):
    add_account("van@danang.gov.vn")
    client = mail_app.test_client()
    response = request_reset(client, "nobody@danang.gov.vn")
    assert response.status_code == 302
    assert REQUEST_SENT in text_of(client.get(response.headers["Location"]))
    send_mail(mail_app)
    assert smtp_server.messages == []


# --- roles ---


def test_the_user_list_is_for_admins_only(client, make_user, sign_in):
    make_user("van@danang.gov.vn")
    make_user("admin@ascn2020.gov.vn", roles=["admin"], full_name="Quản trị hệ thống")

    anonymous = client.get("/admin/users")
    assert anonymous.status_code == 302
    assert "/sign-in?next=/admin/users" in anonymous.headers["Location"]

    sign_in("van@danang.gov.vn")
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users/1").status_code == 403

    admin = client.application.test_client()
    page = admin.get("/sign-in").get_data(as_text=True)
    admin.post(
        "/sign-in",
        data={"email": "admin@ascn2020.gov.vn", "password": PASSWORD, "csrf_token": csrf_token_from(page)},
    )
    response = admin.get("/admin/users")
    assert response.status_code == 200
    assert "van@danang.gov.vn" in text_of(response)
    assert VAN in text_of(response)


def test_signing_in_from_the_redirect_comes_back_to_the_page(client, make_user):
    make_user("admin@ascn2020.gov.vn", roles=["admin"])
    location = client.get("/admin/users").headers["Location"]
    page = client.get(location).get_data(as_text=True)
    response = client.post(
        location, data={"email": "admin@ascn2020.gov.vn", "password": PASSWORD, "csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users"


@pytest.fixture
def as_admin(make_user, sign_in):
    make_user("admin@ascn2020.gov.vn", roles=["admin"], full_name="Quản trị hệ thống")
    sign_in("admin@ascn2020.gov.vn")


def test_an_admin_grants_the_organiser_role(client, make_user, as_admin, post_form):
    user = make_user("trung@hanoi.gov.vn", full_name="Lê Hoàng Trung")
    response = post_form(f"/admin/users/{user.id}", {"roles": ["organiser"], "country": ""})
    assert response.status_code == 302
    assert user_by_email("trung@hanoi.gov.vn").roles == {Role.DELEGATE, Role.ORGANISER}

    response = post_form(f"/admin/users/{user.id}", {"roles": [], "country": ""})
    assert response.status_code == 302
    assert user_by_email("trung@hanoi.gov.vn").roles == {Role.DELEGATE}


def test_a_focal_point_needs_a_country(client, make_user, as_admin, post_form):
    user = make_user("sokha@phnompenh.gov.kh", full_name="Chan Sokha")

    response = post_form(f"/admin/users/{user.id}", {"roles": ["focal_point"], "country": ""})
    assert response.status_code == 200
    assert field_errors(response.get_data(as_text=True), "country")
    assert user_by_email("sokha@phnompenh.gov.kh").roles == {Role.DELEGATE}

    response = post_form(f"/admin/users/{user.id}", {"roles": ["focal_point"], "country": "kh"})
    assert response.status_code == 302
    saved = user_by_email("sokha@phnompenh.gov.kh")
    assert saved.roles == {Role.DELEGATE, Role.FOCAL_POINT}
    assert saved.country == "KH"
