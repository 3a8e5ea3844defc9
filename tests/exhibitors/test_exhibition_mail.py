"""A mail at each step of an application and a booking, in the exhibitor account's language, through real SMTP.

Only `mail_app` here: the `app` fixture (behind make_user, make_event...) would push a second app, whose mail
settings `send_due_mail` would use. So the data is made with the services directly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import update

from core.auth import services as accounts
from core.extensions import db
from core.mail.services import send_due_mail
from events import services as programme
from exhibitors import booking as bookings
from exhibitors import services
from exhibitors.models import Booking
from tests.fixtures.accounts import PASSWORD
from tests.fixtures.programme import EVENT_DEFAULTS


def _event(name="ASCN Annual Meeting"):
    event = programme.create_event(EVENT_DEFAULTS | {"slug": "ascn-2020", "name": name})
    db.session.commit()
    return event


def _booth(event, code, hall="Hall A", width=3, depth=3):
    booth = bookings.create_booth(
        event,
        {"code": code, "hall": hall, "x": Decimal(0), "y": Decimal(0), "width": Decimal(width)}
        | {"depth": Decimal(depth), "price": Decimal(2500), "currency": "USD"},
    )
    db.session.commit()
    return booth


def _account(email, full_name, roles=(), language="en"):
    user = accounts.create_user(email, PASSWORD, full_name, roles=set(roles), language=language)
    token = accounts.issue_token(user)
    db.session.commit()
    return user, {"Authorization": f"Bearer {token}"}


def _delivered(smtp_server, address: str) -> list[tuple[str, str]]:
    send_due_mail()
    return [(m["Subject"], m.get_body(preferencelist=("plain",)).get_content()) for m in smtp_server.to(address)]


def test_each_step_is_mailed_in_the_exhibitors_language(mail_app, smtp_server):
    client = mail_app.test_client()
    event = _event("Hội nghị ASCN 2020")
    booth = _booth(event, "A01", hall="Sảnh triển lãm A")
    _user, organiser = _account("secretariat@moc.gov.vn", "Lê Hoàng Trung", roles={"organiser"})
    _user, mine = _account("expo@songhan.example", "Trần Văn Hải", language="vi")
    inbox = "expo@songhan.example"

    exhibitor = client.post(
        f"/api/v1/events/{event.id}/exhibitors",
        json={"name": "Sông Hàn Smart Mobility", "country": "VN", "categories": ["transport"]},
        headers=mine,
    ).get_json()
    subject, body = _delivered(smtp_server, inbox)[-1]
    assert subject == "Đã nhận hồ sơ tham gia triển lãm của bạn tại Hội nghị ASCN 2020"
    assert "Trần Văn Hải" in body
    assert "Sông Hàn Smart Mobility" in body

    client.post(f"/api/v1/exhibitors/{exhibitor['id']}/approve", headers=organiser)
    assert (
        _delivered(smtp_server, inbox)[-1][0]
        == "Sông Hàn Smart Mobility được duyệt tham gia triển lãm tại Hội nghị ASCN 2020"
    )

    booking = client.post(f"/api/v1/booths/{booth.id}/bookings", json={"exhibitor_id": exhibitor["id"]}, headers=mine)
    subject, body = _delivered(smtp_server, inbox)[-1]
    assert subject == "Gian hàng A01 đang được giữ cho Sông Hàn Smart Mobility"
    held_until = datetime.fromisoformat(booking.get_json()["held_until"])
    assert held_until.strftime("%Y-%m-%d %H:%M") in body  # in the event's zone, as the API says it
    assert "Sảnh triển lãm A" in body

    client.post(f"/api/v1/bookings/{booking.get_json()['id']}/confirm", headers=organiser)
    subject, body = _delivered(smtp_server, inbox)[-1]
    assert subject == "Gian hàng A01 đã được đặt cho Sông Hàn Smart Mobility"
    assert "2 thẻ nhân viên" in body

    client.post(f"/api/v1/bookings/{booking.get_json()['id']}/cancel", headers=organiser)
    assert _delivered(smtp_server, inbox)[-1][0] == "Đặt chỗ gian hàng A01 đã bị hủy"

    again = client.post(f"/api/v1/booths/{booth.id}/bookings", json={"exhibitor_id": exhibitor["id"]}, headers=mine)
    db.session.execute(
        update(Booking)
        .where(Booking.id == again.get_json()["id"])
        .values(held_until=datetime.now(UTC) - timedelta(minutes=1))
    )
    db.session.commit()
    client.get(f"/api/v1/events/{event.id}/booths")  # any read lapses the hold, and the mail leaves with it
    assert _delivered(smtp_server, inbox)[-1][0] == "Việc giữ gian hàng A01 đã hết hiệu lực"

    client.post(f"/api/v1/exhibitors/{exhibitor['id']}/reject", json={"reason": "Hết chỗ"}, headers=organiser)
    subject, body = _delivered(smtp_server, inbox)[-1]
    assert subject == "Hồ sơ tham gia triển lãm của bạn tại Hội nghị ASCN 2020"
    assert "Hết chỗ" in body
    assert len(smtp_server.to(inbox)) == 8


def test_an_english_account_reads_english_and_staff_get_an_invitation(mail_app, smtp_server):
    client = mail_app.test_client()
    event = _event()
    booth = _booth(event, "E01", width=6, depth=6)
    account, headers = _account("expo@merlion.example", "Tan Mei Ling")
    exhibitor = services.apply(event, account, {"name": "Merlion Urban Analytics", "country": "SG"})
    services.approve(exhibitor, account)
    db.session.commit()
    client.post(f"/api/v1/booths/{booth.id}/bookings", json={"exhibitor_id": exhibitor.id}, headers=headers)
    assert _delivered(smtp_server, exhibitor.account.email)[-1][0] == "Booth E01 is held for Merlion Urban Analytics"

    client.post(
        f"/api/v1/exhibitors/{exhibitor.id}/staff",
        json={"email": "huiling@merlion.example", "full_name": "Lim Hui Ling", "language": "en"},
        headers=headers,
    )
    subjects = [subject for subject, _body in _delivered(smtp_server, "huiling@merlion.example")]
    assert len(subjects) == 2  # the invitation to set a password, and the approved registration with its badge
    assert any("approved" in subject for subject in subjects)
