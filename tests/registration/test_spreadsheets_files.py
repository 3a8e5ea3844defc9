"""Files that are not a delegation's spreadsheet get a clear 4xx answer, never a 500, and import nothing."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from sqlalchemy import func, select

from core.extensions import db
from registration.models import Registration
from tests.registration.sheets import csv_bytes, delegate, upload, xlsx_bytes


@pytest.fixture
def organiser(make_user, token_for):
    return token_for(make_user("secretariat@moc.gov.vn", roles=["organiser"]))


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def broken_workbook() -> bytes:
    """A real workbook whose sheet XML is cut in the middle."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx_bytes(["email"], [["a@moc.gov.vn"]]))) as source,
        zipfile.ZipFile(buffer, "w") as target,
    ):
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            target.writestr(item, content)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """A workbook-looking zip that sends about 80 KB and would unpack to 80 MB of XML."""
    members = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}
    return zipped(members | {"xl/sharedStrings.xml": b"<" * (80 * 2**20)})


GARBAGE = {
    "random bytes": os.urandom(4096) + b"\x00",
    "a PDF": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n\xff\xfe",
    "an Excel 97 .xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
    "a zip of other things": zipped({"notes.txt": b"hello"}),
    "a broken workbook": broken_workbook(),
    "a truncated zip": xlsx_bytes(["email"], [["a@moc.gov.vn"]])[:300],
    "a zip bomb": zip_bomb(),
}


@pytest.mark.parametrize("name", list(GARBAGE))
def test_what_is_neither_csv_nor_xlsx_is_refused_clearly(client, organiser, make_event, name):
    event = make_event()
    response = upload(client, organiser, event.id, GARBAGE[name], filename="delegates.xlsx")
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "unsupported_file"
    assert error["message"]
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_the_old_excel_format_is_named(client, organiser, make_event):
    response = upload(client, organiser, make_event().id, GARBAGE["an Excel 97 .xls"], filename="delegates.xls")
    assert ".xlsx" in response.get_json()["error"]["message"]


def test_a_csv_not_in_utf8_is_refused_rather_than_garbled(client, organiser, make_event):
    data = "email,full_name,consent_data_processing\r\nlim@asean.org,Dato Lim Jock Hoi Ç,yes\r\n".encode("cp1252")
    response = upload(client, organiser, make_event().id, data)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["code"], "UTF-8" in error["message"]) == ("unsupported_file", True)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "import_empty"),
        (b"\xef\xbb\xbf\r\n\r\n", "import_empty"),
        ("\ufeffemail,full_name,consent_data_processing\r\n,,\r\n".encode(), "import_empty"),
    ],
    ids=["empty", "blank lines", "header only"],
)
def test_an_empty_file_is_refused(client, organiser, make_event, data, code):
    response = upload(client, organiser, make_event().id, data)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == code


def test_a_file_over_the_size_limit_is_413(client, organiser, make_event):
    rows = [delegate(n, dietary="Không ăn hải sản. " * 100) for n in range(4000)]
    data = csv_bytes(rows)
    assert len(data) > 8 * 2**20
    response = upload(client, organiser, make_event().id, data)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "file_too_large"
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_a_csv_field_beyond_the_parsers_limit_is_reported_not_raised(client, organiser, make_event):
    data = ('email,full_name,consent_data_processing\r\na@moc.gov.vn,"' + "Văn" * 60000 + '",yes\r\n').encode()
    response = upload(client, organiser, make_event().id, data)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "unsupported_file"
    assert "row 2" in error["message"]
