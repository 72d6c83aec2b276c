from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FieldList, FormField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from jisr.applications import national_id
from jisr.fields import DateField, DecimalField, IntegerField
from jisr.forms import CsrfForm, FlaskForm, Form
from jisr.labels import choices
from jisr.validators import ArabicName, LatinName, Length, SafeText, digits_filter, strip_filter

F = [strip_filter]


class IdentityForm(FlaskForm):
    first_name_ar = StringField(_l("First name in Arabic"), filters=F,
                                validators=[DataRequired(), Length(max=100), ArabicName()])
    last_name_ar = StringField(_l("Family name in Arabic"), filters=F,
                               validators=[DataRequired(), Length(max=100), ArabicName()])
    first_name_latin = StringField(_l("First name in Latin letters"), filters=F,
                                   validators=[DataRequired(), Length(max=100), LatinName()])
    last_name_latin = StringField(_l("Family name in Latin letters"), filters=F,
                                  validators=[DataRequired(), Length(max=100), LatinName()])
    national_id = StringField(_l("National ID number (CNIE)"), filters=[national_id.normalise],
                              validators=[DataRequired(), Length(max=12)])
    birth_date = DateField(_l("Date of birth"), validators=[InputRequired()])
    sex = RadioField(_l("Sex"), choices=choices("sex"), validators=[InputRequired()])
    province_id = SelectField(_l("Province or prefecture where you live"), coerce=int,
                              validators=[InputRequired()])
    commune = StringField(_l("Commune"), filters=F, validators=[DataRequired(), Length(max=120), SafeText()])

    def validate_national_id(self, field):
        if field.data and not national_id.is_valid(field.data):
            raise ValidationError(_l("This national ID number is not in the right format."))

    def validate_birth_date(self, field):
        if field.data and not (date(1900, 1, 1) <= field.data <= date.today()):
            raise ValidationError(_l("Enter a valid date of birth."))

    def validate_province_id(self, field):
        if not field.data:
            raise ValidationError(_l("Choose a province from the list."))


class SituationForm(FlaskForm):
    education_level = SelectField(_l("Level of education"), choices=choices("education_level", _l("Choose…")),
                                  validators=[DataRequired()])
    family_situation = SelectField(_l("Family situation"), choices=choices("family_situation", _l("Choose…")),
                                   validators=[DataRequired()])
    is_widow = BooleanField(_l("I am a widow"))
    is_divorced = BooleanField(_l("I am divorced"))
    is_single_mother = BooleanField(_l("I am a single mother"))
    is_head_of_household = BooleanField(_l("I am the head of my household"))
    disability_type = SelectField(_l("Disability"), choices=choices("disability_type", _l("Choose…")),
                                  validators=[DataRequired()])
    disability_card_number = StringField(_l("Disability card number"), filters=[strip_filter, digits_filter],
                                         validators=[Optional(), Length(max=40), SafeText()])
    needs_sign_language = BooleanField(_l("Sign language interpretation"))
    needs_accessible_venue = BooleanField(_l("An accessible venue (step-free access)"))
    needs_large_print = BooleanField(_l("Documents in large print"))
    needs_companion = BooleanField(_l("Being accompanied by a companion"))


class MemberForm(Form):
    full_name = StringField(_l("Member's full name"), filters=F, validators=[Optional(), Length(max=200), SafeText()])
    role = StringField(_l("Role in the group"), filters=F, validators=[Optional(), Length(max=100), SafeText()])


class ProjectForm(FlaskForm):
    project_title = StringField(_l("Name of the project"), filters=F,
                                validators=[DataRequired(), Length(max=200), SafeText()])
    sector_id = SelectField(_l("Sector of activity"), coerce=int, validators=[InputRequired()])
    project_stage = RadioField(_l("Where is your project today?"), choices=choices("project_stage"),
                               validators=[InputRequired()])
    carrier = RadioField(_l("How do you carry the project?"), choices=choices("carrier"),
                         validators=[InputRequired()])
    group_name = StringField(_l("Name of the cooperative or group"), filters=F,
                             validators=[Optional(), Length(max=200), SafeText()])
    members = FieldList(FormField(MemberForm), min_entries=3, max_entries=30)
    project_description = TextAreaField(_l("Describe your project in a few sentences"), filters=F,
                                        validators=[DataRequired(), Length(max=3000), SafeText()])
    estimated_budget = DecimalField(_l("Estimated budget (dirhams)"), places=2,
                                    validators=[Optional(), NumberRange(min=0, max=100_000_000)])
    own_contribution = DecimalField(_l("Your own contribution (dirhams)"), places=2,
                                    validators=[Optional(), NumberRange(min=0, max=100_000_000)])

    def validate_sector_id(self, field):
        if not field.data:
            raise ValidationError(_l("Choose a sector from the list."))

    def validate_own_contribution(self, field):
        budget = self.estimated_budget.data
        if field.data is not None and budget is not None and field.data > budget:
            raise ValidationError(_l("Your contribution cannot be larger than the budget."))

    def validate_members(self, field):
        if self.carrier.data == "group" and len(self.member_rows()) < 2:
            raise ValidationError(_l("A cooperative or group needs at least two members: list them."))

    def member_rows(self) -> list[dict]:
        return [{"full_name": e.full_name.data, "role": e.role.data or None}
                for e in self.members.entries if e.full_name.data]


class TrainingForm(Form):
    title = StringField(_l("Name of the training"), filters=F, validators=[Optional(), Length(max=200), SafeText()])
    organisation = StringField(_l("Where (organisation)"), filters=F,
                               validators=[Optional(), Length(max=200), SafeText()])
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(min=1950, max=2100)])


class NeedsForm(FlaskForm):
    need_training = BooleanField(_l("Training"))
    need_coaching = BooleanField(_l("Coaching and advice"))
    need_financing = BooleanField(_l("Help to find financing"))
    need_market_access = BooleanField(_l("Access to markets and customers"))
    need_formalisation = BooleanField(_l("Registering the activity (formalisation)"))
    trainings = FieldList(FormField(TrainingForm), min_entries=2, max_entries=30)

    NEED_FIELDS = ("need_training", "need_coaching", "need_financing", "need_market_access", "need_formalisation")

    def validate_need_training(self, field):
        if not any(getattr(self, name).data for name in self.NEED_FIELDS):
            raise ValidationError(_l("Choose at least one need."))

    def training_rows(self) -> list[dict]:
        return [{"title": e.title.data, "organisation": e.organisation.data or None, "year": e.year.data}
                for e in self.trainings.entries if e.title.data]


class ReviewForm(FlaskForm):
    consent = BooleanField(_l("I have read the text above and I agree to the processing of my personal data."),
                           validators=[DataRequired(message=_l("You must agree before sending your application."))])


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Why are you withdrawing? (optional)"), filters=F,
                           validators=[Optional(), Length(max=1000), SafeText()])
    confirm = BooleanField(_l("Yes, I want to withdraw my application"),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])


StartForm = CsrfForm  # starting a file is a POST
