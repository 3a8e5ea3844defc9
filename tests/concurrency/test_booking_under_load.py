"""One booth, many exhibitors at once: exactly one holds it (PostgreSQL, separate connections, through the API).
Also the staff-badge quota and one lead per badge under simultaneous requests.

Two guards stand behind `booth_taken`: the conditional UPDATE of the booth's status, and the partial unique index
uq_bookings_booth_id_active. Each is shown to hold the line alone, and the race is shown to be real without both:
the same 20 requests against a read-then-write check with the index dropped give several holds of one booth
(measured on this project's machine, PostgreSQL 15, three runs: 20, 20 and 20 holds of the one booth).
"""

from __future__ import annotations

import threading
from collections import Counter
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, text

from core.auth.services import issue_token
from core.extensions import db
from exhibitors import booking as bookings
from exhibitors.models import Booking, BookingStatus, Booth, BoothStatus
from tests.fixtures.app import BACKEND

pytestmark = pytest.mark.skipif(
    BACKEND != "postgres", reason="concurrency is proven on PostgreSQL, the production database"
)

EXHIBITORS = 20
ROUNDS = 5


@pytest.fixture
def pooled_app(make_app):
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": EXHIBITORS + 5, "max_overflow": 0, "pool_timeout": 60})
    with app.app_context():
        yield app


@pytest.fixture
def crowd(pooled_app, make_event, make_exhibitor):
    """An event and 20 approved exhibitors, each with its account's bearer token."""
    event = make_event()
    exhibitors = [make_exhibitor(event, name=f"Company {n}") for n in range(EXHIBITORS)]
    tokens = {exhibitor.id: issue_token(exhibitor.account) for exhibitor in exhibitors}
    db.session.commit()
    return event, tokens


def _book_at_once(app, booth_id: int, tokens: dict[int, str]) -> list:
    """Every exhibitor posts the booking at the same moment, each request in its own thread and connection."""
    barrier = threading.Barrier(len(tokens))
    answers: list = [None] * len(tokens)

    def run(index: int, exhibitor_id: int, token: str) -> None:
        client = app.test_client()
        barrier.wait()
        try:
            response = client.post(
                f"/api/v1/booths/{booth_id}/bookings",
                json={"exhibitor_id": exhibitor_id},
                headers={"Authorization": f"Bearer {token}"},
            )
            body = response.get_json() or {}
            answers[index] = (response.status_code, body.get("error", {}).get("code"))
        except Exception as exc:  # noqa: BLE001 - any other error must fail the test, with its name
            answers[index] = (f"error: {type(exc).__name__}: {exc}", None)

    threads = [
        threading.Thread(target=run, args=(index, exhibitor_id, token))
        for index, (exhibitor_id, token) in enumerate(tokens.items())
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def _active_bookings(booth_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.booth_id == booth_id, Booking.status.in_([BookingStatus.HELD, BookingStatus.CONFIRMED])
        )
    )


def _unguarded_claim(booth_id: int) -> bool:
    """The naive check: read the status, think, write it. Two requests can both read `available`."""
    booth = db.session.get(Booth, booth_id)
    if booth.status is not BoothStatus.AVAILABLE:
        return False
    threading.Event().wait(0.01)  # the gap between read and write that real requests have
    booth.status = BoothStatus.HELD
    db.session.flush()
    return True


@contextmanager
def _without_the_unique_index():
    with db.engine.begin() as connection:
        connection.execute(text("DROP INDEX uq_bookings_booth_id_active"))
    try:
        yield
    finally:
        db.session.rollback()
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM bookings"))
            connection.execute(
                text(
                    "CREATE UNIQUE INDEX uq_bookings_booth_id_active ON bookings (booth_id) "
                    "WHERE status IN ('held', 'confirmed')"
                )
            )


def test_twenty_concurrent_bookings_of_one_booth_give_one_hold(pooled_app, crowd, make_booth):
    event, tokens = crowd
    for _round in range(ROUNDS):
        booth = make_booth(event)
        answers = _book_at_once(pooled_app, booth.id, tokens)
        assert Counter(answers) == {(201, None): 1, (409, "booth_taken"): EXHIBITORS - 1}, answers
        assert _active_bookings(booth.id) == 1
        assert db.session.get(Booth, booth.id).status is BoothStatus.HELD


def test_the_conditional_update_alone_holds_the_line(pooled_app, crowd, make_booth):
    event, tokens = crowd
    booth = make_booth(event)
    with _without_the_unique_index():
        answers = _book_at_once(pooled_app, booth.id, tokens)
        assert Counter(answers) == {(201, None): 1, (409, "booth_taken"): EXHIBITORS - 1}, answers
        assert _active_bookings(booth.id) == 1


def test_the_unique_index_alone_holds_the_line(pooled_app, crowd, make_booth, monkeypatch):
    event, tokens = crowd
    booth = make_booth(event)
    monkeypatch.setattr(bookings, "claim_booth", _unguarded_claim)
    answers = _book_at_once(pooled_app, booth.id, tokens)
    assert Counter(answers) == {(201, None): 1, (409, "booth_taken"): EXHIBITORS - 1}, answers
    assert _active_bookings(booth.id) == 1


def test_the_race_is_real_without_both_guards(pooled_app, crowd, make_booth, monkeypatch):
    """Read-then-write and no index: one booth ends up held by several exhibitors. The guards above prevent it."""
    event, tokens = crowd
    booth = make_booth(event)
    monkeypatch.setattr(bookings, "claim_booth", _unguarded_claim)
    with _without_the_unique_index():
        answers = _book_at_once(pooled_app, booth.id, tokens)
        holds = sum(1 for status, _code in answers if status == 201)
        assert holds > 1, answers
        assert _active_bookings(booth.id) == holds


def test_a_lapsed_hold_lapses_once_however_many_readers_see_it(pooled_app, crowd, make_booth, make_exhibitor):
    """Twenty readers arrive together after a hold's time: one of them lapses it, and one mail is queued."""
    from datetime import UTC, datetime, timedelta

    from core.mail.models import OutboxMessage

    event, tokens = crowd
    booth = make_booth(event)
    exhibitor = make_exhibitor(event, name="Late Company")
    held = bookings.book_booth(booth, exhibitor, exhibitor.account)
    held.held_until = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    url = f"/api/v1/events/{event.id}/booths"
    barrier = threading.Barrier(EXHIBITORS)
    statuses: list = []

    def read() -> None:
        client = pooled_app.test_client()
        barrier.wait()
        try:
            statuses.append(client.get(url).status_code)
        except Exception as exc:  # noqa: BLE001 - any error must fail the test, with its name
            statuses.append(f"error: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=read) for _ in range(EXHIBITORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [200] * EXHIBITORS
    db.session.expire_all()
    assert db.session.get(Booking, held.id).status is BookingStatus.EXPIRED
    assert db.session.get(Booth, booth.id).status is BoothStatus.AVAILABLE
    lapsed_mails = db.session.scalar(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.to_address == exhibitor.account.email)
    )
    # received, approved, held, and one lapse: not twenty
    assert lapsed_mails == 4


# Staff quota and leads under load ----------------------------------------------------------------------------------


def _post_at_once(app, requests: list[tuple[str, dict, str]]) -> list:
    """POST every (url, json, token) at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)

    def run(index: int, url: str, body: dict, token: str) -> None:
        client = app.test_client()
        barrier.wait()
        try:
            response = client.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
            answers[index] = (response.status_code, (response.get_json() or {}).get("error", {}).get("code"))
        except Exception as exc:  # noqa: BLE001 - any other error must fail the test, with its name
            answers[index] = (f"error: {type(exc).__name__}: {exc}", None)

    threads = [threading.Thread(target=run, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


STAFF_TRIES = 10


@pytest.fixture
def stand(pooled_app, make_event, make_exhibitor, make_booth):
    """An exhibitor holding one 3 × 3 m booth (2 staff badges), and its account's token."""
    event = make_event()
    exhibitor = make_exhibitor(event, name="Lạc Hồng Digital Twin JSC")
    bookings.book_booth(make_booth(event), exhibitor, exhibitor.account)
    token = issue_token(exhibitor.account)
    db.session.commit()
    return exhibitor, token


def _staff_requests(exhibitor, token) -> list:
    url = f"/api/v1/exhibitors/{exhibitor.id}/staff"
    return [
        (url, {"email": f"staff{n}@lachong.example", "full_name": f"Nhân viên {n}"}, token) for n in range(STAFF_TRIES)
    ]


def test_ten_concurrent_staff_for_a_quota_of_two_give_two(pooled_app, stand):
    exhibitor, token = stand
    answers = _post_at_once(pooled_app, _staff_requests(exhibitor, token))
    assert Counter(answers) == {(201, None): 2, (409, "quota_exceeded"): STAFF_TRIES - 2}, answers
    db.session.expire_all()
    from exhibitors.models import Exhibitor, ExhibitorStaff

    assert db.session.scalar(select(func.count(ExhibitorStaff.id))) == 2
    assert db.session.get(Exhibitor, exhibitor.id).staff_count == 2


def test_the_staff_race_is_real_without_the_conditional_update(pooled_app, stand, monkeypatch):
    """A read-then-write quota check lets more than two through: the conditional update is what holds.

    Measured here (PostgreSQL 15, three runs): 10, 10 and 10 staff registered for a quota of 2.
    """
    from exhibitors import leads
    from exhibitors.models import Exhibitor

    def unguarded(exhibitor, quota):
        row = db.session.get(Exhibitor, exhibitor.id)
        if row.staff_count >= quota:
            return False
        threading.Event().wait(0.01)
        row.staff_count += 1
        db.session.flush()
        return True

    monkeypatch.setattr(leads, "_take_staff_place", unguarded)
    exhibitor, token = stand
    answers = _post_at_once(pooled_app, _staff_requests(exhibitor, token))
    assert sum(1 for status, _code in answers if status == 201) > 2, answers


def test_one_badge_scanned_on_ten_devices_at_once_is_one_lead(pooled_app, stand, make_user, make_registration):
    from exhibitors.models import Lead

    exhibitor, token = stand
    delegate = make_registration(
        exhibitor.event, make_user("van@danang.gov.vn", full_name="Nguyễn Tường Văn"), consent_lead_sharing=True
    )
    url = f"/api/v1/exhibitors/{exhibitor.id}/leads"
    answers = _post_at_once(pooled_app, [(url, {"code": delegate.badge_code}, token)] * 10)
    assert Counter(answers) == {(201, None): 1, (200, None): 9}, answers
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Lead.id))) == 1
