"""The programme under load: the timetable page and the programme feed (.ics) of a 300-session event, GET by
BENCH_PAGE_CLIENTS clients at once (10) under gunicorn, against the baseline endpoint and against the same page of
a small event.

10 clients, not the check-in's 50: a feed of 300 sessions costs a core about a fifth of a second, so 50 clients
would keep about 25 s of answers queued after every leg, and the bench would outlast its budget without telling
more (the figures per request are the same; the latency grows with the queue, clients / throughput).

The big event has three days, ten rooms and ten sessions per room and day, each with two speakers and a theme, in
Asia/Ho_Chi_Minh; the small one has twelve sessions. Both pages are public, rendered for every request (no cache
in front, as behind a proxy that passes them through), in English.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bench.harness import (
    Request,
    alternate,
    backend_of,
    bench_app,
    endless,
    gunicorn,
    report_legs,
    seed_baseline,
    setting,
    workspace,
)

THEMES = ["Smart mobility", "Urban resilience", "Digital governance", "Green buildings", "Water and sanitation"]
# 100 speakers (10 family names x 10 given names): the 20 of one time slot are all different people, as the
# programme's rule on a speaker in two places at once requires.
FAMILY_NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Lim", "Tan", "Santos", "Wongsakul", "Aung", "Suharto"]
GIVEN_NAMES = ["Tường Văn", "Thị Đoan Trang", "Hoàng Trung", "Jock Hoi", "Mei Ling", "Maria Clara", "Somchai"]
GIVEN_NAMES += ["Kyaw Moe", "Siti Nurhaliza", "Bounmy"]
SPEAKERS = [(f"{family} {given}", "ASEAN Smart Cities Network") for family in FAMILY_NAMES for given in GIVEN_NAMES]


def _event(slug: str, name: str, *, days: int, rooms: int, per_room: int) -> str:
    """A published event with days x rooms x per_room published sessions, through the programme's own services."""
    from core.extensions import db
    from events import services as programme
    from events.models import EventStatus, SessionKind, SessionStatus

    first = date(2030, 12, 2)
    event = programme.create_event(
        {
            "slug": slug,
            "name": name,
            "starts_on": first,
            "ends_on": first + timedelta(days=days - 1),
            "timezone": "Asia/Ho_Chi_Minh",
            "status": EventStatus.PUBLISHED,
        }
    )
    halls = [programme.create_room(event, name=f"Hall {chr(65 + number)}", capacity=200) for number in range(rooms)]
    kinds = [SessionKind.PLENARY, SessionKind.WORKSHOP, SessionKind.MEETING]
    count = 0
    for day in range(days):
        for slot in range(per_room):
            starts_at = datetime.combine(first + timedelta(days=day), time(8), tzinfo=event.zone)
            starts_at += timedelta(minutes=50 * slot)
            for hall in halls:
                count += 1
                speakers = [SPEAKERS[(2 * count + offset) % len(SPEAKERS)] for offset in range(2)]
                programme.create_session(
                    event,
                    {
                        "title": f"Session {count}: liveable cities for everyone",
                        "kind": kinds[count % len(kinds)],
                        "theme": THEMES[count % len(THEMES)],
                        "description": "Cities of the region share what worked, what did not, and why.",
                        "status": SessionStatus.PUBLISHED,
                        "starts_at": starts_at,
                        "ends_at": starts_at + timedelta(minutes=45),
                        "room_id": hall.id,
                        "speakers": [{"name": name, "organisation": where} for name, where in speakers],
                    },
                )
    db.session.commit()
    return event.slug


def run(report) -> None:
    slots = setting("PROGRAMME_SLOTS", 10)  # sessions per room and day; the smoke test takes 1
    days, rooms = 3, 10
    with workspace() as workdir, bench_app(workdir) as (_app, url):
        big = _event("bench-big", "The 3rd ASCN Annual Meeting", days=days, rooms=rooms, per_room=slots)
        small = _event("bench-small", "A small workshop", days=1, rooms=3, per_room=4)
        baseline = seed_baseline()
        backend = backend_of(url)
        count = days * rooms * slots
        big_page, small_page = f"timetable, {count} sessions", "timetable, 12 sessions"
        feed = f"programme feed (.ics), {count} sessions"
        subjects = {
            "baseline": baseline,
            big_page: endless(Request("GET", f"/events/{big}")),
            small_page: endless(Request("GET", f"/events/{small}")),
            feed: endless(Request("GET", f"/events/{big}/calendar.ics")),
        }
        with gunicorn(workdir, url) as server:
            print(f"  {backend}: {count} and 12 published sessions")
            legs = alternate(server, subjects, clients=setting("PAGE_CLIENTS", 10))
        for name, against, baseline_name in (
            (small_page, "baseline", "select + insert endpoint"),
            (big_page, small_page, "same page, 12 sessions"),
            (feed, "baseline", "select + insert endpoint"),
        ):
            report_legs(
                report, f"{name} ({backend})", legs[name], legs[against], baseline_name=baseline_name, sizes=True
            )
