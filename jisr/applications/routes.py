"""The applicant's file: start, steps, review, submit, receipt, status, withdraw. Thin routes:
validate the form, call a service, flash, redirect."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from jisr.agents.forms import AttestConsentForm
from jisr.applications import national_id, services
from jisr.applications.eligibility import describe
from jisr.applications.forms import (
    IdentityForm,
    NeedsForm,
    ProjectForm,
    ReviewForm,
    SituationForm,
    StartForm,
    WithdrawForm,
)
from jisr.applications.models import Application, Consent
from jisr.applications.steps import STEPS, next_step, step_states
from jisr.authz import Permission, get_application_or_404, home_endpoint, permission_required, scoped_applications
from jisr.documents.models import Document
from jisr.extensions import db
from jisr.geo.models import Province, Sector
from jisr.i18n import is_language_switch
from jisr.incubators.models import Incubator
from jisr.printing import pdf_response, render_pdf
from jisr.programmes import consent as consent_texts
from jisr.timeutil import local_today
from jisr.workspace import services as workspace

bp = Blueprint("applications", __name__, url_prefix="/applications")


def draft_or_redirect(application_id: int):
    """A step page for a draft; a sent file is read-only and goes to its status page."""
    application = get_application_or_404(application_id)
    if not application.is_draft:
        if request.method == "POST":
            abort(409)
        flash(_("This file has been sent and can no longer be changed."), "info")
        return application, redirect(url_for("applications.status", application_id=application.id))
    return application, None


def _after_save(application, step_name: str):
    flash(_("Saved."), "success")
    if "later" in request.form:
        flash(_("Your answers are saved. You can come back and continue at any time."), "info")
        return redirect(url_for(home_endpoint(current_user)))
    if "more" in request.form:
        return redirect(url_for(f".{step_name}", application_id=application.id))
    step = next_step(application, after=step_name)
    return redirect(url_for(step.endpoint, application_id=application.id))


def _render_step(name: str, application, form, **context):
    status = 422 if request.method == "POST" and not is_language_switch() else 200
    return render_template(f"applications/step_{name}.html", application=application, form=form,
                           steps=step_states(application), current=name, **context), status


@bp.get("/")
@permission_required(Permission.APPLY)
def index():
    applications = db.session.scalars(
        scoped_applications(current_user).order_by(Application.created_at.desc())
    ).all()
    programme = services.current_programme()
    active = services.active_application(current_user, programme) if programme else None
    return render_template("applications/index.html", applications=applications, programme=programme,
                           active=active, form=StartForm(), next_step=next_step, today=local_today())


@bp.post("/start")
@permission_required(Permission.APPLY)
def start():
    form = StartForm()
    programme = services.current_programme()
    if not form.validate_on_submit() or programme is None:
        abort(400)
    try:
        application = services.start_application(current_user, programme)
    except services.ApplicationError as error:
        flash(str(error), "error")
        return redirect(url_for(".index"))
    return redirect(url_for(next_step(application).endpoint, application_id=application.id))


@bp.route("/<int:application_id>/identity", methods=["GET", "POST"])
@permission_required(Permission.APPLY, Permission.ASSIST)
def identity(application_id: int):
    application, leave = draft_or_redirect(application_id)
    if leave:
        return leave
    profile = services.profile_for(application.applicant)
    form = IdentityForm(obj=profile)
    form.province_id.choices = _province_choices()
    if not is_language_switch() and form.validate_on_submit():
        data = {name: form[name].data for name in (
            "first_name_ar", "last_name_ar", "first_name_latin", "last_name_latin", "national_id",
            "birth_date", "sex", "province_id", "commune")}
        try:
            services.save_identity(application, profile, data)
        except services.ApplicationError as error:
            form.national_id.errors = [str(error)]
            application = get_application_or_404(application_id)
            return _render_step("identity", application, form, national_id_help=national_id.FORMAT_HELP)
        return _after_save(application, "identity")
    return _render_step("identity", application, form, national_id_help=national_id.FORMAT_HELP)


@bp.route("/<int:application_id>/situation", methods=["GET", "POST"])
@permission_required(Permission.APPLY, Permission.ASSIST)
def situation(application_id: int):
    application, leave = draft_or_redirect(application_id)
    if leave:
        return leave
    profile = services.profile_for(application.applicant)
    form = SituationForm(obj=profile)
    if not is_language_switch() and form.validate_on_submit():
        data = {field.name: field.data for field in form if field.name != "csrf_token"}
        if data["disability_type"] == "none":
            data["disability_card_number"] = None
        services.save_fields(profile, data)
        return _after_save(application, "situation")
    return _render_step("situation", application, form)


@bp.route("/<int:application_id>/project", methods=["GET", "POST"])
@permission_required(Permission.APPLY, Permission.ASSIST)
def project(application_id: int):
    application, leave = draft_or_redirect(application_id)
    if leave:
        return leave
    form = ProjectForm(obj=application)
    form.sector_id.choices = [SelectChoice(0, _("Choose…"))] + [
        SelectChoice(s.id, s.name) for s in db.session.scalars(sa.select(Sector).order_by(Sector.id))
    ]
    if not is_language_switch() and form.validate_on_submit():
        data = {name: form[name].data for name in (
            "project_title", "sector_id", "project_stage", "carrier", "group_name", "project_description",
            "estimated_budget", "own_contribution")}
        if data["carrier"] != "group":
            data["group_name"] = None
        services.save_project(application, data, form.member_rows())
        return _after_save(application, "project")
    if request.method == "GET":
        _pad(form.members, len(application.members) + 2)
    return _render_step("project", application, form)


@bp.route("/<int:application_id>/needs", methods=["GET", "POST"])
@permission_required(Permission.APPLY, Permission.ASSIST)
def needs(application_id: int):
    application, leave = draft_or_redirect(application_id)
    if leave:
        return leave
    form = NeedsForm(obj=application)
    if not is_language_switch() and form.validate_on_submit():
        data = {name: form[name].data for name in NeedsForm.NEED_FIELDS}
        services.save_needs(application, data, form.training_rows())
        return _after_save(application, "needs")
    if request.method == "GET":
        _pad(form.trainings, len(application.trainings) + 2)
    return _render_step("needs", application, form)


@bp.route("/<int:application_id>/review", methods=["GET", "POST"])
@permission_required(Permission.APPLY, Permission.ASSIST)
def review(application_id: int):
    application, leave = draft_or_redirect(application_id)
    if leave:
        return leave
    assisted = current_user.id != application.applicant_id
    form = AttestConsentForm() if assisted else ReviewForm()
    if form.validate_on_submit():
        try:
            services.submit(application, by=current_user,
                            consent_method=form.method.data if assisted else "online")
        except services.ApplicationError as error:
            flash(str(error), "error")
            return _render_review(application, form, status=422)
        if assisted:
            flash(_("The application has been sent. Give the applicant her reference number and receipt."),
                  "success")
        else:
            flash(_("Your application has been sent. Keep your reference number."), "success")
        return redirect(url_for(".receipt", application_id=application.id))
    return _render_review(application, form, status=422 if request.method == "POST" else 200)


def _render_review(application, form, status: int):
    agreed = consent_texts.current(application.programme)
    return render_template(
        "applications/review.html", application=application, form=form, steps=step_states(application),
        current="review", profile=services.profile_for(application.applicant), documents=_documents(application),
        consent_version=agreed.version, consent_text=agreed.text,
        assisted=current_user.id != application.applicant_id,
    ), status


@bp.get("/<int:application_id>")
@permission_required(Permission.APPLY, Permission.ASSIST)
def status(application_id: int):
    application = get_application_or_404(application_id)
    return render_template("applications/status.html", application=application, describe=describe,
                           steps=step_states(application) if application.is_draft else None,
                           incubator=db.session.get(Incubator, application.incubator_id)
                           if application.incubator_id else None,
                           routing=services.latest_routing(application),
                           followup=workspace.applicant_view(application))


def _receipt_context(application_id: int) -> dict:
    """What the receipt shows, for its page and its PDF alike: a sent file in the reader's scope."""
    application = get_application_or_404(application_id)
    if application.reference is None:
        abort(404)
    consent = db.session.scalar(sa.select(Consent).where(Consent.application_id == application.id)
                                .order_by(Consent.id.desc()).limit(1))
    return dict(application=application, consent=consent, profile=services.profile_for(application.applicant),
                documents=_documents(application), describe=describe)


@bp.get("/<int:application_id>/receipt")
@permission_required(Permission.APPLY, Permission.ASSIST)
def receipt(application_id: int):
    return render_template("applications/receipt.html", **_receipt_context(application_id))


@bp.get("/<int:application_id>/receipt.pdf")
@permission_required(Permission.APPLY, Permission.ASSIST)
def receipt_pdf(application_id: int):
    context = _receipt_context(application_id)
    pdf = render_pdf("applications/receipt.html", **context)
    return pdf_response(pdf, f"jisr-receipt-{context['application'].reference}.pdf")


@bp.route("/<int:application_id>/withdraw", methods=["GET", "POST"])
@permission_required(Permission.APPLY)
def withdraw(application_id: int):
    application = get_application_or_404(application_id)
    if not application.can_withdraw:
        flash(_("This file can no longer be withdrawn."), "info")
        return redirect(url_for(".status", application_id=application.id))
    form = WithdrawForm()
    if form.validate_on_submit():
        services.withdraw(application, by=current_user, reason=form.reason.data)
        flash(_("Your application has been withdrawn."), "success")
        return redirect(url_for(".status", application_id=application.id))
    status_code = 422 if request.method == "POST" else 200
    return render_template("applications/withdraw.html", application=application, form=form), status_code


def _documents(application):
    return db.session.scalars(
        sa.select(Document).where(Document.application_id == application.id).order_by(Document.id)
    ).all()


def _province_choices():
    """Provinces grouped by region, in the reader's language; an agent only gets their own provinces,
    so a file they fill never leaves their scope."""
    from jisr.auth.models import user_provinces
    from jisr.geo.models import Region

    lang = get_locale().language
    name = (lambda ar, fr: ar) if lang == "ar" else (lambda ar, fr: fr)
    query = (
        sa.select(Province.id, Province.name_ar, Province.name_fr, Region.name_ar, Region.name_fr)
        .join(Region).order_by(Region.id, Province.name_ar if lang == "ar" else Province.name_fr)
    )
    if current_user.role == "agent":
        query = query.join(user_provinces, user_provinces.c.province_id == Province.id).where(
            user_provinces.c.user_id == current_user.id)
    rows = db.session.execute(query).all()
    return [SelectChoice(0, _("Choose…"))] + [
        SelectChoice(pid, name(ar, fr), optgroup=name(region_ar, region_fr))
        for pid, ar, fr, region_ar, region_fr in rows
    ]


def _pad(field_list, size: int) -> None:
    while len(field_list.entries) < min(size, field_list.max_entries or size):
        field_list.append_entry()


__all__ = ["bp", "STEPS"]
