"""Error pages in the reader's language; nothing the user did should ever show a bare 500."""

import sqlalchemy as sa
from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Access denied"), _l("You do not have access to this page.")),
    404: (_l("Page not found"), _l("This page does not exist or you do not have access to it.")),
    405: (_l("Not allowed"), _l("This action is not allowed here.")),
    413: (_l("File too large"), _l("The file you sent is larger than the allowed size.")),
    422: (_l("Invalid data"), _l("Some information is not valid. Go back and correct it.")),
    429: (_l("Too many attempts"), _l("Too many attempts. Please wait a few minutes and try again.")),
    500: (_l("Something went wrong"), _l("An error happened on our side. Please try again later.")),
    503: (_l("Service briefly unavailable"),
          _l("The service is briefly unavailable. What you have already saved is kept: please try again in a few "
             "minutes.")),
}


#: When even choosing a language fails: the default language's words, written here once.
FALLBACK_PAGE = """<!doctype html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>Jisr</title></head><body>
<p>حدث خطأ من جهتنا. يرجى المحاولة لاحقا.</p>
<p lang="fr" dir="ltr">Une erreur s’est produite de notre côté. Veuillez réessayer plus tard.</p>
</body></html>"""


def bare_error_page() -> str:
    """The 500 message in the reader's language without the site's template (which needs the database)."""
    from html import escape

    from flask_babel import get_locale

    try:
        title, text = (escape(str(message), quote=False) for message in MESSAGES[500])
        locale = get_locale()
        return (f'<!doctype html><html lang="{locale.language}" dir="{locale.text_direction}"><head>'
                f'<meta charset="utf-8"><title>{title}</title></head><body><h1>{title}</h1><p>{text}</p>'
                "</body></html>")
    except Exception:
        return FALLBACK_PAGE


def render_error(code: int, detail=None):
    title, text = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    return render_template("errors/error.html", code=code, title=title, text=detail or text), code


def register(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        from flask_babel import gettext as _

        return render_error(400, _("Your session has expired or the form is out of date. Please try again."))

    @app.errorhandler(HTTPException)
    def http_error(error):
        if _is_api():
            return app.extensions["jisr_api"].handle_http_exception(error)
        return render_error(error.code or 500)

    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.InterfaceError)
    def database_unavailable(error):
        """The database went away (restart, failover, network): a page that needs nothing from it, 503 with a
        Retry-After; the pool's pre-ping reconnects once it is back, without restarting the app."""
        from flask import g

        from jisr.extensions import db, login_manager

        app.logger.error("Database unavailable: %s", error.__class__.__name__)
        try:
            db.session.rollback()
        except sa.exc.SQLAlchemyError:
            db.session.close()
        g._login_user = login_manager.anonymous_user()  # do not ask the database who is signed in
        if _is_api():
            from werkzeug.exceptions import ServiceUnavailable

            response = app.make_response(app.extensions["jisr_api"].handle_http_exception(ServiceUnavailable()))
        else:
            response = app.make_response(render_error(503))
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(Exception)
    def unexpected(error):
        # The details go to the log, never to the page (not even with debug on: this handler answers first).
        app.logger.exception("Unhandled error")
        if _is_api():
            from werkzeug.exceptions import InternalServerError

            return app.extensions["jisr_api"].handle_http_exception(InternalServerError())
        try:
            return render_error(500)
        except Exception:  # the error page itself failed (the database is down, say): a page with no parts
            app.logger.exception("The error page could not be shown")
            return bare_error_page(), 500, {"Content-Type": "text/html; charset=utf-8"}


def _is_api() -> bool:
    """The JSON API answers its errors in JSON, as its OpenAPI document says."""
    from flask import current_app, request

    return request.path.startswith("/api/") and "jisr_api" in current_app.extensions
