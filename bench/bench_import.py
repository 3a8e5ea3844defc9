"""Spreadsheet import: 1,000 new delegates from one CSV, then the same file again (1,000 updates).

The target (issue 4): a 1,000-row import in a few seconds. The baseline, measured in the same run, is the import
as it would be if every new account still had a random password hashed (scrypt, werkzeug's default): the import's
own time plus 1,000 times one hash, timed on 20 hashes. SQLite always; PostgreSQL too when BENCH_IMPORT_DATABASE_URL
names a database whose public schema may be dropped.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
import tempfile
import time
from datetime import date

ROWS = 1_000
TARGET_SECONDS = 10.0
NAMES = ["Nguyễn Tường Văn", "Lê Hoàng Trung", "Dato Lim Jock Hoi", "Trần Thị Đoan Trang", "Siti Nurhaliza"]
COUNTRIES = ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"]


def _csv(job_title: str) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        ["email", "full_name", "organisation", "job_title", "country", "consent_data_processing", "language"]
    )
    for number in range(ROWS):
        name, country = NAMES[number % len(NAMES)], COUNTRIES[number % len(COUNTRIES)]
        language = "vi" if country == "VN" else "en"
        writer.writerow([f"d{number}@ascn.example.org", name, "Bộ Xây dựng", job_title, country, "có", language])
    return ("\ufeff" + buffer.getvalue()).encode()


def _timed(work):
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _run_on(report, label: str, database_url: str, instance: str) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import event as sa_event
    from werkzeug.security import generate_password_hash

    from core import create_app
    from core.auth.models import Role
    from core.auth.services import create_user
    from core.extensions import db
    from events.models import ApprovalMode, EventMode, EventStatus
    from events.services import create_event
    from registration.sheet_import import import_registrations

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_DIR": instance, "SERVER_NAME": "summit.test"})
    with app.app_context():
        upgrade()
        organiser = create_user("secretariat@moc.gov.vn", "bench-password", "Lê Hoàng Trung", roles={Role.ORGANISER})
        event = create_event(
            {
                "slug": "ascn-2020",
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
        statements = {"count": 0}

        def count(*args):
            statements["count"] += 1

        sa_event.listen(db.engine, "before_cursor_execute", count)

        def import_and_commit(data: bytes):
            with app.test_request_context():
                result = import_registrations(event, organiser, data)
                db.session.commit()
                return result

        wall, cpu, result = _timed(lambda: import_and_commit(_csv("Chuyên viên")))
        assert (result.created, result.updated) == (ROWS, 0), result  # noqa: S101 (a bench that measured nothing)
        per_row = statements["count"] / ROWS
        hash_seconds = _timed(lambda: [generate_password_hash(secrets.token_urlsafe(24)) for _ in range(20)])[0] / 20
        report.add(
            f"{label}: 1,000 new delegates, wall",
            wall,
            "s",
            baseline=wall + ROWS * hash_seconds,
            baseline_name="with a password hash per new account",
            target=f"< {TARGET_SECONDS:g} s",
            met=wall < TARGET_SECONDS,
        )
        report.add(f"{label}: 1,000 new delegates, CPU of this process", cpu, "s")
        report.add(f"{label}: SQL statements per new delegate", per_row, "statements")

        statements["count"] = 0
        wall, cpu, result = _timed(lambda: import_and_commit(_csv("Phó Vụ trưởng")))
        assert (result.created, result.updated) == (0, ROWS), result  # noqa: S101
        report.add(
            f"{label}: the same 1,000 again (updates), wall",
            wall,
            "s",
            target=f"< {TARGET_SECONDS:g} s",
            met=wall < TARGET_SECONDS,
        )
        report.add(f"{label}: SQL statements per updated delegate", statements["count"] / ROWS, "statements")
        sa_event.remove(db.engine, "before_cursor_execute", count)
        db.session.remove()
        db.engine.dispose()


def run(report) -> None:
    with tempfile.TemporaryDirectory() as instance:
        _run_on(report, "SQLite", f"sqlite:///{instance}/bench.sqlite3", instance)
        postgres = os.environ.get("BENCH_IMPORT_DATABASE_URL")
        if postgres:
            from config import normalise_database_url

            postgres = normalise_database_url(postgres)
            _reset_postgres(postgres)
            _run_on(report, "PostgreSQL", postgres, instance)
