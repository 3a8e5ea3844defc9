"""The participation report for the ASCN Monitoring and Evaluation Framework: counts by state, category, member
state, city and workshop, with fill rates. Two grouped queries, whatever the number of registrations."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from core.extensions import db
from core.i18n import country_name
from core.reference import ASCN_CITIES, ASEAN_COUNTRIES
from events.models import Event, ProgrammeSession, SessionKind, SessionStatus
from registration.models import CATEGORY_LABELS, Attendance, Category, Registration, RegistrationStatus, Signup

STATES = list(RegistrationStatus)
ASCN_CITY_NAMES = {city.casefold() for cities in ASCN_CITIES.values() for city in cities}


@dataclass
class Row:
    """One line of a table: counts by state; `registered` is pending + approved (they hold or await a seat)."""

    key: str
    label: str
    counts: Counter = field(default_factory=Counter)

    @property
    def registered(self) -> int:
        return self.counts[RegistrationStatus.PENDING] + self.counts[RegistrationStatus.APPROVED]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class WorkshopRow:
    session: ProgrammeSession
    confirmed: int
    waitlisted: int

    @property
    def fill_rate(self) -> float | None:
        capacity = self.session.capacity
        return self.confirmed / capacity if capacity else None


@dataclass
class ParticipationReport:
    event: Event
    overall: Row
    in_person: int
    online: int
    by_category: list[Row]
    by_country: list[Row]
    by_city: list[Row]
    workshops: list[WorkshopRow]

    @property
    def seat_fill_rate(self) -> float | None:
        return self.event.seats_taken / self.event.capacity if self.event.capacity else None


def participation_report(event: Event) -> ParticipationReport:
    """Count the event's registrations by state in every grouping the M&E framework asks for."""
    grouped = db.session.execute(
        select(
            Registration.category,
            Registration.country,
            Registration.city,
            Registration.attendance,
            Registration.status,
            func.count(Registration.id),
        )
        .where(Registration.event_id == event.id)
        .group_by(
            Registration.category,
            Registration.country,
            Registration.city,
            Registration.attendance,
            Registration.status,
        )
    ).all()
    overall = Row("all", "")
    categories: dict[Category, Row] = {c: Row(c.value, str(CATEGORY_LABELS[c])) for c in Category}
    countries: dict[str, Row] = {}
    cities: dict[tuple[str, str], Row] = {}
    attendance = Counter()
    for category, country, city, mode, status, count in grouped:
        overall.counts[status] += count
        categories[category].counts[status] += count
        countries.setdefault(country or "", Row(country or "", country_name(country) or "—")).counts[status] += count
        city_key = (country or "", (city or "").strip())
        if city_key[1]:
            cities.setdefault(city_key, Row(city_key[1], city_key[1])).counts[status] += count
        if status in (RegistrationStatus.PENDING, RegistrationStatus.APPROVED):
            attendance[mode] += count
    return ParticipationReport(
        event=event,
        overall=overall,
        in_person=attendance[Attendance.IN_PERSON],
        online=attendance[Attendance.ONLINE],
        by_category=[row for row in categories.values() if row.total],
        by_country=sorted(countries.values(), key=_country_order),
        by_city=sorted(cities.values(), key=lambda row: (row.label.casefold() not in ASCN_CITY_NAMES, row.label)),
        workshops=_workshops(event),
    )


def _country_order(row: Row) -> tuple:
    # ASEAN member states first, in their usual order; then the others by name; "not given" last.
    if row.key in ASEAN_COUNTRIES:
        return (0, ASEAN_COUNTRIES.index(row.key), "")
    return (1 if row.key else 2, 0, row.label)


def _workshops(event: Event) -> list[WorkshopRow]:
    sessions = db.session.scalars(
        select(ProgrammeSession)
        .where(
            ProgrammeSession.event_id == event.id,
            ProgrammeSession.kind == SessionKind.WORKSHOP,
            ProgrammeSession.status != SessionStatus.DRAFT,
        )
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.title)
    ).all()
    counts: dict[int, Counter] = defaultdict(Counter)
    for session_id, status, count in db.session.execute(
        select(Signup.session_id, Signup.status, func.count(Signup.id))
        .where(Signup.session_id.in_([s.id for s in sessions]))
        .group_by(Signup.session_id, Signup.status)
    ):
        counts[session_id][status.value] = count
    return [WorkshopRow(s, counts[s.id]["confirmed"], counts[s.id]["waitlisted"]) for s in sessions]


def report_csv(report: ParticipationReport, overall_label: str) -> str:
    """The report as one CSV table, a section per grouping; UTF-8 with BOM so that Excel keeps the diacritics."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["section", "key", "label", "registered", *(s.value for s in STATES), "total"]
        + ["confirmed", "waitlisted_signups", "capacity", "fill_rate"]
    )

    def rate(value: float | None) -> str:
        return f"{value:.3f}" if value is not None else ""

    def state_row(section: str, row: Row, tail: list) -> list:
        return [section, row.key, row.label, row.registered, *(row.counts[s] for s in STATES), row.total, *tail]

    event = report.event
    writer.writerow(
        state_row("overall", Row("all", overall_label, report.overall.counts), ["", "", event.capacity or ""])
        + [rate(report.seat_fill_rate)]
    )
    for section, rows in (("category", report.by_category), ("country", report.by_country), ("city", report.by_city)):
        writer.writerows(state_row(section, row, ["", "", "", ""]) for row in rows)
    blanks = [""] * (len(STATES) + 2)
    for workshop in report.workshops:
        session = workshop.session
        writer.writerow(
            ["workshop", session.id, session.title, *blanks, workshop.confirmed, workshop.waitlisted]
            + [session.capacity or "", rate(workshop.fill_rate)]
        )
    return "\ufeff" + out.getvalue()
