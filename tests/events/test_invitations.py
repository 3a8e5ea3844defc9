"""Invitations by mail: iTIP REQUEST and CANCEL, through the outbox and a real SMTP server, read back with two
independent parsers (icalendar and vobject)."""

from __future__ import annotations

from datetime import UTC, timedelta

import icalendar
import pytest
import vobject
from babel.dates import format_date
from flask_babel import force_locale, get_locale, gettext
from sqlalchemy import func, select

from core.extensions import db
from core.mail.models import OutboxMessage
from events import services
from registration.calendar import send_session_invitation

JOIN_LINK = "https://meet.example.org/ascn-transport-41c2"
TITLE = "Hội thảo: Giao thông thông minh trong chiến lược đô thị hoá"
VI_NAME = "Nguyễn Thị Thu Hà"
EN_NAME = "Somchai Wongsawat"
ORGANIZER = "mailto:no-reply@ascn-summit.local"  # MAIL_DEFAULT_SENDER's address


# Reading what arrived ------------------------------------------------------------------------------------------


def calendar_part(message):
    parts = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1, [part.get_content_type() for part in message.walk()]
    return parts[0]


def read_itip(message) -> dict:
    """The iTIP part of a received mail, read by icalendar and by vobject, which must agree."""
    part = calendar_part(message)
    text = part.get_content()

    calendar = icalendar.Calendar.from_ical(text)
    (vevent,) = calendar.walk("VEVENT")
    attendee = vevent["ATTENDEE"]
    by_icalendar = {
        "method": str(calendar["METHOD"]),
        "uid": str(vevent["UID"]),
        "sequence": int(vevent["SEQUENCE"]),
        "status": str(vevent["STATUS"]),
        "start": vevent.decoded("DTSTART").astimezone(UTC).isoformat(),
        "offset": vevent.decoded("DTSTART").utcoffset(),
        "organizer": str(vevent["ORGANIZER"]),
        "attendee": (str(attendee), attendee.params["CN"], attendee.params["PARTSTAT"], attendee.params["RSVP"]),
        "conference": [str(value) for value in _as_list(vevent.get("CONFERENCE"))],
        "alarms": len(vevent.walk("VALARM")),
        "timezones": [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")],
    }

    vcalendar = vobject.readOne(text)
    vevent = vcalendar.vevent
    line = vevent.attendee
    by_vobject = {
        "method": vcalendar.method.value,
        "uid": vevent.uid.value,
        "sequence": int(vevent.sequence.value),
        "status": vevent.status.value,
        "start": vevent.dtstart.value.astimezone(UTC).isoformat(),
        "offset": vevent.dtstart.value.utcoffset(),  # vobject builds the zone from the VTIMEZONE itself
        "organizer": vevent.organizer.value,
        "attendee": (line.value, line.params["CN"][0], line.params["PARTSTAT"][0], line.params["RSVP"][0]),
        "conference": [conference.value for conference in vevent.contents.get("conference", [])],
        "alarms": len(vevent.contents.get("valarm", [])),
        "timezones": [tz.tzid.value for tz in vcalendar.contents.get("vtimezone", [])],
    }
    assert by_icalendar == by_vobject
    return {
        **by_icalendar,
        "tzid": calendar.walk("VEVENT")[0]["DTSTART"].params["TZID"],
        "part_method": part.get_param("method"),
        "organizer_cn": vevent.organizer.params["CN"][0],
    }


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def expected_subject(prefix: str, session, language: str) -> str:
    """What the subject should read in `language`: the prefix translated, the day written the language's way."""
    zone = session.event.zone
    start, end = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
    with force_locale(language):
        day = format_date(start.date(), "full", locale=get_locale())
        return gettext(prefix, title=session.title, when=f"{day}, {start:%H:%M}–{end:%H:%M}")


def send_mail(app) -> None:
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output


# The summit of the tests ---------------------------------------------------------------------------------------


@pytest.fixture
def mail_app(app, mail_app):
    """The app whose mail reaches the test's SMTP server, its context pushed after `app`'s: every factory, request
    and mail of a test then shares one database session."""
    return mail_app


@pytest.fixture
def client(mail_app):
    return mail_app.test_client()


@pytest.fixture
def summit(mail_app, make_event, make_room, make_session):
    event = make_event(name="Hội nghị ASCN 2020", city="Hà Nội", venue="Trung tâm Hội nghị Quốc gia")
    room = make_room(event, name="Phòng 201", capacity=60)
    session = make_session(
        event,
        title=TITLE,
        kind="workshop",
        room=room,
        starts_at="09:00",
        ends_at="10:30",
        online_url=JOIN_LINK,
        speakers=[("Trần Quốc Thái", "Cục Phát triển Đô thị")],
    )
    return {"event": event, "room": room, "session": session}


@pytest.fixture
def delegates(summit, make_user, make_registration, make_signup):
    """Two confirmed (Vietnamese, English), one waiting, and two who must not be written to."""
    event, session = summit["event"], summit["session"]
    people = {}
    for key, email, name, language, signup_status in (
        ("vi", "thuha@danang.gov.vn", VI_NAME, "vi", "confirmed"),
        ("en", "somchai@bangkok.go.th", EN_NAME, "en", "confirmed"),
        ("waiting", "dewi@jakarta.go.id", "Dewi Lestari Wulandari", "en", "waitlisted"),
    ):
        user = make_user(email, full_name=name, language=language)
        registration = make_registration(event, user, status="approved")
        people[key] = {
            "user": user,
            "registration": registration,
            "signup": make_signup(session, registration, signup_status),
        }
    # A registration cancelled after its seat was confirmed, and one whose account was deleted.
    gone = make_user("left@example.org", full_name="Ahmad Faizal bin Abdullah")
    make_signup(session, make_registration(event, gone, status="cancelled"))
    make_signup(session, make_registration(event, None, status="approved", full_name="Tan Wei Ming"))
    return people


@pytest.fixture
def organiser(make_user, token_for):
    return token_for(make_user("organiser@example.org", roles=["organiser"], full_name="Lê Hoàng Trung"))


# A move, then a cancellation -----------------------------------------------------------------------------------


def test_a_move_then_a_cancellation_reach_each_confirmed_delegate_in_their_language(
    summit, delegates, organiser, client, mail_app, smtp_server
):
    session = summit["session"]
    uid, first_sequence = session.uid, session.sequence

    moved = client.patch(
        f"/api/v1/sessions/{session.id}",
        json={"starts_at": "2020-12-03T14:00:00+07:00", "ends_at": "2020-12-03T15:30:00+07:00"},
        headers=organiser,
    )
    assert moved.status_code == 200, moved.get_json()
    send_mail(mail_app)

    assert len(smtp_server.messages) == 2
    assert smtp_server.to("dewi@jakarta.go.id") == []
    requests = {}
    for key, language, name in (("vi", "vi", VI_NAME), ("en", "en", EN_NAME)):
        user = delegates[key]["user"]
        (received,) = smtp_server.to(user.email)
        assert received["To"] == f"{name} <{user.email}>"
        assert received["Subject"] == expected_subject("Changed: %(title)s, %(when)s", session, language)
        assert received.get_body(("html",)) is not None
        itip = read_itip(received)
        assert itip["part_method"] == "REQUEST"
        assert itip["method"] == "REQUEST"
        assert itip["uid"] == uid
        assert itip["sequence"] > first_sequence
        assert itip["status"] == "CONFIRMED"
        assert itip["start"] == "2020-12-03T07:00:00+00:00"
        assert itip["tzid"] == "Asia/Ho_Chi_Minh"
        assert itip["offset"] == timedelta(hours=7)
        assert itip["timezones"] == ["Asia/Ho_Chi_Minh"]
        assert itip["attendee"] == (f"mailto:{user.email}", name, "NEEDS-ACTION", "TRUE")
        assert itip["organizer"] == ORGANIZER
        assert itip["organizer_cn"] == "ASCN Summit"
        assert itip["conference"] == [JOIN_LINK]  # both are approved registrants
        assert itip["alarms"] == 1
        requests[key] = itip
    # The day is written each reader's way; the greeting comes from the catalogue.
    vi_mail, en_mail = smtp_server.to("thuha@danang.gov.vn")[0], smtp_server.to("somchai@bangkok.go.th")[0]
    assert "tháng 12" in vi_mail["Subject"]
    assert "December" in en_mail["Subject"]
    assert f"Kính gửi {VI_NAME}," in vi_mail.get_body(("plain",)).get_content()
    assert f"Hello {EN_NAME}," in en_mail.get_body(("plain",)).get_content()

    assert client.delete(f"/api/v1/sessions/{session.id}", headers=organiser).status_code == 204
    send_mail(mail_app)

    assert len(smtp_server.messages) == 4
    assert smtp_server.to("dewi@jakarta.go.id") == []
    for key, language in (("vi", "vi"), ("en", "en")):
        user = delegates[key]["user"]
        _, received = smtp_server.to(user.email)
        assert received["Subject"] == expected_subject("Cancelled: %(title)s, %(when)s", session, language)
        itip = read_itip(received)
        assert itip["part_method"] == "CANCEL"
        assert itip["method"] == "CANCEL"
        assert itip["uid"] == uid
        assert itip["status"] == "CANCELLED"
        assert itip["sequence"] > requests[key]["sequence"]
        assert itip["attendee"][0] == f"mailto:{user.email}"
        assert itip["conference"] == []
        assert itip["alarms"] == 0


def test_a_session_taken_back_to_draft_is_cancelled_in_calendars(summit, delegates, organiser, client, smtp_server):
    session = summit["session"]
    response = client.patch(f"/api/v1/sessions/{session.id}", json={"status": "draft"}, headers=organiser)
    assert response.status_code == 200, response.get_json()
    send_mail(client.application)

    assert len(smtp_server.messages) == 2
    for key in ("vi", "en"):
        (received,) = smtp_server.to(delegates[key]["user"].email)
        itip = read_itip(received)
        assert itip["method"] == "CANCEL"
        assert itip["uid"] == session.uid
        assert itip["status"] == "CANCELLED"
        assert itip["sequence"] == 1


def test_a_change_of_anything_but_time_place_or_status_sends_nothing(summit, delegates, organiser, client):
    response = client.patch(
        f"/api/v1/sessions/{summit['session'].id}", json={"title": "Giao thông thông minh"}, headers=organiser
    )
    assert response.status_code == 200
    assert response.get_json()["sequence"] == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_invitations_go_only_if_the_change_is_committed(summit, delegates):
    services.update_session(summit["session"], {"room_id": None})
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2  # queued in the change's transaction
    db.session.rollback()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


# A seat given ----------------------------------------------------------------------------------------------------


def test_send_session_invitation_queues_a_request_for_a_confirmed_seat(summit, delegates, mail_app, smtp_server):
    session = summit["session"]
    signup = delegates["en"]["signup"]
    assert send_session_invitation(signup) is not None
    assert send_session_invitation(delegates["waiting"]["signup"]) is None
    db.session.commit()
    send_mail(mail_app)

    (received,) = smtp_server.messages
    assert received["Subject"] == expected_subject("Invitation: %(title)s, %(when)s", session, "en")
    itip = read_itip(received)
    assert itip["method"] == "REQUEST"
    assert itip["uid"] == session.uid
    assert itip["sequence"] == session.sequence
    assert itip["start"] == "2020-12-02T02:00:00+00:00"
    assert itip["attendee"] == ("mailto:somchai@bangkok.go.th", EN_NAME, "NEEDS-ACTION", "TRUE")
    assert itip["conference"] == [JOIN_LINK]
    assert itip["alarms"] == 1
    assert JOIN_LINK in received.get_body(("plain",)).get_content()


def test_a_delegate_not_yet_approved_is_invited_without_the_join_link(
    summit, make_user, make_registration, make_signup, mail_app, smtp_server
):
    user = make_user("pending@example.org", full_name="Phạm Minh Châu", language="vi")
    signup = make_signup(summit["session"], make_registration(summit["event"], user, status="pending"))
    send_session_invitation(signup)
    db.session.commit()
    send_mail(mail_app)

    (received,) = smtp_server.messages
    itip = read_itip(received)
    assert itip["method"] == "REQUEST"
    assert itip["attendee"][1] == "Phạm Minh Châu"
    assert itip["conference"] == []
    for part in received.walk():
        if part.get_content_maintype() == "text":
            assert JOIN_LINK not in part.get_content()


def test_no_invitation_to_a_cancelled_session(summit, delegates):
    services.cancel_session(summit["session"])
    db.session.commit()
    before = db.session.scalar(select(func.count(OutboxMessage.id)))
    assert send_session_invitation(delegates["vi"]["signup"]) is None
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == before
