"""Guards around the pages and the API that tests/core/test_security.py does not already cover: where redirects may
lead, upload limits, CSRF on the forms of the domains, no cookie sign-in through the API, no inline script in any
template."""

from __future__ import annotations

import html
import io
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from core.extensions import db
from exhibitors.models import Exhibitor, ExhibitorLogo
from registration.models import Registration
from tests.fixtures.accounts import PASSWORD, csrf_token_from
from tests.security.world import png

ELSEWHERE = [
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "/\t/evil.example",
    "/\r\n/evil.example",
    "javascript:alert(1)",
]


def assert_stays_on_this_site(response) -> None:
    assert response.status_code == 302
    location = response.headers["Location"]
    # What a browser makes of it: tabs and line breaks dropped, a backslash read as a slash.
    as_a_browser_reads_it = location.replace("\t", "").replace("\r", "").replace("\n", "").replace("\\", "/")
    assert as_a_browser_reads_it.startswith("/"), location
    assert not as_a_browser_reads_it.startswith("//"), location


# --- redirects ---


@pytest.mark.parametrize("target", ELSEWHERE)
def test_the_language_switch_does_not_redirect_to_another_site(client, target):
    assert_stays_on_this_site(client.get("/language/vi", query_string={"next": target}))


def test_the_language_switch_goes_back_to_the_page_it_was_used_on(client):
    response = client.get("/language/vi", query_string={"next": "/events/ascn-2020?tz=local"})
    assert response.headers["Location"] == "/events/ascn-2020?tz=local"


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\r\n/evil.example"])
def test_sign_in_does_not_redirect_through_a_tab_or_a_line_break(client, make_user, target):
    make_user("van@danang.gov.vn")
    response = client.post(
        "/sign-in",
        query_string={"next": target},
        data={
            "email": "van@danang.gov.vn",
            "password": PASSWORD,
            "csrf_token": csrf_token_from(client.get("/sign-in").text),
        },
    )
    assert_stays_on_this_site(response)


def test_a_bulk_decision_goes_back_to_the_list_only(client, make_user, sign_in, make_event):
    event = make_event()
    make_user("organiser@ascn2020.gov.vn", roles=["organiser"])
    sign_in("organiser@ascn2020.gov.vn")
    token = csrf_token_from(client.get(f"/manage/events/{event.id}/registrations").text)
    for target in ELSEWHERE:
        response = client.post(
            f"/manage/events/{event.id}/registrations/decide",
            data={"csrf_token": token, "action": "approve", "next": target},
        )
        assert_stays_on_this_site(response)
        assert response.headers["Location"] == f"/manage/events/{event.id}/registrations", target


# --- uploads: a clear refusal, and nothing stored ---

LIMIT = 2**20  # MAX_CONTENT_LENGTH of these tests: 1 MB


def page_text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def small_app(make_app, make_user):
    """The app with a 1 MB request limit, and a browser of it signed in as an organiser."""
    app = make_app(MAX_CONTENT_LENGTH=LIMIT)
    make_user("secretariat@moc.gov.vn", roles=["organiser"], full_name="Lê Hoàng Trung")
    browser = app.test_client()
    token = csrf_token_from(browser.get("/sign-in").text)
    browser.post("/sign-in", data={"email": "secretariat@moc.gov.vn", "password": PASSWORD, "csrf_token": token})
    browser.csrf_token = csrf_token_from(browser.get("/account").text)
    return browser


def multipart(fields: dict, **files: tuple[bytes, str]) -> dict:
    """A multipart body encoded in memory: the test client would spool a large one to a file that a request refused
    before reading it leaves open."""
    values = dict(fields) | {
        name: FileStorage(io.BytesIO(data), filename=filename) for name, (data, filename) in files.items()
    }
    boundary, body = encode_multipart(values)
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def spreadsheet_of(size: int) -> bytes:
    header = b"email,full_name,country,consent_data_processing\n"
    row = "hoa{n}@moc.gov.vn,Trần Thị Hoa,VN,yes\n"
    rows = b"".join(row.format(n=n).encode() for n in range(size // 40 + 1))
    return header + rows


def test_a_spreadsheet_over_the_request_limit_is_a_413_page_that_says_the_limit(small_app, make_event):
    event = make_event()
    sheet = spreadsheet_of(LIMIT + 200_000)
    response = small_app.post(
        f"/events/{event.id}/registrations/import",
        **multipart({"csrf_token": small_app.csrf_token}, file=(sheet, "delegates.csv")),
    )
    assert response.status_code == 413
    assert "What you sent is larger than the 1 MB this site accepts." in page_text(response)
    assert count(Registration) == 0


def test_the_api_says_the_request_limit_in_its_413(small_app, make_event, make_user, token_for):
    event = make_event()
    headers = token_for(make_user("api@moc.gov.vn", roles=["organiser"]))
    response = small_app.post(
        f"/api/v1/events/{event.id}/registrations/import",
        **multipart({}, file=(spreadsheet_of(LIMIT + 200_000), "delegates.csv")),
        headers=headers,
    )
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error == {"code": "payload_too_large", "message": "What you sent is larger than the 1 MB this site accepts."}
    assert count(Registration) == 0


def test_a_spreadsheet_over_its_own_limit_is_explained_on_the_form(client, make_user, sign_in, make_event):
    """Within the request limit (16 MB) but over the spreadsheet's (8 MB): the form says so, nothing is imported."""
    event = make_event()
    make_user("secretariat@moc.gov.vn", roles=["organiser"])
    sign_in("secretariat@moc.gov.vn")
    url = f"/events/{event.id}/registrations/import"
    token = csrf_token_from(client.get(url).text)
    sheet = spreadsheet_of(8 * 2**20 + 1)
    response = client.post(url, **multipart({"csrf_token": token}, file=(sheet, "delegates.csv")))
    assert response.status_code == 200
    assert "The file is larger than 8 MB. Split it in smaller files." in page_text(response)
    assert count(Registration) == 0


def oversized_logo(app) -> bytes:
    """A real PNG with padding after it, one byte over the exhibitor logo limit (the size is checked first)."""
    image = png()
    return image + b"\0" * (app.config["EXHIBITOR_LOGO_MAX_BYTES"] + 1 - len(image))


def test_an_oversized_logo_is_a_form_error_and_the_profile_is_not_saved(
    app, client, make_event, make_exhibitor, sign_in
):
    exhibitor = make_exhibitor(make_event(), name="Sông Hàn Smart Mobility")
    sign_in(exhibitor.account.email)
    url = f"/exhibitor/{exhibitor.id}/profile"
    token = csrf_token_from(client.get(url).text)
    form = {"csrf_token": token, "name": "Renamed", "country": "VN", "categories": "transport"}
    response = client.post(url, **multipart(form, logo=(oversized_logo(app), "logo.png")))
    assert response.status_code == 200
    assert "The logo is larger than 2 MB." in page_text(response)
    db.session.expire_all()
    assert (exhibitor.name, exhibitor.logo_version) == ("Sông Hàn Smart Mobility", 0)
    assert count(ExhibitorLogo) == 0


def test_an_application_with_an_oversized_logo_creates_no_exhibitor(app, client, make_event, make_user, sign_in):
    event = make_event()
    make_user("mekong@fintech.example")
    sign_in("mekong@fintech.example")
    url = f"/events/{event.slug}/exhibition/apply"
    form = {"csrf_token": csrf_token_from(client.get(url).text), "name": "Mekong FinTech", "country": "VN"}
    form |= {"contact_email": "hello@mekong.example", "categories": "transport"}
    response = client.post(url, **multipart(form, logo=(oversized_logo(app), "logo.png")))
    assert response.status_code == 200
    assert "The logo is larger than 2 MB." in page_text(response)
    assert count(Exhibitor) == 0


def test_a_logo_over_the_request_limit_is_a_413_and_the_old_logo_stays(
    small_app, make_event, make_exhibitor, token_for
):
    exhibitor = make_exhibitor(make_event())
    headers = token_for(exhibitor.account)
    url = f"/api/v1/exhibitors/{exhibitor.id}/logo"
    assert small_app.put(url, data={"file": (io.BytesIO(png()), "logo.png")}, headers=headers).status_code == 200
    response = small_app.put(url, data=png() + b"\0" * LIMIT, headers=headers | {"Content-Type": "image/png"})
    assert response.status_code == 413
    db.session.expire_all()
    assert exhibitor.logo_version == 1
