"""Check-in under load: POST /api/v1/checkin against a baseline endpoint, under gunicorn, in the same run.

The baseline (/api/v1/bench/baseline, only with BENCH_ENDPOINTS=true) goes through the same stack (gunicorn, Flask,
bearer token and role check, body schema, SQLAlchemy, one commit) but does one indexed select and one insert. Both
are driven by the same load generator with the same number of concurrent clients, alternately, twice each.

Load generator: the asyncio HTTP/1.1 client of bench/serving.py in this process (keep-alive connections, one
coroutine per client; wrk is not installed here), which leaves the 2 cores to gunicorn and PostgreSQL.

Database: BENCH_DATABASE_URL, else TEST_DATABASE_URL (PostgreSQL; its schema is dropped and rebuilt, as the tests
do), else a SQLite file in a temporary folder. Settings: BENCH_CLIENTS (50), BENCH_SECONDS (8 per leg),
BENCH_REGISTRATIONS (3000), BENCH_WORKERS and BENCH_THREADS (gunicorn gthread: 2 x 4).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.serving import Connection, free_port, start_gunicorn, stop_gunicorn

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = int(os.environ.get("BENCH_CLIENTS", 50))
SECONDS = float(os.environ.get("BENCH_SECONDS", 8))
REGISTRATIONS = int(os.environ.get("BENCH_REGISTRATIONS", 3000))
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))
THREADS = int(os.environ.get("BENCH_THREADS", 4))
TARGET_RATIO = 0.6
TARGET_P99_MS = 50.0


def _database_url(workdir: Path) -> str:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    from sqlalchemy import create_engine, text

    from config import normalise_database_url

    url = normalise_database_url(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def _prepare(env: dict) -> dict:
    """Build the schema and the data: an event, its entrance, a check-in account's token, approved delegates."""
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    from core import create_app
    from core.auth import services as accounts
    from core.auth.models import Role, User
    from core.extensions import db
    from events import services as programme
    from events.models import EventStatus
    from registration import checkin
    from registration.badge_codes import make_code
    from registration.models import Registration, RegistrationStatus

    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "INSTANCE_DIR": env["INSTANCE_DIR"]})
    with app.app_context():
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
        staff = accounts.create_user(
            "scanner@bench.test", secrets.token_urlsafe(16), "Bench scanner", roles={Role.CHECKIN}
        )
        people = [
            User(
                email=f"d{n}@bench.test",
                full_name=f"Nguyễn Văn {n}",
                password_hash="!",  # noqa: S106 (no password: these delegates never sign in)
                security_stamp=secrets.token_hex(16),
            )
            for n in range(REGISTRATIONS)
        ]
        db.session.add_all(people)
        db.session.flush()
        registrations = [
            Registration(
                event=event,
                user_id=user.id,
                full_name=user.full_name,
                status=RegistrationStatus.APPROVED,
                consent_data_processing=True,
            )
            for user in people
        ]
        db.session.add_all(registrations)
        db.session.flush()
        token = accounts.issue_token(staff)
        codes = [make_code(event.id, registration.id, 1) for registration in registrations]
        db.session.commit()
        result = {"checkpoint_id": gate.id, "token": token, "codes": codes}
        db.engine.dispose()
    return result


async def _client(
    port: int, path: str, token: str, bodies, stop_at: float, latencies: list, failures: list, pause: float
) -> None:
    connection = Connection(port)
    while time.perf_counter() < stop_at:
        if pause:
            await asyncio.sleep(pause * (0.5 + secrets.randbelow(1000) / 1000))  # spread: no lock-step waves
        response = await connection.request("POST", path, token=token, json_body=next(bodies))
        latencies.append(response.seconds)
        if response.status != 200:
            failures.append(response.status)
    connection.close()


async def _load(port: int, path: str, token: str, bodies, seconds: float, pause: float = 0.0) -> dict:
    """CLIENTS clients for `seconds`; each sends its next request as soon as it has the answer (after `pause`)."""
    latencies: list[float] = []
    failures: list[int] = []
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(
        *(_client(port, path, token, bodies, stop_at, latencies, failures, pause) for _ in range(CLIENTS))
    )
    elapsed = time.perf_counter() - started
    return {"latencies": latencies, "failures": failures, "elapsed": elapsed}


def _summary(legs: list[dict]) -> dict:
    latencies = sorted(latency for leg in legs for latency in leg["latencies"])
    quantiles = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "rps": len(latencies) / sum(leg["elapsed"] for leg in legs),
        "p50_ms": quantiles[49] * 1000,
        "p99_ms": quantiles[98] * 1000,
        "requests": len(latencies),
        "failures": sum(len(leg["failures"]) for leg in legs),
    }


def _bodies(kind: str, checkpoint_id: int, codes: list[str]):
    """Endless request bodies; the check-in walks through the badges, so most scans are first admissions."""
    number = 0
    while True:
        code = codes[number % len(codes)]
        if kind == "checkin":
            yield {"code": code, "checkpoint_id": checkpoint_id, "device_id": "bench", "nonce": f"n{number}"}
        else:
            yield {"code": code, "checkpoint_id": checkpoint_id}
        number += 1


def run(report) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="ascn-bench-"))
    server = None
    try:
        database_url = _database_url(workdir)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "INSTANCE_DIR": str(workdir / "instance"),
            "BENCH_ENDPOINTS": "true",
            "PYTHONPATH": str(ROOT),
        }
        backend = database_url.split(":", 1)[0]
        print(f"  database: {backend}; {CLIENTS} clients; gunicorn gthread {WORKERS}x{THREADS}; {SECONDS:g} s per leg")
        data = _prepare(env)
        port = free_port()
        server = start_gunicorn(env, port, workers=WORKERS, threads=THREADS)
        paths = {"baseline": "/api/v1/bench/baseline", "checkin": "/api/v1/checkin"}
        bodies = {kind: _bodies(kind, data["checkpoint_id"], data["codes"]) for kind in paths}
        legs: dict[str, list[dict]] = {kind: [] for kind in paths}
        for kind, path in paths.items():  # warm-up: connections, pools, caches
            asyncio.run(_load(port, path, data["token"], bodies[kind], 1.5))
        for _round in range(2):
            for kind, path in paths.items():
                legs[kind].append(asyncio.run(_load(port, path, data["token"], bodies[kind], SECONDS)))
        baseline, checkin = _summary(legs["baseline"]), _summary(legs["checkin"])
        # Saturated clients measure queueing (Little's law: latency = clients / throughput). The doors' real load is
        # lighter: the same 50 clients, paced to offer half the baseline's capacity, measure the service time.
        pause = CLIENTS / (0.5 * baseline["rps"])
        paced = {
            kind: _summary([asyncio.run(_load(port, path, data["token"], bodies[kind], SECONDS, pause))])
            for kind, path in paths.items()
        }
        for kind, figures in (("baseline", baseline), ("checkin", checkin)):
            print(f"  {kind}: {figures['requests']} requests, {figures['failures']} not 200")
        ratio = checkin["rps"] / baseline["rps"]
        report.add(
            f"check-in requests/s ({backend})",
            checkin["rps"],
            "req/s",
            baseline=baseline["rps"],
            baseline_name="select + insert endpoint",
            target=f">= {TARGET_RATIO:.0%} of baseline",
            met=ratio >= TARGET_RATIO and checkin["failures"] == 0,
        )
        report.add(
            f"check-in p50 ({backend})",
            checkin["p50_ms"],
            "ms",
            baseline=baseline["p50_ms"],
            baseline_name="baseline p50",
        )
        report.add(
            f"check-in p99 ({backend})",
            checkin["p99_ms"],
            "ms",
            baseline=baseline["p99_ms"],
            baseline_name="baseline p99",
            target=f"< {TARGET_P99_MS:g} ms",
            met=checkin["p99_ms"] < TARGET_P99_MS,
        )
        report.add(
            f"check-in p99 at half the baseline's capacity, {paced['checkin']['rps']:.0f} req/s ({backend})",
            paced["checkin"]["p99_ms"],
            "ms",
            baseline=paced["baseline"]["p99_ms"],
            baseline_name="baseline p99, same pace",
            target=f"< {TARGET_P99_MS:g} ms",
            met=paced["checkin"]["p99_ms"] < TARGET_P99_MS and paced["checkin"]["failures"] == 0,
        )
    finally:
        if server is not None:
            stop_gunicorn(server)
        shutil.rmtree(workdir, ignore_errors=True)
