"""Coordinators' forms: filters of the lists (GET, no CSRF) and the two decisions they take on a file."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional

from jisr.forms import FlaskForm, Form
from jisr.labels import LABELS
from jisr.validators import Length, SafeText, digits_filter, strip_filter

F = [strip_filter]
#: States a coordinator can filter the files by (drafts are the applicants' own business until sent).
LISTED_STATES = [code for code in LABELS["status"] if code != "draft"]


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class FileFilterForm(Form):
    """Read from the query string, so a filtered list can be bookmarked and works without JavaScript."""

    q = StringField(_l("Reference or name"), filters=[strip_filter, digits_filter],
                    validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), validators=[Optional()])
    province = SelectField(_l("Province"), coerce=_int_or_none, validators=[Optional()])
    incubator = SelectField(_l("Incubator"), coerce=_int_or_none, validators=[Optional()])


class WaitlistFilterForm(Form):
    province = SelectField(_l("Province"), coerce=_int_or_none, validators=[Optional()])


class RerouteForm(FlaskForm):
    """Send a file to another incubator (or let the engine choose again), always with a written reason."""

    incubator = RadioField(_l("Send the file to"), validators=[InputRequired(message=_l("Choose where to send it."))])
    note = TextAreaField(_l("Why"), filters=F, validators=[
        DataRequired(message=_l("Write why the file is re-routed: it goes into the audit log.")),
        Length(max=2000), SafeText()])


class EligibilityForm(FlaskForm):
    """Override the eligibility decision the programme's rules took, with a written reason."""

    decision = RadioField(_l("New decision"), choices=[SelectChoice("eligible", _l("Eligible")),
                                                       SelectChoice("ineligible", _l("Not eligible"))],
                          validators=[InputRequired(message=_l("Choose the new decision."))])
    note = TextAreaField(_l("Why"), filters=F, validators=[
        DataRequired(message=_l("Write why the decision is changed: the applicant reads it, and it goes into the "
                                "audit log.")), Length(max=2000), SafeText()])
