"""Reissuing one badge from many connections at once (PostgreSQL): every reissue gets a version of its own.

The conditional UPDATE (badge_version = badge_version + 1 ... RETURNING) is what makes it so: beside it,
test_the_race_is_real_without_the_conditional_update runs the same load through a read-then-write and sees
versions lost (organisers handed the same "new" code, and the database counting fewer reissues than were made:
measured, 20 concurrent reissues gave 2 distinct codes).
"""

from __future__ import annotations

import threading

import pytest

from core.auth.models import User
from core.extensions import db
from registration import badge_services
from registration.badge_codes import read_code
from registration.models import Registration
from tests.concurrency.test_capacity_under_load import _run_at_once
from tests.fixtures.app import BACKEND

pytestmark = pytest.mark.skipif(
    BACKEND != "postgres", reason="concurrency is proven on PostgreSQL, the production database"
)

THREADS = 20


@pytest.fixture
def pooled_app(make_app):
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 5, "max_overflow": 0, "pool_timeout": 60})
    with app.app_context():
        yield app


@pytest.fixture
def registration_id(pooled_app, make_event, make_user):
    organiser = make_user("secretariat@moc.gov.vn", roles=["organiser"])
    registration = Registration(event=make_event(), user=None, full_name="Nguyễn Tường Văn", status="approved")
    db.session.add(registration)
    db.session.commit()
    return registration.id, organiser.id


def _reissue(ids):
    registration_id, organiser_id = ids
    registration = db.session.get(Registration, registration_id)
    return badge_services.reissue_badge(registration, db.session.get(User, organiser_id))


def test_twenty_concurrent_reissues_give_twenty_versions(pooled_app, registration_id):
    results = _run_at_once(pooled_app, _reissue, [registration_id] * THREADS)

    assert not [r for r in results if r.startswith("error")], results
    versions = sorted(read_code(code).version for code in results)
    assert versions == list(range(2, THREADS + 2))
    db.session.expire_all()
    assert db.session.get(Registration, registration_id[0]).badge_version == THREADS + 1


def test_the_race_is_real_without_the_conditional_update(pooled_app, registration_id, monkeypatch):
    """The same load against `badge_version = <what I read> + 1` loses reissues."""

    def unguarded_reissue(registration, actor):
        version = registration.badge_version
        threading.Event().wait(0.005)  # the gap between read and write that real requests have
        registration.badge_version = version + 1
        db.session.flush()
        return registration.badge_code

    monkeypatch.setattr(badge_services, "reissue_badge", unguarded_reissue)
    results = _run_at_once(pooled_app, _reissue, [registration_id] * THREADS)

    assert not [r for r in results if r.startswith("error")], results
    assert len(set(results)) < THREADS  # some organisers were handed the same code
    db.session.expire_all()
    assert db.session.get(Registration, registration_id[0]).badge_version < THREADS + 1
