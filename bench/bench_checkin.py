"""Check-in at the doors: POST /api/v1/checkin by 50 scanners under gunicorn, against the baseline endpoint.

The baseline (/api/v1/bench/baseline, registration/checkin_bench.py, only with BENCH_ENDPOINTS=true) goes through
the same stack (gunicorn, Flask, bearer token and role check, body schema, SQLAlchemy, one commit) with the same
token and checkpoint, but does one indexed select and one insert. The legs alternate, BENCH_RUNS times each.

Two loads. Saturated: every scanner sends its next scan as soon as it has the answer, which measures capacity;
its latency is queueing (Little's law: 50 clients / throughput). Paced: every scanner scans about once per
BENCH_SCAN_INTERVAL seconds (1 s: faster than people walk through a door), which measures what a delegate at the
door waits for. Targets (issue 7): the check-in at least 60% of the baseline's requests/s, p99 under 50 ms.

Data: BENCH_BADGES approved registrations (20,000); the scans walk through them, so nearly all are first
admissions, the check-in's most expensive answer (the admission row is written).
"""

from __future__ import annotations

import secrets
from datetime import date

from bench.harness import (
    alternate,
    backend_of,
    baseline_requests,
    bench_app,
    gunicorn,
    post_json,
    report_cpu_shares,
    report_legs,
    seed_people,
    setting,
    workspace,
)

TARGET_RATIO = 0.6
TARGET_P99_MS = 50.0


def _seed(count: int) -> dict:
    """An event, its entrance, a scanner's token and `count` approved delegates; committed."""
    from sqlalchemy import insert

    from core.auth import services as accounts
    from core.auth.models import Role
    from core.extensions import db
    from events import services as programme
    from events.models import EventStatus
    from registration import checkin
    from registration.badge_codes import make_code
    from registration.models import Registration, RegistrationStatus
    from registration.search import fold

    event = programme.create_event(
        {
            "slug": "bench-summit",
            "name": "Bench summit",
            "starts_on": date(2020, 12, 2),
            "ends_on": date(2020, 12, 4),
            "timezone": "Asia/Ho_Chi_Minh",
            "status": EventStatus.PUBLISHED,
        }
    )
    gate = checkin.create_checkpoint(event, {"name": "Main entrance"})
    staff = accounts.create_user("scanner@bench.test", secrets.token_urlsafe(16), "Bench scanner", roles={Role.CHECKIN})
    token = accounts.issue_token(staff)
    people = seed_people(count, "door")
    rows = [
        {
            "event_id": event.id,
            "user_id": user_id,
            "full_name": f"Nguyễn Tường Văn {number}",
            "search_text": fold(f"Nguyễn Tường Văn {number}"),
            "status": RegistrationStatus.APPROVED,
            "consent_data_processing": True,
        }
        for number, user_id in enumerate(people)
    ]
    ids = db.session.scalars(insert(Registration).returning(Registration.id, sort_by_parameter_order=True), rows)
    codes = [make_code(event.id, registration_id, 1) for registration_id in ids]
    db.session.commit()
    return {"checkpoint_id": gate.id, "token": token, "codes": codes}


def _scans(checkpoint_id: int, codes: list[str], token: str):
    """Endless scans, each with its own nonce, walking through the badges."""
    number = 0
    while True:
        body = {
            "code": codes[number % len(codes)],
            "checkpoint_id": checkpoint_id,
            "device_id": f"door-{number % 50}",
            "nonce": f"n{number}",
        }
        yield post_json("/api/v1/checkin", body, token)
        number += 1


def run(report) -> None:
    badges = setting("BADGES", 20_000)
    interval = setting("SCAN_INTERVAL", 1.0)
    with workspace() as workdir, bench_app(workdir) as (_app, url):
        data = _seed(badges)
        backend = backend_of(url)
        with gunicorn(workdir, url) as server:
            print(f"  {backend}, {badges} approved badges")
            subjects = {
                "baseline": baseline_requests(data["checkpoint_id"], data["codes"], data["token"]),
                "check-in": _scans(data["checkpoint_id"], data["codes"], data["token"]),
            }
            print("  saturated: every scanner scans again as soon as it has the answer")
            saturated = alternate(server, subjects)
            print(f"  paced: every scanner scans about once per {interval:g} s")
            paced = alternate(server, subjects, think=interval)
        baseline_name = "select + insert endpoint"
        report_legs(
            report,
            f"check-in, saturated ({backend})",
            saturated["check-in"],
            saturated["baseline"],
            baseline_name=baseline_name,
            min_ratio=TARGET_RATIO,
            max_p99_ms=TARGET_P99_MS,
        )
        report_cpu_shares(report, "check-in, saturated", saturated["check-in"])
        report_legs(
            report,
            f"check-in, one scan per scanner per {interval:g} s ({backend})",
            paced["check-in"],
            paced["baseline"],
            baseline_name=baseline_name,
            max_p99_ms=TARGET_P99_MS,
        )
