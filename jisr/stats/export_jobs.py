"""Files exports prepared by a job, when there is a job queue (jisr/jobs.py): a national programme's files make an
export that no request should hold a worker process for, nor that one app server alone could serve again.

The request writes an ExportRequest and, once committed, enqueues `jisr.jobs.export_files(id)`: the job names the
export by its number only, nothing personal goes to Redis. The job loads the user again and writes nothing for
someone deactivated since, or whose role changed: an export is read with the scope she has when it runs, the same
rows `exports.file_rows` gives the streamed download. The CSV or XLSX is written to a temporary file as the rows
come (jisr/stats/exports.py) and copied in chunks to the document store, local directory or S3, so that any app
server serves it. It is served to her alone, until it expires (JISR_EXPORT_HOURS, 24 by default); expired ones
are removed, rows and files, by the daily retention (`flask apply-retention`, or its job) and after each export
job, and are refused at once whatever the cleaning's timing."""

from __future__ import annotations

import tempfile
from datetime import timedelta

import redis
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from jisr import jobs
from jisr.audit.services import record
from jisr.auth.models import User
from jisr.authz import Permission, can
from jisr.documents import storage
from jisr.extensions import db
from jisr.i18n_fields import current_language
from jisr.timeutil import aware, utcnow

from . import exports
from .models import ExportRequest

QUEUED, RUNNING, READY, FAILED = "queued", "running", "ready", "failed"
FORMATS = ("xlsx", "csv")
MIMETYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
#: Waiting or running longer than this, a request lost its job (Redis emptied, the worker killed): cleaned away.
STALE = timedelta(days=7)
SHOWN = 50
#: Running longer than a job may run: its worker was stopped (killed, restarted) in the middle.
STALLED = timedelta(seconds=jobs.JOB_TIMEOUT + 300)


def lifetime() -> timedelta:
    return timedelta(hours=current_app.config.get("EXPORT_HOURS", 24))


def _lost(export: ExportRequest) -> bool:
    """A waiting export whose job the queue no longer has (Redis emptied): it will never run."""
    from rq.job import Job

    if export.state != QUEUED or not export.job_id or not jobs.enabled():
        return False
    try:
        return not Job.exists(export.job_id, connection=jobs.connection())
    except redis.RedisError:
        return False  # said when its successor cannot be enqueued either


def ask(user: User, fmt: str, pseudonymised: bool) -> tuple[ExportRequest, bool]:
    """Her export of the files of her scope, written in her current language; the one of hers still waiting or
    running for the same thing when there is one (a second click, a reloaded form), and False for "not new"."""
    now = utcnow()
    waiting = db.session.scalar(sa.select(ExportRequest).where(
        ExportRequest.user_id == user.id, ExportRequest.kind == "files", ExportRequest.format == fmt,
        ExportRequest.pseudonymised.is_(pseudonymised), ExportRequest.created_at > now - STALE,
        sa.or_(ExportRequest.state == QUEUED,
               sa.and_(ExportRequest.state == RUNNING, ExportRequest.started_at > now - STALLED))).limit(1))
    if waiting is not None and not _lost(waiting):
        return waiting, False
    if waiting is not None:
        waiting.state, waiting.error, waiting.finished_at, waiting.expires_at = FAILED, "error", now, now + lifetime()
    export = ExportRequest(user_id=user.id, role=user.role, kind="files", format=fmt, pseudonymised=pseudonymised,
                           filters={}, language=current_language(), state=QUEUED)
    db.session.add(export)
    db.session.flush()
    record("stats.files_export_requested", export, format=fmt, pseudonymised=pseudonymised)
    return export, True


def enqueue(export: ExportRequest) -> bool:
    """Enqueue its job, once the request is committed (the worker must find it); False, and the export failed,
    when the queue cannot be reached."""
    try:
        job = jobs.submit(jobs.export_files, export.id, description=f"export {export.id}")
    except redis.RedisError as error:
        jobs.log.error("export %s not queued, the job queue cannot be reached: %s", export.id, error)
        export.state, export.error, export.finished_at = FAILED, "error", utcnow()
        export.expires_at = export.finished_at + lifetime()
        return False
    export.job_id = job.id
    return True


def mine(user: User) -> list[ExportRequest]:
    """Her exports not expired yet, newest first."""
    now = utcnow()
    return list(db.session.scalars(sa.select(ExportRequest).where(
        ExportRequest.user_id == user.id, sa.or_(ExportRequest.expires_at.is_(None), ExportRequest.expires_at > now))
        .order_by(ExportRequest.id.desc()).limit(SHOWN)))


def shown_state(export: ExportRequest, now=None) -> str:
    """Its state as she should read it: a job stopped in the middle of its work has failed, whatever it wrote."""
    now = now or utcnow()
    if export.state == RUNNING and export.started_at and aware(export.started_at) < now - STALLED:
        return FAILED
    return export.state


def ready_or_404(export_id: int, user: User) -> ExportRequest:
    """Her own ready export, not expired, while she has the role she asked it with; 404 for anyone else, admins
    included: an export is the scope of the one who asked, not a document of the site."""
    from flask import abort

    export = db.session.scalar(sa.select(ExportRequest).where(
        ExportRequest.id == export_id, ExportRequest.user_id == user.id, ExportRequest.role == user.role,
        ExportRequest.state == READY, ExportRequest.stored_name.is_not(None), ExportRequest.expires_at > utcnow()))
    if export is None:
        abort(404)
    return export


def download_name(export: ExportRequest) -> str:
    return f"jisr-files-{aware(export.created_at):%Y%m%d-%H%M}.{export.format}"


# -- in the job ---------------------------------------------------------------------------------------------------

class _Counted:
    """The rows of an export, counted as they pass (the header is not a row). An error while reading them ends the
    rows early instead, so that the writer closes its temporary file, and is raised again after (`error`)."""

    def __init__(self, rows) -> None:
        self.rows, self.count, self.error = rows, -1, None

    def __iter__(self):
        try:
            for row in self.rows:
                self.count += 1
                yield row
        except Exception as error:  # noqa: BLE001 (raised again by _write)
            self.error = error


def _may_still(user: User | None, export: ExportRequest) -> bool:
    return user is not None and user.active and user.role == export.role and can(user, Permission.COORDINATE)


def _write(export: ExportRequest, user: User) -> tuple[storage.StoredFile, int]:
    rows = _Counted(exports.file_rows(user, export.pseudonymised))
    if export.format == "xlsx":
        source = exports.xlsx_file(rows, _("Files"))
    else:
        source = tempfile.TemporaryFile()
        for chunk in exports.csv_stream(rows):
            source.write(chunk.encode())
        source.seek(0)
    with source:
        if rows.error is not None:
            raise rows.error
        return storage.save_file(source, db.session()), max(rows.count, 0)


def run(export_id: int, attempt: int = 1, last: bool = True) -> int:
    """Prepare export `export_id`; returns its number of rows. An error is raised again for RQ to retry: the
    export waits again, or at the last attempt is failed (she can ask again)."""
    export = db.session.get(ExportRequest, export_id)
    if export is None or export.state == READY:  # expired and removed, or done by an earlier attempt
        return 0
    user = db.session.get(User, export.user_id)
    now = utcnow()
    if not _may_still(user, export):
        export.state, export.error, export.finished_at, export.expires_at = FAILED, "refused", now, now + lifetime()
        db.session.commit()
        return 0
    export.state, export.started_at, export.attempts, export.error = RUNNING, now, attempt, None
    db.session.commit()
    try:
        with force_locale(f"{export.language}_{current_app.config['COUNTRY']}"):
            stored, count = _write(export, user)
        export.stored_name, export.size, export.row_count = stored.name, stored.size, count
        export.state, export.finished_at = READY, utcnow()
        export.expires_at = export.finished_at + lifetime()
        db.session.commit()
    except Exception:
        db.session.rollback()  # the stored file, if any, goes with it (jisr/documents/storage.py)
        export = db.session.get(ExportRequest, export_id)
        if export is not None:
            export.state, export.error = (FAILED, "error") if last else (QUEUED, None)
            if last:
                export.finished_at = utcnow()
                export.expires_at = export.finished_at + lifetime()
            db.session.commit()
        raise
    purge_expired()
    db.session.commit()
    return count


def purge_expired(now=None) -> int:
    """Remove the expired exports, and the requests that lost their job long ago: rows now, files after the
    commit (jisr/documents/storage.py). Returns how many."""
    now = now or utcnow()
    found = list(db.session.scalars(sa.select(ExportRequest).where(sa.or_(
        ExportRequest.expires_at <= now,
        sa.and_(ExportRequest.expires_at.is_(None), ExportRequest.created_at < now - STALE)))))
    for export in found:
        if export.stored_name:
            storage.remove_after_commit(export.stored_name, db.session())
        db.session.delete(export)
    return len(found)
