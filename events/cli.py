"""Events' part of the demo: the ASCN 2020 summit and its programme (DOMAIN.md)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from core.extensions import db
from core.reference import ASCN_WORKSHOP_THEMES
from events import services
from events.models import (
    ApprovalMode,
    Event,
    EventMode,
    EventStatus,
    ProgrammeSession,
    SessionKind,
    SessionStatus,
)

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

PLENARY_HALL = "Plenary Hall"
EXHIBITION_HALL = "Exhibition Hall A"
# name -> seats
ROOMS = {
    PLENARY_HALL: 400,
    "Room 201": 60,
    "Room 202": 50,
    "Room 203": 50,
    "Room 204": 40,
    "Room 205": 40,
    EXHIBITION_HALL: 300,
}

# The workshops' rooms, in the order of their themes.
WORKSHOP_ROOMS = [("Room 201", 60), ("Room 202", 50), ("Room 203", 50), ("Room 204", 40), ("Room 205", 40)]

MOC = "Ministry of Construction of Viet Nam"
LE_HOANG_TRUNG = {"name": "Lê Hoàng Trung", "organisation": "Urban Development Agency, " + MOC}
LIM_JOCK_HOI = {"name": "Dato Lim Jock Hoi", "organisation": "ASEAN Secretariat"}
NGUYEN_TUONG_VAN = {"name": "Nguyễn Tường Văn", "organisation": MOC}
JASCA = {"name": "Kazuhiko Shimizu", "organisation": "JASCA"}

WORKSHOP_SPEAKERS = [
    [{"name": "Trần Quốc Thái", "organisation": "Urban Development Agency, " + MOC}],
    [{"name": "Tan Wei Ming", "organisation": "Urban Redevelopment Authority, Singapore"}],
    [{"name": "Dewi Lestari Wulandari", "organisation": "DKI Jakarta"}],
    [{"name": "Somchai Wongsawat", "organisation": "Bangkok Metropolitan Administration"}],
    [{"name": "Ahmad Faizal bin Abdullah", "organisation": "Kuala Lumpur City Hall"}],
]


def _at(day: int, hhmm: str) -> datetime:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime(2020, 12, day, hours, minutes)


def _programme() -> list[dict]:
    """The ASCN 2020 programme; times are local to Hanoi (read in the event's zone)."""
    sessions = [
        dict(title="Registration and welcome coffee", kind=SessionKind.BREAK, day=2, start="08:00", end="09:00"),
        dict(
            title="Opening plenary",
            kind=SessionKind.PLENARY,
            day=2,
            start="09:00",
            end="10:30",
            room=PLENARY_HALL,
            speakers=[NGUYEN_TUONG_VAN, LIM_JOCK_HOI],
            online_url="https://meet.ascn2020.gov.vn/opening",
        ),
        dict(
            title="High-level forum on ASEAN smart cities",
            kind=SessionKind.PLENARY,
            day=2,
            start="10:45",
            end="12:00",
            room=PLENARY_HALL,
            speakers=[LE_HOANG_TRUNG],
        ),
        dict(title="Lunch", kind=SessionKind.BREAK, day=2, start="12:00", end="13:30"),
        dict(
            title="Opening of the ASEAN smart cities exhibition",
            kind=SessionKind.EXHIBITION,
            day=2,
            start="13:30",
            end="14:00",
            room=EXHIBITION_HALL,
        ),
    ]
    workshops = zip(ASCN_WORKSHOP_THEMES, WORKSHOP_ROOMS, WORKSHOP_SPEAKERS, strict=True)
    for number, (theme, (room, seats), speakers) in enumerate(workshops, 1):
        sessions.append(
            dict(
                title=f"Workshop {number}: {theme}",
                kind=SessionKind.WORKSHOP,
                theme=theme,
                day=2,
                start="14:00",
                end="17:00",
                room=room,
                capacity=seats,
                speakers=speakers,
            )
        )
    sessions += [
        dict(
            title="3rd ASCN Annual Meeting",
            kind=SessionKind.MEETING,
            day=3,
            start="09:00",
            end="12:00",
            room=PLENARY_HALL,
            speakers=[LE_HOANG_TRUNG],
            online_url="https://meet.ascn2020.gov.vn/annual-meeting",
            description="Adoption of the ASCN Monitoring & Evaluation Framework, the framework for cooperation "
            "with external partners, and the paper on expanding membership.",
        ),
        dict(
            title="2nd ASEAN–Japan Smart Cities Network High-Level Meeting",
            kind=SessionKind.MEETING,
            day=3,
            start="14:00",
            end="16:00",
            speakers=[NGUYEN_TUONG_VAN, LIM_JOCK_HOI, JASCA],
            online_url="https://meet.ascn2020.gov.vn/asean-japan",
            description="Held online, co-chaired by the Deputy Minister of Construction of Viet Nam.",
        ),
        dict(
            title="Closing plenary",
            kind=SessionKind.PLENARY,
            day=4,
            start="09:00",
            end="10:30",
            room=PLENARY_HALL,
            speakers=[LE_HOANG_TRUNG],
        ),
        dict(title="Farewell dinner", kind=SessionKind.SOCIAL, day=4, start="18:30", end="21:00", room=EXHIBITION_HALL),
    ]
    return sessions


def load_demo_summit() -> None:
    """Create the summit, its rooms and programme where missing; an organiser's later edits are kept."""
    event = db.session.scalar(select(Event).where(Event.slug == SUMMIT_SLUG))
    if event is None:
        event = services.create_event(SUMMIT)
    rooms = {room.name: room for room in services.rooms_of(event)}
    for name, seats in ROOMS.items():
        if name not in rooms:
            rooms[name] = services.create_room(event, name=name, capacity=seats)
    db.session.flush()
    existing = set(db.session.scalars(select(ProgrammeSession.title).where(ProgrammeSession.event_id == event.id)))
    for entry in _programme():
        if entry["title"] in existing:
            continue
        room = rooms.get(entry.get("room", ""))
        services.create_session(
            event,
            {
                "title": entry["title"],
                "kind": entry["kind"],
                "theme": entry.get("theme", ""),
                "description": entry.get("description", ""),
                "starts_at": _at(entry["day"], entry["start"]),
                "ends_at": _at(entry["day"], entry["end"]),
                "room_id": room.id if room else None,
                "capacity": entry.get("capacity"),
                "online_url": entry.get("online_url"),
                "speakers": entry.get("speakers", []),
                "status": SessionStatus.PUBLISHED,
            },
        )
