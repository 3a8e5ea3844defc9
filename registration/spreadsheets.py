"""Registration spreadsheets as files: read CSV (as Excel saves it) and XLSX, write both, with the same columns.

Nothing here reads or writes the database: registration.sheet_import checks the rows and imports them through the
services, and builds the rows of an export.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import zipfile
from collections.abc import Generator, Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import ngettext

from core.errors import DomainError, ValidationFailed
from registration.services import REGISTRATION_FIELD_ORDER

logger = logging.getLogger(__name__)

# The columns of an import, in the order of the template and of an export: who, then the registration's fields.
IMPORT_COLUMNS = (
    "email",
    "full_name",
    *(name for name in REGISTRATION_FIELD_ORDER if name != "full_name"),
    "language",  # of a new account's mails
)
# Written by an export and accepted (and ignored) by an import, so that an export re-imports as it is.
READ_ONLY_COLUMNS = ("status", "waitlist_position", "created_at")
EXPORT_COLUMNS = IMPORT_COLUMNS + READ_ONLY_COLUMNS
REQUIRED_COLUMNS = ("email", "full_name", "consent_data_processing")

MAX_ROWS = 5000
MAX_FILE_BYTES = 8 * 1024 * 1024
# An XLSX is a zip: what it may unpack to, whatever its size as sent (a zip bomb unpacks to gigabytes).
MAX_XLSX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_XLSX_MEMBERS = 500

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv"

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the binary .xls of Excel 97-2003
# A leading character that makes Excel or LibreOffice read a cell as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Control characters that XML 1.0, and so XLSX, cannot hold; tab, line feed and carriage return stay.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class Sheet:
    """The first sheet of a file: its header and its non-empty rows with their row number (the header is row 1)."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


def unsupported(message: str) -> ValidationFailed:
    return ValidationFailed("unsupported_file", message)


def column_key(title: str) -> str:
    """Headers match whatever their case and spacing: " Full name " is full_name."""
    return re.sub(r"[\s-]+", "_", title.strip().lower())


# Reading ---------------------------------------------------------------------------------------------------------


def read_sheet(data: bytes) -> Sheet:
    """Read an uploaded file, XLSX or CSV told apart by their content, not their name.

    Raises DomainError `file_too_large` (413), ValidationFailed `unsupported_file`, `import_empty`, `too_many_rows`.
    """
    if len(data) > MAX_FILE_BYTES:
        raise DomainError(
            "file_too_large",
            _("The file is larger than %(size)d MB. Split it in smaller files.", size=MAX_FILE_BYTES // 2**20),
            status=413,
        )
    if data.startswith(_ZIP_MAGIC):
        rows = _xlsx_rows(data)
    elif data.startswith(_OLE_MAGIC):
        raise unsupported(_("This is an old Excel file (.xls). Save it as Excel Workbook (.xlsx) or CSV UTF-8."))
    else:
        rows = _csv_rows(data)
    with closing(rows):  # a refused file still closes its workbook
        return _collect(rows)


def _collect(rows: Generator[list[str]]) -> Sheet:
    header: list[str] | None = None
    kept: list[tuple[int, list[str]]] = []
    for number, values in enumerate(rows, start=1):
        if header is None:
            header = values
            continue
        if not any(values):
            continue  # Excel keeps empty rows at the end of a sheet, and people leave blank lines
        if len(kept) == MAX_ROWS:
            raise ValidationFailed(
                "too_many_rows",
                ngettext(
                    "A file holds at most %(num)d row of delegates. Split it in smaller files.",
                    "A file holds at most %(num)d rows of delegates. Split it in smaller files.",
                    MAX_ROWS,
                ),
            )
        kept.append((number, values))
    if not header or not any(header):
        raise ValidationFailed("import_empty", _("The file is empty: its first row must name the columns."))
    if not kept:
        raise ValidationFailed("import_empty", _("The file has a header row but no delegates below it."))
    while header and not header[-1]:
        header.pop()
    return Sheet(header=header, rows=kept)


def _csv_rows(data: bytes) -> Generator[list[str]]:
    if b"\x00" in data[:4096]:
        raise unsupported(_("This file is neither a CSV nor an XLSX spreadsheet."))
    try:
        text = data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte order mark
    except UnicodeDecodeError as exc:
        raise unsupported(
            _(
                "This file is not in UTF-8, so names with diacritics would be garbled. "
                "In Excel, save it as “CSV UTF-8 (Comma delimited)”, or as an XLSX workbook."
            )
        ) from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    return _checked_csv(reader)


def _checked_csv(reader) -> Generator[list[str]]:
    try:
        for record in reader:
            yield [_clean(value) for value in record]
    except csv.Error as exc:
        raise unsupported(
            _("The file could not be read as CSV near row %(row)d: %(problem)s", row=reader.line_num, problem=exc)
        ) from exc


def _delimiter(text: str) -> str:
    """Comma, or the semicolon (or tab) of Excel in locales that write decimals with a comma.

    Chosen by the header row: the separator that splits it into the most known column names.
    """
    first_line = next(iter(text.splitlines()), "")  # \n, \r\n, or a lone \r as old Mac files end lines
    known = set(EXPORT_COLUMNS)

    def score(delimiter: str) -> tuple[int, int]:
        try:
            cells = next(csv.reader([first_line], delimiter=delimiter), [])
        except csv.Error:  # found by hypothesis: a stray quote or line break; the reader proper reports it
            return (0, 0)
        return sum(column_key(cell) in known for cell in cells), len(cells)

    return max((",", ";", "\t"), key=score)


def _xlsx_rows(data: bytes) -> Generator[list[str]]:
    _check_zip(data)
    from openpyxl import load_workbook

    try:
        # read_only streams the sheet instead of building every cell in memory; data_only takes computed values.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 (any failure to parse an uploaded file means it is not a usable workbook)
        logger.info("Refused an XLSX upload: %s: %s", type(exc).__name__, exc)
        raise unsupported(_("This file could not be read as an XLSX workbook. Save it again from Excel.")) from exc
    return _workbook_rows(workbook)


def _workbook_rows(workbook) -> Generator[list[str]]:
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers record a wrong size; read what is there
        for values in sheet.iter_rows(values_only=True):
            yield [_clean(_cell_text(value)) for value in values]
    except Exception as exc:  # noqa: BLE001 (a broken sheet inside a valid zip is the sender's file, not our bug)
        logger.info("Refused an XLSX sheet: %s: %s", type(exc).__name__, exc)
        raise unsupported(_("This file could not be read as an XLSX workbook. Save it again from Excel.")) from exc
    finally:
        workbook.close()


def _check_zip(data: bytes) -> None:
    """Refuse a zip that is not a workbook, or that would unpack to too much, before any XML parser sees it.

    zipfile never inflates a member past the size its directory declares, so the sum of those sizes is a bound.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise unsupported(_("This file could not be read as an XLSX workbook. Save it again from Excel.")) from exc
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        raise unsupported(_("This file is neither a CSV nor an XLSX spreadsheet."))
    if len(members) > MAX_XLSX_MEMBERS or sum(member.file_size for member in members) > MAX_XLSX_UNPACKED_BYTES:
        raise unsupported(_("This workbook unpacks to too much data. Keep only the sheet of delegates in it."))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _clean(value: str) -> str:
    """Trimmed, without control characters, and without the apostrophe an export puts before a formula-like text."""
    value = _CONTROL_CHARACTERS.sub("", value).strip()
    if value[:1] == "'" and value[1:2] in _FORMULA_STARTS:
        return value[1:]
    return value


def read_upload(upload) -> bytes:
    """The bytes of an uploaded file (a werkzeug FileStorage), read no further than the limit allows."""
    return upload.stream.read(MAX_FILE_BYTES + 1)


# Writing ---------------------------------------------------------------------------------------------------------


def download(data: bytes, filename: str):
    """A Flask response that saves the file; never cached, since it holds people's data."""
    from flask import send_file

    mimetype = XLSX_MIMETYPE if filename.endswith(".xlsx") else f"{CSV_MIMETYPE}; charset=utf-8"
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def guard_formula(value: str) -> str:
    """A text that a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def write_csv(columns: Iterable[str], rows: Iterable[Iterable]) -> bytes:
    """UTF-8 with a byte order mark, so Excel shows "Nguyễn Tường Văn" intact; formula-like texts guarded."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(guard_formula(_csv_text(value)) for value in row)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def write_xlsx(columns: Iterable[str], rows: Iterable[Iterable], *, title: str) -> bytes:
    """One sheet, streamed (write_only); every text is a text cell, so nothing in it runs as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def cell(value, *, header=False):
        if isinstance(value, str):
            value = _CONTROL_CHARACTERS.sub("", value)
        written = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            written.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
        if header:
            written.font = bold
        return written

    sheet.append([cell(name, header=True) for name in columns])
    for row in rows:
        sheet.append([cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
