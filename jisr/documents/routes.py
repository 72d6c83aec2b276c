"""The documents step of the application, deleting a document, and downloading one.

Every route reaches the file through `get_application_or_404`, so who may see what is decided in
jisr/authz.py only; a document of a file outside the caller's scope is a 404, like the file.
"""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from jisr.applications.routes import draft_or_redirect
from jisr.applications.services import profile_for
from jisr.applications.steps import next_step, step_states
from jisr.authz import Permission, get_application_or_404, permission_required
from jisr.bidi import isolate
from jisr.documents import services, storage
from jisr.documents.forms import ACCEPT_ATTRIBUTE, UploadForm
from jisr.documents.models import Document
from jisr.documents.validation import DocumentError, human_size, max_upload_bytes
from jisr.extensions import db, limiter
from jisr.ratelimits import UPLOAD_LIMIT, per_account

bp = Blueprint("documents", __name__)


@bp.route("/applications/<int:application_id>/documents", methods=["GET", "POST"])
@limiter.limit(UPLOAD_LIMIT, methods=["POST"], key_func=per_account)
@permission_required(Permission.APPLY, Permission.ASSIST)
def step(application_id: int):
    application, leave = draft_or_redirect(application_id)
    if leave:
        return leave
    form = UploadForm()
    if form.validate_on_submit():
        try:
            document = services.add_document(application, form.kind.data, form.file.data, current_user)
        except DocumentError as error:
            form.file.errors = [*form.file.errors, str(error)]
        else:
            flash(_("The document “%(name)s” has been added.", name=isolate(document.original_name)), "success")
            return redirect(url_for(".step", application_id=application.id), 303)
    status = 422 if request.method == "POST" else 200
    return _render_step(application, form), status


def _render_step(application, form):
    documents = services.documents_for(application)
    return render_template(
        "documents/step.html",
        application=application,
        form=form,
        steps=step_states(application),
        current="documents",
        documents=documents,
        received={document.kind for document in documents},
        needs_disability_card=profile_for(application.applicant).has_disability,
        max_size=human_size(max_upload_bytes()),
        human_size=human_size,
        accept=ACCEPT_ATTRIBUTE,
        next_step=next_step,
    )


@bp.post("/applications/<int:application_id>/documents/<int:document_id>/delete")
@permission_required(Permission.APPLY, Permission.ASSIST)
def delete(application_id: int, document_id: int):
    application, _leave = draft_or_redirect(application_id)  # POST: never a redirect, 409 if sent
    document = db.session.scalar(
        sa.select(Document).where(Document.id == document_id, Document.application_id == application.id)
    )
    if document is None:
        abort(404)
    services.delete_document(document, current_user)
    flash(_("The document “%(name)s” has been deleted.", name=isolate(document.original_name)), "success")
    return redirect(url_for(".step", application_id=application.id), 303)


@bp.get("/documents/<int:document_id>")
@login_required
def download(document_id: int):
    document = db.session.get(Document, document_id)
    if document is None:
        abort(404)
    application = get_application_or_404(document.application_id)
    if current_user.id != application.applicant_id:
        services.record_view(document, current_user)
    return storage.send_stored(document.stored_name, document.content_type, document.original_name)
