from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.fields import EmailField, TelField
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from jisr.auth import services as accounts
from jisr.auth.forms import TOO_LONG, _normalise
from jisr.forms import FlaskForm
from jisr.labels import choices
from jisr.validators import Length, SafeText, strip_filter

F = [strip_filter]


class NewApplicantForm(FlaskForm):
    """What an agent needs to open an account for someone: her name, her mobile (she will claim the
    account with it), where she lives and the language she reads."""

    full_name = StringField(_l("Full name of the applicant"), filters=F,
                            validators=[DataRequired(), Length(min=2, max=200), SafeText()])
    phone = TelField(_l("Her mobile phone number"), filters=F,
                     validators=[DataRequired(), Length(max=30, message=TOO_LONG)])
    email = EmailField(_l("Her e-mail address"), filters=F,
                       validators=[Optional(), Length(max=254, message=TOO_LONG)])
    province_id = SelectField(_l("Province or prefecture where she lives"), coerce=int,
                              validators=[InputRequired()])
    language = RadioField(_l("Language of her messages"), validators=[InputRequired()])

    def validate_phone(self, field):
        _normalise(field, accounts.normalise_phone)

    def validate_email(self, field):
        _normalise(field, accounts.normalise_email)

    def validate_province_id(self, field):
        if not field.data:
            raise ValidationError(_l("Choose a province from the list."))


class AttestConsentForm(FlaskForm):
    """The agent attests how the applicant gave her consent: who and when are recorded with it."""

    method = RadioField(_l("How did the applicant give her consent?"), choices=[
        c for c in choices("consent_method") if c.value != "online"], validators=[InputRequired()])
    confirm = BooleanField(
        _l("I confirm that the applicant understood the text above and agreed to it."),
        validators=[DataRequired(message=_l("Tick the box to confirm the applicant's consent."))])
