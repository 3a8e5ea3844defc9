"""Import an event's registrations from a spreadsheet, and export them: every row checked, all rows or none.

Rows are checked in full first, and every problem is reported by row and column. Only a file without any goes on
to the import, which runs each row through registration.services in the caller's transaction: a new e-mail is
registered (its account created with a set-password invitation), a known one has its registration updated.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cache

import marshmallow as ma
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from core.auth.models import Role, User
from core.errors import DomainError, Forbidden, ValidationFailed
from core.extensions import db
from events.models import Event, EventMode
from registration import seats, services
from registration.models import Attendance, Category, Registration
from registration.search import fold
from registration.spreadsheets import (
    EXPORT_COLUMNS,
    IMPORT_COLUMNS,
    READ_ONLY_COLUMNS,
    REQUIRED_COLUMNS,
    column_key,
    read_sheet,
    write_csv,
    write_xlsx,
)

logger = logging.getLogger(__name__)

HEADER_ROW = 1
MAX_LENGTHS = {
    "email": 254,
    "full_name": 200,
    "organisation": 200,
    "job_title": 200,
    "city": 120,
    "dietary": 2000,
    "accessibility": 2000,
}
_TRUE = {"true", "yes", "y", "1", "co"}  # folded: "Có" is "co"
_FALSE = {"false", "no", "n", "0", "khong"}  # "Không"
_LANGUAGES = {"en": "en", "english": "en", "tieng anh": "en", "vi": "vi", "vietnamese": "vi", "tieng viet": "vi"}
# The names the ASEAN documents use, beside the ones of the ISO list (DOMAIN.md).
_COUNTRY_ALIASES = {
    "brunei darussalam": "BN",
    "lao pdr": "LA",
    "lao people's democratic republic": "LA",
    "viet nam": "VN",
    "myanmar": "MM",
    "burma": "MM",
}
# Territories in Babel's list that are not countries of ISO 3166-1.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"}
_EMAIL = ma.validate.Email()
# Domain codes that a service may raise for one row, and the column a person should look at.
_ERROR_COLUMNS = {"already_registered": "email", "email_taken": "email", "event_full": "attendance"}


@dataclass
class ImportRow:
    number: int
    email: str
    # The registration's fields that the file has a column for, typed as the services take them.
    fields: dict = field(default_factory=dict)
    language: str = "en"


@dataclass
class ImportResult:
    created: int
    updated: int


class _CellError(Exception):
    """One cell's problem, as a sentence for the person who filled the sheet."""


# Who may -------------------------------------------------------------------------------------------------------


def check_delegation_rights(actor) -> None:
    """Organisers handle every delegation; a focal point their country's. Raises Forbidden otherwise."""
    if services.is_organiser(actor) or (actor.has_role(Role.FOCAL_POINT) and actor.country):
        return
    raise Forbidden()


# Import --------------------------------------------------------------------------------------------------------


def import_registrations(event: Event, actor, data: bytes) -> ImportResult:
    """Check every row of an uploaded CSV or XLSX, then import them all in the caller's transaction, or none.

    Raises ValidationFailed `import_invalid` (with `rows`), `unsupported_file`, `import_empty`, `too_many_rows`;
    DomainError `file_too_large` (413), `registration_closed`; Forbidden.
    """
    check_delegation_rights(actor)
    sheet = read_sheet(data)
    # Imports into one event run one after the other: the event's row first, as every seat change does (seats.py).
    # Two files sharing e-mails in another order would otherwise deadlock; and the second sees what the first made.
    seats.lock(Event, event.id)
    problems: dict[int, dict[str, list[str]]] = {}
    sheet_columns = _check_header(sheet.header, problems)
    rows: list[ImportRow] = []
    first_row_of: dict[str, int] = {}
    for number, values in sheet.rows:
        row = _parse_row(event, actor, sheet_columns, number, values, problems.setdefault(number, {}))
        if row.email in first_row_of:
            earlier = first_row_of[row.email]
            _add(problems[number], "email", _("This e-mail address is also on row %(row)d.", row=earlier))
        elif row.email:
            first_row_of[row.email] = number
        rows.append(row)
    existing = _registrations_by_email(event, list(first_row_of))
    for row in rows:
        registration = existing.get(row.email)
        if registration is not None and not services.may_manage(actor, registration):
            _add(
                problems[row.number],
                "email",
                _("This person is already registered for this event by another country's delegation."),
            )
    if any(problems.values()):
        raise import_invalid(problems)
    if any(row.email not in existing for row in rows):
        services.check_window(event)
    return _import(event, actor, rows, existing)


def _import(event: Event, actor, rows: list[ImportRow], existing: dict[str, Registration]) -> ImportResult:
    result = ImportResult(created=0, updated=0)
    row = None
    try:
        # One savepoint around all rows, rolled back whole if any row fails. On SQLite it also keeps the services'
        # own savepoints nested: pysqlite opens no transaction before a SAVEPOINT, so releasing an outermost one
        # would commit each row on its own (and sync the file to disk every time).
        with db.session.begin_nested():
            for row in rows:
                registration = existing.get(row.email)
                if registration is not None:
                    services.update_registration(registration, row.fields, actor)
                    result.updated += 1
                else:
                    services.register(event, actor, {**row.fields, "language": row.language}, email=row.email)
                    result.created += 1
    except DomainError as exc:
        # A rule only the database or a service knows (a seat, a concurrent registration): nothing is kept.
        logger.info("Import into event %s stopped at row %s: %s", event.id, row.number, exc.code)
        raise import_invalid({row.number: _fields_of(exc)}) from exc
    logger.info("Imported %s new and %s updated registrations into event %s", result.created, result.updated, event.id)
    return result


def import_invalid(problems: dict[int, dict[str, list[str]]]) -> ValidationFailed:
    rows = [{"row": number, "fields": fields} for number, fields in sorted(problems.items()) if fields]
    return ValidationFailed(
        "import_invalid",
        _("Nothing was imported: correct the rows listed and send the file again."),
        rows=rows,
    )


def _fields_of(exc: DomainError) -> dict[str, list[str]]:
    if exc.fields:
        return {name: [str(message) for message in messages] for name, messages in exc.fields.items()}
    return {_ERROR_COLUMNS.get(exc.code, "email"): [exc.message]}


def _add(problems: dict[str, list[str]], column: str, message: str) -> None:
    problems.setdefault(column, []).append(message)


@dataclass
class SheetColumns:
    known: dict[int, str]  # position -> an importable column
    titled: set[int]  # positions that have a title in the header, known or not


def _check_header(header: list[str], problems: dict) -> SheetColumns:
    """The file's columns; unknown, repeated and missing columns are problems of row 1."""
    columns: dict[int, str] = {}
    found: set[str] = set()
    header_problems: dict[str, list[str]] = {}
    for position, title in enumerate(header):
        key = column_key(title)
        if not key:
            continue
        if key not in EXPORT_COLUMNS:
            _add(
                header_problems,
                title,
                _("Unknown column. The columns are: %(columns)s.", columns=", ".join(EXPORT_COLUMNS)),
            )
        elif key in found:
            _add(header_problems, title, _("This column appears twice."))
        else:
            found.add(key)
            if key not in READ_ONLY_COLUMNS:
                columns[position] = key
    for key in REQUIRED_COLUMNS:
        if key not in found:
            _add(header_problems, key, _("This column is missing."))
    if header_problems:
        problems[HEADER_ROW] = header_problems
    return SheetColumns(known=columns, titled={position for position, title in enumerate(header) if title})


def _parse_row(event: Event, actor, sheet_columns: SheetColumns, number: int, values: list[str], problems) -> ImportRow:
    row = ImportRow(number=number, email="")
    for position, value in enumerate(values):
        if value and position not in sheet_columns.titled:
            column = _("column %(number)d", number=position + 1)
            _add(problems, column, _("This value is in a column without a header."))
    for position, key in sheet_columns.known.items():
        value = values[position] if position < len(values) else ""
        try:
            parsed = _parse_cell(key, value, event, actor)
        except _CellError as exc:
            _add(problems, key, str(exc))
            continue
        if key == "email":
            row.email = parsed
        elif key == "language":
            row.language = parsed
        else:
            row.fields[key] = parsed
    if "country" not in row.fields and not services.is_organiser(actor):
        row.fields["country"] = actor.country  # a focal point's delegates are of their country
    return row


def _parse_cell(key: str, value: str, event: Event, actor):
    if key in MAX_LENGTHS and len(value) > MAX_LENGTHS[key]:
        raise _CellError(_("Use at most %(max)d characters.", max=MAX_LENGTHS[key]))
    if key == "email":
        return _email(value)
    if key == "full_name":
        if not value:
            raise _CellError(_("Give the delegate's full name."))
        return value
    if key == "category":
        return _choice(Category, value, Category.GOVERNMENT)
    if key == "attendance":
        return _attendance(value, event)
    if key == "country":
        return _country_for(actor, value)
    if key == "consent_data_processing":
        if not _boolean(value, default=False):
            raise _CellError(_("The delegate must agree to the processing of their data: write yes."))
        return True
    if key == "consent_lead_sharing":
        return _boolean(value, default=False)
    if key == "language":
        return _language(value)
    return value  # organisation, job_title, city, dietary, accessibility: free text


def _email(value: str) -> str:
    if not value:
        raise _CellError(_("Give the delegate's e-mail address."))
    try:
        _EMAIL(value)
    except ma.ValidationError as exc:
        raise _CellError(_("This is not a valid e-mail address.")) from exc
    return value.lower()


def _choice(enum_class, value: str, default):
    if not value:
        return default
    try:
        return enum_class(column_key(value))
    except ValueError as exc:
        raise _CellError(_("Use one of: %(values)s.", values=", ".join(member.value for member in enum_class))) from exc


def _attendance(value: str, event: Event) -> Attendance:
    attendance = _choice(Attendance, value, Attendance.IN_PERSON)
    if event.mode is EventMode.ONLINE:
        return Attendance.ONLINE  # as the registration form does: an online event is attended online
    if event.mode is EventMode.IN_PERSON and attendance is Attendance.ONLINE:
        raise _CellError(_("This event takes place in person only."))
    return attendance


def _boolean(value: str, *, default: bool) -> bool:
    folded = fold(value)
    if not folded:
        return default
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise _CellError(_("Write yes or no."))


def _language(value: str) -> str:
    if not value:
        return "en"
    try:
        return _LANGUAGES[fold(value)]
    except KeyError as exc:
        raise _CellError(_("Write en (English) or vi (Vietnamese).")) from exc


def _country_for(actor, value: str) -> str:
    country = country_code(value) if value else ""
    if services.is_organiser(actor):
        return country
    if country and country != actor.country:
        raise _CellError(
            _("A focal point imports delegates of their own country (%(country)s) only.", country=actor.country)
        )
    return actor.country


def country_code(value: str) -> str:
    """The ISO 3166-1 code of a code or an English (or Vietnamese) name; raises _CellError for anything else."""
    codes, names = _countries()
    if len(value) == 2 and value.upper() in codes:
        return value.upper()
    code = names.get(fold(value))
    if code is None:
        raise _CellError(_("Unknown country: use its two-letter ISO code, such as VN, or its English name."))
    return code


@cache
def _countries() -> tuple[frozenset[str], dict[str, str]]:
    from babel import Locale

    names: dict[str, str] = {}
    codes: set[str] = set()
    for locale in ("vi", "en"):  # English last: it wins where a name means two things
        for code, name in Locale.parse(locale).territories.items():
            if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES:
                codes.add(code)
                names[fold(name)] = code
    return frozenset(codes), names | _COUNTRY_ALIASES


def _registrations_by_email(event: Event, emails: list[str]) -> dict[str, Registration]:
    """The event's registrations of these e-mail addresses, in a few queries whatever their number."""
    found: dict[str, Registration] = {}
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        statement = (
            select(Registration)
            .join(Registration.user)
            .where(Registration.event_id == event.id, User.email.in_(chunk))
            .options(contains_eager(Registration.user))
        )
        for registration in db.session.scalars(statement):
            found[registration.user.email] = registration
    return found


# Export --------------------------------------------------------------------------------------------------------


def export_rows(event: Event, actor, **filters) -> list[list]:
    """The registrations the actor may list, filtered as the list is, in the columns of EXPORT_COLUMNS."""
    check_delegation_rights(actor)
    statement = services.registrations_query(event, actor, **filters).options(joinedload(Registration.user))
    return [_export_row(registration) for registration in db.session.scalars(statement)]


def _export_row(registration: Registration) -> list:
    user = registration.user
    values = {
        "email": user.email if user is not None else "",
        "language": user.language if user is not None else "",
        "category": registration.category.value,
        "attendance": registration.attendance.value,
        "status": registration.status.value,
        "created_at": registration.created_at.isoformat() if registration.created_at else "",
    }
    return [values[name] if name in values else getattr(registration, name) for name in EXPORT_COLUMNS]


def export_file(event: Event, actor, file_format: str, filters: dict) -> tuple[bytes, str]:
    """The export as (bytes, file name), `file_format` csv or xlsx."""
    rows = export_rows(event, actor, **filters)
    name = f"registrations-{event.slug}"
    if file_format == "xlsx":
        return write_xlsx(EXPORT_COLUMNS, rows, title=_("Registrations")), f"{name}.xlsx"
    return write_csv(EXPORT_COLUMNS, rows), f"{name}.csv"


def template_file(actor) -> bytes:
    """The template to fill in: the header row and one example row, as CSV UTF-8."""
    return write_csv(IMPORT_COLUMNS, [template_row(actor)])


def template_row(actor) -> list[str]:
    """The example row of the downloadable template, with the diacritics a real delegation has."""
    example = {
        "email": "nguyen.tuong.van@example.org",
        "full_name": "Nguyễn Tường Văn",
        "category": Category.GOVERNMENT.value,
        "attendance": Attendance.IN_PERSON.value,
        "organisation": "Bộ Xây dựng",
        "job_title": "Vụ trưởng",
        "country": actor.country or "VN",
        "city": "Hà Nội",
        "dietary": "Không ăn hải sản",
        "accessibility": "",
        "consent_data_processing": "yes",
        "consent_lead_sharing": "no",
        "language": "vi",
    }
    return [example[name] for name in IMPORT_COLUMNS]
