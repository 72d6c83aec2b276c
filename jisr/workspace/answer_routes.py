"""The applicant's side of the workspace: answering the incubator's question (with documents), and what her
status page shows of her accompaniment. Reached through jisr/authz.py like every file."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from jisr.applications.models import Status
from jisr.authz import Permission, get_application_or_404, permission_required
from jisr.bidi import isolate
from jisr.documents import services as documents
from jisr.documents.forms import ACCEPT_ATTRIBUTE, UploadForm
from jisr.documents.validation import DocumentError, human_size, max_upload_bytes
from jisr.workspace import services
from jisr.workspace.forms import InfoAnswerForm

bp = Blueprint("answers", __name__, url_prefix="/applications")


@bp.route("/<int:application_id>/information", methods=["GET", "POST"])
@permission_required(Permission.APPLY, Permission.ASSIST)
def information(application_id: int):
    application = get_application_or_404(application_id)
    request_ = services.open_info_request(application)
    if application.status != Status.INFO_REQUESTED or request_ is None:
        flash(_("No question is waiting for your answer on this file."), "info")
        return redirect(url_for("applications.status", application_id=application.id), 303)
    form = InfoAnswerForm(prefix="answer")
    upload = UploadForm(prefix="upload")
    if request.method == "POST" and "answer-answer" in request.form:
        if form.validate_on_submit():
            services.answer_info(application, current_user, form.answer.data)
            flash(_("Your answer has been sent to the association."), "success")
            return redirect(url_for("applications.status", application_id=application.id), 303)
    elif request.method == "POST":
        if upload.validate_on_submit():
            try:
                document = documents.add_document(application, upload.kind.data, upload.file.data, current_user)
            except DocumentError as error:
                upload.file.errors = [*upload.file.errors, str(error)]
            else:
                flash(_("The document “%(name)s” has been added.", name=isolate(document.original_name)), "success")
                return redirect(url_for(".information", application_id=application.id), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("workspace/information.html", application=application, info_request=request_,
                           form=form, upload=upload, documents=documents.documents_for(application),
                           max_size=human_size(max_upload_bytes()), accept=ACCEPT_ATTRIBUTE,
                           human_size=human_size), status
