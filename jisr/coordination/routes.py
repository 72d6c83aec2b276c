"""Files of a coordinator's (or admin's) scope, their routing, the waitlist and eligibility overrides.
Every file is reached through jisr/authz.py: a coordinator reads and acts only in her provinces."""

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from jisr.applications.eligibility import describe
from jisr.applications.services import profile_for
from jisr.audit.services import record
from jisr.authz import Permission, get_application_or_404, permission_required
from jisr.coordination import services
from jisr.coordination.forms import LISTED_STATES, EligibilityForm, FileFilterForm, RerouteForm, WaitlistFilterForm
from jisr.documents.services import documents_for
from jisr.labels import label
from jisr.numbers import page_number
from jisr.routing import services as routing

bp = Blueprint("coordination", __name__, url_prefix="/coordination")


def _page() -> int:
    return max(request.args.get("page", 1, type=page_number), 1)


def _province_choices(blank: str):
    return [SelectChoice("", blank)] + [SelectChoice(p.id, p.name) for p in services.scope_provinces(current_user)]


@bp.get("/files/")
@permission_required(Permission.COORDINATE)
def files():
    form = FileFilterForm(request.args)
    form.status.choices = [SelectChoice("", _("All"))] + [SelectChoice(s, label("status", s)) for s in LISTED_STATES]
    form.province.choices = _province_choices(_("All my provinces"))
    incubators = services.scope_incubators(current_user)
    form.incubator.choices = [SelectChoice("", _("All"))] + [SelectChoice(i.id, i.name) for i in incubators]
    form.validate()
    values = {name: (form[name].data if not form[name].errors else None) for name in ("q", "status", "province",
                                                                                        "incubator")}
    page = _page()
    rows, total = services.file_rows(current_user, values["q"], values["status"], values["province"],
                                     values["incubator"], page)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("coordination/files.html", form=form, rows=rows, total=total, page=page,
                           pages=max((total + services.PAGE_SIZE - 1) // services.PAGE_SIZE, 1), args=args,
                           counts=services.status_counts(current_user))


@bp.get("/files/<int:application_id>")
@permission_required(Permission.COORDINATE)
def file(application_id: int):
    application = get_application_or_404(application_id)
    record("application.viewed", application)  # staff reading her personal data is audited
    return _render_file(application)


def _render_file(application, reroute_form=None, eligibility_form=None, status: int = 200):
    decisions, incubators = services.routing_history(application)
    reroute_form = reroute_form or RerouteForm(formdata=None)
    options = services.reroute_options(application)
    reroute_form.incubator.choices = [SelectChoice("auto", _("Let the routing choose again"))] + [
        SelectChoice(str(option.incubator.id), option.incubator.name) for option in options if option.has_room]
    return render_template(
        "coordination/file.html", application=application, profile=profile_for(application.applicant),
        documents=documents_for(application), decisions=decisions, incubators=incubators, options=options,
        reroute_form=reroute_form,
        eligibility_form=eligibility_form or EligibilityForm(formdata=None, prefix="eligibility"),
        can_reroute=application.status in routing.ROUTABLE_STATES,
        can_override=application.status in services.OVERRIDABLE, describe=describe,
    ), status


@bp.post("/files/<int:application_id>/reroute")
@permission_required(Permission.COORDINATE)
def reroute(application_id: int):
    application = get_application_or_404(application_id)
    form = RerouteForm()
    form.incubator.choices = [SelectChoice("auto", "")] + [
        SelectChoice(str(option.incubator.id), "") for option in services.reroute_options(application)]
    if not form.validate_on_submit():
        return _render_file(application, reroute_form=form, status=422)
    target = None if form.incubator.data == "auto" else int(form.incubator.data)
    try:
        decision = routing.reroute_by_hand(application, target, current_user, form.note.data)
    except routing.RoutingError as error:
        form.incubator.errors = [str(error)]
        return _render_file(application, reroute_form=form, status=422)
    if decision.incubator_id:
        flash(_("The file has been sent to %(incubator)s.", incubator=decision.incubator.name), "success")
    else:
        flash(_("No incubator can take the file now: it is on the waiting list."), "info")
    return redirect(url_for(".file", application_id=application.id), 303)


@bp.post("/files/<int:application_id>/eligibility")
@permission_required(Permission.COORDINATE)
def eligibility(application_id: int):
    application = get_application_or_404(application_id)
    form = EligibilityForm(prefix="eligibility")  # prefixed: the page also holds the re-routing form
    if not form.validate_on_submit():
        return _render_file(application, eligibility_form=form, status=422)
    try:
        services.override_eligibility(application, form.decision.data == "eligible", form.note.data, current_user)
    except services.CoordinationError as error:
        application = get_application_or_404(application_id)  # the session may have been rolled back
        form.decision.errors = [str(error)]
        return _render_file(application, eligibility_form=form, status=422)
    flash(_("The eligibility decision has been changed."), "success")
    return redirect(url_for(".file", application_id=application.id), 303)


@bp.get("/waitlist/")
@permission_required(Permission.COORDINATE)
def waitlist():
    form = WaitlistFilterForm(request.args)
    form.province.choices = _province_choices(_("All my provinces"))
    form.validate()
    province_id = form.province.data if not form.province.errors else None
    page = _page()
    rows, total, per_province = services.waitlist_rows(current_user, province_id, page)
    provinces = {p.id: p for p in services.scope_provinces(current_user)}
    return render_template(
        "coordination/waitlist.html", form=form, rows=rows, total=total, page=page,
        pages=max((total + services.PAGE_SIZE - 1) // services.PAGE_SIZE, 1), per_province=per_province,
        provinces=provinces, now=datetime.now(UTC), waiting_days=services.waiting_days,
        args={k: v for k, v in request.args.items() if k != "page" and v})
