"""The exhibition through the HTML pages and their forms, with their CSRF tokens."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from core.extensions import db
from exhibitors.models import Booking, BookingStatus, Booth, BoothStatus, Exhibitor, ExhibitorStatus, Lead
from tests.core.test_security import assert_nothing_inline
from tests.fixtures.accounts import csrf_token_from

NGUYEN = "Nguyễn Tường Văn"


def _html(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def summit(make_event):
    return make_event(slug="ascn-2020", name="3rd ASCN Annual Meeting 2020")


@pytest.fixture
def organiser(make_user):
    return make_user("secretariat@moc.gov.vn", roles=["organiser"], full_name="Lê Hoàng Trung")


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 30), (11, 61, 110)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_company_applies_with_a_logo_and_an_organiser_approves_it(
    client, summit, make_user, sign_in, post_form, organiser
):
    make_user("expo@songhan.example", full_name="Trần Văn Hải")
    sign_in("expo@songhan.example")
    url = f"/events/{summit.slug}/exhibition/apply"
    form = {
        "name": "Sông Hàn Smart Mobility",
        "country": "VN",
        "website": "https://songhan.example",
        "contact_email": "hello@songhan.example",
        "description": "Bus rapid transit for Đà Nẵng.",
        "categories": ["transport", "public_safety"],
    }
    bad_logo = post_form(url, form | {"logo": (io.BytesIO(b"GIF89a not really"), "logo.png")})
    assert bad_logo.status_code == 200
    assert "This file is not a PNG, JPEG or WebP image." in _html(bad_logo)
    assert _count(Exhibitor) == 0

    response = post_form(url, form | {"logo": (io.BytesIO(_png()), "logo.png")})
    assert response.status_code == 302
    exhibitor = db.session.scalar(select(Exhibitor))
    assert exhibitor.status is ExhibitorStatus.PENDING
    assert [c.value for c in exhibitor.categories] == ["transport", "public_safety"]
    dashboard = _html(client.get(response.headers["Location"]))
    assert "Your application is waiting for the organisers." in dashboard
    assert client.get(f"/events/{summit.slug}/exhibition/apply").status_code == 302  # one application per account

    client.post("/sign-out", data={"csrf_token": csrf_token_from(dashboard)})
    sign_in("secretariat@moc.gov.vn")
    manage = f"/manage/events/{summit.id}/exhibition"
    assert "Sông Hàn Smart Mobility" in _html(client.get(manage))
    post_form(f"/manage/events/{summit.id}/exhibition/exhibitors/{exhibitor.id}/approve", {}, form_url=manage)
    db.session.expire_all()
    assert exhibitor.status is ExhibitorStatus.APPROVED

    directory = _html(client.get(f"/events/{summit.slug}/exhibition"))
    assert "Sông Hàn Smart Mobility" in directory
    logo_url = re.search(r'src="(/exhibitors/\d+/logo/\d+)"', directory).group(1)
    assert client.get(logo_url).mimetype == "image/png"


def test_the_directory_searches_without_accents_and_filters(client, summit, make_exhibitor):
    make_exhibitor(summit, name="Sông Hàn Smart Mobility", country="VN", categories=["transport"])
    make_exhibitor(summit, name="Merlion Urban Analytics", country="SG", categories=["urban_planning"])
    make_exhibitor(summit, name="Hồ Gươm Urban Data", status="pending")

    def names(query: str) -> list[str]:
        page = _html(client.get(f"/events/{summit.slug}/exhibition{query}"))
        return re.findall(r'<h2 class="h5 card-title"><a href="[^"]+">([^<]+)</a>', page)

    assert names("") == ["Merlion Urban Analytics", "Sông Hàn Smart Mobility"]
    assert names("?q=song+han") == ["Sông Hàn Smart Mobility"]
    assert names("?q=SONG%20HÀN") == ["Sông Hàn Smart Mobility"]
    assert names("?category=urban_planning") == ["Merlion Urban Analytics"]
    assert names("?country=VN") == ["Sông Hàn Smart Mobility"]
    assert names("?q=ho+guom") == []  # pending: not in the public directory
    assert names("?category=casino") == ["Merlion Urban Analytics", "Sông Hàn Smart Mobility"]


def test_an_exhibitor_holds_a_booth_from_its_page_and_the_organiser_confirms(
    client, summit, organiser, make_booth, make_exhibitor, sign_in, post_form
):
    booth = make_booth(summit, code="A01")
    exhibitor = make_exhibitor(summit, name="Mekong FinTech Payments")
    sign_in(exhibitor.account.email)
    page = f"/events/{summit.slug}/booths/{booth.id}"
    assert "Hold this booth for Mekong FinTech Payments" in _html(client.get(page))
    response = post_form(f"/events/{summit.slug}/booths/{booth.id}/book", {}, form_url=page, follow_redirects=True)
    assert "Booth A01 is held for you until" in _html(response)
    booking = db.session.scalar(select(Booking))
    assert booking.status is BookingStatus.HELD

    client.post("/sign-out", data={"csrf_token": csrf_token_from(_html(response))})
    sign_in("secretariat@moc.gov.vn")
    manage = f"/manage/events/{summit.id}/exhibition"
    confirmed = post_form(
        f"/manage/events/{summit.id}/exhibition/bookings/{booking.id}/confirm",
        {},
        form_url=manage,
        follow_redirects=True,
    )
    assert "Booth A01 is booked for Mekong FinTech Payments." in _html(confirmed)
    db.session.expire_all()
    assert db.session.get(Booth, booth.id).status is BoothStatus.BOOKED
    cancelled = post_form(
        f"/manage/events/{summit.id}/exhibition/bookings/{booking.id}/cancel",
        {},
        form_url=manage,
        follow_redirects=True,
    )
    assert "is cancelled" in _html(cancelled)
    db.session.expire_all()
    assert db.session.get(Booth, booth.id).status is BoothStatus.AVAILABLE


def test_an_organiser_adds_edits_and_imports_booths_with_errors_next_to_the_fields(
    client, summit, organiser, sign_in, post_form
):
    sign_in("secretariat@moc.gov.vn")
    manage = f"/manage/events/{summit.id}/exhibition"
    booth = {
        "code": "A01",
        "hall": "Hall A",
        "x": "0",
        "y": "0",
        "width": "3",
        "depth": "3",
        "price": "2500",
        "currency": "USD",
        "status": "available",
    }
    assert post_form(f"{manage}/booths", booth, form_url=manage).status_code == 302
    overlap = post_form(f"{manage}/booths", booth | {"code": "A02", "x": "1"}, form_url=manage)
    assert overlap.status_code == 200
    assert re.search(r'id="x-errors"[^>]*>This booth would overlap booth A01 in Hall A', _html(overlap))
    zero = post_form(f"{manage}/booths", booth | {"code": "A03", "x": "10", "width": "0"}, form_url=manage)
    assert 'id="width-errors"' in _html(zero)
    assert _count(Booth) == 1

    edited_id = db.session.scalar(select(Booth.id))
    edit = f"{manage}/booths/{edited_id}/edit"
    assert post_form(edit, booth | {"zone": "Digital", "status": "blocked"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Booth, edited_id).status is BoothStatus.BLOCKED

    bad = "code,hall,x,y,width,depth,price\nB01,Hall A,20,0,3,3,2500\nB02,Hall A,20,0,3,3,oops\n"
    refused = post_form(f"{manage}/import", {"file": (io.BytesIO(bad.encode()), "booths.csv")}, form_url=manage)
    page = _html(refused)
    assert "Nothing was imported" in page
    assert "Row 3: <strong>price</strong>: Not a valid number." in page
    assert _count(Booth) == 1
    good = "code,hall,x,y,width,depth,price\nB01,Hall A,20,0,3,3,2500\nB02,Hall A,23,0,3,3,2500\n"
    imported = post_form(
        f"{manage}/import", {"file": (io.BytesIO(good.encode()), "booths.csv")}, form_url=manage, follow_redirects=True
    )
    assert "2 booths added and 0 updated." in _html(imported)


def test_staff_are_named_through_the_dashboard_up_to_the_quota(
    client, summit, make_booth, make_exhibitor, sign_in, post_form
):
    from exhibitors import booking as bookings

    exhibitor = make_exhibitor(summit, name="Lạc Hồng Digital Twin JSC")
    held = bookings.book_booth(make_booth(summit), exhibitor, exhibitor.account)
    db.session.commit()
    assert held.booth.staff_badge_quota == 2
    sign_in(exhibitor.account.email)
    dashboard = f"/exhibitor/{exhibitor.id}"
    url = f"{dashboard}/staff"
    for name, email in [("Phạm Minh Khôi", "khoi@lachong.example"), ("Đỗ Lan Anh", "anh@lachong.example")]:
        response = post_form(url, {"full_name": name, "email": email, "language": "vi"}, form_url=dashboard)
        assert response.status_code == 302
    page = _html(client.get(dashboard))
    assert "Phạm Minh Khôi" in page
    assert "2 of 2 staff badges given." in page
    over = post_form(url, {"full_name": "Ba", "email": "ba@lachong.example", "language": "en"}, form_url=dashboard)
    assert "Your booths come with 2 staff badges, and all are given." in _html(over)


def test_leads_are_scanned_annotated_and_exported_from_the_leads_page(
    client, summit, make_booth, make_exhibitor, make_user, make_registration, sign_in, post_form
):
    exhibitor = make_exhibitor(summit, name="Mekong FinTech Payments")
    agrees = make_registration(summit, make_user("van@danang.gov.vn", full_name=NGUYEN), consent_lead_sharing=True)
    declines = make_registration(summit, make_user("ha@hanoi.gov.vn", full_name="Phạm Thu Hà"))
    sign_in(exhibitor.account.email)
    page = f"/exhibitor/{exhibitor.id}/leads"

    refused = post_form(page, {"code": declines.badge_code}, follow_redirects=True)
    assert "Phạm Thu Hà has not agreed to share their details with exhibitors." in _html(refused)
    assert _count(Lead) == 0
    added = post_form(page, {"code": agrees.badge_code, "note": "Wants a demo"}, follow_redirects=True)
    assert f"{NGUYEN} is added to your leads." in _html(added)
    lead = db.session.scalar(select(Lead))

    as_json = client.post(
        page,
        data={"code": agrees.badge_code, "csrf_token": csrf_token_from(_html(added))},
        headers={"Accept": "application/json"},
    )
    assert as_json.get_json()["result"] == "existing"
    assert f'id="lead-{lead.id}"' in as_json.get_json()["row"]
    bad = client.post(
        page,
        data={"code": "nonsense", "csrf_token": csrf_token_from(_html(added))},
        headers={"Accept": "application/json"},
    )
    assert (bad.status_code, bad.get_json()["result"]) == (422, "invalid_code")

    post_form(f"{page}/{lead.id}/note", {"note": "Gọi lại thứ Hai"}, form_url=page)
    db.session.expire_all()
    assert lead.note == "Gọi lại thứ Hai"
    export = client.get(f"/exhibitor/{exhibitor.id}/leads.csv")
    rows = list(csv.DictReader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert [(row["full_name"], row["note"]) for row in rows] == [(NGUYEN, "Gọi lại thứ Hai")]


def test_every_exhibition_manage_page_needs_the_organiser_role(
    app, client, summit, make_booth, make_exhibitor, make_user, sign_in
):
    booth = make_booth(summit)
    exhibitor = make_exhibitor(summit)
    from exhibitors import booking as bookings

    booking = bookings.book_booth(booth, exhibitor, exhibitor.account)
    db.session.commit()
    ids = {"event_id": summit.id, "booth_id": booth.id, "exhibitor_id": exhibitor.id, "booking_id": booking.id}
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("exhibitors.") and rule.rule.startswith("/manage/"):
            url = rule.rule
            for name, value in ids.items():
                url = url.replace(f"<int:{name}>", str(value))
            urls += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
            assert getattr(app.view_functions[rule.endpoint], "required_roles", None), rule.rule
    assert len(urls) >= 10
    token = csrf_token_from(_html(client.get("/sign-in")))
    for method, url in urls:
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 302, (method, url)
    make_user("delegate@danang.gov.vn", roles=["exhibitor"])
    sign_in("delegate@danang.gov.vn")
    token = csrf_token_from(_html(client.get("/account")))
    for method, url in urls:
        assert client.open(url, method=method, data={"csrf_token": token}).status_code == 403, (method, url)
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status is BookingStatus.HELD


def test_an_exhibitors_own_pages_are_hidden_from_others(client, summit, make_exhibitor, make_user, sign_in):
    exhibitor = make_exhibitor(summit, status="pending")
    make_user("other@example.org", roles=["exhibitor"])
    sign_in("other@example.org")
    for path in ["", "/profile", "/leads", "/leads.csv"]:
        assert client.get(f"/exhibitor/{exhibitor.id}{path}").status_code == 404, path
    assert client.get(f"/events/{summit.slug}/exhibitors/{exhibitor.id}").status_code == 404


def test_exhibition_pages_have_no_inline_script_or_style(client, cli, make_user, sign_in):
    assert cli.invoke(args=["demo", "load"]).exit_code == 0
    exhibitor = db.session.scalar(
        select(Exhibitor).where(Exhibitor.status == ExhibitorStatus.APPROVED).order_by(Exhibitor.id)
    )
    booth_id = db.session.scalar(select(Booth.id).order_by(Booth.id))
    public_pages = [
        "/exhibition",
        "/events/ascn-2020/exhibition",
        "/events/ascn-2020/exhibition/plan",
        f"/events/ascn-2020/booths/{booth_id}",
        f"/events/ascn-2020/exhibitors/{exhibitor.id}",
    ]
    for path in public_pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_nothing_inline(path, response.get_data(as_text=True))
    sign_in(exhibitor.account.email, "ascn-demo-2020")
    for path in [
        f"/exhibitor/{exhibitor.id}",
        f"/exhibitor/{exhibitor.id}/leads",
        f"/exhibitor/{exhibitor.id}/profile",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_nothing_inline(path, response.get_data(as_text=True))
    client.post("/sign-out", data={"csrf_token": csrf_token_from(_html(client.get("/account")))})
    sign_in("organiser@ascn2020.gov.vn", "ascn-demo-2020")
    event_id = exhibitor.event_id
    for path in [
        f"/manage/events/{event_id}/exhibition",
        f"/manage/events/{event_id}/exhibition/booths/{booth_id}/edit",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_nothing_inline(path, response.get_data(as_text=True))


def test_the_exhibition_is_in_the_navigation_and_linked_from_the_event_and_organiser_pages(
    client, summit, organiser, sign_in
):
    home = _html(client.get("/"))
    assert '<a class="nav-link" href="/exhibition">Exhibition</a>' in home
    assert f'href="/events/{summit.slug}/exhibition"' in _html(client.get(f"/events/{summit.slug}"))
    sign_in("secretariat@moc.gov.vn")
    assert f'href="/manage/events/{summit.id}/exhibition"' in _html(client.get(f"/manage/events/{summit.id}"))
    assert f'href="/manage/events/{summit.id}/exhibition"' in _html(client.get("/manage/events"))


def test_the_pages_speak_vietnamese(client, summit, make_booth):
    make_booth(summit, code="A01")
    client.get("/language/vi")
    page = _html(client.get(f"/events/{summit.slug}/exhibition/plan"))
    assert "Sơ đồ gian hàng" in page
    assert "Còn trống" in page  # the booth's status on the plan and in the list


def test_a_lapsed_hold_is_gone_from_every_page_without_anyone_doing_anything(
    client, summit, make_booth, make_exhibitor
):
    from datetime import UTC, datetime, timedelta

    from exhibitors import booking as bookings

    booth = make_booth(summit, code="A01")
    exhibitor = make_exhibitor(summit, name="Mekong FinTech Payments")
    held = bookings.book_booth(booth, exhibitor, exhibitor.account)
    db.session.commit()
    directory = f"/events/{summit.slug}/exhibition"
    assert re.search(r'Booth: <a href="[^"]+">A01</a>', _html(client.get(directory)))

    held.held_until = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert "A01" not in _html(client.get(directory))
    page = _html(client.get(f"/events/{summit.slug}/exhibitors/{exhibitor.id}"))
    assert "Not placed yet" in page
    db.session.expire_all()
    assert db.session.get(Booking, held.id).status is BookingStatus.EXPIRED
    assert db.session.get(Booth, booth.id).status is BoothStatus.AVAILABLE
