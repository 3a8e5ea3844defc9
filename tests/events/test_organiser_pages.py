"""The organisers' back office of the programme (/manage), through the real forms with their CSRF tokens."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core.extensions import db
from events import services
from events.models import Event, EventStatus, ProgrammeSession, Room, SessionKind, SessionStatus
from tests.fixtures.accounts import csrf_token_from

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
LE_HOANG_TRUNG = ("Lê Hoàng Trung", "Urban Development Agency, Ministry of Construction of Viet Nam")


def _html(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def organiser(make_user, sign_in):
    user = make_user("secretariat@moc.gov.vn", roles=["organiser"], full_name="Nguyễn Tường Văn")
    assert sign_in("secretariat@moc.gov.vn").status_code == 302
    return user


@pytest.fixture
def summit(app):
    """The ASCN 2020 summit, 2–4 December in Hanoi, with two rooms."""
    event = services.create_event(
        {
            "slug": "ascn-2020",
            "name": "3rd ASCN Annual Meeting 2020",
            "starts_on": date(2020, 12, 2),
            "ends_on": date(2020, 12, 4),
            "timezone": "Asia/Ho_Chi_Minh",
            "city": "Hanoi",
            "status": EventStatus.PUBLISHED,
        }
    )
    services.create_room(event, name="Room 201", capacity=60)
    services.create_room(event, name="Plenary Hall", capacity=400)
    db.session.commit()
    return event


def _room(event: Event, name: str) -> Room:
    return db.session.scalar(select(Room).where(Room.event_id == event.id, Room.name == name))


def _event_form(**overrides) -> dict:
    data = {
        "slug": "ascn-2021",
        "name": "4th ASCN Annual Meeting",
        "starts_on": "2021-11-17",
        "ends_on": "2021-11-19",
        "timezone": "Asia/Bangkok",
        "venue": "Queen Sirikit National Convention Center",
        "city": "Bangkok",
        "country": "TH",
        "mode": "hybrid",
        "status": "draft",
        "capacity": "300",
        "approval": "moderated",
        "registration_opens_at": "2021-10-01T09:00",
        "registration_closes_at": "2021-11-10T17:00",
        "description": "The network's fourth annual meeting.",
    }
    data.update(overrides)
    return data


def _session_form(room: Room | None, speakers=(), **overrides) -> dict:
    data = {
        "title": "Workshop 1: Smart urban planning",
        "kind": "workshop",
        "theme": "Smart urban planning and management in urbanisation strategy",
        "description": "",
        "day": "2020-12-02",
        "start_time": "14:00",
        "end_time": "17:00",
        "end_day": "",
        "room_id": str(room.id) if room else "",
        "capacity": "",
        "online_url": "",
        "status": "published",
    }
    for index, (name, organisation) in enumerate(speakers):
        data[f"speakers-{index}-name"] = name
        data[f"speakers-{index}-organisation"] = organisation
    data.update(overrides)
    return data


def _schedule(event: Event, title: str, start: str, end: str, *, room: Room | None = None, speakers=(), **extra):
    day = extra.pop("day", 2)
    session = services.create_session(
        event,
        {
            "title": title,
            "kind": extra.pop("kind", SessionKind.PLENARY),
            "starts_at": datetime(2020, 12, day, *map(int, start.split(":"))),
            "ends_at": datetime(2020, 12, day, *map(int, end.split(":"))),
            "room_id": room.id if room else None,
            "speakers": [{"name": name, "organisation": organisation} for name, organisation in speakers],
            "status": SessionStatus.PUBLISHED,
            **extra,
        },
    )
    db.session.commit()
    return session


def _field_errors(page: str, field_id: str) -> str:
    match = re.search(rf'id="{re.escape(field_id)}-errors"[^>]*>([^<]*)<', page)
    assert match, f"no error shown next to {field_id}"
    return match.group(1)


# Events ---------------------------------------------------------------------------------------------------------


def test_an_organiser_creates_an_event_and_finds_it_in_the_list(client, organiser, post_form):
    response = post_form("/manage/events/new", _event_form())

    assert response.status_code == 302
    event = db.session.scalar(select(Event).where(Event.slug == "ascn-2021"))
    assert response.headers["Location"].endswith(f"/manage/events/{event.id}")
    assert (event.name, event.timezone, event.country, event.capacity) == (
        "4th ASCN Annual Meeting",
        "Asia/Bangkok",
        "TH",
        300,
    )
    assert (event.mode.value, event.status.value, event.approval.value) == ("hybrid", "draft", "moderated")
    # The registration window is typed on Bangkok's wall clock (UTC+7).
    assert event.registration_opens_at == datetime(2021, 10, 1, 2, 0, tzinfo=UTC)
    assert event.registration_closes_at == datetime(2021, 11, 10, 10, 0, tzinfo=UTC)

    listing = _html(client.get("/manage/events"))
    assert "4th ASCN Annual Meeting" in listing  # a draft, listed for organisers
    assert f'href="/manage/events/{event.id}"' in listing


def test_the_time_zone_select_lists_the_region_first(client, organiser):
    page = _html(client.get("/manage/events/new"))
    assert page.index('<option selected value="Asia/Ho_Chi_Minh">') < page.index('value="Asia/Yangon"')
    assert page.index('value="Asia/Yangon"') < page.index('value="Africa/Abidjan"')
    assert page.index('<option value="BN">') < page.index('<option selected value="VN">') < page.index('value="AF"')


def test_a_taken_slug_is_shown_next_to_it_and_nothing_is_saved(client, organiser, post_form, summit):
    response = post_form("/manage/events/new", _event_form(slug="ascn-2020"))

    assert response.status_code == 200
    page = _html(response)
    assert "Another event already uses the address “ascn-2020”." in _field_errors(page, "slug")
    assert 'value="4th ASCN Annual Meeting"' in page  # what was typed is kept
    assert _count(Event) == 1


def test_an_unknown_time_zone_is_refused(client, organiser, post_form):
    response = post_form("/manage/events/new", _event_form(timezone="Mars/Olympus_Mons"))

    assert response.status_code == 200
    assert "Not a known IANA time zone" in _field_errors(_html(response), "timezone")
    assert _count(Event) == 0


def test_editing_an_event_shows_and_reads_the_window_in_its_time_zone(client, organiser, post_form, summit):
    summit.registration_opens_at = datetime(2020, 10, 1, 1, 30, tzinfo=UTC)
    db.session.commit()
    url = f"/manage/events/{summit.id}/edit"
    assert 'value="2020-10-01T08:30"' in _html(client.get(url))  # 08:30 in Hanoi

    form = _event_form(slug="ascn-2020", name="3rd ASCN Annual Meeting", timezone="Asia/Ho_Chi_Minh")
    form.update(starts_on="2020-12-02", ends_on="2020-12-04", registration_opens_at="2020-10-05T09:00")
    response = post_form(url, form)

    assert response.status_code == 302
    db.session.expire_all()
    event = db.session.get(Event, summit.id)
    assert event.name == "3rd ASCN Annual Meeting"
    assert event.registration_opens_at == datetime(2020, 10, 5, 2, 0, tzinfo=UTC)


def test_an_event_cannot_end_before_it_starts(client, organiser, post_form, summit):
    response = post_form(f"/manage/events/{summit.id}/edit", _event_form(slug="ascn-2020", ends_on="2021-11-01"))

    assert response.status_code == 200
    assert "The event cannot end before it starts." in _field_errors(_html(response), "ends_on")
    db.session.expire_all()
    assert db.session.get(Event, summit.id).name == "3rd ASCN Annual Meeting 2020"


# Rooms ----------------------------------------------------------------------------------------------------------


def test_rooms_are_added_and_edited(client, organiser, post_form, summit):
    programme = f"/manage/events/{summit.id}"
    for name, seats in (("Room 202", "50"), ("Exhibition Hall A", "")):
        response = post_form(f"{programme}/rooms", {"name": name, "capacity": seats}, form_url=programme)
        assert response.status_code == 302
    assert _room(summit, "Room 202").capacity == 50
    assert _room(summit, "Exhibition Hall A").capacity is None

    taken = post_form(f"{programme}/rooms", {"name": "Room 202", "capacity": "10"}, form_url=programme)
    assert taken.status_code == 200
    assert "This event already has a room called “Room 202”." in _field_errors(_html(taken), "name")
    assert _count(Room) == 4

    room = _room(summit, "Room 202")
    response = post_form(f"/manage/rooms/{room.id}/edit", {"name": "Room 202 (Mekong)", "capacity": "55"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (room.name, room.capacity) == ("Room 202 (Mekong)", 55)
    page = _html(client.get(programme))
    assert "Room 202 (Mekong)" in page
    assert "Exhibition Hall A" in page


# Sessions -------------------------------------------------------------------------------------------------------


def test_an_organiser_schedules_a_session_with_speakers(client, organiser, post_form, summit):
    room = _room(summit, "Room 201")
    form_page = _html(client.get(f"/manage/events/{summit.id}/sessions/new"))
    assert '<option value="Smart transport in urbanisation strategy">' in form_page  # the five ASCN themes
    assert form_page.count('name="speakers-') >= 10  # at least five rows of name and organisation

    data = _session_form(
        room,
        speakers=[LE_HOANG_TRUNG, ("Dato Lim Jock Hoi", "ASEAN Secretariat")],
        capacity="60",
        online_url="https://meet.ascn2020.gov.vn/workshop-1",
    )
    response = post_form(f"/manage/events/{summit.id}/sessions/new", data)

    assert response.status_code == 302
    session = db.session.scalar(select(ProgrammeSession))
    assert session.title == "Workshop 1: Smart urban planning"
    assert session.kind is SessionKind.WORKSHOP
    assert session.theme == "Smart urban planning and management in urbanisation strategy"
    assert session.starts_at == datetime(2020, 12, 2, 7, 0, tzinfo=UTC)  # 14:00 in Hanoi
    assert session.ends_at == datetime(2020, 12, 2, 10, 0, tzinfo=UTC)
    assert (session.room_id, session.capacity, session.status) == (room.id, 60, SessionStatus.PUBLISHED)
    assert session.online_url == "https://meet.ascn2020.gov.vn/workshop-1"
    assert [(s.name, s.organisation) for s in session.speakers] == [
        LE_HOANG_TRUNG,
        ("Dato Lim Jock Hoi", "ASEAN Secretariat"),
    ]

    programme = _html(client.get(f"/manage/events/{summit.id}"))
    assert "Lê Hoàng Trung" in programme
    assert "14:00" in programme
    assert "17:00" in programme
    edit_page = _html(client.get(f"/manage/sessions/{session.id}/edit"))
    assert 'value="Lê Hoàng Trung"' in edit_page
    assert 'value="14:00"' in edit_page


def test_a_session_over_midnight_uses_the_end_day(client, organiser, post_form, summit):
    data = _session_form(None, title="Gala evening", kind="social", start_time="20:00", end_time="00:30")
    data["end_day"] = "2020-12-03"
    assert post_form(f"/manage/events/{summit.id}/sessions/new", data).status_code == 302
    session = db.session.scalar(select(ProgrammeSession))
    assert session.ends_at.astimezone(HANOI) == datetime(2020, 12, 3, 0, 30, tzinfo=HANOI)


def test_a_session_must_end_after_it_starts(client, organiser, post_form, summit):
    data = _session_form(_room(summit, "Room 201"), start_time="17:00", end_time="14:00")
    response = post_form(f"/manage/events/{summit.id}/sessions/new", data)

    assert response.status_code == 200
    assert "A session must end after it starts." in _field_errors(_html(response), "end_time")
    assert _count(ProgrammeSession) == 0

    session = _schedule(summit, "Workshop 1", "14:00", "17:00", room=_room(summit, "Room 201"))
    response = post_form(f"/manage/sessions/{session.id}/edit", data)
    assert response.status_code == 200
    page = _html(response)
    assert "A session must end after it starts." in _field_errors(page, "end_time")
    assert 'value="17:00"' in page  # the start as typed
    db.session.expire_all()
    assert (session.title, session.ends_at) == ("Workshop 1", datetime(2020, 12, 2, 10, 0, tzinfo=UTC))


def test_a_room_conflict_names_the_other_session_and_saves_nothing(client, organiser, post_form, summit):
    room = _room(summit, "Room 201")
    _schedule(summit, "Opening plenary", "13:00", "15:00", room=room)
    data = _session_form(room, speakers=[LE_HOANG_TRUNG])

    response = post_form(f"/manage/events/{summit.id}/sessions/new", data)

    assert response.status_code == 200
    page = _html(response)
    assert "The room “Room 201” is taken then by “Opening plenary” (13:00–15:00)." in _field_errors(page, "room_id")
    assert 'value="Workshop 1: Smart urban planning"' in page
    assert 'value="Lê Hoàng Trung"' in page
    assert _count(ProgrammeSession) == 1


def test_a_room_conflict_is_shown_on_edit_too(client, organiser, post_form, summit):
    room, hall = _room(summit, "Room 201"), _room(summit, "Plenary Hall")
    _schedule(summit, "Opening plenary", "09:00", "10:30", room=room)
    workshop = _schedule(summit, "Workshop 2", "14:00", "17:00", room=hall)

    data = _session_form(room, title="Workshop 2", start_time="10:00", end_time="12:00")
    response = post_form(f"/manage/sessions/{workshop.id}/edit", data)

    assert response.status_code == 200
    assert "taken then by “Opening plenary” (09:00–10:30)" in _field_errors(_html(response), "room_id")
    db.session.expire_all()
    unchanged = db.session.get(ProgrammeSession, workshop.id)
    assert (unchanged.room_id, unchanged.starts_at, unchanged.sequence) == (
        hall.id,
        datetime(2020, 12, 2, 7, 0, tzinfo=UTC),
        0,
    )


def test_a_speaker_cannot_be_in_two_sessions_at_once(client, organiser, post_form, summit):
    _schedule(
        summit, "Opening plenary", "13:00", "15:00", room=_room(summit, "Plenary Hall"), speakers=[LE_HOANG_TRUNG]
    )
    # The same person, typed with other capitals and spacing.
    name, organisation = LE_HOANG_TRUNG
    data = _session_form(_room(summit, "Room 201"), speakers=[(name.upper(), f" {organisation} ")])

    response = post_form(f"/manage/events/{summit.id}/sessions/new", data)

    assert response.status_code == 200
    page = _html(response)
    assert "already speaks at “Opening plenary” at that time." in _field_errors(page, "speakers")
    assert _count(ProgrammeSession) == 1


def test_a_session_outside_the_event_dates_is_refused(client, organiser, post_form, summit):
    response = post_form(
        f"/manage/events/{summit.id}/sessions/new", _session_form(None, kind="plenary", day="2020-12-05")
    )

    assert response.status_code == 200
    assert "The session must take place between" in _field_errors(_html(response), "day")
    assert _count(ProgrammeSession) == 0


@pytest.mark.parametrize(
    ("room_name", "online_url", "saved"),
    [
        ("Room 201", "", False),  # 60 seats: 80 is too many
        ("Room 201", "https://meet.ascn2020.gov.vn/w1", False),  # hybrid: the room still limits
        (None, "https://meet.ascn2020.gov.vn/w1", True),  # online only: no room limits it
    ],
)
def test_a_session_offers_no_more_seats_than_its_room_unless_online_only(
    client, organiser, post_form, summit, room_name, online_url, saved
):
    room = _room(summit, room_name) if room_name else None
    data = _session_form(room, capacity="80", online_url=online_url)

    response = post_form(f"/manage/events/{summit.id}/sessions/new", data)

    if saved:
        assert response.status_code == 302
        assert db.session.scalar(select(ProgrammeSession.capacity)) == 80
    else:
        assert response.status_code == 200
        message = _field_errors(_html(response), "capacity")
        assert "The room “Room 201” seats 60; the session cannot offer more." in message
        assert _count(ProgrammeSession) == 0


def test_changing_a_session_time_raises_its_sequence_and_a_title_does_not(client, organiser, post_form, summit):
    room = _room(summit, "Room 201")
    session = _schedule(summit, "Workshop 1", "14:00", "17:00", room=room, kind=SessionKind.WORKSHOP)
    url = f"/manage/sessions/{session.id}/edit"

    assert post_form(url, _session_form(room, title="Workshop 1: planning")).status_code == 302
    db.session.expire_all()
    assert (session.title, session.sequence) == ("Workshop 1: planning", 0)

    assert post_form(url, _session_form(room, title="Workshop 1: planning", start_time="14:30")).status_code == 302
    db.session.expire_all()
    assert session.starts_at == datetime(2020, 12, 2, 7, 30, tzinfo=UTC)
    assert session.sequence == 1


def test_cancelling_keeps_the_session_with_status_cancelled(client, organiser, post_form, summit):
    session = _schedule(summit, "Farewell dinner", "18:30", "21:00", room=_room(summit, "Plenary Hall"))
    url = f"/manage/sessions/{session.id}/cancel"
    assert "Cancel “Farewell dinner”?" in _html(client.get(url))

    response = post_form(url, {}, follow_redirects=True)

    assert response.status_code == 200
    assert "“Farewell dinner” is cancelled" in _html(response)
    db.session.expire_all()
    assert session.status is SessionStatus.CANCELLED
    assert session.sequence == 1
    assert _count(ProgrammeSession) == 1


def test_deleting_removes_a_session_nobody_signed_up_for(client, organiser, post_form, summit):
    session = _schedule(summit, "Coffee break", "10:30", "10:45")

    response = post_form(f"/manage/sessions/{session.id}/delete", {}, follow_redirects=True)

    assert "“Coffee break” is deleted." in _html(response)
    assert _count(ProgrammeSession) == 0


def test_deleting_a_session_with_sign_ups_cancels_it_and_says_so(client, organiser, post_form, summit):
    session = _schedule(summit, "Site visit", "14:00", "17:00")
    session.signups_count = 3
    db.session.commit()
    url = f"/manage/sessions/{session.id}/delete"
    assert "3 people signed up or are waiting" in _html(client.get(url))

    response = post_form(url, {}, follow_redirects=True)

    assert "has sign-ups, so it was cancelled instead of deleted" in _html(response)
    db.session.expire_all()
    assert db.session.get(ProgrammeSession, session.id).status is SessionStatus.CANCELLED


def test_the_programme_groups_sessions_by_day_in_the_event_time_zone(client, organiser, summit):
    _schedule(summit, "Closing plenary", "09:00", "10:30", day=4)
    # 07:00 in Hanoi on 3 December is still 2 December in UTC.
    _schedule(summit, "Morning walk", "07:00", "07:30", day=3)
    _schedule(summit, "Opening plenary", "09:00", "10:30", day=2)

    page = _html(client.get(f"/manage/events/{summit.id}"))

    wednesday, thursday, friday = (page.index(f'id="day-2020-12-0{day}">') for day in (2, 3, 4))
    assert "Thursday, December 3, 2020" in page[thursday:friday]
    assert wednesday < page.index("Opening plenary") < thursday
    assert thursday < page.index("Morning walk") < friday < page.index("Closing plenary")
    assert "07:00" in page


# Access -----------------------------------------------------------------------------------------------------------


def _manage_urls(app, event: Event, session: ProgrammeSession, room: Room) -> list[tuple[str, str]]:
    # The role is checked before anything is loaded, so an id that names nothing still gets the 403.
    ids = {"event_id": event.id, "session_id": session.id, "room_id": room.id, "registration_id": 1}
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/manage/"):
            continue
        url = rule.rule
        for name, value in ids.items():
            url = url.replace(f"<int:{name}>", str(value))
        url = re.sub(r"<any\(([a-z_]+)[^>]*>", r"\1", url)
        # Other domains' ids (booths, bookings...): the role is checked before anything is loaded, so any id does.
        url = re.sub(r"<int:\w+>", "1", url)
        found += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def test_every_manage_page_needs_the_organiser_role(app, client, make_user, sign_in, summit):
    session = _schedule(summit, "Opening plenary", "09:00", "10:30")
    urls = _manage_urls(app, summit, session, _room(summit, "Room 201"))
    assert len(urls) >= 14
    assert all(
        getattr(app.view_functions[rule.endpoint], "required_roles", None)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/manage/")
    )

    # With a valid CSRF token, so that it is the role that turns the POSTs away, not the token.
    token = csrf_token_from(_html(client.get("/sign-in")))
    for method, url in urls:  # an anonymous visitor is sent to sign in
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 302, (method, url)
        assert "/sign-in" in response.headers["Location"]

    make_user("delegate@danang.gov.vn")
    sign_in("delegate@danang.gov.vn")
    token = csrf_token_from(_html(client.get("/account")))
    for method, url in urls:
        assert client.open(url, method=method, data={"csrf_token": token}).status_code == 403, (method, url)
    assert _count(ProgrammeSession) == 1
    assert "/manage/events" not in _html(client.get("/"))


def test_organisers_find_the_back_office_in_the_navigation(client, organiser):
    home = _html(client.get("/"))
    assert '<a class="nav-link" href="/manage/events">Organiser</a>' in home
    assert 'aria-current="page">Organiser</a>' in _html(client.get("/manage/events"))
