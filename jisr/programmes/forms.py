"""Admins' forms for a programme: its rules, a new edition, a line of one of its grids, a consent text."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, Regexp, ValidationError

from jisr.calls.forms import ArabicText, MultiCheckboxField
from jisr.fields import DateField, IntegerField
from jisr.forms import FlaskForm
from jisr.labels import SelectChoice
from jisr.validators import Length, SafeText, strip_filter

F = [strip_filter]
CODE = Regexp(r"^[a-z0-9][a-z0-9_-]*$", message=_l("Use lowercase Latin letters, digits, - and _ only."))
#: The zones a programme in Morocco may count its deadlines in.
TIMEZONES = ("Africa/Casablanca", "Africa/El_Aaiun")


def _lower(value):
    return value.lower() if isinstance(value, str) else value


class ArabicBody:
    """A text (not a name) that must be written in Arabic script."""

    def __call__(self, form, field):
        if field.data and not any("\u0600" <= ch <= "\u06ff" for ch in field.data):
            raise ValidationError(_l("Write this text in Arabic letters."))


class _Dates:
    opens_on = DateField(_l("Opens on"), validators=[InputRequired()])
    closes_on = DateField(_l("Closes on"), validators=[InputRequired()])

    def validate_closes_on(self, field):
        if field.data and not (date(2000, 1, 1) <= field.data <= date(2100, 1, 1)):
            raise ValidationError(_l("Enter a valid date."))
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The programme must close after it opens."))


class _Names:
    code = StringField(_l("Code"), filters=[strip_filter, _lower],
                       validators=[DataRequired(), Length(max=60), CODE])
    name_ar = StringField(_l("Name in Arabic"), filters=F,
                          validators=[DataRequired(), Length(max=200), SafeText(), ArabicText()])
    name_fr = StringField(_l("Name in French"), filters=F, validators=[DataRequired(), Length(max=200), SafeText()])


class EditionForm(_Names, _Dates, FlaskForm):
    """A new edition: what differs from the last one; everything else is copied."""


class ProgrammeForm(_Names, _Dates, FlaskForm):
    description_ar = TextAreaField(_l("Description in Arabic"), filters=F,
                                   validators=[Optional(), Length(max=5000), SafeText()])
    description_fr = TextAreaField(_l("Description in French"), filters=F,
                                   validators=[Optional(), Length(max=5000), SafeText()])
    targets_women = BooleanField(_l("Women project holders"))
    targets_disability = BooleanField(_l("Persons with disabilities"))
    min_age = IntegerField(_l("Minimum age"), validators=[InputRequired(), NumberRange(min=15, max=99)])
    max_age = IntegerField(_l("Maximum age"), validators=[Optional(), NumberRange(min=15, max=120)])
    one_active_file_per_person = BooleanField(_l("One file at a time per person (by national ID)"))
    timezone = SelectField(_l("Time zone of its deadlines"), choices=[SelectChoice(z, z) for z in TIMEZONES],
                           validators=[InputRequired()])
    provinces = MultiCheckboxField(_l("Provinces where it runs"), coerce=int,
                                   validators=[DataRequired(message=_l("Choose at least one province."))])

    def validate_targets_women(self, field):
        if not (field.data or self.targets_disability.data):
            raise ValidationError(_l("Choose at least one target group."))

    def validate_max_age(self, field):
        if field.data is not None and self.min_age.data is not None and field.data < self.min_age.data:
            raise ValidationError(_l("The maximum age must not be below the minimum age."))

    def data_for_model(self) -> dict:
        from .admin import FIELDS

        return {name: self[name].data for name in FIELDS}


class ItemForm(FlaskForm):
    """A stage, reason or criterion; the code only when it is created, the weight and scale for criteria."""

    code = StringField(_l("Code"), filters=[strip_filter, _lower], validators=[DataRequired(), Length(max=40), CODE])
    name_ar = StringField(_l("Name in Arabic"), filters=F,
                          validators=[DataRequired(), Length(max=200), SafeText(), ArabicText()])
    name_fr = StringField(_l("Name in French"), filters=F, validators=[DataRequired(), Length(max=200), SafeText()])
    weight = IntegerField(_l("Weight"), validators=[InputRequired(), NumberRange(min=1, max=100)])
    max_score = IntegerField(_l("Highest score"), validators=[InputRequired(), NumberRange(min=1, max=100)])


class ConsentForm(FlaskForm):
    body_ar = TextAreaField(_l("Text in Arabic"), filters=F,
                            validators=[DataRequired(), Length(max=20000), SafeText(), ArabicBody()])
    body_fr = TextAreaField(_l("Text in French"), filters=F,
                            validators=[DataRequired(), Length(max=20000), SafeText()])
