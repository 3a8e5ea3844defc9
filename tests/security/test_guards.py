"""Guards around the pages and the API that tests/core/test_security.py does not already cover: where redirects may
lead, upload limits, CSRF on the forms of the domains, no cookie sign-in through the API, no inline script in any
template."""

from __future__ import annotations

import pytest

from tests.fixtures.accounts import PASSWORD, csrf_token_from

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
