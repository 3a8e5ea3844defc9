"""The morning of the summit, at once: one gunicorn with 4 workers on PostgreSQL takes a registration rush, the
workshop sign-ups, the queues at the doors and the race for the booths, interleaved from concurrent clients.

Afterwards the database is checked, not the answers alone: no capacity exceeded (the event and each workshop), the
waiting positions contiguous from 1, no booth with two active bookings, each badge accepted at most once per
checkpoint, no overlapping sessions for anyone; no 5xx in any answer. Then the real mail worker (`flask mail send`,
two at once) delivers the outbox to a real SMTP server, and every queued mail arrives exactly once.

Size: LOAD_SCALE multiplies every count: 1 is 2,000 registrations, 2,000 sign-ups, 2,000 scans and 100 booth
bookings, as issue 7 asks, and the default: CI runs the full size (about 95 s on the project's 2-core machine when
it is otherwise quiet; see docs/load-and-faults.md). `LOAD_SCALE=0.25` for a quick run. Loopback only; gunicorn and
the mail workers stop with the test.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from bench.serving import Connection, ConnectionLost, read_errors
from core.extensions import db
from core.mail.models import OutboxMessage, OutboxStatus
from events.models import Event, ProgrammeSession
from exhibitors.models import ACTIVE_BOOKING_STATES, Booking, Booth, BoothStatus
from registration import checkin
from registration.checkin_models import CheckIn
from registration.models import Registration, RegistrationStatus, Signup, SignupStatus
from tests.fixtures.app import BACKEND
from tests.fixtures.served import drive

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="the load test runs on PostgreSQL, as production does")

LOAD_SCALE = float(os.environ.get("LOAD_SCALE", "1"))


def scaled(count: int) -> int:
    return max(4, round(count * LOAD_SCALE))


REGISTRANTS = scaled(2000)  # new registrations during the rush
DELEGATES = scaled(1000)  # approved before the morning; two workshop sign-ups each, and their badges are scanned
SCANS = scaled(2000)
BOOKINGS = scaled(100)  # booking requests: BOOKINGS // 4 booths, each wanted by 4 exhibitors at once
NEW_SEATS = REGISTRANTS * 3 // 5  # the rest of the rush goes on the event's waiting list
WORKSHOP_CAPACITY = max(2, DELEGATES // 16)  # 8 workshops, about 250 sign-ups each: long waiting lists
CLIENTS = 40
WORKERS = 4


@dataclass
class Answer:
    kind: str
    key: tuple
    status: int | None  # None: the connection was lost, no answer
    body: dict | None


class Log:
    """Every answer, by kind and key, for the checks afterwards; a lost connection is logged, never raised."""

    def __init__(self):
        self.answers: list[Answer] = []

    async def send(self, connection: Connection, kind: str, key: tuple, method: str, path: str, token: str, body=None):
        try:
            response = await connection.request(method, path, token=token, json_body=body)
        except ConnectionLost:
            self.answers.append(Answer(kind, key, None, None))
            return None
        parsed = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else None
        answer = Answer(kind, key, response.status, parsed)
        self.answers.append(answer)
        return answer

    async def at_once(self, port: int, requests: list[tuple]) -> None:
        """Several requests at the same moment, each on its own connection (several doors, several exhibitors)."""
        connections = [Connection(port) for _ in requests]
        await asyncio.gather(*(self.send(c, *request) for c, request in zip(connections, requests, strict=True)))
        for connection in connections:
            connection.close()

    def of(self, kind: str) -> list[Answer]:
        return [answer for answer in self.answers if answer.kind == kind]


@pytest.fixture
def summit(app, make_event, make_room, make_session, make_crowd, make_delegates, make_exhibitor, make_booth):
    """The event, 8 small workshops in two slots, three checkpoints, the people, exhibitors and booths."""
    event = make_event(name="Hội nghị ASCN 2020", capacity=DELEGATES + NEW_SEATS, approval="moderated")
    rooms = [make_room(event, name=f"Room {number + 1}") for number in range(4)]
    workshops = [
        make_session(
            event,
            room=rooms[number % 4],
            kind="workshop",
            title=f"Workshop {number + 1}",
            starts_at="09:00" if number < 4 else "11:00",
            ends_at="10:30" if number < 4 else "12:30",
            capacity=WORKSHOP_CAPACITY,
        )
        for number in range(8)
    ]
    gates = [checkin.create_checkpoint(event, {"name": name}) for name in ("North gate", "South gate")]
    door = checkin.create_checkpoint(event, {"kind": "session", "session_id": workshops[0].id})
    delegates = make_delegates(event, DELEGATES)
    registrants = make_crowd(REGISTRANTS, prefix="rush")
    scanner = make_crowd(1, prefix="scanner", roles=["checkin"])[0]
    exhibitors = [
        (person, make_exhibitor(event, account=person.user, name=f"Smart City Company {number}"))
        for number, person in enumerate(make_crowd(BOOKINGS // 2, prefix="expo"))
    ]
    booths = [make_booth(event) for _ in range(BOOKINGS // 4)]
    return {
        "event": event,
        "workshops": workshops,
        "checkpoints": [*gates, door],
        "delegates": delegates,
        "registrants": registrants,
        "scanner": scanner,
        "exhibitors": exhibitors,
        "booths": booths,
    }


COUNTRIES = ("BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN")


def _registration_jobs(summit, log: Log, port: int) -> list:
    """Every newcomer registers; one in forty double-clicks (two at once), one in forty registers and then cancels."""
    event_id = summit["event"].id
    jobs = []
    for number, person in enumerate(summit["registrants"]):
        body = {
            "consent_data_processing": True,
            "country": COUNTRIES[number % len(COUNTRIES)],
            "city": "Đà Nẵng",
            "attendance": "online" if number % 10 == 9 else "in_person",
        }
        request = (
            "register",
            (person.user.id,),
            "POST",
            f"/api/v1/events/{event_id}/registrations",
            person.token,
            body,
        )
        if number % 40 == 0:
            jobs.append(lambda _connection, request=request: log.at_once(port, [request, request]))
        elif number % 40 == 1:

            async def register_then_cancel(connection, request=request):
                answer = await log.send(connection, *request)
                if answer is not None and answer.status == 201:
                    path = f"/api/v1/registrations/{answer.body['id']}/cancel"
                    await log.send(connection, "cancel", request[1], "POST", path, request[4])

            jobs.append(register_then_cancel)
        else:
            jobs.append(lambda connection, request=request: log.send(connection, *request))
    return jobs


def _signup_jobs(summit, log: Log, port: int) -> list:
    """Each delegate signs up for a morning workshop and a second one: a later one, or (one in five) another morning
    workshop, which overlaps. Some send both at once (two tabs); one in ten leaves the second right after."""
    workshops = summit["workshops"]
    jobs = []
    for number, (person, registration) in enumerate(summit["delegates"]):
        first = workshops[number % 4]
        second = workshops[(number + 1) % 4] if number % 5 == 0 else workshops[4 + (number // 4) % 4]
        requests = [
            ("signup", (registration.id, workshop.id), "POST", f"/api/v1/sessions/{workshop.id}/signups", person.token)
            for workshop in (first, second)
        ]
        if number % 20 in (0, 1):
            jobs.append(lambda _connection, requests=requests: log.at_once(port, requests))
            continue
        jobs.append(lambda connection, request=requests[0]: log.send(connection, *request))
        if number % 10 == 3:

            async def sign_up_then_leave(connection, request=requests[1]):
                answer = await log.send(connection, *request)
                if answer is not None and answer.status == 201:
                    registration_id, session_id = request[1]
                    path = f"/api/v1/sessions/{session_id}/signups/{registration_id}"
                    await log.send(connection, "leave", request[1], "DELETE", path, request[4])

            jobs.append(sign_up_then_leave)
        else:
            jobs.append(lambda connection, request=requests[1]: log.send(connection, *request))
    return jobs


def _scan_jobs(summit, log: Log, port: int, rng: random.Random) -> list:
    """Badges at the two gates and the first workshop's door, often at several doors at once; a device's retry
    (the same nonce) now and then. Half the delegates come, most more than once."""
    gates, door = summit["checkpoints"][:2], summit["checkpoints"][2]
    token = summit["scanner"].token
    arriving = summit["delegates"][: max(1, DELEGATES // 2)]
    jobs, scans = [], 0
    while scans < SCANS:
        _person, registration = rng.choice(arriving)
        checkpoint = rng.choices([*gates, door], weights=[6, 3, 1])[0]
        doors = min(rng.choice([1, 1, 2, 3, 4]), SCANS - scans)
        requests = [
            (
                "scan",
                (registration.id, checkpoint.id, f"door-{d}", f"scan-{scans + d}"),
                "POST",
                "/api/v1/checkin",
                token,
                {
                    "code": registration.badge_code,
                    "checkpoint_id": checkpoint.id,
                    "device_id": f"door-{d}",
                    "nonce": f"scan-{scans + d}",
                },
            )
            for d in range(doors)
        ]
        if scans % 10 == 0 and scans + doors < SCANS:
            requests.append(requests[0])  # the device did not hear the answer and sends the same scan again
        scans += len(requests)
        jobs.append(lambda _connection, requests=requests: log.at_once(port, requests))
    return jobs


def _booking_jobs(summit, log: Log, port: int) -> list:
    """Each booth wanted by four exhibitors at the same moment; each exhibitor tries two booths."""
    exhibitors = summit["exhibitors"]
    jobs = []
    for index, booth in enumerate(summit["booths"]):
        requests = []
        for offset in range(4):
            person, exhibitor = exhibitors[(2 * index + offset) % len(exhibitors)]
            path = f"/api/v1/booths/{booth.id}/bookings"
            requests.append(
                ("book", (booth.id, exhibitor.id), "POST", path, person.token, {"exhibitor_id": exhibitor.id})
            )
        jobs.append(lambda _connection, requests=requests: log.at_once(port, requests))
    return jobs


def test_the_summit_morning_under_load(app, summit, serve, flask_process, smtp_server):
    started = time.perf_counter()
    served = serve(workers=WORKERS, threads=2)
    # Two mail workers, as production runs them (`flask mail send --loop`), deliver while the rush goes on.
    mail_workers = [
        flask_process(["mail", "send", "--loop", "--interval", "0.5"], MAIL_PORT=smtp_server.port) for _ in range(2)
    ]
    log = Log()
    rng = random.Random(2020)  # the same interleaving on every run
    jobs = [
        *_registration_jobs(summit, log, served.port),
        *_signup_jobs(summit, log, served.port),
        *_scan_jobs(summit, log, served.port, rng),
        *_booking_jobs(summit, log, served.port),
    ]
    rng.shuffle(jobs)
    drive(served.port, jobs, CLIENTS)
    load_seconds = time.perf_counter() - started

    assert [a for a in log.answers if a.status is None or a.status >= 500] == []
    errors = read_errors(served.server)
    assert "Traceback" not in errors, errors[-3000:]
    db.session.expire_all()
    _check_registrations(summit, log)
    _check_workshops(summit, log)
    _check_checkins(summit, log)
    _check_booths(summit, log)
    _check_mail(mail_workers, smtp_server)
    print(
        f"\nLOAD_SCALE={LOAD_SCALE:g}: {len(log.answers)} requests in {load_seconds:.1f} s, "
        f"{len(smtp_server.messages)} mails delivered {time.perf_counter() - started - load_seconds:.1f} s later"
    )


def _statuses(answers: list[Answer]) -> Counter:
    return Counter((a.status, (a.body or {}).get("error", {}).get("code")) for a in answers)


def _positions(rows) -> list[int]:
    return sorted(position for (position,) in rows)


def _check_registrations(summit, log: Log) -> None:
    event = db.session.get(Event, summit["event"].id)
    answers = log.of("register")
    created = Counter(a.key for a in answers if a.status == 201)
    assert set(_statuses(answers)) <= {(201, None), (409, "already_registered")}
    assert created == Counter({(person.user.id,): 1 for person in summit["registrants"]}), "one registration each"
    doubles = [a for a in answers if a.status == 409]
    assert len(doubles) == len(summit["registrants"][::40])
    assert _statuses(log.of("cancel")) == Counter({(200, None): len(summit["registrants"][1::40])})
    assert {a.body["status"] for a in answers if a.status == 201} == {"pending", "waitlisted"}

    seated = db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == event.id,
            Registration.status.in_([RegistrationStatus.PENDING, RegistrationStatus.APPROVED]),
            Registration.attendance == "in_person",
        )
    )
    # More people came than there were seats: every seat is taken, none twice, and the counter agrees.
    assert seated == event.seats_taken == event.capacity
    waiting = db.session.execute(
        select(Registration.waitlist_position).where(
            Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITLISTED
        )
    ).all()
    assert _positions(waiting) == list(range(1, event.waitlist_count + 1))
    assert event.waitlist_count > 0


def _check_workshops(summit, log: Log) -> None:
    answers = log.of("signup")
    statuses = _statuses(answers)
    assert set(statuses) <= {(201, None), (409, "schedule_overlap")}
    assert statuses[(409, "schedule_overlap")] > 0
    assert _statuses(log.of("leave")) == Counter({(204, None): len(log.of("leave"))})
    # Who asked for two morning workshops got exactly one of them, even with both requests sent at once.
    by_delegate = defaultdict(list)
    for answer in answers:
        by_delegate[answer.key[0]].append(answer.status)
    for number, (_person, registration) in enumerate(summit["delegates"]):
        if number % 5 == 0:
            assert sorted(by_delegate[registration.id]) == [201, 409], registration.id

    for workshop in summit["workshops"]:
        session = db.session.get(ProgrammeSession, workshop.id)
        confirmed = db.session.scalar(
            select(func.count(Signup.id)).where(
                Signup.session_id == session.id, Signup.status == SignupStatus.CONFIRMED
            )
        )
        assert confirmed == session.signups_count == session.capacity, session.title
        waiting = db.session.execute(
            select(Signup.position).where(Signup.session_id == session.id, Signup.status == SignupStatus.WAITLISTED)
        ).all()
        assert _positions(waiting) == list(range(1, session.waitlist_count + 1)), session.title
        assert session.waitlist_count > 0

    mine, other = Signup.__table__.alias("mine"), Signup.__table__.alias("other")
    first, second = ProgrammeSession.__table__.alias("first"), ProgrammeSession.__table__.alias("second")
    active = ("confirmed", "waitlisted")
    overlapping = db.session.execute(
        select(mine.c.registration_id)
        .join(other, (other.c.registration_id == mine.c.registration_id) & (other.c.id > mine.c.id))
        .join(first, first.c.id == mine.c.session_id)
        .join(second, second.c.id == other.c.session_id)
        .where(
            mine.c.status.in_(active),
            other.c.status.in_(active),
            first.c.starts_at < second.c.ends_at,
            second.c.starts_at < first.c.ends_at,
        )
    ).all()
    assert overlapping == []


def _check_checkins(summit, log: Log) -> None:
    answers = log.of("scan")
    assert {a.status for a in answers} == {200}
    # A device's retry (the same nonce) gets the first answer again: one scan, whatever the number of sendings.
    scans = {a.key: a.body for a in answers}
    accepted = Counter(key[:2] for key, verdict in scans.items() if verdict["result"] == "accepted")
    gates = {checkpoint.id for checkpoint in summit["checkpoints"][:2]}
    for registration_id, checkpoint_id in {key[:2] for key in scans}:
        # At a gate every approved delegate is let in once, however many doors scanned the badge at once; at the
        # workshop's door, once if they had a seat by then.
        allowed = (1,) if checkpoint_id in gates else (0, 1)
        assert accepted[(registration_id, checkpoint_id)] in allowed, (registration_id, checkpoint_id)
    stored = Counter(
        (row.registration_id, row.checkpoint_id)
        for row in db.session.execute(select(CheckIn.registration_id, CheckIn.checkpoint_id))
    )
    assert stored == accepted
    # A device's retry (the same nonce) got the first answer back, word for word.
    by_nonce = defaultdict(list)
    for answer in answers:
        by_nonce[answer.key[2:]].append(answer.body)
    retried = [bodies for bodies in by_nonce.values() if len(bodies) > 1]
    assert retried
    assert all(bodies[0] == bodies[1] for bodies in retried)


def _check_booths(summit, log: Log) -> None:
    answers = log.of("book")
    assert set(_statuses(answers)) <= {(201, None), (409, "booth_taken")}
    winners = {a.key[0]: a.key[1] for a in answers if a.status == 201}
    assert Counter(a.key[0] for a in answers if a.status == 201) == Counter({b.id: 1 for b in summit["booths"]})
    active = db.session.execute(
        select(Booking.booth_id, Booking.exhibitor_id).where(Booking.status.in_(ACTIVE_BOOKING_STATES))
    ).all()
    assert sorted(active) == sorted(winners.items())
    statuses = {booth.id: booth.status for booth in db.session.scalars(select(Booth))}
    assert set(statuses.values()) == {BoothStatus.HELD}


def _check_mail(mail_workers, smtp_server) -> None:
    """The mail workers drain the outbox into the SMTP server: every queued mail arrives, once."""
    deadline = time.monotonic() + 120
    while db.session.scalar(select(func.count()).where(OutboxMessage.status != OutboxStatus.SENT)):
        db.session.commit()
        assert time.monotonic() < deadline, "the outbox was not drained in time"
        assert all(worker.poll() is None for worker in mail_workers), [w.communicate() for w in mail_workers]
        time.sleep(0.5)
    queued = set(db.session.scalars(select(OutboxMessage.message_id)))
    db.session.commit()
    for worker in mail_workers:
        worker.terminate()
        worker.communicate()
    received = Counter(message["Message-ID"] for message in smtp_server.messages)
    assert len(smtp_server.messages) == len(queued)
    assert set(received) == queued
    assert set(received.values()) == {1}
