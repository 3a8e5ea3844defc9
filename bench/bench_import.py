"""Spreadsheet import: 1,000 new delegates from one CSV, then the same file again (1,000 updates).

The target (issue 4): a 1,000-row import in a few seconds. The baseline, measured in the same run, is the import
as it would be if every new account still had a random password hashed (scrypt, werkzeug's default): the import's
own time plus 1,000 times one hash, timed on 20 hashes. SQLite always; PostgreSQL too when the bench database is
PostgreSQL (BENCH_DATABASE_URL, which `python -m bench` sets). BENCH_RUNS rounds (3), each into an event of its own
with addresses of its own, so every round does the same work; every figure is the median. BENCH_IMPORT_ROWS (1,000)
shrinks it for the smoke test.
"""

from __future__ import annotations

import csv
import io
import secrets
import time
from datetime import date

from bench.harness import bench_app, median, postgres_url, setting, workspace

TARGET_SECONDS_PER_1000 = 10.0
NAMES = ["Nguyễn Tường Văn", "Lê Hoàng Trung", "Dato Lim Jock Hoi", "Trần Thị Đoan Trang", "Siti Nurhaliza"]
COUNTRIES = ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"]


def _csv(rows: int, job_title: str, prefix: str) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        ["email", "full_name", "organisation", "job_title", "country", "consent_data_processing", "language"]
    )
    for number in range(rows):
        name, country = NAMES[number % len(NAMES)], COUNTRIES[number % len(COUNTRIES)]
        language = "vi" if country == "VN" else "en"
        writer.writerow([f"{prefix}{number}@ascn.example.org", name, "Bộ Xây dựng", job_title, country, "có", language])
    return ("\ufeff" + buffer.getvalue()).encode()


def _timed(work):
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def _one_round(app, organiser, number: int, rows: int, statements: dict) -> dict:
    """Import `rows` new delegates into a new event, then the same file with another job title; the timings."""
    from core.extensions import db
    from events.models import ApprovalMode, EventMode, EventStatus
    from events.services import create_event
    from registration.sheet_import import import_registrations

    event = create_event(
        {
            "slug": f"ascn-2030-{number}",
            "name": "ASCN Annual Meeting",
            "starts_on": date(2030, 12, 2),
            "ends_on": date(2030, 12, 4),
            "timezone": "Asia/Ho_Chi_Minh",
            "country": "VN",
            "mode": EventMode.HYBRID,
            "status": EventStatus.PUBLISHED,
            "approval": ApprovalMode.MODERATED,
        }
    )
    db.session.commit()

    def import_and_commit(data: bytes):
        with app.test_request_context():
            result = import_registrations(event, organiser, data)
            db.session.commit()
            return result

    prefix = f"r{number}-"
    statements["count"] = 0
    created_wall, created_cpu, result = _timed(lambda: import_and_commit(_csv(rows, "Chuyên viên", prefix)))
    assert (result.created, result.updated) == (rows, 0), result  # noqa: S101 (a bench that measured nothing)
    created_statements = statements["count"]
    statements["count"] = 0
    updated_wall, _cpu, result = _timed(lambda: import_and_commit(_csv(rows, "Phó Vụ trưởng", prefix)))
    assert (result.created, result.updated) == (0, rows), result  # noqa: S101
    return {
        "created_wall": created_wall,
        "created_cpu": created_cpu,
        "created_statements": created_statements / rows,
        "updated_wall": updated_wall,
        "updated_statements": statements["count"] / rows,
    }


def _run_on(report, *, sqlite: bool) -> None:
    from sqlalchemy import event as sa_event
    from werkzeug.security import generate_password_hash

    from core.auth.models import Role
    from core.auth.services import create_user
    from core.extensions import db

    rows, rounds = setting("IMPORT_ROWS", 1_000), setting("RUNS", 3)
    limit = TARGET_SECONDS_PER_1000 * rows / 1000
    with workspace() as workdir, bench_app(workdir, sqlite=sqlite, SERVER_NAME="summit.test") as (app, url):
        label = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        organiser = create_user("secretariat@moc.gov.vn", "bench-password", "Lê Hoàng Trung", roles={Role.ORGANISER})
        db.session.commit()
        statements = {"count": 0}

        def count(*args):
            statements["count"] += 1

        sa_event.listen(db.engine, "before_cursor_execute", count)
        results, hashes = [], []
        samples = min(rows, 20)
        for number in range(rounds):
            results.append(_one_round(app, organiser, number, rows, statements))
            hashing = _timed(lambda: [generate_password_hash(secrets.token_urlsafe(24)) for _ in range(samples)])[0]
            hashes.append(hashing / samples)
        sa_event.remove(db.engine, "before_cursor_execute", count)

    def runs(key: str) -> list[float]:
        return [result[key] for result in results]

    created = median(runs("created_wall"))
    report.add(
        f"{label}: {rows:,} new delegates, wall",
        created,
        "s",
        baseline=created + rows * median(hashes),
        baseline_name="with a password hash per new account",
        target=f"< {limit:g} s",
        met=created < limit,
        runs=runs("created_wall"),
    )
    report.add(f"{label}: {rows:,} new delegates, CPU of this process", median(runs("created_cpu")), "s")
    report.add(f"{label}: SQL statements per new delegate", median(runs("created_statements")), "statements")
    updated = median(runs("updated_wall"))
    report.add(
        f"{label}: the same {rows:,} again (updates), wall",
        updated,
        "s",
        target=f"< {limit:g} s",
        met=updated < limit,
        runs=runs("updated_wall"),
    )
    report.add(f"{label}: SQL statements per updated delegate", median(runs("updated_statements")), "statements")


def run(report) -> None:
    _run_on(report, sqlite=True)
    if postgres_url():
        _run_on(report, sqlite=False)
