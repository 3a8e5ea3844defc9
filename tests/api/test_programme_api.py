"""The Programme calls of API.md, through HTTP, as an organiser, a delegate and nobody."""

import pytest

from events.models import ProgrammeSession

EVENT = {
    "slug": "ascn-2020",
    "name": "ASCN Annual Meeting 2020",
    "starts_on": "2020-12-02",
    "ends_on": "2020-12-04",
    "timezone": "Asia/Ho_Chi_Minh",
    "venue": "National Convention Center",
    "city": "Hanoi",
    "country": "VN",
    "mode": "hybrid",
    "status": "published",
    "capacity": 400,
}


@pytest.fixture
def organiser(make_user, token_for):
    return token_for(make_user("organiser@example.org", roles=["organiser"]))


@pytest.fixture
def delegate(make_user, token_for):
    return token_for(make_user("delegate@example.org"))


@pytest.fixture
def event(client, organiser):
    response = client.post("/api/v1/events", json=EVENT, headers=organiser)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def room(client, organiser, event):
    response = client.post(
        f"/api/v1/events/{event['id']}/rooms", json={"name": "Room 201", "capacity": 60}, headers=organiser
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def session_body(room=None, **overrides):
    body = {
        "title": "Workshop 1: Smart urban planning",
        "kind": "workshop",
        "theme": "Smart urban planning and management in urbanisation strategy",
        "starts_at": "2020-12-02T09:00:00",
        "ends_at": "2020-12-02T10:30:00",
        "room_id": room["id"] if room else None,
        "capacity": 50,
        "speakers": [{"name": "Lê Hoàng Trung", "organisation": "Urban Development Agency"}],
        "status": "published",
    }
    body.update(overrides)
    return body


def create_session(client, headers, event, body):
    return client.post(f"/api/v1/events/{event['id']}/sessions", json=body, headers=headers)


# Events ----------------------------------------------------------------------------------------------------------


def test_organiser_creates_an_event_with_every_field(event):
    for key, value in EVENT.items():
        assert event[key] == value
    assert event["approval"] == "moderated"
    assert event["registration_opens_at"] is None


def test_event_slug_taken_is_409(client, organiser, event):
    response = client.post("/api/v1/events", json=dict(EVENT, name="Another"), headers=organiser)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "slug_taken"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Asia/Hanoi_Nowhere"}, "timezone"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"ends_on": "2020-12-01"}, "ends_on"),
        ({"capacity": -1}, "capacity"),
        ({"mode": "teleport"}, "mode"),
    ],
)
def test_event_validation_names_the_field(client, organiser, change, field):
    response = client.post("/api/v1/events", json=dict(EVENT, **change), headers=organiser)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_registration_window_without_offset_is_read_in_the_event_zone(client, organiser):
    body = dict(EVENT, registration_opens_at="2020-11-01T08:00:00", registration_closes_at="2020-11-30T17:00:00+00:00")
    created = client.post("/api/v1/events", json=body, headers=organiser).get_json()
    assert created["registration_opens_at"] == "2020-11-01T08:00:00+07:00"
    assert created["registration_closes_at"] == "2020-12-01T00:00:00+07:00"


def test_only_organisers_create_or_change_events(client, delegate, event):
    assert client.post("/api/v1/events", json=dict(EVENT, slug="x-2020"), headers=delegate).status_code == 403
    assert client.post("/api/v1/events", json=dict(EVENT, slug="x-2020")).status_code == 401
    assert client.patch(f"/api/v1/events/{event['id']}", json={"name": "Mine"}, headers=delegate).status_code == 403


def test_patch_event_changes_only_what_is_sent(client, organiser, event):
    response = client.patch(
        f"/api/v1/events/{event['id']}", json={"venue": "Hội trường Bộ Xây dựng"}, headers=organiser
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["venue"] == "Hội trường Bộ Xây dựng"
    assert body["name"] == EVENT["name"]
    assert body["capacity"] == 400


def test_draft_events_are_hidden_from_everyone_but_organisers(client, organiser, delegate):
    draft = client.post("/api/v1/events", json=dict(EVENT, slug="draft-2021", status="draft"), headers=organiser)
    draft_id = draft.get_json()["id"]
    assert client.get(f"/api/v1/events/{draft_id}").status_code == 404
    assert client.get(f"/api/v1/events/{draft_id}", headers=delegate).status_code == 404
    assert client.get(f"/api/v1/events/{draft_id}", headers=organiser).status_code == 200
    public = client.get("/api/v1/events").get_json()
    assert [e["slug"] for e in public["items"]] == []
    mine = client.get("/api/v1/events", headers=organiser).get_json()
    assert (mine["total"], mine["page"], mine["per_page"]) == (1, 1, 50)


def test_event_list_is_paginated(client, organiser):
    for number in range(3):
        client.post("/api/v1/events", json=dict(EVENT, slug=f"summit-{number}"), headers=organiser)
    page = client.get("/api/v1/events?per_page=2&page=2").get_json()
    assert page["total"] == 3
    assert len(page["items"]) == 1
    assert client.get("/api/v1/events?per_page=0").status_code == 422


# Rooms -----------------------------------------------------------------------------------------------------------


def test_rooms_are_listed_and_names_unique_per_event(client, organiser, event, room):
    listed = client.get(f"/api/v1/events/{event['id']}/rooms").get_json()
    assert listed["items"] == [room]
    again = client.post(f"/api/v1/events/{event['id']}/rooms", json={"name": "Room 201"}, headers=organiser)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "room_name_taken"


def test_room_of_unknown_event_is_404(client, organiser):
    assert client.post("/api/v1/events/999/rooms", json={"name": "X"}, headers=organiser).status_code == 404


def test_patch_room(client, organiser, room):
    response = client.patch(f"/api/v1/rooms/{room['id']}", json={"capacity": 80}, headers=organiser)
    assert response.status_code == 200
    assert response.get_json() == dict(room, capacity=80)


# Sessions --------------------------------------------------------------------------------------------------------


def test_session_created_with_times_in_the_event_zone(client, organiser, event, room):
    response = create_session(client, organiser, event, session_body(room))
    assert response.status_code == 201
    body = response.get_json()
    assert body["starts_at"] == "2020-12-02T09:00:00+07:00"
    assert body["ends_at"] == "2020-12-02T10:30:00+07:00"
    assert body["room_id"] == room["id"]
    assert body["speakers"] == [{"name": "Lê Hoàng Trung", "organisation": "Urban Development Agency"}]
    assert body["sequence"] == 0
    assert (body["signups_count"], body["waitlist_count"]) == (0, 0)
    assert body["seats_left"] == 50


def test_session_times_with_an_offset_are_kept(client, organiser, event, room):
    body = session_body(room, starts_at="2020-12-02T02:00:00Z", ends_at="2020-12-02T03:00:00+00:00")
    created = create_session(client, organiser, event, body).get_json()
    assert created["starts_at"] == "2020-12-02T09:00:00+07:00"


def test_room_conflict_names_the_other_session(client, organiser, event, room):
    create_session(client, organiser, event, session_body(room, speakers=[]))
    clash = session_body(room, title="Workshop 2", starts_at="2020-12-02T10:00:00", ends_at="2020-12-02T11:00:00")
    clash["speakers"] = []
    response = create_session(client, organiser, event, clash)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "room_conflict"
    assert "Workshop 1: Smart urban planning" in error["message"]


def test_back_to_back_sessions_share_a_room(client, organiser, event, room):
    create_session(client, organiser, event, session_body(room))
    after = session_body(
        room, title="Next", starts_at="2020-12-02T10:30:00", ends_at="2020-12-02T11:00:00", speakers=[]
    )
    assert create_session(client, organiser, event, after).status_code == 201


def test_room_conflict_on_edit_too(client, organiser, event, room):
    first = create_session(client, organiser, event, session_body(room)).get_json()
    later = session_body(
        room, title="Later", starts_at="2020-12-02T14:00:00", ends_at="2020-12-02T15:00:00", speakers=[]
    )
    second = create_session(client, organiser, event, later).get_json()
    response = client.patch(
        f"/api/v1/sessions/{second['id']}",
        json={"starts_at": "2020-12-02T09:30:00", "ends_at": "2020-12-02T10:00:00"},
        headers=organiser,
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "room_conflict"
    assert first["title"] in response.get_json()["error"]["message"]
    # nothing half-written: the session keeps its time
    assert client.get(f"/api/v1/sessions/{second['id']}").get_json()["starts_at"] == "2020-12-02T14:00:00+07:00"


def test_cancelled_session_frees_its_room(client, organiser, event, room):
    first = create_session(client, organiser, event, session_body(room)).get_json()
    client.patch(f"/api/v1/sessions/{first['id']}", json={"status": "cancelled"}, headers=organiser)
    assert create_session(client, organiser, event, session_body(room, title="Instead")).status_code == 201


def test_speaker_conflict_in_overlapping_sessions(client, organiser, event, room):
    create_session(client, organiser, event, session_body(room))
    online = session_body(
        None,
        title="Online panel",
        kind="meeting",
        starts_at="2020-12-02T10:00:00",
        ends_at="2020-12-02T11:00:00",
        online_url="https://meet.example.org/panel",
        capacity=None,
        speakers=[{"name": "  lê hoàng  trung ", "organisation": "Urban Development Agency"}],
    )
    response = create_session(client, organiser, event, online)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "speaker_conflict"
    assert (
        "Lê Hoàng Trung" in response.get_json()["error"]["message"]
        or "lê hoàng" in response.get_json()["error"]["message"]
    )
    # same name, another organisation: another person
    online["speakers"] = [{"name": "Lê Hoàng Trung", "organisation": "Da Nang People's Committee"}]
    assert create_session(client, organiser, event, online).status_code == 201


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [
        ("2020-12-01T23:00:00", "2020-12-02T01:00:00"),  # starts the day before
        ("2020-12-04T23:00:00", "2020-12-05T00:30:00"),  # ends after the last day
        ("2020-12-01T18:00:00Z", "2020-12-01T19:00:00Z"),  # 01:00 on 2 Dec in Hanoi: inside
    ],
)
def test_outside_event_dates_is_judged_in_the_event_zone(client, organiser, event, starts_at, ends_at):
    body = session_body(None, kind="plenary", starts_at=starts_at, ends_at=ends_at, speakers=[], capacity=None)
    response = create_session(client, organiser, event, body)
    if starts_at.endswith("Z"):
        assert response.status_code == 201
    else:
        assert response.status_code == 409
        assert response.get_json()["error"]["code"] == "outside_event_dates"


def test_session_must_end_after_it_starts(client, organiser, event, room):
    body = session_body(room, starts_at="2020-12-02T10:00:00", ends_at="2020-12-02T09:00:00")
    response = create_session(client, organiser, event, body)
    assert response.status_code == 422
    assert "ends_at" in response.get_json()["error"]["fields"]


def test_workshop_capacity_at_most_the_room_unless_online(client, organiser, event, room):
    too_big = create_session(client, organiser, event, session_body(room, capacity=61))
    assert too_big.status_code == 422
    assert "capacity" in too_big.get_json()["error"]["fields"]
    online = session_body(None, capacity=500, online_url="https://meet.example.org/w1", speakers=[])
    assert create_session(client, organiser, event, online).status_code == 201


def test_room_of_another_event_is_refused(client, organiser, event):
    other = client.post("/api/v1/events", json=dict(EVENT, slug="other-2020"), headers=organiser).get_json()
    foreign = client.post(f"/api/v1/events/{other['id']}/rooms", json={"name": "Hall"}, headers=organiser).get_json()
    response = create_session(client, organiser, event, session_body(foreign))
    assert response.status_code == 422
    assert "room_id" in response.get_json()["error"]["fields"]


def test_session_list_filters_and_hides_drafts(client, organiser, event, room):
    create_session(client, organiser, event, session_body(room))
    create_session(client, organiser, event, session_body(None, title="Opening", kind="plenary", theme="", speakers=[]))
    create_session(
        client,
        organiser,
        event,
        session_body(
            None,
            title="Draft idea",
            kind="plenary",
            status="draft",
            speakers=[],
            starts_at="2020-12-03T09:00:00",
            ends_at="2020-12-03T10:00:00",
        ),
    )
    url = f"/api/v1/events/{event['id']}/sessions"
    assert {s["title"] for s in client.get(url).get_json()["items"]} == {"Workshop 1: Smart urban planning", "Opening"}
    assert client.get(url, headers=organiser).get_json()["total"] == 3
    assert [s["title"] for s in client.get(url + "?kind=plenary").get_json()["items"]] == ["Opening"]
    themed = client.get(url, query_string={"theme": "Smart urban planning and management in urbanisation strategy"})
    assert [s["title"] for s in themed.get_json()["items"]] == ["Workshop 1: Smart urban planning"]
    assert client.get(url + "?kind=nonsense").status_code == 422


def test_join_link_only_for_organisers(client, organiser, delegate, event):
    body = session_body(None, kind="meeting", online_url="https://meet.example.org/asean-japan", speakers=[])
    created = create_session(client, organiser, event, body).get_json()
    assert created["online_url"] == "https://meet.example.org/asean-japan"
    assert client.get(f"/api/v1/sessions/{created['id']}").get_json()["online_url"] is None
    assert client.get(f"/api/v1/sessions/{created['id']}", headers=delegate).get_json()["online_url"] is None
    listed = client.get(f"/api/v1/events/{event['id']}/sessions").get_json()["items"]
    assert all(item["online_url"] is None for item in listed)


def test_moving_a_session_raises_its_sequence_but_not_its_uid(client, organiser, event, room):
    created = create_session(client, organiser, event, session_body(room)).get_json()
    url = f"/api/v1/sessions/{created['id']}"
    renamed = client.patch(url, json={"title": "Workshop 1 (renamed)"}, headers=organiser).get_json()
    assert renamed["sequence"] == 0
    moved = client.patch(
        url, json={"starts_at": "2020-12-03T09:00:00", "ends_at": "2020-12-03T10:30:00"}, headers=organiser
    )
    assert moved.status_code == 200
    assert moved.get_json()["uid"] == created["uid"]
    assert moved.get_json()["sequence"] == 1
    cancelled = client.patch(url, json={"status": "cancelled"}, headers=organiser).get_json()
    assert cancelled["sequence"] == 2
    assert cancelled["status"] == "cancelled"


def test_delete_removes_a_session_nobody_signed_up_for(client, organiser, event, room):
    created = create_session(client, organiser, event, session_body(room)).get_json()
    assert client.delete(f"/api/v1/sessions/{created['id']}", headers=organiser).status_code == 204
    assert client.get(f"/api/v1/sessions/{created['id']}", headers=organiser).status_code == 404


def test_delete_cancels_a_session_people_signed_up_for(app, client, organiser, event, room):
    from core.extensions import db

    created = create_session(client, organiser, event, session_body(room)).get_json()
    db.session.get(ProgrammeSession, created["id"]).signups_count = 3
    db.session.commit()
    assert client.delete(f"/api/v1/sessions/{created['id']}", headers=organiser).status_code == 204
    kept = client.get(f"/api/v1/sessions/{created['id']}").get_json()
    assert kept["status"] == "cancelled"


def test_delegates_cannot_change_sessions(client, organiser, delegate, event, room):
    created = create_session(client, organiser, event, session_body(room)).get_json()
    url = f"/api/v1/sessions/{created['id']}"
    assert client.patch(url, json={"title": "x"}, headers=delegate).status_code == 403
    assert client.delete(url, headers=delegate).status_code == 403
    assert create_session(client, delegate, event, session_body(room, title="x")).status_code == 403
    assert client.delete(url).status_code == 401


def test_draft_session_is_404_to_the_public(client, organiser, event):
    draft = create_session(client, organiser, event, session_body(None, kind="plenary", status="draft", speakers=[]))
    assert client.get(f"/api/v1/sessions/{draft.get_json()['id']}").status_code == 404
    assert client.get("/api/v1/sessions/424242").status_code == 404
