"""Incubators' forms: the directory's filters (GET, no CSRF), the manager's public details and her invitations
of mentors. Contacts are normalised while validating, so services see E.164 numbers and lower-cased addresses."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import EmailField, TelField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from jisr.auth import services as accounts
from jisr.auth.forms import TOO_LONG, _normalise
from jisr.fields import IntegerField
from jisr.forms import FlaskForm, Form
from jisr.validators import Length, SafeText, strip_filter

F = [strip_filter]
MAX_CAPACITY = 10_000


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class DirectoryFilterForm(Form):
    """Read from the query string, so a filtered directory can be bookmarked and works without JavaScript."""

    region = SelectField(_l("Region"), coerce=_int_or_none, validators=[Optional()])
    province = SelectField(_l("Province"), coerce=_int_or_none, validators=[Optional()])


class DetailsForm(FlaskForm):
    """The public details of an incubator, kept up to date by its manager."""

    name_ar = StringField(_l("Name in Arabic"), filters=F,
                          validators=[DataRequired(), Length(min=2, max=200), SafeText()])
    name_fr = StringField(_l("Name in French"), filters=F,
                          validators=[DataRequired(), Length(min=2, max=200), SafeText()])
    address = TextAreaField(_l("Address of the premises"), filters=F,
                            validators=[DataRequired(), Length(max=300, message=TOO_LONG), SafeText()])
    phone = TelField(_l("Phone number"), filters=F, validators=[Optional(), Length(max=30, message=TOO_LONG)])
    email = EmailField(_l("E-mail address"), filters=F, validators=[Optional(), Length(max=254, message=TOO_LONG)])
    capacity = IntegerField(_l("Capacity: files you can accompany at the same time"), validators=[
        InputRequired(message=_l("Give the number of files you can accompany at the same time.")),
        NumberRange(min=0, max=MAX_CAPACITY, message=_l("Give a whole number from %(min)s to %(max)s."))])
    step_free_access = BooleanField(_l("The premises can be reached without steps (ramp or lift)"))
    accessible_toilets = BooleanField(_l("The premises have accessible toilets"))
    sign_language = BooleanField(_l("We can provide sign language interpretation"))

    def validate_phone(self, field):
        if field.data:
            _normalise(field, lambda value: accounts.normalise_phone(value, mobile_only=False))

    def validate_email(self, field):
        if field.data:
            _normalise(field, accounts.normalise_email)


class InviteForm(FlaskForm):
    """A mentor to invite: she opens her account herself with the code she receives."""

    full_name = StringField(_l("Full name of the mentor"), filters=F,
                            validators=[DataRequired(), Length(min=2, max=200), SafeText()])
    phone = TelField(_l("Her mobile phone number"), filters=F,
                     validators=[Optional(), Length(max=30, message=TOO_LONG)])
    email = EmailField(_l("Her e-mail address"), filters=F,
                       validators=[Optional(), Length(max=254, message=TOO_LONG)])
    language = RadioField(_l("Language of her messages"), validators=[InputRequired()])

    def validate_phone(self, field):
        if field.data:
            _normalise(field, accounts.normalise_phone)

    def validate_email(self, field):
        if field.data:
            _normalise(field, accounts.normalise_email)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.phone.data and not self.email.data and not self.phone.errors and not self.email.errors:
            self.phone.errors = [*self.phone.errors,
                                 _l("Give her mobile phone number or her e-mail address. One of them is enough.")]
            valid = False
        return valid
