"""Language choice: ?lang=, then the saved choice, then Accept-Language, then the default."""

from urllib.parse import urlencode

from flask import current_app, has_request_context, request, session
from flask.globals import _cv_app
from flask_babel import get_locale, get_translations
from flask_login import current_user
from werkzeug.exceptions import HTTPException


def _form_language() -> str | None:
    """The language button of a posted form, if any. A body the app refuses (too large) has none:
    reading it must not raise again while the error page is chosen a language."""
    if request.method != "POST":
        return None
    try:
        return request.form.get("switch_lang")
    except HTTPException:
        return None


def available_languages() -> list[str]:
    return current_app.config["LANGUAGES"]


def chosen_language() -> str:
    languages = available_languages()
    if not has_request_context():  # CLI commands and background work: the default language
        return languages[0]
    # A form's language button is the newest choice, so it wins over a ?lang= left in the address.
    asked = _form_language() or request.args.get("lang")
    if asked in languages:
        return asked
    saved = session.get("lang")
    if saved in languages:
        return saved
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or languages[0]


def select_locale() -> str:
    """Catalogue per language, formatting per country: ar_MA writes dates and numbers as Moroccans do."""
    return f"{chosen_language()}_{current_app.config['COUNTRY']}"


def user_locale(user) -> str:
    """The locale to write to `user` in (messages sent while someone else's request runs, e.g. an
    admin's selection re-routing many applicants): her saved language, formatted for the country."""
    languages = available_languages()
    language = getattr(user, "locale", None)
    return f"{language if language in languages else languages[0]}_{current_app.config['COUNTRY']}"


def is_language_switch() -> bool:
    """A form posted by its language button: show it again in the other language with what was typed,
    neither validated nor saved (someone helping an applicant can switch without losing her answers)."""
    return _form_language() in available_languages()


def remember_language() -> None:
    """A ?lang= choice (or a form's language button) sticks for the following pages, and on the
    account when signed in."""
    asked = _form_language() or request.args.get("lang")
    if asked in available_languages():
        session["lang"] = asked
        if current_user.is_authenticated and current_user.locale != asked:
            current_user.locale = asked


def language_switch_url(lang: str) -> str:
    """The current page in another language. After a POST, the page's own address (GET) is used."""
    args = request.args.to_dict(flat=True) if request.method == "GET" else {}
    args["lang"] = lang
    return f"{request.path}?{urlencode(args)}"


LANGUAGE_NAMES = {"ar": "العربية", "fr": "Français"}


def template_context() -> dict:
    locale = get_locale()
    return {
        "locale": locale,
        "language": locale.language,
        "text_direction": locale.text_direction,
        "languages": [(code, LANGUAGE_NAMES.get(code, code)) for code in available_languages()],
        "language_switch_url": language_switch_url,
    }


def _translations():
    """The request's catalogue, looked up once per locale rather than at every message: Flask-Babel's own lookup
    costs 15-30 µs (context, domain, locale identifier, the `g` proxy), and a page writes some 200 messages.
    Keyed on the locale object Flask-Babel holds, which `force_locale` and `refresh` replace, so a message in
    another language (an SMS to her, a PDF) is never read from this cache."""
    app_context = _cv_app.get(None)  # the context variable itself: going through the `g` proxy costs more
    ctx = getattr(app_context.g, "_flask_babel", None) if app_context is not None else None
    cached = getattr(ctx, "jisr_translations", None)
    if cached is not None and cached[0] is getattr(ctx, "babel_locale", None):
        return cached[1]
    translations = get_translations()
    ctx = getattr(app_context.g, "_flask_babel", None) if app_context is not None else None
    if ctx is not None and getattr(ctx, "babel_locale", None) is not None:
        ctx.jisr_translations = (ctx.babel_locale, translations)
    return translations


def install_template_gettext(app) -> None:
    """Templates translate through `_translations` (the callables Flask-Babel installs, cached)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)
