"""The calendar feeds, read by two independent parsers: ical.js (Thunderbird's, through node) and vobject.

A feed is right when both parsers agree with what the programme says: the times in UTC, the UID, SEQUENCE and
STATUS, the exact Vietnamese names, and join links only where the reader may see them.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import vobject
from flask_babel import force_locale, gettext
from sqlalchemy import event as sqlalchemy_event

from core.extensions import db
from events import services
from events.models import ProgrammeSession, SessionKind
from registration.models import Signup, SignupStatus

ICAL_CHECK = Path(__file__).with_name("ical_check.cjs")
ZONE = "Asia/Ho_Chi_Minh"
JOIN_LINK = "https://meet.example.org/ascn-workshop-7d3f"
EVENT_NAME = "Hội nghị thường niên Mạng lưới Đô thị thông minh ASEAN"
PLENARY_TITLE = "Khai mạc: Đô thị thông minh và bền vững"
ROOM_NAME = "Phòng họp Hoa Sen"
SPEAKER = ("Lê Hoàng Trung", "Cục Phát triển Đô thị, Bộ Xây dựng")
DELEGATE_NAME = "Nguyễn Thị Thu Hà"


# The two parsers -----------------------------------------------------------------------------------------------


def ical_js(body: bytes, tmp_path: Path) -> dict:
    """What ical.js reads in `body`: {method, timezones, events: [...]} (see ical_check.cjs)."""
    path = tmp_path / f"feed-{len(list(tmp_path.iterdir()))}.ics"
    path.write_bytes(body)
    result = subprocess.run(
        ["node", str(ICAL_CHECK), str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _text(component, name: str) -> str | None:
    return component.contents[name][0].value if name in component.contents else None


def vobject_read(body: bytes) -> dict:
    """What vobject reads in `body`, in the shape of ical_js(): times as UTC ISO strings."""
    calendar = vobject.readOne(body.decode("utf-8"))
    events = []
    for vevent in calendar.contents.get("vevent", []):
        start, end = vevent.dtstart.value, vevent.dtend.value
        assert start.tzinfo is not None, "a floating start: the TZID was not resolved"
        events.append(
            {
                "uid": vevent.uid.value,
                "sequence": int(vevent.sequence.value),
                "status": _text(vevent, "status"),
                "summary": _text(vevent, "summary"),
                "location": _text(vevent, "location"),
                "description": _text(vevent, "description"),
                "url": _text(vevent, "url"),
                "start": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "end": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "conference": [
                    {"value": line.value, "feature": line.params.get("FEATURE", [None])[0]}
                    for line in vevent.contents.get("conference", [])
                ],
                "alarms": [alarm.trigger.value for alarm in vevent.contents.get("valarm", [])],
            }
        )
    return {
        "method": _text(calendar, "method"),
        "name": _text(calendar, "x-wr-calname"),
        "timezones": [_text(vtimezone, "tzid") for vtimezone in calendar.contents.get("vtimezone", [])],
        "events": events,
    }


def read_both(body: bytes, tmp_path: Path) -> tuple[dict, dict]:
    """Parse with both parsers and check that they agree on what matters; ical.js's reading first."""
    by_ical_js, by_vobject = ical_js(body, tmp_path), vobject_read(body)
    assert by_ical_js["method"] == by_vobject["method"]
    assert by_ical_js["name"] == by_vobject["name"]
    assert by_ical_js["timezones"] == by_vobject["timezones"]
    fields = ("uid", "sequence", "status", "summary", "location", "description", "start", "end")
    assert [{k: e[k] for k in fields} for e in by_ical_js["events"]] == [
        {k: e[k] for k in fields} for e in by_vobject["events"]
    ]
    assert [len(e["alarms"]) for e in by_vobject["events"]] == [e["alarms"] for e in by_ical_js["events"]]
    return by_ical_js, by_vobject


def by_uid(parsed: dict) -> dict[str, dict]:
    return {entry["uid"]: entry for entry in parsed["events"]}


def assert_is_calendar(response) -> bytes:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return response.data


# The programme of the tests ------------------------------------------------------------------------------------


@pytest.fixture
def programme(make_event, make_room, make_session):
    """A published event in Asia/Ho_Chi_Minh: a plenary at 09:00, an online workshop, a cancelled and a draft."""
    event = make_event(name=EVENT_NAME, city="Hà Nội", venue="Trung tâm Hội nghị Quốc gia", timezone=ZONE)
    room = make_room(event, name=ROOM_NAME, capacity=200)
    plenary = make_session(
        event,
        title=PLENARY_TITLE,
        room=room,
        starts_at="09:00",
        ends_at="10:30",
        theme="Quy hoạch đô thị",
        description="Phát biểu khai mạc của Bộ trưởng.",
        speakers=[SPEAKER],
    )
    workshop = make_session(
        event,
        title="Hội thảo trực tuyến: Giao thông thông minh",
        kind="workshop",
        starts_at="14:00",
        online_url=JOIN_LINK,
    )
    cancelled = make_session(event, title="Tham quan triển lãm", starts_at="16:00")
    services.cancel_session(cancelled)
    db.session.commit()
    draft = make_session(event, title="Bản nháp bí mật", starts_at="17:00", status="draft")
    return {
        "event": event,
        "room": room,
        "plenary": plenary,
        "workshop": workshop,
        "cancelled": cancelled,
        "draft": draft,
    }


@pytest.fixture
def organiser(make_user, token_for):
    return token_for(make_user("organiser@example.org", roles=["organiser"], full_name="Trần Quốc Thái"))


@pytest.fixture
def delegate(programme, make_user, make_registration, make_signup, token_for):
    """An approved registrant confirmed for the plenary and the workshop, waiting for the cancelled session."""
    user = make_user("thuha@danang.gov.vn", full_name=DELEGATE_NAME, language="vi")
    registration = make_registration(programme["event"], user, status="approved")
    make_signup(programme["plenary"], registration)
    make_signup(programme["workshop"], registration)
    return {"user": user, "registration": registration, "headers": token_for(user)}


@pytest.fixture
def pending_delegate(programme, make_user, make_registration, token_for):
    user = make_user("somchai@bangkok.go.th", full_name="Somchai Wongsawat")
    registration = make_registration(programme["event"], user, status="pending")
    return {"user": user, "registration": registration, "headers": token_for(user)}


def _public_feed(client, programme) -> bytes:
    return assert_is_calendar(client.get(f"/events/{programme['event'].slug}/calendar.ics"))


# The public programme ------------------------------------------------------------------------------------------


def test_the_public_feed_reads_the_same_in_both_parsers_with_the_event_zone(client, programme, tmp_path):
    body = _public_feed(client, programme)
    parsed, _ = read_both(body, tmp_path)

    assert parsed["timezones"] == [ZONE]
    assert parsed["method"] is None
    assert b"X-WR-TIMEZONE:Asia/Ho_Chi_Minh" in body
    plenary = by_uid(parsed)[programme["plenary"].uid]
    # 09:00 in Ho Chi Minh City (UTC+7) is 02:00 UTC, as both parsers work it out from the VTIMEZONE.
    assert plenary["start"] == "2020-12-02T02:00:00Z"
    assert plenary["end"] == "2020-12-02T03:30:00Z"
    assert plenary["start_tzid"] == ZONE
    assert plenary["status"] == "CONFIRMED"
    assert plenary["sequence"] == 0
    assert plenary["categories"] == ["Plenary"]
    assert plenary["url"] == f"http://summit.test/events/{programme['event'].slug}/sessions/{programme['plenary'].id}"


def test_names_with_diacritics_come_through_exactly(client, programme, tmp_path):
    body = _public_feed(client, programme)
    for parsed in read_both(body, tmp_path):
        assert parsed["name"] == EVENT_NAME
        plenary = by_uid(parsed)[programme["plenary"].uid]
        assert plenary["summary"] == PLENARY_TITLE
        assert plenary["location"] == f"{ROOM_NAME}, Trung tâm Hội nghị Quốc gia, Hà Nội"
        assert plenary["description"] == (
            "Theme: Quy hoạch đô thị\n"
            "Speakers: Lê Hoàng Trung (Cục Phát triển Đô thị, Bộ Xây dựng)\n\n"
            "Phát biểu khai mạc của Bộ trưởng."
        )


def test_cancelled_sessions_stay_marked_and_drafts_never_appear(client, programme, tmp_path):
    body = _public_feed(client, programme)
    for parsed in read_both(body, tmp_path):
        sessions = by_uid(parsed)
        assert sessions[programme["cancelled"].uid]["status"] == "CANCELLED"
        assert sessions[programme["cancelled"].uid]["sequence"] == 1
        assert programme["draft"].uid not in sessions
        assert len(sessions) == 3
    assert "Bản nháp bí mật".encode() not in body


def test_the_public_feed_never_carries_a_join_link(client, programme, make_user, sign_in, tmp_path):
    anonymous = _public_feed(client, programme)
    # Not even for an organiser, who sees join links everywhere else: the public feed is the same for everyone.
    make_user("organiser@example.org", roles=["organiser"])
    assert sign_in("organiser@example.org").status_code == 302
    signed_in = _public_feed(client, programme)

    for body in (anonymous, signed_in):
        assert JOIN_LINK.encode() not in body
        assert b"meet.example.org" not in body
        assert b"CONFERENCE" not in body
        for parsed in read_both(body, tmp_path):
            workshop = by_uid(parsed)[programme["workshop"].uid]
            assert workshop["conference"] == []
            assert workshop["location"] == "Online"
            assert "https://" not in workshop["description"]


def test_an_unknown_or_draft_event_has_no_feed(client, make_event):
    draft = make_event(status="draft")
    assert client.get("/events/no-such-summit/calendar.ics").status_code == 404
    assert client.get(f"/events/{draft.slug}/calendar.ics").status_code == 404


# One session for the caller: invite.ics ------------------------------------------------------------------------


def _invite(client, session, headers):
    return client.get(f"/api/v1/sessions/{session.id}/invite.ics", headers=headers)


def test_an_approved_registrant_gets_the_join_link_and_a_reminder(client, programme, delegate, tmp_path):
    body = assert_is_calendar(_invite(client, programme["workshop"], delegate["headers"]))
    by_ical_js, by_vobject = read_both(body, tmp_path)

    for parsed in (by_ical_js, by_vobject):
        (workshop,) = parsed["events"]
        assert workshop["uid"] == programme["workshop"].uid
        assert workshop["start"] == "2020-12-02T07:00:00Z"
        assert [c["value"] for c in workshop["conference"]] == [JOIN_LINK]
        assert workshop["conference"][0]["feature"] == "VIDEO"
        assert JOIN_LINK in workshop["description"]
    assert by_ical_js["timezones"] == [ZONE]
    assert by_ical_js["events"][0]["alarms"] == 1
    assert by_vobject["events"][0]["alarms"] == [-timedelta(minutes=15)]
    assert by_ical_js["method"] is None  # a download to add, not an iTIP message


def test_a_pending_registrant_gets_the_session_without_the_join_link(client, programme, pending_delegate, tmp_path):
    body = assert_is_calendar(_invite(client, programme["workshop"], pending_delegate["headers"]))
    assert JOIN_LINK.encode() not in body
    for parsed in read_both(body, tmp_path):
        (workshop,) = parsed["events"]
        assert workshop["conference"] == []
        assert workshop["uid"] == programme["workshop"].uid
    assert ical_js(body, tmp_path)["events"][0]["alarms"] == 1


def test_invite_needs_a_sign_in_and_a_registration(client, programme, make_user, token_for, make_registration):
    session = programme["plenary"]
    assert _invite(client, session, {}).status_code == 401
    assert _invite(client, session, {"Authorization": "Bearer not-a-token"}).status_code == 401

    stranger = make_user("stranger@example.org")
    response = _invite(client, session, token_for(stranger))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"

    cancelled = make_user("left@example.org")
    make_registration(programme["event"], cancelled, status="cancelled")
    assert _invite(client, session, token_for(cancelled)).status_code == 404


def test_invite_of_a_draft_or_missing_session_is_404(client, programme, delegate):
    assert _invite(client, programme["draft"], delegate["headers"]).status_code == 404
    assert client.get("/api/v1/sessions/999999/invite.ics", headers=delegate["headers"]).status_code == 404


def test_the_cancelled_session_downloads_as_cancelled(client, programme, delegate, tmp_path):
    body = assert_is_calendar(_invite(client, programme["cancelled"], delegate["headers"]))
    for parsed in read_both(body, tmp_path):
        assert parsed["events"][0]["status"] == "CANCELLED"


def test_the_join_link_check_lets_approved_registrants_see_online_url(client, programme, delegate, pending_delegate):
    url = f"/api/v1/sessions/{programme['workshop'].id}"
    assert client.get(url, headers=delegate["headers"]).get_json()["online_url"] == JOIN_LINK
    assert client.get(url, headers=pending_delegate["headers"]).get_json()["online_url"] is None
    assert client.get(url).get_json()["online_url"] is None


# The personal agenda -------------------------------------------------------------------------------------------


def _agenda(client, registration):
    return client.get(f"/calendar/{registration.feed_token}.ics")


def test_the_agenda_needs_no_sign_in_and_holds_the_confirmed_sessions(
    client, programme, delegate, make_signup, tmp_path
):
    make_signup(programme["cancelled"], delegate["registration"], status="waitlisted")
    body = assert_is_calendar(_agenda(client, delegate["registration"]))
    by_ical_js, _ = read_both(body, tmp_path)

    sessions = by_uid(by_ical_js)
    assert set(sessions) == {programme["plenary"].uid, programme["workshop"].uid}
    assert by_ical_js["timezones"] == [ZONE]
    assert sessions[programme["plenary"].uid]["start"] == "2020-12-02T02:00:00Z"
    assert [c["value"] for c in sessions[programme["workshop"].uid]["conference"]] == [JOIN_LINK]
    # The feed speaks the delegate's language (calendar clients rarely say which they prefer).
    with force_locale("vi"):
        assert sessions[programme["plenary"].uid]["categories"] == [str(SessionKind.PLENARY.label)]
        assert sessions[programme["workshop"].uid]["location"] == gettext("Online")
    assert sessions[programme["plenary"].uid]["location"] == f"{ROOM_NAME}, Trung tâm Hội nghị Quốc gia, Hà Nội"
    assert by_ical_js["name"].startswith(EVENT_NAME)


def test_the_agenda_of_a_pending_registration_has_no_join_link(
    client, programme, pending_delegate, make_signup, tmp_path
):
    make_signup(programme["workshop"], pending_delegate["registration"])
    body = assert_is_calendar(_agenda(client, pending_delegate["registration"]))
    assert JOIN_LINK.encode() not in body
    (workshop,) = ical_js(body, tmp_path)["events"]
    assert workshop["conference"] == []


def test_an_unknown_agenda_token_is_404(client, programme, delegate):
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404
    assert client.get(f"/calendar/{delegate['registration'].feed_token}x.ics").status_code == 404


def test_a_cancelled_registration_keeps_an_empty_agenda(client, programme, delegate, tmp_path):
    delegate["registration"].status = "cancelled"
    db.session.commit()
    body = assert_is_calendar(_agenda(client, delegate["registration"]))
    assert ical_js(body, tmp_path)["events"] == []


# A change seen everywhere --------------------------------------------------------------------------------------


def test_after_a_move_every_feed_keeps_the_uid_and_raises_the_sequence(
    client, programme, delegate, organiser, tmp_path
):
    plenary = programme["plenary"]
    uid, sequence = plenary.uid, plenary.sequence

    def readings():
        bodies = [
            _public_feed(client, programme),
            assert_is_calendar(_invite(client, plenary, delegate["headers"])),
            assert_is_calendar(_agenda(client, delegate["registration"])),
        ]
        return [by_uid(parsed)[uid] for body in bodies for parsed in read_both(body, tmp_path)]

    before = readings()
    assert {entry["sequence"] for entry in before} == {sequence}

    moved = client.patch(
        f"/api/v1/sessions/{plenary.id}",
        json={"starts_at": "2020-12-03T11:00:00+07:00", "ends_at": "2020-12-03T12:00:00+07:00"},
        headers=organiser,
    )
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["uid"] == uid

    after = readings()
    assert len(after) == 6  # three feeds, two parsers each
    for entry in after:
        assert entry["uid"] == uid
        assert entry["sequence"] > sequence
        assert entry["start"] == "2020-12-03T04:00:00Z"


# Queries -------------------------------------------------------------------------------------------------------


class QueryCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        sqlalchemy_event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        sqlalchemy_event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs):
        self.count += 1


def _busy_event(make_event, make_room, make_session, size: int):
    """An event with `size` sessions in three rooms, each with its own speaker, back to back over two days."""
    event = make_event()
    rooms = [make_room(event, name=f"Phòng {n}") for n in range(3)]
    first = datetime(2020, 12, 2, 0, 0, tzinfo=event.zone)
    for n in range(size):
        start = first + timedelta(minutes=10 * (n // 3))
        make_session(
            event,
            title=f"Phiên {n}",
            room=rooms[n % 3],
            starts_at=start,
            ends_at=start + timedelta(minutes=10),
            speakers=[(f"Diễn giả {n}", "Bộ Xây dựng")],
            commit=False,
        )
    db.session.commit()
    return event


def _signed_up_for_all(event, registration):
    sessions = db.session.scalars(db.select(ProgrammeSession.id).where(ProgrammeSession.event_id == event.id)).all()
    db.session.add_all(
        Signup(session_id=session_id, registration_id=registration.id, status=SignupStatus.CONFIRMED)
        for session_id in sessions
    )
    db.session.commit()
    return len(sessions)


def test_feeds_run_the_same_queries_for_10_and_300_sessions(
    client, make_event, make_room, make_session, make_user, make_registration, tmp_path
):
    counts = {}
    for size in (10, 300):
        event = _busy_event(make_event, make_room, make_session, size)
        registration = make_registration(event, make_user(f"busy{size}@example.org"), status="approved")
        assert _signed_up_for_all(event, registration) == size
        public_url, agenda_url = f"/events/{event.slug}/calendar.ics", f"/calendar/{registration.feed_token}.ics"
        db.session.expire_all()  # nothing cached from the set-up: the request loads what it needs
        with QueryCounter(db.engine) as public_queries:
            public = assert_is_calendar(client.get(public_url))
        db.session.expire_all()
        with QueryCounter(db.engine) as agenda_queries:
            agenda = assert_is_calendar(client.get(agenda_url))
        assert len(ical_js(public, tmp_path)["events"]) == size
        assert len(vobject_read(agenda)["events"]) == size
        counts[size] = (public_queries.count, agenda_queries.count)

    assert counts[10] == counts[300], counts
    # The event (the agenda: the registration with its event); the sessions with their rooms; their speakers.
    assert counts[300] == (3, 3)
