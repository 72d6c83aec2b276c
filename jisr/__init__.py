"""Jisr: enrollment and accompaniment of women project holders and persons with disabilities."""

from __future__ import annotations

import zoneinfo

from flask import Flask
from werkzeug.routing import IntegerConverter

from jisr.config import Config

# Time zones come from the tzdata package pinned with the app, never from the host: Morocco's offsets change
# by decree (Ramadan, the 2018 switch to +01), two servers with different OS updates must not disagree about
# a deadline, and Flask-Babel's pytz, which formats what pages show, carries the same IANA release.
zoneinfo.reset_tzpath(())


class _DatabaseInteger(IntegerConverter):
    """<int:…> in every route stops at the largest identifier the database stores (PostgreSQL's integer): a
    larger number is a 404 like any unknown object, not a 500 from the database."""

    def __init__(self, map, *args, **kwargs):
        from jisr.numbers import MAX_ID

        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def create_app(config: object | None = None) -> Flask:
    app = Flask(__name__, instance_path=None)
    app.url_map.converters["int"] = _DatabaseInteger
    app.config.from_object(config if config is not None else Config())
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    register_extensions(app)
    register_security(app)
    register_request_handling(app)
    register_blueprints(app)
    from jisr.api.routes import init_app as init_api

    init_api(app)
    register_error_handlers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def register_extensions(app: Flask) -> None:
    from jisr import models  # noqa: F401  (every table known to Alembic)
    from jisr.extensions import babel, compress, csrf, db, limiter, login_manager, migrate
    from jisr.i18n import install_template_gettext, select_locale

    db.init_app(app)
    _count_as_files_move()
    from jisr.documents import storage

    storage.init_app(app)
    migrate.init_app(app, db, directory=str(_project_root() / "migrations"))
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    # gzip only: every browser and proxy speaks it, and the pages are small enough that brotli or zstd
    # would save a few hundred bytes at most. Streamed responses are left alone (Flask-Compress would
    # not close their files); static files are read into memory first, so they are compressed too.
    app.config.setdefault("COMPRESS_ALGORITHM", "gzip")
    app.config.setdefault("COMPRESS_STREAMS", False)
    compress.init_app(app)

    @app.after_request  # registered after Flask-Compress's hook, so it runs before it
    def buffer_static_files(response):
        from flask import request

        if request.endpoint == "static" and response.status_code == 200 and response.direct_passthrough:
            response.direct_passthrough = False
            response.make_sequence()  # reads the file and closes it with the response
        return response

    login_manager.login_view = "auth.login"
    # "basic", not "strong": phones on mobile networks change IP often, which would sign people out.
    login_manager.session_protection = "basic"

    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_id: str):
        from jisr.auth.models import User

        parsed = User.parse_session_id(session_id)
        user = db.session.get(User, parsed[0]) if parsed else None
        # A deactivated account is signed out at its next request, not only refused at the next sign-in; a
        # session opened before her password or role changed is over (User.end_sessions).
        if user is None or not user.active or user.session_version != parsed[1]:
            from jisr.auth.signin import drop_session

            drop_session()
            return None
        return user

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _sqlite_pragmas(app)


def _sqlite_pragmas(app: Flask) -> None:
    import sqlalchemy as sa

    from jisr.extensions import db

    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def register_security(app: Flask) -> None:
    """Security headers and cache rules on every response, error pages included (jisr/security.py)."""
    from jisr import security

    security.init_app(app)


def register_request_handling(app: Flask) -> None:
    """One commit per request, in one place: success commits, anything else rolls back."""
    from flask import g

    from jisr.extensions import db
    from jisr.i18n import remember_language

    app.before_request(remember_language)

    @app.after_request
    def commit_session(response):
        if response.status_code < 400 and not g.get("rollback_only"):
            db.session.commit()
            from jisr.outbox.services import deliver_queued

            deliver_queued()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()


def _count_as_files_move() -> None:
    """The dashboards' summary follows every commit (jisr/stats/facts.py); registered once per process."""
    import sqlalchemy as sa

    from jisr.extensions import db
    from jisr.stats import facts

    for name, hook in (("before_flush", facts.before_flush), ("after_flush", facts.after_flush),
                       ("before_commit", facts.before_commit), ("after_transaction_end", facts.after_transaction_end)):
        if not sa.event.contains(db.session, name, hook):
            sa.event.listen(db.session, name, hook)


def register_blueprints(app: Flask) -> None:
    from jisr.admin.audit_routes import bp as audit_log_bp
    from jisr.admin.jobs_routes import bp as jobs_admin_bp
    from jisr.admin.reference_routes import bp as reference_admin_bp
    from jisr.admin.routes import bp as admin_bp
    from jisr.agents.routes import bp as agents_bp
    from jisr.api.token_routes import bp as api_tokens_bp
    from jisr.applications.routes import bp as applications_bp
    from jisr.auth.invitation_routes import bp as invitations_bp
    from jisr.auth.routes import bp as auth_bp
    from jisr.calls.routes import bp as calls_bp
    from jisr.calls.selection_routes import bp as selection_bp
    from jisr.coordination.routes import bp as coordination_bp
    from jisr.documents.routes import bp as documents_bp
    from jisr.incubators.routes import bp as incubators_bp
    from jisr.main.routes import bp as main_bp
    from jisr.programmes.admin_routes import bp as programmes_admin_bp
    from jisr.programmes.consent_routes import bp as consent_bp
    from jisr.rights.routes import admin_bp as erasure_admin_bp
    from jisr.rights.routes import bp as rights_bp
    from jisr.stats.export_routes import bp as exports_bp
    from jisr.stats.routes import bp as stats_bp
    from jisr.workspace.answer_routes import bp as answers_bp
    from jisr.workspace.outcome_routes import bp as outcomes_bp
    from jisr.workspace.routes import bp as workspace_bp
    from jisr.workspace.session_routes import bp as sessions_bp
    from jisr.workspace.session_routes import convocations as convocations_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(applications_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(agents_bp)
    app.register_blueprint(calls_bp)
    app.register_blueprint(selection_bp)
    app.register_blueprint(incubators_bp)
    app.register_blueprint(coordination_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(workspace_bp)
    app.register_blueprint(answers_bp)
    app.register_blueprint(sessions_bp)
    app.register_blueprint(convocations_bp)
    app.register_blueprint(outcomes_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(audit_log_bp)
    app.register_blueprint(jobs_admin_bp)
    app.register_blueprint(reference_admin_bp)
    app.register_blueprint(stats_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(rights_bp)
    app.register_blueprint(api_tokens_bp)
    app.register_blueprint(erasure_admin_bp)
    app.register_blueprint(programmes_admin_bp)
    app.register_blueprint(consent_bp)


def register_error_handlers(app: Flask) -> None:
    from jisr.main.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from jisr.commands import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from jisr.i18n import template_context
    from jisr.main.filters import register

    app.context_processor(template_context)
    register(app)


def _project_root():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent
