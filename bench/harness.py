"""What the HTTP benches share: their database, a gunicorn server, the load generator, legs alternated with the
baseline and the median of 3 runs, and where the machine's CPU went meanwhile.

Load generator: clients of bench/serving.py's asyncio HTTP/1.1 connection (the same client as the load and fault
tests), one coroutine each, in the bench's own process. wrk is not installed here, and an asyncio client costs tens
of microseconds of CPU per request, so on a 2-core machine it leaves the cores to gunicorn and PostgreSQL instead
of competing with them as a thread per client would. What it does cost is measured and reported with the figures.

Settings (environment): BENCH_DATABASE_URL (set by `python -m bench`: a scratch PostgreSQL database; unset or
`sqlite`: a SQLite file per bench), BENCH_CLIENTS (50), BENCH_SECONDS (8 per leg), BENCH_WARMUP (1.5 s per subject
before its legs, not measured), BENCH_RUNS (3), BENCH_WORKERS and BENCH_THREADS (gunicorn gthread 4 x 2, as
docs/deploy.md recommends).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from bench.serving import Connection, ConnectionLost, free_port, start_gunicorn, stop_gunicorn, worker_pids

ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")


def setting(name: str, default: float) -> float:
    """A number from the environment (BENCH_<NAME>), read when a bench runs, so a test can shrink it."""
    value = os.environ.get(f"BENCH_{name}")
    return type(default)(value) if value else default


# The database ------------------------------------------------------------------------------------------------


def postgres_url() -> str | None:
    """BENCH_DATABASE_URL when it names a PostgreSQL database; `sqlite` (or nothing) means a SQLite file per bench."""
    url = os.environ.get("BENCH_DATABASE_URL") or ""
    return url if url.startswith("postgres") else None


def database_url(workdir: Path, *, sqlite: bool = False) -> str:
    """The bench's database, emptied: the PostgreSQL one of BENCH_DATABASE_URL (its public schema is dropped),
    else (or when `sqlite`) a new SQLite file."""
    url = None if sqlite else postgres_url()
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


def backend_of(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


@contextmanager
def bench_app(workdir: Path, *, sqlite: bool = False, **overrides):
    """(app, database URL) on an empty, migrated database (see database_url), inside an app context; the pool
    closed after."""
    from flask_migrate import upgrade

    from core import create_app
    from core.extensions import db

    url = database_url(workdir, sqlite=sqlite)
    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_DIR": str(workdir / "instance"),
        "BASE_URL": "http://bench.test",
    }
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).write_bytes(_migrated_sqlite())
    app = create_app(config | overrides)
    with app.app_context():
        if not url.startswith("sqlite"):
            _quietly(upgrade)
        try:
            yield app, url
        finally:
            db.session.remove()
            db.engine.dispose()


@cache
def _migrated_sqlite() -> bytes:
    """An empty SQLite database built by the migrations, once per process: every SQLite bench starts from a copy
    (the migrations take a second or two each time, which the smoke test of the benches would pay five times)."""
    from flask_migrate import upgrade

    from core import create_app
    from core.extensions import db

    with workspace() as workdir:
        path = workdir / "template.sqlite3"
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "INSTANCE_DIR": str(workdir / "instance")})
        with app.app_context():
            _quietly(upgrade)
            db.engine.dispose()
        return path.read_bytes()


def _quietly(migrate) -> None:
    """Run the migrations without their INFO lines (alembic's logging configuration sets its own levels)."""
    logging.disable(logging.INFO)
    try:
        migrate()
    finally:
        logging.disable(logging.NOTSET)


@contextmanager
def workspace():
    """A temporary folder for the database file and the instance folder (secrets shared with gunicorn)."""
    workdir = Path(tempfile.mkdtemp(prefix="ascn-bench-"))
    try:
        yield workdir
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# gunicorn ----------------------------------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    database_name: str  # whose PostgreSQL backends count as the bench's CPU

    def pids(self) -> list[int]:
        """The master and its workers."""
        return [self.process.pid, *worker_pids(self.process)]


@contextmanager
def gunicorn(workdir: Path, url: str):
    """gunicorn serving wsgi:app on a free loopback port, with the bench endpoints, until the block ends."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "INSTANCE_DIR": str(workdir / "instance"),
        "BASE_URL": "http://bench.test",
        "BENCH_ENDPOINTS": "true",
        "PYTHONPATH": str(ROOT),
    }
    port = free_port()
    workers, threads = setting("WORKERS", 4), setting("THREADS", 2)
    print(f"  gunicorn gthread, {workers} workers x {threads} threads, 127.0.0.1:{port}")
    process = start_gunicorn(env, port, workers=workers, threads=threads)
    try:
        yield Server(process, port, url.rsplit("/", 1)[-1].split("?")[0])
    finally:
        # The legs are over: a quick shutdown (SIGQUIT), not the graceful one that waits out the workers' loop.
        if process.poll() is None:
            process.send_signal(signal.SIGQUIT)
        stop_gunicorn(process)
        if process.stderr is not None:  # stop_gunicorn has read it; the pipe is ours to close
            process.stderr.close()


# Requests ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: dict | None = None  # sent as JSON
    token: str | None = None


def post_json(path: str, payload: dict, token: str | None = None) -> Request:
    return Request("POST", path, payload, token)


def endless(request: Request) -> Iterator[Request]:
    while True:
        yield request


def baseline_requests(checkpoint_id: int, codes: list[str], token: str) -> Iterator[Request]:
    """The reference (registration/checkin_bench.py): one indexed select and one insert per request, endlessly."""
    number = 0
    while True:
        body = {"code": codes[number % len(codes)], "checkpoint_id": checkpoint_id}
        yield post_json("/api/v1/bench/baseline", body, token)
        number += 1


# The load generator ------------------------------------------------------------------------------------------


@dataclass
class Leg:
    """One leg: `clients` clients against one kind of request for a while."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    received: int = 0  # bytes of the answers' bodies
    elapsed: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds by consumer, and the leg's capacity
    ran_out: bool = False  # the requests were used up before the time was

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed

    def quantile_ms(self, q: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[q - 1] * 1000

    @property
    def failures(self) -> int:
        return sum(count for status, count in self.statuses.items() if not 200 <= status < 300)


async def _client(port: int, requests: Iterator[Request], stop_at: float, leg: Leg, think: float) -> None:
    """Send a request, read the whole answer, think (a scanner's pace), again, on one keep-alive connection."""
    connection = Connection(port)
    while time.perf_counter() < stop_at:
        if think:
            # Spread around the mean so the clients do not move in lock-step waves.
            await asyncio.sleep(think * (0.5 + random.random()))  # noqa: S311 (timing jitter, not a secret)
        try:
            request = next(requests)
        except StopIteration:
            leg.ran_out = True
            break
        try:
            answer = await connection.request(request.method, request.path, token=request.token, json_body=request.body)
        except ConnectionLost:
            leg.statuses[0] += 1  # no answer at all: counted as a failure, never as a latency
            continue
        leg.latencies.append(answer.seconds)
        leg.statuses[answer.status] += 1
        leg.received += len(answer.body)
    connection.close()


def drive(server: Server, requests: Iterator[Request], seconds: float, clients: int, think: float = 0.0) -> Leg:
    """`clients` clients for `seconds`; each sends its next request once it has the answer (and has thought)."""

    async def all_clients(leg: Leg) -> None:
        stop_at = time.perf_counter() + seconds
        await asyncio.gather(*(_client(server.port, requests, stop_at, leg, think) for _ in range(clients)))

    leg = Leg()
    meter = CpuMeter(server)
    started = time.perf_counter()
    asyncio.run(all_clients(leg))
    leg.elapsed = time.perf_counter() - started
    leg.cpu = meter.stop(leg.elapsed)
    return leg


def alternate(
    server: Server,
    subjects: dict[str, Iterator[Request]],
    *,
    clients: int | None = None,
    seconds: float | None = None,
    think: float = 0.0,
) -> dict[str, list[Leg]]:
    """BENCH_RUNS rounds; in each, one leg per subject in turn (the baseline among them), after one warm-up each.

    Alternating spreads whatever else the machine is doing over every subject alike.
    """
    clients = clients or setting("CLIENTS", 50)
    seconds = seconds or setting("SECONDS", 8.0)
    warm_up = setting("WARMUP", 1.5)
    for requests in subjects.values():  # connections, pools, caches, the first template compile: not measured
        if warm_up:
            drive(server, requests, warm_up, clients, think)
    legs: dict[str, list[Leg]] = {name: [] for name in subjects}
    for _round in range(setting("RUNS", 3)):
        for name, requests in subjects.items():
            legs[name].append(drive(server, requests, seconds, clients, think))
    for name, runs in legs.items():
        answered = sum(len(leg.latencies) for leg in runs)
        statuses = sum((leg.statuses for leg in runs), Counter())
        note = "  (requests used up before the time: raise the data size)" if any(leg.ran_out for leg in runs) else ""
        print(f"    {name}: {answered} answers, statuses {dict(sorted(statuses.items()))}{note}")
    return legs


# Where the CPU went ------------------------------------------------------------------------------------------


def _read_stat(pid: str) -> tuple[str, int, int] | None:
    """(command, parent pid, CPU ticks) of a process, or None when it has gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    command = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    return command, int(fields[1]), int(fields[11]) + int(fields[12])


def _postgres_backends(database: str) -> dict[str, int]:
    """CPU ticks of the PostgreSQL backends serving `database` (their command line names it)."""
    ticks = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command_line = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if command_line.startswith(b"postgres: ") and f" {database} ".encode() in command_line:
            stat = _read_stat(entry.name)
            if stat is not None:
                ticks[entry.name] = stat[2]
    return ticks


def _machine_ticks() -> tuple[int, int]:
    """(busy, all) CPU ticks of the whole machine."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return sum(values) - idle, sum(values)


class CpuMeter:
    """CPU seconds of the load generator (this process), gunicorn, the bench database's PostgreSQL backends and
    everything else on the machine (other work, which the figures cannot control), between start and stop."""

    def __init__(self, server: Server):
        self.server = server
        self.own = os.times()
        self.app = self._app_ticks()
        self.database = _postgres_backends(server.database_name)
        self.machine = _machine_ticks()

    def _app_ticks(self) -> int:
        return sum(stat[2] for pid in self.server.pids() if (stat := _read_stat(str(pid))) is not None)

    def stop(self, elapsed: float) -> dict[str, float]:
        own = os.times()
        database_now = _postgres_backends(self.server.database_name)
        busy = (_machine_ticks()[0] - self.machine[0]) / TICKS
        load_generator = own.user + own.system - self.own.user - self.own.system
        app = (self._app_ticks() - self.app) / TICKS
        database = sum(ticks - self.database.get(pid, 0) for pid, ticks in database_now.items()) / TICKS
        return {
            "load_generator": load_generator,
            "gunicorn": app,
            "postgres": database,
            "other": max(busy - load_generator - app - database, 0.0),
            "capacity": elapsed * (os.cpu_count() or 1),
        }


# Figures -----------------------------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values)


def report_legs(
    report,
    label: str,
    legs: list[Leg],
    baseline: list[Leg] | None = None,
    *,
    baseline_name: str = "",
    min_ratio: float | None = None,
    max_p99_ms: float | None = None,
    sizes: bool = False,
) -> None:
    """Requests/s, p50, p99 and the server's CPU per request of `legs` (and the size of an answer), each the median
    of its runs, beside the baseline's; a target is missed too when any answer was not 2xx."""
    clean = all(leg.failures == 0 for leg in legs)
    if not clean:  # a figure of its own, so that nobody reads the others without seeing it
        failures = [leg.failures for leg in legs]
        report.add(f"{label}: answers not 2xx", sum(failures), "answers", runs=failures, target="none", met=False)

    def add(name: str, unit: str, measure: Callable[[Leg], float], **target) -> None:
        runs = [measure(leg) for leg in legs]
        base = median([measure(leg) for leg in baseline]) if baseline else None
        report.add(
            f"{label}: {name}", median(runs), unit, baseline=base, baseline_name=baseline_name, runs=runs, **target
        )

    ratio_target = {}
    if min_ratio is not None and baseline:
        met = median([leg.rps for leg in legs]) >= min_ratio * median([leg.rps for leg in baseline]) and clean
        ratio_target = {"target": f">= {min_ratio:.0%} of baseline", "met": met}
    add("requests/s", "req/s", lambda leg: leg.rps, **ratio_target)
    add("p50", "ms", lambda leg: leg.quantile_ms(50))
    p99_target = {}
    if max_p99_ms is not None:
        p99_target = {
            "target": f"< {max_p99_ms:g} ms",
            "met": median([leg.quantile_ms(99) for leg in legs]) < max_p99_ms and clean,
        }
    add("p99", "ms", lambda leg: leg.quantile_ms(99), **p99_target)
    add("gunicorn CPU per request", "ms", lambda leg: leg.cpu["gunicorn"] / max(len(leg.latencies), 1) * 1000)
    if legs[0].cpu.get("postgres"):
        add("PostgreSQL CPU per request", "ms", lambda leg: leg.cpu["postgres"] / max(len(leg.latencies), 1) * 1000)
    if sizes:
        add("answer size", "kB", lambda leg: leg.received / max(len(leg.latencies), 1) / 1000)


def report_cpu_shares(report, label: str, legs: list[Leg]) -> None:
    """Who had the machine's cores during the legs: what leaves the app less than both cores."""
    for consumer in ("load_generator", "gunicorn", "postgres", "other"):
        runs = [leg.cpu[consumer] / leg.cpu["capacity"] * 100 for leg in legs]
        report.add(f"{label}: CPU share, {consumer.replace('_', ' ')}", median(runs), "%", runs=runs)


# The baseline's data -----------------------------------------------------------------------------------------


def seed_baseline(event=None) -> Iterator[Request]:
    """A checkpoint (of `event`, or of an event of its own) and a check-in account's token: the baseline's
    requests, committed."""
    import secrets
    from datetime import date

    from core.auth import services as accounts
    from core.auth.models import Role
    from core.extensions import db
    from events import services as programme
    from events.models import EventStatus
    from registration import checkin

    if event is None:
        dates = {"starts_on": date(2020, 12, 2), "ends_on": date(2020, 12, 4), "timezone": "Asia/Ho_Chi_Minh"}
        event = programme.create_event(
            {"slug": "bench-baseline", "name": "Baseline", "status": EventStatus.PUBLISHED, **dates}
        )
    gate = checkin.create_checkpoint(event, {"name": "Bench baseline"})
    staff = accounts.create_user(
        f"baseline-{secrets.token_hex(4)}@bench.test", secrets.token_urlsafe(16), "Bench", roles={Role.CHECKIN}
    )
    token = accounts.issue_token(staff)
    db.session.commit()
    codes = [f"baseline-{number}" for number in range(100)]
    return baseline_requests(gate.id, codes, token)


def seed_people(count: int, prefix: str) -> list[int]:
    """`count` delegate accounts (no password: they never sign in here), inserted in bulk; their ids."""
    import secrets

    from sqlalchemy import insert

    from core.auth.models import User
    from core.extensions import db

    rows = [
        {
            "email": f"{prefix}{number}@bench.test",
            "full_name": f"Nguyễn Tường Văn {number}",
            "password_hash": "!",
            "security_stamp": secrets.token_hex(16),
        }
        for number in range(count)
    ]
    return list(db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), rows))
