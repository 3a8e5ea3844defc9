"""Every change of a registration's state is mailed, in the person's language, through a real SMTP server."""

from __future__ import annotations

import re

import pytest

from core.extensions import db
from registration import services
from registration.models import RegistrationStatus

EVENT = "Hội nghị ASCN 2020"


def send_mail(app) -> None:
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


@pytest.fixture
def mail_app(app, mail_app):
    """The app whose mail reaches the test's SMTP server, its context pushed after `app`'s (one session)."""
    return mail_app


@pytest.fixture
def client(mail_app):
    return mail_app.test_client()


@pytest.fixture
def delegates(mail_app, make_user, token_for):
    van = make_user("van@moc.gov.vn", full_name="Nguyễn Tường Văn", country="VN", language="vi")
    tan = make_user("tan@ura.gov.sg", full_name="Tan Wei Ming", country="SG", language="en")
    return {"van": (van, token_for(van)), "tan": (tan, token_for(tan))}


@pytest.fixture
def organiser(make_user, token_for):
    return token_for(make_user("organiser@ascn.org", roles=["organiser"]))


def register(client, headers, event, **fields):
    body = {"consent_data_processing": True, "category": "government", **fields}
    response = client.post(f"/api/v1/events/{event.id}/registrations", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_received_approved_rejected_waitlisted_promoted(
    client, mail_app, smtp_server, make_event, delegates, organiser
):
    event = make_event(name=EVENT, capacity=1)
    van_user, van = delegates["van"]
    tan_user, tan = delegates["tan"]

    mine = register(client, van, event)
    theirs = register(client, tan, event)
    send_mail(mail_app)
    (received,) = smtp_server.to("van@moc.gov.vn")
    assert received["To"] == "Nguyễn Tường Văn <van@moc.gov.vn>"
    assert received["Subject"] == f"Chúng tôi đã nhận được đăng ký tham dự {EVENT} của Quý vị"
    assert text_of(received).startswith("Kính gửi Nguyễn Tường Văn,")
    (waitlisted,) = smtp_server.to("tan@ura.gov.sg")
    assert waitlisted["Subject"] == f"You are on the waiting list for {EVENT}"
    assert "You are number 1 on the waiting list" in text_of(waitlisted)

    client.post(f"/api/v1/registrations/{mine['id']}/approve", headers=organiser)
    send_mail(mail_app)
    approved = smtp_server.to("van@moc.gov.vn")[-1]
    assert approved["Subject"] == f"Đăng ký tham dự {EVENT} của Quý vị đã được phê duyệt"
    registration = services.get_registration_for(van_user, mine["id"])
    assert f"http://summit.test/calendar/{registration.feed_token}.ics" in text_of(approved)
    assert (
        f'href="http://summit.test/calendar/{registration.feed_token}.ics"'
        in approved.get_body(("html",)).get_content()
    )

    reason = "Bộ đã cử một đại biểu khác"
    client.post(f"/api/v1/registrations/{mine['id']}/reject", json={"reason": reason}, headers=organiser)
    send_mail(mail_app)
    rejected = smtp_server.to("van@moc.gov.vn")[-1]
    assert rejected["Subject"] == f"Đăng ký tham dự {EVENT} của Quý vị"
    assert f"Lý do: {reason}" in text_of(rejected)
    # The freed seat went to the first in line, who is told in English.
    promoted = smtp_server.to("tan@ura.gov.sg")[-1]
    assert promoted["Subject"] == f"A seat is free for you at {EVENT}"
    assert "The organisers will now review your registration." in text_of(promoted)
    db.session.expire_all()
    assert services.get_registration_for(tan_user, theirs["id"]).status is RegistrationStatus.PENDING
    assert len(smtp_server.messages) == 5


def test_a_seat_freed_in_a_workshop_is_mailed_with_its_invitation(
    client, mail_app, smtp_server, make_event, make_room, make_session, delegates, enrol
):
    event = make_event(name=EVENT, approval="auto")
    workshop = make_session(
        event, kind="workshop", title="Hội thảo 5: Giao thông thông minh", room=make_room(event, capacity=1), capacity=1
    )
    van_user, van = delegates["van"]
    tan_user, tan = delegates["tan"]
    seated = enrol(event, tan_user)
    enrol(event, van_user)
    assert client.post(f"/api/v1/sessions/{workshop.id}/signups", headers=tan).get_json()["status"] == "confirmed"
    assert client.post(f"/api/v1/sessions/{workshop.id}/signups", headers=van).get_json()["position"] == 1
    send_mail(mail_app)
    smtp_server.messages.clear()
    assert client.delete(f"/api/v1/sessions/{workshop.id}/signups/{seated.id}", headers=tan).status_code == 204
    send_mail(mail_app)
    mails = smtp_server.to("van@moc.gov.vn")
    assert [m["Subject"] for m in mails if m.get_body(("calendar",)) is None] == [
        "Quý vị đã có chỗ trong phiên Hội thảo 5: Giao thông thông minh"
    ]
    (invitation,) = [m for m in mails if m.get_body(("calendar",)) is not None]
    assert "METHOD:REQUEST" in invitation.get_body(("calendar",)).get_content()
    # The one who left gets the session taken out of their calendar.
    (withdrawal,) = smtp_server.to("tan@ura.gov.sg")
    assert withdrawal["Subject"].startswith("Removed from your calendar: Hội thảo 5: Giao thông thông minh")
    assert "METHOD:CANCEL" in withdrawal.get_body(("calendar",)).get_content()


def test_a_delegate_registered_by_their_focal_point_is_invited_to_choose_a_password(
    client, mail_app, smtp_server, make_event, make_user, token_for
):
    event = make_event(name=EVENT)
    focal = token_for(make_user("focal@moc.gov.vn", roles=["focal_point"], country="VN", full_name="Lê Hoàng Trung"))
    register(client, focal, event, email="thuy@danang.gov.vn", full_name="Trần Thị Thu Thủy", language="vi")
    send_mail(mail_app)
    subjects = sorted(m["Subject"] for m in smtp_server.to("thuy@danang.gov.vn"))
    assert subjects == [
        f"Chúng tôi đã nhận được đăng ký tham dự {EVENT} của Quý vị",
        "Tài khoản ASCN Summit đã được tạo cho Quý vị",
    ]
    invitation = next(m for m in smtp_server.to("thuy@danang.gov.vn") if "Tài khoản" in m["Subject"])
    link = re.search(r"http://summit\.test/reset-password/\S+", text_of(invitation)).group(0)
    assert "Lê Hoàng Trung" in text_of(invitation)
    page = client.get(link.removeprefix("http://summit.test"))
    assert page.status_code == 200  # the link opens the page where the delegate chooses a password


def test_an_invitation_link_outlives_a_password_reset_link(client, make_user, monkeypatch):
    import time

    from core.auth.services import make_reset_token

    person = make_user("thuy@danang.gov.vn")
    two_days_ago = time.time() - 2 * 24 * 3600
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: two_days_ago)
        invitation = make_reset_token(person, invitation=True)
        reset = make_reset_token(person)
    assert client.get(f"/reset-password/{invitation}").status_code == 200
    expired = client.get(f"/reset-password/{reset}", follow_redirects=True)
    assert "This link has expired." in expired.get_data(as_text=True)
