"""The import page for organisers and focal points: template, upload with CSRF, problems as a table, counts."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from sqlalchemy import func, select

from core.extensions import db
from registration.models import Registration
from registration.spreadsheets import IMPORT_COLUMNS
from tests.fixtures.accounts import csrf_token_from
from tests.registration.sheets import csv_bytes, delegate


def page_url(event) -> str:
    return f"/events/{event.id}/registrations/import"


def text_of(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def registrations() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Registration.id)))


def send(client, event, data: bytes, filename="delegates.csv", *, follow_redirects=False):
    token = csrf_token_from(client.get(page_url(event)).get_data(as_text=True))
    return client.post(
        page_url(event),
        data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
        follow_redirects=follow_redirects,
    )


@pytest.fixture
def organiser(make_user, sign_in):
    make_user("secretariat@moc.gov.vn", roles=["organiser"], full_name="Lê Hoàng Trung")
    sign_in("secretariat@moc.gov.vn")


def test_the_page_offers_the_template_the_exports_and_a_protected_upload(client, organiser, make_event):
    event = make_event()
    response = client.get(page_url(event))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1" in page
    assert 'enctype="multipart/form-data"' in page
    assert 'name="csrf_token"' in page
    assert re.search(r'<label[^>]*for="file"', page)
    for link in (
        f"/events/{event.id}/registrations/import/template.csv",
        f"/events/{event.id}/registrations.csv",
        f"/events/{event.id}/registrations.xlsx",
    ):
        assert f'href="{link}"' in page
        assert client.get(link).status_code == 200


def test_the_template_is_excel_ready_and_imports_as_it_is(client, organiser, make_event):
    event = make_event()
    template = client.get(f"/events/{event.id}/registrations/import/template.csv")
    assert template.headers["Content-Disposition"].startswith("attachment; ")
    raw = template.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    header, example = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert header == list(IMPORT_COLUMNS)
    assert dict(zip(header, example, strict=True))["full_name"] == "Nguyễn Tường Văn"

    done = send(client, event, raw, follow_redirects=True)
    assert "Import done: 1 created, 0 updated." in text_of(done)
    assert db.session.scalar(select(Registration.full_name)) == "Nguyễn Tường Văn"


def test_problems_are_listed_by_row_and_column_and_nothing_is_imported(client, organiser, make_event):
    event = make_event()
    rows = [delegate(0), delegate(1, email="not-an-address"), delegate(2, consent_data_processing="không")]
    response = send(client, event, csv_bytes(rows))
    assert response.status_code == 200
    page = text_of(response)
    assert "Nothing was imported: correct the rows listed and send the file again." in page
    table = re.findall(r"<tr><td>(\d+)</td><td><code>([^<]+)</code></td><td>([^<]+)</td></tr>", page)
    assert table == [
        ("3", "email", "This is not a valid e-mail address."),
        ("4", "consent_data_processing", "The delegate must agree to the processing of their data: write yes."),
    ]
    assert registrations() == 0


def test_a_good_file_is_imported_and_counted(client, organiser, make_event):
    event = make_event()
    first = send(client, event, csv_bytes([delegate(0), delegate(1)]))
    assert first.status_code == 302
    assert first.headers["Location"].endswith(page_url(event))
    again = send(
        client, event, csv_bytes([delegate(0), delegate(1, job_title="Vụ phó"), delegate(2)]), follow_redirects=True
    )
    assert "Import done: 1 created, 2 updated." in text_of(again)
    assert registrations() == 3


def test_a_file_that_is_no_spreadsheet_is_explained_on_the_form(client, organiser, make_event):
    event = make_event()
    response = send(client, event, b"%PDF-1.4\n\xff\xfe\x00\x00", filename="letter.pdf")
    assert response.status_code == 200
    assert "This file is neither a CSV nor an XLSX spreadsheet." in text_of(response)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    nothing = client.post(
        page_url(event), data={"csrf_token": csrf_token_from(client.get(page_url(event)).get_data(as_text=True))}
    )
    assert "Choose a CSV or XLSX file." in text_of(nothing)


def test_an_upload_without_the_csrf_token_is_refused(client, organiser, make_event):
    event = make_event()
    response = client.post(page_url(event), data={"file": (io.BytesIO(csv_bytes([delegate(0)])), "d.csv")})
    assert response.status_code == 400
    assert registrations() == 0


def test_the_page_turns_away_visitors_delegates_and_hidden_events(client, make_user, sign_in, make_event):
    event = make_event()
    draft = make_event(status="draft")
    anonymous = client.get(page_url(event))
    assert anonymous.status_code == 302
    assert "/sign-in" in anonymous.headers["Location"]
    make_user("delegate@danang.gov.vn")
    sign_in("delegate@danang.gov.vn")
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    assert client.get(page_url(event)).status_code == 403
    assert client.get(f"/events/{event.id}/registrations/import/template.csv").status_code == 403
    upload = {"csrf_token": token, "file": (io.BytesIO(csv_bytes([delegate(0)])), "d.csv")}
    assert client.post(page_url(event), data=upload).status_code == 403
    assert registrations() == 0

    client.post("/sign-out", data={"csrf_token": token})
    make_user("focal.vn@moc.gov.vn", roles=["focal_point"], country="VN")
    sign_in("focal.vn@moc.gov.vn")
    assert client.get(page_url(draft)).status_code == 404
    assert client.get("/events/999999/registrations/import").status_code == 404


def test_a_focal_point_is_told_their_country_and_held_to_it(client, make_user, sign_in, make_event):
    event = make_event()
    make_user("focal.vn@moc.gov.vn", roles=["focal_point"], country="VN")
    sign_in("focal.vn@moc.gov.vn")
    assert "you import delegates of your own country (VN)" in text_of(client.get(page_url(event)))
    template = client.get(f"/events/{event.id}/registrations/import/template.csv").get_data().decode("utf-8-sig")
    assert list(csv.DictReader(io.StringIO(template)))[0]["country"] == "VN"

    response = send(client, event, csv_bytes([delegate(0, country="VN"), delegate(1, country="TH")]))
    assert re.search(
        r"<td>3</td><td><code>country</code></td><td>A focal point imports delegates of their own", text_of(response)
    )
    assert registrations() == 0


def test_the_page_speaks_vietnamese(client, make_user, sign_in, make_event):
    event = make_event()
    make_user("to.chuc@moc.gov.vn", roles=["organiser"], language="vi")
    sign_in("to.chuc@moc.gov.vn")
    page = text_of(client.get(page_url(event)))
    assert "Nhập danh sách đại biểu" in page
    response = send(client, event, csv_bytes([delegate(0, email="sai-dia-chi")]))
    assert "Địa chỉ thư điện tử này không hợp lệ." in text_of(response)
