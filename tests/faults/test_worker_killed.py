"""A gunicorn worker is killed (SIGKILL) in the middle of a request while registrations and booth bookings pour in:
nothing is half-written, the rules still hold, the master starts a new worker, and the service goes on.

Two kills land exactly mid-transaction: the worker holds still right after inserting a registration, or a booking,
before it commits (tests/faults/gunicorn_hold.py), and is killed there. A third kill hits whatever a worker is doing.
The lost requests are sent again afterwards, as a client would; the registration and the booking that were cut off
must go through then, since nothing of them was kept.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.serving import Connection, ConnectionLost
from core.extensions import db
from core.mail.models import OutboxMessage
from events.models import Event
from exhibitors.models import ACTIVE_BOOKING_STATES, Booking, Booth, BoothStatus
from registration.models import Registration, RegistrationStatus
from tests.fixtures.app import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="gunicorn on the production database")

HOLD_CONFIG = Path(__file__).with_name("gunicorn_hold.py")
WORKERS = 4
SEATS, REGISTRANTS = 100, 200
BOOTHS, EXHIBITORS = 30, 30  # each booth wanted by two exhibitors, each exhibitor wants two booths
CLIENTS = 12


@pytest.fixture
def rush(app, make_event, make_crowd, make_exhibitor, make_booth):
    event = make_event(name="Hội nghị ASCN 2020", capacity=SEATS)
    registrants = [(person.user.id, person.token) for person in make_crowd(REGISTRANTS, prefix="rush")]
    exhibitors = [
        (make_exhibitor(event, account=person.user, name=f"Smart City Company {number}").id, person.token)
        for number, person in enumerate(make_crowd(EXHIBITORS, prefix="expo"))
    ]
    booths = [make_booth(event).id for _ in range(BOOTHS)]
    return event.id, registrants, exhibitors, booths


class Requests:
    """Each request on its own connection, so a lost answer is never sent again by the client on its own."""

    def __init__(self, port: int):
        self.port = port
        self.answers: dict[tuple, list] = defaultdict(list)  # (kind, key) -> statuses, None for a lost answer

    async def send(self, kind: str, key: tuple, path: str, token: str, body: dict) -> None:
        connection = Connection(self.port, keep_alive=False)
        try:
            status = (await connection.request("POST", path, token=token, json_body=body)).status
        except ConnectionLost:
            status = None
        finally:
            connection.close()
        self.answers[(kind, key)].append(status)

    def lost(self) -> list[tuple]:
        return [request for request, statuses in self.answers.items() if statuses[-1] is None]


def test_a_worker_killed_mid_request_leaves_nothing_half_written(app, rush, serve, tmp_path):
    event_id, registrants, exhibitors, booths = rush
    served = serve(workers=WORKERS, threads=2, config=str(HOLD_CONFIG), HOLD_DIR=tmp_path)
    first_workers = served.worker_pids()
    requests = Requests(served.port)
    rng = random.Random(7)

    def register(user_id, token):
        body = {"consent_data_processing": True, "country": "VN"}
        return requests.send("register", (user_id,), f"/api/v1/events/{event_id}/registrations", token, body)

    def book(booth_id, exhibitor):
        exhibitor_id, token = exhibitor
        body = {"exhibitor_id": exhibitor_id}
        return requests.send("book", (booth_id, exhibitor_id), f"/api/v1/booths/{booth_id}/bookings", token, body)

    jobs = [lambda user_id=user_id, token=token: register(user_id, token) for user_id, token in registrants]
    for index, booth_id in enumerate(booths):
        for offset in (0, 1):
            jobs.append(lambda booth_id=booth_id, who=exhibitors[(index + offset) % EXHIBITORS]: book(booth_id, who))
    rng.shuffle(jobs)
    killed: dict[str, tuple[int, str]] = {}  # table -> (pid, key of the row it held)

    async def kill_mid_transaction(table: str) -> None:
        (tmp_path / f"hold-{table}").touch()
        while not (held := list(tmp_path.glob(f"held-{table}-*"))) or not held[0].read_text():
            await asyncio.sleep(0.01)
        pid = int(held[0].name.rsplit("-", 1)[1])
        os.kill(pid, signal.SIGKILL)
        killed[table] = (pid, held[0].read_text())

    async def killer() -> None:
        await kill_mid_transaction("registrations")
        await kill_mid_transaction("bookings")
        victim = rng.choice(sorted(served.worker_pids()))  # and one more, wherever it is
        os.kill(victim, signal.SIGKILL)
        killed["any"] = (victim, "")

    async def main() -> None:
        pending = iter(jobs)

        async def client() -> None:
            for job in pending:
                await job()

        await asyncio.gather(killer(), *(client() for _ in range(CLIENTS)))

    asyncio.run(main())
    lost = requests.lost()
    assert len(killed) == 3
    assert lost, "the killed workers were answering requests"
    assert all(status is None or status < 500 for statuses in requests.answers.values() for status in statuses)

    # What was cut off mid-transaction left nothing behind: no registration, no booking, no seat, no mail.
    db.session.expire_all()
    held_user = int(killed["registrations"][1].split("user_id=")[1].split()[0])
    assert db.session.scalar(select(func.count()).where(Registration.user_id == held_user)) == 0
    held_booking = dict(part.split("=") for part in killed["bookings"][1].split())
    assert not db.session.scalar(
        select(func.count()).where(
            Booking.booth_id == int(held_booking["booth_id"]), Booking.exhibitor_id == int(held_booking["exhibitor_id"])
        )
    )
    _assert_consistent(event_id)

    # The master has replaced the killed workers; the service goes on, and the lost requests now go through.
    deadline = time.monotonic() + 30
    while len(served.worker_pids()) < WORKERS:
        assert time.monotonic() < deadline, "the master did not replace the killed workers"
        time.sleep(0.1)
    workers = served.worker_pids()
    assert served.alive
    assert not workers & {pid for pid, _key in killed.values()}
    assert len(workers - first_workers) >= 2  # a worker may have held both rows, or been killed twice over

    async def send_again() -> None:
        retries = []
        for kind, key in lost:
            if kind == "register":
                retries.append(register(key[0], dict(registrants)[key[0]]))
            else:
                retries.append(book(key[0], (key[1], dict(exhibitors)[key[1]])))
        await asyncio.gather(*retries)

    asyncio.run(send_again())
    assert requests.answers[("register", (held_user,))][-1] == 201
    for (kind, key), statuses in requests.answers.items():
        if kind == "register":  # 409 only where a lost answer's transaction had committed before the kill
            assert statuses[-1] == 201 or (statuses[-1] == 409 and None in statuses), (key, statuses)
        else:
            assert statuses[-1] in (201, 409), (key, statuses)
    db.session.expire_all()
    _assert_consistent(event_id)
    assert db.session.scalar(select(func.count()).where(Registration.event_id == event_id)) == REGISTRANTS


def _assert_consistent(event_id: int) -> None:
    """Every row complete and the rules kept: seats counted once, waiting positions 1..n, one booking per booth,
    each booth's status its booking's, and each registration and booking with the mail of its own transaction."""
    event = db.session.get(Event, event_id)
    registrations = db.session.scalars(select(Registration).where(Registration.event_id == event_id)).all()
    seated = [r for r in registrations if r.status in (RegistrationStatus.PENDING, RegistrationStatus.APPROVED)]
    waiting = sorted(r.waitlist_position for r in registrations if r.status is RegistrationStatus.WAITLISTED)
    assert len(seated) == event.seats_taken <= event.capacity
    assert waiting == list(range(1, event.waitlist_count + 1))
    mails = Counter(db.session.scalars(select(OutboxMessage.to_address)))
    assert all(mails[registration.user.email] == 1 for registration in registrations)

    active = Counter(
        db.session.scalars(select(Booking.booth_id).where(Booking.status.in_(ACTIVE_BOOKING_STATES))).all()
    )
    assert set(active.values()) <= {1}
    for booth in db.session.scalars(select(Booth).where(Booth.event_id == event_id)):
        assert (booth.status is BoothStatus.HELD) == (booth.id in active), booth.code
    held_mails = db.session.scalar(select(func.count()).where(OutboxMessage.subject.contains("held")))
    assert held_mails == sum(active.values())
