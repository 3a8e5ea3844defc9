"""The public programme pages: the event with its timetable, and one session."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import event as sqlalchemy_event

from core.extensions import db
from events.signals import add_join_link_check

WORKSHOPS = [
    ("Smart urban planning and management in urbanisation strategy", "Smart urban planning"),
    ("Digital infrastructure and foundational digital technology for smart cities", "Digital infrastructure"),
    ("Smart services in national digital transformation", "Smart services"),
    ("Smart energy in urbanisation and urban development", "Smart energy"),
    ("Smart transport in urbanisation strategy", "Smart transport"),
]
JOIN_URL = "https://meet.example.org/ascn-japan-2020"


class Tables(HTMLParser):
    """The page's tables as rows of (tag, text) cells; enough to read a timetable."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: list[list[list[list[str]]]] = []
        self._row: list | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
            self.tables[-1].append(self._row)
        elif tag in ("td", "th"):
            self._cell = [tag, ""]
            self._row.append(self._cell)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._cell[1] = " ".join(self._cell[1].split())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def titles_in(html: str) -> set[str]:
    """Titles of the sessions in the timetable (the headings of its cards)."""
    return set(re.findall(r'<h4 class="h6 mb-1" id="session-\d+-title">\s*<a href="[^"]*">(?:<s>)?([^<]+)', html))


@pytest.fixture
def summit(make_event, make_room, make_session):
    """The ASCN 2020 programme in brief: an opening plenary, five parallel workshops, an online meeting."""
    event = make_event(name="3rd ASCN Annual Meeting", description="Hosted by the Ministry of Construction.")
    hall = make_room(event, name="Plenary hall", capacity=400)
    opening = make_session(
        event,
        title="Opening plenary",
        room=hall,
        starts_at="09:00",
        ends_at="10:30",
        theme="Smart urban planning",
        speakers=[("Nguyễn Tường Văn", "Bộ Xây dựng"), ("Dato Lim Jock Hoi", "ASEAN Secretariat")],
    )
    workshops = []
    for number, (title, theme) in enumerate(WORKSHOPS, start=1):
        room = make_room(event, name=f"Workshop room {number}", capacity=60)
        workshops.append(
            make_session(
                event,
                title=title,
                kind="workshop",
                theme=theme,
                room=room,
                day=1,
                starts_at="14:00",
                ends_at="16:00",
                capacity=40,
            )
        )
    meeting = make_session(
        event,
        title="ASEAN–Japan Smart Cities Network High-Level Meeting",
        kind="meeting",
        day=2,
        starts_at="10:00",
        ends_at="12:00",
        online_url=JOIN_URL,
    )
    return {"event": event, "opening": opening, "workshops": workshops, "meeting": meeting, "hall": hall}


# The event page -------------------------------------------------------------------------------------------------


def test_event_page_shows_the_event_and_its_programme(client, summit):
    html = text_of(client.get("/events/summit-1"))
    assert "3rd ASCN Annual Meeting" in html
    assert "Wednesday, December 2, 2020" in html
    assert "Friday, December 4, 2020" in html
    assert "National Convention Center, Hanoi" in html
    assert "Hybrid" in html
    assert "Hosted by the Ministry of Construction." in html
    assert titles_in(html) == {"Opening plenary", summit["meeting"].title} | {title for title, _ in WORKSHOPS}
    # One section per day, with a link to each.
    for day in ("2020-12-02", "2020-12-03", "2020-12-04"):
        assert f'id="day-{day}"' in html
        assert f'href="#day-{day}"' in html
    assert 'href="webcal://summit.test/events/summit-1/calendar.ics"' in html


def test_page_keeps_to_the_content_security_policy(client, summit):
    html = text_of(client.get("/events/summit-1"))
    assert "style=" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert "/static/js/timezone.js" in html


def test_parallel_workshops_are_side_by_side_one_room_per_column(client, summit):
    html = text_of(client.get("/events/summit-1"))
    day_two = next(table for table in Tables(html).tables if "Workshop room 1" in table[0][1][1] + table[0][-1][1])
    header = [text for _, text in day_two[0]]
    assert header[0] == "Start"
    assert header[1:] == [f"Workshop room {number}" for number in range(1, 6)]
    (row,) = [row for row in day_two[1:] if row[0][1] == "14:00"]
    assert row[0][0] == "th"
    for number, (title, _theme) in enumerate(WORKSHOPS, start=1):
        (column,) = [index for index, (tag, text) in enumerate(row) if tag == "td" and title in text]
        assert header[column] == f"Workshop room {number}"


def test_sessions_without_a_room_have_their_own_column(client, summit, make_session):
    make_session(summit["event"], title="Lunch", kind="break", day=1, starts_at="12:00")
    html = text_of(client.get("/events/summit-1"))
    tables = Tables(html).tables
    day_two = next(table for table in tables if "Workshop room 1" in [text for _, text in table[0]])
    assert [text for _, text in day_two[0]][-1] == "Online or no room"
    day_three = next(table for table in tables if any("High-Level Meeting" in text for _, text in table[1]))
    assert [text for _, text in day_three[0]] == ["Start", "Online"]


def test_filter_by_kind(client, summit):
    html = text_of(client.get("/events/summit-1?kind=workshop"))
    assert titles_in(html) == {title for title, _ in WORKSHOPS}
    assert '<option value="workshop" selected>' in html


def test_filter_by_theme(client, summit):
    html = text_of(client.get("/events/summit-1", query_string={"theme": "Smart energy"}))
    assert titles_in(html) == {"Smart energy in urbanisation and urban development"}


def test_filter_by_kind_and_theme_together(client, summit):
    html = text_of(client.get("/events/summit-1", query_string={"kind": "plenary", "theme": "Smart energy"}))
    assert titles_in(html) == set()
    assert "No session matches these filters." in html
    html = text_of(client.get("/events/summit-1", query_string={"kind": "plenary", "theme": "Smart urban planning"}))
    assert titles_in(html) == {"Opening plenary"}


def test_an_unknown_kind_is_no_filter(client, summit):
    html = text_of(client.get("/events/summit-1?kind=banquet"))
    assert len(titles_in(html)) == 7


def test_themes_offered_are_those_of_visible_sessions(client, summit, make_session):
    make_session(summit["event"], title="Secret", status="draft", theme="Not announced yet")
    html = text_of(client.get("/events/summit-1"))
    assert '<option value="Smart transport" >' in html
    assert "Not announced yet" not in html


def test_drafts_are_hidden_from_the_public(client, summit, make_session, make_user, sign_in):
    draft = make_session(summit["event"], title="Ministerial dinner", kind="social", status="draft", starts_at="19:00")
    assert "Ministerial dinner" not in text_of(client.get("/events/summit-1"))
    assert "Ministerial dinner" not in text_of(client.get("/events/summit-1?kind=social"))
    assert client.get(f"/events/summit-1/sessions/{draft.id}").status_code == 404

    make_user("delegate@example.org")
    sign_in("delegate@example.org")
    assert "Ministerial dinner" not in text_of(client.get("/events/summit-1"))
    assert client.get(f"/events/summit-1/sessions/{draft.id}").status_code == 404


def test_drafts_are_shown_to_organisers(client, summit, make_session, make_user, sign_in):
    draft = make_session(summit["event"], title="Ministerial dinner", kind="social", status="draft", starts_at="19:00")
    make_user("organiser@example.org", roles=["organiser"])
    sign_in("organiser@example.org")
    html = text_of(client.get("/events/summit-1"))
    assert "Ministerial dinner" in titles_in(html)
    card = html[html.index(f'data-session-id="{draft.id}"') :]
    assert "Draft" in card[: card.index("</article>")]
    assert "Draft" in text_of(client.get(f"/events/summit-1/sessions/{draft.id}"))


def test_a_draft_event_is_shown_to_organisers_only(client, make_event, make_user, sign_in):
    make_event(slug="ascn-2021", status="draft")
    assert client.get("/events/ascn-2021").status_code == 404
    make_user("organiser@example.org", roles=["organiser"])
    sign_in("organiser@example.org")
    assert "only organisers see this event" in text_of(client.get("/events/ascn-2021"))


def test_cancelled_sessions_are_struck_through_and_labelled(client, summit):
    from events.services import cancel_session

    cancel_session(summit["workshops"][4])
    db.session.commit()
    html = text_of(client.get("/events/summit-1"))
    assert "<s>Smart transport in urbanisation strategy</s>" in html
    card = html[html.index(f'data-session-id="{summit["workshops"][4].id}"') :]
    card = card[: card.index("</article>")]
    assert "Cancelled" in card
    page = text_of(client.get(f"/events/summit-1/sessions/{summit['workshops'][4].id}"))
    assert "<s>Smart transport in urbanisation strategy</s>" in page
    assert "Cancelled" in page


def test_unknown_event_is_404(client):
    assert client.get("/events/no-such-summit").status_code == 404


def test_unknown_session_or_one_of_another_event_is_404(client, summit, make_event, make_session):
    other = make_session(make_event(slug="other"), title="Elsewhere")
    assert client.get("/events/summit-1/sessions/999999").status_code == 404
    assert client.get(f"/events/summit-1/sessions/{other.id}").status_code == 404
    assert client.get(f"/events/other/sessions/{other.id}").status_code == 200


def test_dates_follow_the_language_and_times_stay_on_the_24_hour_clock(client, summit):
    client.get("/language/vi")
    html = text_of(client.get("/events/summit-1?tz=Asia/Yangon"))
    assert "Thứ Tư, 2 tháng 12, 2020" in html
    assert '<time datetime="2020-12-03T13:30+06:30">13:30</time>' in html


# Time zones -----------------------------------------------------------------------------------------------------


def test_times_are_in_the_events_zone_by_default(client, summit):
    html = text_of(client.get("/events/summit-1"))
    assert "Times are in the event's time zone, Asia/Ho_Chi_Minh (GMT+07:00)." in html
    assert '<time datetime="2020-12-02T09:00+07:00">09:00</time>' in html
    assert '<time datetime="2020-12-03T14:00+07:00">14:00</time>' in html


def test_tz_argument_shows_another_zone(client, summit):
    html = text_of(client.get("/events/summit-1?tz=Asia/Yangon"))
    assert "Times are in Asia/Yangon (GMT+06:30)." in html
    assert '<time datetime="2020-12-02T08:30+06:30">08:30</time>' in html
    assert ">09:00<" not in html
    # The switch back, and the zone kept by the filter form and the links to sessions.
    assert '<a href="/events/summit-1" class="tt-zone-switch">' in html
    assert '<input type="hidden" name="tz" value="Asia/Yangon">' in html
    assert f'href="/events/summit-1/sessions/{summit["opening"].id}?tz=Asia/Yangon"' in html

    page = text_of(client.get(f"/events/summit-1/sessions/{summit['opening'].id}?tz=Asia/Yangon"))
    assert "Wednesday, December 2, 2020, 08:30" in page


def test_a_zone_can_move_a_session_to_another_day(client, summit):
    html = text_of(client.get("/events/summit-1?tz=America/Los_Angeles"))
    # 09:00 in Hanoi on 2 December is 18:00 on 1 December in California.
    assert 'id="day-2020-12-01"' in html
    assert '<time datetime="2020-12-01T18:00-08:00">18:00</time>' in html


def test_old_zone_names_are_read_as_the_current_ones(client, summit):
    # Browsers (Chromium's ICU) report Myanmar's and Viet Nam's zones by their old names.
    html = text_of(client.get("/events/summit-1?tz=Asia/Rangoon"))
    assert "Times are in Asia/Yangon (GMT+06:30)." in html
    assert ">08:30<" in html
    html = text_of(client.get("/events/summit-1?tz=Asia/Saigon"))
    assert "Times are in the event's time zone, Asia/Ho_Chi_Minh (GMT+07:00)." in html


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../../etc/passwd", "", "asia/yangon"])
def test_an_unknown_zone_is_ignored(client, summit, zone):
    html = text_of(client.get("/events/summit-1", query_string={"tz": zone}))
    assert "Asia/Ho_Chi_Minh (GMT+07:00)" in html
    assert ">09:00<" in html


def test_odd_arguments_do_not_break_the_page(client, summit):
    response = client.get("/events/summit-1?slug=other&_external=1&_anchor=x&session_id=3&tz=Asia/Yangon&kind=")
    html = text_of(response)
    assert '<a href="/events/summit-1" class="tt-zone-switch">' in html
    assert text_of(client.get(f"/events/summit-1/sessions/{summit['opening'].id}?slug=x&session_id=2&tz=UTC"))


def test_a_visitor_gets_the_switch_to_the_browsers_zone(client, summit):
    html = text_of(client.get("/events/summit-1"))
    # Filled in and shown by static/js/timezone.js, which alone knows the browser's zone.
    assert re.search(r"<a [^>]*data-browser-timezone\s[^>]*hidden>Show in my time zone", html)


def test_signed_in_user_switches_to_their_profile_zone(client, summit, make_user, sign_in):
    user = make_user("thida.aung@yangon.gov.mm", full_name="Daw Thida Aung")
    user.timezone = "Asia/Yangon"
    db.session.commit()
    sign_in("thida.aung@yangon.gov.mm")

    html = text_of(client.get("/events/summit-1?kind=plenary"))
    assert ">09:00<" in html
    switch = re.search(r'<a href="([^"]+)" class="tt-zone-switch">Show in my time zone</a> \(Asia/Yangon\)', html)
    assert switch, "no switch to the profile's zone"
    url = switch.group(1).replace("&amp;", "&")
    assert "tz=Asia/Yangon" in url
    assert "kind=plenary" in url

    html = text_of(client.get(url))
    assert "Times are in Asia/Yangon (GMT+06:30)." in html
    assert '<time datetime="2020-12-02T08:30+06:30">08:30</time>' in html


def test_no_switch_when_the_profile_zone_is_the_events(client, summit, make_user, sign_in):
    make_user("hanoi@example.org")
    sign_in("hanoi@example.org")
    html = text_of(client.get("/events/summit-1"))
    assert "It is also your time zone." in html
    assert "Show in my time zone" not in html


# The session page -----------------------------------------------------------------------------------------------


def test_session_page_shows_speakers_exactly_and_seats_left(client, summit):
    opening = summit["opening"]
    html = text_of(client.get(f"/events/summit-1/sessions/{opening.id}"))
    assert re.search(r'<h1 class="h2" id="session-title">Opening plenary</h1>', html)
    assert "Plenary" in html
    assert "Plenary hall · National Convention Center, Hanoi" in html
    assert '<span class="fw-semibold">Nguyễn Tường Văn</span>, <span class="text-secondary">Bộ Xây dựng</span>' in html
    assert "Dato Lim Jock Hoi" in html
    assert "Smart urban planning" in html
    assert "Seats" not in html  # no capacity, no count

    workshop = summit["workshops"][0]
    workshop.signups_count = 13
    db.session.commit()
    html = text_of(client.get(f"/events/summit-1/sessions/{workshop.id}"))
    assert "27 seats left of 40" in html
    assert '<time datetime="2020-12-03T14:00+07:00">Thursday, December 3, 2020, 14:00</time>' in html

    workshop.signups_count = 40
    db.session.commit()
    assert "No seats left (40 taken)." in text_of(client.get(f"/events/summit-1/sessions/{workshop.id}"))


def test_add_to_calendar(client, summit, make_user, sign_in, make_registration):
    meeting = summit["meeting"]
    html = text_of(client.get(f"/events/summit-1/sessions/{meeting.id}"))
    assert 'href="webcal://summit.test/events/summit-1/calendar.ics"' in html
    assert "invite.ics" not in html  # an invitation needs a sign-in

    delegate = make_user("delegate@example.org")
    sign_in("delegate@example.org")
    html = text_of(client.get(f"/events/summit-1/sessions/{meeting.id}"))
    link = f"/my/sessions/{meeting.id}/invite.ics"
    assert f'href="{link}">Add to calendar</a>' in html
    # The link works with the browser's sign-in once the delegate is registered (404 before: no registration).
    assert client.get(link).status_code == 404
    make_registration(meeting.event, delegate, status="approved")
    download = client.get(link)
    assert download.status_code == 200
    assert download.mimetype == "text/calendar"
    assert meeting.uid in download.get_data(as_text=True)


@pytest.mark.parametrize(
    ("email", "roles", "sees_link"),
    [
        (None, (), False),
        ("delegate@example.org", (), False),
        ("focal@example.org", ("focal_point",), False),
        ("organiser@example.org", ("organiser",), True),
        ("admin@example.org", ("admin",), True),
        ("approved@example.org", (), True),
    ],
)
def test_join_link_only_for_those_allowed(app, client, summit, make_user, sign_in, email, roles, sees_link):
    add_join_link_check(app, lambda user, event: user.email == "approved@example.org")
    if email:
        make_user(email, roles=roles, country="VN")
        sign_in(email)
    html = text_of(client.get(f"/events/summit-1/sessions/{summit['meeting'].id}"))
    assert (JOIN_URL in html) is sees_link
    assert "Join online" in html
    if not sees_link:
        assert "The join link is shown to approved registrants of the event." in html
    # Never in the timetable, whoever asks.
    assert JOIN_URL not in text_of(client.get("/events/summit-1"))


# Performance ----------------------------------------------------------------------------------------------------


def _fill_programme(event, count, make_room, make_session):
    """`count` sessions over the event's three days: six rooms in parallel plus online ones, two speakers each."""
    rooms = [make_room(event, name=f"Room {number}", capacity=100) for number in range(1, 7)]
    for index in range(count):
        day, nth = index % 3, index // 3
        slot, column = divmod(nth, 7)
        start = datetime.combine(event.starts_on + timedelta(days=day), datetime.min.time(), tzinfo=event.zone)
        start += timedelta(hours=6, minutes=45 * slot)
        make_session(
            event,
            title=f"Session {index}",
            kind="workshop" if column < 6 else "meeting",
            theme=f"Theme {index % 4}",
            starts_at=start,
            ends_at=start + timedelta(minutes=40),
            room=rooms[column] if column < 6 else None,
            online_url=None if column < 6 else f"https://meet.example.org/{index}",
            status="cancelled" if index % 10 == 9 else "published",
            speakers=[(f"Diễn giả {index}", "Bộ Xây dựng"), (f"Speaker {index}", "JASCA")],
            capacity=50,
            commit=False,
        )
    db.session.commit()


def _queries_for(client, url) -> tuple[int, str]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    db.session.expunge_all()  # nothing from the set-up may be served from the identity map
    sqlalchemy_event.listen(db.engine, "before_cursor_execute", record)
    try:
        html = text_of(client.get(url))
    finally:
        sqlalchemy_event.remove(db.engine, "before_cursor_execute", record)
    return len(statements), html


def test_timetable_queries_do_not_grow_with_sessions(client, make_event, make_room, make_session, make_user, sign_in):
    small, large = make_event(slug="small"), make_event(slug="large")
    _fill_programme(small, 10, make_room, make_session)
    _fill_programme(large, 300, make_room, make_session)

    small_count, small_html = _queries_for(client, "/events/small")
    large_count, large_html = _queries_for(client, "/events/large")
    assert len(titles_in(small_html)) == 10
    assert len(titles_in(large_html)) == 300
    assert "Diễn giả 299" in large_html
    assert large_count == small_count
    assert small_count <= 4  # the event, the sessions with their rooms, their speakers, the themes

    # An organiser's page also shows drafts and loads the signed-in user: still a fixed number.
    make_user("organiser@example.org", roles=["organiser"])
    sign_in("organiser@example.org")
    small_count, _ = _queries_for(client, "/events/small?kind=workshop")
    large_count, _ = _queries_for(client, "/events/large?kind=workshop")
    assert large_count == small_count
    assert small_count <= 6
