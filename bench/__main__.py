"""`make bench` / `python -m bench [name ...]`: run every bench/bench_*.py module, print and keep the figures.

Each module has `run(report: Report) -> None` and calls `report.add(...)` for every figure, with the baseline it
was measured against in the same run; a figure is the median of its runs (BENCH_RUNS, 3), kept beside it.
Results land in bench/results/<UTC time>.json (not committed) with the machine (cores, CPU model, load average
before and after each bench), and are printed as a Markdown table, ready for docs/benchmarks.md.

Database: BENCH_DATABASE_URL if set (its public schema is dropped: never point it at data you keep; `sqlite` for
SQLite files). Otherwise a scratch database is created on the local PostgreSQL (BENCH_POSTGRES, postgresql://postgres@127.0.0.1:5432/postgres)
and dropped at the end; when PostgreSQL does not answer, the benches run on SQLite, with a warning.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import secrets
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRATCH_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass
class Figure:
    benchmark: str
    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""
    met: bool | None = None
    runs: list[float] | None = None  # the value is their median

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    current: str = ""

    def add(self, name, value, unit, *, baseline=None, baseline_name="", target="", met=None, runs=None) -> Figure:
        runs = [float(run) for run in runs] if runs else None
        figure = Figure(self.current, name, float(value), unit, baseline, baseline_name, target, met, runs)
        self.figures.append(figure)
        spread = f" [runs {', '.join(f'{run:.4g}' for run in runs)}]" if runs and len(runs) > 1 else ""
        against = f"  (baseline {baseline_name}: {baseline:.4g})" if baseline else ""
        print(f"  {name}: {value:.4g} {unit}{spread}{against}")
        return figure

    def markdown(self) -> str:
        lines = [
            "| benchmark | figure (median of runs) | value | baseline | ratio | target | met |",
            "|---|---|---|---|---|---|---|",
        ]
        for f in self.figures:
            base = f"{f.baseline:.4g} ({f.baseline_name})" if f.baseline else ""
            ratio = f"{f.ratio:.2f}" if f.ratio is not None else ""
            met = "" if f.met is None else ("yes" if f.met else "**no**")
            value = f"{f.value:.4g} {f.unit}"
            lines.append(f"| {f.benchmark} | {f.name} | {value} | {base} | {ratio} | {f.target} | {met} |")
        return "\n".join(lines)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages: other work on the machine slows every figure."""
    return [round(value, 2) for value in os.getloadavg()]


@contextmanager
def scratch_database():
    """Yield a description of the bench database and set BENCH_DATABASE_URL for the benches while it lasts."""
    given = os.environ.get("BENCH_DATABASE_URL")
    if given:
        yield "BENCH_DATABASE_URL (" + ("PostgreSQL" if given.startswith("postgres") else "SQLite") + ")"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    from config import normalise_database_url

    server = normalise_database_url(os.environ.get("BENCH_POSTGRES") or SCRATCH_SERVER)
    engine = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"ascn_bench_scratch_{secrets.token_hex(4)}"
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        print(f"WARNING: PostgreSQL does not answer ({reason}): the benches run on SQLite, not as in production.")
        yield "SQLite (PostgreSQL did not answer)"
        return
    os.environ["BENCH_DATABASE_URL"] = server.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield f"PostgreSQL, scratch database {name} (dropped after)"
    finally:
        del os.environ["BENCH_DATABASE_URL"]
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def main(names: list[str]) -> int:
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    chosen = [m for m in modules if not names or m.removeprefix("bench_") in names or m in names]
    report = Report()
    loads = {}
    about = machine()
    print(f"machine: {about['cpus']} cores, {about['cpu_model']}; load average {load_average()}")
    with scratch_database() as database:
        print(f"database: {database}")
        for module_name in chosen:
            print(f"== {module_name}")
            report.current = module_name.removeprefix("bench_")
            loads[report.current] = {"before": load_average()}
            started = time.monotonic()
            importlib.import_module(f"bench.{module_name}").run(report)
            loads[report.current] |= {"after": load_average(), "seconds": round(time.monotonic() - started, 1)}
            load = loads[report.current]
            print(f"  {load['seconds']:g} s; load average before {load['before']}, after {load['after']}")
    print()
    print(f"{about['cpus']} cores, {about['cpu_model']}, Python {about['python']}; database: {database}")
    print(
        "load average (1, 5, 15 min) before and after each bench: "
        + "; ".join(f"{name} {load['before']} -> {load['after']}" for name, load in loads.items())
    )
    print()
    print(report.markdown())
    out = Path(os.environ.get("BENCH_RESULTS") or HERE / "results")
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    payload = {
        "machine": about | {"database": database, "load_average": loads},
        "settings": {key: value for key, value in os.environ.items() if key.startswith("BENCH_") and "URL" not in key},
        "figures": [asdict(f) | {"ratio": f.ratio} for f in report.figures],
    }
    (out / f"{stamp}.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False))
    print(f"\nwritten: {out / stamp}.json")
    return 1 if any(f.met is False for f in report.figures) and os.environ.get("BENCH_STRICT") else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
