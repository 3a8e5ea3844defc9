"""What the registration domain holds about a person: their data download, and anonymisation when they leave.

Registrations of a deleted account stay, without name, organisation, needs or account, so that participation
counts (by state, category, country, city, workshop) stay right. Those of events still to come are cancelled
first, so their seats go to the next in line.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select, update

from core.auth.models import User
from core.db import utcnow
from core.extensions import db
from registration import services
from registration.models import Registration, RegistrationStatus

ANONYMOUS_NAME = "(deleted)"
ENDED = (RegistrationStatus.CANCELLED, RegistrationStatus.REJECTED)


def collect_registrations(user: User) -> list[dict]:
    """The person's registrations with every field and their session sign-ups."""
    registrations = db.session.scalars(
        select(Registration).where(Registration.user_id == user.id).order_by(Registration.id)
    ).all()
    return [_registration_data(registration) for registration in registrations]


def _registration_data(registration: Registration) -> dict:
    fields = {
        name: _plain(getattr(registration, name))
        for name in sorted(
            services.REGISTRATION_FIELDS
            | {"id", "event_id", "status", "waitlist_position", "decision_reason", "created_at", "updated_at"}
        )
    }
    signups = db.session.scalars(services.signups_query(registration)).all()
    return fields | {
        "event_name": registration.event.name,
        "signups": [
            {
                "session_id": s.session_id,
                "session_title": s.session.title,
                "status": s.status.value,
                "position": s.position,
            }
            for s in signups
        ],
    }


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    return getattr(value, "value", value)


def erase_registrations(user: User) -> None:
    """Cancel the person's registrations for events still to come, then strip every registration of who they are."""
    today = utcnow()
    for registration in db.session.scalars(select(Registration).where(Registration.user_id == user.id)).all():
        if registration.status not in ENDED and not _is_over(registration, today):
            services.cancel(registration, user)
        registration.full_name = ANONYMOUS_NAME
        registration.organisation = registration.job_title = ""
        registration.dietary = registration.accessibility = registration.decision_reason = ""
        registration.consent_lead_sharing = False
        registration.user = None
        # The old agenda feed address and badge code stop working.
        registration.feed_token = secrets.token_urlsafe(24)
        db.session.flush()
        db.session.execute(
            update(Registration)
            .where(Registration.id == registration.id)
            .values(badge_version=Registration.badge_version + 1)
            .execution_options(synchronize_session=False)
        )


def _is_over(registration: Registration, now: datetime) -> bool:
    event = registration.event
    return now.astimezone(event.zone).date() > event.ends_on
