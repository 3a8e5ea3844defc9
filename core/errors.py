"""Domain errors and the one place that turns any error into an HTML page or the JSON of API.md."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"

# Stable codes for the HTTP errors that carry no domain code of their own.
HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}

HTTP_ERROR_MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Please sign in first."),
    403: _l("You are not allowed to do this."),
    404: _l("We could not find what you asked for."),
    405: _l("This method is not allowed here."),
    413: _l("What you sent is too large."),
    415: _l("This content type is not supported."),
    422: _l("Some fields are not valid."),
    429: _l("Too many attempts. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. The team has been told."),
    503: _l("The service is briefly unavailable. Please try again."),
}


class DomainError(Exception):
    """A rule of the domain says no: a stable `code`, a sentence for a person, an HTTP status."""

    status = 409

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        fields: dict | None = None,
        rows: list[dict] | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.fields = fields
        # Validation of many records at once (a spreadsheet import): [{row, fields: {name: [messages]}}].
        self.rows = rows
        if status is not None:
            self.status = status


class ValidationFailed(DomainError):
    """Input of the right shape that fails a rule tied to given fields (422)."""

    status = 422


class NotFound(DomainError):
    """The object does not exist, or the caller may not know that it does (404)."""

    status = 404

    def __init__(self, message: str | None = None):
        super().__init__("not_found", message or str(HTTP_ERROR_MESSAGES[404]))


class Forbidden(DomainError):
    status = 403

    def __init__(self, code: str = "forbidden", message: str | None = None):
        super().__init__(code, message or str(HTTP_ERROR_MESSAGES[403]))


def wants_json() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def error_body(code: str, message: str, fields: dict | None = None, rows: list[dict] | None = None) -> dict:
    error: dict = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    if rows:
        error["rows"] = rows
    return {"error": error}


def _webargs_fields(exc: HTTPException) -> dict | None:
    """Flatten webargs' {location: {field: [messages]}} into {field: [messages]}."""
    messages = (getattr(exc, "data", None) or {}).get("messages")
    if not isinstance(messages, dict):
        return None
    fields: dict = {}
    for location, per_location in messages.items():
        if isinstance(per_location, dict):
            for name, problems in per_location.items():
                fields[name] = problems if isinstance(problems, list | dict) else [str(problems)]
        else:
            fields[f"_{location}"] = per_location if isinstance(per_location, list) else [str(per_location)]
    return fields or None


def _http_message(status: int, exc: HTTPException) -> str:
    if status == 413 and current_app.config.get("MAX_CONTENT_LENGTH"):
        # The limit, so that the person knows how much smaller to make the file.
        size = f"{current_app.config['MAX_CONTENT_LENGTH'] / 1024 / 1024:g}"
        return _("What you sent is larger than the %(size)s MB this site accepts.", size=size)
    return str(HTTP_ERROR_MESSAGES.get(status, exc.description or exc.name))


def _render_html(status: int, message: str):
    template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/generic.html"
    return render_template(template, status=status, message=message), status


def _discard_unsaved_changes() -> None:
    """An error ends the request's transaction: nothing it changed is kept, whatever the caller did before."""
    from core.extensions import db

    db.session.rollback()


def handle_domain_error(exc: DomainError):
    _discard_unsaved_changes()
    if wants_json():
        return jsonify(error_body(exc.code, exc.message, exc.fields, exc.rows)), exc.status
    return _render_html(exc.status, exc.message)


def handle_http_exception(exc: HTTPException):
    _discard_unsaved_changes()
    status = exc.code or 500
    headers = exc.get_response().headers if status in (405, 429) else {}
    if wants_json():
        fields = _webargs_fields(exc) if status in (400, 422) else None
        if status == 400 and fields:
            # Malformed JSON is a 400 with a sentence, not a field list.
            fields = None
        message = _http_message(status, exc)
        if status == 400 and (getattr(exc, "data", None) or {}).get("messages"):
            message = str(_l("The request body is not valid JSON."))
        response = jsonify(error_body(HTTP_ERROR_CODES.get(status, "http_error"), message, fields))
        for name in ("Allow", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
            if name in headers:
                response.headers[name] = headers[name]
        return response, status
    if isinstance(exc, CSRFError):
        return _render_html(400, str(_l("The form has expired or was not sent from this site. Please try again.")))
    body, status = _render_html(status, _http_message(status, exc))
    return body, status, {k: v for k, v in headers.items() if k in ("Allow", "Retry-After")}


def handle_database_unavailable(exc: Exception):
    """The database cannot be reached (restarting, failing over): a clean 503 the client may retry, not a 500."""
    logger.warning("Database unavailable on %s %s: %s", request.method, request.path, exc.__class__.__name__)
    try:
        _discard_unsaved_changes()
    except Exception:  # noqa: BLE001 (the connection is gone; the pool replaces it on the next checkout)
        logger.debug("rollback after a lost connection failed", exc_info=True)
    _answer_as_anonymous()
    response = make_response(handle_http_exception(ServiceUnavailable()))
    response.headers["Retry-After"] = "5"
    return response


def _answer_as_anonymous() -> None:
    """Draw the answer without the database: as for a visitor who is not signed in.

    The signed-in user (or the bearer token's) is read from the database, and the rollback has expired that row;
    the error message's language and the page's menu would read it again, fail again inside this handler, and turn
    the 503 into a 500 (seen under load: every request with a token or a session during a restart).
    """
    g._login_user = current_app.login_manager.anonymous_user()


def is_connection_error(exc: Exception) -> bool:
    """True for errors that say the database is unreachable, not that a statement was wrong."""
    return isinstance(exc, DBAPIError) and (exc.connection_invalidated or isinstance(exc, OperationalError))


def handle_unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    if is_connection_error(exc):
        return handle_database_unavailable(exc)
    logger.exception("Unhandled error on %s %s", request.method, request.path)
    return handle_http_exception(InternalServerError())


def end_session(exc: BaseException | None) -> None:
    """Close the request's database session. A connection that died after the answer was ready (a database
    restart between the view's last query and this rollback) is no error of the request: it answered 500 before.

    Registered after Flask-SQLAlchemy's own teardown, so it runs first; the other then finds nothing to close.
    """
    from core.extensions import db

    try:
        db.session.remove()
    except DBAPIError as error:
        if not is_connection_error(error):
            raise
        logger.warning("Database connection lost at the end of a request: %s", error.__class__.__name__)
        db.session.registry.clear()  # SQLAlchemy has dropped the dead connection from the pool


def register_error_handlers(app: Flask) -> None:
    """Map every error once; called after flask-smorest so these handlers win."""
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
    app.teardown_appcontext(end_session)


def attach_to_form(form, exc: DomainError, *, field: str | None = None) -> None:
    """Show a service's error next to the fields it names, else next to `field` if given, else above the form."""
    placed = False
    for name, problems in (exc.fields or ({field: [exc.message]} if field else {})).items():
        form_field = getattr(form, name, None)
        if form_field is not None and hasattr(form_field, "errors"):
            errors = form_field.errors
            form_field.errors = [*errors, *problems] if isinstance(errors, list) else list(problems)
            placed = True
    if not placed:
        form.form_errors.append(exc.message)
