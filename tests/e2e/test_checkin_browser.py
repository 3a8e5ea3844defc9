"""The scanner page in Chromium (Playwright) against the app in a real server: a USB scanner typing a badge code,
a badge held up to the camera (Chromium's fake camera playing a video of the QR), and scanning with the network cut.

Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import qrcode
from sqlalchemy import select

from core.extensions import db
from registration import checkin
from registration.badge_codes import make_code
from registration.checkin_models import CheckIn, Checkpoint, Scan
from tests.e2e.test_timetable_browser import (  # noqa: F401  (browser, live_server: fixtures shared with the timetable)
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    browser,
    live_server,
)
from tests.fixtures.accounts import PASSWORD

NAME = "Nguyễn Tường Văn"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def badge(make_event, make_user, make_registration):
    event = make_event(name="3rd ASEAN Smart Cities Network Annual Meeting 2020")
    gate = checkin.create_checkpoint(event, {"name": "Main entrance"})
    db.session.commit()
    make_user("checkin@ascn2020.gov.vn", roles=["checkin"], full_name="Phạm Thu Hà")
    registration = make_registration(
        event, make_user("van@danang.gov.vn", full_name=NAME), organisation="Bộ Xây dựng", category="government"
    )
    return {"event": event, "checkpoint_id": gate.id, "registration": registration, "code": registration.badge_code}


def _watch_csp(page, violations: list[str]) -> None:
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )


def _sign_in_and_open_scanner(page, live_server, badge) -> None:  # noqa: F811
    page.goto(f"{live_server}/sign-in")
    page.fill('input[name="email"]', "checkin@ascn2020.gov.vn")
    page.fill('input[name="password"]', PASSWORD)
    page.locator('form button[type="submit"]').last.click()
    page.wait_for_url(f"{live_server}/**")
    page.goto(f"{live_server}/checkin/{badge['checkpoint_id']}")
    # The offline bundle (public key, revocations, people) is kept before anything else happens.
    page.wait_for_selector("#scanner[data-bundle-loaded]")


def _verdict(page, result: str, provisional: str = "false"):
    page.wait_for_selector(f'#verdict[data-result="{result}"][data-provisional="{provisional}"]', timeout=15000)
    return page.locator("#verdict")


def _screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _admissions() -> list[CheckIn]:
    db.session.expire_all()
    return db.session.scalars(select(CheckIn)).all()


@pytest.fixture
def phone(browser):  # noqa: F811
    context = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    violations: list[str] = []
    _watch_csp(page, violations)
    yield context, page
    context.close()
    assert violations == []


def test_a_code_typed_by_a_usb_scanner_shows_the_verdict(live_server, badge, phone):  # noqa: F811
    context, page = phone
    _sign_in_and_open_scanner(page, live_server, badge)
    assert page.locator("#network-state").get_attribute("data-state") == "online"

    # A USB scanner is a keyboard: the code's characters, then Enter.
    page.locator("#code-input").click()
    page.keyboard.type(badge["code"] + "\n")
    verdict = _verdict(page, "accepted")
    _screenshot(page, "scanner-accepted-390px.png")
    assert "Accepted" in verdict.text_content()
    assert "✔" in verdict.text_content()
    assert NAME in verdict.locator(".verdict-name").text_content()
    assert "Bộ Xây dựng · Government" in verdict.locator(".verdict-details").text_content()
    assert "verdict-green" in verdict.get_attribute("class")
    assert page.locator("#code-input").input_value() == ""

    page.keyboard.type(badge["code"] + "\n")
    verdict = _verdict(page, "already_checked_in")
    assert "Already checked in" in verdict.text_content()
    assert "verdict-amber" in verdict.get_attribute("class")

    forged = badge["code"][:50] + ("B" if badge["code"][50] != "B" else "C") + badge["code"][51:]
    page.keyboard.type(forged + "\n")
    verdict = _verdict(page, "unknown_code")
    _screenshot(page, "scanner-refused-390px.png")
    assert "✖" in verdict.text_content()
    assert "verdict-red" in verdict.get_attribute("class")
    assert page.locator("#last-scans li").count() == 3
    sizes = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], sizes
    assert len(_admissions()) == 1


def test_with_the_network_cut_a_scan_is_verified_locally_and_sent_when_it_returns(live_server, badge, phone):  # noqa: F811
    context, page = phone
    _sign_in_and_open_scanner(page, live_server, badge)
    forged_elsewhere = make_code(badge["event"].id + 1000, badge["registration"].id, 1)

    context.set_offline(True)
    cut_at = datetime.now(UTC)
    page.locator("#code-input").click()
    page.keyboard.type(badge["code"] + "\n")
    verdict = _verdict(page, "accepted", provisional="true")
    _screenshot(page, "scanner-offline-390px.png")
    assert "Verified offline" in verdict.text_content()
    assert NAME in verdict.text_content()  # from the list kept offline
    assert "verdict-amber" in verdict.get_attribute("class")
    page.wait_for_selector('#network-state[data-state="offline"]')
    assert page.locator("#queue-state").get_attribute("data-count") == "1"

    # A badge whose signature is genuine but names another event is refused offline too.
    page.keyboard.type(forged_elsewhere + "\n")
    _verdict(page, "wrong_event", provisional="true")
    assert page.locator("#queue-state").get_attribute("data-count") == "2"
    assert _admissions() == []

    context.set_offline(False)
    page.wait_for_selector('#queue-state[data-count="0"]', state="attached", timeout=20000)
    page.wait_for_selector('#last-scans li[data-server-result="accepted"]')
    page.wait_for_selector('#last-scans li[data-server-result="wrong_event"]')
    _screenshot(page, "scanner-back-online-390px.png")

    stored = _admissions()
    assert len(stored) == 1
    assert stored[0].registration_id == badge["registration"].id
    assert stored[0].device_id.startswith("web-")
    # The device's scan time is kept: before the network came back, not when the server heard of it.
    assert cut_at - timedelta(seconds=1) <= stored[0].checked_in_at <= cut_at + timedelta(seconds=5)
    logged = db.session.scalars(select(Scan).order_by(Scan.id)).all()
    assert [scan.result.value for scan in logged] == ["accepted", "wrong_event"]
    assert all(scan.nonce for scan in logged)
    assert logged[0].received_at > logged[0].scanned_at


def _badge_video(code: str, path, width: int = 640, height: int = 480) -> None:
    """A one-frame YUV4MPEG2 (4:2:0) video of the badge's QR code, which Chromium's fake camera plays in a loop."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(code)
    qr.make(fit=True)
    matrix = qr.get_matrix()  # with its quiet zone
    scale = (min(width, height) - 40) // len(matrix)
    left = (width - scale * len(matrix)) // 2
    top = (height - scale * len(matrix)) // 2
    luma = bytearray(b"\xff" * (width * height))
    for row, cells in enumerate(matrix):
        for column, dark in enumerate(cells):
            if dark:
                for line in range(scale):
                    start = (top + row * scale + line) * width + left + column * scale
                    luma[start : start + scale] = b"\x00" * scale
    chroma = b"\x80" * ((width // 2) * (height // 2))  # grey: no colour
    with open(path, "wb") as handle:
        handle.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        handle.write(b"FRAME\n" + bytes(luma) + chroma + chroma)


def camera_browser(browser, tmp_path, code: str, viewport: dict):  # noqa: F811
    """A separate Chromium whose camera shows the QR code of `code` (the flags of the browser-camera recipe),
    started by the Playwright driver of the shared `browser` (one driver per thread). The caller closes it."""
    video = tmp_path / "badge.y4m"
    _badge_video(code, video)
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video.resolve()}",
    ]
    return browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=args, viewport=viewport
    )


@pytest.fixture
def camera_phone(tmp_path, badge, browser):  # noqa: F811
    """A phone whose camera shows the badge."""
    context = camera_browser(browser, tmp_path, badge["code"], PHONE)
    page = context.pages[0] if context.pages else context.new_page()
    violations: list[str] = []
    _watch_csp(page, violations)
    yield page
    context.close()
    assert violations == []


def test_a_badge_held_up_to_the_camera_is_checked_in(live_server, badge, camera_phone):  # noqa: F811
    page = camera_phone
    _sign_in_and_open_scanner(page, live_server, badge)
    page.wait_for_selector('#camera-state[data-state="on"], #camera-state[data-state="error"]', timeout=15000)
    assert page.locator("#camera-state").get_attribute("data-error") is None
    verdict = _verdict(page, "accepted")
    _screenshot(page, "scanner-camera-390px.png")
    assert NAME in verdict.text_content()
    stored = _admissions()
    assert [admission.registration_id for admission in stored] == [badge["registration"].id]
    # The badge stays in front of the camera: it is not scanned again and again.
    page.wait_for_timeout(1500)
    db.session.expire_all()
    assert len(db.session.scalars(select(Scan)).all()) == 1


def test_arrivals_update_without_a_reload(live_server, badge, phone, make_user):  # noqa: F811
    context, page = phone
    make_user("organiser@ascn2020.gov.vn", roles=["organiser"], full_name="Lê Hoàng Trung")
    page.goto(f"{live_server}/sign-in")
    page.fill('input[name="email"]', "organiser@ascn2020.gov.vn")
    page.fill('input[name="password"]', PASSWORD)
    page.locator('form button[type="submit"]').last.click()
    page.wait_for_url(f"{live_server}/**")
    page.goto(f"{live_server}/manage/events/{badge['event'].id}/arrivals")
    assert page.locator('[data-figure="checked_in"]').text_content() == "0"
    page.evaluate("() => { window.__notReloaded = true; }")

    staff = badge["registration"].user
    checkin.perform_checkin(db.session.get(Checkpoint, badge["checkpoint_id"]), badge["code"], staff)
    db.session.commit()

    page.wait_for_function(
        "() => document.querySelector('[data-figure=\"checked_in\"]').textContent === '1'", timeout=15000
    )
    assert page.evaluate("() => window.__notReloaded") is True
    assert page.locator('[data-table="by_checkpoint"] tr').first.text_content() == "Main entrance1"
    _screenshot(page, "arrivals-390px.png")


def test_a_scan_after_the_session_ended_is_kept_and_the_page_says_so(live_server, badge, phone):  # noqa: F811
    context, page = phone
    _sign_in_and_open_scanner(page, live_server, badge)
    context.clear_cookies()  # signed out elsewhere, or the session expired

    page.locator("#code-input").click()
    page.keyboard.type(badge["code"] + "\n")
    _verdict(page, "accepted", provisional="true")
    assert page.get_by_role("alert").filter(has_text="You are signed out").is_visible()
    assert page.locator("#queue-state").get_attribute("data-count") == "1"
    assert _admissions() == []
