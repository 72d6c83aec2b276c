"""Admins' forms: the accounts' and the audit log's filters (GET, no CSRF), a role and its scope, an invitation.
The scope's fields are all on the form; which one counts depends on the role (services.scope_for says)."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Optional, ValidationError

from jisr.calls.forms import MultiCheckboxField
from jisr.fields import DateField
from jisr.forms import FlaskForm, Form
from jisr.incubators.forms import InviteForm, _int_or_none
from jisr.labels import SelectChoice, label
from jisr.validators import Length, SafeText, strip_filter

from .services import STAFF_ROLES

F = [strip_filter]


def role_choices(blank=None) -> list[SelectChoice]:
    return ([SelectChoice("", blank)] if blank is not None else []) + [
        SelectChoice(str(role), label("role", role)) for role in STAFF_ROLES]


class UserFilterForm(Form):
    q = StringField(_l("Name, phone or e-mail"), filters=F, validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), validators=[Optional()])
    active = SelectField(_l("Account"), validators=[Optional()], choices=[
        SelectChoice("", _l("All")), SelectChoice("1", _l("Active")), SelectChoice("0", _l("Deactivated"))])


class ScopeFields:
    """The role and both kinds of scope; the choices are set by the route."""

    role = SelectField(_l("Role"), validators=[DataRequired()])
    incubator = SelectField(_l("Incubator (for an incubator manager or a mentor)"), coerce=_int_or_none,
                            validators=[Optional()])
    provinces = MultiCheckboxField(_l("Provinces (for a field agent or a coordinator)"), coerce=int,
                                   validators=[Optional()])


class RoleForm(ScopeFields, FlaskForm):
    """A staff member's role and scope, on her account's page."""


class StaffInviteForm(ScopeFields, InviteForm):
    """A person to invite to a staff role: she opens her account with the code she receives."""

    full_name = StringField(_l("Full name"), filters=F,
                            validators=[DataRequired(), Length(min=2, max=200), SafeText()])


class AuditFilterForm(Form):
    """Read from the query string, so a filtered log can be bookmarked, shared and exported as shown."""

    user = StringField(_l("Who acted (name, phone or e-mail)"), filters=F, validators=[Optional(), Length(max=100)])
    family = SelectField(_l("Kind of action"), validators=[Optional()])
    action = StringField(_l("Exact action"), filters=F, validators=[Optional(), Length(max=60)])
    reference = StringField(_l("File reference"), filters=F, validators=[Optional(), Length(max=30)])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end of the period comes before its start."))
