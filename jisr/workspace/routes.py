"""The incubator's workspace: the queue and the file seen by staff, with the decisions its state allows.

Thin routes: every file is reached through jisr/authz.py (out of scope is a 404), the form is validated,
a service decides; a refused or conflicting decision redraws the page with the file as it is now (409)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectChoice

from jisr.applications.eligibility import describe
from jisr.applications.services import profile_for
from jisr.audit.services import record
from jisr.authz import Permission, get_application_or_404, permission_required
from jisr.coordination.services import routing_history, waiting_days
from jisr.documents import storage
from jisr.documents.models import Document
from jisr.documents.services import documents_for, record_view
from jisr.extensions import db
from jisr.geo.models import Province, Sector
from jisr.incubators.models import incubator_provinces
from jisr.labels import label
from jisr.numbers import page_number
from jisr.outbox.models import OutboxMessage
from jisr.timeutil import utcnow
from jisr.workspace import duplicate_services, grids, outcomes, queue, services, sessions
from jisr.workspace.forms import (
    QUEUE_STATES,
    ActionForm,
    DuplicateForm,
    InfoRequestForm,
    MentorForm,
    QueueFilterForm,
    ReasonForm,
    StageForm,
    assessment_form,
    disability_choices,
    need_choices,
)
from jisr.workspace.models import ReasonKind

bp = Blueprint("workspace", __name__, url_prefix="/workspace")
DUPLICATES_SHOWN = 20


@bp.app_context_processor
def _features():
    """Templates link to the sessions' pages only where that feature is registered."""
    from flask import current_app

    return {"has_blueprint": lambda name: name in current_app.blueprints}


SIMPLE = ("start_review", "accept", "waitlist", "resume", "start_mentoring", "complete")
STAFF = (Permission.REVIEW, Permission.MENTOR)


# -- the queue ------------------------------------------------------------------------------------------

@bp.get("/", endpoint="queue")
@permission_required(*STAFF)
def queue_view():
    form = QueueFilterForm(request.args)
    form.status.choices = [SelectChoice("", _("All"))] + [SelectChoice(s, label("status", s)) for s in QUEUE_STATES]
    form.province.choices = [SelectChoice("", _("All"))] + [SelectChoice(p.id, p.name) for p in _provinces()]
    form.sector.choices = [SelectChoice("", _("All"))] + [
        SelectChoice(s.id, s.name) for s in db.session.scalars(sa.select(Sector).order_by(Sector.id))]
    form.disability.choices = disability_choices()
    form.need.choices = need_choices()
    lang_index = 1 if _lang() == "ar" else 2
    form.stage.choices = [SelectChoice("", _("All"))] + [
        SelectChoice(stage[0], stage[lang_index]) for stage in queue.scope_stage_codes(current_user)]
    form.validate()
    values = {name: (form[name].data if not form[name].errors else None)
              for name in ("q", "status", "province", "sector", "disability", "need", "stage", "waiting", "sort")}
    values["waiting"] = int(values["waiting"]) if values["waiting"] else None
    values["sort"] = values["sort"] or "waiting"
    page = max(request.args.get("page", 1, type=page_number), 1)
    now = utcnow()
    rows, total = queue.rows(current_user, queue.Filters(**values), page, now)
    return render_template(
        "workspace/queue.html", form=form, rows=rows, total=total, page=page,
        pages=max((total + queue.PAGE_SIZE - 1) // queue.PAGE_SIZE, 1), counts=queue.state_counts(current_user),
        args={k: v for k, v in request.args.items() if k != "page" and v}, now=now, days=waiting_days, lang=_lang())


def _lang() -> str:
    from jisr.i18n_fields import current_language

    return current_language()


def _provinces() -> list[Province]:
    """The provinces the user's incubator covers (all for an admin)."""
    query = sa.select(Province).order_by(Province.name_fr)
    if current_user.incubator_id is not None:
        query = query.join(incubator_provinces, incubator_provinces.c.province_id == Province.id).where(
            incubator_provinces.c.incubator_id == current_user.incubator_id)
    return list(db.session.scalars(query))


# -- the file -------------------------------------------------------------------------------------------

@bp.get("/files/<int:application_id>")
@permission_required(*STAFF)
def file(application_id: int):
    application = get_application_or_404(application_id)
    profile = profile_for(application.applicant)
    # Staff reading her personal data is audited; her disability data is named when it is on the page.
    record("workspace.file_viewed", application, disability_shown=bool(profile and profile.has_disability))
    return _render_file(application)


def _render_file(application, status: int = 200, **forms):
    """The staff page of a file. `forms` carries a form being redrawn with its errors; the others start empty
    and carry the version of the file as it is now."""
    actions = services.actions(application, current_user)
    version = {"version": application.version}

    def blank(form_class, **kwargs):
        return form_class(formdata=None, data=version, **kwargs)

    reasons = {kind: grids.reasons(application.programme, kind) for kind in ReasonKind}
    reject_form = forms.get("reject_form") or blank(ReasonForm, prefix="reject")
    reject_form.reason.choices = [SelectChoice(r.id, r.name) for r in reasons[ReasonKind.REJECTION]]
    drop_form = forms.get("drop_form") or blank(ReasonForm, prefix="drop")
    drop_form.reason.choices = [SelectChoice(r.id, r.name) for r in reasons[ReasonKind.DROP_OUT]]
    mentor_form = forms.get("mentor_form") or MentorForm(formdata=None, data={**version,
                                                                               "mentor": application.mentor_id},
                                                         prefix="mentor")
    mentor_form.mentor.choices = [SelectChoice("", _("Choose a mentor"))] + [
        SelectChoice(m.id, m.full_name) for m in services.mentors(application.incubator_id)]
    criteria = grids.criteria(application.programme)
    sheets = services.assessments(application)
    mine = next((s for s in sheets if s.scorer_id == current_user.id), None)
    assessment = forms.get("assessment_form") or assessment_form(
        criteria, {score.criterion_id: score.score for score in mine.scores} if mine else None,
        comment=mine.comment if mine else None)
    assessment.version.data = application.version
    decisions, incubators = routing_history(application)
    messages = list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.application_id == application.id)
                                       .order_by(OutboxMessage.id.desc()).limit(50)))
    # Only files of the reader's scope are named; the others are counted (a look-alike in another incubator or
    # province is worth knowing of, but its name and reference are not hers to read). Linked pairs first (staff's
    # own decisions); a name and birth date shared by many people must not turn the page into a list of hundreds.
    shown, elsewhere = duplicate_services.within_scope(duplicate_services.possible_duplicates(application),
                                                       current_user)
    duplicates = sorted(shown, key=lambda m: not m.linked)
    return render_template(
        "workspace/file.html", application=application, profile=profile_for(application.applicant),
        documents=documents_for(application), describe=describe, actions=actions,
        decisions=decisions, incubators=incubators, messages=messages,
        info_requests=_info_requests(application), stages=grids.stages(application.programme),
        entries=services.stage_entries(application), criteria=criteria, sheets=sheets,
        scores={(s.id, score.criterion_id): score.score for s in sheets for score in s.scores},
        duplicates=duplicates[:DUPLICATES_SHOWN], duplicates_hidden=max(len(duplicates) - DUPLICATES_SHOWN, 0),
        duplicates_elsewhere=elsewhere,
        may_go_to_commission=services.may_go_to_commission(application),
        simple={action: forms.get(f"{action}_form") or blank(ActionForm, prefix=action) for action in SIMPLE},
        info_form=forms.get("info_form") or blank(InfoRequestForm, prefix="info"),
        stage_form=forms.get("stage_form") or blank(StageForm, prefix="stage"),
        duplicate_form=DuplicateForm(formdata=None, prefix="duplicate"),
        reject_form=reject_form, drop_form=drop_form, mentor_form=mentor_form, assessment_form=assessment,
        error_form=forms.get("error_form"), convocations=sessions.file_convocations(application),
        **outcomes.file_outcomes(application),
    ), status


def _info_requests(application):
    from jisr.workspace.models import InfoRequest

    return list(db.session.scalars(sa.select(InfoRequest).where(InfoRequest.application_id == application.id)
                                   .options(sa.orm.joinedload(InfoRequest.requested_by))
                                   .order_by(InfoRequest.id.desc())))


def _decide(application_id: int, form_name: str, form, decide, done: str):
    """Validate `form`, run `decide(application, form)`; a refusal or a conflict redraws the page as it is now."""
    application = get_application_or_404(application_id)
    if not form.validate_on_submit():
        return _render_file(application, status=422, **{form_name: form, "error_form": form})
    try:
        decide(application, form)
        db.session.flush()
    except (services.WorkspaceError, StaleDataError) as error:
        db.session.rollback()
        application = get_application_or_404(application_id)
        conflict = isinstance(error, (services.Conflict, StaleDataError))
        message = str(error) if not isinstance(error, StaleDataError) else str(services.Conflict(_(
            "Someone else changed this file while you were reading it. Here is its current state: check it and "
            "do it again if it still applies.")))
        flash(message, "error")
        return _render_file(application, status=409 if conflict else 422)
    flash(done, "success")
    return redirect(url_for(".file", application_id=application.id), 303)


def _run(action: str, application, form):
    note = form.note.data
    if action == "start_review":
        services.start_review(application, current_user, form.read_version)
    elif action == "accept":
        services.accept(application, current_user, note, form.read_version)
    elif action == "waitlist":
        services.waitlist(application, current_user, note, form.read_version)
    elif action == "resume":
        services.resume(application, current_user, form.read_version)
    elif action == "start_mentoring":
        services.start_mentoring(application, current_user, form.read_version)
    elif action == "complete":
        services.complete(application, current_user, note, form.read_version)
    else:  # pragma: no cover - the routes below name every action
        abort(404)


def _register_simple():
    """One POST route per decision that needs no more than an optional note."""
    texts = {
        "start_review": lambda: _("The review of the file has started."),
        "accept": lambda: _("The file has been accepted; the applicant has been told."),
        "waitlist": lambda: _("The file is on your waiting list; the applicant has been told."),
        "resume": lambda: _("The review of the file has started again."),
        "start_mentoring": lambda: _("The accompaniment has started at its first stage."),
        "complete": lambda: _("The project is launched: the accompaniment is complete and the place is free."),
    }
    for action, text in texts.items():
        def view(application_id: int, action=action, text=text):
            return _decide(application_id, f"{action}_form", ActionForm(prefix=action),
                           lambda application, f: _run(action, application, f), text())

        bp.add_url_rule(f"/files/<int:application_id>/{action.replace('_', '-')}", endpoint=action,
                        view_func=permission_required(*STAFF)(view), methods=["POST"])


_register_simple()


@bp.post("/files/<int:application_id>/request-info")
@permission_required(*STAFF)
def request_info(application_id: int):
    form = InfoRequestForm(prefix="info")
    return _decide(application_id, "info_form", form,
                   lambda a, f: services.request_info(a, current_user, f.message.data, f.read_version),
                   _("Your request has been sent to the applicant."))


@bp.post("/files/<int:application_id>/reject")
@permission_required(*STAFF)
def reject(application_id: int):
    form = ReasonForm(prefix="reject")
    form.reason.choices = _reason_choices(application_id, ReasonKind.REJECTION)
    return _decide(application_id, "reject_form", form,
                   lambda a, f: services.reject(a, current_user, f.reason.data, f.note.data, f.read_version),
                   _("The file has not been accepted; the applicant has been told why."))


@bp.post("/files/<int:application_id>/drop-out")
@permission_required(*STAFF)
def drop_out(application_id: int):
    form = ReasonForm(prefix="drop")
    form.reason.choices = _reason_choices(application_id, ReasonKind.DROP_OUT)
    return _decide(application_id, "drop_form", form,
                   lambda a, f: services.drop_out(a, current_user, f.reason.data, f.note.data, f.read_version),
                   _("The drop-out has been recorded and the place is free."))


def _reason_choices(application_id: int, kind: ReasonKind):
    application = get_application_or_404(application_id)
    return [SelectChoice(r.id, r.name) for r in grids.reasons(application.programme, kind)]


@bp.post("/files/<int:application_id>/mentor")
@permission_required(*STAFF)
def mentor(application_id: int):
    application = get_application_or_404(application_id)
    form = MentorForm(prefix="mentor")
    form.mentor.choices = [SelectChoice(m.id, m.full_name) for m in services.mentors(application.incubator_id)]
    return _decide(application_id, "mentor_form", form,
                   lambda a, f: services.assign_mentor(a, current_user, f.mentor.data, f.read_version),
                   _("The mentor has been assigned; the applicant has been told."))


@bp.post("/files/<int:application_id>/stage")
@permission_required(*STAFF)
def stage(application_id: int):
    form = StageForm(prefix="stage")
    return _decide(application_id, "stage_form", form,
                   lambda a, f: services.move_stage(a, current_user, f.direction.data, f.note.data, f.read_version),
                   _("The file has moved to its new stage; the applicant has been told."))


@bp.post("/files/<int:application_id>/assessment")
@permission_required(*STAFF)
def assessment(application_id: int):
    application = get_application_or_404(application_id)
    criteria = grids.criteria(application.programme)
    form = assessment_form(criteria, formdata=request.form)

    def save(a, f):
        scores = {c.id: f[f"c{c.id}"].data for c in criteria}
        services.save_assessment(a, current_user, scores, f.comment.data, f.read_version)

    return _decide(application_id, "assessment_form", form, save, _("Your assessment sheet has been saved."))


@bp.post("/files/<int:application_id>/duplicates")
@permission_required(Permission.REVIEW)
def duplicates(application_id: int):
    application = get_application_or_404(application_id)
    form = DuplicateForm(prefix="duplicate")
    shown, _elsewhere = duplicate_services.within_scope(duplicate_services.possible_duplicates(application),
                                                        current_user)
    candidates = {str(match.application.id): match for match in shown}
    if not form.validate_on_submit() or form.other.data not in candidates:
        flash(_("Choose your conclusion about the possible duplicate."), "error")
        return _render_file(application, status=422)
    duplicate_services.resolve(application, candidates[form.other.data].application, form.verdict.data,
                               current_user)
    flash(_("Your conclusion about the possible duplicate has been recorded."), "success")
    return redirect(url_for(".file", application_id=application.id), 303)


@bp.get("/files/<int:application_id>/documents/<int:document_id>")
@permission_required(*STAFF)
def document(application_id: int, document_id: int):
    """Her document, shown in the page when it is an image (`?inline=1`), downloaded otherwise; audited."""
    application = get_application_or_404(application_id)
    found = db.session.scalar(sa.select(Document).where(Document.id == document_id,
                                                        Document.application_id == application.id))
    if found is None:
        abort(404)
    record_view(found, current_user)
    return storage.send_stored(found.stored_name, found.content_type, found.original_name,
                               inline=request.args.get("inline") == "1")
