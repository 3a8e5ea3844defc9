"""Helpers of the spreadsheet tests: delegation files as a focal point would send them, and the upload call."""

from __future__ import annotations

import io

from core.reference import ASEAN_COUNTRIES
from registration.spreadsheets import IMPORT_COLUMNS

HEADER = list(IMPORT_COLUMNS)
NAMES = ["Nguyễn Tường Văn", "Lê Hoàng Trung", "Dato Lim Jock Hoi", "Trần Thị Hồng Nhung", "Phạm Đức Anh"]


def delegate(number: int, **fields) -> dict:
    """One delegate's row: distinct e-mails, names with diacritics, the ten member states in turn."""
    row = {
        "email": f"delegate{number:04d}@ascn.example.org",
        "full_name": NAMES[number % len(NAMES)],
        "category": "government" if number % 3 else "city",
        "attendance": "in_person" if number % 4 else "online",
        "organisation": "Bộ Xây dựng",
        "job_title": "Chuyên viên",
        "country": ASEAN_COUNTRIES[number % len(ASEAN_COUNTRIES)],
        "city": "Đà Nẵng",
        "dietary": "",
        "accessibility": "",
        "consent_data_processing": "yes",
        "consent_lead_sharing": "no",
        "language": "vi" if number % 2 else "en",
    }
    row.update(fields)
    return row


def csv_bytes(rows: list[dict], *, header=None, delimiter=",", bom=True) -> bytes:
    """A CSV as Excel's "CSV UTF-8" writes it (with BOM), or without BOM, with the given separator."""
    import csv

    header = header or HEADER
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(header: list, rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def multipart(data: bytes, filename: str) -> dict:
    """The keyword arguments of a test-client call that sends `data` as the form's `file`.

    Encoded here in memory: the test client would spool a large body to a temporary file it never closes.
    """
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename=filename)})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def upload(client, headers, event_id: int, data: bytes, filename: str = "delegates.csv"):
    url = f"/api/v1/events/{event_id}/registrations/import"
    return client.post(url, headers=headers, **multipart(data, filename))
