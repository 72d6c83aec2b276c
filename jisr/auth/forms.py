"""Account forms. Contacts are normalised while validating, so the view and the password rules
see +212612345678 whatever was typed. Passwords are never stripped: spaces are part of them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField
from wtforms.fields import EmailField, TelField
from wtforms.validators import DataRequired, EqualTo, Optional, Regexp, ValidationError

from jisr.auth import services
from jisr.auth.passwords import MAX_LENGTH, StrongPassword
from jisr.bidi import isolate
from jisr.forms import FlaskForm
from jisr.numbers import ascii_digits
from jisr.validators import Length, SafeText, strip_filter

F = [strip_filter]
TOO_LONG = _l("Use at most %(max)d characters.")


def _digits(value):
    """'١٢٣ ٤٥٦', '۱۲۳-۴۵۶' and '123 456' are the same code: keep digits only, in ASCII."""
    if not isinstance(value, str):
        return value
    typed = ascii_digits(value).strip()
    if not all(ch in "0123456789 -." for ch in typed):
        return typed  # left as typed, so the format error shows
    return "".join(ch for ch in typed if ch in "0123456789")


def _normalise(field, normaliser) -> None:
    try:
        field.data = normaliser(field.data)
    except services.AccountError as error:
        raise ValidationError(str(error)) from None


class IdentifierMixin:
    def validate_identifier(self, field):
        """Syntax only, kept as typed: it says nothing about whether an account exists."""
        try:
            services.normalise_identifier(field.data)
        except services.AccountError as error:
            raise ValidationError(str(error)) from None


def identifier_field():
    return StringField(_l("Mobile phone number or e-mail address"), filters=F,
                       validators=[DataRequired(), Length(max=254, message=TOO_LONG)])


def new_password_fields(contacts=None):
    password = PasswordField(_l("Password"), validators=[
        DataRequired(), StrongPassword(contacts=contacts) if contacts else StrongPassword()])
    confirm = PasswordField(_l("Type the password again"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords are not the same. Type them again."))])
    return password, confirm


class RegisterForm(FlaskForm):
    full_name = StringField(_l("Your full name"), filters=F,
                            validators=[DataRequired(), Length(min=2, max=200), SafeText()])
    phone = TelField(_l("Mobile phone number"), filters=F,
                     validators=[Optional(), Length(max=30, message=TOO_LONG)])
    email = EmailField(_l("E-mail address"), filters=F,
                       validators=[Optional(), Length(max=254, message=TOO_LONG)])
    password, password_confirm = new_password_fields()

    def validate_phone(self, field):
        _normalise(field, services.normalise_phone)

    def validate_email(self, field):
        _normalise(field, services.normalise_email)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.phone.data and not self.email.data and not self.phone.errors and not self.email.errors:
            self.phone.errors = [*self.phone.errors,
                                 _l("Give a mobile phone number or an e-mail address. One of them is enough.")]
            valid = False
        return valid


class LoginForm(IdentifierMixin, FlaskForm):
    identifier = identifier_field()
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH, message=TOO_LONG)])
    remember = BooleanField(_l("Remember me on this device"))


class ResetRequestForm(IdentifierMixin, FlaskForm):
    identifier = identifier_field()


def _identifier_contacts(form) -> tuple[str | None, str | None]:
    """The password must not contain the phone or e-mail typed as identifier (the account's other
    contact is checked once the code is known to be right)."""
    if form.identifier.errors or not form.identifier.data:
        return None, None
    try:
        kind, key = services.normalise_identifier(form.identifier.data)
    except services.AccountError:
        return None, None
    return (key, None) if kind == "phone" else (None, key)


class ResetConfirmForm(IdentifierMixin, FlaskForm):
    identifier = identifier_field()
    code = StringField(_l("Code received"), filters=[_digits], validators=[
        DataRequired(), Regexp(r"^[0-9]{6}$", message=_l("The code has 6 digits, like %(example)s.",
                                                              example=isolate("123456")))])
    password, password_confirm = new_password_fields(contacts=_identifier_contacts)
