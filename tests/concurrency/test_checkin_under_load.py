"""The same badge scanned at once on many devices is accepted exactly once (PostgreSQL, separate connections).

Beside the proof stands the proof that the race is real: test_the_race_is_real_without_the_unique_constraint runs
the same 20 threads through a read-then-insert check (does a check-in exist? no: insert one) and sees several
threads pass the check for the same badge; only the database's unique constraint stops all but one of them
(they fail with IntegrityError). Measured here: 11, 13 and 18 of 20 threads passed the Python check in 3 rounds.
"""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import func, select

from core.auth.models import User
from core.extensions import db
from registration import checkin
from registration.checkin_models import CheckIn, Checkpoint, Scan
from tests.concurrency.test_capacity_under_load import _run_at_once
from tests.fixtures.app import BACKEND

pytestmark = pytest.mark.skipif(
    BACKEND != "postgres", reason="concurrency is proven on PostgreSQL, the production database"
)

DEVICES = 20
ROUNDS = 5


@pytest.fixture
def pooled_app(make_app):
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": DEVICES + 5, "max_overflow": 0, "pool_timeout": 60})
    with app.app_context():
        yield app


@pytest.fixture
def entrance(pooled_app, make_event, make_user):
    event = make_event()
    staff = make_user("checkin@ascn2020.gov.vn", roles=["checkin"])
    gate = checkin.create_checkpoint(event, {"name": "Main entrance"})
    db.session.commit()
    return {"event": event, "checkpoint_id": gate.id, "staff_id": staff.id}


def _scan_on(entrance, code, *, nonce=None):
    def work(device_id):
        gate = db.session.get(Checkpoint, entrance["checkpoint_id"])
        staff = db.session.get(User, entrance["staff_id"])
        return checkin.perform_checkin(gate, code, staff, device_id=device_id, nonce=nonce)

    return work


def _count(model, **where) -> int:
    db.session.expire_all()
    statement = select(func.count(model.id))
    for name, value in where.items():
        statement = statement.where(getattr(model, name) == value)
    return db.session.scalar(statement)


def test_twenty_devices_scanning_one_badge_at_once_admit_it_once(pooled_app, entrance, make_user, make_registration):
    for round_number in range(ROUNDS):
        registration = make_registration(entrance["event"], make_user(full_name=f"Nguyễn Văn {round_number}"))
        devices = [f"phone-{round_number}-{n}" for n in range(DEVICES)]

        verdicts = _run_at_once(pooled_app, _scan_on(entrance, registration.badge_code), devices)

        results = sorted(verdict["result"] for verdict in verdicts)
        assert results == ["accepted"] + ["already_checked_in"] * (DEVICES - 1), results
        assert _count(CheckIn, registration_id=registration.id) == 1
        # The stored time is the earliest scan's: a loser that read the badge a moment before the winner moves it back.
        stored = db.session.scalar(select(CheckIn.checked_in_at).where(CheckIn.registration_id == registration.id))
        firsts = [datetime.fromisoformat(verdict["first_checked_in_at"]) for verdict in verdicts]
        assert stored == min(firsts)
        assert _count(Scan, registration_id=registration.id) == DEVICES  # every scan logged


def test_one_scan_retried_at_once_gets_one_answer(pooled_app, entrance, make_user, make_registration):
    """A device that retries the same scan (same nonce) many times at once gets the first answer every time."""
    registration = make_registration(entrance["event"], make_user())
    verdicts = _run_at_once(
        pooled_app, _scan_on(entrance, registration.badge_code, nonce="scan-1"), ["phone-1"] * DEVICES
    )
    assert all(verdict == verdicts[0] for verdict in verdicts), verdicts
    assert verdicts[0]["result"] == "accepted"
    assert _count(Scan, nonce="scan-1") == 1
    assert _count(CheckIn, registration_id=registration.id) == 1


def test_the_race_is_real_without_the_unique_constraint(
    pooled_app, entrance, make_user, make_registration, monkeypatch
):
    """Deciding in Python (read, then insert) lets several devices through; the constraint is what stops them."""
    passed_the_check = []
    lock = threading.Lock()

    def read_then_insert(checkpoint, registration, period, at, device_id):
        existing = db.session.scalar(
            select(CheckIn).where(
                CheckIn.checkpoint_id == checkpoint.id,
                CheckIn.registration_id == registration.id,
                CheckIn.period == period,
            )
        )
        if existing is not None:
            return False, existing.checked_in_at
        with lock:
            passed_the_check.append(device_id)
        threading.Event().wait(0.005)  # the gap between read and write that real requests have
        db.session.add(
            CheckIn(
                event_id=checkpoint.event_id,
                checkpoint_id=checkpoint.id,
                registration_id=registration.id,
                period=period,
                checked_in_at=at,
                device_id=device_id,
            )
        )
        db.session.flush()
        return True, at

    monkeypatch.setattr(checkin, "admit", read_then_insert)
    for round_number in range(3):
        passed_the_check.clear()
        registration = make_registration(entrance["event"], make_user(full_name=f"Trần Thị {round_number}"))
        devices = [f"phone-{round_number}-{n}" for n in range(DEVICES)]
        outcomes = _run_at_once(pooled_app, _scan_on(entrance, registration.badge_code), devices)

        print(f"round {round_number}: {len(passed_the_check)} of {DEVICES} devices passed the read-then-insert check")
        refused_by_the_database = [o for o in outcomes if isinstance(o, str) and "IntegrityError" in o]
        assert len(passed_the_check) > 1, "the Python check let only one device through: no race to show"
        assert len(refused_by_the_database) == len(passed_the_check) - 1
        assert _count(CheckIn, registration_id=registration.id) == 1
