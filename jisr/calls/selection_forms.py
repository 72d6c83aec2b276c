"""Forms of the selection: giving applications to reviewers, the reviewer's conflict declaration and scores,
and the decision. Two decision forms (select, decline) since each has its own reasons and there is no
JavaScript to swap one list for the other; they carry prefixes so both fit on one page."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from jisr.calls.models import SCORE_MAX
from jisr.forms import FlaskForm
from jisr.labels import choices
from jisr.validators import Length, SafeText, strip_filter

F = [strip_filter]
NOTE_MAX = 2000


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class AssignForm(FlaskForm):
    """Choose a reviewer (active administrators and coordinators; the route fills the choices)."""

    reviewer = SelectField(_l("Reviewer"), coerce=_int_or_none,
                           validators=[InputRequired(message=_l("Choose a reviewer."))])

    def validate_reviewer(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose a reviewer."))


class _DecisionForm(FlaskForm):
    note = TextAreaField(_l("Note to the association"), filters=F, validators=[Optional(), Length(max=NOTE_MAX),
                                                                               SafeText()])

    def validate_note(self, field):
        if self.reason.data == "other" and not field.data:
            raise ValidationError(_l("Explain the reason in the note: it is shown to the association."))


class SelectForm(_DecisionForm):
    reason = RadioField(_l("Why it is selected"), choices=choices("select_reason"),
                        validators=[InputRequired(message=_l("Choose why the association is selected."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="select", **kwargs)


class DeclineForm(_DecisionForm):
    reason = RadioField(_l("Why it is not selected"), choices=choices("decline_reason"),
                        validators=[InputRequired(message=_l("Choose why the association is not selected."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="decline", **kwargs)


class ConflictForm(FlaskForm):
    note = TextAreaField(_l("Your link with the association"), filters=F, validators=[
        DataRequired(message=_l("Say what links you to the association: it goes into the audit log.")),
        Length(max=NOTE_MAX), SafeText()])


def _score_in_range(form, field):
    value = _int_or_none(field.data)
    if value is None or not 0 <= value <= SCORE_MAX or str(value) != str(field.data).strip():
        raise ValidationError(_("Choose a score from %(min)s to %(max)s.", min=0, max=SCORE_MAX))


_score_in_range.field_flags = {"required": True}  # the label says "(required)", like the other fields


def score_form(criteria):
    """A form with a score (0 to SCORE_MAX) and a comment for every criterion of the call, built for the
    call's criteria: fields score_<id> and comment_<id>, labelled with the criterion in the reader's language."""

    class ScoreForm(FlaskForm):
        no_conflict = BooleanField(_l("I have no conflict of interest with this association: I am not a member, "
                                      "employee or relative of its members, and I gain nothing from its selection."),
                                   validators=[DataRequired(message=_l("Confirm that you have no conflict of "
                                                                       "interest, or declare it below."))])

    options = [SelectChoice("", _("Choose a score"))] + [SelectChoice(str(n), str(n)) for n in range(SCORE_MAX + 1)]
    for criterion in criteria:
        setattr(ScoreForm, f"score_{criterion.id}", SelectField(
            _("Score for “%(criterion)s”", criterion=criterion.label), choices=options, validate_choice=False,
            validators=[_score_in_range]))
        setattr(ScoreForm, f"comment_{criterion.id}", TextAreaField(
            _("Comment on “%(criterion)s”", criterion=criterion.label), filters=F, validators=[
                DataRequired(message=_("Explain the score in a few words.")), Length(max=NOTE_MAX), SafeText()]))
    form = ScoreForm()
    form.criteria = [(criterion, form[f"score_{criterion.id}"], form[f"comment_{criterion.id}"])
                     for criterion in criteria]
    return form


def score_values(form) -> dict[int, tuple[int, str]]:
    return {criterion.id: (int(score.data), comment.data or "") for criterion, score, comment in form.criteria}
