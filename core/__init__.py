"""The application factory."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import BASE_DIR, load_config


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app; `overrides` replace configuration values (tests use this)."""
    overrides = overrides or {}
    config = load_config(overrides.get("INSTANCE_DIR"))
    config.update(overrides)
    app = Flask(
        __name__,
        instance_path=str(Path(config["INSTANCE_DIR"]).resolve()),
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
    )
    app.config.update(config)
    from core.db import DatabaseIdConverter

    app.url_map.converters["int"] = DatabaseIdConverter
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)

    _init_extensions(app)
    _register_core(app)
    _register_domains(app)

    from core.errors import register_error_handlers

    register_error_handlers(app)
    return app


def _init_extensions(app: Flask) -> None:
    from core.api import init_api
    from core.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate
    from core.i18n import country_name, select_locale, select_timezone
    from core.security import init_security

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(BASE_DIR / "translations"),
    )
    bootstrap.init_app(app)
    app.add_template_filter(country_name, "country_name")
    limiter.init_app(app)
    init_api(app)
    init_security(app)

    from core.auth.models import LANGUAGES, Role

    @app.context_processor
    def inject_globals():
        from flask_babel import get_locale

        return {"LANGUAGES": LANGUAGES, "Role": Role, "current_locale": str(get_locale() or "en")}


def _register_core(app: Flask) -> None:
    from core import views
    from core.api import register_api_blueprint
    from core.auth import api as auth_api
    from core.auth import views as auth_views
    from core.cli import demo_cli, users_cli
    from core.demo import load_demo_accounts
    from core.mail.cli import mail_cli
    from core.signals import add_demo_loader

    app.register_blueprint(views.bp)
    app.register_blueprint(auth_views.bp)
    register_api_blueprint(auth_api.blp)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(mail_cli)
    add_demo_loader(app, "accounts", load_demo_accounts)


def _register_domains(app: Flask) -> None:
    # Domains are imported here only, so the kernel stays free of them (STYLE.md).
    import events

    events.init_app(app)

    import registration

    registration.init_app(app)

    import exhibitors

    exhibitors.init_app(app)
