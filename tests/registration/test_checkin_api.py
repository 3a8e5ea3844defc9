"""Check-in through /api/v1 (API.md, "Check-in"): every verdict, the scan log, offline reconciliation, permissions."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from core.extensions import db
from registration.badge_codes import make_code, public_key_bytes
from registration.checkin_models import CheckIn, Scan
from registration.models import Registration, RegistrationStatus

NAME = "Nguyễn Tường Văn"


@pytest.fixture
def door(make_event, make_user, token_for, make_registration):
    """An event with an every-day entrance, a check-in staff member and an approved in-person delegate."""
    event = make_event(name="ASCN Annual Meeting")
    organiser = make_user("organiser@ascn2020.gov.vn", roles=["organiser"], full_name="Lê Hoàng Trung")
    staff = make_user("checkin@ascn2020.gov.vn", roles=["checkin"], full_name="Phạm Thu Hà")
    delegate = make_user("van@danang.gov.vn", full_name=NAME)
    registration = make_registration(
        event, delegate, organisation="Bộ Xây dựng", country="VN", category="government", attendance="in_person"
    )
    response = _post(token_for(organiser), f"/api/v1/events/{event.id}/checkpoints", {"name": "Main entrance"})
    assert response.status_code == 201, response.get_json()
    return {
        "event": event,
        "checkpoint_id": response.get_json()["id"],
        "staff": token_for(staff),
        "organiser": token_for(organiser),
        "registration": registration,
        "delegate": delegate,
    }


def _post(headers, url, body):
    from flask import current_app

    return current_app.test_client().post(url, json=body, headers=headers)


def scan(door, code, checkpoint_id=None, headers=None, **extra):
    response = _post(
        headers or door["staff"],
        "/api/v1/checkin",
        {"code": code, "checkpoint_id": checkpoint_id or door["checkpoint_id"], **extra},
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def scans_logged() -> list[str]:
    return [result.value for result in db.session.scalars(select(Scan.result).order_by(Scan.id))]


def admissions() -> int:
    return db.session.scalar(select(func.count(CheckIn.id)))


def test_a_good_badge_is_accepted_once_then_already_checked_in_with_the_first_time(door):
    code = door["registration"].badge_code
    first = scan(door, code)
    assert first["result"] == "accepted"
    assert first["registration"] == {
        "id": door["registration"].id,
        "full_name": NAME,
        "organisation": "Bộ Xây dựng",
        "country": "VN",
        "category": "government",
        "category_label": "Government",
    }
    assert NAME in first["message"]
    assert first["checked_in_at"] == first["first_checked_in_at"]
    assert first["checked_in_at"].endswith("+07:00")  # the event's zone

    second = scan(door, code)
    assert second["result"] == "already_checked_in"
    assert second["first_checked_in_at"] == first["checked_in_at"]
    assert second["checked_in_at"] is None
    assert second["registration"]["full_name"] == NAME
    assert admissions() == 1
    assert scans_logged() == ["accepted", "already_checked_in"]


def test_a_code_with_one_character_changed_is_unknown(door):
    code = door["registration"].badge_code
    changed = code[:40] + ("B" if code[40] != "B" else "C") + code[41:]
    verdict = scan(door, changed)
    assert verdict["result"] == "unknown_code"
    assert verdict["registration"] is None
    assert verdict["message"]
    assert admissions() == 0


@pytest.mark.parametrize("garbage", ["", "hello", "A1" + "é" * 99, "x" * 2000, "' OR 1=1 --"])
def test_garbage_is_an_unknown_code_and_is_logged(door, garbage):
    assert scan(door, garbage)["result"] == "unknown_code"
    stored = db.session.scalars(select(Scan.code)).one()
    assert stored == garbage.strip()[:200]


def test_a_genuine_code_of_a_registration_that_does_not_exist_is_unknown(door):
    assert scan(door, make_code(door["event"].id, 987654, 1))["result"] == "unknown_code"


def test_after_a_reissue_the_old_code_is_revoked_and_the_new_one_works(door):
    registration = door["registration"]
    old_code = registration.badge_code
    # What a reissue does (the reissue endpoint is the badge half of the issue).
    db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id)
        .values(badge_version=Registration.badge_version + 1)
    )
    db.session.commit()
    db.session.refresh(registration)

    revoked = scan(door, old_code)
    assert revoked["result"] == "revoked"
    assert revoked["registration"]["full_name"] == NAME
    assert scan(door, registration.badge_code)["result"] == "accepted"


@pytest.mark.parametrize(
    ("status", "result"),
    [
        ("pending", "not_approved"),
        ("waitlisted", "not_approved"),
        ("rejected", "not_approved"),
        ("cancelled", "cancelled"),
    ],
)
def test_only_approved_registrations_pass(door, make_user, make_registration, status, result):
    other = make_registration(door["event"], make_user(full_name="Chan Sokha"), status=status)
    verdict = scan(door, other.badge_code)
    assert verdict["result"] == result
    assert verdict["registration"]["full_name"] == "Chan Sokha"
    assert admissions() == 0


def test_a_badge_of_another_event_is_wrong_event(door, make_event, make_user, make_registration):
    elsewhere = make_event(name="ASEAN–Japan meeting")
    registration = make_registration(elsewhere, make_user(full_name="Tan Wei Ming"))
    verdict = scan(door, registration.badge_code)
    assert verdict["result"] == "wrong_event"
    assert admissions() == 0


def test_an_online_attendee_is_not_allowed_at_the_venue(door, make_user, make_registration):
    online = make_registration(door["event"], make_user(full_name="Dewi Lestari Wulandari"), attendance="online")
    verdict = scan(door, online.badge_code)
    assert verdict["result"] == "not_allowed_here"
    assert "online" in verdict["message"]


def test_a_workshop_door_admits_its_confirmed_signups_only(
    door, make_session, make_room, make_user, make_registration, make_signup
):
    event = door["event"]
    workshop = make_session(
        event, kind="workshop", room=make_room(event, capacity=40), starts_at="14:00", title="Workshop 2"
    )
    response = _post(
        door["organiser"], f"/api/v1/events/{event.id}/checkpoints", {"kind": "session", "session_id": workshop.id}
    )
    assert response.status_code == 201, response.get_json()
    workshop_door = response.get_json()
    assert (workshop_door["name"], workshop_door["kind"], workshop_door["day"]) == ("Workshop 2", "session", None)

    make_signup(workshop, door["registration"])
    waiting = make_registration(event, make_user(full_name="Somchai Wongsawat"))
    make_signup(workshop, waiting, status="waitlisted")
    absent = make_registration(event, make_user(full_name="Tan Wei Ming"))

    assert scan(door, door["registration"].badge_code, workshop_door["id"])["result"] == "accepted"
    assert scan(door, waiting.badge_code, workshop_door["id"])["result"] == "not_allowed_here"
    assert scan(door, absent.badge_code, workshop_door["id"])["result"] == "not_allowed_here"
    # The venue's entrance is another checkpoint: its own first admission.
    assert scan(door, door["registration"].badge_code)["result"] == "accepted"


def test_a_one_day_entrance_refuses_other_days(door):
    event = door["event"]
    response = _post(
        door["organiser"], f"/api/v1/events/{event.id}/checkpoints", {"name": "Day 2", "day": "2020-12-03"}
    )
    assert response.status_code == 201
    day_two = response.get_json()["id"]
    code = door["registration"].badge_code

    wrong_day = scan(door, code, day_two, scanned_at="2020-12-02T08:30:00+07:00")
    assert wrong_day["result"] == "not_allowed_here"
    assert "December 3, 2020" in wrong_day["message"]
    assert scan(door, code, day_two, scanned_at="2020-12-03T08:30:00+07:00")["result"] == "accepted"


def test_an_every_day_entrance_admits_once_a_day(door):
    code = door["registration"].badge_code
    assert scan(door, code, scanned_at="2020-12-02T08:00:00")["result"] == "accepted"
    assert scan(door, code, scanned_at="2020-12-03T08:00:00")["result"] == "accepted"
    again = scan(door, code, scanned_at="2020-12-02T17:00:00")
    assert again["result"] == "already_checked_in"
    # Without an offset, the time is read in the event's zone (API.md).
    assert again["first_checked_in_at"] == "2020-12-02T08:00:00+07:00"


def test_a_queued_earlier_offline_scan_moves_the_first_time_back(door):
    code = door["registration"].badge_code
    live = scan(door, code, scanned_at="2020-12-02T09:10:00+07:00", device_id="phone-1", nonce="live-1")
    assert live["result"] == "accepted"

    # A phone at the other door scanned the same badge at 09:02 while offline, and sends it now.
    queued = scan(door, code, scanned_at="2020-12-02T09:02:00+07:00", device_id="phone-2", nonce="queued-1")
    assert queued["result"] == "already_checked_in"
    assert queued["first_checked_in_at"] == "2020-12-02T09:02:00+07:00"
    stored = db.session.scalars(select(CheckIn)).one()
    assert stored.checked_in_at == datetime(2020, 12, 2, 2, 2, tzinfo=UTC)
    assert stored.device_id == "phone-2"

    later = scan(door, code, scanned_at="2020-12-02T09:30:00+07:00", device_id="phone-3")
    assert later["first_checked_in_at"] == "2020-12-02T09:02:00+07:00"
    assert admissions() == 1
    assert scans_logged() == ["accepted", "already_checked_in", "already_checked_in"]
    logged = db.session.scalars(select(Scan).where(Scan.nonce == "queued-1")).one()
    assert logged.scanned_at == datetime(2020, 12, 2, 2, 2, tzinfo=UTC)
    assert logged.received_at > logged.scanned_at


def test_a_device_clock_in_the_future_is_held_to_the_server_time(door):
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    verdict = scan(door, door["registration"].badge_code, scanned_at=future)
    checked_in_at = datetime.fromisoformat(verdict["checked_in_at"])
    assert abs(checked_in_at - datetime.now(UTC)) < timedelta(minutes=1)


def test_a_repeated_nonce_returns_the_first_answer(door):
    code = door["registration"].badge_code
    first = scan(door, code, device_id="phone-1", nonce="n-1")
    # The registration is cancelled in between: the retry of the same scan still gets the first answer.
    door["registration"].status = RegistrationStatus.CANCELLED
    db.session.commit()
    assert scan(door, code, device_id="phone-1", nonce="n-1") == first
    assert first["result"] == "accepted"
    assert scans_logged() == ["accepted"]
    # Another device may use the same nonce: it is another scan.
    assert scan(door, code, device_id="phone-2", nonce="n-1")["result"] == "cancelled"


def test_every_scan_is_logged_with_its_device_and_times(door):
    code = door["registration"].badge_code
    scan(door, code, device_id="phone-1", scanned_at="2020-12-02T08:00:00+07:00")
    scan(door, "nonsense", device_id="phone-1")
    scan(door, code, scanned_at="2020-12-02T10:00:00+07:00")
    rows = db.session.scalars(select(Scan).order_by(Scan.id)).all()
    assert [row.result.value for row in rows] == ["accepted", "unknown_code", "already_checked_in"]
    assert [row.device_id for row in rows[:2]] == ["phone-1", "phone-1"]
    assert rows[2].device_id.startswith("user-")
    assert rows[0].registration_id == door["registration"].id
    assert rows[1].registration_id is None
    assert all(row.verdict["result"] == row.result.value for row in rows)


# Bad input and permissions ----------------------------------------------------------------------------------------


def test_bad_bodies_are_answered_with_the_error_json(door, client):
    missing = client.post("/api/v1/checkin", json={"checkpoint_id": door["checkpoint_id"]}, headers=door["staff"])
    assert missing.status_code == 422
    assert "code" in missing.get_json()["error"]["fields"]
    bad_time = client.post(
        "/api/v1/checkin",
        json={"code": "x", "checkpoint_id": door["checkpoint_id"], "scanned_at": "yesterday"},
        headers=door["staff"],
    )
    assert bad_time.status_code == 422
    assert "scanned_at" in bad_time.get_json()["error"]["fields"]
    not_json = client.post("/api/v1/checkin", data="{", content_type="application/json", headers=door["staff"])
    assert not_json.status_code == 400
    assert not_json.get_json()["error"]["code"] == "bad_request"
    assert db.session.scalar(select(func.count(Scan.id))) == 0


def test_who_may_scan(door, client, make_user, token_for):
    body = {"code": door["registration"].badge_code, "checkpoint_id": door["checkpoint_id"]}
    assert client.post("/api/v1/checkin", json=body).status_code == 401
    delegate = token_for(door["delegate"])
    forbidden = client.post("/api/v1/checkin", json=body, headers=delegate)
    assert forbidden.status_code == 403
    assert forbidden.get_json()["error"]["code"] == "forbidden"
    assert client.post("/api/v1/checkin", json=body, headers=door["organiser"]).get_json()["result"] == "accepted"
    missing = client.post("/api/v1/checkin", json={**body, "checkpoint_id": 999999}, headers=door["staff"])
    assert missing.status_code == 404
    assert db.session.scalar(select(func.count(Scan.id))) == 1


def test_checkpoints_are_listed_for_staff_and_created_by_organisers(door, client, make_event):
    event = door["event"]
    listed = client.get(f"/api/v1/events/{event.id}/checkpoints", headers=door["staff"])
    assert listed.status_code == 200
    body = listed.get_json()
    assert (body["total"], body["page"]) == (1, 1)
    assert body["items"][0] == {
        "id": door["checkpoint_id"],
        "event_id": event.id,
        "name": "Main entrance",
        "kind": "venue",
        "session_id": None,
        "day": None,
    }
    assert client.get(f"/api/v1/events/{event.id}/checkpoints").status_code == 401
    assert (
        client.post(
            f"/api/v1/events/{event.id}/checkpoints", json={"name": "Side door"}, headers=door["staff"]
        ).status_code
        == 403
    )

    other = make_event(name="Another summit")
    other_door = _post(door["organiser"], f"/api/v1/events/{other.id}/checkpoints", {"name": "Gate"}).get_json()["id"]
    assert (
        client.get(f"/api/v1/events/{event.id}/checkpoints/{door['checkpoint_id']}", headers=door["staff"]).status_code
        == 200
    )
    assert client.get(f"/api/v1/events/{event.id}/checkpoints/{other_door}", headers=door["staff"]).status_code == 404


def test_a_draft_events_checkpoints_are_hidden_from_checkin_staff(door, client, make_event):
    draft = make_event(status="draft")
    gate = _post(door["organiser"], f"/api/v1/events/{draft.id}/checkpoints", {"name": "Gate"})
    assert gate.status_code == 201
    assert client.get(f"/api/v1/events/{draft.id}/checkpoints", headers=door["staff"]).status_code == 404
    body = {"code": door["registration"].badge_code, "checkpoint_id": gate.get_json()["id"]}
    assert client.post("/api/v1/checkin", json=body, headers=door["staff"]).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "session"}, "session_id"),
        ({"kind": "session", "session_id": 999999}, "session_id"),
        ({"name": "Gate", "day": "2021-01-01"}, "day"),
        ({"name": "Gate", "session_id": 1}, "session_id"),
        ({"name": ""}, "name"),
        ({"name": "Gate", "kind": "door"}, "kind"),
    ],
)
def test_a_checkpoint_must_make_sense(door, client, body, field):
    response = client.post(f"/api/v1/events/{door['event'].id}/checkpoints", json=body, headers=door["organiser"])
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]


def test_two_checkpoints_cannot_share_a_name(door, client):
    response = client.post(
        f"/api/v1/events/{door['event'].id}/checkpoints", json={"name": "Main entrance"}, headers=door["organiser"]
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "checkpoint_name_taken"


# Figures and the offline bundle -----------------------------------------------------------------------------------


def test_stats_count_arrivals_by_checkpoint_hour_and_country(door, client, make_user, make_registration):
    event = door["event"]
    others = [
        make_registration(event, make_user(full_name="Chan Sokha"), country="KH"),
        make_registration(event, make_user(full_name="Tan Wei Ming"), country="SG"),
        make_registration(event, make_user(full_name="Pending Person"), status="pending", country="SG"),
        make_registration(event, make_user(full_name="Gone"), status="cancelled"),
    ]
    scan(door, door["registration"].badge_code, scanned_at="2020-12-02T08:05:00+07:00")
    scan(door, others[0].badge_code, scanned_at="2020-12-02T08:55:00+07:00")
    scan(door, others[1].badge_code, scanned_at="2020-12-02T09:01:00+07:00")
    scan(door, door["registration"].badge_code, scanned_at="2020-12-03T08:10:00+07:00")
    scan(door, others[2].badge_code)  # refused: not counted

    response = client.get(f"/api/v1/events/{event.id}/checkin/stats", headers=door["organiser"])
    assert response.status_code == 200
    stats = response.get_json()
    assert (stats["registered"], stats["approved"], stats["checked_in"]) == (4, 3, 3)
    assert stats["by_checkpoint"] == [
        {
            "checkpoint_id": door["checkpoint_id"],
            "name": "Main entrance",
            "kind": "venue",
            "day": None,
            "checked_in": 3,
            "admissions": 4,
        }
    ]
    assert stats["by_hour"] == [
        {"hour": "2020-12-02T08:00:00+07:00", "checked_in": 2},
        {"hour": "2020-12-02T09:00:00+07:00", "checked_in": 1},
        {"hour": "2020-12-03T08:00:00+07:00", "checked_in": 1},
    ]
    assert {row["country"]: row["checked_in"] for row in stats["by_country"]} == {"VN": 1, "KH": 1, "SG": 1}
    assert client.get(f"/api/v1/events/{event.id}/checkin/stats", headers=token_for_delegate(door)).status_code == 403


def token_for_delegate(door):
    from core.auth import services

    raw = services.issue_token(door["delegate"])
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def test_the_offline_bundle_has_the_key_the_revoked_codes_and_the_refusals(door, client, make_user, make_registration):
    event = door["event"]
    registration = door["registration"]
    old_code = registration.badge_code
    db.session.execute(update(Registration).where(Registration.id == registration.id).values(badge_version=3))
    db.session.commit()
    db.session.refresh(registration)
    pending = make_registration(event, make_user(full_name="Bounmy Phommachanh"), status="pending")

    response = client.get(f"/api/v1/events/{event.id}/checkin/offline", headers=door["staff"])
    assert response.status_code == 200
    bundle = response.get_json()
    assert base64.b64decode(bundle["public_key"]) == public_key_bytes()
    assert len(base64.b64decode(bundle["public_key"])) == 32
    assert set(bundle["revoked"]) == {old_code, make_code(event.id, registration.id, 2)}
    assert registration.badge_code not in bundle["revoked"]
    assert datetime.fromisoformat(bundle["generated_at"]).utcoffset() == timedelta(hours=7)
    people = {person["id"]: person for person in bundle["registrations"]}
    assert people[registration.id]["full_name"] == NAME
    assert people[registration.id]["refusal"] is None
    assert people[pending.id]["refusal"] == "not_approved"
    assert client.get(f"/api/v1/events/{event.id}/checkin/offline", headers=token_for_delegate(door)).status_code == 403
    assert client.get(f"/api/v1/events/{event.id}/checkin/offline").status_code == 401


def test_the_openapi_document_lists_the_checkin_calls(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/events/{event_id}/checkpoints"])
    assert "post" in paths["/api/v1/checkin"]
    assert "get" in paths["/api/v1/events/{event_id}/checkin/stats"]
    assert "get" in paths["/api/v1/events/{event_id}/checkin/offline"]
    assert "/api/v1/bench/baseline" not in paths  # only with BENCH_ENDPOINTS=true
