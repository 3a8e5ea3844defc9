"""Booths from a CSV file: all rows or none, with every problem named by row and field."""

from __future__ import annotations

import csv
import io

import marshmallow as ma
from flask_babel import gettext as _
from sqlalchemy import select

from core.errors import DomainError
from core.extensions import db
from events.models import Event
from exhibitors.booking import create_booth, update_booth
from exhibitors.models import Booth
from exhibitors.schemas import BoothSchema

REQUIRED_COLUMNS = ("code", "hall", "x", "y", "width", "depth", "price")
OPTIONAL_COLUMNS = ("currency", "zone", "staff_badge_quota", "status")


class ImportInvalid(DomainError):
    """422 `import_invalid`, with `rows: [{row, fields: {name: [messages]}}]` (row 1 is the header)."""

    status = 422

    def __init__(self, rows: list[dict]):
        super().__init__("import_invalid", _("Nothing was imported: correct the rows below and send the file again."))
        self.rows = rows


def _read(data: bytes) -> csv.DictReader:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportInvalid([{"row": 1, "fields": {"file": [_("Save the file as CSV in UTF-8.")]}}]) from exc
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    return csv.DictReader(io.StringIO(text), dialect=dialect)


def import_booths(event: Event, data: bytes) -> dict[str, int]:
    """Create the booths of the file and update those whose code exists. Raises ImportInvalid; nothing is kept then
    (the caller rolls the transaction back, as for any error)."""
    reader = _read(data)
    columns = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ImportInvalid(
            [{"row": 1, "fields": {name: [_("This column is missing.")] for name in missing}}],
        )
    schema = BoothSchema()
    existing = {booth.code: booth for booth in db.session.scalars(select(Booth).where(Booth.event_id == event.id))}
    problems: list[dict] = []
    counts = {"created": 0, "updated": 0}
    rows = 0
    for number, raw in enumerate(reader, start=2):
        cells = {(key or "").strip().lower(): (value or "").strip() for key, value in raw.items() if key}
        if not any(cells.values()):
            continue
        rows += 1
        given = {key: value for key, value in cells.items() if key in REQUIRED_COLUMNS or (value and key in columns)}
        try:
            fields = schema.load({key: value for key, value in given.items() if key in schema.fields})
        except ma.ValidationError as exc:
            problems.append({"row": number, "fields": _messages(exc.messages)})
            continue
        booth = existing.get(fields["code"].upper())
        try:
            if booth is None:
                booth = create_booth(event, fields)
                existing[booth.code] = booth
                counts["created"] += 1
            else:
                update_booth(booth, {key: value for key, value in fields.items() if key in given})
                counts["updated"] += 1
        except DomainError as exc:
            problems.append({"row": number, "fields": exc.fields or {"code": [exc.message]}})
    if rows == 0:
        problems.append({"row": 1, "fields": {"file": [_("The file has no booth.")]}})
    if problems:
        raise ImportInvalid(problems)
    return counts


def _messages(messages: dict) -> dict[str, list[str]]:
    return {name: list(problem) if isinstance(problem, list) else [str(problem)] for name, problem in messages.items()}
