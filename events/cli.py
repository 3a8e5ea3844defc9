"""Events' part of the demo: the ASCN 2020 summit itself."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.extensions import db
from events.models import ApprovalMode, Event, EventMode, EventStatus

SUMMIT_SLUG = "ascn-2020"

SUMMIT = {
    "slug": SUMMIT_SLUG,
    "name": "3rd ASEAN Smart Cities Network Annual Meeting 2020",
    "starts_on": date(2020, 12, 2),
    "ends_on": date(2020, 12, 4),
    "timezone": "Asia/Ho_Chi_Minh",
    "venue": "National Convention Center",
    "city": "Hanoi",
    "country": "VN",
    "mode": EventMode.HYBRID,
    "status": EventStatus.PUBLISHED,
    "capacity": 400,
    "approval": ApprovalMode.MODERATED,
    "description": (
        "Hosted by the Ministry of Construction of Viet Nam (Urban Development Agency) as ASEAN Chair 2020: "
        "representatives of the 10 member states, 25 ASCN member cities and 6 external partners, with a "
        "high-level forum and exhibition on ASEAN smart cities and five thematic workshops."
    ),
}


def load_demo_summit() -> None:
    """Create the summit if it is missing; an organiser's later edits are kept."""
    if db.session.scalar(select(Event).where(Event.slug == SUMMIT_SLUG)) is None:
        db.session.add(Event(**SUMMIT))
        db.session.flush()
