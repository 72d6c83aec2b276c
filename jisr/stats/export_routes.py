"""/statistics/exports/: her own files exports, prepared by a job when there is a job queue (export_jobs.py): ask
for one, read where each stands (the page says so in words and is reloaded by hand: no script, nothing refreshes by
itself), download it when it is ready. Without a queue, asking sends her to the download streamed in the request,
as the dashboard's links do."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, RadioField, SelectChoice
from wtforms.validators import InputRequired

from jisr import jobs
from jisr.audit.services import record
from jisr.authz import Permission, permission_required
from jisr.documents import storage
from jisr.documents.validation import human_size
from jisr.extensions import db
from jisr.forms import FlaskForm
from jisr.timeutil import utcnow

from . import export_jobs

bp = Blueprint("exports", __name__, url_prefix="/statistics/exports")


class ExportForm(FlaskForm):
    format = RadioField(_l("Format"), default="xlsx", validators=[InputRequired()],
                        choices=[SelectChoice("xlsx", _l("Spreadsheet (XLSX)")), SelectChoice("csv", "CSV")])
    pseudonymised = BooleanField(_l("Without names, ID numbers, phones, e-mail addresses or birth dates"))


def _render(form: ExportForm | None = None, status: int = 200):
    user = current_user._get_current_object()
    now = utcnow()
    found = [(export, export_jobs.shown_state(export, now)) for export in export_jobs.mine(user)]
    return render_template("stats/exports.html", form=form or ExportForm(formdata=None), exports=found,
                           queued=jobs.enabled(), hours=int(export_jobs.lifetime().total_seconds() // 3600),
                           name=export_jobs.download_name, human_size=human_size), status


@bp.get("/")
@permission_required(Permission.COORDINATE)
def index():
    return _render()


@bp.post("/")
@permission_required(Permission.COORDINATE)
def ask():
    form = ExportForm()
    if not form.validate_on_submit():
        return _render(form, 422)
    fmt, pseudonymised = form.format.data, bool(form.pseudonymised.data)
    if not jobs.enabled():
        return redirect(url_for("stats.export_files", fmt=fmt, **({"pseudonymised": 1} if pseudonymised else {})),
                        303)
    export, new = export_jobs.ask(current_user._get_current_object(), fmt, pseudonymised)
    if not new:
        flash(_("This export is already being prepared: it appears below when it is ready."), "info")
    else:
        db.session.commit()  # before the job is enqueued: the worker must find the request
        if export_jobs.enqueue(export):
            flash(_("Your export is being prepared. Reload this page in a moment to download it."), "success")
        else:
            flash(_("The job queue cannot be reached: the export could not be prepared. Try again in a moment."),
                  "error")
    return redirect(url_for(".index"), 303)


@bp.get("/<int:export_id>/download")
@permission_required(Permission.COORDINATE)
def download(export_id: int):
    """Hers alone; audited as the streamed export is, when the file leaves the server."""
    export = export_jobs.ready_or_404(export_id, current_user._get_current_object())
    record("stats.files_exported", export, format=export.format, pseudonymised=export.pseudonymised)
    return storage.send_stored(export.stored_name, export_jobs.MIMETYPES[export.format],
                               export_jobs.download_name(export))
