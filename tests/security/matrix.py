"""The machinery of the authorisation matrix (tests/security/test_authorisation_matrix.py): a row of a table, the
bodies and fresh objects its calls need, the checks of what an answer shows, and how a table is run through the API
(bearer tokens) and through the pages (a signed-in browser's session cookie and CSRF token)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from core.extensions import db
from tests.fixtures.accounts import PASSWORD, csrf_token_from
from tests.security.world import ACTORS, OWNER_COUNTRY, OWNER_NAME, World, png

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


# Fresh objects of the pages -------------------------------------------------------------------------------------------


def owners_own_event(world, actor):
    """The owner's own registration, in an event of its own (for a call that ends it); the summit for the others."""
    if actor != "owner":
        return {}
    return {"slug": world.fresh_registration_for("owner").event.slug}


def owners_pending_exhibitor_page(world, actor):
    exhibitor = world.fresh_exhibitor(account=world.users["owner"], event=world.fresh_event())
    return {"exhibitor_id": exhibitor.id, "slug": exhibitor.event.slug}


def fresh_pending_exhibitor(world, actor):
    return {"exhibitor_id": world.fresh_exhibitor().id}


def fresh_booking(world, actor):
    return {"booking_id": world.fresh_booking().id}


def fresh_booth(world, actor):
    return {"booth_id": world.fresh_booth().id}


# Running a table -------------------------------------------------------------------------------------------------


RULE_PARAMETER = re.compile(r"<(?:[^<>]*:)?(\w+)>")


def request_for(world: World, call: Call, actor: str) -> tuple[str, dict]:
    """The URL of one call of a row (its path with real ids, fresh objects made now) and its body, as the test
    client's keyword arguments."""
    params = world.ids | (call.params(world, actor) if call.params else {})
    if "<" in call.path:  # a url_map rule
        url = RULE_PARAMETER.sub(lambda match: str(params[match.group(1)]), call.path)
    else:  # an OpenAPI path
        url = call.path.format(**params)
    body: dict = {}
    if call.json:
        body["json"] = call.json(world, actor)
    if call.form:
        body["data"] = call.form(world, actor)
    return url, body


def call_api(client, world: World, call: Call, actor: str) -> object:
    url, body = request_for(world, call, actor)
    return client.open(url, method=call.method, headers=world.bearer(actor, call.fresh_caller), **body)


def mismatch(call: Call, actor: str, response, problem: str) -> str:
    body = response.get_data(as_text=True)[:160].replace("\n", " ") if response.mimetype != "application/pdf" else ""
    return f"{call.method} {call.path} {call.label} as {actor}: {problem} {body}"


def run_table(world: World, calls: list[Call], perform: Callable, also: Callable | None = None) -> list[str]:
    """Call every row as every actor with `perform(call, actor)`; the mismatches, one line each."""
    problems = []
    for call in calls:
        for actor in ACTORS:
            response = perform(call, actor)
            expected = call.expected[actor]
            try:
                assert response.status_code == expected, f"expected {expected}, got {response.status_code}"
                if call.check is not None and response.status_code < 300:
                    call.check(world, actor, response)
                if also is not None:
                    also(call, actor, response)
            except AssertionError as exc:
                problems.append(mismatch(call, actor, response, str(exc).split("\n")[0]))
            response.close()
            db.session.rollback()  # what a call left in the test's session is not the next one's
    return problems


class Browsers:
    """One signed-in test client per actor (the session cookie of Flask-Login, set directly: no slow sign-in)."""

    def __init__(self, app, world: World):
        self.app, self.world = app, world
        self.clients: dict[str, tuple[object, str]] = {}

    def new(self, actor: str) -> tuple[object, str]:
        """A client signed in as the actor, and the CSRF token of its session."""
        client = self.app.test_client()
        if actor != "nobody":
            with client.session_transaction() as session:
                session["_user_id"] = self.world.users[actor].get_id()
                session["_fresh"] = True
        page = client.get("/sign-in" if actor == "nobody" else "/account")
        return client, csrf_token_from(page.get_data(as_text=True))

    def client(self, actor: str, *, fresh: bool = False) -> tuple[object, str]:
        if fresh:
            return self.new(actor)
        if actor not in self.clients:
            self.clients[actor] = self.new(actor)
        return self.clients[actor]

    def open(self, call: Call, actor: str):
        """The call as a browser makes it: a form POST with the page's CSRF token, a script's with its header."""
        url, body = request_for(self.world, call, actor)
        client, token = self.client(actor, fresh=call.fresh_caller == "client")
        if call.method == "GET":
            return client.get(url)
        if "json" in body:
            return client.post(url, headers={"X-CSRFToken": token}, **body)
        return client.post(url, data={"csrf_token": token, **body.get("data", {})})
