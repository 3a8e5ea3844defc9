"""The database goes away under the app (a restart, a fail-over): clean 503s meanwhile, and recovery without
restarting the app. On PostgreSQL, the production database: the test database refuses connections and every
session to it is ended, as a restart does, while the rest of the server keeps running."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from core.extensions import db
from tests.fixtures.app import BACKEND
from tests.fixtures.outage import database_down

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="a database outage is staged on PostgreSQL")


def test_an_outage_gives_clean_503s_and_the_app_recovers_by_itself(app, client, make_event, migrated_database):
    event = make_event(name="Hội nghị ASCN")
    assert client.get("/api/v1/events").status_code == 200
    db.session.remove()

    with database_down(migrated_database):
        api = client.get("/api/v1/events")
        assert api.status_code == 503
        assert api.get_json()["error"]["code"] == "service_unavailable"
        assert api.headers["Retry-After"] == "5"
        page = client.get(f"/events/{event.slug}")
        assert page.status_code == 503
        assert "briefly unavailable" in page.get_data(as_text=True)
        health = client.get("/healthz")
        assert (health.status_code, health.get_json()["database"]) == (503, "unavailable")
        db.session.remove()

    # Back: the same app serves again, its pool replacing the connections the outage broke.
    recovered = client.get("/api/v1/events")
    assert recovered.status_code == 200
    assert [item["name"] for item in recovered.get_json()["items"]] == ["Hội nghị ASCN"]
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}


def test_signed_in_people_and_token_holders_get_the_503_too(
    app, client, make_event, make_user, sign_in, token_for, migrated_database
):
    """Their account is read from the database: the error page and message must not read it again (they did,
    failed a second time inside the handler, and answered 500)."""
    event = make_event(name="Hội nghị ASCN")
    organiser = token_for(make_user("organiser@ascn.org", roles=["organiser"]))
    make_user("van@danang.gov.vn", full_name="Nguyễn Tường Văn")
    assert sign_in("van@danang.gov.vn").status_code == 302
    assert client.get(f"/events/{event.slug}/my").status_code == 200
    db.session.remove()

    with database_down(migrated_database):
        page = client.get(f"/events/{event.slug}/my")
        assert page.status_code == 503
        assert "briefly unavailable" in page.get_data(as_text=True)
        api = client.get(f"/api/v1/events/{event.id}/registrations", headers=organiser)
        assert api.status_code == 503
        assert api.get_json()["error"]["code"] == "service_unavailable"
        assert api.headers["Retry-After"] == "5"
        db.session.remove()

    assert client.get(f"/events/{event.slug}/my").status_code == 200
    assert client.get(f"/api/v1/events/{event.id}/registrations", headers=organiser).status_code == 200


def test_a_connection_lost_after_the_answer_is_ready_does_not_spoil_the_answer(
    app, make_app, make_event, migrated_database
):
    """The database restarts between a page's last query and the end of its transaction: the page is sent."""
    event = make_event(name="Hội nghị ASCN")
    served = make_app()  # its own app context per request, so the end-of-request teardown runs as in production
    admin = create_engine(migrated_database, poolclass=NullPool)

    @served.after_request
    def lose_the_connection(response):
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with admin.connect() as connection:
            assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
        deadline = time.monotonic() + 10
        while _backend_alive(admin, pid):  # a backend ends a few milliseconds after it is told to
            assert time.monotonic() < deadline
            time.sleep(0.01)
        return response

    page = served.test_client().get(f"/events/{event.slug}")
    assert page.status_code == 200
    assert "Hội nghị ASCN" in page.get_data(as_text=True)
    assert served.test_client().get(f"/events/{event.slug}").status_code == 200  # and the next one is fine


def _backend_alive(admin, pid: int) -> bool:
    with admin.connect() as connection:  # a new transaction: pg_stat_activity is read once per transaction
        return connection.execute(text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).first()
