"""The /api/v1 surface: flask-smorest generates the OpenAPI document from the schemas; docs served locally."""

from __future__ import annotations

import marshmallow as ma
from flask import Blueprint, Flask, render_template, send_from_directory
from flask_smorest import Api
from sqlalchemy import Select, func, select
from swagger_ui_bundle import swagger_ui_path

from core.db import MAX_INTEGER
from core.errors import API_PREFIX
from core.extensions import csrf, db


class ErrorDetailSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"example": "email_taken"})
    message = ma.fields.String(required=True)
    fields = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw())
    rows = ma.fields.List(
        ma.fields.Dict(),
        metadata={"description": "`import_invalid`: every bad row, as `{row, fields: {name: [messages]}}`."},
    )


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorDetailSchema, required=True)


class SummitApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        # core.errors maps every error once, for the API and the HTML pages alike.
        return None


api = SummitApi(
    spec_kwargs={
        "info": {"description": "The outside contract of ASCN Summit (shared/API.md)."},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    }
)

BEARER = [{"bearerAuth": []}]

# What an integer column holds: a larger id or count would fail in the database (a 500), not be refused (a 422).
ID = ma.validate.Range(min=1, max=MAX_INTEGER)
COUNT = ma.validate.Range(min=0, max=MAX_INTEGER)


class PageArgsSchema(ma.Schema):
    # Bounded, so that the offset it makes stays a number the database takes.
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=1_000_000))
    per_page = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))


def list_envelope(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The list shape of API.md for `item_schema`, as a named schema for the OpenAPI document."""
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "page": ma.fields.Integer(required=True),
            "per_page": ma.fields.Integer(required=True),
            "total": ma.fields.Integer(required=True),
        },
        name=item_schema.__name__.removesuffix("Schema") + "PageSchema",
    )


def paginate(statement: Select, page_args: dict) -> dict:
    """Run `statement` for one page and count the whole, in the envelope of API.md."""
    page, per_page = page_args["page"], page_args["per_page"]
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    items = db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": items, "page": page, "per_page": per_page, "total": total}


docs = Blueprint("api_ui", __name__)


@docs.get(f"{API_PREFIX}/docs")
def api_docs():
    return render_template("core/api_docs.html")


@docs.get(f"{API_PREFIX}/docs/assets/<path:filename>")
def api_docs_asset(filename: str):
    return send_from_directory(swagger_ui_path, filename, max_age=86400)


def init_api(app: Flask) -> None:
    api.init_app(app)
    app.register_blueprint(docs)


def register_api_blueprint(blueprint) -> None:
    """Register a domain's flask-smorest blueprint under /api/v1; bearer tokens, so no CSRF."""
    csrf.exempt(blueprint)
    api.register_blueprint(blueprint, url_prefix=API_PREFIX)
