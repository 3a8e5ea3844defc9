"""Guards around the pages and the API that tests/core/test_security.py does not already cover: where redirects may
lead, upload limits, CSRF on the forms of the domains, no cookie sign-in through the API, no inline script in any
template."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from core.extensions import db
from exhibitors.models import Exhibitor, ExhibitorLogo
from registration.models import Registration
from tests.fixtures.accounts import PASSWORD, csrf_token_from
from tests.security.matrix import Browsers, request_for
from tests.security.test_authorisation_matrix import API_CALLS, PAGES
from tests.security.world import ACTORS, World, build_world, png

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


# --- CSRF: every form refused without its token, and nothing changed ---

CSRF_REFUSAL = "The form has expired or was not sent from this site. Please try again."


@pytest.fixture
def world(app) -> World:
    return build_world()


def database_rows() -> dict[str, list[str]]:
    """Every row of every table, to compare before and after a refused call."""
    db.session.expire_all()
    with db.engine.connect() as connection:
        return {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(table.select()))
            for table in db.metadata.sorted_tables
        }


def allowed_actor(call) -> str:
    """One who may make the call: then only the missing token can be what turns it away."""
    return next(actor for actor in ("owner", "organiser", "admin", *ACTORS) if call.expected[actor] < 400)


def test_every_form_post_without_the_csrf_token_is_refused_and_changes_nothing(app, world):
    browsers = Browsers(app, world)
    posts = [call for call in PAGES if call.method == "POST"]
    assert len(posts) > 40
    problems = []
    for call in posts:
        actor = allowed_actor(call)
        client, _token = browsers.client(actor)
        url, body = request_for(world, call, actor)
        before = database_rows()
        response = client.post(url, **body)
        if response.status_code != 400 or CSRF_REFUSAL not in page_text(response):
            problems.append(f"POST {call.path} as {actor}: {response.status_code}")
        elif database_rows() != before:
            problems.append(f"POST {call.path} as {actor}: the database changed")
    assert not problems, "\n".join(problems)


# --- the API takes bearer tokens only: a browser's cookie opens nothing there, so it needs no CSRF token ---


def test_no_api_operation_accepts_a_signed_in_browsers_cookie(app, world):
    browsers = Browsers(app, world)
    client, _token = browsers.client("admin")  # signed in with the session cookie, and holding every role
    assert client.get("/account").status_code == 200
    needing_sign_in = [call for call in API_CALLS if call.expected["nobody"] == 401]
    assert len(needing_sign_in) > 50
    problems = []
    for call in needing_sign_in:
        url, body = request_for(world, call, "admin")
        before = database_rows()
        response = client.open(url, method=call.method, **body)
        if response.status_code != 401 or response.get_json()["error"]["code"] != "unauthorized":
            problems.append(f"{call.method} {call.path}: {response.status_code}")
        elif database_rows() != before:
            problems.append(f"{call.method} {call.path}: the database changed")
    assert not problems, "\n".join(problems)


# --- Content-Security-Policy: no template has inline script for it to block ---

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SCRIPT_ELEMENT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
EVENT_HANDLER_ATTRIBUTE = re.compile(r"<[a-z][^>]*?\son[a-z]+\s*=", re.IGNORECASE | re.DOTALL)
SCRIPT_URL = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def inline_script_in(source: str) -> list[str]:
    found = []
    for attributes, body in SCRIPT_ELEMENT.findall(source):
        if "src=" not in attributes.replace(" ", ""):
            found.append(f"<script{attributes}> without src")
        elif body.strip():
            found.append(f"<script{attributes}> with a body")
    found += [f"event handler: {match.group(0)[-40:]}" for match in EVENT_HANDLER_ATTRIBUTE.finditer(source)]
    found += [f"javascript: URL: {match.group(0)}" for match in SCRIPT_URL.finditer(source)]
    return found


def test_no_template_has_inline_script_event_handlers_or_script_urls():
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 50
    problems = {str(path.relative_to(TEMPLATES)): inline_script_in(path.read_text()) for path in templates}
    assert not {name: found for name, found in problems.items() if found}


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<script type="module">import "/x.js"</script>',
        '<script src="/static/js/app.js">alert(1)</script>',
        '<button class="btn" onclick="go()">Go</button>',
        '<img\n  src="/logo.png"\n  onerror="steal()">',
        '<a href="javascript:alert(1)">x</a>',
    ],
)
def test_the_template_scan_finds_inline_script(source):
    assert inline_script_in(source)


def test_the_template_scan_lets_script_files_through():
    assert not inline_script_in("<script src=\"{{ url_for('static', filename='js/app.js') }}\" defer></script>")
    assert not inline_script_in('<a href="/events" data-confirm="Cancel?" class="once">Events</a>')


def test_the_policy_also_shuts_plugins_and_base_tags_out(client):
    """script-src alone is not enough: an <object> or a <base> tag an attacker slips in would load script elsewhere
    (tests/core/test_security.py checks script-src, default-src and frame-ancestors)."""
    for path in ("/", "/api/v1/docs", "/sign-in"):
        policy = client.get(path).headers["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["object-src"] == "'none'", path
        assert directives["base-uri"] == "'self'", path
