"""The OpenAPI document of /api/v1 and the page that shows it, served without any outside host."""

from __future__ import annotations

import re

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from tests.fixtures.accounts import PASSWORD

ACCOUNT_CALLS = {"/api/v1/accounts": {"post"}, "/api/v1/auth/token": {"post", "delete"}, "/api/v1/me": {"get", "patch"}}


@pytest.fixture
def spec(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def conforms(spec: dict, component: str, instance) -> None:
    """Raise if `instance` does not match `#/components/schemas/<component>` of the document."""
    schema = {"$ref": f"#/components/schemas/{component}", "components": spec["components"]}
    OAS30Validator(schema).validate(instance)


def test_the_document_is_valid_openapi_3(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.")


def test_the_document_lists_the_account_calls(spec):
    for path, methods in ACCOUNT_CALLS.items():
        assert path in spec["paths"], path
        assert methods <= set(spec["paths"][path]), (path, set(spec["paths"][path]))


def test_the_document_declares_bearer_tokens_where_they_are_needed(spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert spec["paths"]["/api/v1/me"]["get"]["security"] == [{"bearerAuth": []}]
    assert spec["paths"]["/api/v1/auth/token"]["delete"]["security"] == [{"bearerAuth": []}]
    assert "security" not in spec["paths"]["/api/v1/auth/token"]["post"]


def test_real_answers_match_the_document(client, spec):
    created = client.post(
        "/api/v1/accounts", json={"email": "van@danang.gov.vn", "password": PASSWORD, "full_name": "Nguyễn Tường Văn"}
    )
    conforms(spec, "User", created.get_json())
    token = client.post("/api/v1/auth/token", json={"email": "van@danang.gov.vn", "password": PASSWORD})
    conforms(spec, "Token", token.get_json())
    taken = client.post(
        "/api/v1/accounts", json={"email": "van@danang.gov.vn", "password": PASSWORD, "full_name": "Văn"}
    )
    conforms(spec, "Error", taken.get_json())
    invalid = client.post("/api/v1/accounts", json={"email": "nope", "password": "short", "full_name": "Văn"})
    conforms(spec, "Error", invalid.get_json())


def test_the_docs_page_loads_swagger_ui_from_this_server(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)

    scripts = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", html)
    styles = re.findall(r"<link\b[^>]*\bhref=\"([^\"]+)\"", html)
    assert any("swagger-ui" in src for src in scripts), scripts
    for url in scripts + styles:
        assert url.startswith("/"), f"{url} is not on this server"
        assert not url.startswith("//"), f"{url} is not on this server"
    assert "http://" not in html
    assert "https://" not in html
    assert re.search(r"data-spec-url=\"/api/v1/openapi\.json\"", html)

    for url in scripts:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.mimetype == "text/javascript", (url, asset.mimetype)
        assert len(asset.get_data()) > 0
        asset.close()
    for url in styles:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.mimetype == "text/css"
        asset.close()


def test_the_swagger_ui_bundle_is_javascript(client):
    response = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert b"SwaggerUIBundle" in response.get_data()
    response.close()


def test_the_docs_page_allows_its_scripts_from_this_server_only(client):
    policy = client.get("/api/v1/docs").headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1).split()
    assert script_src == ["'self'"]
