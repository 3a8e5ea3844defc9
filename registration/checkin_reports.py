"""What check-in tells: arrival figures for organisers, and the bundle a scanner keeps for offline scanning."""

from __future__ import annotations

import base64
from collections import Counter
from datetime import datetime

from babel import Locale
from flask_babel import get_locale
from sqlalchemy import func, select

from core.db import utcnow
from core.extensions import db
from events.models import Event
from registration.badge_codes import make_code, public_key_bytes
from registration.checkin import checkpoints_query, person
from registration.checkin_models import CheckIn
from registration.models import Registration, RegistrationStatus, Signup, SignupStatus
from registration.services import SEATED

# The offline verdict of a registration in these states, whatever the checkpoint.
OFFLINE_REFUSALS = {
    RegistrationStatus.CANCELLED: "cancelled",
    RegistrationStatus.PENDING: "not_approved",
    RegistrationStatus.WAITLISTED: "not_approved",
    RegistrationStatus.REJECTED: "not_approved",
}


def checkin_stats(event: Event) -> dict:
    """API.md's figures (registered, approved, checked in, by checkpoint, by hour), plus by country."""
    counts = dict(
        db.session.execute(
            select(Registration.status, func.count(Registration.id))
            .where(Registration.event_id == event.id)
            .group_by(Registration.status)
        ).all()
    )
    admissions = db.session.execute(
        select(CheckIn.checkpoint_id, CheckIn.registration_id, CheckIn.checked_in_at, Registration.country)
        .join(Registration, Registration.id == CheckIn.registration_id)
        .where(CheckIn.event_id == event.id)
    ).all()
    people_at: dict[int, set[int]] = {}
    countries: dict[str, set[int]] = {}
    hours: Counter[datetime] = Counter()
    for checkpoint_id, registration_id, checked_in_at, country in admissions:
        people_at.setdefault(checkpoint_id, set()).add(registration_id)
        countries.setdefault(country or "", set()).add(registration_id)
        hours[checked_in_at.astimezone(event.zone).replace(minute=0, second=0, microsecond=0)] += 1
    per_checkpoint = Counter(checkpoint_id for checkpoint_id, *_ in admissions)
    territories = Locale.parse(str(get_locale() or "en")).territories
    return {
        "registered": sum(counts.get(status, 0) for status in SEATED),
        "approved": counts.get(RegistrationStatus.APPROVED, 0),
        "checked_in": len({registration_id for _, registration_id, *_ in admissions}),
        "by_checkpoint": [
            {
                "checkpoint_id": checkpoint.id,
                "name": checkpoint.name,
                "kind": checkpoint.kind.value,
                "day": checkpoint.day.isoformat() if checkpoint.day else None,
                "checked_in": len(people_at.get(checkpoint.id, ())),
                "admissions": per_checkpoint.get(checkpoint.id, 0),
            }
            for checkpoint in db.session.scalars(checkpoints_query(event))
        ],
        "by_hour": [{"hour": hour.isoformat(), "checked_in": count} for hour, count in sorted(hours.items())],
        "by_country": sorted(
            (
                {"country": code, "name": territories.get(code, code) if code else "", "checked_in": len(ids)}
                for code, ids in countries.items()
            ),
            key=lambda row: (-row["checked_in"], row["country"]),
        ),
        "generated_at": utcnow().astimezone(event.zone).isoformat(),
    }


def offline_bundle(event: Event) -> dict:
    """API.md's bundle (public key, revoked codes) plus who is registered, so a scanner can judge offline."""
    registrations = db.session.scalars(
        select(Registration).where(Registration.event_id == event.id).order_by(Registration.id)
    ).all()
    sessions: dict[int, list[int]] = {}
    for registration_id, session_id in db.session.execute(
        select(Signup.registration_id, Signup.session_id)
        .join(Registration, Registration.id == Signup.registration_id)
        .where(Registration.event_id == event.id, Signup.status == SignupStatus.CONFIRMED)
    ):
        sessions.setdefault(registration_id, []).append(session_id)
    # Codes are deterministic, so a reissued badge's earlier codes can be listed again from their versions.
    revoked = [
        make_code(event.id, registration.id, version)
        for registration in registrations
        for version in range(1, registration.badge_version)
    ]
    return {
        "event_id": event.id,
        "public_key": base64.b64encode(public_key_bytes()).decode("ascii"),
        "revoked": revoked,
        "generated_at": utcnow().astimezone(event.zone).isoformat(),
        "registrations": [
            {
                **person(registration),
                "badge_version": registration.badge_version,
                "attendance": registration.attendance.value,
                "refusal": OFFLINE_REFUSALS.get(registration.status),
                "sessions": sorted(sessions.get(registration.id, [])),
            }
            for registration in registrations
        ],
        "checkpoints": [
            {
                "id": checkpoint.id,
                "kind": checkpoint.kind.value,
                "session_id": checkpoint.session_id,
                "day": checkpoint.day.isoformat() if checkpoint.day else None,
            }
            for checkpoint in db.session.scalars(checkpoints_query(event))
        ],
    }
