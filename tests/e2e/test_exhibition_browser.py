"""The floor plan and the leads page in a real browser (Debian's Chromium driven by Playwright).

The browser fixtures are the timetable tests', imported: pytest finds them by name, which ruff reads as a
redefinition (F811) in each test's arguments.

Screenshots of the demo plan at phone and desktop widths go to test-artifacts/, for a person to look at.
"""

# ruff: noqa: F811
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.extensions import db
from exhibitors import booking as bookings
from exhibitors.models import Booth, Lead

# The browser, the live server and the page opener of the timetable tests (a CSP violation fails the test).
from tests.e2e.test_checkin_browser import camera_browser
from tests.e2e.test_timetable_browser import ARTIFACTS, browser, live_server, open_page  # noqa: F401
from tests.fixtures.accounts import PASSWORD

NGUYEN = "Nguyễn Tường Văn"


@pytest.fixture
def demo(cli):
    result = cli.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output


def _screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _no_sideways_scrolling(page) -> None:
    sizes = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert sizes["scroll"] <= sizes["inner"], sizes


def test_the_plan_on_a_phone_fits_the_screen_with_the_list_below(live_server, demo, open_page):
    page = open_page(f"{live_server}/events/ascn-2020/exhibition/plan", width=390, height=844)
    _screenshot(page, "floorplan-390px.png")
    _no_sideways_scrolling(page)
    booths = page.locator("svg.floorplan a.fp-booth")
    assert booths.count() == 35
    plan = page.locator("svg.floorplan").bounding_box()
    assert plan["width"] <= 390
    listing = page.locator("ul.booth-list").bounding_box()
    assert listing["y"] >= plan["y"] + plan["height"]  # below the plan, not beside it
    assert page.locator("li.booth-list-item").count() == 35
    assert page.locator("svg.floorplan g.fp-legend text").all_text_contents() == [
        "Available",
        "Held",
        "Booked",
        "Blocked",
    ]


def test_the_plan_on_a_desktop_sits_beside_its_list_and_each_booth_opens_its_page(live_server, demo, open_page):
    page = open_page(f"{live_server}/events/ascn-2020/exhibition/plan", width=1280, height=900)
    _screenshot(page, "floorplan-1280px.png")
    _no_sideways_scrolling(page)
    plan = page.locator("svg.floorplan").bounding_box()
    listing = page.locator("ul.booth-list").bounding_box()
    assert listing["x"] >= plan["x"] + plan["width"]  # beside the plan
    # Booths are drawn to scale: a 6 × 6 m island is twice as wide and high as a 3 × 3 m booth.
    small = page.locator('a.fp-booth[data-booth-code="A01"] rect').bounding_box()
    island = page.locator('a.fp-booth[data-booth-code="E01"] rect').bounding_box()
    assert island["width"] == pytest.approx(2 * small["width"], rel=0.02)
    assert island["height"] == pytest.approx(2 * small["height"], rel=0.02)

    page.locator('a.fp-booth[data-booth-code="A01"]').click()
    page.wait_for_url("**/events/ascn-2020/booths/*")
    assert page.locator("h1").text_content().startswith("Booth A01")
    highlighted = page.locator("svg.floorplan a.fp-highlight")
    assert highlighted.get_attribute("data-booth-code") == "A01"
    _screenshot(page, "booth-a01-1280px.png")


def test_a_usb_scanner_types_badges_into_the_leads_page(
    live_server, open_page, make_event, make_booth, make_exhibitor, make_user, make_registration
):
    event = make_event(slug="ascn-2020")
    exhibitor = make_exhibitor(event, name="Mekong FinTech Payments")
    bookings.book_booth(make_booth(event), exhibitor, exhibitor.account)
    db.session.commit()
    agrees = make_registration(event, make_user("van@danang.gov.vn", full_name=NGUYEN), consent_lead_sharing=True)
    declines = make_registration(event, make_user("ha@hanoi.gov.vn", full_name="Phạm Thu Hà"))
    agrees_code, declines_code = agrees.badge_code, declines.badge_code

    page = open_page(f"{live_server}/sign-in?next=/exhibitor/{exhibitor.id}/leads", width=1280)
    page.fill("#email", exhibitor.account.email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**/exhibitor/{exhibitor.id}/leads")
    assert page.evaluate("() => document.activeElement.id") == "code"  # ready for the scanner at once

    page.keyboard.type(agrees_code + "\n")  # a USB scanner is a keyboard: the code, then Enter
    result = page.locator("#lead-scan-result")
    result.filter(has_text="is added to your leads").wait_for()
    assert page.locator("#leads-table tbody tr .lead-name").all_text_contents() == [NGUYEN]
    assert page.locator("#lead-count").text_content() == "1"
    assert page.evaluate("() => document.activeElement.id") == "code"
    assert page.input_value("#code") == ""

    page.keyboard.type(declines_code + "\n")
    result.filter(has_text="has not agreed").wait_for()
    assert result.get_attribute("data-result") == "danger"
    page.keyboard.type(agrees_code + "\n")
    result.filter(has_text="was already among your leads").wait_for()
    assert page.locator("#leads-table tbody tr").count() == 1
    _screenshot(page, "leads-scanner-1280px.png")
    assert [lead.registration.full_name for lead in db.session.scalars(select(Lead))] == [NGUYEN]
    assert db.session.scalar(select(Booth.status)).value == "held"


def test_a_badge_held_up_to_the_camera_of_the_leads_page_becomes_a_lead(
    live_server, browser, tmp_path, make_event, make_booth, make_exhibitor, make_user, make_registration
):
    event = make_event(slug="ascn-2020")
    exhibitor = make_exhibitor(event, name="Mekong FinTech Payments")
    bookings.book_booth(make_booth(event), exhibitor, exhibitor.account)
    db.session.commit()
    agrees = make_registration(event, make_user("van@danang.gov.vn", full_name=NGUYEN), consent_lead_sharing=True)

    context = camera_browser(browser, tmp_path, agrees.badge_code, {"width": 390, "height": 844})
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(f"{live_server}/sign-in?next=/exhibitor/{exhibitor.id}/leads")
        page.fill("#email", exhibitor.account.email)
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"**/exhibitor/{exhibitor.id}/leads")
        page.wait_for_selector('#camera-state[data-state="on"], #camera-state[data-state="error"]', timeout=15000)
        assert page.locator("#camera-state").get_attribute("data-error") is None
        page.locator("#lead-scan-result").filter(has_text="is added to your leads").wait_for(timeout=15000)
        assert page.locator("#leads-table tbody tr .lead-name").all_text_contents() == [NGUYEN]
        _no_sideways_scrolling(page)
        _screenshot(page, "leads-camera-390px.png")
        # The badge stays in front of the camera: read again after a while, it is still one lead.
        page.locator("#lead-scan-result").filter(has_text="was already among your leads").wait_for(timeout=15000)
        assert page.locator("#leads-table tbody tr").count() == 1
    finally:
        context.close()
    db.session.expire_all()
    assert [lead.registration.full_name for lead in db.session.scalars(select(Lead))] == [NGUYEN]
