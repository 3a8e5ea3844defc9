"""The database restarts while gunicorn serves a crowd: only clean 503s meanwhile (the JSON error with Retry-After
for the API, a page for people), nothing else of the 5xx family, nothing half-written, and the same gunicorn, with
the same workers, serves again once the database is back.

The restart is staged on this test's database only (tests/fixtures/outage.py): it refuses new connections and every
session to it is ended, as a restart does; the rest of the PostgreSQL server keeps running.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from bench.serving import Connection, ConnectionLost, Response, read_errors
from core.extensions import db
from events.models import Event
from registration import checkin
from registration.checkin_models import CheckIn
from registration.models import Attendance, Registration, RegistrationStatus
from tests.fixtures.accounts import PASSWORD
from tests.fixtures.app import BACKEND
from tests.fixtures.outage import database_down

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="a database outage is staged on PostgreSQL")

BEFORE, OUTAGE, AFTER = 1.5, 3.0, 2.5  # seconds of load before, during and after the outage
RECOVERY = 1.0  # seconds the app may take, once the database is back, to answer everything again
RETRY_PAUSE = 0.2  # a client's wait before it sends again what got a 503


@dataclass
class Sent:
    kind: str
    sent_at: float
    response: Response | None  # None: the connection was lost


class Crowd:
    """Clients of every kind, each sending again (after a pause) what got a 503, until told to stop."""

    def __init__(self, port: int, event_id: int, registrants, badges, scanner_token, checkpoint_id):
        self.port, self.event_id = port, event_id
        self.registrants, self.badges = list(registrants), list(badges)
        self.scanner_token, self.checkpoint_id = scanner_token, checkpoint_id
        self.log: list[Sent] = []
        self.registered: dict[int, int] = {}  # user id -> status of the last answer
        self.verdicts: dict[str, Response] = {}  # nonce -> the answer finally received
        self.stop = asyncio.Event()

    async def send(self, connection: Connection, kind: str, method: str, path: str, **options) -> Response | None:
        sent_at = time.perf_counter()
        try:
            response = await connection.request(method, path, **options)
        except ConnectionLost:
            response = None
        self.log.append(Sent(kind, sent_at, response))
        if response is not None and response.status == 503:
            await asyncio.sleep(RETRY_PAUSE)
        return response

    async def reader(self, kind: str, path: str, connection: Connection | None = None) -> None:
        connection = connection or Connection(self.port)
        while not self.stop.is_set():
            await self.send(connection, kind, "GET", path)
        connection.close()

    async def registrant(self) -> None:
        connection = Connection(self.port)
        while self.registrants and not self.stop.is_set():
            user_id, token = self.registrants.pop()
            while not self.stop.is_set():
                path = f"/api/v1/events/{self.event_id}/registrations"
                body = {"consent_data_processing": True, "country": "VN"}
                response = await self.send(connection, "register", "POST", path, token=token, json_body=body)
                if response is not None and response.status != 503:
                    self.registered[user_id] = response.status
                    break
        connection.close()

    async def scanner(self, device: str) -> None:
        connection = Connection(self.port)
        while self.badges and not self.stop.is_set():
            code = self.badges.pop()
            nonce = f"{device}-{len(self.badges)}"
            body = {"code": code, "checkpoint_id": self.checkpoint_id, "device_id": device, "nonce": nonce}
            while not self.stop.is_set():
                response = await self.send(
                    connection, "scan", "POST", "/api/v1/checkin", token=self.scanner_token, json_body=body
                )
                if response is not None and response.status != 503:
                    self.verdicts[nonce] = response
                    break
        connection.close()


async def _signed_in(port: int, email: str) -> Connection:
    """A person's browser, signed in through the real form (CSRF token, session cookie)."""
    browser = Connection(port)
    page = await browser.request("GET", "/sign-in")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    answer = await browser.request("POST", "/sign-in", form={"email": email, "password": PASSWORD, "csrf_token": token})
    assert answer.status == 302, answer.text[:500]
    return browser


@pytest.fixture
def crowd_event(app, make_event, make_user, make_crowd, make_delegates, make_registration):
    event = make_event(name="Hội nghị ASCN 2020", capacity=5000)
    gate = checkin.create_checkpoint(event, {"name": "North gate"})
    delegate = make_user("van@danang.gov.vn", full_name="Nguyễn Tường Văn")
    make_registration(event, delegate, attendance=Attendance.ONLINE)  # online: no seat, so the counts stay simple
    delegates = make_delegates(event, 400)
    scanner = make_crowd(1, prefix="scanner", roles=["checkin"])[0]
    db.session.commit()
    return {
        "event": event,
        "gate": gate,
        "signed_in_email": delegate.email,
        "registrants": [(person.user.id, person.token) for person in make_crowd(400, prefix="rush")],
        "badges": [registration.badge_code for _person, registration in delegates],
        "scanner": scanner,
    }


def test_a_database_restart_under_load_gives_clean_503s_and_the_same_gunicorn_recovers(
    app, crowd_event, serve, migrated_database
):
    served = serve(workers=4, threads=2)
    workers_before = served.worker_pids()
    event = crowd_event["event"]
    event_id, slug = event.id, event.slug  # read now: the test's own connection goes down with the database
    crowd = Crowd(
        served.port,
        event_id,
        crowd_event["registrants"],
        crowd_event["badges"],
        crowd_event["scanner"].token,
        crowd_event["gate"].id,
    )
    db.session.commit()
    window: dict[str, float] = {}

    async def restart_the_database(outage: ExitStack) -> None:
        await asyncio.sleep(BEFORE)
        window["down"] = time.perf_counter()
        await asyncio.to_thread(outage.enter_context, database_down(migrated_database))
        await asyncio.sleep(OUTAGE)
        await asyncio.to_thread(outage.close)
        window["up"] = time.perf_counter()
        await asyncio.sleep(AFTER)
        crowd.stop.set()

    async def main() -> None:
        browser = await _signed_in(served.port, crowd_event["signed_in_email"])
        with ExitStack() as outage:
            await asyncio.gather(
                restart_the_database(outage),
                *(crowd.registrant() for _ in range(6)),
                *(crowd.scanner(f"door-{n}") for n in range(4)),
                *(crowd.reader("api", f"/api/v1/events/{event_id}") for _ in range(3)),
                *(crowd.reader("page", f"/events/{slug}") for _ in range(3)),
                crowd.reader("my_page", f"/events/{slug}/my", browser),
                crowd.reader("health", "/healthz"),
            )

    asyncio.run(main())
    db.session.remove()  # the outage ended this process's connections too

    # Only clean 503s, and only while the database was away (or the moment after).
    statuses = Counter((sent.kind, sent.response.status if sent.response else None) for sent in crowd.log)
    assert {status for _kind, status in statuses} <= {200, 201, 409, 503}, (statuses, read_errors(served.server))
    unavailable = [sent for sent in crowd.log if sent.response is not None and sent.response.status == 503]
    for sent in unavailable:
        _assert_clean_503(sent)
        assert sent.sent_at + sent.response.seconds >= window["down"], sent.kind  # answered once it was down
        assert sent.sent_at <= window["up"] + RECOVERY, sent.kind  # and asked before it was back
    assert {sent.kind for sent in unavailable} == {"register", "scan", "api", "page", "my_page", "health"}
    # A registration whose commit made it before the connection died is found on the retry: 409, never a 500.
    assert {status for user_id, status in crowd.registered.items()} <= {201, 409}
    assert statuses[("register", 201)] > 0

    # The same gunicorn, the same workers: none crashed or was replaced.
    assert served.alive
    assert served.worker_pids() == workers_before
    errors = read_errors(served.server)
    assert "Traceback" not in errors, errors[-3000:]

    # Nothing half-written: the seat counter agrees with the rows; each badge admitted once, as its device was told.
    stored = db.session.get(Event, event_id)
    seated = db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == event_id,
            Registration.status.in_([RegistrationStatus.PENDING, RegistrationStatus.APPROVED]),
            Registration.attendance == Attendance.IN_PERSON,
        )
    )
    assert stored.seats_taken == seated
    assert {answer.json()["result"] for answer in crowd.verdicts.values()} == {"accepted"}
    assert db.session.scalar(select(func.count(CheckIn.id))) == len(crowd.verdicts)


def _assert_clean_503(sent: Sent) -> None:
    response = sent.response
    if sent.kind == "health":  # for the load balancer: take this host out while its database is away
        assert response.json() == {"status": "degraded", "database": "unavailable"}
        return
    assert response.headers.get("Retry-After") == "5", (sent.kind, response.headers)
    if sent.kind in ("page", "my_page"):
        assert response.headers["Content-Type"].startswith("text/html")
        assert "briefly unavailable" in response.text
    else:
        assert response.json()["error"]["code"] == "service_unavailable", response.text[:300]
