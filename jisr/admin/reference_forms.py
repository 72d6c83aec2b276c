"""Admins' forms for reference data: a name in each language (a sector, a region, a province), and a new
sector's code. The Arabic name is checked for Arabic letters with the calls' own validator."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Regexp

from jisr.bidi import isolate
from jisr.calls.forms import ArabicText
from jisr.forms import FlaskForm
from jisr.validators import Length, SafeText, strip_filter

F = [strip_filter]
CODE = r"[a-z0-9]+(?:-[a-z0-9]+)*"


def _lower(value):
    return value.lower() if isinstance(value, str) else value


class NamesForm(FlaskForm):
    """The names of a sector, a region or a province, both required."""

    name_ar = StringField(_l("Name in Arabic"), filters=F,
                          validators=[DataRequired(), Length(max=200), SafeText(), ArabicText()])
    name_fr = StringField(_l("Name in French"), filters=F, validators=[DataRequired(), Length(max=200), SafeText()])


class SectorForm(NamesForm):
    """A new sector: its code is given once and never changes (the code and the demo data find sectors by it)."""

    code = StringField(_l("Code"), filters=[strip_filter, _lower], validators=[
        DataRequired(), Length(max=40),
        Regexp(rf"^{CODE}$", message=_l("Use lowercase Latin letters, digits and hyphens only, for example "
                                        "%(example)s.", example=isolate("food-processing")))])
