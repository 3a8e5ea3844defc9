"""The database goes away under the app (a restart, a fail-over): clean 503s meanwhile, and recovery without
restarting the app. On PostgreSQL, the production database: the test database refuses connections and every
session to it is ended, as a restart does, while the rest of the server keeps running."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.extensions import db
from tests.fixtures.app import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="a database outage is staged on PostgreSQL")


@contextmanager
def database_down(url: str):
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        others = (
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"
        )
        connection.execute(text(others), {"name": name})
    try:
        yield
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()


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
