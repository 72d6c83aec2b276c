"""Calls for expressions of interest: read by anyone, answered by associations' representatives step by step
(with drafts), opened and edited by admins. Thin routes: validate the form, call a service, flash, redirect."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from jisr.auth import services as accounts
from jisr.auth.forms import RegisterForm
from jisr.auth.models import Role
from jisr.auth.signin import start_session
from jisr.authz import Permission, get_association_or_404, own_association_or_404, permission_required
from jisr.bidi import isolate
from jisr.calls import services
from jisr.calls.forms import (
    AssociationUploadForm,
    CallForm,
    CoverageForm,
    OrganisationForm,
    SubmitAssociationForm,
    TeamForm,
)
from jisr.calls.models import SCORE_MAX, AssociationDocument, Call
from jisr.documents import storage
from jisr.documents.forms import ACCEPT_ATTRIBUTE
from jisr.documents.validation import DocumentError, human_size, max_upload_bytes
from jisr.extensions import db, limiter
from jisr.forms import CsrfForm
from jisr.geo.models import Province, Region, Sector
from jisr.i18n import is_language_switch
from jisr.numbers import page_number
from jisr.programmes.models import Programme
from jisr.ratelimits import REGISTER_LIMIT, UPLOAD_LIMIT, per_account
from jisr.timeutil import utcnow

bp = Blueprint("calls", __name__, url_prefix="/calls")


@bp.context_processor
def helpers() -> dict:
    return {"human_size": human_size, "call_local": services.local_parts}


def _page() -> int:
    return max(request.args.get("page", 1, type=page_number), 1)


def _pages(total: int) -> int:
    return max((total + services.PAGE_SIZE - 1) // services.PAGE_SIZE, 1)


def _status() -> int:
    return 422 if request.method == "POST" and not is_language_switch() else 200


# -- anyone: the calls and their criteria ------------------------------------------------------------------

@bp.get("/")
def index():
    page = _page()
    calls, total = services.public_calls(utcnow(), page)
    return render_template("calls/index.html", calls=calls, now=utcnow(), page=page, pages=_pages(total),
                           total=total)


@bp.get("/<int:call_id>")
def show(call_id: int):
    call = db.get_or_404(Call, call_id)
    mine = (services.association_of(call, current_user)
            if current_user.is_authenticated and current_user.role == Role.REPRESENTATIVE else None)
    return render_template("calls/show.html", call=call, now=utcnow(), mine=mine)


@bp.route("/<int:call_id>/register", methods=["GET", "POST"])
@limiter.limit(REGISTER_LIMIT, methods=["POST"])
def register(call_id: int):
    """A representative's account, opened to answer this call: the same account system as applicants'."""
    call = db.get_or_404(Call, call_id)
    if current_user.is_authenticated:
        return redirect(url_for(".show", call_id=call.id))
    if not call.is_open(utcnow()):
        flash(_("This call is not open: answers are taken only between its opening and its deadline."), "error")
        return redirect(url_for(".show", call_id=call.id))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register(form.full_name.data, form.password.data, phone=form.phone.data or None,
                                     email=form.email.data or None, role=Role.REPRESENTATIVE)
        except accounts.AccountError as error:
            field = getattr(form, error.field or "", None) or form.phone
            field.errors = [*field.errors, str(error)]
        else:
            association = services.start(call, user, utcnow())
            start_session(user)
            flash(_("Welcome %(name)s! Your account is ready: fill in your association's application.",
                    name=user.full_name), "success")
            return redirect(url_for(".organisation", association_id=association.id))
    return render_template("auth/register.html", call=call, form=form), _status()


@bp.post("/<int:call_id>/answer")
@permission_required(Permission.REPRESENT)
def answer(call_id: int):
    call = db.get_or_404(Call, call_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        association = services.start(call, current_user, utcnow())
    except services.CallError as error:
        flash(str(error), "error")
        return redirect(url_for(".show", call_id=call.id))
    return redirect(url_for(services.next_step(association), association_id=association.id))


@bp.get("/mine")
@permission_required(Permission.REPRESENT, Permission.MANAGE_INCUBATOR)
def mine():
    associations = services.representative_associations(current_user)
    return render_template("calls/mine.html", associations=associations, now=utcnow(),
                           progress=services.progress(associations))


@bp.get("/documents/<int:document_id>")
@permission_required(Permission.REPRESENT, Permission.MANAGE_INCUBATOR, Permission.COORDINATE)
def document(document_id: int):
    """An association's document, for its representative, its reviewers (no conflict declared) and admins."""
    found = db.session.get(AssociationDocument, document_id)
    if found is None:
        abort(404)
    get_association_or_404(found.association_application_id)
    return storage.send_stored(found.stored_name, found.content_type, found.original_name)


# -- the representative: her association's answer, step by step -----------------------------------------

def _editable_or_leave(association_id: int):
    association = own_association_or_404(association_id)
    try:
        services.ensure_editable(association, utcnow())
    except services.CallError as error:
        if request.method == "POST":
            return association, (render_template("calls/application.html", association=association,
                                                 documents=services.documents_of(association), error=str(error)), 409)
        flash(str(error), "info")
        return association, redirect(url_for(".application", association_id=association.id))
    return association, None


def _after_save(association, step: str):
    flash(_("Saved."), "success")
    if "later" in request.form:
        flash(_("Your answers are saved. You can come back and continue until the deadline."), "info")
        return redirect(url_for(".mine"))
    if "more" in request.form:
        return redirect(url_for(f".{step}", association_id=association.id))
    return redirect(url_for(services.next_step(association, after=step), association_id=association.id))


def _render_step(step: str, association, form, **context):
    return render_template(f"calls/step_{step}.html", association=association, form=form, current=step,
                           steps=services.step_states(association), **context), _status()


def _province_choices(provinces) -> list[SelectChoice]:
    return [SelectChoice(p.id, p.name) for p in provinces]


def _all_provinces():
    return db.session.scalars(sa.select(Province).join(Region).order_by(Region.id, Province.name_fr)).all()


@bp.route("/applications/<int:association_id>/organisation", methods=["GET", "POST"])
@permission_required(Permission.REPRESENT)
def organisation(association_id: int):
    association, leave = _editable_or_leave(association_id)
    if leave:
        return leave
    form = OrganisationForm(obj=association)
    form.province_id.choices = [SelectChoice(0, _("Choose…"))] + _province_choices(_all_provinces())
    if not is_language_switch() and form.validate_on_submit():
        services.save_organisation(association, {name: form[name].data for name in (
            "legal_name_ar", "legal_name_fr", "registration_number", "address", "province_id", "phone", "email")},
            current_user)
        return _after_save(association, "organisation")
    return _render_step("organisation", association, form)


@bp.route("/applications/<int:association_id>/coverage", methods=["GET", "POST"])
@permission_required(Permission.REPRESENT)
def coverage(association_id: int):
    association, leave = _editable_or_leave(association_id)
    if leave:
        return leave
    form = CoverageForm(obj=association)
    if request.method == "GET":
        form.provinces.data = [p.id for p in association.provinces]
        form.sectors.data = [s.id for s in association.sectors]
    form.provinces.choices = _province_choices(association.call.provinces)
    form.sectors.choices = [SelectChoice(s.id, s.name) for s in db.session.scalars(sa.select(Sector)
                                                                                    .order_by(Sector.id))]
    if not is_language_switch() and form.validate_on_submit():
        services.save_coverage(association, {name: form[name].data for name in (
            "provinces", "generalist", "sectors", "capacity", "step_free_access", "accessible_toilets",
            "sign_language")}, current_user)
        return _after_save(association, "coverage")
    return _render_step("coverage", association, form)


@bp.route("/applications/<int:association_id>/team", methods=["GET", "POST"])
@permission_required(Permission.REPRESENT)
def team(association_id: int):
    association, leave = _editable_or_leave(association_id)
    if leave:
        return leave
    if request.method == "GET":
        form = TeamForm(data={"team": [{"full_name": m.full_name, "role": m.role, "qualification": m.qualification}
                                       for m in association.team],
                              "experience": association.experience, "references_text": association.references_text})
        while len(form.team.entries) < max(3, len(association.team) + 1):
            form.team.append_entry()
    else:
        form = TeamForm()
    if not is_language_switch() and form.validate_on_submit():
        services.save_team(association, form.team_rows(), form.experience.data, form.references_text.data,
                           current_user)
        if "more" in request.form and len(form.team_rows()) >= form.team.max_entries:
            flash(_("The list is full."), "info")
        return _after_save(association, "team")
    return _render_step("team", association, form)


@bp.route("/applications/<int:association_id>/documents", methods=["GET", "POST"])
@limiter.limit(UPLOAD_LIMIT, methods=["POST"], key_func=per_account)
@permission_required(Permission.REPRESENT)
def documents(association_id: int):
    association, leave = _editable_or_leave(association_id)
    if leave:
        return leave
    form = AssociationUploadForm()
    if form.validate_on_submit():
        try:
            added = services.add_document(association, form.kind.data, form.file.data, current_user)
        except DocumentError as error:
            form.file.errors = [*form.file.errors, str(error)]
        else:
            flash(_("The document “%(name)s” has been added.", name=isolate(added.original_name)), "success")
            return redirect(url_for(".documents", association_id=association.id), 303)
    found = services.documents_of(association)
    return _render_step("documents", association, form, documents=found, received={d.kind for d in found},
                        max_size=human_size(max_upload_bytes()), accept=ACCEPT_ATTRIBUTE,
                        kinds=services.DOCUMENT_KINDS)


@bp.post("/applications/<int:association_id>/documents/<int:document_id>/delete")
@permission_required(Permission.REPRESENT)
def delete_document(association_id: int, document_id: int):
    association, leave = _editable_or_leave(association_id)
    if leave:
        return leave
    found = db.session.get(AssociationDocument, document_id)
    if found is None or found.association_application_id != association.id:
        abort(404)
    services.delete_document(association, found, current_user)
    flash(_("The document “%(name)s” has been deleted.", name=isolate(found.original_name)), "success")
    return redirect(url_for(".documents", association_id=association.id), 303)


@bp.route("/applications/<int:association_id>/review", methods=["GET", "POST"])
@permission_required(Permission.REPRESENT)
def review(association_id: int):
    association, leave = _editable_or_leave(association_id)
    if leave:
        return leave
    form = SubmitAssociationForm()
    error = None
    if not is_language_switch() and form.validate_on_submit():
        try:
            services.submit(association, current_user, utcnow())
        except services.CallError as refused:
            error = str(refused)
        else:
            flash(_("Your association's application has been sent. We will tell you the decision."), "success")
            return redirect(url_for(".application", association_id=association.id), 303)
    return render_template("calls/review.html", association=association, form=form, current="review", error=error,
                           steps=services.step_states(association), documents=services.documents_of(association)), \
        (422 if error else _status())


@bp.get("/applications/<int:association_id>")
@permission_required(Permission.REPRESENT, Permission.MANAGE_INCUBATOR)
def application(association_id: int):
    association = own_association_or_404(association_id)
    return render_template("calls/application.html", association=association,
                           documents=services.documents_of(association), error=None)


# -- admins: opening and changing calls ---------------------------------------------------------------------

@bp.get("/admin/")
@permission_required(Permission.ADMINISTER)
def admin_index():
    page = _page()
    rows, total = services.admin_calls(page)
    return render_template("calls/admin_index.html", rows=rows, page=page, pages=_pages(total), total=total,
                           now=utcnow())


def _call_form(call: Call | None) -> CallForm:
    if request.method == "POST":
        form = CallForm()
    elif call is None:
        form = CallForm(formdata=None)
    else:
        opens_on, _time = services.local_parts(call.opens_at, call.programme.timezone)
        closes_on, closes_time = services.local_parts(call.closes_at, call.programme.timezone)
        form = CallForm(formdata=None, data=dict(
            programme_id=call.programme_id, title_ar=call.title_ar, title_fr=call.title_fr,
            description_ar=call.description_ar, description_fr=call.description_fr,
            provinces=[p.id for p in call.provinces], opens_on=opens_on, closes_on=closes_on,
            closes_time=closes_time, criteria=[{"label_ar": c.label_ar, "label_fr": c.label_fr, "weight": c.weight}
                                               for c in call.criteria]))
    while len(form.criteria.entries) < min(max(5, len(form.criterion_rows()) + 1), form.criteria.max_entries):
        form.criteria.append_entry()
    form.programme_id.choices = [SelectChoice(p.id, p.name) for p in db.session.scalars(
        sa.select(Programme).order_by(Programme.opens_on.desc()))]
    form.provinces.choices = _province_choices(_all_provinces())
    return form


def _save_call(call: Call | None):
    form = _call_form(call)
    error = None
    if request.method == "POST" and "more" not in request.form and not is_language_switch() \
            and form.validate_on_submit():
        data = {name: form[name].data for name in ("programme_id", "title_ar", "title_fr", "description_ar",
                                                   "description_fr", "provinces", "opens_on", "closes_on",
                                                   "closes_time")}
        try:
            saved = services.save_call(call, data, form.criterion_rows(), current_user)
        except services.CallError as refused:
            error = str(refused)
            db.session.rollback()
        else:
            flash(_("The call has been saved."), "success")
            return redirect(url_for("selection.call", call_id=saved.id), 303)
    status = 422 if (error or (request.method == "POST" and "more" not in request.form
                               and not is_language_switch())) else 200
    return render_template("calls/admin_form.html", form=form, call=call, error=error, score_max=SCORE_MAX), status


@bp.route("/admin/new", methods=["GET", "POST"])
@permission_required(Permission.ADMINISTER)
def admin_new():
    return _save_call(None)


@bp.route("/admin/<int:call_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.ADMINISTER)
def admin_edit(call_id: int):
    return _save_call(db.get_or_404(Call, call_id))
