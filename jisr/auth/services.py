"""Accounts: contacts normalised once, registration, sign-in, password reset by single-use code.

Services only flush; the request commits (see register_request_handling). Messages come out in the
reader's language in a request, and as the English msgid on the command line."""

from __future__ import annotations

import secrets
from datetime import timedelta

import phonenumbers
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context, has_request_context, url_for
from flask_babel import force_locale, get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l

from jisr.audit.services import record
from jisr.auth import lockout
from jisr.auth.hashing import hash_secret, needs_rehash, verify_secret
from jisr.auth.models import PasswordResetCode, Role, User
from jisr.bidi import example_phone, isolate
from jisr.extensions import db
from jisr.outbox.models import Channel
from jisr.outbox.services import enqueue
from jisr.programmes import consent
from jisr.timeutil import aware, utcnow

MAX_CODE_ATTEMPTS = 5
MAX_CODES_PER_HOUR = 5  # each code may cost an SMS; a stranger must not be able to flood a phone
MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


class AccountError(ValueError):
    """A refusal to show next to a form field (field=None: on the whole form)."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(_text(message))
        self.field = field


def _text(message) -> str:
    if has_request_context():
        return str(message)
    with force_locale("en"):  # command line: no language was chosen, and no request to choose one
        return str(message)


def current_language() -> str:
    locale = get_locale() if has_request_context() else None
    if locale is not None:
        return locale.language
    return current_app.config["LANGUAGES"][0] if has_app_context() else "ar"


# Contacts -------------------------------------------------------------------------------------

def normalise_email(value: str) -> str:
    """The address as stored and looked up: IDNA/Unicode-normalised, lower-cased."""
    try:
        result = validate_email((value or "").strip(), check_deliverability=False)
    except EmailNotValidError:
        raise AccountError(_l("Enter a valid e-mail address, like %(example)s.",
                              example=isolate(gettext("name@example.com")))) from None
    return result.normalized.lower()


def normalise_phone(value: str, mobile_only: bool = True) -> str:
    """E.164 (+212612345678) from what people type: 06 12 34 56 78, 0612-345678, +212 6..., Arabic digits."""
    region = current_app.config.get("COUNTRY", "MA") if has_app_context() else "MA"
    text = (value or "").strip()
    try:
        if len(text) > 30 or any(ch.isalpha() for ch in text):
            raise phonenumbers.NumberParseException(phonenumbers.NumberParseException.NOT_A_NUMBER, text)
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise AccountError(_l("Enter a phone number, like %(example)s.", example=isolate(example_phone()))) from None
    if not phonenumbers.is_valid_number(number):
        raise AccountError(_l("This phone number is not valid. Check the digits, like %(example)s.",
                              example=isolate(example_phone())))
    if mobile_only and phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise AccountError(_l("Enter a mobile phone number (starting with %(first)s or %(second)s), so we can send "
                              "you SMS.", first=isolate("06"), second=isolate("07")))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_identifier(value: str) -> tuple[str, str]:
    """('email', address) or ('phone', E.164); an identifier with '@' is an e-mail address."""
    try:
        if "@" in (value or ""):
            return "email", normalise_email(value)
        return "phone", normalise_phone(value, mobile_only=False)
    except AccountError:
        raise AccountError(_l("Enter your mobile phone number or your e-mail address.")) from None


def find_user(identifier: str) -> User | None:
    try:
        kind, key = normalise_identifier(identifier)
    except AccountError:
        return None
    column = User.email if kind == "email" else User.phone
    return db.session.scalar(sa.select(User).where(column == key))


# Registration and sign-in -------------------------------------------------------------------

def contact_taken(phone: str | None, email: str | None) -> AccountError | None:
    if phone and db.session.scalar(sa.select(User.id).where(User.phone == phone)) is not None:
        return AccountError(_l("An account already uses this phone number. Sign in, or reset your password "
                               "if you forgot it."), field="phone")
    if email and db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        return AccountError(_l("An account already uses this e-mail address. Sign in, or reset your password "
                               "if you forgot it."), field="email")
    return None


def register(full_name: str, password: str | None, phone: str | None = None, email: str | None = None,
             locale: str | None = None, registered_by: User | None = None, role: Role = Role.APPLICANT) -> User:
    """A new account: an applicant's, or an association representative's. Contacts must already be
    normalised (the form does it). An account an agent opens has no password until the applicant
    claims it with her code."""
    taken = contact_taken(phone, email)
    if taken is not None:
        raise taken
    user = User(full_name=full_name, phone=phone or None, email=email or None, role=role,
                locale=locale or current_language(),
                registered_by_id=registered_by.id if registered_by is not None else None)
    if password is not None:
        user.set_password(password)
    db.session.add(user)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        # Someone registered the same contact between our check and our insert. The session is
        # unusable after a failed flush; nothing else was written in this request, so roll back.
        db.session.rollback()
        raise contact_taken(phone, email) or AccountError(
            _l("An account already uses this phone number or e-mail address."), field="phone") from None
    record("auth.register", user, actor=registered_by or user, channel="phone" if phone else "email",
           assisted=registered_by is not None, role=str(role))
    return user


_DUMMY_HASH: list[str] = []


class SignInPaused(AccountError):
    """Too many failed sign-ins with this contact lately (jisr/auth/lockout.py). Said the same way whether
    or not an account uses the contact."""

    def __init__(self, minutes: int) -> None:
        super().__init__(ngettext(
            "Sign-in with this phone number or e-mail address is paused for %(num)d minute, after too many "
            "attempts with a wrong password. To sign in now, choose a new password with “I forgot my password”.",
            "Sign-in with this phone number or e-mail address is paused for %(num)d minutes, after too many "
            "attempts with a wrong password. To sign in now, choose a new password with “I forgot my password”.",
            minutes), field="identifier")


def authenticate(identifier: str, password: str) -> User | None:
    """The user when the identifier and password match an active account; None otherwise, for any reason.
    Raises SignInPaused while the contact is locked out, whatever the password. A failure is counted in the
    session: the caller commits it although the sign-in fails."""
    try:
        key = lockout.key_for(*normalise_identifier(identifier))
    except AccountError:
        return None
    until = lockout.locked_until(key)
    if until is not None:
        raise SignInPaused(lockout.minutes_left(until))
    user = find_user(identifier)
    if user is None or not user.password_hash:
        # Spend the same time as a real check, so the answer's delay does not tell the account exists.
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(hash_secret(secrets.token_hex(8)))
        verify_secret(_DUMMY_HASH[0], password)
        lockout.count_failure(key, None)
        return None
    if not user.check_password(password) or not user.is_active:
        lockout.count_failure(key, user)
        return None
    lockout.succeeded(key)
    if needs_rehash(user.password_hash):
        user.set_password(password)
    user.last_login_at = utcnow()
    consent.check(user)
    record("auth.login", user, actor=user)
    return user


def logout(user: User) -> None:
    record("auth.logout", user, actor=user)


# Password reset ----------------------------------------------------------------------------

class InvalidCode(AccountError):
    def __init__(self) -> None:
        super().__init__(_l("This code is not valid or has expired. Check the code, or ask for a new one."),
                         field="code")


def request_reset(identifier: str) -> PasswordResetCode | None:
    """Send a new code to the account's e-mail (or phone). Does nothing, silently, when there is no
    such active account, so the answer never tells whether an account exists."""
    user = find_user(identifier)
    if user is None or not user.is_active:
        return None
    now = utcnow()
    recent = db.session.scalar(sa.select(sa.func.count(PasswordResetCode.id)).where(
        PasswordResetCode.user_id == user.id, PasswordResetCode.created_at > now - timedelta(hours=1)))
    if recent >= MAX_CODES_PER_HOUR:
        return None
    minutes = current_app.config["RESET_CODE_MINUTES"]
    code, reset = _new_code(user, timedelta(minutes=minutes))
    _send_code(user, code, minutes)
    record("auth.reset_requested", user, actor=user)
    return reset


def _new_code(user: User, lifetime: timedelta) -> tuple[str, PasswordResetCode]:
    """A fresh 6-digit code (stored hashed); any earlier unused code of the user is spent, so only the
    newest one works."""
    now = utcnow()
    db.session.execute(
        sa.update(PasswordResetCode)
        .where(PasswordResetCode.user_id == user.id, PasswordResetCode.used_at.is_(None))
        .values(used_at=now)
    )
    code = f"{secrets.randbelow(10**6):06d}"
    stored = PasswordResetCode(user_id=user.id, code_hash=hash_secret(code), created_at=now,
                               expires_at=now + lifetime)
    db.session.add(stored)
    db.session.flush()
    return code, stored


def _send_code(user: User, code: str, minutes: int) -> None:
    language, code = user.locale or current_language(), isolate(code)  # the code reads left to right in Arabic
    with force_locale(language):
        if user.email:
            subject = gettext("Your Jisr code to choose a new password")
            body = "\n\n".join([
                # i18n: greeting of an e-mail; the name is the account's full name.
            gettext("Hello %(name)s,", name=user.full_name),
                gettext("Someone asked to change the password of your Jisr account. Your code is: %(code)s",
                        code=code),
                ngettext("The code is valid for %(num)d minute and can be used only once.",
                         "The code is valid for %(num)d minutes and can be used only once.", minutes),
                gettext("If you did not ask for it, ignore this message: your password stays the same. "
                        "Never give this code to anyone, even someone who says they work for Jisr."),
            ])
            enqueue(Channel.EMAIL, user.email, subject, body, language)
        else:
            # i18n: an SMS. Keep it under 160 characters (70 in Arabic script) with the code filled in.
            body = ngettext("Jisr: your code is %(code)s. Valid %(num)d minute. Never share it.",
                            "Jisr: your code is %(code)s. Valid %(num)d minutes. Never share it.",
                            minutes, code=code)
            enqueue(Channel.SMS, user.phone, "", body, language)


def _current_code(user: User) -> PasswordResetCode | None:
    return db.session.scalar(
        sa.select(PasswordResetCode)
        .where(PasswordResetCode.user_id == user.id, PasswordResetCode.used_at.is_(None))
        .order_by(PasswordResetCode.created_at.desc(), PasswordResetCode.id.desc())
        .limit(1)
    )


def check_reset_code(identifier: str, code: str) -> tuple[User, PasswordResetCode]:
    """The user and code when the code is right, unused, unexpired and has attempts left.

    Every check counts as an attempt, counted by one conditional UPDATE so that parallel guesses
    cannot exceed the limit. Raises InvalidCode, the same error whatever went wrong; the caller
    commits after a wrong code, so the attempt counts even though the request fails."""
    user = find_user(identifier)
    reset = _current_code(user) if user is not None and user.is_active else None
    if reset is None or aware(reset.expires_at) <= utcnow():
        raise InvalidCode()
    counted = db.session.execute(
        sa.update(PasswordResetCode)
        .where(PasswordResetCode.id == reset.id, PasswordResetCode.attempts < MAX_CODE_ATTEMPTS)
        .values(attempts=PasswordResetCode.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not counted or not verify_secret(reset.code_hash, code):
        raise InvalidCode()
    return user, reset


def complete_reset(user: User, reset: PasswordResetCode, password: str) -> None:
    """Change the password and spend the code. The password rules were checked by the caller.
    A code proves she holds the phone or mailbox, so it also completes the claim of an account an
    agent opened for her: from then on the agent no longer reaches her file. It also ends a sign-in pause
    on her contacts, and every session opened before (the caller signs this device in again)."""
    user.set_password(password)
    user.end_sessions()  # whoever knew the old password is signed out everywhere
    reset.used_at = utcnow()
    lockout.unlock(user, reason="password_reset")
    if user.awaiting_claim:
        user.claimed_at = reset.used_at
        record("auth.account_claimed", user, actor=user)
    record("auth.password_reset", user, actor=user)


def issue_claim_code(user: User, agent: User) -> PasswordResetCode:
    """A code with which the applicant an agent registered sets her own password and takes over.
    Any earlier unused code is spent, so only the newest one works."""
    days = current_app.config["CLAIM_CODE_DAYS"]
    code, claim = _new_code(user, timedelta(days=days))
    language = user.locale or current_language()
    # Isolated: the code and the link read left to right inside the Arabic text.
    values = dict(code=isolate(code), url=isolate(url_for("auth.claim", _external=True)))
    with force_locale(language):
        # i18n: an SMS. Keep it under 160 characters (70 in Arabic script) with the code filled in.
        body = gettext("Jisr: your account is ready. Code %(code)s, on %(url)s to choose your password.",
                       **values)
        enqueue(Channel.SMS, user.phone, "", body, language)
        if user.email:
            subject = gettext("Your Jisr account: choose your password")
            text = "\n\n".join([
                gettext("Hello %(name)s,", name=user.full_name),
                gettext("%(agent)s opened a Jisr account for you. To take it over, open %(url)s, enter your "
                        "phone number and this code: %(code)s, then choose your password.",
                        agent=agent.full_name, **values),
                ngettext("The code is valid for %(num)d day and can be used only once.",
                         "The code is valid for %(num)d days and can be used only once.", days),
            ])
            enqueue(Channel.EMAIL, user.email, subject, text, language)
    record("agent.claim_code_sent", user, actor=agent)
    return claim
