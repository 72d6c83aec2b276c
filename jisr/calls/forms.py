"""Forms of calls for expressions of interest: the admin's call, and the steps of an association's answer.
Choices that come from the database (programmes, provinces, sectors) are filled by the routes."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FieldList, FormField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import EmailField, TelField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from jisr.auth import services as accounts
from jisr.auth.forms import _normalise
from jisr.fields import DateField, IntegerField, TimeField
from jisr.forms import FlaskForm, Form
from jisr.labels import choices
from jisr.validators import Length, SafeText, digits_filter, strip_filter

F = [strip_filter]
MAX_CRITERIA = 12
MAX_TEAM = 30


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (macros/forms.html `multi_checkboxes` renders it)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        """A value that is not offered gets our words: WTForms' Arabic catalogue lacks the plural forms of its
        own message, which then showed in English."""
        try:
            super().pre_validate(form)
        except ValidationError as error:
            raise ValidationError(_l("Choose among the options shown.")) from error


class ArabicText:
    """An organisation's name in Arabic script: letters, digits, spaces and common punctuation."""

    def __call__(self, form, field):
        if field.data and not any("\u0600" <= ch <= "\u06ff" for ch in field.data):
            raise ValidationError(_l("Write this name in Arabic letters."))


# -- the admin's call ----------------------------------------------------------------------------------

class CriterionForm(Form):
    label_ar = StringField(_l("Criterion in Arabic"), filters=F, validators=[Optional(), Length(max=200), SafeText()])
    label_fr = StringField(_l("Criterion in French"), filters=F, validators=[Optional(), Length(max=200), SafeText()])
    weight = IntegerField(_l("Weight"), validators=[Optional(), NumberRange(min=1, max=100)])

    def is_blank(self) -> bool:
        return not (self.label_ar.data or self.label_fr.data or self.weight.data)


class CallForm(FlaskForm):
    programme_id = SelectField(_l("Programme"), coerce=int, validators=[InputRequired()])
    title_ar = StringField(_l("Title in Arabic"), filters=F, validators=[DataRequired(), Length(max=200), SafeText()])
    title_fr = StringField(_l("Title in French"), filters=F, validators=[DataRequired(), Length(max=200), SafeText()])
    description_ar = TextAreaField(_l("Description in Arabic"), filters=F,
                                   validators=[DataRequired(), Length(max=5000), SafeText()])
    description_fr = TextAreaField(_l("Description in French"), filters=F,
                                   validators=[DataRequired(), Length(max=5000), SafeText()])
    provinces = MultiCheckboxField(_l("Provinces of the call"), coerce=int,
                                   validators=[DataRequired(message=_l("Choose at least one province."))])
    opens_on = DateField(_l("Opens on"), validators=[InputRequired()])
    closes_on = DateField(_l("Closes on"), validators=[InputRequired()])
    closes_time = TimeField(_l("Closing time"), validators=[InputRequired()])
    criteria = FieldList(FormField(CriterionForm), min_entries=5, max_entries=MAX_CRITERIA)

    def validate_closes_on(self, field):
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The call must close after it opens."))
        if field.data and not (date(2000, 1, 1) <= field.data <= date(2100, 1, 1)):
            raise ValidationError(_l("Enter a valid date."))

    def validate_criteria(self, field):
        rows = [entry.form for entry in field.entries]
        for row in rows:
            if not row.is_blank() and not (row.label_ar.data and row.label_fr.data and row.weight.data):
                raise ValidationError(_l("Give each criterion its name in both languages and a weight."))
        if not any(not row.is_blank() for row in rows):
            raise ValidationError(_l("Give the call at least one criterion."))

    def criterion_rows(self) -> list[dict]:
        return [{"label_ar": e.form.label_ar.data, "label_fr": e.form.label_fr.data, "weight": e.form.weight.data}
                for e in self.criteria.entries if not e.form.is_blank()]


# -- the association's answer, step by step ------------------------------------------------------------

class OrganisationForm(FlaskForm):
    legal_name_ar = StringField(_l("Legal name in Arabic"), filters=F,
                                validators=[DataRequired(), Length(max=200), SafeText(), ArabicText()])
    legal_name_fr = StringField(_l("Legal name in French"), filters=F,
                                validators=[DataRequired(), Length(max=200), SafeText()])
    registration_number = StringField(_l("Registration number"), filters=[strip_filter, digits_filter],
                                      validators=[DataRequired(), Length(max=60), SafeText()])
    address = StringField(_l("Address of its seat"), filters=F,
                          validators=[DataRequired(), Length(max=300), SafeText()])
    province_id = SelectField(_l("Province of its seat"), coerce=int, validators=[InputRequired()])
    phone = TelField(_l("Phone"), filters=F, validators=[DataRequired(), Length(max=30)])
    email = EmailField(_l("E-mail"), filters=F, validators=[Optional(), Length(max=254)])

    def validate_phone(self, field):
        _normalise(field, lambda value: accounts.normalise_phone(value, mobile_only=False))

    def validate_email(self, field):
        _normalise(field, accounts.normalise_email)

    def validate_province_id(self, field):
        if not field.data:
            raise ValidationError(_l("Choose a province from the list."))


class CoverageForm(FlaskForm):
    provinces = MultiCheckboxField(_l("Provinces where it accompanies people"), coerce=int,
                                   validators=[DataRequired(message=_l("Choose at least one province."))])
    generalist = BooleanField(_l("Generalist: it accompanies projects of every sector"))
    sectors = MultiCheckboxField(_l("Sectors of expertise"), coerce=int, validators=[Optional()])
    capacity = IntegerField(_l("Capacity: beneficiaries it can accompany at the same time"),
                            validators=[InputRequired(), NumberRange(min=1, max=10_000)])
    step_free_access = BooleanField(_l("Its premises have step-free access"))
    accessible_toilets = BooleanField(_l("Its premises have accessible toilets"))
    sign_language = BooleanField(_l("It can communicate in sign language"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)  # sectors are Optional(), which skips inline validators
        if not self.generalist.data and not self.sectors.data and not self.sectors.errors:
            self.sectors.errors = [*self.sectors.errors, _l("Choose its sectors, or say that it is generalist.")]
            valid = False
        return valid


class TeamMemberForm(Form):
    full_name = StringField(_l("Name"), filters=F, validators=[Optional(), Length(max=200), SafeText()])
    role = StringField(_l("Role"), filters=F, validators=[Optional(), Length(max=120), SafeText()])
    qualification = StringField(_l("Qualification"), filters=F, validators=[Optional(), Length(max=200), SafeText()])


class TeamForm(FlaskForm):
    team = FieldList(FormField(TeamMemberForm), min_entries=3, max_entries=MAX_TEAM)
    experience = TextAreaField(_l("Experience in accompanying women and persons with disabilities"), filters=F,
                               validators=[DataRequired(), Length(max=5000), SafeText()])
    references_text = TextAreaField(_l("References and partnerships"), filters=F,
                                    validators=[Optional(), Length(max=3000), SafeText()])

    def validate_team(self, field):
        for entry in field.entries:
            row = entry.form
            if (row.role.data or row.qualification.data) and not row.full_name.data:
                raise ValidationError(_l("Give the name of each team member."))
        if not self.team_rows():
            raise ValidationError(_l("Name at least one member of the team."))

    def team_rows(self) -> list[dict]:
        return [{"full_name": e.form.full_name.data, "role": e.form.role.data or None,
                 "qualification": e.form.qualification.data or None}
                for e in self.team.entries if e.form.full_name.data]


class AssociationUploadForm(FlaskForm):
    kind = SelectField(_l("Type of document"), choices=choices("association_document_kind", _l("Choose…")),
                       validators=[DataRequired(message=_l("Choose the type of document."))])
    file = FileField(_l("File"), validators=[FileRequired(message=_l("Choose a file to send."))])


class SubmitAssociationForm(FlaskForm):
    confirm = BooleanField(_l("I certify that this information is true and that I may answer on behalf of the "
                              "association."), validators=[DataRequired(message=_l("Tick the box to confirm."))])

