"""Who may call what: every operation of the OpenAPI document, and every page of the app, as every role and as nobody.

Each row of a table names a call and the status each actor gets (the actors are described in tests/security/world.py:
the data behind the call belongs to someone else, the owner, and is Viet Nam's while the focal point is Cambodia's).
401 not signed in, 403 the role may not, 404 the caller may not know the object exists, 2xx allowed. One world is built
per table and every row is called by every actor; the mismatches are reported together, as a table. A coverage test
fails as soon as an operation of the document, or a route of the app, has no row: a new endpoint needs its decision.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from core.extensions import db
from tests.fixtures.accounts import PASSWORD
from tests.security.world import ACTORS, OWNER_COUNTRY, OWNER_NAME, World, build_world, png

Factory = Callable[[World, str], dict]


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # as the OpenAPI document (or the url_map) writes it
    expected: dict[str, int]
    label: str = ""
    params: Factory | None = None  # path parameters other than the world's shared objects, made anew for each actor
    json: Factory | None = None
    form: Factory | None = None  # multipart or form fields
    # The call consumes its caller: "token" (sign-out), "account" (applying makes it an exhibitor), "password"
    # (deleting it needs its password); the caller is then made anew like the actor (World.bearer).
    fresh_caller: str | None = None
    check: Callable[[World, str, object], None] | None = field(default=None, compare=False)

    @property
    def operation(self) -> tuple[str, str]:
        return self.method, self.path


def row(method: str, path: str, statuses: str, **options) -> Call:
    """A row of the table: `statuses` holds one status per actor, in the order of ACTORS."""
    codes = [int(code) for code in statuses.split()]
    assert len(codes) == len(ACTORS), (method, path)
    return Call(method, path, dict(zip(ACTORS, codes, strict=True)), **options)


# Bodies and fresh objects ----------------------------------------------------------------------------------------


def new_account(world, actor):
    return {"email": f"new{world.number()}@example.org", "password": PASSWORD, "full_name": "Đặng Thu Thảo"}


def credentials(world, actor):
    return {"email": world.password_user().email, "password": PASSWORD}


def new_event(world, actor):
    n = world.number()
    dates = {"starts_on": "2021-03-01", "ends_on": "2021-03-02", "timezone": "Asia/Ho_Chi_Minh"}
    return {"slug": f"new-{n}", "name": f"ASCN Workshop {n}", **dates}


def new_session(world, actor):
    start, end = world.slot()
    return {"title": "Smart mobility", "kind": "plenary", "starts_at": start.isoformat(), "ends_at": end.isoformat()}


def fresh_event(world, actor):
    return {"event_id": world.fresh_event().id}


def fresh_session(world, actor):
    return {"session_id": world.fresh_session().id}


def fresh_pending(world, actor):
    return {"registration_id": world.fresh_registration("pending").id}


def fresh_approved(world, actor):
    return {"registration_id": world.fresh_registration().id}


def fresh_signup(world, actor):
    signup = world.fresh_signup(world.registration)
    return {"session_id": signup.session_id, "registration_id": signup.registration_id}


def someone_else_of_viet_nam(world, actor):
    return {
        "consent_data_processing": True,
        "email": f"delegate{world.number()}@moc.gov.vn",
        "full_name": "Hoàng Văn Nam",
        "country": OWNER_COUNTRY,
    }


def delegation_sheet(world, actor):
    sheet = f"email,full_name,country,consent_data_processing\nsheet{world.number()}@moc.gov.vn,Bùi Thị Mai,VN,yes\n"
    return {"file": (io.BytesIO(sheet.encode()), "delegation.csv")}


def booth_sheet(world, actor):
    booth = world.booth_fields()
    sheet = "code,hall,x,y,width,depth,price\n" + ",".join(str(booth[k]) for k in booth) + "\n"
    return {"file": (io.BytesIO(sheet.encode()), "booths.csv")}


def logo(world, actor):
    return {"file": (io.BytesIO(png()), "logo.png")}


def owners_pending_exhibitor(world, actor):
    return {"exhibitor_id": world.fresh_exhibitor(account=world.users["owner"], event=world.fresh_event()).id}


def body_text(response) -> str:
    if response.is_json:
        return json.dumps(response.get_json(), ensure_ascii=False)
    return response.get_data(as_text=True)


def shown_only_to(actors: tuple[str, ...], needle: Callable[[World], str], what: str):
    """A check: the answer holds `needle` for these actors, and for no other."""

    def check(world, actor, response):
        assert (needle(world) in body_text(response)) == (actor in actors), what

    return check


ORGANISERS = ("organiser", "admin")
drafts_to_organisers = shown_only_to(ORGANISERS, lambda w: w.draft_event.slug, "the draft event")
join_link_to_registrants = shown_only_to((*ORGANISERS, "owner"), lambda w: w.session.online_url, "the join link")
pending_to_organisers = shown_only_to(ORGANISERS, lambda w: w.pending_exhibitor.name, "the pending exhibitor")
# The focal point is Cambodia's; the registrations are Viet Nam's.
own_country_only = shown_only_to(ORGANISERS, lambda w: OWNER_NAME, "the owner's name")


# The table -------------------------------------------------------------------------------------------------------

# fmt: off
#                                                                           nobody                           owner
#                                                                            |  delegate   checkin  organiser  |
#                                                                            |   |  focal_point | exhibitor |  admin
API_CALLS = [
    row("POST",   "/api/v1/accounts",                                      "201 201 201 201 201 201 201 201",
        json=new_account),
    row("POST",   "/api/v1/auth/token",                                    "201 201 201 201 201 201 201 201",
        json=credentials),
    row("DELETE", "/api/v1/auth/token",                                    "401 204 204 204 204 204 204 204",
        fresh_caller="token"),
    row("GET",    "/api/v1/me",                                            "401 200 200 200 200 200 200 200"),
    row("PATCH",  "/api/v1/me",                                            "401 200 200 200 200 200 200 200",
        json=lambda w, a: {"timezone": "Asia/Bangkok"}),
    row("DELETE", "/api/v1/me",                                            "401 204 204 204 204 204 204 204",
        json=lambda w, a: {"password": PASSWORD}, fresh_caller="password"),
    row("GET",    "/api/v1/me/data",                                       "401 200 200 200 200 200 200 200"),
    # Programme
    row("GET",    "/api/v1/events",                                        "200 200 200 200 200 200 200 200",
        check=drafts_to_organisers),
    row("POST",   "/api/v1/events",                                        "401 403 403 403 403 201 201 403",
        json=new_event),
    row("GET",    "/api/v1/events/{event_id}",                             "200 200 200 200 200 200 200 200"),
    row("GET",    "/api/v1/events/{event_id}",                             "404 404 404 404 404 200 200 404",
        label="draft", params=lambda w, a: {"event_id": w.draft_event.id}),
    row("PATCH",  "/api/v1/events/{event_id}",                             "401 403 403 403 403 200 200 403",
        json=lambda w, a: {"description": "Hà Nội, 2–4 December"}),
    row("GET",    "/api/v1/events/{event_id}/rooms",                       "200 200 200 200 200 200 200 200"),
    row("POST",   "/api/v1/events/{event_id}/rooms",                       "401 403 403 403 403 201 201 403",
        json=lambda w, a: {"name": f"Phòng {w.number()}"}),
    row("PATCH",  "/api/v1/rooms/{room_id}",                               "401 403 403 403 403 200 200 403",
        json=lambda w, a: {"capacity": 80}),
    row("GET",    "/api/v1/events/{event_id}/sessions",                    "200 200 200 200 200 200 200 200",
        check=join_link_to_registrants),
    row("POST",   "/api/v1/events/{event_id}/sessions",                    "401 403 403 403 403 201 201 403",
        json=new_session),
    row("GET",    "/api/v1/sessions/{session_id}",                         "200 200 200 200 200 200 200 200",
        check=join_link_to_registrants),
    row("PATCH",  "/api/v1/sessions/{session_id}",                         "401 403 403 403 403 200 200 403",
        json=lambda w, a: {"title": "Smart mobility workshop"}),
    row("DELETE", "/api/v1/sessions/{session_id}",                         "401 403 403 403 403 204 204 403",
        params=fresh_session),
    row("GET",    "/api/v1/sessions/{session_id}/invite.ics",              "401 404 404 404 404 404 404 200"),
    # Registration
    row("POST",   "/api/v1/events/{event_id}/registrations",               "401 201 201 201 201 201 201 201",
        label="oneself", params=fresh_event, json=lambda w, a: {"consent_data_processing": True}),
    row("POST",   "/api/v1/events/{event_id}/registrations",               "401 403 403 403 403 201 201 403",
        label="someone else of Viet Nam", json=someone_else_of_viet_nam),
    row("GET",    "/api/v1/events/{event_id}/registrations",               "401 403 200 403 403 200 200 403",
        check=own_country_only),
    row("GET",    "/api/v1/registrations/{registration_id}",               "401 404 404 404 404 200 200 200"),
    row("PATCH",  "/api/v1/registrations/{registration_id}",               "401 404 404 404 404 200 200 200",
        json=lambda w, a: {"job_title": "Vụ trưởng"}),
    row("POST",   "/api/v1/registrations/{registration_id}/approve",       "401 403 403 403 403 200 200 403",
        params=fresh_pending),
    row("POST",   "/api/v1/registrations/{registration_id}/reject",        "401 403 403 403 403 200 200 403",
        params=fresh_pending,
        json=lambda w, a: {"reason": "The delegation is complete."}),
    row("POST",   "/api/v1/registrations/{registration_id}/cancel",        "401 404 404 404 404 200 200 200",
        params=lambda w, a: {"registration_id": w.fresh_registration_for(a).id}),
    row("POST",   "/api/v1/sessions/{session_id}/signups",                 "401 404 404 404 404 201 201 201",
        params=fresh_session,
        json=lambda w, a: {"registration_id": w.ids["registration_id"]}),
    row("DELETE", "/api/v1/sessions/{session_id}/signups/{registration_id}", "401 404 404 404 404 204 204 204",
        params=fresh_signup),
    row("GET",    "/api/v1/registrations/{registration_id}/signups",       "401 404 404 404 404 200 200 200"),
    # Check-in
    row("GET",    "/api/v1/events/{event_id}/checkpoints",                 "401 403 403 200 403 200 200 403"),
    row("POST",   "/api/v1/events/{event_id}/checkpoints",                 "401 403 403 403 403 201 201 403",
        json=lambda w, a: {"name": f"Gate {w.number()}"}),
    row("GET",    "/api/v1/events/{event_id}/checkpoints/{checkpoint_id}", "401 403 403 200 403 200 200 403"),
    row("POST",   "/api/v1/checkin",                                       "401 403 403 200 403 200 200 403",
        json=lambda w, a: {"code": w.fresh_badge_code(), "checkpoint_id": w.ids["checkpoint_id"]}),
    row("GET",    "/api/v1/events/{event_id}/checkin/stats",               "401 403 403 200 403 200 200 403"),
    row("GET",    "/api/v1/events/{event_id}/checkin/offline",             "401 403 403 200 403 200 200 403"),
    # Spreadsheets and badges
    # Cambodia's focal point may import, but not Viet Nam's delegates: the row is refused (422 import_invalid).
    row("POST",   "/api/v1/events/{event_id}/registrations/import",        "401 403 422 403 403 200 200 403",
        form=delegation_sheet),
    row("GET",    "/api/v1/events/{event_id}/registrations.csv",           "401 403 200 403 403 200 200 403",
        check=own_country_only),
    row("GET",    "/api/v1/events/{event_id}/registrations.xlsx",          "401 403 200 403 403 200 200 403"),
    row("GET",    "/api/v1/registrations/{registration_id}/badge.pdf",     "401 404 404 404 404 200 200 200"),
    row("POST",   "/api/v1/registrations/{registration_id}/badge/reissue", "401 403 403 403 403 200 200 403",
        params=fresh_approved),
    row("GET",    "/api/v1/events/{event_id}/badges.pdf",                  "401 403 403 403 403 200 200 403"),
    # Exhibition
    row("GET",    "/api/v1/events/{event_id}/booths",                      "200 200 200 200 200 200 200 200"),
    row("POST",   "/api/v1/events/{event_id}/booths",                      "401 403 403 403 403 201 201 403",
        json=lambda w, a: w.booth_fields()),
    row("POST",   "/api/v1/events/{event_id}/booths/import",               "401 403 403 403 403 200 200 403",
        form=booth_sheet),
    row("GET",    "/api/v1/booths/{booth_id}",                             "200 200 200 200 200 200 200 200"),
    row("PATCH",  "/api/v1/booths/{booth_id}",                             "401 403 403 403 403 200 200 403",
        json=lambda w, a: {"zone": "Giao thông thông minh"}),
    row("POST",   "/api/v1/booths/{booth_id}/bookings",                    "401 403 403 403 404 201 201 201",
        params=lambda w, a: {"booth_id": w.fresh_booth().id},
        json=lambda w, a: {"exhibitor_id": w.ids["exhibitor_id"]}),
    row("GET",    "/api/v1/exhibitors/{exhibitor_id}/bookings",            "401 403 403 403 404 200 200 200"),
    row("POST",   "/api/v1/bookings/{booking_id}/confirm",                 "401 403 403 403 403 200 200 403",
        params=lambda w, a: {"booking_id": w.fresh_booking().id}),
    row("POST",   "/api/v1/bookings/{booking_id}/cancel",                  "401 403 403 403 403 200 200 403",
        params=lambda w, a: {"booking_id": w.fresh_booking().id}),
    row("GET",    "/api/v1/events/{event_id}/exhibitors",                  "200 200 200 200 200 200 200 200",
        check=pending_to_organisers),
    # Applying makes the account an exhibitor: a new account of each role applies.
    row("POST",   "/api/v1/events/{event_id}/exhibitors",                  "401 201 201 201 201 201 201 201",
        params=fresh_event, fresh_caller="account",
        json=lambda w, a: {"name": f"Mekong FinTech {w.number()}", "country": "VN"}),
    row("GET",    "/api/v1/exhibitors/{exhibitor_id}",                     "200 200 200 200 200 200 200 200",
        label="approved"),
    row("GET",    "/api/v1/exhibitors/{exhibitor_id}",                     "404 404 404 404 404 200 200 200",
        label="pending",
        params=owners_pending_exhibitor),
    row("PATCH",  "/api/v1/exhibitors/{exhibitor_id}",                     "401 404 404 404 404 200 200 200",
        json=lambda w, a: {"description": "Xe buýt điện cho Đà Nẵng"}),
    row("PUT",    "/api/v1/exhibitors/{exhibitor_id}/logo",                "401 404 404 404 404 200 200 200",
        form=logo),
    row("POST",   "/api/v1/exhibitors/{exhibitor_id}/approve",             "401 403 403 403 403 200 200 403",
        params=lambda w, a: {"exhibitor_id": w.fresh_exhibitor().id}),
    row("POST",   "/api/v1/exhibitors/{exhibitor_id}/reject",              "401 403 403 403 403 200 200 403",
        params=lambda w, a: {"exhibitor_id": w.fresh_exhibitor().id}),
    row("GET",    "/api/v1/exhibitors/{exhibitor_id}/staff",               "401 403 403 403 404 200 200 200"),
    row("POST",   "/api/v1/exhibitors/{exhibitor_id}/staff",               "401 403 403 403 404 201 201 201",
        json=lambda w, a: {"email": f"staff{w.number()}@songhan.example", "full_name": "Võ Thị Sáu"}),
    # Leads are the exhibitor's (its account and staff), not the organisers'.
    row("POST",   "/api/v1/exhibitors/{exhibitor_id}/leads",               "401 403 403 403 404 403 404 201",
        json=lambda w, a: {"code": w.fresh_badge_code()}),
    row("GET",    "/api/v1/exhibitors/{exhibitor_id}/leads",               "401 403 403 403 404 403 404 200"),
    row("GET",    "/api/v1/exhibitors/{exhibitor_id}/leads.csv",           "401 403 403 403 404 403 404 200"),
    row("PATCH",  "/api/v1/leads/{lead_id}",                               "401 403 403 403 404 403 404 200",
        json=lambda w, a: {"note": "Gọi lại thứ Hai"}),
]
# fmt: on


# Running a table -------------------------------------------------------------------------------------------------


def perform(client, world: World, call: Call, actor: str) -> object:
    params = world.ids | (call.params(world, actor) if call.params else {})
    options: dict = {"headers": world.bearer(actor, call.fresh_caller)}
    if call.json:
        options["json"] = call.json(world, actor)
    if call.form:
        options["data"] = call.form(world, actor)
    return client.open(call.path.format(**params), method=call.method, **options)


def mismatch(call: Call, actor: str, response, problem: str) -> str:
    body = response.get_data(as_text=True)[:160].replace("\n", " ") if response.mimetype != "application/pdf" else ""
    return f"{call.method} {call.path} {call.label} as {actor}: {problem} {body}"


def run_table(client, world: World, calls: list[Call]) -> list[str]:
    problems = []
    for call in calls:
        for actor in ACTORS:
            response = perform(client, world, call, actor)
            expected = call.expected[actor]
            if response.status_code != expected:
                problems.append(mismatch(call, actor, response, f"expected {expected}, got {response.status_code}"))
            elif call.check is not None and response.status_code < 300:
                try:
                    call.check(world, actor, response)
                except AssertionError as exc:
                    problems.append(mismatch(call, actor, response, f"content: {exc}"))
            response.close()
            db.session.rollback()  # what a call left in the test's session is not the next one's
    return problems


@pytest.fixture
def world(app) -> World:
    return build_world()


def test_every_api_operation_answers_every_role_as_the_table_says(client, world):
    problems = run_table(client, world, API_CALLS)
    assert not problems, "\n".join(problems)


def test_every_operation_of_the_openapi_document_has_a_row(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    in_table = {call.operation for call in API_CALLS}
    assert not documented - in_table, f"operations without a row: {sorted(documented - in_table)}"
    assert not in_table - documented, f"rows for operations the document does not have: {sorted(in_table - documented)}"
