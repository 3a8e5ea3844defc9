"""Capacity under concurrent requests from separate connections (PostgreSQL: the production database).

Beside the proofs stands the proof that the race is real: test_the_race_is_real_without_the_conditional_update
runs the same 50 threads against a read-then-write seat check and sees more than 10 people confirmed for 10 seats;
test_overlapping_signups_race_without_the_registration_lock sees delegates granted two overlapping workshops.
"""

from __future__ import annotations

import secrets
import threading

import pytest
from sqlalchemy import select

from core.auth.models import User
from core.errors import DomainError
from core.extensions import db
from events.models import Event, ProgrammeSession
from registration import seats, services
from registration.models import Registration, RegistrationStatus, Signup, SignupStatus
from tests.fixtures.app import BACKEND

pytestmark = pytest.mark.skipif(
    BACKEND != "postgres", reason="concurrency is proven on PostgreSQL, the production database"
)

THREADS = 50
SEATS = 10
ROUNDS = 20


@pytest.fixture
def pooled_app(make_app):
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 5, "max_overflow": 0, "pool_timeout": 60})
    with app.app_context():
        yield app


def _users(count: int) -> list[int]:
    users = [
        User(
            email=f"delegate{n}-{secrets.token_hex(3)}@example.org",
            full_name=f"Nguyễn Văn {n}",
            password_hash="!",
            security_stamp=secrets.token_hex(16),
        )
        for n in range(count)
    ]
    db.session.add_all(users)
    db.session.commit()
    return [user.id for user in users]


def _sign_up(registration_id: int, session_id: int) -> str:
    """One sign-up in the calling thread's session, by ids; the sign-up's status."""
    return services.sign_up(
        db.session.get(ProgrammeSession, session_id), db.session.get(Registration, registration_id)
    ).status.value


def _run_at_once(app, work, items) -> list:
    """Run work(item) for every item in its own thread, app context and database connection, all released together."""
    barrier = threading.Barrier(len(items))
    results: list = [None] * len(items)

    def run(index, item):
        with app.app_context():
            barrier.wait()
            try:
                results[index] = work(item)
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                results[index] = exc.code
            except Exception as exc:  # noqa: BLE001 - any other error must fail the test, with its name
                db.session.rollback()
                results[index] = f"error: {type(exc).__name__}: {exc}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, item)) for i, item in enumerate(items)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_fifty_concurrent_signups_for_ten_seats(pooled_app, make_event, make_room, make_session):
    event = make_event()
    room = make_room(event, capacity=SEATS)
    user_ids = _users(THREADS)
    registrations = [
        Registration(event=event, user_id=uid, full_name=f"Delegate {uid}", status=RegistrationStatus.APPROVED)
        for uid in user_ids
    ]
    db.session.add_all(registrations)
    db.session.commit()
    registration_ids = [r.id for r in registrations]
    for round_number in range(ROUNDS):
        day, hour = divmod(round_number, 8)
        session = make_session(
            event,
            room=room,
            capacity=SEATS,
            kind="workshop",
            day=day,
            starts_at=f"{8 + hour:02d}:00",
            ends_at=f"{8 + hour:02d}:50",
        )
        session_id = session.id

        def sign_up(registration_id, session_id=session_id):
            return _sign_up(registration_id, session_id)

        results = _run_at_once(pooled_app, sign_up, registration_ids)
        assert sorted(results) == ["confirmed"] * SEATS + ["waitlisted"] * (THREADS - SEATS), results
        db.session.expire_all()
        signups = db.session.scalars(select(Signup).where(Signup.session_id == session_id)).all()
        confirmed = [s for s in signups if s.status is SignupStatus.CONFIRMED]
        waiting = sorted(s.position for s in signups if s.status is SignupStatus.WAITLISTED)
        assert len(confirmed) == SEATS
        assert waiting == list(range(1, THREADS - SEATS + 1))
        stored = db.session.get(ProgrammeSession, session_id)
        assert (stored.signups_count, stored.waitlist_count) == (SEATS, THREADS - SEATS)


def test_fifty_concurrent_registrations_for_ten_seats(pooled_app, make_event):
    for _round in range(ROUNDS):
        event = make_event(capacity=SEATS)
        event_id = event.id
        user_ids = _users(THREADS)

        def register(user_id, event_id=event_id):
            user = db.session.get(User, user_id)
            data = {"consent_data_processing": True, "country": "VN", "full_name": user.full_name}
            return services.register(db.session.get(Event, event_id), user, data).status.value

        results = _run_at_once(pooled_app, register, user_ids)
        assert sorted(results) == ["pending"] * SEATS + ["waitlisted"] * (THREADS - SEATS), results
        db.session.expire_all()
        registrations = db.session.scalars(select(Registration).where(Registration.event_id == event_id)).all()
        waiting = sorted(r.waitlist_position for r in registrations if r.status is RegistrationStatus.WAITLISTED)
        assert waiting == list(range(1, THREADS - SEATS + 1))
        assert db.session.get(Event, event_id).seats_taken == SEATS


def test_the_race_is_real_without_the_conditional_update(pooled_app, make_event, make_room, make_session, monkeypatch):
    """The same load against a read-then-write seat check overbooks: the guard above is what holds the line."""

    def unguarded_take_seat(model, row_id):
        row = db.session.get(model, row_id)
        taken = row.seats_taken if model is Event else row.signups_count
        if row.capacity is not None and taken >= row.capacity:
            return False
        threading.Event().wait(0.005)  # the gap between read and write that real requests have
        if model is Event:
            row.seats_taken = taken + 1
        else:
            row.signups_count = taken + 1
        db.session.flush()
        return True

    monkeypatch.setattr(seats, "take_seat", unguarded_take_seat)
    monkeypatch.setattr(seats, "lock", lambda model, row_id: None)
    event = make_event()
    room = make_room(event, capacity=SEATS)
    session = make_session(event, room=room, capacity=SEATS, kind="workshop", starts_at="09:00", ends_at="10:00")
    registrations = [
        Registration(event=event, user_id=uid, full_name="x", status=RegistrationStatus.APPROVED)
        for uid in _users(THREADS)
    ]
    db.session.add_all(registrations)
    db.session.commit()
    session_id = session.id

    def sign_up(registration_id):
        return _sign_up(registration_id, session_id)

    results = _run_at_once(pooled_app, sign_up, [r.id for r in registrations])
    assert results.count("confirmed") > SEATS


def _overlapping_workshops(event, make_room, make_session) -> tuple[int, int]:
    first = make_session(
        event, room=make_room(event), kind="workshop", starts_at="09:00", ends_at="10:30", capacity=THREADS
    )
    second = make_session(
        event, room=make_room(event), kind="workshop", starts_at="10:00", ends_at="11:30", capacity=THREADS
    )
    return first.id, second.id


def _both_at_once(app, event, sessions: tuple[int, int]) -> dict[int, list]:
    """Each of THREADS / 2 delegates asks for both sessions at the same moment (two tabs, a double click)."""
    registrations = [
        Registration(event=event, user_id=uid, full_name=f"Delegate {uid}", status=RegistrationStatus.APPROVED)
        for uid in _users(THREADS // 2)
    ]
    db.session.add_all(registrations)
    db.session.commit()

    def sign_up(item):
        return _sign_up(*item)

    items = [(registration.id, session_id) for registration in registrations for session_id in sessions]
    results = _run_at_once(app, sign_up, items)
    by_delegate: dict[int, list] = {}
    for (registration_id, _session_id), result in zip(items, results, strict=True):
        by_delegate.setdefault(registration_id, []).append(result)
    return {registration_id: sorted(answers) for registration_id, answers in by_delegate.items()}


def test_two_overlapping_signups_at_once_give_one_workshop(pooled_app, make_event, make_room, make_session):
    event = make_event()
    sessions = _overlapping_workshops(event, make_room, make_session)
    for _round in range(3):
        answers = _both_at_once(pooled_app, event, sessions)
        assert set(map(tuple, answers.values())) == {("confirmed", "schedule_overlap")}, answers


def test_overlapping_signups_race_without_the_registration_lock(
    pooled_app, make_event, make_room, make_session, monkeypatch
):
    """Without the lock, both overlap checks can pass before either sign-up exists. Unlucky timing does that now and
    then (2 to 4 delegates of 25 in the load runs); here it is made certain: each of one delegate's two requests,
    having checked, waits until the other has checked too. With the lock the second request would wait for the
    first to end, and the test above shows one workshop each."""
    real_check = services._overlapping_signup
    both_checked = threading.Barrier(2, timeout=30)

    def check_then_wait(session, registration):
        clash = real_check(session, registration)
        both_checked.wait()
        return clash

    monkeypatch.setattr(services, "_lock_registration", lambda registration: None)
    monkeypatch.setattr(services, "_overlapping_signup", check_then_wait)
    event = make_event()
    sessions = _overlapping_workshops(event, make_room, make_session)
    registration = Registration(
        event=event, user_id=_users(1)[0], full_name="Nguyễn Tường Văn", status=RegistrationStatus.APPROVED
    )
    db.session.add(registration)
    db.session.commit()
    registration_id = registration.id

    def sign_up(session_id):
        return _sign_up(registration_id, session_id)

    assert _run_at_once(pooled_app, sign_up, list(sessions)) == ["confirmed", "confirmed"]
