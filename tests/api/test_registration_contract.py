"""The Registration section of API.md, call by call and code by code (import and export: test_spreadsheets)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.extensions import db
from registration.models import Registration, RegistrationStatus

NOW = datetime.now(UTC)


@pytest.fixture
def organiser(make_user, token_for):
    return token_for(make_user("organiser@ascn.org", roles=["organiser"]))


@pytest.fixture
def focal_vn(make_user, token_for):
    return token_for(make_user("focal@moc.gov.vn", roles=["focal_point"], country="VN", full_name="Lê Hoàng Trung"))


def post(client, path, headers, body=None):
    return client.post(f"/api/v1{path}", json=body if body is not None else {}, headers=headers)


def register(client, headers, event, **fields):
    body = {"consent_data_processing": True, "category": "government", "country": "VN", **fields}
    return post(client, f"/events/{event.id}/registrations", headers, body)


def code(response) -> str:
    return response.get_json()["error"]["code"]


# POST /events/{id}/registrations ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ({"registration_opens_at": NOW + timedelta(days=1)}, "has not opened yet"),
        ({"registration_closes_at": NOW - timedelta(minutes=1)}, "has closed"),
    ],
)
def test_registration_outside_its_window_is_closed(client, make_user, token_for, make_event, window, message):
    event = make_event(**window)
    response = register(client, token_for(make_user()), event)
    assert response.status_code == 409
    assert code(response) == "registration_closed"
    assert message in response.get_json()["error"]["message"]
    assert db.session.query(Registration).count() == 0


def test_an_organiser_registers_someone_else_linking_or_creating_the_account(client, organiser, make_user, make_event):
    event = make_event()
    existing = make_user("van@moc.gov.vn", full_name="Nguyễn Tường Văn")
    linked = register(client, organiser, event, email="VAN@moc.gov.vn").get_json()
    assert (linked["user_id"], linked["full_name"]) == (existing.id, "Nguyễn Tường Văn")
    created = register(client, organiser, event, email="kenji@jasca.jp", full_name="Kenji Sato", country="JP")
    assert created.status_code == 201
    assert created.get_json()["user_id"] not in (None, existing.id)
    again = register(client, organiser, event, email="kenji@jasca.jp", full_name="Kenji Sato", country="JP")
    assert (again.status_code, code(again)) == (409, "already_registered")
    nameless = register(client, organiser, event, email="nobody@example.org")
    assert nameless.status_code == 422
    assert "full_name" in nameless.get_json()["error"]["fields"]


def test_a_focal_point_registers_their_own_country_only(client, focal_vn, make_event):
    event = make_event()
    own = register(client, focal_vn, event, email="thuy@danang.gov.vn", full_name="Trần Thị Thu Thủy")
    assert (own.status_code, own.get_json()["country"]) == (201, "VN")
    other = register(client, focal_vn, event, email="somchai@bangkok.go.th", full_name="Somchai", country="TH")
    assert other.status_code == 403
    assert db.session.query(Registration).count() == 1


def test_a_delegate_cannot_register_someone_else(client, make_user, token_for, make_event):
    response = register(client, token_for(make_user()), make_event(), email="x@example.org", full_name="X")
    assert response.status_code == 403


def test_bad_input_is_a_422_naming_the_field(client, make_user, token_for, make_event):
    headers = token_for(make_user())
    event = make_event(mode="in_person")
    assert "category" in register(client, headers, event, category="minister").get_json()["error"]["fields"]
    assert "country" in register(client, headers, event, country="Viet Nam").get_json()["error"]["fields"]
    online = register(client, headers, event, attendance="online")
    assert (online.status_code, list(online.get_json()["error"]["fields"])) == (422, ["attendance"])
    malformed = client.post(
        f"/api/v1/events/{event.id}/registrations", data="{", headers=headers | {"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert client.post("/api/v1/events/999999/registrations", json={}, headers=headers).status_code in (404, 422)


# GET /events/{id}/registrations ----------------------------------------------------------------------------------


def test_the_list_filters_and_searches_and_a_focal_point_sees_their_country(
    client, organiser, focal_vn, make_user, token_for, make_event
):
    event = make_event()
    for email, name, country, category in [
        ("van@moc.gov.vn", "Nguyễn Tường Văn", "VN", "government"),
        ("thuy@danang.gov.vn", "Trần Thị Thu Thủy", "VN", "city"),
        ("tan@ura.gov.sg", "Tan Wei Ming", "SG", "city"),
    ]:
        register(client, token_for(make_user(email, full_name=name)), event, country=country, category=category)
    path = f"/api/v1/events/{event.id}/registrations"

    def names(headers, query=""):
        body = client.get(path + query, headers=headers).get_json()
        return body["total"], [item["full_name"] for item in body["items"]]

    assert names(organiser) == (3, ["Nguyễn Tường Văn", "Tan Wei Ming", "Trần Thị Thu Thủy"])
    assert names(organiser, "?q=nguyen") == (1, ["Nguyễn Tường Văn"])
    assert names(organiser, "?q=THUY") == (1, ["Trần Thị Thu Thủy"])
    assert names(organiser, "?country=sg") == (1, ["Tan Wei Ming"])
    assert names(organiser, "?category=city&per_page=1") == (2, ["Tan Wei Ming"])
    assert names(organiser, "?status=approved") == (0, [])
    assert names(focal_vn) == (2, ["Nguyễn Tường Văn", "Trần Thị Thu Thủy"])
    assert names(focal_vn, "?country=SG") == (0, [])
    assert client.get(path + "?status=nonsense", headers=organiser).status_code == 422
    assert client.get(path).status_code == 401


# GET / PATCH /registrations/{id} ----------------------------------------------------------------------------------


def test_reading_and_changing_a_registration(client, organiser, focal_vn, make_user, token_for, make_event):
    event = make_event(capacity=1, approval="auto")
    owner = token_for(make_user("van@moc.gov.vn"))
    waiting = token_for(make_user("tan@ura.gov.sg"))
    mine = register(client, owner, event).get_json()
    theirs = register(client, waiting, event, country="SG").get_json()
    path = f"/api/v1/registrations/{mine['id']}"

    assert client.get(path, headers=owner).get_json()["badge_code"].startswith("A1")
    assert client.get(path, headers=organiser).get_json()["badge_code"] == mine["badge_code"]
    assert client.get(path, headers=focal_vn).get_json()["badge_code"] is None  # the owner's and organisers' only
    assert client.get(f"/api/v1/registrations/{theirs['id']}", headers=focal_vn).status_code == 404
    assert client.get(path, headers=waiting).status_code == 404

    changed = client.patch(path, json={"job_title": "Phó Vụ trưởng", "dietary": "Ăn chay"}, headers=owner)
    assert (changed.get_json()["job_title"], changed.get_json()["dietary"]) == ("Phó Vụ trưởng", "Ăn chay")
    refused = client.patch(path, json={"consent_data_processing": False}, headers=owner)
    assert refused.status_code == 422
    assert client.patch(path, json={"job_title": "x"}, headers=waiting).status_code == 404

    # Moving online gives the in-person seat to the first in line.
    assert client.patch(path, json={"attendance": "online"}, headers=owner).get_json()["attendance"] == "online"
    promoted = client.get(f"/api/v1/registrations/{theirs['id']}", headers=waiting).get_json()
    assert (promoted["status"], promoted["waitlist_position"]) == ("approved", None)
    back = client.patch(path, json={"attendance": "in_person"}, headers=owner)
    assert (back.status_code, code(back)) == (409, "event_full")


# Decisions -------------------------------------------------------------------------------------------------------


def test_approving_beyond_capacity_is_event_full_and_cancelled_stays_cancelled(
    client, organiser, make_user, token_for, make_event
):
    event = make_event(capacity=1)
    first = register(client, token_for(make_user("a@example.org")), event).get_json()
    second = register(client, token_for(make_user("b@example.org")), event).get_json()
    assert (first["status"], second["status"]) == ("pending", "waitlisted")
    full = post(client, f"/registrations/{second['id']}/approve", organiser)
    assert (full.status_code, code(full)) == (409, "event_full")
    assert post(client, f"/registrations/{first['id']}/approve", organiser).get_json()["status"] == "approved"
    assert post(client, f"/registrations/{first['id']}/cancel", organiser).get_json()["status"] == "cancelled"
    moved_up = client.get(f"/api/v1/registrations/{second['id']}", headers=organiser).get_json()
    assert moved_up["status"] == "pending"  # moderated: moved up to pending, not straight to approved
    again = post(client, f"/registrations/{first['id']}/approve", organiser)
    assert (again.status_code, code(again)) == (409, "registration_cancelled")
    rejected = post(client, f"/registrations/{second['id']}/reject", organiser, {"reason": "Đủ số lượng"}).get_json()
    assert (rejected["status"], rejected["decision_reason"]) == ("rejected", "Đủ số lượng")


def test_only_organisers_decide(client, focal_vn, make_user, token_for, make_event):
    event = make_event()
    owner = token_for(make_user("van@moc.gov.vn"))
    registration = register(client, owner, event).get_json()
    for headers in (owner, focal_vn):
        assert post(client, f"/registrations/{registration['id']}/approve", headers).status_code == 403
        assert post(client, f"/registrations/{registration['id']}/reject", headers).status_code == 403
    assert post(client, f"/registrations/{registration['id']}/approve", {}).status_code == 401
    assert post(client, f"/registrations/{registration['id']}/cancel", focal_vn).get_json()["status"] == "cancelled"


# Sign-ups --------------------------------------------------------------------------------------------------------


def test_signup_codes_and_leaving(client, organiser, make_user, token_for, make_event, make_room, make_session):
    event = make_event(approval="auto")
    workshop = make_session(event, kind="workshop", room=make_room(event, capacity=1), capacity=1, starts_at="14:00")
    draft = make_session(event, kind="plenary", status="draft", starts_at="18:00")
    cancelled = make_session(event, kind="plenary", starts_at="20:00")
    patched = client.patch(f"/api/v1/sessions/{cancelled.id}", json={"status": "cancelled"}, headers=organiser)
    assert patched.get_json()["status"] == "cancelled"
    first, second = token_for(make_user("a@example.org")), token_for(make_user("b@example.org"))
    seated = register(client, first, event).get_json()
    waiting = register(client, second, event).get_json()

    assert post(client, f"/sessions/{workshop.id}/signups", first).get_json()["status"] == "confirmed"
    again = post(client, f"/sessions/{workshop.id}/signups", first)
    assert (again.status_code, code(again)) == (409, "already_signed_up")
    closed = post(client, f"/sessions/{cancelled.id}/signups", first)
    assert (closed.status_code, code(closed)) == (409, "not_open")
    assert post(client, f"/sessions/{draft.id}/signups", first).status_code == 404  # a draft is not public
    by_organiser = post(client, f"/sessions/{workshop.id}/signups", organiser, {"registration_id": waiting["id"]})
    assert (by_organiser.status_code, by_organiser.get_json()["position"]) == (201, 1)
    someone_else = post(client, f"/sessions/{workshop.id}/signups", second, {"registration_id": seated["id"]})
    assert someone_else.status_code == 404

    path = f"/api/v1/sessions/{workshop.id}/signups"
    assert client.delete(f"{path}/{seated['id']}", headers=second).status_code == 404
    assert client.delete(f"{path}/{seated['id']}", headers=first).status_code == 204
    assert client.delete(f"{path}/{seated['id']}", headers=first).status_code == 404
    mine = client.get(f"/api/v1/registrations/{waiting['id']}/signups", headers=second).get_json()
    assert [(item["session_id"], item["status"], item["position"]) for item in mine["items"]] == [
        (workshop.id, "confirmed", None)
    ]


def test_a_rejected_registration_gives_its_workshop_seat_to_the_next(
    client, organiser, make_user, token_for, make_event, make_room, make_session
):
    event = make_event(approval="auto")
    workshop = make_session(event, kind="workshop", room=make_room(event, capacity=1), capacity=1)
    first, second = token_for(make_user("a@example.org")), token_for(make_user("b@example.org"))
    seated = register(client, first, event).get_json()
    waiting = register(client, second, event).get_json()
    post(client, f"/sessions/{workshop.id}/signups", first)
    post(client, f"/sessions/{workshop.id}/signups", second)
    post(client, f"/registrations/{seated['id']}/reject", organiser, {"reason": "Duplicate"})
    items = client.get(f"/api/v1/registrations/{waiting['id']}/signups", headers=second).get_json()["items"]
    assert [(i["status"], i["position"]) for i in items] == [("confirmed", None)]
    db.session.expire_all()
    assert db.session.get(Registration, seated["id"]).status is RegistrationStatus.REJECTED


def test_reserved_categories_are_refused_to_delegates(client, organiser, make_user, token_for, make_event):
    event = make_event(capacity=1)
    headers = token_for(make_user("van@moc.gov.vn"))
    staff = register(client, headers, event, category="exhibitor")
    assert (staff.status_code, list(staff.get_json()["error"]["fields"])) == (422, ["category"])
    team = register(client, headers, event, category="organiser")
    assert (team.status_code, list(team.get_json()["error"]["fields"])) == (422, ["category"])
    mine = register(client, headers, event).get_json()
    changed = client.patch(f"/api/v1/registrations/{mine['id']}", json={"category": "exhibitor"}, headers=headers)
    assert changed.status_code == 422
    organisers_own = register(
        client, organiser, event, email="ha@moc.gov.vn", full_name="Phạm Thu Hà", category="organiser"
    )
    assert organisers_own.status_code == 201
    db.session.expire_all()
    assert db.session.get(Registration, mine["id"]).category.value == "government"
