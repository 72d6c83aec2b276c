"""Her data, all of it, as she downloads it: a zip with `data.json` (her account, profile, every file with each
table that hangs off it, and the messages sent to her) and her documents as she uploaded them. The tables are
found from the schema (every table with a foreign key to her files), so a table added later is not forgotten;
staff's internal notes come with the files they are about, as the law gives her access to what is held on her.

Texts come without direction marks (`strip_isolates`): the isolates the SMS and e-mails carry for phones, or an
override once typed into a name, are layout, not data, and would garble what she reads in another program (a
document's name with U+202E shows its extension reversed)."""

from __future__ import annotations

import json
import tempfile
import zipfile
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from jisr.applications.models import Application
from jisr.auth.models import User
from jisr.bidi import strip_isolates
from jisr.documents import storage
from jisr.documents.models import Document
from jisr.extensions import db
from jisr.outbox.models import OutboxMessage

#: Columns never handed out: secrets (hashes), and what only makes sense inside the platform.
SECRET_COLUMNS = {"password_hash", "code_hash", "check_in_code", "stored_name", "sha256"}
#: Tables that hang off files but hold nothing about her (the dashboards' own bookkeeping).
SKIPPED_TABLES = {"application_facts", "duplicate_resolutions"}


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):  # a JSON column (reasons, details): its texts too
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return strip_isolates(value)


def _rows(table: sa.Table, where) -> list[dict]:
    return [{key: _plain(value) for key, value in row._mapping.items() if key not in SECRET_COLUMNS}
            for row in db.session.execute(sa.select(table).where(where))]


def _file_tables() -> list[tuple[sa.Table, sa.Column]]:
    """Every table with a column referring to applications.id (its files' satellites), found from the schema."""
    found = []
    for table in db.metadata.sorted_tables:
        if table.name in SKIPPED_TABLES or table.name == "applications":
            continue
        for column in table.columns:
            if any(fk.target_fullname == "applications.id" for fk in column.foreign_keys):
                found.append((table, column))
                break
    return found


def her_data(user: User) -> dict:
    users, profiles = User.__table__, db.metadata.tables["applicant_profiles"]
    applications = Application.__table__
    ids = list(db.session.scalars(sa.select(Application.id).where(Application.applicant_id == user.id)))
    files = []
    for application in _rows(applications, applications.c.applicant_id == user.id):
        related = {table.name: _rows(table, column == application["id"]) for table, column in _file_tables()}
        files.append({"file": application, **{name: rows for name, rows in related.items() if rows}})
    contacts = [c for c in (user.email, user.phone) if c]
    messages = _rows(OutboxMessage.__table__, sa.or_(
        OutboxMessage.recipient.in_(contacts) if contacts else sa.false(),
        OutboxMessage.application_id.in_(ids) if ids else sa.false()))
    return {"account": _rows(users, users.c.id == user.id)[0],
            "profile": (_rows(profiles, profiles.c.user_id == user.id) or [None])[0],
            "files": files, "messages": messages}


def zip_of(user: User):
    """The zip, in a temporary file rewound for streaming: data.json, then documents/<file>/<name>."""
    target = tempfile.TemporaryFile()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(her_data(user), ensure_ascii=False, indent=2, sort_keys=True))
        documents = db.session.execute(sa.select(Document, Application.reference).join(Application).where(
            Application.applicant_id == user.id).order_by(Document.id)).all()
        for document, reference in documents:
            name = strip_isolates(f"documents/{reference or document.application_id}/{document.id}-"
                                  f"{document.original_name}")
            try:
                with storage.open_stored(document.stored_name) as stored:
                    archive.writestr(name, stored.read())
            except FileNotFoundError:  # a file lost from the disk: say so rather than fail the whole download
                archive.writestr(f"{name}.missing.txt", "This document could not be found in storage.")
    target.seek(0)
    return target
