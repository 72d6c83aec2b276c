"""The workspace's forms: the queue's filters (GET, bookmarkable, no CSRF) and the decisions on a file.

Every decision form carries the file's version as read when the page was drawn, so a decision taken on a
page that someone else has since changed is refused instead of overwriting theirs."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from jisr.coordination.forms import LISTED_STATES, _int_or_none
from jisr.fields import IntegerField
from jisr.forms import FlaskForm, Form
from jisr.labels import LABELS, choices
from jisr.validators import Length, SafeText, digits_filter, strip_filter

F = [strip_filter]
QUEUE_STATES = [code for code in LISTED_STATES if code not in ("submitted", "eligible", "ineligible")]
WAITING_CHOICES = [SelectChoice("", _l("Any")), SelectChoice("7", _l("More than a week")),
                   SelectChoice("14", _l("More than two weeks")), SelectChoice("30", _l("More than a month")),
                   SelectChoice("90", _l("More than three months"))]


class QueueFilterForm(Form):
    q = StringField(_l("Reference, name or national ID"), filters=[strip_filter, digits_filter],
                    validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), validators=[Optional()])
    province = SelectField(_l("Province"), coerce=_int_or_none, validators=[Optional()])
    sector = SelectField(_l("Sector"), coerce=_int_or_none, validators=[Optional()])
    disability = SelectField(_l("Disability"), validators=[Optional()])
    need = SelectField(_l("Accessibility need"), validators=[Optional()])
    stage = SelectField(_l("Mentoring stage"), validators=[Optional()])
    waiting = SelectField(_l("Waiting in its state"), choices=WAITING_CHOICES, validators=[Optional()])
    sort = SelectField(_l("Sort"), choices=choices("queue_sort"), default="waiting", validators=[Optional()])


def disability_choices():
    return [SelectChoice("", _l("Any")), SelectChoice("any", _l("With a disability")),
            SelectChoice("none", _l("Without a disability"))] + [
        SelectChoice(code, text) for code, text in LABELS["disability_type"].items() if code != "none"]


def need_choices():
    return [SelectChoice("", _l("Any"))] + [SelectChoice(code, text) for code, text in LABELS["need"].items()]


class VersionedForm(FlaskForm):
    version = HiddenField()

    @property
    def read_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class ActionForm(VersionedForm):
    """A decision with nothing to fill in (start the review, accept, take up again...)."""

    note = TextAreaField(_l("Note (optional)"), filters=F, validators=[Optional(), Length(max=2000), SafeText()])


class InfoRequestForm(VersionedForm):
    message = TextAreaField(_l("What do you need from her?"), filters=F, validators=[
        DataRequired(message=_l("Write what you need: she reads it on her page and in a message.")),
        Length(max=2000), SafeText()])


class InfoAnswerForm(FlaskForm):
    answer = TextAreaField(_l("Your answer"), filters=F, validators=[
        DataRequired(message=_l("Write your answer.")), Length(max=4000), SafeText()])


class ReasonForm(VersionedForm):
    """Reject, or record a drop-out: a reason of the programme plus her own words, both shown to her."""

    reason = RadioField(_l("Reason"), coerce=_int_or_none,
                        validators=[InputRequired(message=_l("Choose a reason."))])
    note = TextAreaField(_l("Explanation for the applicant (optional)"), filters=F,
                         validators=[Optional(), Length(max=2000), SafeText()])


class MentorForm(VersionedForm):
    mentor = SelectField(_l("Mentor"), coerce=_int_or_none,
                         validators=[InputRequired(message=_l("Choose a mentor."))])


class StageForm(VersionedForm):
    direction = RadioField(_l("Move the file"), choices=[SelectChoice("forward", _l("To the next stage")),
                                                         SelectChoice("back", _l("Back to the previous stage"))],
                           validators=[InputRequired(message=_l("Choose where to move the file."))])
    note = TextAreaField(_l("Note"), filters=F, validators=[Optional(), Length(max=2000), SafeText()])


class DuplicateForm(FlaskForm):
    other = HiddenField(validators=[DataRequired()])
    verdict = RadioField(_l("These two files"), choices=[
        SelectChoice("not_duplicate", _l("Are two different people")),
        SelectChoice("linked", _l("Belong to the same person: link them"))],
        validators=[InputRequired(message=_l("Choose your conclusion."))])


def assessment_form(criteria, existing: dict[int, int] | None = None, formdata=None, comment=None):
    """A sheet with one score field per criterion of the programme (the grid is data, so the form is built)."""

    class AssessmentForm(VersionedForm):
        """Its score fields are added below, one per criterion."""

    for criterion in criteria:
        setattr(AssessmentForm, f"c{criterion.id}", IntegerField(
            criterion.name, validators=[
                InputRequired(message=_l("Give a score.")),
                NumberRange(min=0, max=criterion.max_score,
                            message=_l("Give a score between %(min)s and %(max)s."))]))
    AssessmentForm.comment = TextAreaField(_l("Comment"), filters=F,
                                           validators=[Optional(), Length(max=4000), SafeText()])
    data = {f"c{cid}": score for cid, score in (existing or {}).items()}
    if comment:
        data["comment"] = comment
    form = AssessmentForm(formdata=formdata, data=data, prefix="assessment") if formdata is not None or data \
        else AssessmentForm(prefix="assessment")
    return form
