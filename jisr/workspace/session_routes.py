"""Sessions and convocations. Staff (blueprint `sessions`): the sessions of their scope, convening files, the
session page with attendance, check-in by code, notes per file, cancelling. The applicant (blueprint
`convocations`): her convocation as a page and as its PDF, from the same template.

Thin routes: sessions through jisr.authz.get_session_or_404, files and convocations through
get_application_or_404 / get_convocation_or_404 (out of scope is a 404); a refused act redraws the page with
its error and 422."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from jisr.applications.models import Application
from jisr.authz import (
    Permission,
    get_application_or_404,
    get_convocation_or_404,
    get_session_or_404,
    permission_required,
)
from jisr.extensions import db
from jisr.i18n import is_language_switch
from jisr.numbers import database_id, database_ids, page_number
from jisr.printing import pdf_response, render_pdf
from jisr.timeutil import aware, utcnow
from jisr.workspace import sessions
from jisr.workspace.session_forms import (
    AttendanceForm,
    CancelForm,
    CheckInForm,
    NotesForm,
    SessionSearchForm,
    session_form,
)
from jisr.workspace.sessions import SessionError

bp = Blueprint("sessions", __name__, url_prefix="/workspace/sessions")
convocations = Blueprint("convocations", __name__, url_prefix="/applications")
STAFF = (Permission.REVIEW, Permission.MENTOR)


@bp.app_template_test("upcoming_convocation")
def upcoming_convocation(convocation) -> bool:
    """`convocations|select("upcoming_convocation")`: those whose session has not ended yet."""
    return sessions.is_upcoming(convocation.session)


# -- the list and convening -----------------------------------------------------------------------------

@bp.get("/")
@permission_required(*STAFF)
def index():
    found = sessions.index_page(current_user, request.args.get("page", 1, type=page_number))
    return render_template("sessions/index.html", found=found, page=found.page, pages=found.pages, args={})


@bp.route("/new", methods=["GET", "POST"])
@permission_required(*STAFF)
def new():
    search = SessionSearchForm(request.args)
    search.validate()
    q = search.q.data if not search.q.errors else None
    page = max(request.args.get("page", 1, type=page_number), 1)
    preselected = request.args.get("application_id", type=database_id)
    posted = database_ids(request.form.getlist("files"))
    include = tuple(posted) if request.method == "POST" else ((preselected,) if preselected else ())
    rows, total = sessions.convenable_files(current_user, q, page, include)
    if request.method == "POST":
        form = session_form(rows)
    else:
        form = session_form(rows, data={"files": [r.id for r in rows if r.id == preselected]})
    switching = is_language_switch()  # the language button posts the form: show it again, as typed
    if not switching and form.validate_on_submit():
        arrangements = {int(field.name.rsplit("_", 1)[1]): field.data for field in form.arrangement_fields()}
        try:
            session = sessions.convene(current_user, form.files.data, form.day.data, form.start.data,
                                       form.duration.data, form.mode.data, form.place.data, form.topic.data,
                                       form.bring.data, arrangements)
        except SessionError as error:
            _attach(form, error)
        else:
            flash(ngettext("The session is planned: %(num)d applicant has been sent her convocation.",
                           "The session is planned: %(num)d applicants have been sent their convocation.",
                           len(session.convocations)), "success")
            return redirect(url_for(".show", session_id=session.id), 303)
    args = {k: v for k, v in (("q", q), ("application_id", preselected)) if v}
    return render_template("sessions/new.html", form=form, search=search, rows=rows, total=total, page=page,
                           pages=max((total + sessions.PICK_SIZE - 1) // sessions.PICK_SIZE, 1), args=args,
                           needs_of=sessions.needs_of), 422 if request.method == "POST" and not switching else 200


def _attach(form, error: SessionError) -> None:
    """A service's refusal shown next to the field it is about (or above the form)."""
    name = error.field if error.field and error.field in form else None
    if name:
        form[name].errors = [*form[name].errors, str(error)]
    else:
        flash(str(error), "error")


# -- the session page -----------------------------------------------------------------------------------

@bp.get("/<int:session_id>")
@permission_required(*STAFF)
def show(session_id: int):
    return _render_show(get_session_or_404(session_id))


def _render_show(session, status: int = 200, failed: dict | None = None, error_form=None):
    """The session with its convocations; `failed` carries, by prefix, a form redrawn with its errors."""
    failed = failed or {}
    rows = sessions.session_convocations(session, current_user)

    def blank(form_class, prefix, **kwargs):
        return failed.get(prefix) or form_class(formdata=None, prefix=prefix, **kwargs)

    items = [dict(row=row, convocation=row[0], needs=sessions.needs_of(row),
                  attendance=blank(AttendanceForm, f"att{row[0].id}", data={"attendance": row[0].attendance}),
                  notes=blank(NotesForm, f"notes{row[0].id}", obj=row[0])) for row in rows]
    zone = sessions.session_zone(session)
    return render_template(
        "sessions/show.html", session=session, items=items,
        when=sessions.times(session.starts_at, zone, session.duration_minutes),
        place_label=sessions.PLACE_LABELS.get(session.mode, ""), started=aware(session.starts_at) <= utcnow(),
        may_manage=sessions.may_manage(current_user, session), check_in_form=blank(CheckInForm, "checkin"),
        cancel_form=blank(CancelForm, "cancel"), error_form=error_form, code_length=sessions.CODE_LENGTH), status


def _convocation_of(session, convocation_id: int):
    convocation = get_convocation_or_404(convocation_id)
    if convocation.session_id != session.id:
        abort(404)
    return convocation


def _back(session, convocation=None):
    anchor = f"convocation-{convocation.id}" if convocation is not None else None
    return redirect(url_for(".show", session_id=session.id, _anchor=anchor), 303)


def _her_name(convocation) -> str:
    return db.session.get(Application, convocation.application_id).applicant.full_name


@bp.post("/<int:session_id>/check-in")
@permission_required(*STAFF)
def check_in(session_id: int):
    session = get_session_or_404(session_id)
    form = CheckInForm(prefix="checkin")
    if form.validate_on_submit():
        try:
            convocation, new = sessions.check_in(session, current_user, form.code.data)
        except SessionError as error:
            _attach(form, error)
        else:
            flash(_("%(name)s is checked in: present.", name=_her_name(convocation)) if new else
                  _("%(name)s had already checked in.", name=_her_name(convocation)), "success")
            return _back(session)
    return _render_show(session, 422, {"checkin": form}, form)


@bp.post("/<int:session_id>/convocations/<int:convocation_id>/attendance")
@permission_required(*STAFF)
def attendance(session_id: int, convocation_id: int):
    session = get_session_or_404(session_id)
    convocation = _convocation_of(session, convocation_id)
    prefix = f"att{convocation.id}"
    form = AttendanceForm(prefix=prefix)
    if form.validate_on_submit():
        try:
            sessions.record_attendance(convocation, current_user, form.attendance.data)
        except SessionError as error:
            _attach(form, error)
        else:
            flash(_("Attendance recorded for %(name)s.", name=_her_name(convocation)), "success")
            return _back(session, convocation)
    return _render_show(session, 422, {prefix: form}, form)


@bp.post("/<int:session_id>/convocations/<int:convocation_id>/notes")
@permission_required(*STAFF)
def notes(session_id: int, convocation_id: int):
    session = get_session_or_404(session_id)
    convocation = _convocation_of(session, convocation_id)
    prefix = f"notes{convocation.id}"
    form = NotesForm(prefix=prefix)
    if form.validate_on_submit():
        try:
            sessions.save_notes(convocation, current_user, form.duration_minutes.data, form.topics.data,
                                form.notes.data, form.next_steps.data)
        except SessionError as error:
            _attach(form, error)
        else:
            flash(_("The notes on the file of %(name)s have been saved.", name=_her_name(convocation)), "success")
            return _back(session, convocation)
    return _render_show(session, 422, {prefix: form}, form)


@bp.post("/<int:session_id>/cancel")
@permission_required(*STAFF)
def cancel(session_id: int):
    session = get_session_or_404(session_id)
    form = CancelForm(prefix="cancel")
    if form.validate_on_submit():
        try:
            sessions.cancel(session, current_user, form.message.data)
        except SessionError as error:
            _attach(form, error)
        else:
            flash(_("The session is cancelled; the applicants convened have been told."), "success")
            return _back(session)
    return _render_show(session, 422, {"cancel": form}, form)


# -- her convocation ------------------------------------------------------------------------------------

def _convocation_context(application_id: int, convocation_id: int) -> dict:
    """Her file, then the convocation, each through its scope; a convocation of another file is a 404."""
    application = get_application_or_404(application_id)
    convocation = get_convocation_or_404(convocation_id)
    if convocation.application_id != application.id:
        abort(404)
    return sessions.convocation_context(application, convocation)


VIEWERS = (Permission.APPLY, Permission.ASSIST, *STAFF)


@convocations.get("/<int:application_id>/convocations/<int:convocation_id>", endpoint="show")
@permission_required(*VIEWERS)
def convocation(application_id: int, convocation_id: int):
    return render_template("sessions/convocation.html", **_convocation_context(application_id, convocation_id))


@convocations.get("/<int:application_id>/convocations/<int:convocation_id>.pdf")
@permission_required(*VIEWERS)
def pdf(application_id: int, convocation_id: int):
    context = _convocation_context(application_id, convocation_id)
    day = aware(context["session"].starts_at).astimezone(context["application"].programme.zone)
    return pdf_response(render_pdf("sessions/convocation.html", **context),
                        f"jisr-convocation-{context['application'].reference}-{day:%Y-%m-%d}.pdf")
