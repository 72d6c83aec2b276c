"""Forms of the sessions: convening (built per page, since the files offered and their arrangements fields are
data), attendance, check-in by code, the notes of a file, cancelling."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from jisr.bidi import example_phone, isolate, ltr
from jisr.calls.forms import MultiCheckboxField
from jisr.fields import DateField, IntegerField, TimeField
from jisr.forms import FlaskForm, Form
from jisr.labels import choices, label
from jisr.validators import Length, SafeText, digits_filter, strip_filter
from jisr.workspace.models import SessionMode

F = [strip_filter]
PHONE = re.compile(r"\+?[0-9][0-9 .\-()]{5,24}")
LINK = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)


class SessionSearchForm(Form):
    """The files offered when convening, narrowed by reference or name (GET, no CSRF)."""

    q = StringField(_l("Find a file by reference or name"), filters=F, validators=[Optional(), Length(max=100)])


class SessionForm(FlaskForm):
    _arrangement_names: tuple[str, ...] = ()  # set by session_form()

    files = MultiCheckboxField(_l("Applicants to convene"), coerce=int, validators=[
        DataRequired(message=_l("Choose at least one applicant to convene."))])
    day = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter the date of the session."))])
    start = TimeField(_l("Starting time"), validators=[
        InputRequired(message=_l("Enter the time the session starts."))])
    duration = IntegerField(_l("Duration in minutes"), default=60, validators=[
        InputRequired(message=_l("Enter how long the session lasts, in minutes.")),
        NumberRange(min=15, max=480, message=_l("Give a duration between %(min)s and %(max)s minutes."))])
    mode = RadioField(_l("How the session takes place"), choices=choices("session_mode"),
                      default=SessionMode.IN_PERSON,
                      validators=[InputRequired(message=_l("Choose how the session takes place."))])
    place = StringField(_l("Address, phone number or video link"), filters=F, validators=[
        DataRequired(message=_l("Say where she should go, which number to call, or the video link.")),
        Length(max=300), SafeText()])
    topic = StringField(_l("Topic"), filters=F, validators=[
        DataRequired(message=_l("Give the topic of the session.")), Length(max=200), SafeText()])
    bring = TextAreaField(_l("What to bring"), filters=F, validators=[Optional(), Length(max=2000), SafeText()])

    def validate_place(self, field):
        if self.mode.data == SessionMode.PHONE and not PHONE.fullmatch(field.data or ""):
            raise ValidationError(_l("For a session by phone, give the phone number, for example %(example)s.",
                                     example=isolate(example_phone())))
        if self.mode.data == SessionMode.VIDEO and not LINK.fullmatch(field.data or ""):
            raise ValidationError(_l("For a video call, give the link, starting with %(start)s.",
                                     start=isolate("https://")))

    def validate(self, extra_validators=None) -> bool:
        """Every field, then the arrangements of each applicant convened who asked for some, so that all the
        mistakes are shown at once (the service checks the same rule)."""
        valid = super().validate(extra_validators)
        chosen = set(self.files.data or [])
        for field in self.arrangement_fields():
            if int(field.name.rsplit("_", 1)[1]) in chosen and not (field.data or "").strip() and not field.errors:
                field.errors = [*field.errors, _l("Say what you have arranged for her: she asked for it.")]
                valid = False
        return valid

    def arrangement_fields(self):
        """The arrangements fields of this form, in the order of the files offered."""
        return [self[name] for name in self._arrangement_names]


def session_form(rows, formdata=None, **kwargs) -> SessionForm:
    """The convening form for `rows` (jisr.workspace.sessions.convenable_files): one checkbox per file, with
    the applicant's names and needs, and an arrangements field for each applicant who asked for some."""
    from jisr.workspace.sessions import needs_of

    class Built(SessionForm):
        """Its arrangements fields are added below, one per applicant who asked."""

    names = []
    for row in rows:
        needs = needs_of(row)
        if needs:
            name = f"arrangements_{row.id}"
            setattr(Built, name, TextAreaField(
                _l("Arrangements made for %(name)s (%(reference)s)",
                   name=f"{row.first_name_latin or ''} {row.last_name_latin or ''}".strip(),
                   reference=isolate(row.reference)),
                filters=F, validators=[Optional(), Length(max=1000), SafeText()]))
            names.append(name)
    Built._arrangement_names = tuple(names)
    form = Built(formdata=formdata, **kwargs) if formdata is not None else Built(**kwargs)
    form.files.choices = [SelectChoice(row.id, file_label(row)) for row in rows]
    for name in names:
        form[name].flags.required = True  # required when she is convened: the service checks it
    return form


def file_label(row) -> Markup:
    """A file offered for convening: her names in both scripts, the reference, the needs she declared."""
    from jisr.workspace.sessions import needs_of

    needs = [label("need", need) for need in needs_of(row)]
    text = Markup('<bdi lang="ar">{} {}</bdi> – <bdi lang="fr">{} {}</bdi> – {}').format(
        row.first_name_ar or "", row.last_name_ar or "", row.first_name_latin or "", row.last_name_latin or "",
        ltr(row.reference))
    if needs:
        text += Markup(" – <strong>{}</strong>").format(_l("Needs: %(needs)s", needs=str(_l(", ")).join(needs)))
    return text


class AttendanceForm(FlaskForm):
    attendance = RadioField(_l("Attendance"), choices=choices("attendance"),
                            validators=[InputRequired(message=_l("Choose present, absent or excused."))])


class CheckInForm(FlaskForm):
    code = StringField(_l("Check-in code"), filters=[strip_filter, digits_filter], validators=[
        DataRequired(message=_l("Type the code printed on her convocation.")), Length(max=20)])


class NotesForm(FlaskForm):
    duration_minutes = IntegerField(_l("Time spent with her, in minutes"), validators=[
        Optional(), NumberRange(min=1, max=600, message=_l("Give a number of minutes between %(min)s and %(max)s."))])
    topics = TextAreaField(_l("Topics covered"), filters=F, validators=[Optional(), Length(max=2000), SafeText()])
    notes = TextAreaField(_l("Notes"), filters=F, validators=[Optional(), Length(max=4000), SafeText()])
    next_steps = TextAreaField(_l("Next steps"), filters=F, validators=[Optional(), Length(max=2000), SafeText()])


class CancelForm(FlaskForm):
    message = TextAreaField(_l("Message to the applicants"), filters=F,
                            validators=[Optional(), Length(max=1000), SafeText()])
