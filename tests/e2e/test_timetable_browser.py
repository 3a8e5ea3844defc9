"""The timetable in a real browser (Debian's Chromium driven by Playwright) against the app in a real server.

Screenshots go to test-artifacts/ at the project root, for a person to look at after a run.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# The flags of the browser-test recipe: no sandbox (root), no GPU, and no traffic anywhere but 127.0.0.1.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
WORKSHOP_ROOMS = [f"Workshop room {number}" for number in range(1, 6)]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing, and CI is set: browser tests must run there (see .ci/run)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); the browser tests run once it is there")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The test's app served on 127.0.0.1 at a free port, over the test's database."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def open_page(browser):
    """open_page(url, width=..., height=..., timezone_id=None) -> a page; fails the test on a CSP violation."""
    contexts = []
    violations: list[str] = []

    def factory(url: str, *, width: int, height: int = 900, timezone_id: str | None = None):
        options = {"viewport": {"width": width, "height": height}, "locale": "en-GB"}
        if timezone_id:
            options["timezone_id"] = timezone_id
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
        )
        page.goto(url)
        return page

    yield factory
    for context in contexts:
        context.close()
    assert violations == []


@pytest.fixture
def programme(make_event, make_room, make_session):
    """A summit with an opening plenary, five parallel workshops, a lunch and an online meeting."""
    event = make_event(slug="ascn-2020", name="3rd ASEAN Smart Cities Network Annual Meeting 2020")
    hall = make_room(event, name="Plenary hall")
    opening = make_session(
        event,
        title="Opening plenary",
        room=hall,
        starts_at="09:00",
        ends_at="10:30",
        speakers=[("Nguyễn Tường Văn", "Bộ Xây dựng"), ("Dato Lim Jock Hoi", "ASEAN Secretariat")],
    )
    themes = ["Smart urban planning", "Digital infrastructure", "Smart services", "Smart energy", "Smart transport"]
    for room_name, theme in zip(WORKSHOP_ROOMS, themes, strict=True):
        make_session(
            event,
            title=f"{theme}: a workshop on {theme.lower()} in ASEAN cities with a rather long title",
            kind="workshop",
            theme=theme,
            room=make_room(event, name=room_name, capacity=60),
            starts_at="14:00",
            ends_at="16:00",
            capacity=40,
        )
    make_session(event, title="Lunch", kind="break", starts_at="12:00", ends_at="13:30")
    make_session(
        event,
        title="ASEAN–Japan Smart Cities Network High-Level Meeting",
        kind="meeting",
        day=1,
        starts_at="10:00",
        online_url="https://meet.example.org/ascn-japan",
    )
    return {"event": event, "opening": opening}


def _screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _page_overflow(page) -> dict:
    return page.evaluate("() => ({scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth})")


def test_narrow_screen_shows_a_list_without_sideways_scrolling(live_server, programme, open_page):
    page = open_page(f"{live_server}/events/ascn-2020", width=390, height=844)
    _screenshot(page, "timetable-390px.png")

    sizes = _page_overflow(page)
    assert sizes["scrollWidth"] <= sizes["innerWidth"], sizes
    # A list: the workshops are stacked, each as wide as the others and left-aligned.
    boxes = [page.locator('article[data-kind="workshop"]').nth(index).bounding_box() for index in range(5)]
    assert len({round(box["x"]) for box in boxes}) == 1
    assert [box["y"] for box in boxes] == sorted(box["y"] for box in boxes)
    assert len({round(box["y"]) for box in boxes}) == 5
    # Room headings are for screen readers only; each card names its room.
    assert page.locator("thead").first.bounding_box()["width"] <= 1
    assert page.get_by_text("Workshop room 3", exact=True).last.is_visible()


def test_wide_screen_puts_parallel_workshops_side_by_side(live_server, programme, open_page):
    page = open_page(f"{live_server}/events/ascn-2020", width=1280)
    _screenshot(page, "timetable-1280px.png")

    sizes = _page_overflow(page)
    assert sizes["scrollWidth"] <= sizes["innerWidth"], sizes
    boxes = [page.locator('article[data-kind="workshop"]').nth(index).bounding_box() for index in range(5)]
    assert len({round(box["y"]) for box in boxes}) == 1, boxes
    xs = [box["x"] for box in boxes]
    assert xs == sorted(xs), xs
    assert len({round(x) for x in xs}) == 5, xs
    # Each under its room's column heading.
    for room_name, box in zip(WORKSHOP_ROOMS, boxes, strict=True):
        heading = page.get_by_role("columnheader", name=room_name).bounding_box()
        assert heading["x"] <= box["x"] + 1
        assert box["x"] + box["width"] <= heading["x"] + heading["width"] + 1


def test_my_time_zone_comes_from_the_browser(live_server, programme, open_page):
    page = open_page(f"{live_server}/events/ascn-2020", width=1280, timezone_id="Asia/Yangon")
    opening_start = page.locator(f'article[data-session-id="{programme["opening"].id}"] time').first
    assert opening_start.text_content() == "09:00"

    switch = page.get_by_role("link", name="Show in my time zone")
    assert switch.is_visible()
    # Chromium names Myanmar's zone by its old name, Asia/Rangoon; the server reads it as Asia/Yangon.
    zone_argument = parse_qs(urlsplit(switch.get_attribute("href")).query)["tz"]
    assert zone_argument in (["Asia/Yangon"], ["Asia/Rangoon"])
    switch.click()
    page.wait_for_url("**tz=**")
    _screenshot(page, "timetable-asia-yangon.png")

    assert opening_start.text_content() == "08:30"
    assert opening_start.get_attribute("datetime") == "2020-12-02T08:30+06:30"
    assert "Times are in Asia/Yangon" in page.locator("#time-zone").text_content()


def test_no_switch_when_the_browser_is_in_the_events_zone(live_server, programme, open_page):
    page = open_page(f"{live_server}/events/ascn-2020", width=1280, timezone_id="Asia/Ho_Chi_Minh")
    # Chromium calls that zone Asia/Saigon: the script must still see it is the event's own.
    browser_zone = page.evaluate("() => Intl.DateTimeFormat().resolvedOptions().timeZone")
    assert browser_zone in ("Asia/Saigon", "Asia/Ho_Chi_Minh")
    assert page.get_by_role("link", name="Show in my time zone").count() == 0
    assert page.locator("a[data-browser-timezone]").is_hidden()
