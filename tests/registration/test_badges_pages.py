"""Badges in the browser: a delegate's download from My summit, the organisers' badge desk, the approval mail."""

from __future__ import annotations

import re

import pytest

from core.extensions import db
from registration.models import Registration
from tests.fixtures.accounts import csrf_token_from
from tests.registration.badge_pdf import codes, page_count, page_size_mm, scan


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def event(make_event):
    return make_event(name="ASCN Annual Meeting 2020")


# A delegate's own badge -----------------------------------------------------------------------------------------


def test_an_approved_delegate_downloads_the_badge_from_my_summit(client, make_user, sign_in, event, make_registration):
    user = make_user("van@danang.gov.vn", full_name="Nguyễn Tường Văn")
    registration = make_registration(event, user, organisation="Sở Xây dựng Đà Nẵng", country="VN")
    sign_in("van@danang.gov.vn")

    page = html(client.get(f"/events/{event.slug}/my"))
    link = re.search(r'<a [^>]*href="([^"]+)"[^>]*>Download my badge \(PDF\)</a>', page)
    assert link, page
    assert link.group(1) == f"/events/{event.slug}/my/badge.pdf"

    response = client.get(link.group(1))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert [found.text for found in scan(response.get_data())] == [registration.badge_code]


def test_the_badge_page_speaks_vietnamese(client, make_user, sign_in, event, make_registration):
    make_registration(event, make_user("thuha@danang.gov.vn", full_name="Phạm Thu Hà", language="vi"))
    sign_in("thuha@danang.gov.vn")
    assert "Tải thẻ đại biểu của tôi (PDF)" in html(client.get(f"/events/{event.slug}/my"))


@pytest.mark.parametrize(
    ("fields", "message"), [({"status": "pending"}, "approved"), ({"attendance": "online"}, "online")]
)
def test_no_badge_link_before_approval_or_for_online_attendance(
    client, make_user, sign_in, event, make_registration, fields, message
):
    make_registration(event, make_user("van@danang.gov.vn"), **fields)
    sign_in("van@danang.gov.vn")
    assert "Download my badge" not in html(client.get(f"/events/{event.slug}/my"))
    refused = client.get(f"/events/{event.slug}/my/badge.pdf")
    assert refused.status_code == 409
    assert refused.mimetype == "text/html"
    assert message in html(refused)


def test_the_badge_download_needs_a_sign_in_and_a_registration(client, make_user, sign_in, event):
    anonymous = client.get(f"/events/{event.slug}/my/badge.pdf")
    assert anonymous.status_code == 302
    assert "/sign-in" in anonymous.headers["Location"]
    make_user("nobody@example.org")
    sign_in("nobody@example.org")
    assert client.get(f"/events/{event.slug}/my/badge.pdf").status_code == 404
    assert client.get("/events/no-such-event/my/badge.pdf").status_code == 404


# The organisers' badge desk -------------------------------------------------------------------------------------


@pytest.fixture
def desk(client, make_user, sign_in, event, make_registration):
    """An organiser signed in, and a delegation of three (two of the Ministry), one online, one pending."""
    make_user("secretariat@moc.gov.vn", roles=["organiser"])
    sign_in("secretariat@moc.gov.vn")
    registrations = {
        "van": make_registration(event, None, full_name="Nguyễn Tường Văn", organisation="Bộ Xây dựng", country="VN"),
        "trung": make_registration(event, None, full_name="Lê Hoàng Trung", organisation="Bộ Xây dựng", country="VN"),
        "somchai": make_registration(
            event, None, full_name="Somchai Wongsakul", organisation="Bangkok Metropolitan Administration", country="TH"
        ),
        "online": make_registration(event, None, full_name="Online Only", attendance="online", country="VN"),
        "pending": make_registration(event, None, full_name="Pending Person", status="pending", country="VN"),
    }
    return registrations


def test_the_programme_page_leads_to_the_badge_desk(client, event, desk):
    programme = html(client.get(f"/manage/events/{event.id}"))
    assert f'href="/manage/events/{event.id}/badges"' in programme
    page = html(client.get(f"/manage/events/{event.id}/badges"))
    assert "<h1" in page
    assert "3 in-person delegates are approved and have a badge." in page
    # Printing by delegation: one row a delegation, with its count and a link for its A4 sheets.
    ministry = re.search(r"<tr>\s*<td>Vietnam</td>\s*<td>Bộ Xây dựng</td>\s*<td[^>]*>2</td>", page)
    assert ministry, page
    assert "Online Only" not in page


def test_print_a_delegation_from_the_desk(client, event, desk):
    page = html(client.get(f"/manage/events/{event.id}/badges"))
    # The Ministry's row ("Bộ Xây dựng", URL-encoded), not Bangkok's.
    link = re.search(r'href="(/manage/events/\d+/badges\.pdf\?[^"]*organisation=B%E1%BB%99[^"]*)"', page)
    assert link, page
    response = client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    pdf = response.get_data()
    assert tuple(round(side) for side in page_size_mm(pdf)) == (210, 297)
    assert codes(pdf) == [desk["trung"].badge_code, desk["van"].badge_code]


def test_the_print_form_filters_and_explains_what_is_wrong(client, event, desk):
    url = f"/manage/events/{event.id}/badges.pdf"
    by_country = client.get(url, query_string={"layout": "a6", "country": "TH", "status": "approved"})
    assert page_count(by_country.get_data()) == 1
    assert codes(by_country.get_data()) == [desk["somchai"].badge_code]
    pending = client.get(url, query_string={"layout": "a6", "status": "pending"})
    assert codes(pending.get_data()) == [desk["pending"].badge_code]

    nothing = client.get(url, query_string={"layout": "a6", "country": "MM", "status": "approved"})
    assert nothing.status_code == 404
    assert "No badge matches this choice" in html(nothing)
    bad = client.get(url, query_string={"layout": "a3", "country": "Vietnam", "status": "cancelled"})
    assert bad.status_code == 422
    assert bad.mimetype == "text/html"
    assert "Use a two-letter ISO country code." in html(bad)
    assert html(bad).count("invalid-feedback") >= 3


def test_search_and_reissue_a_lost_badge(client, event, desk):
    van = desk["van"]
    old_code = van.badge_code
    page = html(client.get(f"/manage/events/{event.id}/badges", query_string={"q": "nguyen tuong"}))
    assert "Nguyễn Tường Văn" in page
    assert "Lê Hoàng Trung" not in page
    token = csrf_token_from(page)

    response = client.post(
        f"/manage/events/{event.id}/badges/reissue",
        data={"csrf_token": token, "registration_id": van.id, "q": "nguyen tuong"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Nguyễn Tường Văn has a new badge." in html(response)
    db.session.expire_all()
    stored = db.session.get(Registration, van.id)
    assert stored.badge_version == 2
    assert stored.badge_code != old_code

    # The result's print link gives the new badge.
    link = re.search(r'href="(/manage/events/\d+/badges\.pdf\?[^"]*registration_id=\d+[^"]*)"', html(response))
    pdf = client.get(link.group(1).replace("&amp;", "&")).get_data()
    assert codes(pdf) == [stored.badge_code]


def test_reissue_needs_the_csrf_token_and_the_events_own_registration(client, make_event, event, desk):
    van = desk["van"]
    refused = client.post(f"/manage/events/{event.id}/badges/reissue", data={"registration_id": van.id})
    assert refused.status_code == 400
    other_event = make_event(name="Another summit")
    token = csrf_token_from(html(client.get(f"/manage/events/{event.id}/badges", query_string={"q": "nguyen"})))
    wrong = client.post(
        f"/manage/events/{other_event.id}/badges/reissue", data={"csrf_token": token, "registration_id": van.id}
    )
    assert wrong.status_code == 404
    db.session.expire_all()
    assert db.session.get(Registration, van.id).badge_version == 1


def test_delegates_cannot_reach_the_desk(client, make_user, sign_in, event, make_registration):
    make_registration(event, make_user("van@danang.gov.vn"))
    sign_in("van@danang.gov.vn")
    assert client.get(f"/manage/events/{event.id}/badges").status_code == 403
    assert client.get(f"/manage/events/{event.id}/badges.pdf").status_code == 403


# The approval mail ----------------------------------------------------------------------------------------------


@pytest.fixture
def mail_client(app, mail_app):
    return mail_app.test_client()


@pytest.mark.parametrize(("language", "sentence"), [("en", "Your badge"), ("vi", "Thẻ đại biểu của bạn")])
def test_the_approval_mail_links_the_badge(
    mail_client, mail_app, smtp_server, make_user, token_for, make_event, make_registration, language, sentence
):
    event = make_event()
    organiser = token_for(make_user("secretariat@moc.gov.vn", roles=["organiser"]))
    van = make_registration(event, make_user("van@danang.gov.vn", language=language), status="pending")
    online = make_registration(event, make_user("dewi@jakarta.go.id"), status="pending", attendance="online")
    for registration in (van, online):
        approved = mail_client.post(f"/api/v1/registrations/{registration.id}/approve", headers=organiser)
        assert approved.status_code == 200
    assert mail_app.test_cli_runner().invoke(args=["mail", "send"]).exit_code == 0

    badge_link = f"http://summit.test/events/{event.slug}/my/badge.pdf"
    (message,) = smtp_server.to("van@danang.gov.vn")
    plain = message.get_body(("plain",)).get_content()
    assert sentence in plain
    assert badge_link in plain
    assert f'href="{badge_link}"' in message.get_body(("html",)).get_content()
    (online_message,) = smtp_server.to("dewi@jakarta.go.id")
    assert badge_link not in online_message.get_body(("plain",)).get_content()


@pytest.mark.parametrize(("language", "sentence"), [("en", "reissued your badge"), ("vi", "cấp lại thẻ đại biểu")])
def test_a_reissue_tells_the_delegate_by_mail(
    mail_client, mail_app, smtp_server, make_user, token_for, make_event, make_registration, language, sentence
):
    event = make_event(name="Hội nghị ASCN 2020")
    organiser = token_for(make_user("secretariat@moc.gov.vn", roles=["organiser"]))
    van = make_registration(event, make_user("van@danang.gov.vn", full_name="Nguyễn Tường Văn", language=language))
    online = make_registration(event, make_user("dewi@jakarta.go.id"), attendance="online")
    for registration in (van, online):
        response = mail_client.post(f"/api/v1/registrations/{registration.id}/badge/reissue", headers=organiser)
        assert response.status_code == 200
    assert mail_app.test_cli_runner().invoke(args=["mail", "send"]).exit_code == 0

    (message,) = smtp_server.to("van@danang.gov.vn")
    assert "Hội nghị ASCN 2020" in message["Subject"]
    plain = message.get_body(("plain",)).get_content()
    assert "Nguyễn Tường Văn" in plain
    assert sentence in plain
    assert f"http://summit.test/events/{event.slug}/my/badge.pdf" in plain
    assert smtp_server.to("dewi@jakarta.go.id") == []  # online: no badge to replace
