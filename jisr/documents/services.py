"""Documents of a file: add, delete, list, and the audit of views. Functions flush, never commit:
the request commits in one place, and storage follows that commit or rollback."""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from jisr.applications.models import Application, Status
from jisr.audit.services import record
from jisr.auth.models import User
from jisr.documents import storage
from jisr.documents.models import Document
from jisr.documents.validation import ACCEPTED, DocumentError, check_upload, download_extension_ok
from jisr.extensions import db
from jisr.labels import LABELS

FALLBACK_NAME = "document"
MAX_NAME_LENGTH = 255  # Document.original_name
_RESERVED = re.compile(r'[<>:"/\\|?*]')

NOT_DRAFT = _l("This file has been sent and can no longer be changed.")


def documents_for(application: Application) -> list[Document]:
    return list(db.session.scalars(
        sa.select(Document).where(Document.application_id == application.id).order_by(Document.id)
    ))


def add_document(application: Application, kind: str, file_storage, by_user: User) -> Document:
    """Check the upload by its content, store it, add its row; refused uploads leave no trace. Allowed on a
    draft, and while the incubator is waiting for the information it asked for."""
    if not (application.is_draft or application.status == Status.INFO_REQUESTED):
        raise DocumentError(NOT_DRAFT)
    if kind not in LABELS["document_kind"]:
        raise DocumentError(_l("Choose the type of document."))
    checked = check_upload(file_storage.stream)
    stored = storage.save(checked.data, db.session())
    document = Document(
        application_id=application.id,
        kind=kind,
        original_name=display_name(file_storage.filename, checked.content_type),
        stored_name=stored.name,
        content_type=checked.content_type,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by_id=by_user.id,
    )
    try:
        db.session.add(document)
        db.session.flush()
    except Exception:
        storage.remove(stored.name)  # nothing half-saved: no row, so no file
        raise
    record("document.added", document, actor=by_user, application_id=application.id, kind=kind,
           size=stored.size, sha256=stored.sha256)
    return document


def delete_document(document: Document, by_user: User) -> None:
    """Delete the row now and the file once that is committed, so a rollback loses nothing."""
    application = db.session.get(Application, document.application_id)
    if application is None or not application.is_draft:
        raise DocumentError(NOT_DRAFT)
    record("document.deleted", document, actor=by_user, application_id=document.application_id,
           kind=document.kind, sha256=document.sha256)
    db.session.delete(document)
    db.session.flush()
    storage.remove_after_commit(document.stored_name, db.session())


def record_view(document: Document, viewer: User) -> None:
    """Staff opening an applicant's document is a view of personal data: it goes into the audit log."""
    record("document.viewed", document, actor=viewer, application_id=document.application_id)


def display_name(filename: str | None, content_type: str) -> str:
    """The name shown and offered on download, safe to display and to send in a header.

    Not werkzeug's secure_filename: it keeps ASCII only, so "بطاقة.jpg" would become "jpg".
    Here letters of any script stay; paths, control and bidi-override characters (which can
    disguise "gpj.exe" as "exe.jpg") and reserved characters go; the extension matches the content.
    """
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = " ".join(_RESERVED.sub("_", name).split()).strip(" .")
    extension = ACCEPTED[content_type][0]
    if not name or set(name) <= {"_"}:
        name = FALLBACK_NAME
    if not download_extension_ok(name, content_type):
        name = f"{name}.{extension}"
    stem, dot, suffix = name.rpartition(".")
    room = MAX_NAME_LENGTH - len(suffix) - 1
    return f"{stem[:room].rstrip(' .') or FALLBACK_NAME}{dot}{suffix}"
