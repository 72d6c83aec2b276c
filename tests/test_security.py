"""Hardening, through the HTTP client: what every response tells the browser (security headers, caching),
cookies, sessions renewed at sign-in and ended elsewhere when a password or a role changes, rate limits
(shared through Redis), the pause on sign-in after repeated failures and the way back, redirects that stay
on the site, error pages without a trace of the code, and uploads that never open as a page."""

from __future__ import annotations

import html
import io
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext, ngettext
from journey import png_bytes

from jisr.applications.services import start_application
from jisr.audit.models import AuditEntry
from jisr.auth.models import SignInLock, User
from jisr.documents import storage
from jisr.documents.models import Document
from jisr.extensions import db as _db
from jisr.extensions import limiter
from jisr.outbox.models import OutboxMessage
from jisr.timeutil import utcnow

PASSWORD = "Tafilalet-2026!"  # what make_user gives
NEW_PASSWORD = "Une autre clé 2026"
PNG = png_bytes()
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
       b"<script>alert(document.cookie)</script></svg>")
GENERIC_ERROR = "The phone number, e-mail address or password is not right. Check them and try again."
PAUSED = ("Sign-in with this phone number or e-mail address is paused for %(num)d minute, after too many "
          "attempts with a wrong password. To sign in now, choose a new password with “I forgot my password”.",
          "Sign-in with this phone number or e-mail address is paused for %(num)d minutes, after too many "
          "attempts with a wrong password. To sign in now, choose a new password with “I forgot my password”.")


@pytest.fixture
def other_app(make_app):
    """Apps with other settings on the same database. The limiter is one global object whose `enabled` and
    storage follow the last app built (see test_auth.other_app): leave neither behind."""
    enabled_before = limiter.enabled
    yield make_app
    limiter.enabled = enabled_before
    limiter._storage_dead = False  # a test with Redis out of reach must not send later ones to the fallback


def login(client, identifier="0612345678", password=PASSWORD, lang="fr", **extra):
    return client.post(f"/account/login?lang={lang}", data={"identifier": identifier, "password": password, **extra})


def set_cookies(response) -> dict[str, str]:
    """Set-Cookie headers by cookie name (attributes kept as sent)."""
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def field_errors(response) -> dict[str, str]:
    found = re.findall(r'<p class="field-error" id="([\w-]+)-error"><span class="visually-hidden">[^<]*</span>'
                       r"\s*(.*?)</p>", response.get_data(as_text=True), re.S)
    return {field: html.unescape(message.strip()) for field, message in found}


def in_language(app, lang: str, message: str, plural: str | None = None, **values) -> str:
    """The message as a reader of `lang` sees it (as test_auth.in_language): once the catalogue is compiled
    it must really be translated."""
    with app.test_request_context(f"/?lang={lang}"), force_locale(lang):
        text = ngettext(message, plural, values["num"]) if plural else gettext(message, **values)
    if (Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]) / lang / "LC_MESSAGES" / "messages.mo").exists():
        english = (plural if plural and values["num"] != 1 else message) % values if values else message
        assert text != english, f"{message!r} is not translated in {lang}"
    return text


def signed_in(client) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


def reset_code_from_outbox() -> str:
    message = _db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def paused(app, lang: str, minutes: int) -> str:
    return in_language(app, lang, *PAUSED, num=minutes)


# -- headers ------------------------------------------------------------------------------------------------

def assert_security_headers(response) -> None:
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert policy["script-src"] == "'none'" and policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


INLINE = re.compile(r"""<script|<style|\sstyle\s*=|\son[a-z]+\s*=|javascript:""", re.I)


def test_no_template_has_inline_script_style_or_event_handler(app):
    """What the policy refuses (script-src 'none', style-src 'self'): styles belong in static/jisr.css (or
    print.css), SVG charts use presentation attributes. tests/browser/test_csp.py checks pages in a browser."""
    found = []
    for path in sorted(Path(app.template_folder).rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if INLINE.search(line):
                found.append(f"{path.relative_to(app.template_folder)}:{number}: {line.strip()[:120]}")
    assert not found, "inline script or style in templates:\n" + "\n".join(found)


def test_public_private_and_error_pages_carry_the_security_headers(client, auth, make_user):
    assert_security_headers(client.get("/"))
    assert_security_headers(client.get("/account/login"))
    assert_security_headers(client.post("/account/login", data={}))  # 422
    assert_security_headers(client.get("/no-such-page"))  # 404
    auth.login_as(make_user())
    assert_security_headers(client.get("/applications/"))


def test_an_error_page_from_a_view_that_failed_carries_them_too(other_app):
    app = other_app(TESTING=False)
    app.add_url_rule("/boom", "boom", lambda: 1 / 0)
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_that_may_show_personal_data_are_never_stored_static_files_are(app, client, auth, make_user, programme):
    user = make_user()
    application = start_application(user, programme)
    _db.session.commit()
    auth.login_as(user)
    for path in ["/applications/", f"/applications/{application.id}", f"/applications/{application.id}/identity",
                 "/dashboard", "/"]:
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert "Expires" not in response.headers
    static = client.get("/static/jisr.css")
    assert "no-store" not in static.headers.get("Cache-Control", "") and "max-age=" in static.headers["Cache-Control"]
    static.close()


def test_without_https_there_is_no_hsts_and_cookies_are_not_secure_only(client, make_user):
    make_user(phone="+212612345678")
    response = login(client, remember="y")
    assert response.status_code == 302
    assert "Strict-Transport-Security" not in response.headers
    cookies = set_cookies(response)
    assert "Secure" not in cookies["session"] and "Secure" not in cookies["remember_token"]


def test_session_and_remember_cookies_are_http_only_and_same_site(client, make_user):
    make_user(phone="+212612345678")
    cookies = set_cookies(login(client, remember="y"))
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name], cookies[name]
    assert client.application.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)  # not Flask-Login's year


def test_jisr_https_turns_on_hsts_and_secure_only_cookies(monkeypatch, other_app, make_user):
    monkeypatch.setenv("JISR_HTTPS", "1")
    app = other_app()
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    make_user(phone="+212612345678")
    client = app.test_client()
    assert client.get("/").headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookies = set_cookies(login(client, remember="y"))
    for name in ("session", "remember_token"):
        assert "Secure" in cookies[name] and "HttpOnly" in cookies[name], cookies[name]


def test_production_means_https_unless_told_otherwise(monkeypatch):
    from jisr.config import Config

    monkeypatch.setenv("JISR_ENV", "production")
    monkeypatch.setenv("JISR_DATABASE_URL", "sqlite://")
    assert Config().HTTPS and Config().SESSION_COOKIE_SECURE
    monkeypatch.setenv("JISR_HTTPS", "0")  # a pilot on a local network without TLS
    assert not Config().HTTPS and not Config().SESSION_COOKIE_SECURE


# -- sessions -----------------------------------------------------------------------------------------------

def test_signing_in_starts_a_new_session_and_keeps_only_the_language(app, client, make_user):
    make_user(phone="+212612345678")
    client.get("/account/login?lang=fr")
    with client.session_transaction() as session:
        session["planted"] = "by someone who used this computer before"
        session["csrf_token"] = "a-token-its-author-knows"
    before = client.get_cookie("session").value
    assert login(client).status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session and "csrf_token" not in session
        assert session["lang"] == "fr" and session["_user_id"]
    assert client.get_cookie("session").value != before
    stale = app.test_client()
    stale.set_cookie("session", before)
    assert stale.get("/applications/").status_code == 302  # the cookie from before is nobody's session


def test_a_csrf_token_from_before_signing_in_is_refused_after(other_app, make_user):
    make_user(phone="+212612345678")
    client = other_app(WTF_CSRF_ENABLED=True).test_client()

    def token(path):
        return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', client.get(path).text).group(1)

    before = token("/account/login")
    response = client.post("/account/login", data={"identifier": "0612345678", "password": PASSWORD,
                                                   "csrf_token": before})
    assert response.status_code == 302
    assert client.post("/account/logout", data={"csrf_token": before}).status_code == 400
    assert client.post("/account/logout", data={"csrf_token": token("/applications/")}).status_code == 302


def test_signing_out_leaves_nothing_of_hers_in_the_session(client, make_user):
    make_user(phone="+212612345678")
    login(client)
    with client.session_transaction() as session:
        session["reset_identifier"] = "0612345678"
    client.post("/account/logout")
    with client.session_transaction() as session:
        assert set(session) <= {"lang", "_remember", "_flashes"}


def test_a_new_password_ends_her_other_sessions_and_remember_me_cookies(app, db, make_user):
    make_user(phone="+212612345678")
    phone_of_her_ex = app.test_client()
    assert login(phone_of_her_ex, remember="y").status_code == 302
    remembered = phone_of_her_ex.get_cookie("remember_token").value
    assert phone_of_her_ex.get("/applications/").status_code == 200

    hers = app.test_client()
    hers.post("/account/reset", data={"identifier": "0612345678"})
    response = hers.post("/account/reset/confirm", data={"identifier": "0612345678", "code": reset_code_from_outbox(),
                                                         "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302 and signed_in(hers)
    assert hers.get("/applications/").status_code == 200  # this device: signed in with the new password

    assert phone_of_her_ex.get("/applications/").status_code == 302
    assert not signed_in(phone_of_her_ex)
    with_cookie_only = app.test_client()
    with_cookie_only.set_cookie("remember_token", remembered)
    assert with_cookie_only.get("/applications/").status_code == 302


def test_a_role_change_ends_the_sessions_of_the_person_changed(app, db, make_user, province):
    admin = make_user(role="admin")
    person = make_user(role="coordinator", provinces=[province("errachidia")])
    theirs, admins = app.test_client(), app.test_client()
    for client, user in ((theirs, person), (admins, admin)):
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = user.get_id(), True
    assert theirs.get("/coordination/files/").status_code == 200
    response = admins.post(f"/admin/users/{person.id}", data={"role": "agent", "provinces": [province("midelt").id]})
    assert response.status_code in (302, 303)
    assert theirs.get("/coordination/files/").status_code == 302 and not signed_in(theirs)
    assert admins.get(f"/admin/users/{person.id}").status_code == 200  # the admin's own session goes on
    assert login(theirs, person.phone).status_code == 302  # she signs in again, as an agent now
    assert theirs.get("/agent/").status_code == 200


def test_a_representative_selected_as_incubator_manager_signs_in_again(app, db, make_user, make_call,
                                                                         make_association):
    call = make_call()
    association = make_association(call, status="submitted")
    representative = db.session.get(User, association.representative_id)
    theirs, admins = app.test_client(), app.test_client()
    for client, user in ((theirs, representative), (admins, make_user(role="admin"))):
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = user.get_id(), True
    assert theirs.get("/calls/mine").status_code == 200
    call.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = admins.post(f"/selection/associations/{association.id}/select", data={"select-reason": "ranked_high"})
    assert response.status_code == 303
    assert theirs.get("/calls/mine").status_code == 302 and not signed_in(theirs)


def test_a_deactivated_account_reactivated_does_not_bring_old_sessions_back(app, db, make_user):
    admin, person = make_user(role="admin"), make_user(role="coordinator", phone="+212612345678")
    theirs, admins = app.test_client(), app.test_client()
    assert login(theirs).status_code == 302
    with admins.session_transaction() as session:
        session["_user_id"], session["_fresh"] = admin.get_id(), True
    assert admins.post(f"/admin/users/{person.id}/deactivate").status_code in (302, 303)
    assert admins.post(f"/admin/users/{person.id}/activate").status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(User, person.id).active
    theirs.get("/")
    assert not signed_in(theirs)


# -- rate limits --------------------------------------------------------------------------------------------

def _redis(db_number: int):
    """A connection to the Redis CI machines run, flushed; skipped on a laptop without one (not in CI)."""
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(f"redis://127.0.0.1:6379/{db_number}", socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis must be reachable on 127.0.0.1:6379 in CI")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    connection.flushdb()
    return connection


def _accounts_posts(app, make_user, make_call):
    """(path, form) of each account form whose posts are limited per client address."""
    call = make_call()
    return {
        "register": ("/account/register", {"full_name": "X", "phone": "", "email": "", "password": "x"}),
        "claim": ("/account/claim", {"identifier": "0699999999", "code": "1", "password": "x"}),
        "invitation": ("/account/invitation/", {"identifier": "0699999999", "code": "1", "password": "x"}),
        "association": (f"/calls/{call.id}/register", {"full_name": "X", "password": "x"}),
        "login": ("/account/login", {"identifier": "0699999999", "password": "x"}),
        "reset": ("/account/reset", {"identifier": ""}),
    }


@pytest.mark.parametrize("form", ["register", "claim", "invitation", "association", "login", "reset"])
def test_account_forms_answer_429_with_a_translated_page_after_ten_posts_a_minute(
        app, other_app, make_user, make_call, form):
    path, data = _accounts_posts(app, make_user, make_call)[form]
    client = other_app(RATELIMIT_ENABLED=True).test_client()
    for _attempt in range(10):
        assert client.post(path, data=data).status_code < 429
    response = client.post(f"{path}{'&' if '?' in path else '?'}lang=fr", data=data)
    assert response.status_code == 429
    assert '<html lang="fr"' in response.text and in_language(app, "fr", "Too many attempts") in response.text
    assert "Retry-After" in response.headers
    assert_security_headers(response)
    assert client.get(path).status_code == 200  # reading the form is free


def test_uploads_are_limited_per_account_not_per_address(app, other_app, make_user, programme):
    limited = other_app(RATELIMIT_ENABLED=True)
    clients = []
    for _person in range(2):
        user = make_user()
        application = start_application(user, programme)
        _db.session.commit()
        client = limited.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = user.get_id(), True
        clients.append((client, f"/applications/{application.id}/documents"))
    first, path = clients[0]
    for _upload in range(20):
        assert first.post(path, data={"kind": "id_card"}).status_code == 422  # no file: refused, but counted
    response = first.post(f"{path}?lang=fr", data={"kind": "id_card"})
    assert response.status_code == 429 and in_language(app, "fr", "Too many attempts") in response.text
    second, path = clients[1]  # the same address, another account: not limited by the first one's uploads
    assert second.post(path, data={"kind": "id_card"}).status_code == 422


def test_limits_are_shared_by_two_app_instances_through_redis(monkeypatch, other_app):
    """Two create_app() instances stand for two processes: with JISR_REDIS_URL the count lives in Redis,
    so the second instance, built afterwards with a fresh storage of its own, sees the first one's posts."""
    connection = _redis(14)
    monkeypatch.setenv("JISR_REDIS_URL", "redis://127.0.0.1:6379/14")
    try:
        first = other_app(RATELIMIT_ENABLED=True)
        assert first.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/14"
        client = first.test_client()
        for _attempt in range(10):
            assert client.post("/account/reset", data={"identifier": ""}).status_code == 422
        assert connection.keys("LIMITS:*auth.reset_request*"), "the counts should be kept in Redis"

        second = other_app(RATELIMIT_ENABLED=True)  # an in-memory count would start again from zero here
        assert second.test_client().post("/account/reset", data={"identifier": ""}).status_code == 429
    finally:
        connection.flushdb()
        connection.close()


def test_redis_out_of_reach_does_not_break_sign_in(monkeypatch, other_app, make_user):
    monkeypatch.setenv("JISR_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    client = other_app(RATELIMIT_ENABLED=True).test_client()
    make_user(phone="+212612345678")
    assert login(client, password="wrong").status_code == 422
    assert login(client).status_code == 302


# -- the pause after repeated failed sign-ins ---------------------------------------------------------------

def fail(client, times: int, identifier="0612345678"):
    for _attempt in range(times):
        response = login(client, identifier, "not-her-password")
        assert response.status_code == 422


def test_ten_failures_pause_sign_in_even_with_the_right_password(app, db, client, make_user):
    user = make_user(phone="+212612345678")
    fail(client, 9)
    response = login(client, password="not-her-password")
    assert field_errors(response) == {"password": in_language(app, "fr", GENERIC_ERROR)}
    response = login(client)  # the right password, too late
    assert response.status_code == 422 and not signed_in(client)
    assert field_errors(response) == {"identifier": paused(app, "fr", 15)}
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "auth.locked"))
    assert (entry.object_type, entry.object_id, entry.details["failures"]) == ("users", user.id, 10)
    # Another device, another address: the pause is on the account's contact, not on the machine.
    assert login(app.test_client()).status_code == 422


@pytest.fixture
def three_attempts(app, monkeypatch):
    """A pause after three failures instead of ten: each wrong password costs a slow hash."""
    monkeypatch.setitem(app.config, "LOCKOUT_ATTEMPTS", 3)


def test_the_pause_says_the_same_for_a_contact_no_account_uses(app, client, make_user, three_attempts):
    make_user(phone="+212612345678")
    fail(client, 3, "0699999999")
    response = login(client, "0699999999")
    assert field_errors(response) == {"identifier": paused(app, "fr", 15)}
    assert field_errors(login(client, "0612345678", "wrong")) == {"password": in_language(app, "fr", GENERIC_ERROR)}


def test_the_contact_is_kept_under_a_keyed_hash_only(db, client, make_user):
    fail(client, 1, "fatima@example.org")
    [lock] = db.session.scalars(sa.select(SignInLock)).all()
    assert "fatima" not in lock.key and len(lock.key) == 64


def test_the_pause_ends_by_itself(app, db, client, make_user, three_attempts):
    make_user(phone="+212612345678")
    fail(client, 3)
    assert login(client).status_code == 422
    db.session.execute(sa.update(SignInLock).values(locked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert login(client).status_code == 302


def test_a_new_password_with_a_code_ends_the_pause(app, db, client, make_user, three_attempts):
    user = make_user(phone="+212612345678")
    fail(client, 3)
    assert login(client).status_code == 422
    client.post("/account/reset", data={"identifier": "0612345678"})
    response = client.post("/account/reset/confirm", data={"identifier": "0612345678", "code": reset_code_from_outbox(),
                                                           "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    client.post("/account/logout")
    assert login(client, password=NEW_PASSWORD).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(SignInLock.id))) == 0
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "auth.unlocked"))
    assert (entry.object_id, entry.details) == (user.id, {"reason": "password_reset"})


def test_failures_count_within_the_window_only_and_a_success_starts_again(db, client, make_user, three_attempts):
    make_user(phone="+212612345678")
    fail(client, 2)
    db.session.execute(sa.update(SignInLock).values(first_failed_at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    fail(client, 2)  # the window of the first two is over: these are the first two of a new one
    assert login(client).status_code == 302
    client.post("/account/logout")
    fail(client, 2)
    assert login(client).status_code == 302


def test_the_number_of_failures_and_the_pause_are_settings(monkeypatch, other_app, make_user):
    monkeypatch.setenv("JISR_LOCKOUT_ATTEMPTS", "3")
    monkeypatch.setenv("JISR_LOCKOUT_MINUTES", "60")
    app = other_app()
    client = app.test_client()
    make_user(phone="+212612345678")
    fail(client, 3)
    assert field_errors(login(client)) == {"identifier": paused(app, "fr", 60)}


# -- redirects ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "https://evil.example", "//evil.example/x",
                                    "/\\/evil.example", "\\\\evil.example", "https:evil.example"])
def test_next_never_leads_off_the_site(client, auth, make_user, target):
    user = make_user(phone="+212612345678")
    response = client.post("/account/login", query_string={"next": target},
                           data={"identifier": "0612345678", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    response = client.get("/account/login", query_string={"next": target})  # already signed in
    assert response.headers["Location"] == "/dashboard"
    auth.login_as(user)
    response = client.get("/consent/", query_string={"next": target})
    assert response.headers["Location"] == "/dashboard"


def test_the_language_links_of_a_page_asked_with_two_slashes_stay_on_the_site(client):
    # As a browser sends it ("GET //evil.example/x HTTP/1.1"); the test client would read a host in the URL.
    # Werkzeug's request.path collapses the leading slashes (language_switch_url builds on it): this keeps it so.
    response = client.get("/", environ_overrides={"PATH_INFO": "//evil.example/x"})
    assert response.status_code == 404
    links = re.findall(r'href="([^"]*lang=[^"]*)"', response.text)
    assert links and all(link.startswith("/") and not link.startswith("//") for link in links), links


# -- error pages --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("settings", [{"TESTING": False}, {"TESTING": False, "DEBUG": True}, {}])
def test_a_failing_view_gives_a_translated_500_page_without_any_trace(app, other_app, settings):
    failing = other_app(**settings)

    def boom():
        raise RuntimeError("secret-detail-of-the-code")

    failing.add_url_rule("/boom", "boom", boom)
    response = failing.test_client().get("/boom?lang=fr")
    assert response.status_code == 500
    assert in_language(app, "fr", "Something went wrong") in response.text
    for trace in ("Traceback", "secret-detail-of-the-code", "RuntimeError", "File \"", ".py"):
        assert trace not in response.text


def test_when_the_error_page_itself_fails_a_bare_one_is_shown(app, other_app, monkeypatch):
    failing = other_app(TESTING=False)
    failing.add_url_rule("/boom", "boom", lambda: 1 / 0)

    def broken(*args, **kwargs):
        raise RuntimeError("the template failed too")

    monkeypatch.setattr("jisr.main.errors.render_template", broken)
    response = failing.test_client().get("/boom?lang=fr")
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert in_language(app, "fr", "An error happened on our side. Please try again later.") in response.text
    assert "Traceback" not in response.text and "template failed" not in response.text


# -- uploads ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, name, content_type", [(HTML, "page.html", "text/html"),
                                                       (HTML, "photo.png", "image/png"),
                                                       (SVG, "image.svg", "image/svg+xml"),
                                                       (SVG, "photo.png", "image/png")])
def test_html_and_svg_uploads_are_refused_whatever_their_name(db, client, auth, make_user, programme, data, name,
                                                              content_type):
    user = make_user()
    application = start_application(user, programme)
    db.session.commit()
    auth.login_as(user)
    response = client.post(f"/applications/{application.id}/documents", content_type="multipart/form-data",
                           data={"kind": "id_card", "file": (io.BytesIO(data), name, content_type)})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 0


@pytest.mark.parametrize("data, name, content_type", [(HTML, "page.html", "text/html"),
                                                       (SVG, "image.svg", "image/svg+xml"),
                                                       (PNG, "photo.png", "image/png")])
def test_a_stored_file_is_never_served_as_a_page(db, client, auth, make_workspace, data, name, content_type):
    """Even a file that got in some other way (an older version, a restored backup) is a download that runs
    nothing; only the accepted image types may be shown inside staff pages."""
    ws = make_workspace()
    application = ws.files[0]
    stored = storage.save(data, db.session)
    document = Document(application_id=application.id, kind="photo", original_name=name, stored_name=stored.name,
                        content_type=content_type, size=stored.size, sha256=stored.sha256)
    db.session.add(document)
    db.session.commit()
    auth.login_as(ws.manager)
    for path in (f"/workspace/files/{application.id}/documents/{document.id}?inline=1", f"/documents/{document.id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        inline = content_type == "image/png" and "inline=1" in path
        assert response.headers["Content-Disposition"].startswith("inline" if inline else "attachment"), path
        assert response.mimetype == (content_type if content_type == "image/png" else "application/octet-stream")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "private, no-store"
        response.close()


def test_the_large_print_convocation_pdf_needs_no_inline_style(app):
    """Her large print is a class on the PDF's page (print.css), not a <style> in the page."""
    from flask import render_template_string

    with app.test_request_context("/"):
        html = render_template_string('{% extends "base.html" %}{% block pdf_classes %} large-print{% endblock %}',
                                      pdf=True)
    assert 'class="pdf large-print"' in html and "<style" not in html
    assert ".pdf.large-print body" in (Path(app.static_folder) / "print.css").read_text(encoding="utf-8")
