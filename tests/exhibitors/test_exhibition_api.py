"""Every call and code of API.md's Exhibitors section, through /api/v1 with bearer tokens."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select, update

from core.auth.models import Role
from core.extensions import db
from exhibitors.models import Booking, BookingStatus, Booth, Exhibitor, Lead
from registration.models import Registration

NGUYEN = "Nguyễn Tường Văn"


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def organiser(make_user, token_for):
    return token_for(make_user("secretariat@moc.gov.vn", roles=["organiser"], full_name="Lê Hoàng Trung"))


@pytest.fixture
def summit(make_event):
    return make_event(slug="ascn-2020")


def _png(size=(40, 20), color=(11, 61, 110)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


# Booths ----------------------------------------------------------------------------------------------------------


BOOTH = {"code": "a01", "hall": "Exhibition Hall A", "x": 0, "y": 0, "width": 3, "depth": 3, "price": "2500.00"}


def test_an_organiser_adds_a_booth_with_its_area_and_quota(client, organiser, summit):
    response = client.post(
        f"/api/v1/events/{summit.id}/booths", json=BOOTH | {"zone": "Smart mobility"}, headers=organiser
    )
    assert response.status_code == 201, response.get_json()
    booth = response.get_json()
    assert booth["code"] == "A01"
    assert booth["price"] == "2500.00"
    assert booth["currency"] == "USD"
    assert (booth["width"], booth["depth"], booth["area_sqm"]) == (3, 3, 9)
    assert booth["staff_badge_quota"] == 2
    assert booth["status"] == "available"

    big = client.post(
        f"/api/v1/events/{summit.id}/booths",
        json=BOOTH | {"code": "E01", "x": 10, "width": 6, "depth": 6, "price": 9000},
        headers=organiser,
    ).get_json()
    assert (big["area_sqm"], big["staff_badge_quota"], big["price"]) == (36, 8, "9000.00")


def test_booth_rules_answer_with_their_codes(client, organiser, summit):
    url = f"/api/v1/events/{summit.id}/booths"
    assert client.post(url, json=BOOTH, headers=organiser).status_code == 201

    taken = client.post(url, json=BOOTH | {"x": 10}, headers=organiser)
    assert (taken.status_code, taken.get_json()["error"]["code"]) == (409, "booth_code_taken")
    overlap = client.post(url, json=BOOTH | {"code": "A02", "x": 2}, headers=organiser)
    assert (overlap.status_code, overlap.get_json()["error"]["code"]) == (409, "booth_overlap")
    assert "A01" in overlap.get_json()["error"]["message"]
    elsewhere = client.post(url, json=BOOTH | {"code": "B01", "x": 2, "hall": "Hall B"}, headers=organiser)
    assert elsewhere.status_code == 201

    invalid = client.post(url, json=BOOTH | {"code": "A03", "width": -1, "price": "free"}, headers=organiser)
    assert invalid.status_code == 422
    assert {"width", "price"} <= set(invalid.get_json()["error"]["fields"])
    assert (
        client.post(url, data="{not json", headers=organiser | {"Content-Type": "application/json"}).status_code == 400
    )
    assert _count(Booth) == 2


def test_only_organisers_change_booths(client, summit, make_user, token_for, make_booth):
    booth = make_booth(summit)
    delegate = token_for(make_user("van@danang.gov.vn"))
    assert client.post(f"/api/v1/events/{summit.id}/booths", json=BOOTH).status_code == 401
    assert client.post(f"/api/v1/events/{summit.id}/booths", json=BOOTH, headers=delegate).status_code == 403
    assert client.patch(f"/api/v1/booths/{booth.id}", json={"zone": "x"}, headers=delegate).status_code == 403


def test_booths_are_listed_for_everyone_with_a_status_filter(client, organiser, summit, make_booth):
    first, second = make_booth(summit), make_booth(summit)
    blocked = client.patch(f"/api/v1/booths/{second.id}", json={"status": "blocked"}, headers=organiser)
    assert blocked.get_json()["status"] == "blocked"

    listing = client.get(f"/api/v1/events/{summit.id}/booths").get_json()
    assert listing["total"] == 2
    assert [b["code"] for b in listing["items"]] == [first.code, second.code]
    available = client.get(f"/api/v1/events/{summit.id}/booths?status=available").get_json()
    assert [b["code"] for b in available["items"]] == [first.code]
    assert client.get(f"/api/v1/events/{summit.id}/booths?status=sold").status_code == 422

    held = client.patch(f"/api/v1/booths/{first.id}", json={"status": "held"}, headers=organiser)
    assert held.status_code == 422  # held and booked come from bookings only


def test_booths_are_imported_from_csv_all_or_nothing(client, organiser, summit, make_booth):
    make_booth(summit, code="A01", x=0)
    good = (
        "code,hall,x,y,width,depth,price,currency,zone\n"
        "A01,Hall A,0,0,3,3,2800,USD,Digital\n"
        "A02,Hall A,3,0,3,3,2500,USD,Digital\n"
        "E01,Hall A,10,5,6,6,9000,USD,Partners\n"
    )
    url = f"/api/v1/events/{summit.id}/booths/import"
    response = client.post(url, data={"file": (io.BytesIO(good.encode()), "booths.csv")}, headers=organiser)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"created": 2, "updated": 1}
    assert db.session.scalar(select(Booth.price).where(Booth.code == "A01")) == 2800

    bad = (
        "code,hall,x,y,width,depth,price\n"
        "B01,Hall A,20,0,3,3,2500\n"
        "B02,Hall A,20,0,3,3,2500\n"  # on top of B01
        "B03,Hall A,25,0,0,3,cheap\n"
    )
    refused = client.post(url, data={"file": (io.BytesIO(bad.encode()), "booths.csv")}, headers=organiser)
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "import_invalid"
    rows = {row["row"]: row["fields"] for row in error["rows"]}
    assert set(rows) == {3, 4}
    assert "B01" in rows[3]["x"][0]
    assert {"width", "price"} <= set(rows[4])
    assert _count(Booth) == 3  # nothing of the bad file is kept

    missing = client.post(url, data={"file": (io.BytesIO(b"code,hall\nX1,Hall A\n"), "b.csv")}, headers=organiser)
    assert missing.get_json()["error"]["rows"][0]["row"] == 1


# Exhibitors ------------------------------------------------------------------------------------------------------


PROFILE = {
    "name": "Sông Hàn Smart Mobility",
    "country": "VN",
    "website": "https://songhan.example",
    "description": "Bus rapid transit and traffic management for Đà Nẵng.",
    "categories": ["transport", "public_safety"],
}


def test_a_company_applies_and_its_account_manages_it(client, summit, make_user, token_for):
    applicant = make_user("expo@songhan.example", full_name="Trần Văn Hải")
    headers = token_for(applicant)
    response = client.post(f"/api/v1/events/{summit.id}/exhibitors", json=PROFILE, headers=headers)
    assert response.status_code == 201, response.get_json()
    exhibitor = response.get_json()
    assert exhibitor["status"] == "pending"
    assert exhibitor["contact_email"] == "expo@songhan.example"
    assert exhibitor["categories"] == ["transport", "public_safety"]
    db.session.expire_all()
    assert applicant.has_role(Role.EXHIBITOR)

    again = client.post(f"/api/v1/events/{summit.id}/exhibitors", json=PROFILE | {"name": "Other"}, headers=headers)
    assert again.get_json()["error"]["code"] == "already_applied"
    someone = token_for(make_user("other@example.org"))
    same_name = client.post(
        f"/api/v1/events/{summit.id}/exhibitors", json=PROFILE | {"name": "song han smart mobility"}, headers=someone
    )
    assert (same_name.status_code, same_name.get_json()["error"]["code"]) == (409, "name_taken")

    patched = client.patch(
        f"/api/v1/exhibitors/{exhibitor['id']}", json={"website": "https://sh.example"}, headers=headers
    )
    assert patched.get_json()["website"] == "https://sh.example"
    assert (
        client.patch(f"/api/v1/exhibitors/{exhibitor['id']}", json={"name": "Mine"}, headers=someone).status_code == 404
    )
    bad = client.post(
        f"/api/v1/events/{summit.id}/exhibitors", json=PROFILE | {"categories": ["casino"]}, headers=someone
    )
    assert bad.status_code == 422


def test_only_approved_exhibitors_are_public(client, summit, organiser, make_exhibitor, make_user, token_for):
    approved = make_exhibitor(summit, name="Merlion Urban Analytics", country="SG", categories=["urban_planning"])
    pending = make_exhibitor(summit, status="pending", name="Hồ Gươm Urban Data")
    rejected = make_exhibitor(summit, status="rejected", name="Rejected Co")

    public = client.get(f"/api/v1/events/{summit.id}/exhibitors").get_json()
    assert [e["name"] for e in public["items"]] == ["Merlion Urban Analytics"]
    assert client.get(f"/api/v1/exhibitors/{pending.id}").status_code == 404
    assert client.get(f"/api/v1/exhibitors/{approved.id}").status_code == 200
    own = client.get(f"/api/v1/exhibitors/{pending.id}", headers=token_for(pending.account))
    assert own.get_json()["status"] == "pending"

    everything = client.get(f"/api/v1/events/{summit.id}/exhibitors", headers=organiser).get_json()
    assert everything["total"] == 3
    only_rejected = client.get(f"/api/v1/events/{summit.id}/exhibitors?status=rejected", headers=organiser)
    assert [e["id"] for e in only_rejected.get_json()["items"]] == [rejected.id]
    by_search = client.get(f"/api/v1/events/{summit.id}/exhibitors?q=ho%20guom", headers=organiser).get_json()
    assert [e["name"] for e in by_search["items"]] == ["Hồ Gươm Urban Data"]
    by_country = client.get(f"/api/v1/events/{summit.id}/exhibitors?country=sg").get_json()
    assert by_country["total"] == 1
    by_category = client.get(f"/api/v1/events/{summit.id}/exhibitors?category=transport").get_json()
    assert by_category["total"] == 0


def test_organisers_approve_and_reject(client, summit, organiser, make_exhibitor, make_user, token_for):
    exhibitor = make_exhibitor(summit, status="pending")
    delegate = token_for(make_user("van@danang.gov.vn"))
    assert client.post(f"/api/v1/exhibitors/{exhibitor.id}/approve", headers=delegate).status_code == 403
    assert client.post(f"/api/v1/exhibitors/{exhibitor.id}/approve", headers=organiser).get_json()["status"] == (
        "approved"
    )
    rejected = client.post(f"/api/v1/exhibitors/{exhibitor.id}/reject", json={"reason": "Late"}, headers=organiser)
    assert rejected.get_json()["status"] == "rejected"
    assert rejected.get_json()["decision_reason"] == "Late"


# Logos -----------------------------------------------------------------------------------------------------------


def test_a_logo_is_checked_by_its_content_and_served_with_its_type(client, summit, make_exhibitor, token_for):
    exhibitor = make_exhibitor(summit)
    headers = token_for(exhibitor.account)
    url = f"/api/v1/exhibitors/{exhibitor.id}/logo"

    fake = client.put(url, data={"file": (io.BytesIO(b"<?php echo 1; ?>"), "logo.png")}, headers=headers)
    assert (fake.status_code, list(fake.get_json()["error"]["fields"])) == (422, ["logo"])
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert client.put(url, data={"file": (io.BytesIO(svg), "logo.svg")}, headers=headers).status_code == 422
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    assert client.put(url, data={"file": (io.BytesIO(gif.getvalue()), "logo.png")}, headers=headers).status_code == 422
    huge = _png() + b"\0" * (2 * 1024 * 1024)
    # As the body: a multipart body this large goes through a temporary file that Werkzeug's test client leaves open.
    too_big = client.put(url, data=huge, headers=headers | {"Content-Type": "image/png"})
    assert too_big.status_code == 422
    assert "2 MB" in too_big.get_json()["error"]["fields"]["logo"][0]

    trailing = _png() + b"<script>alert(1)</script>"
    stored = client.put(url, data={"file": (io.BytesIO(trailing), "logo.jpg")}, headers=headers)
    assert stored.status_code == 200, stored.get_json()
    logo = client.get(stored.get_json()["logo_url"])
    assert logo.status_code == 200
    assert logo.mimetype == "image/png"
    assert b"<script>" not in logo.data  # re-encoded: only the pixels are kept
    assert Image.open(io.BytesIO(logo.data)).size == (40, 20)
    assert logo.headers["X-Content-Type-Options"] == "nosniff"

    jpeg = io.BytesIO()
    Image.new("RGB", (30, 30), (200, 10, 10)).save(jpeg, format="JPEG")
    as_body = client.put(url, data=jpeg.getvalue(), headers=headers | {"Content-Type": "image/jpeg"})
    assert client.get(as_body.get_json()["logo_url"]).mimetype == "image/jpeg"


# Bookings --------------------------------------------------------------------------------------------------------


def _book(client, booth, exhibitor, headers):
    return client.post(f"/api/v1/booths/{booth.id}/bookings", json={"exhibitor_id": exhibitor.id}, headers=headers)


def test_an_approved_exhibitor_holds_a_booth_and_an_organiser_confirms(
    client, summit, organiser, make_booth, make_exhibitor, token_for
):
    booth = make_booth(summit)
    exhibitor = make_exhibitor(summit)
    pending = make_exhibitor(summit, status="pending")
    mine = token_for(exhibitor.account)

    refused = _book(client, booth, pending, token_for(pending.account))
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "exhibitor_not_approved")

    response = _book(client, booth, exhibitor, mine)
    assert response.status_code == 201, response.get_json()
    booking = response.get_json()
    assert booking["status"] == "held"
    held_until = datetime.fromisoformat(booking["held_until"])
    assert held_until.utcoffset() == timedelta(hours=7)  # in the event's zone
    assert abs(held_until - datetime.now(UTC) - timedelta(hours=48)) < timedelta(minutes=1)
    assert client.get(f"/api/v1/booths/{booth.id}").get_json()["status"] == "held"

    assert client.post(f"/api/v1/bookings/{booking['id']}/confirm", headers=mine).status_code == 403
    confirmed = client.post(f"/api/v1/bookings/{booking['id']}/confirm", headers=organiser)
    assert confirmed.get_json()["status"] == "confirmed"
    assert client.get(f"/api/v1/booths/{booth.id}").get_json()["status"] == "booked"
    again = client.post(f"/api/v1/bookings/{booking['id']}/confirm", headers=organiser)
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "booking_not_held")

    cancelled = client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=organiser)
    assert cancelled.get_json()["status"] == "cancelled"
    assert client.get(f"/api/v1/booths/{booth.id}").get_json()["status"] == "available"
    assert client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=organiser).status_code == 409
    listed = client.get(f"/api/v1/exhibitors/{exhibitor.id}/bookings", headers=mine).get_json()
    assert [b["status"] for b in listed["items"]] == ["cancelled"]


def test_a_taken_booth_is_booth_taken(client, summit, organiser, make_booth, make_exhibitor, token_for):
    booth, blocked = make_booth(summit), make_booth(summit, status="blocked")
    first, second = make_exhibitor(summit), make_exhibitor(summit)
    assert _book(client, booth, first, token_for(first.account)).status_code == 201
    taken = _book(client, booth, second, token_for(second.account))
    assert (taken.status_code, taken.get_json()["error"]["code"]) == (409, "booth_taken")
    assert _book(client, blocked, second, token_for(second.account)).get_json()["error"]["code"] == "booth_taken"
    block_held = client.patch(f"/api/v1/booths/{booth.id}", json={"status": "blocked"}, headers=organiser)
    assert (block_held.status_code, block_held.get_json()["error"]["code"]) == (409, "booth_taken")
    assert _count(Booking) == 1


def test_an_exhibitor_books_only_for_itself_and_an_organiser_for_anyone(
    client, summit, organiser, make_booth, make_exhibitor, token_for
):
    booth = make_booth(summit)
    mine, theirs = make_exhibitor(summit), make_exhibitor(summit)
    assert _book(client, booth, theirs, token_for(mine.account)).status_code == 404
    on_behalf = _book(client, booth, theirs, organiser)
    assert on_behalf.status_code == 201
    assert on_behalf.get_json()["exhibitor_id"] == theirs.id


def test_a_lapsed_hold_frees_the_booth_for_the_next_exhibitor_with_no_manual_step(
    client, summit, make_booth, make_exhibitor, token_for
):
    booth = make_booth(summit)
    late, next_one = make_exhibitor(summit), make_exhibitor(summit)
    booking_id = _book(client, booth, late, token_for(late.account)).get_json()["id"]
    assert _book(client, booth, next_one, token_for(next_one.account)).status_code == 409
    # The hold's 48 hours pass.
    db.session.execute(
        update(Booking).where(Booking.id == booking_id).values(held_until=datetime.now(UTC) - timedelta(seconds=1))
    )
    db.session.commit()

    assert client.get(f"/api/v1/events/{summit.id}/booths?status=available").get_json()["total"] == 1
    response = _book(client, booth, next_one, token_for(next_one.account))
    assert response.status_code == 201, response.get_json()
    db.session.expire_all()
    assert db.session.get(Booking, booking_id).status is BookingStatus.EXPIRED
    assert _count(Booking, Booking.status == BookingStatus.HELD) == 1


def test_the_expire_holds_command_lapses_holds(cli, summit, make_booth, make_exhibitor):
    from exhibitors import booking as bookings

    booth = make_booth(summit)
    exhibitor = make_exhibitor(summit)
    held = bookings.book_booth(booth, exhibitor, exhibitor.account)
    held.held_until = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    result = cli.invoke(args=["exhibitors", "expire-holds"])
    assert result.exit_code == 0, result.output
    assert "1 held booking(s) lapsed" in result.output
    db.session.expire_all()
    assert db.session.get(Booth, booth.id).status.value == "available"
    assert cli.invoke(args=["exhibitors", "expire-holds"]).output.startswith("0 ")


# Staff -----------------------------------------------------------------------------------------------------------


def test_staff_are_named_up_to_the_quota_of_the_booths(
    client, summit, organiser, make_booth, make_exhibitor, token_for
):
    exhibitor = make_exhibitor(summit, name="Lạc Hồng Digital Twin JSC")
    headers = token_for(exhibitor.account)
    url = f"/api/v1/exhibitors/{exhibitor.id}/staff"
    person = {"email": "khoi@lachong.example", "full_name": "Phạm Minh Khôi"}

    none = client.post(url, json=person, headers=headers)
    assert (none.status_code, none.get_json()["error"]["code"]) == (409, "quota_exceeded")
    booking_id = _book(client, make_booth(summit), exhibitor, headers).get_json()["id"]
    client.post(f"/api/v1/bookings/{booking_id}/confirm", headers=organiser)

    first = client.post(url, json=person, headers=headers)
    assert first.status_code == 201, first.get_json()
    staff = first.get_json()
    assert (staff["full_name"], staff["category"], staff["status"]) == ("Phạm Minh Khôi", "exhibitor", "approved")
    assert staff["organisation"] == "Lạc Hồng Digital Twin JSC"
    duplicate = client.post(url, json=person, headers=headers)
    assert duplicate.get_json()["error"]["code"] == "already_registered"
    assert (
        client.post(url, json={"email": "an@lachong.example", "full_name": "Đỗ Lan Anh"}, headers=headers).status_code
        == 201
    )
    over = client.post(url, json={"email": "three@lachong.example", "full_name": "Ba"}, headers=headers)
    assert (over.status_code, over.get_json()["error"]["code"]) == (409, "quota_exceeded")

    listing = client.get(url, headers=headers).get_json()
    assert listing["quota"] == 2
    assert sorted(s["full_name"] for s in listing["items"]) == ["Phạm Minh Khôi", "Đỗ Lan Anh"]
    assert client.get(url, headers=token_for(make_exhibitor(summit).account)).status_code == 404
    db.session.expire_all()
    assert db.session.get(Exhibitor, exhibitor.id).staff_count == 2
    assert _count(Registration, Registration.category == "exhibitor") == 2


# Leads -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def stand(summit, organiser, client, make_booth, make_exhibitor, make_user, token_for):
    """An approved exhibitor with a booth and a staff member, and that staff member's token."""
    exhibitor = make_exhibitor(summit, name="Mekong FinTech Payments")
    account = token_for(exhibitor.account)
    booking_id = _book(client, make_booth(summit), exhibitor, account).get_json()["id"]
    client.post(f"/api/v1/bookings/{booking_id}/confirm", headers=organiser)
    client.post(
        f"/api/v1/exhibitors/{exhibitor.id}/staff",
        json={"email": "staff@mekong.example", "full_name": "Võ Thị Sáu"},
        headers=account,
    )
    from core.auth.services import find_user_by_email

    return {"exhibitor": exhibitor, "account": account, "staff": token_for(find_user_by_email("staff@mekong.example"))}


def test_a_lead_needs_the_delegates_consent_and_a_rescan_returns_the_same_lead(
    client, summit, stand, make_user, make_registration
):
    exhibitor = stand["exhibitor"]
    agrees = make_registration(summit, make_user("van@danang.gov.vn", full_name=NGUYEN), consent_lead_sharing=True)
    declines = make_registration(summit, make_user("ha@hanoi.gov.vn", full_name="Phạm Thu Hà"))
    url = f"/api/v1/exhibitors/{exhibitor.id}/leads"

    refused = client.post(url, json={"code": declines.badge_code, "note": "x"}, headers=stand["staff"])
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (403, "no_consent")
    assert _count(Lead) == 0

    created = client.post(url, json={"code": agrees.badge_code, "note": "Wants a demo"}, headers=stand["staff"])
    assert created.status_code == 201, created.get_json()
    lead = created.get_json()
    assert (lead["full_name"], lead["email"], lead["note"]) == (NGUYEN, "van@danang.gov.vn", "Wants a demo")
    rescan = client.post(url, json={"code": agrees.badge_code}, headers=stand["account"])
    assert (rescan.status_code, rescan.get_json()["id"]) == (200, lead["id"])
    assert _count(Lead) == 1

    patched = client.patch(f"/api/v1/leads/{lead['id']}", json={"note": "Call on Monday"}, headers=stand["account"])
    assert patched.get_json()["note"] == "Call on Monday"
    listing = client.get(url, headers=stand["account"]).get_json()
    assert [item["full_name"] for item in listing["items"]] == [NGUYEN]


def test_bad_revoked_and_foreign_codes_are_refused_clearly(
    client, summit, stand, make_event, make_user, make_registration
):
    url = f"/api/v1/exhibitors/{stand['exhibitor'].id}/leads"
    garbage = client.post(url, json={"code": "HELLO"}, headers=stand["staff"])
    assert (garbage.status_code, garbage.get_json()["error"]["code"]) == (422, "invalid_code")
    delegate = make_registration(summit, make_user("van@danang.gov.vn", full_name=NGUYEN), consent_lead_sharing=True)
    old_code = delegate.badge_code
    forged = old_code[:-3] + ("AAA" if not old_code.endswith("AAA") else "BBB")
    assert client.post(url, json={"code": forged}, headers=stand["staff"]).get_json()["error"]["code"] == "invalid_code"
    delegate.badge_version += 1
    db.session.commit()
    revoked = client.post(url, json={"code": old_code}, headers=stand["staff"])
    assert (revoked.status_code, revoked.get_json()["error"]["code"]) == (409, "revoked")
    other_event = make_event(slug="another-summit")
    foreign = make_registration(
        other_event, make_user("tan@ura.gov.sg", full_name="Tan Wei Ming"), consent_lead_sharing=True
    )
    assert client.post(url, json={"code": foreign.badge_code}, headers=stand["staff"]).get_json()["error"]["code"] == (
        "wrong_event"
    )
    pending = make_registration(summit, make_user("p@x.org"), status="pending", consent_lead_sharing=True)
    assert client.post(url, json={"code": pending.badge_code}, headers=stand["staff"]).status_code == 409
    assert _count(Lead) == 0


def test_only_the_exhibitors_account_and_staff_work_its_leads(
    client, summit, stand, organiser, make_user, token_for, make_registration
):
    delegate = make_registration(summit, make_user("van@danang.gov.vn", full_name=NGUYEN), consent_lead_sharing=True)
    url = f"/api/v1/exhibitors/{stand['exhibitor'].id}/leads"
    stranger = token_for(make_user("stranger@example.org", roles=["exhibitor"]))
    assert client.post(url, json={"code": delegate.badge_code}, headers=stranger).status_code == 404
    assert client.get(url, headers=stranger).status_code == 404
    assert client.post(url, json={"code": delegate.badge_code}).status_code == 401
    assert _count(Lead) == 0


def test_the_leads_export_keeps_names_with_diacritics(client, summit, stand, make_user, make_registration):
    people = [
        (NGUYEN, "Bộ Xây dựng"),
        ("Trần Thị Thu Thủy", '=HYPERLINK("http://evil")'),
        ("Dato Lim Jock Hoi", "ASEAN"),
    ]
    for number, (name, organisation) in enumerate(people):
        registration = make_registration(
            summit,
            make_user(f"p{number}@example.org", full_name=name),
            consent_lead_sharing=True,
            organisation=organisation,
        )
        client.post(
            f"/api/v1/exhibitors/{stand['exhibitor'].id}/leads",
            json={"code": registration.badge_code, "note": "Gặp ở gian hàng"},
            headers=stand["staff"],
        )
    response = client.get(f"/api/v1/exhibitors/{stand['exhibitor'].id}/leads.csv", headers=stand["account"])
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs to read UTF-8
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert sorted(row["full_name"] for row in rows) == sorted(name for name, _ in people)
    by_name = {row["full_name"]: row for row in rows}
    assert by_name[NGUYEN]["organisation"] == "Bộ Xây dựng"
    assert by_name[NGUYEN]["note"] == "Gặp ở gian hàng"
    assert by_name["Trần Thị Thu Thủy"]["organisation"].startswith("'=")  # not run as a formula
    assert by_name[NGUYEN]["scanned_at"].endswith("+07:00")


def test_real_answers_match_the_openapi_document(client, summit, stand, organiser, make_user, make_registration):
    from tests.api.test_openapi import conforms

    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path in [
        "/api/v1/events/{event_id}/booths",
        "/api/v1/booths/{booth_id}",
        "/api/v1/events/{event_id}/exhibitors",
        "/api/v1/exhibitors/{exhibitor_id}",
        "/api/v1/booths/{booth_id}/bookings",
        "/api/v1/bookings/{booking_id}/confirm",
        "/api/v1/bookings/{booking_id}/cancel",
        "/api/v1/exhibitors/{exhibitor_id}/approve",
        "/api/v1/exhibitors/{exhibitor_id}/reject",
        "/api/v1/exhibitors/{exhibitor_id}/staff",
        "/api/v1/exhibitors/{exhibitor_id}/leads",
        "/api/v1/exhibitors/{exhibitor_id}/leads.csv",
    ]:
        assert path in paths, path
    exhibitor = stand["exhibitor"]
    conforms(spec, "Booth", client.get(f"/api/v1/events/{summit.id}/booths").get_json()["items"][0])
    conforms(spec, "Exhibitor", client.get(f"/api/v1/exhibitors/{exhibitor.id}").get_json())
    bookings = client.get(f"/api/v1/exhibitors/{exhibitor.id}/bookings", headers=stand["account"]).get_json()
    conforms(spec, "Booking", bookings["items"][0])
    conforms(
        spec, "StaffList", client.get(f"/api/v1/exhibitors/{exhibitor.id}/staff", headers=stand["account"]).get_json()
    )
    delegate = make_registration(summit, make_user("van@danang.gov.vn", full_name=NGUYEN), consent_lead_sharing=True)
    lead = client.post(
        f"/api/v1/exhibitors/{exhibitor.id}/leads", json={"code": delegate.badge_code}, headers=stand["staff"]
    ).get_json()
    conforms(spec, "Lead", lead)
    refused = client.post(f"/api/v1/exhibitors/{exhibitor.id}/leads", json={"code": "x"}, headers=stand["staff"])
    conforms(spec, "Error", refused.get_json())
