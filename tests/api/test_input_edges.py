"""What fuzzing the API (tests/fuzz/test_schemathesis.py) found, each kept as a plain test: input at the edges is
refused with a 4xx, and answers match the OpenAPI document."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from openapi_schema_validator import OAS30Validator

from core.db import MAX_INTEGER
from tests.fixtures.accounts import csrf_token_from

TOO_LONG = 2**63  # beyond SQLite's integer; PostgreSQL's `integer` ends at 2³¹−1


@pytest.fixture
def organiser(make_user, token_for):
    return token_for(make_user("secretariat@moc.gov.vn", roles=["organiser"], full_name="Lê Hoàng Trung"))


@pytest.fixture
def summit(make_event):
    return make_event()


def fields_of(response) -> dict:
    assert response.status_code == 422, response.get_data(as_text=True)
    return response.get_json()["error"]["fields"]


@pytest.mark.parametrize("number", [MAX_INTEGER + 1, TOO_LONG, 10**30])
def test_an_id_longer_than_the_database_holds_is_not_found(client, organiser, summit, number):
    for path in (f"/api/v1/events/{number}", f"/api/v1/booths/{number}", f"/api/v1/registrations/{number}"):
        response = client.get(path, headers=organiser)
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "not_found"
    assert client.get(f"/exhibitors/{number}/logo/1").status_code == 404
    assert client.get(f"/api/v1/events/{summit.id}", headers=organiser).status_code == 200


def test_the_document_gives_the_range_of_every_id_in_a_path(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    ids = [
        parameter["schema"]
        for path in spec["paths"].values()
        for parameter in path.get("parameters", [])
        if parameter["in"] == "path"
    ]
    assert len(ids) > 30
    assert all(schema == {"type": "integer", "minimum": 0, "maximum": MAX_INTEGER} for schema in ids)


def test_numbers_the_database_cannot_hold_are_refused_by_name(client, organiser, summit):
    room = client.post(
        f"/api/v1/events/{summit.id}/rooms", json={"name": "Phòng 201", "capacity": TOO_LONG}, headers=organiser
    )
    assert list(fields_of(room)) == ["capacity"]
    page = client.get("/api/v1/events", query_string={"page": TOO_LONG})
    assert list(fields_of(page)) == ["page"]
    scan = client.post("/api/v1/checkin", json={"code": "x", "checkpoint_id": TOO_LONG}, headers=organiser)
    assert list(fields_of(scan)) == ["checkpoint_id"]


def test_a_session_moved_to_end_before_it_starts_into_a_room_is_a_422(
    client, organiser, summit, make_room, make_session
):
    """Looking the room up used to flush the half-applied change, which the database refused: a 500."""
    session = make_session(summit)
    room = make_room(summit, name="Phòng 201")
    response = client.patch(
        f"/api/v1/sessions/{session.id}",
        json={"starts_at": "2020-12-02T11:00:00+07:00", "ends_at": "2020-12-02T10:00:00+07:00", "room_id": room.id},
        headers=organiser,
    )
    assert list(fields_of(response)) == ["ends_at"]


def test_a_nul_character_is_refused_wherever_it_comes(client, organiser, summit, make_user, sign_in):
    """PostgreSQL text cannot hold one: it used to fail in the database (a 500)."""
    body = {"name": "Phòng\x00201"}
    response = client.post(f"/api/v1/events/{summit.id}/rooms", json=body, headers=organiser)
    assert fields_of(response) == {"name": ["Text may not contain the NUL character."]}
    speakers = {"title": "Opening", "kind": "plenary", "starts_at": "2020-12-02T09:00:00+07:00"}
    speakers |= {"ends_at": "2020-12-02T10:00:00+07:00", "speakers": [{"name": "Lê\x00Trung"}]}
    assert list(fields_of(client.post(f"/api/v1/events/{summit.id}/sessions", json=speakers, headers=organiser))) == [
        "speakers"
    ]
    assert list(fields_of(client.get("/api/v1/events", query_string={"page": "1\x00"}))) == ["page"]
    assert client.get("/events/ascn%002020").status_code == 404
    assert client.get("/calendar/abc%00def.ics").status_code == 404

    make_user("van@danang.gov.vn")
    sign_in("van@danang.gov.vn")
    form = {"csrf_token": csrf_token_from(client.get("/account").text), "full_name": "Văn\x00", "language": "en"}
    assert client.post("/account", data=form | {"timezone": "UTC"}).status_code == 400


def test_a_time_before_standard_time_zones_is_given_in_utc(client, organiser, summit, make_session):
    """Hanoi's local mean time (until 1906) is +07:06:40, an offset RFC 3339 cannot write: UTC is given instead."""
    session = make_session(summit, status="cancelled")  # a cancelled session may lie anywhere
    moved = client.patch(
        f"/api/v1/sessions/{session.id}",
        json={"starts_at": "1850-01-01T09:00:00+00:00", "ends_at": "1850-01-01T10:00:00+00:00"},
        headers=organiser,
    )
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["starts_at"] == "1850-01-01T09:00:00+00:00"
    assert (
        client.get(f"/api/v1/sessions/{session.id}", headers=organiser).get_json()["starts_at"].endswith("+07:00")
        is False
    )
    regular = client.get(f"/api/v1/events/{summit.id}/sessions", headers=organiser).get_json()["items"]
    assert all(re.search(r"[+-]\d\d:\d\d$", item["starts_at"]) for item in regular)
    assert datetime.fromisoformat(moved.get_json()["ends_at"]).utcoffset().total_seconds() == 0


def test_personal_data_matches_the_document_with_every_domain(client, make_user, token_for, summit, enrol):
    user = make_user("van@danang.gov.vn")
    enrol(summit, user)
    spec = client.get("/api/v1/openapi.json").get_json()
    data = client.get("/api/v1/me/data", headers=token_for(user)).get_json()
    assert "registrations" in data
    OAS30Validator({"$ref": "#/components/schemas/PersonalData", "components": spec["components"]}).validate(data)


def test_renaming_a_room_to_a_name_the_event_has_is_a_409(client, organiser, summit, make_room):
    """The new name used to be flushed before the savepoint that catches the clash: a 500."""
    make_room(summit, name="Phòng 201")
    other = make_room(summit, name="Phòng 202")
    response = client.patch(f"/api/v1/rooms/{other.id}", json={"name": "Phòng 201"}, headers=organiser)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "room_name_taken"
    assert client.patch(f"/api/v1/rooms/{other.id}", json={"capacity": 40}, headers=organiser).status_code == 200
