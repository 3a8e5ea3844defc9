"""`make bench` cannot rot: every bench module runs end to end at a tiny size and produces its figures.

Timings are not checked (a test machine's speed says nothing); what is checked is that every module runs, gunicorn
serves the benched calls without one answer that is not 2xx, and every figure is a number that can be one.
SQLite only: the benches' PostgreSQL path differs by the database URL alone, and CI's time is better spent there
on the tests of the app.
"""

from __future__ import annotations

import json
import math

import pytest

from bench.__main__ import main
from tests.fixtures.app import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="runs once, on the SQLite pass (see the docstring)")

TINY = {
    "BENCH_DATABASE_URL": "sqlite",
    "BENCH_RUNS": "1",
    "BENCH_SECONDS": "0.2",
    "BENCH_WARMUP": "0",
    "BENCH_CLIENTS": "3",
    "BENCH_PAGE_CLIENTS": "2",
    "BENCH_SCAN_INTERVAL": "0.02",
    "BENCH_WORKERS": "1",
    "BENCH_THREADS": "2",
    "BENCH_BADGES": "30",
    "BENCH_REGISTRANTS": "200",
    "BENCH_PROGRAMME_SLOTS": "1",
    "BENCH_PDF_BADGES": "4",
    "BENCH_IMPORT_ROWS": "5",
}
MODULES = {"badges", "checkin", "import", "programme", "registration"}


def test_every_bench_runs_and_reports_its_figures(monkeypatch, tmp_path):
    for name, value in TINY.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("BENCH_RESULTS", str(tmp_path))

    assert main([]) == 0

    (written,) = tmp_path.glob("*.json")
    results = json.loads(written.read_text())
    figures = results["figures"]
    assert {figure["benchmark"] for figure in figures} == MODULES
    assert not [f["name"] for f in figures if "not 2xx" in f["name"]]
    for figure in figures:
        value = figure["value"]
        assert math.isfinite(value), figure
        # A CPU share may be 0 (nothing else ran); every time, rate and size is more than nothing.
        assert value > 0 or (figure["unit"] == "%" and value == 0), figure
    by_name = {figure["name"]: figure for figure in figures}
    checkin = by_name["check-in, saturated (SQLite): requests/s"]
    assert checkin["baseline"] > 0
    assert checkin["target"] == ">= 60% of baseline"
    assert results["machine"]["cpus"] >= 1
    assert set(results["machine"]["load_average"]) == MODULES
