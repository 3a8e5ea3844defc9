"""The exhibition of the demo summit: 35 booths and 35 companies in every state, staff and leads; idempotent."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from core.extensions import db
from exhibitors.models import Booking, Booth, Exhibitor, ExhibitorStaff, Lead


def _snapshot() -> dict:
    return {
        "booths": Counter(db.session.scalars(select(Booth.status))),
        "exhibitors": Counter(db.session.scalars(select(Exhibitor.status))),
        "bookings": Counter(db.session.scalars(select(Booking.status))),
        "staff": db.session.scalar(select(func.count(ExhibitorStaff.id))),
        "leads": db.session.scalar(select(func.count(Lead.id))),
    }


def test_the_demo_exhibition_has_every_state_and_loading_it_again_changes_nothing(cli, client):
    assert cli.invoke(args=["demo", "load"]).exit_code == 0
    first = _snapshot()
    assert sum(first["booths"].values()) == 35
    assert {status.value: count for status, count in first["booths"].items()} == {
        "available": 7,
        "held": 6,
        "booked": 20,
        "blocked": 2,
    }
    assert {status.value: count for status, count in first["exhibitors"].items()} == {
        "approved": 29,
        "pending": 4,
        "rejected": 2,
    }
    assert first["staff"] == 3
    assert first["leads"] == 4
    names = set(db.session.scalars(select(Exhibitor.name)))
    assert {"Lạc Hồng Digital Twin JSC", "Đà Nẵng Smart Lighting", "Yokohama Smart Community Lab"} <= names

    result = cli.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert _snapshot() == first
    # A demo exhibitor signs in with the published demo password.
    response = client.post(
        "/api/v1/auth/token", json={"email": "expo@lac-hong-digital-twin-jsc.example", "password": "ascn-demo-2020"}
    )
    assert response.status_code == 201
