"""A registration rush: POST /api/v1/events/{id}/registrations by 50 delegates at once under gunicorn, against the
baseline endpoint (one indexed select and one insert through the same stack, registration/checkin_bench.py).

Each request is a different delegate registering themself with their own bearer token, as when registration
opens: the whole call (token, the event, the rules, the registration with its badge code and feed token, the
acknowledgement mail into the outbox, one commit). BENCH_REGISTRANTS accounts (12,000) are made beforehand; the
bench says so when the legs used them all up before their time.
"""

from __future__ import annotations

import secrets
from datetime import date

from bench.harness import (
    alternate,
    backend_of,
    bench_app,
    gunicorn,
    post_json,
    report_legs,
    seed_baseline,
    seed_people,
    setting,
    workspace,
)

COUNTRIES = ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"]


def _seed(count: int) -> tuple[int, list[str]]:
    """A published event open for registration and `count` delegates' tokens; committed."""
    from sqlalchemy import insert

    from core.auth.models import ApiToken, hash_token
    from core.extensions import db
    from events import services as programme
    from events.models import ApprovalMode, EventStatus

    event = programme.create_event(
        {
            "slug": "bench-rush",
            "name": "Registration rush",
            "starts_on": date(2099, 12, 2),
            "ends_on": date(2099, 12, 4),
            "timezone": "Asia/Ho_Chi_Minh",
            "status": EventStatus.PUBLISHED,
            "approval": ApprovalMode.MODERATED,
        }
    )
    people = seed_people(count, "rush")
    tokens = [secrets.token_urlsafe(32) for _ in people]
    pairs = zip(people, tokens, strict=True)
    rows = [{"user_id": user_id, "token_hash": hash_token(token)} for user_id, token in pairs]
    db.session.execute(insert(ApiToken), rows)
    db.session.commit()
    return event.id, tokens


def _registrations(event_id: int, tokens: list[str]):
    """One registration per delegate, each with their own token; ends when every delegate has registered."""
    for number, token in enumerate(tokens):
        body = {
            "consent_data_processing": True,
            "organisation": "Bộ Xây dựng",
            "job_title": "Chuyên viên",
            "country": COUNTRIES[number % len(COUNTRIES)],
            "category": "government",
        }
        yield post_json(f"/api/v1/events/{event_id}/registrations", body, token)


def run(report) -> None:
    registrants = setting("REGISTRANTS", 12_000)
    with workspace() as workdir, bench_app(workdir) as (_app, url):
        event_id, tokens = _seed(registrants)
        baseline = seed_baseline()
        backend = backend_of(url)
        with gunicorn(workdir, url) as server:
            print(f"  {backend}, {registrants} delegates ready to register")
            legs = alternate(server, {"baseline": baseline, "registration": _registrations(event_id, tokens)})
        report_legs(
            report,
            f"registration ({backend})",
            legs["registration"],
            legs["baseline"],
            baseline_name="select + insert endpoint",
        )
