"""The Registration calls of API.md that are wired so far: register, decide, sign up, leave."""

import pytest

from core.extensions import db


@pytest.fixture
def organiser(make_user, token_for):
    return token_for(make_user("organiser@example.org", roles=["organiser"]))


def register(client, headers, event, **fields):
    body = {"consent_data_processing": True, "country": "VN", "category": "government", **fields}
    return client.post(f"/api/v1/events/{event.id}/registrations", json=body, headers=headers)


def test_registration_is_pending_then_approved_with_a_feed_url(client, make_user, token_for, organiser, make_event):
    event = make_event(capacity=10)
    headers = token_for(make_user("van@example.org", full_name="Nguyễn Tường Văn"))
    created = register(client, headers, event)
    assert created.status_code == 201
    body = created.get_json()
    assert (body["status"], body["full_name"], body["agenda_feed_url"]) == ("pending", "Nguyễn Tường Văn", None)
    assert register(client, headers, event).get_json()["error"]["code"] == "already_registered"
    approved = client.post(f"/api/v1/registrations/{body['id']}/approve", headers=organiser).get_json()
    assert approved["status"] == "approved"
    mine = client.get(f"/api/v1/registrations/{body['id']}", headers=headers).get_json()
    assert "/calendar/" in mine["agenda_feed_url"]


def test_consent_is_required(client, make_user, token_for, make_event):
    response = register(client, token_for(make_user()), make_event(), consent_data_processing=False)
    assert response.status_code == 422
    assert "consent_data_processing" in response.get_json()["error"]["fields"]


def test_registration_closed_for_a_draft_event(client, make_user, token_for, make_event):
    response = register(client, token_for(make_user()), make_event(status="draft"))
    assert response.status_code in (404, 409)


def test_full_event_waitlists_and_a_cancellation_moves_the_first_up(client, make_user, token_for, make_event):
    event = make_event(capacity=1, approval="auto")
    first = token_for(make_user("a@example.org"))
    second = token_for(make_user("b@example.org"))
    seated = register(client, first, event).get_json()
    waiting = register(client, second, event).get_json()
    assert seated["status"] == "approved"
    assert (waiting["status"], waiting["waitlist_position"]) == ("waitlisted", 1)
    assert (
        client.post(f"/api/v1/registrations/{seated['id']}/cancel", headers=first).get_json()["status"] == "cancelled"
    )
    promoted = client.get(f"/api/v1/registrations/{waiting['id']}", headers=second).get_json()
    assert (promoted["status"], promoted["waitlist_position"]) == ("approved", None)


def test_delegates_cannot_read_or_approve_another_registration(client, make_user, token_for, make_event):
    event = make_event()
    owner = token_for(make_user("owner@example.org"))
    other = token_for(make_user("other@example.org"))
    registration = register(client, owner, event).get_json()
    assert client.get(f"/api/v1/registrations/{registration['id']}", headers=other).status_code == 404
    assert client.post(f"/api/v1/registrations/{registration['id']}/approve", headers=other).status_code == 403
    assert client.post(f"/api/v1/registrations/{registration['id']}/cancel", headers=other).status_code == 404


def test_workshop_signup_waitlist_and_overlap(client, make_user, token_for, make_event, make_room, make_session):
    event = make_event(approval="auto")
    room = make_room(event, capacity=1)
    workshop = make_session(event, kind="workshop", room=room, capacity=1, starts_at="14:00", ends_at="17:00")
    other = make_session(event, kind="plenary", starts_at="15:00", ends_at="16:00")
    first, second = token_for(make_user("a@example.org")), token_for(make_user("b@example.org"))
    register(client, first, event)
    second_registration = register(client, second, event).get_json()
    assert client.post(f"/api/v1/sessions/{workshop.id}/signups", headers=first).get_json()["status"] == "confirmed"
    waiting = client.post(f"/api/v1/sessions/{workshop.id}/signups", headers=second).get_json()
    assert (waiting["status"], waiting["position"]) == ("waitlisted", 1)
    overlap = client.post(f"/api/v1/sessions/{other.id}/signups", headers=first)
    assert overlap.get_json()["error"]["code"] == "schedule_overlap"
    first_registration = client.get(f"/api/v1/events/{event.id}/registrations", headers=first)
    assert first_registration.status_code == 403
    mine = client.get(f"/api/v1/registrations/{second_registration['id']}/signups", headers=second).get_json()
    assert mine["items"][0]["position"] == 1
    db.session.expire_all()


def test_pending_registration_cannot_sign_up(client, make_user, token_for, make_event, make_session):
    event = make_event()
    session = make_session(event, kind="plenary", starts_at="09:00", ends_at="10:00")
    headers = token_for(make_user())
    register(client, headers, event)
    response = client.post(f"/api/v1/sessions/{session.id}/signups", headers=headers)
    assert response.get_json()["error"]["code"] == "not_approved"
