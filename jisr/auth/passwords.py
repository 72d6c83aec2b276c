"""Password rules. Length beats complexity rules people work around; what we refuse is what an
attacker tries first: common passwords, one repeated character, the account's own phone or e-mail."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import phonenumbers
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

MIN_LENGTH = 8
MAX_LENGTH = 128  # hashing an unbounded string is a cheap way to load the server
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"
# A local part shorter than this would refuse too much (any password with "ab" in it).
MIN_LOCAL_PART = 3


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def _national_digits(phone: str | None) -> str | None:
    """612345678 for +212612345678: what someone would type, with or without the leading 0."""
    if not phone:
        return None
    try:
        return str(phonenumbers.parse(phone, None).national_number)
    except phonenumbers.NumberParseException:
        digits = re.sub(r"\D", "", phone)
        return digits or None


def check_password(password: str, phone: str | None = None, email: str | None = None) -> None:
    """Raise ValidationError with the first rule the password breaks (one message per rule)."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(_l("Use at least %(min)d characters.", min=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise ValidationError(_l("Use at most %(max)d characters.", max=MAX_LENGTH))
    if len(set(password)) == 1:
        raise ValidationError(_l("Do not repeat the same character: mix several letters, digits or words."))
    if password.casefold() in common_passwords():
        raise ValidationError(_l("This password is too common and easy to guess. Choose another one."))
    national = _national_digits(phone)
    if national and national in re.sub(r"\D", "", password):
        raise ValidationError(_l("Do not use your phone number in your password."))
    if email:
        local = email.split("@", 1)[0].casefold()
        folded = password.casefold()
        if folded == email.casefold() or (len(local) >= MIN_LOCAL_PART and local in folded):
            raise ValidationError(_l("Do not use your e-mail address in your password."))


class StrongPassword:
    """WTForms validator; phone and e-mail come from other fields of the same form (already
    normalised, since fields validate in order) or from a callable returning (phone, email)."""

    def __init__(self, phone_field: str | None = "phone", email_field: str | None = "email", contacts=None):
        self.phone_field = phone_field
        self.email_field = email_field
        self.contacts = contacts

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        if self.contacts is not None:
            phone, email = self.contacts(form)
        else:
            phone = _data(form, self.phone_field)
            email = _data(form, self.email_field)
        check_password(field.data, phone=phone, email=email)


def _data(form, name: str | None) -> str | None:
    field = form._fields.get(name) if name else None
    if field is None or field.errors or not isinstance(field.data, str):
        return None
    return field.data or None
