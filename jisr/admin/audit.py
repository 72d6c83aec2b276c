"""The audit log as admins read it: entries filtered by who acted, the kind of action, the file and the period,
newest first, one page at a time or streamed whole to a CSV file. Every filter is a column of an index of
`audit_log` (actor, action, time, object), so a page reads only what it shows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from jisr.applications.models import Application
from jisr.audit.models import AuditEntry
from jisr.auth.models import User
from jisr.extensions import db
from jisr.stats.exports import csv_cell
from jisr.timeutil import aware

PAGE_SIZE = 50
#: The families of actions (the part before the dot), in the order the filter lists them.
FAMILIES = ("admin", "agent", "application", "association", "auth", "call", "convocation", "document",
            "duplicate", "eligibility", "incubator", "job", "outcome", "programme", "routing", "session", "user",
            "workspace", "audit")


@dataclass
class AuditFilters:
    user: str | None = None  # part of a name, a phone or an e-mail of who acted
    family: str | None = None
    action: str | None = None  # an exact action, e.g. workspace.file_viewed
    reference: str | None = None  # a file's reference: entries about that file
    since: date | None = None  # civil dates, in the programme's time zone, both included
    until: date | None = None


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC"))


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), _zone())


def _where(f: AuditFilters) -> list | None:
    """The conditions, or None when a filter names something that does not exist (no entry can match)."""
    where = []
    if f.user:
        text = f.user.replace("%", "").replace("_", "").strip()
        actors = sa.select(User.id).where(sa.or_(User.full_name.ilike(f"%{text}%"), User.email.ilike(f"%{text}%"),
                                                 User.phone.like(f"%{text.lstrip('0')}%")))
        where.append(AuditEntry.actor_id.in_(actors))
    if f.action:
        where.append(AuditEntry.action == f.action)
    elif f.family:
        where.append(AuditEntry.action.like(f"{f.family}.%"))
    if f.reference:
        application_id = db.session.scalar(sa.select(Application.id).where(
            Application.reference == f.reference.strip().upper()))
        if application_id is None:
            return None
        where.append(sa.and_(AuditEntry.object_type == Application.__tablename__,
                             AuditEntry.object_id == application_id))
    if f.since:
        where.append(AuditEntry.at >= _start_of(f.since))
    if f.until:
        where.append(AuditEntry.at < _start_of(f.until + timedelta(days=1)))
    return where


def _query(where):
    return (sa.select(AuditEntry, User.full_name).outerjoin(User, User.id == AuditEntry.actor_id)
            .where(*where).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))


def entries(f: AuditFilters, page: int) -> tuple[list, int]:
    """One page of (entry, actor's name) and the number of entries matching: two queries."""
    where = _where(f)
    if where is None:
        return [], 0
    total = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(*where))
    rows = db.session.execute(_query(where).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return rows, total


def details_text(details: dict | None) -> str:
    return json.dumps(details, ensure_ascii=False, sort_keys=True, default=str) if details else ""


def csv_rows(f: AuditFilters, batch: int = 1000) -> Iterator[str]:
    """The matching entries as CSV text, a batch of rows at a time: the memory used does not grow with the log.
    Headers in the reader's language; values as stored (UTC times in ISO 8601), each made a clean cell (no
    direction marks, no formula: `jisr.stats.exports.csv_cell`)."""
    where = _where(f)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Date and time (UTC)"), _("Done by"), _("Action"), _("Object"), _("Object number"),
                     _("Details"), _("IP address")])
    yield out.getvalue()
    if where is None:
        return
    columns = (AuditEntry.at, AuditEntry.id, User.full_name, AuditEntry.action, AuditEntry.object_type,
               AuditEntry.object_id, AuditEntry.details, AuditEntry.ip)  # plain rows: nothing kept in the session
    last = None  # keyset pagination: each batch starts after the last row of the one before
    while True:
        query = (sa.select(*columns).outerjoin(User, User.id == AuditEntry.actor_id).where(*where)
                 .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))
        if last is not None:
            query = query.where(sa.or_(AuditEntry.at < last[0], sa.and_(AuditEntry.at == last[0],
                                                                        AuditEntry.id < last[1])))
        rows = db.session.execute(query.limit(batch)).all()
        if not rows:
            return
        out.seek(0)
        out.truncate()
        for at, _id, name, action, object_type, object_id, details, ip in rows:
            writer.writerow([csv_cell(value) for value in (
                aware(at).isoformat(), name or "", action, object_type or "",
                object_id if object_id is not None else "", details_text(details), ip or "")])
        yield out.getvalue()
        last = (rows[-1].at, rows[-1].id)
