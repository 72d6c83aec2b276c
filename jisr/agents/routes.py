"""The field agent's pages: the people the agent registered, and opening an account for someone.
The application steps themselves are the applicant's own pages, reached through the same
authorization layer (jisr/authz.py scopes an agent to the unclaimed files they created)."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from jisr.agents import services
from jisr.agents.forms import AttestConsentForm, NewApplicantForm
from jisr.applications.steps import next_step
from jisr.auth.models import User
from jisr.authz import Permission, permission_required, registered_people, registered_person_or_404
from jisr.extensions import db
from jisr.forms import CsrfForm
from jisr.i18n import LANGUAGE_NAMES, available_languages, is_language_switch
from jisr.numbers import page_number
from jisr.programmes import consent

bp = Blueprint("agents", __name__, url_prefix="/agent")


@bp.get("/")
@permission_required(Permission.ASSIST)
def index():
    page = max(request.args.get("page", 1, type=page_number), 1)
    query = registered_people(current_user).order_by(User.created_at.desc(), User.id.desc())
    total = db.session.scalar(sa.select(sa.func.count()).select_from(
        sa.select(User.id).where(User.registered_by_id == current_user.id).subquery()))
    rows = db.session.execute(query.limit(services.PAGE_SIZE).offset((page - 1) * services.PAGE_SIZE)).all()
    pages = max((total + services.PAGE_SIZE - 1) // services.PAGE_SIZE, 1)
    return render_template("agents/index.html", rows=rows, page=page, pages=pages, total=total,
                           next_step=next_step, form=CsrfForm())


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.ASSIST)
def new():
    form = NewApplicantForm()
    form.province_id.choices = _province_choices(current_user)
    form.language.choices = [SelectChoice(code, LANGUAGE_NAMES.get(code, code)) for code in available_languages()]
    if request.method == "GET":
        form.language.data = get_locale().language
    if is_language_switch():
        return render_template("agents/new.html", form=form)
    if form.validate_on_submit():
        try:
            user, application = services.register_applicant(
                current_user, form.full_name.data, form.phone.data, form.email.data or None,
                form.province_id.data, form.language.data)
        except services.AgentError as error:
            target = getattr(form, error.field or "", None) or form.full_name
            target.errors = [*target.errors, str(error)]
        else:
            flash(_("The account of %(name)s is open. She received a code by SMS to take it over later. "
                    "You can now fill her application with her.", name=user.full_name), "success")
            return redirect(url_for(next_step(application).endpoint, application_id=application.id))
    return render_template("agents/new.html", form=form), 422 if request.method == "POST" else 200


@bp.post("/people/<int:user_id>/resend-code")
@permission_required(Permission.ASSIST)
def resend_code(user_id: int):
    CsrfForm().validate_on_submit() or abort(400)
    user = registered_person_or_404(user_id)
    try:
        services.resend_claim_code(current_user, user)
    except services.AgentError as error:
        flash(str(error), "info")
    else:
        flash(_("A new code was sent to %(name)s.", name=user.full_name), "success")
    return redirect(url_for(".index"))


@bp.route("/people/<int:user_id>/consent", methods=["GET", "POST"])
@permission_required(Permission.ASSIST)
def consent_again(user_id: int):
    """A new consent text for someone whose account the agent still holds: read to her, then attested."""
    user = registered_person_or_404(user_id)
    found = consent.pending(user)
    if not found:
        user.consent_due = False
        flash(_("%(name)s has agreed to the current consent text.", name=user.full_name), "info")
        return redirect(url_for(".index"))
    form = AttestConsentForm()
    if not is_language_switch() and form.validate_on_submit():
        consent.agree(user, user.locale or get_locale().language, form.method.data, attested_by=current_user)
        flash(_("Her agreement to the new text is recorded, with your name."), "success")
        return redirect(url_for(".index"))
    texts: dict[int, tuple] = {}
    for application, text in found:
        texts.setdefault(text.id, (text, []))[1].append(application)
    return render_template("agents/consent.html", form=form, person=user, texts=list(texts.values()),
                           form_id="main-form"), 422 if form.errors else 200


def _province_choices(agent):
    lang = get_locale().language
    rows = sorted(agent.provinces, key=lambda p: p.name)
    return [SelectChoice(0, _("Choose…"))] + [
        SelectChoice(p.id, p.name_ar if lang == "ar" else p.name_fr) for p in rows]
