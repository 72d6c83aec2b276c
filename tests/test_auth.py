"""Accounts through the HTTP client: register, sign in and out, reset a password, and the refusals
each form owes its users (in their language, with 4xx, never a 500, nothing half-saved)."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from jisr.audit.models import AuditEntry
from jisr.auth.models import PasswordResetCode, User
from jisr.extensions import db as _db
from jisr.extensions import limiter
from jisr.outbox.models import Channel, OutboxMessage, OutboxState
from jisr.timeutil import utcnow

PASSWORD = "Tafilalet-2026!"  # what make_user gives
NEW_PASSWORD = "Ma nouvelle clé 2026"
WTFORMS_REQUIRED = {"fr": "Ce champ est requis.", "ar": "هذا الحقل مطلوب."}


# Helpers ------------------------------------------------------------------------------------

def register(client, lang: str | None = None, **fields):
    data = {"full_name": "Fatima Zahra Amrani", "phone": "", "email": "",
            "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    data.update(fields)
    return client.post("/account/register" + (f"?lang={lang}" if lang else ""), data=data)


def field_errors(response) -> dict[str, str]:
    found = re.findall(r'<p class="field-error" id="([\w-]+)-error"><span class="visually-hidden">[^<]*</span>'
                       r"\s*(.*?)</p>", response.get_data(as_text=True), re.S)
    return {field: html.unescape(message.strip()) for field, message in found}


def in_language(app, lang: str, message: str, **values) -> str:
    """The message as the app shows it to a reader of `lang`. Once the catalogue is compiled the
    message must really be translated; before that (catalogues are filled after the code) it is English."""
    # force_locale: tests share one app context, and Flask-Babel caches the locale on `g`.
    with app.test_request_context(f"/?lang={lang}"), force_locale(lang):
        text = gettext(message, **values)
    compiled = Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]) / lang / "LC_MESSAGES" / "messages.mo"
    if compiled.exists():
        assert text != gettext_plain(message, **values), f"{message!r} is not translated in {lang}"
    return text


def gettext_plain(message: str, **values) -> str:
    return message % values if values else message


def count(model) -> int:
    return _db.session.scalar(sa.select(sa.func.count()).select_from(model))


def reset_code_from_outbox() -> str:
    message = _db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def signed_in(client) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


@pytest.fixture
def other_app(make_app):
    """Apps with other settings on the same database. The limiter is one global object whose
    `enabled` and storage follow the last app built: leave neither counts nor state behind."""
    made, enabled_before = [], limiter.enabled

    def factory(**overrides):
        made.append(make_app(**overrides))
        return made[-1]

    yield factory
    if any(a.config["RATELIMIT_ENABLED"] for a in made):
        limiter.reset()
    limiter.enabled = enabled_before


# Registration -------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["06 12 34 56 78", "0612345678", "+212 6 12 34 56 78", "00212612345678",
                                   "٠٦١٢٣٤٥٦٧٨"])
def test_register_with_phone_only_stores_e164_and_signs_in(client, db, typed):
    response = register(client, phone=typed)
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    user = db.session.scalar(sa.select(User))
    assert (user.phone, user.email, user.role, user.locale) == ("+212612345678", None, "applicant", "ar")
    assert signed_in(client)
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.actor_id == user.id)) == "auth.register"


def test_register_with_email_only_stores_it_lower_cased_with_the_page_language(client, db):
    response = register(client, lang="fr", email=" Fatima.Zahra@Example.ORG ")
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User))
    assert (user.email, user.phone, user.locale) == ("fatima.zahra@example.org", None, "fr")


def test_register_without_phone_or_email_is_refused_on_the_phone_field(app, client, db):
    response = register(client)
    assert response.status_code == 422
    assert field_errors(response) == {"phone": in_language(
        app, "ar", "Give a mobile phone number or an e-mail address. One of them is enough.")}
    assert count(User) == 0


EXAMPLE = "\u206606 12 34 56 78\u2069"  # isolated, so that it reads left to right in Arabic too


@pytest.mark.parametrize("phone, message, values", [
    ("05 24 00 00 00", "Enter a mobile phone number (starting with %(first)s or %(second)s), so we can send you SMS.",
     {"first": "\u206606\u2069", "second": "\u206607\u2069"}),
    ("06 12 34 56", "This phone number is not valid. Check the digits, like %(example)s.", {"example": EXAMPLE}),
    ("06 12 34 56 78 9", "This phone number is not valid. Check the digits, like %(example)s.", {"example": EXAMPLE}),
    ("fatima", "Enter a phone number, like %(example)s.", {"example": EXAMPLE}),
])
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_register_refuses_a_phone_that_is_not_a_mobile_number(app, client, phone, message, values, lang):
    response = register(client, lang=lang, phone=phone)
    assert response.status_code == 422
    assert field_errors(response)["phone"] == in_language(app, lang, message, **values)
    assert count(User) == 0


@pytest.mark.parametrize("email", ["fatima@", "fatima example.org", "<script>@example.org", "fatima@@example.org"])
def test_register_refuses_an_invalid_email(app, client, email):
    response = register(client, email=email)
    assert response.status_code == 422
    assert field_errors(response)["email"] == in_language(
        app, "ar", "Enter a valid e-mail address, like %(example)s.", example="\u2066name@example.com\u2069")
    assert count(User) == 0


RULES = {
    "short": ("Use at least %(min)d characters.", {"min": 8}),
    "long": ("Use at most %(max)d characters.", {"max": 128}),
    "repeated": ("Do not repeat the same character: mix several letters, digits or words.", {}),
    "common": ("This password is too common and easy to guess. Choose another one.", {}),
    "phone": ("Do not use your phone number in your password.", {}),
    "email": ("Do not use your e-mail address in your password.", {}),
}


@pytest.mark.parametrize("password, rule", [
    ("Tafil-7", "short"), ("Tafil-78", None),
    ("x" * 120 + "Tafil-78", None), ("x" * 121 + "Tafil-78", "long"),
    ("aaaaaaaaaaaa", "repeated"), ("aaaaaaaaaaab", None),
    ("Maroc2026", "common"), ("AZERTYUIOP", "common"), ("Bismillah", "common"), ("MotDePasse", "common"),
    ("Maison612345678", "phone"), ("Maison0612345678", "phone"), ("Maison61234567", None),
    ("fatima.zahra2026", "email"), ("FATIMA.ZAHRA@EXAMPLE.ORG", "email"),
])
def test_password_rules_at_their_edges(app, client, password, rule):
    response = register(client, phone="0612345678", email="fatima.zahra@example.org",
                        password=password, password_confirm=password)
    if rule is None:
        assert response.status_code == 302
        assert count(User) == 1
    else:
        message, values = RULES[rule]
        assert response.status_code == 422
        assert field_errors(response) == {"password": in_language(app, "ar", message, **values)}
        assert count(User) == 0


def test_password_confirmation_must_match(app, client):
    response = register(client, phone="0612345678", password_confirm=NEW_PASSWORD + "!")
    assert response.status_code == 422
    assert field_errors(response) == {"password_confirm": in_language(
        app, "ar", "The two passwords are not the same. Type them again.")}


def test_a_phone_or_email_already_used_is_refused_clearly(app, client, make_user):
    make_user(phone="+212612345678", email="fatima@example.org")
    response = register(client, phone="06 12 34 56 78")
    assert response.status_code == 422
    assert "phone" in field_errors(response)
    response = register(client, lang="fr", email="Fatima@Example.org")
    assert response.status_code == 422
    assert field_errors(response)["email"] == in_language(
        app, "fr", "An account already uses this e-mail address. Sign in, or reset your password if you forgot it.")
    assert count(User) == 1


def test_a_duplicate_that_slips_past_the_check_is_refused_not_a_500(client, make_user, monkeypatch):
    """Two people registering the same number at the same moment: the unique constraint decides."""
    from jisr.auth import services

    make_user(phone="+212612345678")
    real, calls = services.contact_taken, []
    monkeypatch.setattr(services, "contact_taken", lambda *a: real(*a) if calls.append(a) or len(calls) > 1 else None)
    response = register(client, phone="0612345678")
    assert response.status_code == 422
    assert "phone" in field_errors(response)
    assert count(User) == 1


def test_contacts_normalise_outside_a_request_for_the_command_line(app):
    from jisr.auth.services import AccountError, normalise_email, normalise_phone

    assert normalise_phone("06 12 34 56 78") == "+212612345678"
    assert normalise_email("Fatima@Example.ORG") == "fatima@example.org"
    with pytest.raises(AccountError, match="Enter a mobile phone number"):
        normalise_phone("05 24 00 00 00")


# Bad input on every form --------------------------------------------------------------------

BAD_VALUES = {
    "empty": "",
    "too_long": "6" * 5000,
    "markup": "<script>alert('x')</script>",
    "sql": "' OR 1=1 --",
    "mixed_direction": "فاطمة \u202eevil\u202c 06",
}
FORMS = {
    "register": ("/account/register", ["full_name", "phone", "email", "password", "password_confirm"]),
    "login": ("/account/login", ["identifier", "password"]),
    "reset_request": ("/account/reset", ["identifier"]),
    "reset_confirm": ("/account/reset/confirm", ["identifier", "code", "password", "password_confirm"]),
}


@pytest.mark.parametrize("lang", ["fr", "ar"])
@pytest.mark.parametrize("bad", list(BAD_VALUES))
@pytest.mark.parametrize("form", list(FORMS))
def test_bad_input_gets_a_translated_4xx_page_and_stores_nothing(app, client, form, bad, lang):
    url, fields = FORMS[form]
    response = client.post(f"{url}?lang={lang}", data={name: BAD_VALUES[bad] for name in fields})
    assert 400 <= response.status_code < 500
    page = response.get_data(as_text=True)
    assert f'<html lang="{lang}"' in page
    assert 'class="error-summary" role="alert"' in page
    assert "<script>alert" not in page
    errors = field_errors(response)
    if bad == "empty":
        assert WTFORMS_REQUIRED[lang] in errors.values()
    elif bad == "too_long":
        assert in_language(app, lang, "Use at most %(max)d characters.", max=30 if form == "register" else 254) \
            in errors.values()
    if form != "register" and bad in {"markup", "sql", "mixed_direction"}:
        assert errors["identifier"] == in_language(app, lang, "Enter your mobile phone number or your e-mail address.")
    assert count(User) == count(OutboxMessage) == count(AuditEntry) == count(PasswordResetCode) == 0


# Sign in and out ----------------------------------------------------------------------------

@pytest.mark.parametrize("identifier", ["06 12 34 56 78", "+212612345678", "FATIMA@example.org"])
def test_sign_in_with_phone_or_email(auth, client, db, make_user, identifier):
    user = make_user(phone="+212612345678", email="fatima@example.org")
    response = auth.login(identifier)
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    db.session.refresh(user)
    assert user.last_login_at is not None
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.actor_id == user.id)) == "auth.login"
    assert client.get_cookie("remember_token") is None


def test_passwords_are_hashed_with_argon2id_and_older_hashes_are_upgraded_at_sign_in(auth, db, make_user):
    from werkzeug.security import generate_password_hash

    fresh = make_user(phone="+212612345670")
    assert fresh.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in fresh.password_hash
    older = make_user(phone="+212612345678")
    older.password_hash = generate_password_hash(PASSWORD)  # Werkzeug's scrypt, as accounts made before have
    db.session.commit()
    assert auth.login("0612345678", "wrong-password").status_code == 422
    db.session.refresh(older)
    assert older.password_hash.startswith("scrypt:")  # a wrong password changes nothing
    assert auth.login("0612345678").status_code == 302
    db.session.refresh(older)
    assert older.password_hash.startswith("$argon2id$") and older.check_password(PASSWORD)
    assert not older.check_password("wrong-password")


def test_wrong_password_unknown_account_and_inactive_account_get_the_same_generic_error(app, auth, make_user):
    make_user(phone="+212612345678")
    make_user(email="inactive@example.org", active=False)
    generic = in_language(app, "fr", "The phone number, e-mail address or password is not right. "
                                     "Check them and try again.")
    for identifier, password in [("0612345678", "wrong-password"), ("0699999999", PASSWORD),
                                 ("nobody@example.org", PASSWORD), ("inactive@example.org", PASSWORD)]:
        response = auth.client.post("/account/login?lang=fr", data={"identifier": identifier, "password": password})
        assert response.status_code == 422
        assert field_errors(response) == {"password": generic}
        assert not signed_in(auth.client)


def test_remember_me_sets_the_remember_cookie(auth, client, make_user):
    make_user(phone="+212612345678")
    assert auth.login("0612345678", remember="y").status_code == 302
    assert client.get_cookie("remember_token") is not None


def test_next_is_followed_only_to_a_page_of_this_site(auth, client, make_user):
    make_user(phone="+212612345678")
    response = client.post("/account/login?next=/applications/?tab=2",
                           data={"identifier": "0612345678", "password": PASSWORD})
    assert response.headers["Location"] == "/applications/?tab=2"
    for target in ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
                   "http:/evil.example", "/\t/evil.example", "evil.example"]:
        auth.logout()
        response = client.post("/account/login", query_string={"next": target},
                               data={"identifier": "0612345678", "password": PASSWORD})
        assert response.status_code == 302 and response.headers["Location"] == "/dashboard", target


def test_sign_out(auth, client, db, make_user):
    user = make_user(phone="+212612345678")
    auth.login("0612345678", remember="y")
    response = auth.logout()
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert not signed_in(client)
    assert client.get_cookie("remember_token") is None
    assert client.get("/dashboard").headers["Location"] == "/account/login"
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.actor_id == user.id)).all()
    assert actions == ["auth.login", "auth.logout"]


def test_post_without_csrf_token_is_refused_when_csrf_is_on(other_app, make_user):
    make_user(phone="+212612345678")
    client = other_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/account/login", data={"identifier": "0612345678", "password": PASSWORD})
    assert response.status_code == 400
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/account/login").get_data(as_text=True)).group(1)
    response = client.post("/account/login", data={"identifier": "0612345678", "password": PASSWORD,
                                                   "csrf_token": token})
    assert response.status_code == 302


# Password reset -----------------------------------------------------------------------------

def confirm(client, code: str, identifier: str = "0612345678", password: str = NEW_PASSWORD, lang: str = "ar"):
    return client.post(f"/account/reset/confirm?lang={lang}", data={
        "identifier": identifier, "code": code, "password": password, "password_confirm": password})


def test_reset_by_sms_end_to_end(auth, client, db, make_user):
    user = make_user(phone="+212612345678")
    response = client.post("/account/reset", data={"identifier": "06 12 34 56 78"})
    assert response.status_code == 302 and response.headers["Location"] == "/account/reset/confirm"
    message = db.session.scalar(sa.select(OutboxMessage))
    assert (message.channel, message.recipient, message.state) == (Channel.SMS, "+212612345678", OutboxState.PENDING)
    assert 'value="06 12 34 56 78"' in client.get("/account/reset/confirm").get_data(as_text=True)

    response = confirm(client, reset_code_from_outbox())
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert signed_in(client)
    auth.logout()
    assert auth.login("0612345678").status_code == 422
    assert auth.login("0612345678", NEW_PASSWORD).status_code == 302
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.actor_id == user.id)).all()
    assert actions[:2] == ["auth.reset_requested", "auth.password_reset"]


def test_reset_answers_the_same_for_an_unknown_account_and_sends_nothing(client, make_user):
    make_user(phone="+212612345678")
    known = client.post("/account/reset", data={"identifier": "0612345678"})
    unknown = client.post("/account/reset", data={"identifier": "0699999999"})
    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])
    assert count(OutboxMessage) == 1


def test_reset_message_is_in_the_users_language(client, db, make_user):
    make_user(email="fatima@example.org", locale="fr")
    client.post("/account/reset?lang=ar", data={"identifier": "fatima@example.org"})
    message = db.session.scalar(sa.select(OutboxMessage))
    assert (message.channel, message.language) == (Channel.EMAIL, "fr")


def test_reset_code_works_once_and_a_new_code_replaces_the_old(app, client, make_user):
    make_user(phone="+212612345678")
    client.post("/account/reset", data={"identifier": "0612345678"})
    first = reset_code_from_outbox()
    client.post("/account/reset", data={"identifier": "0612345678"})
    second = reset_code_from_outbox()
    invalid = in_language(app, "fr", "This code is not valid or has expired. Check the code, or ask for a new one.")
    if first != second:
        response = confirm(client, first, lang="fr")
        assert response.status_code == 422 and field_errors(response) == {"code": invalid}
    assert confirm(client, second).status_code == 302
    response = confirm(client, second, password="Encore une autre 2026", lang="fr")
    assert response.status_code == 422 and field_errors(response) == {"code": invalid}


def test_at_most_five_codes_an_hour_so_nobody_can_flood_a_phone(client, make_user):
    make_user(phone="+212612345678")
    for _request in range(6):
        assert client.post("/account/reset", data={"identifier": "0612345678"}).status_code == 302
    assert count(OutboxMessage) == 5


def test_expired_reset_code_is_refused(client, db, make_user):
    make_user(phone="+212612345678")
    client.post("/account/reset", data={"identifier": "0612345678"})
    reset = db.session.scalar(sa.select(PasswordResetCode))
    reset.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert confirm(client, reset_code_from_outbox()).status_code == 422


def test_sixth_attempt_is_refused_even_with_the_right_code(client, db, make_user):
    make_user(phone="+212612345678")
    client.post("/account/reset", data={"identifier": "0612345678"})
    code = reset_code_from_outbox()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _attempt in range(5):
        assert confirm(client, wrong).status_code == 422
    assert confirm(client, code).status_code == 422
    db.session.expire_all()
    assert db.session.scalar(sa.select(PasswordResetCode.attempts)) == 5


def test_new_password_may_not_contain_the_accounts_other_contact(app, client, make_user):
    """The identifier was the e-mail; the phone number is only known once the code is right."""
    make_user(phone="+212612345678", email="fatima@example.org")
    client.post("/account/reset", data={"identifier": "fatima@example.org"})
    code = reset_code_from_outbox()
    response = confirm(client, code, identifier="fatima@example.org", password="Maison0612345678")
    assert response.status_code == 422
    assert field_errors(response) == {
        "password": in_language(app, "ar", "Do not use your phone number in your password.")}
    assert confirm(client, code, identifier="fatima@example.org").status_code == 302


# Rate limits --------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/account/login", "/account/reset", "/account/reset/confirm"])
def test_too_many_attempts_get_429_with_the_translated_error_page(app, other_app, url):
    client = other_app(RATELIMIT_ENABLED=True).test_client()
    for _attempt in range(10):
        assert client.post(url, data={"identifier": "0699999999", "password": "x", "code": "1"}).status_code < 429
    response = client.post(f"{url}?lang=fr", data={"identifier": "0699999999", "password": "x"})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert '<html lang="fr"' in page and in_language(app, "fr", "Too many attempts") in page
    assert client.get(url).status_code == 200  # reading the form is not limited


def test_rate_limits_are_shared_through_redis_when_configured(app, other_app):
    """Several app processes share one count through Redis (JISR_REDIS_URL): the count lives there."""
    import os

    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        connection = redis.Redis.from_url(url, socket_connect_timeout=1)
        connection.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis must be reachable on 127.0.0.1:6379 in CI")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    connection.flushdb()
    try:
        client = other_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=url).test_client()
        for _attempt in range(10):
            assert client.post("/account/login", data={"identifier": "0699999999", "password": "x"}).status_code < 429
        assert client.post("/account/login", data={"identifier": "0699999999", "password": "x"}).status_code == 429
        assert connection.keys("LIMITS:LIMITER/*auth.login*"), "the counts should be kept in Redis"
    finally:
        connection.flushdb()
        connection.close()
