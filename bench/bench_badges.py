"""Badge PDFs: 1,000 badges, A6 and A4 four-up, against encoding the same 1,000 QR codes alone.

The target (issues 5 and 7): 1,000 badges in under 10 s on the project's 2-core machine. The baseline, measured in
the same run, is what no badge can go below: qrcode building the matrices of the same codes. The rest of a badge
(text, fonts, band, the PDF itself) is the ratio's excess over 1. BENCH_RUNS rounds (3), each the baseline then
both layouts; every figure is the median. BENCH_PDF_BADGES (1,000) shrinks it for the smoke test.
"""

from __future__ import annotations

import tempfile
import time
from datetime import date

from bench.harness import median, setting

TARGET_SECONDS_PER_1000 = 10.0

NAMES = [
    ("Nguyễn Tường Văn", "Bộ Xây dựng", "VN", "government"),
    ("Siti Nurhaliza binti Haji Ahmad", "Dewan Bandaraya Kuala Lumpur", "MY", "city"),
    ("Dato Lim Jock Hoi", "ASEAN Secretariat", "ID", "asean_secretariat"),
    ("Yamada Tarō", "Japan Association for Smart Cities in ASEAN (JASCA)", "JP", "partner"),
    ("Somchai Wongsakul", "Bangkok Metropolitan Administration", "TH", "exhibitor"),
    ("Maria Clara Santos", "Philippine Daily Inquirer", "PH", "press"),
    ("Aung Kyaw Moe", "Yangon City Development Committee", "MM", "observer"),
    ("Trần Thị Đoan Trang", "Cục Phát triển đô thị", "VN", "organiser"),
]


def _people(event, count: int):
    from registration.models import Attendance, Category, Registration, RegistrationStatus

    people = []
    for number in range(1, count + 1):
        name, organisation, country, category = NAMES[number % len(NAMES)]
        people.append(
            Registration(
                id=number,
                event_id=event.id,
                event=event,
                full_name=f"{name} {number}",
                organisation=organisation,
                country=country,
                category=Category(category),
                attendance=Attendance.IN_PERSON,
                status=RegistrationStatus.APPROVED,
                badge_version=1,
            )
        )
    return people


def _timed(work):
    """(wall seconds, CPU seconds of this process, result) of work()."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def run(report) -> None:
    from core import create_app
    from events.models import Event
    from registration.badges import Layout, qr_modules, render_badges

    count, rounds = setting("PDF_BADGES", 1_000), setting("RUNS", 3)
    layouts = {"A4 four-up": Layout.A4_FOUR_UP, "A6": Layout.A6}
    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_DIR": instance, "TESTING": True})
        with app.app_context():
            event = Event(id=1, name="The 3rd ASEAN Smart Cities Network Annual Meeting", slug="ascn-2020")
            event.starts_on, event.ends_on = date(2020, 12, 2), date(2020, 12, 4)
            people = _people(event, count)
            codes = [person.badge_code for person in people]
            render_badges(event, people[:1])  # fonts loaded once per process, as in a running server

            runs: dict[str, list[tuple]] = {"qr": [], **{label: [] for label in layouts}}
            for _round in range(rounds):
                runs["qr"].append(_timed(lambda: [qr_modules(code) for code in codes]))
                for label, layout in layouts.items():
                    runs[label].append(_timed(lambda layout=layout: render_badges(event, people, layout)))

    qr_wall, qr_cpu = (median([run[index] for run in runs["qr"]]) for index in (0, 1))
    report.add(f"QR encoding alone, {count:,} codes", qr_wall, "s", runs=[run[0] for run in runs["qr"]])
    report.add(f"QR encoding alone, {count:,} codes (CPU)", qr_cpu, "s", runs=[run[1] for run in runs["qr"]])
    limit = TARGET_SECONDS_PER_1000 * count / 1000
    for label in layouts:
        walls, cpus = [run[0] for run in runs[label]], [run[1] for run in runs[label]]
        wall = median(walls)
        report.add(
            f"{label}: {count:,} badges",
            wall,
            "s",
            baseline=qr_wall,
            baseline_name="QR encoding alone",
            target=f"{count:,} badges < {limit:g} s",
            met=wall < limit,
            runs=walls,
        )
        # CPU time of this process: what the badges cost whatever else the machine's 2 cores are doing.
        report.add(
            f"{label}: {count:,} badges (CPU)",
            median(cpus),
            "s",
            baseline=qr_cpu,
            baseline_name="QR encoding alone",
            runs=cpus,
        )
        report.add(f"{label}: per badge", wall / count * 1000, "ms")
        report.add(f"{label}: PDF size", len(runs[label][0][2]) / 1_000_000, "MB")
