from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.extensions import db


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_migrations_build_exactly_the_models(app):
    """The schema built by `flask db upgrade` has no difference from the models."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_home_page_names_the_demo_summit(client, cli):
    result = cli.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    page = client.get("/").get_data(as_text=True)
    assert "3rd ASEAN Smart Cities Network Annual Meeting 2020" in page
