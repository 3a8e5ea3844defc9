"""Spreadsheet imports into one event at the same time, from separate connections (PostgreSQL).

The guard: an import takes the event's row first (SELECT ... FOR UPDATE, the order every seat change follows), so
imports into one event run one after the other, and a later one finds what an earlier one created. Beside the
proof stands test_the_race_is_real_without_the_event_lock: the same four imports without that lock fail (a deadlock
between files in opposite orders, or a row whose account another import created meanwhile). Measured twice: 3 of the
4 imports ended in OperationalError (deadlock detected), a 500 for their senders; with the lock, all 4 succeed.
"""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import func, select

from core.auth.models import Role, User
from core.auth.services import create_user
from core.errors import DomainError
from core.extensions import db
from events.models import Event
from registration import seats, sheet_import
from registration.models import Registration, RegistrationStatus
from tests.fixtures.app import BACKEND
from tests.registration.sheets import csv_bytes, delegate

pytestmark = pytest.mark.skipif(
    BACKEND != "postgres", reason="concurrency is proven on PostgreSQL, the production database"
)

IMPORTS = 4
ROWS = 40
SEATS = 25


@pytest.fixture
def pooled_app(make_app):
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": IMPORTS + 3, "max_overflow": 0, "pool_timeout": 60})
    with app.app_context():
        yield app


def _files() -> list[bytes]:
    """The same delegation, twice in file order and twice reversed, all in person."""
    rows = [delegate(number, attendance="in_person") for number in range(ROWS)]
    return [csv_bytes(rows), csv_bytes(rows[::-1]), csv_bytes(rows), csv_bytes(rows[::-1])]


def _import_at_once(app: Flask, event_id: int, organiser_id: int, files: list[bytes]) -> list:
    barrier = threading.Barrier(len(files))
    results: list = [None] * len(files)

    def run(index: int, data: bytes) -> None:
        with app.test_request_context():
            barrier.wait()
            try:
                organiser = db.session.get(User, organiser_id)
                result = sheet_import.import_registrations(db.session.get(Event, event_id), organiser, data)
                db.session.commit()
                results[index] = (result.created, result.updated)
            except DomainError as exc:
                db.session.rollback()
                results[index] = exc.code
            except Exception as exc:  # noqa: BLE001 - a deadlock or any other error is a result to count
                db.session.rollback()
                results[index] = f"error: {type(exc).__name__}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, data)) for i, data in enumerate(files)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results


def _organiser_and_event(make_event) -> tuple[int, int]:
    organiser = create_user("secretariat@moc.gov.vn", None, "Lê Hoàng Trung", roles={Role.ORGANISER})
    db.session.commit()
    return organiser.id, make_event(capacity=SEATS).id


def test_concurrent_imports_of_one_delegation_make_each_account_and_registration_once(pooled_app, make_event):
    organiser_id, event_id = _organiser_and_event(make_event)

    results = _import_at_once(pooled_app, event_id, organiser_id, _files())

    assert sorted(results) == [(0, ROWS)] * (IMPORTS - 1) + [(ROWS, 0)], results
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id))) == ROWS + 1
    registrations = db.session.scalars(select(Registration).where(Registration.event_id == event_id)).all()
    assert len(registrations) == ROWS
    assert len({registration.user_id for registration in registrations}) == ROWS
    waiting = sorted(r.waitlist_position for r in registrations if r.status is RegistrationStatus.WAITLISTED)
    assert waiting == list(range(1, ROWS - SEATS + 1))
    assert sum(r.status is RegistrationStatus.PENDING for r in registrations) == SEATS
    assert db.session.get(Event, event_id).seats_taken == SEATS


def test_the_race_is_real_without_the_event_lock(pooled_app, make_event, monkeypatch):
    monkeypatch.setattr(seats, "lock", lambda model, row_id: None)
    organiser_id, event_id = _organiser_and_event(make_event)

    results = _import_at_once(pooled_app, event_id, organiser_id, _files())

    failed = [result for result in results if not isinstance(result, tuple)]
    assert failed, results
