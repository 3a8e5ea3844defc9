"""`make bench` / `python -m bench [name ...]`: run every bench/bench_*.py module, print and keep the figures.

Each module has `run(report: Report) -> None` and calls `report.add(...)` for every figure, with the baseline it
was measured against in the same run. Results land in bench/results/<UTC time>.json (not committed) and are
printed as a Markdown table, ready for docs/benchmarks.md.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


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

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    current: str = ""

    def add(self, name, value, unit, *, baseline=None, baseline_name="", target="", met=None) -> Figure:
        figure = Figure(self.current, name, float(value), unit, baseline, baseline_name, target, met)
        self.figures.append(figure)
        print(f"  {name}: {value:.4g} {unit}" + (f"  (baseline {baseline_name}: {baseline:.4g})" if baseline else ""))
        return figure

    def markdown(self) -> str:
        lines = ["| benchmark | figure | value | baseline | ratio | target | met |", "|---|---|---|---|---|---|---|"]
        for f in self.figures:
            base = f"{f.baseline:.4g} ({f.baseline_name})" if f.baseline else ""
            ratio = f"{f.ratio:.2f}" if f.ratio is not None else ""
            met = "" if f.met is None else ("yes" if f.met else "**no**")
            value = f"{f.value:.4g} {f.unit}"
            lines.append(f"| {f.benchmark} | {f.name} | {value} | {base} | {ratio} | {f.target} | {met} |")
        return "\n".join(lines)


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def main(names: list[str]) -> int:
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    chosen = [m for m in modules if not names or m.removeprefix("bench_") in names or m in names]
    report = Report()
    for module_name in chosen:
        print(f"== {module_name}")
        report.current = module_name.removeprefix("bench_")
        importlib.import_module(f"bench.{module_name}").run(report)
    print()
    print(report.markdown())
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    payload = {"machine": machine(), "figures": [asdict(f) | {"ratio": f.ratio} for f in report.figures]}
    (out / f"{stamp}.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False))
    print(f"\nwritten: bench/results/{stamp}.json")
    return 1 if any(f.met is False for f in report.figures) and os.environ.get("BENCH_STRICT") else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
