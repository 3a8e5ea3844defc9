"""The check-in pages without a browser: who may open them, the scanner's cookie-and-CSRF JSON twin, arrivals, demo."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.extensions import db
from registration import checkin
from registration.checkin_models import CheckIn, Checkpoint, Scan
from tests.core.test_security import assert_nothing_inline

NAME = "Nguyễn Tường Văn"


@pytest.fixture
def gate(make_event, make_user, make_registration):
    event = make_event(name="ASCN Annual Meeting")
    checkpoint = checkin.create_checkpoint(event, {"name": "Main entrance"})
    db.session.commit()
    make_user("checkin@ascn2020.gov.vn", roles=["checkin"], full_name="Phạm Thu Hà")
    make_user("organiser@ascn2020.gov.vn", roles=["organiser"], full_name="Lê Hoàng Trung")
    registration = make_registration(event, make_user("van@danang.gov.vn", full_name=NAME), organisation="Bộ Xây dựng")
    return {"event": event, "checkpoint": checkpoint, "registration": registration}


def _html(response) -> str:
    return response.get_data(as_text=True)


def _meta_token(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert match, "no CSRF meta tag"
    return match.group(1)


def test_the_scanner_page_is_for_checkin_staff(client, sign_in, gate):
    url = f"/checkin/{gate['checkpoint'].id}"
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert "/sign-in" in anonymous.headers["Location"]
    sign_in("van@danang.gov.vn")
    assert client.get(url).status_code == 403
    assert client.get("/checkin").status_code == 403
    assert ">Scanner</a>" not in _html(client.get("/"))


def test_checkin_staff_choose_a_checkpoint_and_get_the_scanner(client, sign_in, gate):
    sign_in("checkin@ascn2020.gov.vn")
    home = _html(client.get("/"))
    assert 'href="/checkin">Scanner</a>' in home
    choose = _html(client.get("/checkin"))
    assert "ASCN Annual Meeting" in choose
    assert f'href="/checkin/{gate["checkpoint"].id}"' in choose

    response = client.get(f"/checkin/{gate['checkpoint'].id}")
    assert response.status_code == 200
    page = _html(response)
    assert "Main entrance" in page
    assert _meta_token(page)
    assert 'id="code-input"' in page
    assert '<label for="code-input"' in page
    assert_nothing_inline(f"/checkin/{gate['checkpoint'].id}", page)
    assert client.get("/checkin/999999").status_code == 404


def test_the_page_scans_with_the_csrf_token_and_not_without(client, sign_in, gate):
    sign_in("checkin@ascn2020.gov.vn")
    checkpoint_id = gate["checkpoint"].id
    token = _meta_token(_html(client.get(f"/checkin/{checkpoint_id}")))
    code = gate["registration"].badge_code

    refused = client.post(f"/checkin/{checkpoint_id}/scan", json={"code": code})
    assert refused.status_code == 400
    forged = client.post(f"/checkin/{checkpoint_id}/scan", json={"code": code}, headers={"X-CSRFToken": "forged"})
    assert forged.status_code == 400
    assert db.session.scalar(select(func.count(Scan.id))) == 0

    accepted = client.post(f"/checkin/{checkpoint_id}/scan", json={"code": code}, headers={"X-CSRFToken": token})
    assert accepted.status_code == 200
    verdict = accepted.get_json()
    assert verdict["result"] == "accepted"
    assert verdict["registration"]["full_name"] == NAME
    again = client.post(f"/checkin/{checkpoint_id}/scan", json={"code": code}, headers={"X-CSRFToken": token})
    assert again.get_json()["result"] == "already_checked_in"
    assert db.session.scalar(select(func.count(CheckIn.id))) == 1


def test_the_page_twin_answers_bad_input_with_the_error_json(client, sign_in, gate):
    sign_in("checkin@ascn2020.gov.vn")
    checkpoint_id = gate["checkpoint"].id
    headers = {"X-CSRFToken": _meta_token(_html(client.get(f"/checkin/{checkpoint_id}")))}
    not_json = client.post(f"/checkin/{checkpoint_id}/scan", data="{", content_type="application/json", headers=headers)
    assert not_json.status_code == 400
    assert not_json.get_json()["error"]["code"] == "bad_request"
    no_code = client.post(f"/checkin/{checkpoint_id}/scan", json={"nonce": ""}, headers=headers)
    assert no_code.status_code == 422
    assert set(no_code.get_json()["error"]["fields"]) == {"code", "nonce"}
    assert db.session.scalar(select(func.count(Scan.id))) == 0


def test_a_fresh_token_and_the_offline_bundle_for_the_page(client, sign_in, gate):
    sign_in("checkin@ascn2020.gov.vn")
    token = client.get("/checkin/token").get_json()["csrf_token"]
    code = gate["registration"].badge_code
    response = client.post(
        f"/checkin/{gate['checkpoint'].id}/scan", json={"code": code}, headers={"X-CSRFToken": token}
    )
    assert response.get_json()["result"] == "accepted"
    bundle = client.get(f"/checkin/events/{gate['event'].id}/offline.json").get_json()
    assert bundle["event_id"] == gate["event"].id
    assert [person["full_name"] for person in bundle["registrations"]] == [NAME]


def test_the_camera_decoder_is_served_by_the_app(client):
    response = client.get("/checkin/vendor/jsQR.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert b"jsQR" in response.get_data()
    response.close()


def test_arrivals_are_for_organisers_and_update_from_json(client, sign_in, gate):
    event = gate["event"]
    sign_in("checkin@ascn2020.gov.vn")
    assert client.get(f"/manage/events/{event.id}/arrivals").status_code == 403
    client.post("/sign-out", data={"csrf_token": _meta_token(_html(client.get(f"/checkin/{gate['checkpoint'].id}")))})

    sign_in("organiser@ascn2020.gov.vn")
    programme = _html(client.get(f"/manage/events/{event.id}"))
    assert f'href="/manage/events/{event.id}/arrivals"' in programme
    page = client.get(f"/manage/events/{event.id}/arrivals")
    assert page.status_code == 200
    assert_nothing_inline("arrivals", _html(page))
    assert 'data-figure="checked_in">0<' in _html(page)

    checkin.perform_checkin(gate["checkpoint"], gate["registration"].badge_code, gate["registration"].user)
    db.session.commit()
    stats = client.get(f"/manage/events/{event.id}/arrivals.json").get_json()
    assert stats["checked_in"] == 1
    assert stats["by_country"] == [{"country": "", "name": "", "checked_in": 1}]
    assert 'data-figure="checked_in">1<' in _html(client.get(f"/manage/events/{event.id}/arrivals"))


def test_the_demo_has_an_entrance_per_day_and_a_door_per_workshop(cli):
    for _ in range(2):  # idempotent
        result = cli.invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
    checkpoints = db.session.scalars(select(Checkpoint).order_by(Checkpoint.id)).all()
    venue = [c for c in checkpoints if c.kind.value == "venue"]
    doors = [c for c in checkpoints if c.kind.value == "session"]
    assert [str(c.day) for c in venue] == ["2020-12-02", "2020-12-03", "2020-12-04"]
    assert len(doors) == 5
    assert all(door.session.kind.value == "workshop" for door in doors)
    assert len({door.session_id for door in doors}) == 5


def test_the_scanner_speaks_vietnamese_to_vietnamese_staff(client, sign_in, make_user, gate):
    make_user("ha@ascn2020.gov.vn", roles=["checkin"], full_name="Phạm Thu Hà", language="vi")
    sign_in("ha@ascn2020.gov.vn")
    page = _html(client.get(f"/checkin/{gate['checkpoint'].id}"))
    assert "Sẵn sàng quét" in page
    assert "Đã xác minh khi mất mạng" in page
    response = client.post(
        f"/checkin/{gate['checkpoint'].id}/scan",
        json={"code": gate["registration"].badge_code},
        headers={"X-CSRFToken": _meta_token(page)},
    )
    assert response.get_json()["message"] == f"Xin chào {NAME}."
