"""The demo summit's delegates: about 300, of the ten member states, in every state, with waiting lists."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from core.extensions import db
from core.mail.models import OutboxMessage
from core.reference import ASEAN_COUNTRIES
from events.cli import SUMMIT_SLUG
from events.models import Event, ProgrammeSession, SessionKind
from registration.models import Category, Registration, RegistrationStatus, Signup, SignupStatus


def test_the_demo_has_delegates_in_every_state_with_waiting_lists(cli):
    assert cli.invoke(args=["demo", "load"]).exit_code == 0
    event = db.session.scalar(select(Event).where(Event.slug == SUMMIT_SLUG))
    registrations = db.session.scalars(
        select(Registration).where(Registration.event_id == event.id, Registration.category != Category.EXHIBITOR)
    ).all()  # delegates; booth staff are the exhibition's (tests/exhibitors)
    assert 280 <= len(registrations) <= 320
    states = Counter(r.status for r in registrations)
    assert set(states) == set(RegistrationStatus)
    assert {r.country for r in registrations} >= set(ASEAN_COUNTRIES)
    vietnamese_letters = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
    assert sum(1 for r in registrations if set(r.full_name.lower()) & vietnamese_letters) > 50
    # The hall is full and the waiting list is numbered 1..n without gaps.
    seated = sum(1 for r in registrations if r.status in ("pending", "approved") and r.attendance == "in_person")
    assert event.seats_taken == seated == event.capacity
    positions = sorted(r.waitlist_position for r in registrations if r.status is RegistrationStatus.WAITLISTED)
    assert positions == list(range(1, states[RegistrationStatus.WAITLISTED] + 1))
    # Workshops: popular ones full with a waiting list, never above capacity.
    workshops = db.session.scalars(
        select(ProgrammeSession).where(
            ProgrammeSession.event_id == event.id, ProgrammeSession.kind == SessionKind.WORKSHOP
        )
    ).all()
    for workshop in workshops:
        confirmed = db.session.scalar(
            select(func.count()).where(Signup.session_id == workshop.id, Signup.status == SignupStatus.CONFIRMED)
        )
        assert confirmed == workshop.signups_count <= workshop.capacity
    assert any(workshop.waitlist_count > 0 for workshop in workshops)
    # The fictional people are not written to.
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0

    before = len(registrations)
    assert cli.invoke(args=["demo", "load"]).exit_code == 0
    assert (
        len(db.session.scalars(select(Registration).where(Registration.category != Category.EXHIBITOR)).all()) == before
    )
