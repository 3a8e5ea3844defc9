"""The badge calls of API.md: one badge, bulk badges, reissue; who may call them and every refusal."""

from __future__ import annotations

import pytest

from core.extensions import db
from registration.badge_codes import read_code
from registration.models import Registration
from tests.registration.badge_pdf import codes, page_count, page_size_mm, scan, text


@pytest.fixture
def event(make_event):
    return make_event(name="ASCN Annual Meeting 2020")


@pytest.fixture
def people(make_user, token_for):
    """Bearer headers of the owner, another delegate, an organiser, an admin and two focal points."""
    owner = make_user("van@danang.gov.vn", full_name="Nguyễn Tường Văn", country="VN")
    return {
        "owner_user": owner,
        "owner": token_for(owner),
        "other": token_for(make_user("somchai@bangkok.go.th", full_name="Somchai Wongsakul", country="TH")),
        "organiser": token_for(make_user("head@moc.gov.vn", roles=["organiser"])),
        "admin": token_for(make_user("admin@moc.gov.vn", roles=["admin"])),
        "focal_vn": token_for(make_user("focal.vn@moc.gov.vn", roles=["focal_point"], country="VN")),
        "focal_th": token_for(make_user("focal.th@bma.go.th", roles=["focal_point"], country="TH")),
    }


@pytest.fixture
def organiser(make_user, token_for):
    return token_for(make_user("secretariat@moc.gov.vn", roles=["organiser"]))


@pytest.fixture
def van(event, people, make_registration):
    return make_registration(event, people["owner_user"], organisation="Sở Xây dựng Đà Nẵng", country="VN")


def badge_url(registration) -> str:
    return f"/api/v1/registrations/{registration.id}/badge.pdf"


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    return body["error"]


# One badge ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "organiser", "admin"])
def test_the_owner_and_organisers_get_the_badge(client, people, van, who):
    response = client.get(badge_url(van), headers=people[who])
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert 'filename="badge-' in response.headers["Content-Disposition"]
    pdf = response.get_data()
    assert [found.text for found in scan(pdf)] == [van.badge_code]
    assert "Nguyễn Tường Văn" in text(pdf)
    assert tuple(round(side) for side in page_size_mm(pdf)) == (105, 148)


def test_others_do_not_learn_the_badge_exists(client, people, van):
    assert_error(client.get(badge_url(van), headers=people["other"]), 404, "not_found")
    assert_error(client.get(badge_url(van), headers=people["focal_th"]), 404, "not_found")
    assert_error(client.get("/api/v1/registrations/999999/badge.pdf", headers=people["organiser"]), 404, "not_found")


def test_the_focal_point_of_the_country_sees_the_registration_but_not_its_badge(client, people, van):
    assert client.get(f"/api/v1/registrations/{van.id}", headers=people["focal_vn"]).status_code == 200
    assert_error(client.get(badge_url(van), headers=people["focal_vn"]), 403, "forbidden")


def test_nobody_signed_in_gets_a_401(client, van):
    assert_error(client.get(badge_url(van)), 401, "unauthorized")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"status": "pending"}, "not_approved"),
        ({"status": "waitlisted"}, "not_approved"),
        ({"status": "rejected"}, "not_approved"),
        ({"status": "cancelled"}, "not_approved"),
        ({"attendance": "online"}, "online_attendance"),
    ],
)
def test_no_badge_before_approval_nor_for_online_attendance(client, people, event, make_registration, fields, code):
    registration = make_registration(event, people["owner_user"], **fields)
    for who in ("owner", "organiser"):
        assert_error(client.get(badge_url(registration), headers=people[who]), 409, code)


def test_one_badge_on_an_a4_sheet_and_a_bad_layout(client, people, van):
    response = client.get(badge_url(van) + "?layout=a4-4up", headers=people["owner"])
    assert tuple(round(side) for side in page_size_mm(response.get_data())) == (210, 297)
    error = assert_error(client.get(badge_url(van) + "?layout=a3", headers=people["owner"]), 422, "validation_failed")
    assert "layout" in error["fields"]


# badge_url in the registration ----------------------------------------------------------------------------------


def test_badge_url_appears_once_approved_for_the_owner_and_organisers(client, people, van):
    mine = client.get(f"/api/v1/registrations/{van.id}", headers=people["owner"]).get_json()
    assert mine["badge_url"] == f"http://summit.test/api/v1/registrations/{van.id}/badge.pdf"
    assert client.get(mine["badge_url"], headers=people["owner"]).status_code == 200
    assert client.get(f"/api/v1/registrations/{van.id}", headers=people["organiser"]).get_json()["badge_url"]
    assert client.get(f"/api/v1/registrations/{van.id}", headers=people["focal_vn"]).get_json()["badge_url"] is None

    van.status = "pending"
    db.session.commit()
    assert client.get(f"/api/v1/registrations/{van.id}", headers=people["owner"]).get_json()["badge_url"] is None
    van.status, van.attendance = "approved", "online"
    db.session.commit()
    assert client.get(f"/api/v1/registrations/{van.id}", headers=people["owner"]).get_json()["badge_url"] is None


# Reissue --------------------------------------------------------------------------------------------------------


def test_reissue_gives_a_new_code_and_the_pdf_shows_it(client, people, van):
    old_code = van.badge_code
    response = client.post(f"/api/v1/registrations/{van.id}/badge/reissue", headers=people["organiser"])
    assert response.status_code == 200
    body = response.get_json()
    assert body["badge_code"] != old_code
    assert body["badge_version"] == 2
    assert body["registration_id"] == van.id

    db.session.expire_all()
    stored = db.session.get(Registration, van.id)
    assert stored.badge_version == 2
    assert stored.badge_code == body["badge_code"]
    # The old code is still genuine, but of an earlier version: check-in answers `revoked` for it.
    assert read_code(old_code).version < stored.badge_version == read_code(body["badge_code"]).version
    assert (
        client.get(f"/api/v1/registrations/{van.id}", headers=people["owner"]).get_json()["badge_code"]
        == (body["badge_code"])
    )
    pdf = client.get(badge_url(van), headers=people["owner"]).get_data()
    assert [found.text for found in scan(pdf)] == [body["badge_code"]]

    again = client.post(f"/api/v1/registrations/{van.id}/badge/reissue", headers=people["organiser"]).get_json()
    assert again["badge_version"] == 3
    assert len({old_code, body["badge_code"], again["badge_code"]}) == 3


def test_only_organisers_reissue(client, people, van):
    url = f"/api/v1/registrations/{van.id}/badge/reissue"
    assert_error(client.post(url), 401, "unauthorized")
    for who in ("owner", "other", "focal_vn"):
        assert_error(client.post(url, headers=people[who]), 403, "forbidden")
    assert_error(
        client.post("/api/v1/registrations/999999/badge/reissue", headers=people["organiser"]), 404, "not_found"
    )
    db.session.expire_all()
    assert db.session.get(Registration, van.id).badge_version == 1


def test_a_badge_reissued_65535_times_is_refused_not_broken(client, people, van):
    van.badge_version = 0xFFFF
    db.session.commit()
    url = f"/api/v1/registrations/{van.id}/badge/reissue"
    assert_error(client.post(url, headers=people["organiser"]), 409, "badge_version_exhausted")
    db.session.expire_all()
    assert db.session.get(Registration, van.id).badge_version == 0xFFFF
    assert client.get(badge_url(van), headers=people["owner"]).status_code == 200


# Bulk -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def delegation(event, make_registration):
    """Nine approved in-person delegates of five countries (or none), plus three who get no badge; no accounts, as
    when a delegation is imported from a spreadsheet."""
    made = {}
    for name, country, organisation, category in [
        ("Trần Thị Đoan Trang", "VN", "Bộ Xây dựng", "government"),
        ("Lê Hoàng Trung", "VN", "Bộ Xây dựng", "government"),
        ("Đỗ Minh Châu", "VN", "UBND Thành phố Đà Nẵng", "city"),
        ("Dato Lim Jock Hoi", "BN", "ASEAN Secretariat", "asean_secretariat"),
        ("Somchai Wongsakul", "TH", "Bangkok Metropolitan Administration", "city"),
        ("Anan Chaiyaporn", "TH", "Bangkok Metropolitan Administration", "city"),
        ("Yamada Tarō", "", "JASCA", "partner"),
        ("Nguyễn Văn An", "VN", "Bộ Xây dựng", "government"),
        ("Budi Santoso", "ID", "Jakarta Smart City", "city"),
    ]:
        made[name] = make_registration(
            event, None, full_name=name, country=country, organisation=organisation, category=category
        )
    made["pending"] = make_registration(event, None, full_name="Pending Person", status="pending", country="VN")
    made["online"] = make_registration(event, None, full_name="Online Person", attendance="online", country="VN")
    made["cancelled"] = make_registration(event, None, full_name="Gone Person", status="cancelled", country="VN")
    return made


def bulk(client, event, headers, query=""):
    return client.get(f"/api/v1/events/{event.id}/badges.pdf{query}", headers=headers)


def test_bulk_four_up_of_nine_badges_is_three_pages_by_country_then_name(client, organiser, event, delegation):
    response = bulk(client, event, organiser, "?layout=a4-4up")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    pdf = response.get_data()
    assert page_count(pdf) == 3
    order = [
        "Dato Lim Jock Hoi",  # BN
        "Budi Santoso",  # ID
        "Anan Chaiyaporn",  # TH
        "Somchai Wongsakul",
        "Đỗ Minh Châu",  # VN, Đ sorted as D
        "Lê Hoàng Trung",
        "Nguyễn Văn An",
        "Trần Thị Đoan Trang",
        "Yamada Tarō",  # no country: last
    ]
    assert codes(pdf) == [delegation[name].badge_code for name in order]


def test_bulk_a6_is_one_badge_a_page(client, organiser, event, delegation):
    pdf = bulk(client, event, organiser).get_data()
    assert page_count(pdf) == 9
    assert tuple(round(side) for side in page_size_mm(pdf, 8)) == (105, 148)


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("?category=city", ["Budi Santoso", "Anan Chaiyaporn", "Somchai Wongsakul", "Đỗ Minh Châu"]),
        ("?country=vn", ["Đỗ Minh Châu", "Lê Hoàng Trung", "Nguyễn Văn An", "Trần Thị Đoan Trang"]),
        ("?organisation=bo%20xay%20DUNG", ["Lê Hoàng Trung", "Nguyễn Văn An", "Trần Thị Đoan Trang"]),
        (
            "?country=VN&category=government&organisation=Bộ%20Xây%20dựng",
            ["Lê Hoàng Trung", "Nguyễn Văn An", "Trần Thị Đoan Trang"],
        ),
        ("?status=pending", ["pending"]),
    ],
)
def test_bulk_filters(client, organiser, event, delegation, query, names):
    response = bulk(client, event, organiser, query + ("&" if "?" in query else "?") + "layout=a4-4up")
    assert response.status_code == 200, response.get_json()
    assert codes(response.get_data()) == [delegation[name].badge_code for name in names]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?category=minister", "category"),
        ("?country=Vietnam", "country"),
        ("?status=cancelled", "status"),
        ("?status=nonsense", "status"),
        ("?layout=a3", "layout"),
        ("?organisation=", "organisation"),
        ("?categroy=press", "categroy"),
    ],
)
def test_bad_filters_are_422(client, organiser, event, delegation, query, field):
    error = assert_error(bulk(client, event, organiser, query), 422, "validation_failed")
    assert field in error["fields"], error


def test_no_matching_badge_is_a_404_with_a_sentence_not_an_empty_pdf(client, organiser, event, delegation):
    error = assert_error(bulk(client, event, organiser, "?country=MM"), 404, "no_badges")
    assert "No badge" in error["message"]


def test_bulk_is_for_organisers_only(client, people, organiser, event, delegation):
    assert_error(bulk(client, event, {}), 401, "unauthorized")
    for who in ("owner", "focal_vn"):
        assert_error(bulk(client, event, people[who]), 403, "forbidden")
    assert_error(client.get("/api/v1/events/999999/badges.pdf", headers=organiser), 404, "not_found")


def test_the_openapi_document_declares_the_badge_calls(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    single = spec["paths"]["/api/v1/registrations/{registration_id}/badge.pdf"]["get"]
    bulk_call = spec["paths"]["/api/v1/events/{event_id}/badges.pdf"]["get"]
    reissue = spec["paths"]["/api/v1/registrations/{registration_id}/badge/reissue"]["post"]
    for operation in (single, bulk_call):
        assert operation["responses"]["200"]["content"]["application/pdf"]["schema"]["format"] == "binary"
        assert operation["security"] == [{"bearerAuth": []}]
    assert {"layout", "category", "country", "organisation", "status"} <= {p["name"] for p in bulk_call["parameters"]}
    assert {"409"} <= set(single["responses"])
    assert reissue["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/BadgeCode")
    assert "badge_code" in spec["components"]["schemas"]["BadgeCode"]["properties"]
    assert "badge_url" in spec["components"]["schemas"]["Registration"]["properties"]
