"""Outcomes and financing of a file, on the staff side: the outcome form, the financing commissions' decisions
and the history of their changes.

Thin routes: the file comes through jisr/authz.py (out of scope is a 404), the form turns what was typed into
values, jisr/workspace/outcomes.py applies the rules and saves. A save on a version someone else has changed
meanwhile redraws the page with what is saved now (409); values the rules refuse come back on their fields
(422); a file whose state does not allow it gets the reason (409)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, Field, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import TextInput

from jisr.authz import Permission, get_application_or_404, permission_required
from jisr.bidi import isolate
from jisr.extensions import db
from jisr.fields import DateField
from jisr.forms import FlaskForm
from jisr.i18n import is_language_switch
from jisr.labels import choices
from jisr.numbers import page_number
from jisr.timeutil import local_today
from jisr.validators import Length, SafeText, digits_filter, strip_filter
from jisr.workspace import outcomes, services

bp = Blueprint("outcomes", __name__, url_prefix="/workspace/files")
STAFF = (Permission.REVIEW, Permission.MENTOR)
F = [strip_filter]


# -- fields that read what people type ------------------------------------------------------------------

class LocalDateField(DateField):
    """<input type="date">; a date typed by hand with Arabic digits is read too."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = outcomes.ascii_digits(" ".join(valuelist)).strip()
        self.data = None
        if text:
            try:
                self.data = datetime.strptime(text, "%Y-%m-%d").date()
            except ValueError as error:
                raise ValueError(_l("Give a valid date: day, month and year.")) from error


class AmountField(Field):
    """An amount in dirhams typed with Latin or Arabic digits, a decimal comma or point, spaces between
    thousands."""

    widget = TextInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_decimal(self.data, "0.##") if self.data is not None else ""

    def process_formdata(self, valuelist):
        if valuelist:
            try:
                self.data = outcomes.parse_amount(valuelist[0])
            except ValueError as error:
                self.data = None
                raise ValueError(_l("Write the amount in figures, for example %(whole)s or %(decimal)s.",
                                    whole=isolate("12500"), decimal=isolate("12500,50"))) from error


class CountField(Field):
    """A whole number typed with Latin or Arabic digits."""

    widget = TextInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return str(self.data) if self.data is not None else ""

    def process_formdata(self, valuelist):
        if valuelist:
            try:
                self.data = outcomes.parse_count(valuelist[0])
            except ValueError as error:
                self.data = None
                raise ValueError(_l("Write a whole number in figures, for example %(example)s.",
                                    example=isolate("3"))) from error


class OutcomeForm(FlaskForm):
    version = HiddenField()  # the outcome's version as read (0: none yet), so a save cannot overwrite another's
    activity_created_on = LocalDateField(_l("Date the activity was created"), validators=[Optional()])
    legal_form = SelectField(_l("Legal form"), choices=choices("legal_form", blank=_l("Not known yet")),
                             validators=[Optional()])
    registration_number = StringField(_l("Registration number"), filters=[strip_filter, digits_filter],
                                      validators=[Optional(), Length(max=40), SafeText()])
    financing_obtained = BooleanField(_l("Financing obtained"))
    financing_amount = AmountField(_l("Amount obtained (dirhams)"))
    financing_source = SelectField(_l("Source of the financing"),
                                   choices=choices("financing_source", blank=_l("Not known yet")),
                                   validators=[Optional()])
    jobs_women = CountField(_l("Jobs created for women"))
    jobs_men = CountField(_l("Jobs created for men"))
    revenue_band = RadioField(_l("Monthly revenue"), choices=choices("revenue_band"), validators=[Optional()])

    @property
    def read_version(self) -> int:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return 0


class FinancingForm(FlaskForm):
    commission_on = LocalDateField(_l("Date of the commission"), validators=[
        InputRequired(message=_l("Give the date of the commission."))])
    decision = RadioField(_l("Decision"), choices=choices("financing_decision"), validators=[
        InputRequired(message=_l("Choose the commission's decision."))])
    amount = AmountField(_l("Amount (dirhams)"))
    source = SelectField(_l("Source of the financing"), choices=choices("financing_source", blank=_l("Choose…")),
                         validators=[Optional()])
    note = TextAreaField(_l("Note for the team"), filters=F, validators=[Optional(), Length(max=2000), SafeText()])


def _values(form, names) -> dict:
    return {name: None if form[name].data == "" else form[name].data for name in names}


def _checked(form, fields, rules) -> dict | None:
    """The form's values when they can be saved; otherwise None, with each field's first problem on it: what could
    not be read, and else what the rules refuse (all shown at once, not one after the other)."""
    valid = form.validate_on_submit()
    values = _values(form, fields)
    _attach(form, rules(values))
    return values if valid and not any(form[name].errors for name in fields) else None


def _attach(form, problems: dict[str, str]) -> None:
    for name, message in problems.items():
        if not form[name].errors:
            form[name].errors = [*form[name].errors, message]


# -- the outcome --------------------------------------------------------------------------------------------

@bp.route("/<int:application_id>/outcome", methods=["GET", "POST"], endpoint="edit")
@permission_required(*STAFF)
def edit(application_id: int):
    application = get_application_or_404(application_id)
    if "outcome" not in services.actions(application, current_user):
        return _refused("outcomes/edit.html", application,
                        _("The outcome is recorded while the file is in mentoring or completed."))
    outcome = outcomes.current_outcome(application)
    form = OutcomeForm(obj=outcome, version=0)
    if request.method == "POST" and not is_language_switch():
        values = _checked(form, outcomes.OUTCOME_FIELDS, outcomes.outcome_problems)
        if values is not None:
            try:
                saved = outcomes.save_outcome(application, current_user, values, form.read_version)
            except services.Conflict as error:
                return _conflict(application_id, error)
            except outcomes.InvalidData as error:
                _attach(form, error.problems)
            except services.WorkspaceError as error:
                return _refused("outcomes/edit.html", application, str(error))
            else:
                flash(_("The outcome has been saved.") if saved else _("Nothing has changed."), "success")
                return redirect(url_for("workspace.file", application_id=application.id, _anchor="outcome-title"),
                                303)
        return _render_edit(application, form, outcome, 422)
    return _render_edit(application, form, outcome)


def _render_edit(application, form, outcome, status: int = 200):
    return render_template("outcomes/edit.html", application=application, form=form, outcome=outcome,
                           today=local_today()), status


def _conflict(application_id: int, error: services.Conflict):
    """Nothing of ours was saved: the form again, with the values as they are now and the version to match."""
    db.session.rollback()
    application = get_application_or_404(application_id)
    outcome = outcomes.current_outcome(application)
    flash(str(error), "error")
    form = OutcomeForm(formdata=None, obj=outcome, version=0)
    return _render_edit(application, form, outcome, 409)


def _refused(template: str, application, message: str):
    db.session.rollback()
    return render_template(template, application=application, form=None, refused=message, outcome=None,
                           decision=None, today=local_today()), 409


# -- financing commissions --------------------------------------------------------------------------------

@bp.route("/<int:application_id>/financing", methods=["GET", "POST"], endpoint="financing",
          defaults={"decision_id": None})
@bp.route("/<int:application_id>/financing/<int:decision_id>", methods=["GET", "POST"], endpoint="financing")
@permission_required(*STAFF)
def financing(application_id: int, decision_id: int | None):
    application = get_application_or_404(application_id)
    decision = None
    if decision_id is not None:
        decision = outcomes.financing_decision(application, decision_id)
        if decision is None:
            abort(404)
    if "financing" not in services.actions(application, current_user) or \
            not services.may_go_to_commission(application):
        return _refused("outcomes/financing.html", application,
                        _("A file can go before a financing commission once its business plan is done."))
    form = FinancingForm(obj=decision)
    if request.method == "POST" and not is_language_switch():
        values = _checked(form, outcomes.FINANCING_FIELDS, outcomes.financing_problems)
        if values is not None:
            try:
                outcomes.save_financing(application, current_user, decision_id, values)
            except outcomes.InvalidData as error:
                _attach(form, error.problems)
            except services.WorkspaceError as error:
                return _refused("outcomes/financing.html", application, str(error))
            else:
                flash(_("The commission's decision has been saved; the applicant has been told."), "success")
                return redirect(url_for("workspace.file", application_id=application.id, _anchor="outcome-title"),
                                303)
        return _render_financing(application, form, decision, 422)
    return _render_financing(application, form, decision)


def _render_financing(application, form, decision, status: int = 200):
    return render_template("outcomes/financing.html", application=application, form=form, decision=decision,
                           today=local_today()), status


# -- history ----------------------------------------------------------------------------------------------

@bp.get("/<int:application_id>/outcome/history", endpoint="history")
@permission_required(*STAFF)
def history(application_id: int):
    application = get_application_or_404(application_id)
    page = max(request.args.get("page", 1, type=page_number), 1)
    items, total = outcomes.history(application, page)
    pages = max((total + outcomes.HISTORY_PAGE_SIZE - 1) // outcomes.HISTORY_PAGE_SIZE, 1)
    return render_template("outcomes/history.html", application=application, items=items, total=total, page=page,
                           pages=pages)
