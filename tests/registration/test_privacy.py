"""A person's rights: their data as JSON, and deleting their account (registrations anonymised, counts kept)."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from core.auth.models import User
from core.extensions import db
from core.mail.models import OutboxMessage
from registration.models import Registration, RegistrationStatus
from registration.report import participation_report

FUTURE = {"starts_on": date(2027, 12, 1), "ends_on": date(2027, 12, 3)}


def test_a_delegate_downloads_everything_held_about_them(
    client, make_user, sign_in, make_event, enrol, make_session, make_signup
):
    event = make_event(name="Hội nghị ASCN")
    van = make_user("van@moc.gov.vn", full_name="Nguyễn Tường Văn", country="VN")
    registration = enrol(event, van, dietary="Ăn chay", organisation="Bộ Xây dựng")
    registration.status = RegistrationStatus.APPROVED
    workshop = make_session(event, kind="workshop", title="Hội thảo 1", online_url="https://meet.example.org/1")
    make_signup(workshop, registration)
    other = make_user("tan@ura.gov.sg", full_name="Tan Wei Ming", country="SG")
    enrol(event, other, dietary="Halal")
    sign_in("van@moc.gov.vn")

    response = client.get("/account/data.json")
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "van@moc.gov.vn"
    assert data["account"]["full_name"] == "Nguyễn Tường Văn"
    [mine] = data["registrations"]
    assert (mine["event_name"], mine["dietary"], mine["organisation"]) == ("Hội nghị ASCN", "Ăn chay", "Bộ Xây dựng")
    assert mine["signups"] == [
        {"session_id": workshop.id, "session_title": "Hội thảo 1", "status": "confirmed", "position": None}
    ]
    assert "Halal" not in response.get_data(as_text=True)  # nobody else's data


def test_the_same_through_the_api(client, make_user, token_for, make_event, enrol):
    event = make_event()
    van = make_user("van@moc.gov.vn", full_name="Nguyễn Tường Văn")
    enrol(event, van)
    headers = token_for(van)
    data = client.get("/api/v1/me/data", headers=headers).get_json()
    assert data["registrations"][0]["full_name"] == "Nguyễn Tường Văn"
    assert client.get("/api/v1/me/data").status_code == 401
    wrong = client.delete("/api/v1/me", json={"password": "wrong"}, headers=headers)
    assert wrong.status_code == 422
    assert "password" in wrong.get_json()["error"]["fields"]
    assert client.delete("/api/v1/me", json={"password": "correct horse battery"}, headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert db.session.scalar(select(User).where(User.email == "van@moc.gov.vn")) is None


def test_deleting_an_account_frees_future_seats_and_keeps_anonymous_counts(
    client, make_user, sign_in, post_form, make_event, enrol
):
    upcoming = make_event(capacity=1, approval="auto", **FUTURE)
    past = make_event()  # December 2020: over
    van = make_user("van@moc.gov.vn", full_name="Nguyễn Tường Văn", country="VN")
    seated = enrol(upcoming, van, city="Hanoi", organisation="Bộ Xây dựng")
    attended = enrol(past, van, city="Hanoi")
    waiting = enrol(upcoming, make_user("tan@ura.gov.sg", full_name="Tan Wei Ming", country="SG"))
    assert waiting.status is RegistrationStatus.WAITLISTED
    old_feed, old_code = seated.feed_token, seated.badge_code
    sign_in("van@moc.gov.vn")

    refused = post_form("/account/delete", {"password": "wrong", "confirm": "y"})
    assert refused.status_code == 200
    assert "This is not your password." in refused.get_data(as_text=True)
    assert db.session.get(User, van.id) is not None

    done = post_form("/account/delete", {"password": "correct horse battery", "confirm": "y"}, follow_redirects=True)
    assert "Your account is deleted." in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.email == "van@moc.gov.vn")) is None
    assert db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "van@moc.gov.vn")).all() == []

    seated, attended, waiting = (db.session.get(Registration, r.id) for r in (seated, attended, waiting))
    for registration in (seated, attended):
        assert (registration.full_name, registration.organisation, registration.user_id) == ("(deleted)", "", None)
        assert registration.city == "Hanoi"  # kept for the counts by city
        assert "nguyen" not in registration.search_text
    assert seated.status is RegistrationStatus.CANCELLED
    assert waiting.status is RegistrationStatus.APPROVED  # the freed seat went to the next in line
    assert attended.status is RegistrationStatus.PENDING  # a past event's record is not rewritten
    assert (seated.feed_token, seated.badge_code) != (old_feed, old_code)
    assert client.get(f"/calendar/{old_feed}.ics").status_code == 404
    report = participation_report(past)
    assert [(row.key, row.registered) for row in report.by_country] == [("VN", 1)]
