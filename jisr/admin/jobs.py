"""The dead letter of the job queue for admins: the jobs that failed at their last attempt (RQ's
FailedJobRegistry), what they were about (message ids and their state, never a recipient; an export's number,
format and state, never who asked), their error, their attempts and when they failed; retry one (a delivery job
then attempts its failed messages again) or delete it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.worker import Worker

from jisr import jobs
from jisr.audit.services import record
from jisr.extensions import db
from jisr.outbox.models import OutboxMessage

SHOWN = 50
KINDS = {"jisr.jobs.deliver": "deliver", "jisr.jobs.send_reminders": "send_reminders",
         "jisr.jobs.apply_retention": "apply_retention", "jisr.jobs.export_files": "export_files"}


@dataclass
class FailedJob:
    id: str
    function: str
    kind: str  # a key of KINDS' values, or "other"
    error: str
    attempts: int
    failed_at: datetime | None
    messages: list[tuple[int, str, str]] = field(default_factory=list)  # (id, channel, state)
    missing: list[int] = field(default_factory=list)  # message ids no longer in the outbox (erased)
    export: tuple[int, str, bool, str | None] | None = None  # (id, format, pseudonymised, state; None: expired)


@dataclass
class Overview:
    failed: list[FailedJob]
    failed_total: int
    queued: int
    scheduled: int
    running: int
    workers: int


#: The line of a traceback that names the exception: `package.module.Class: message` or a built-in `ValueError: …`.
_EXCEPTION_LINE = re.compile(r"^(?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*(?::|$)"
                             r"|^[A-Z]\w*(?:Error|Exception|Exit|Interrupt)(?::|$)")


def _error(job: Job) -> str:
    """The last exception's own line, without what follows it (a database error's DETAIL or parameters could
    quote personal data; our delivery errors carry message ids only)."""
    result = job.latest_result()
    text = (result.exc_string if result is not None else "") or ""
    lines = [line.rstrip() for line in text.splitlines() if _EXCEPTION_LINE.match(line)]
    return (lines[-1] if lines else text.strip().splitlines()[-1] if text.strip() else "")[:300]


def _message_ids(job: Job) -> list[int]:
    if KINDS.get(job.func_name or "") != "deliver" or not job.args:
        return []
    return [int(i) for i in job.args[0]]


def _export(job: Job) -> tuple[int, str, bool, str | None] | None:
    from jisr.stats.models import ExportRequest

    if KINDS.get(job.func_name or "") != "export_files" or not job.args:
        return None
    found = db.session.get(ExportRequest, int(job.args[0]))
    return (int(job.args[0]), found.format, found.pseudonymised, found.state) if found else (
        int(job.args[0]), "", False, None)


def overview() -> Overview:
    """Raises redis.RedisError when the queue cannot be reached."""
    queue = jobs.queue()
    registry = queue.failed_job_registry
    ids = registry.get_job_ids(0, SHOWN - 1, desc=True)
    found = [j for j in Job.fetch_many(ids, connection=queue.connection) if j is not None]
    all_ids = {i for job in found for i in _message_ids(job)}
    states = {row.id: (row.channel, row.state) for row in db.session.execute(
        sa.select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.state)
        .where(OutboxMessage.id.in_(all_ids)))} if all_ids else {}
    failed = []
    for job in found:
        ids_of_job = _message_ids(job)
        failed.append(FailedJob(
            id=job.id, function=job.func_name or "?", kind=KINDS.get(job.func_name or "", "other"),
            error=_error(job), attempts=int(job.meta.get("attempts", 0)), failed_at=job.ended_at,
            messages=[(i, *states[i]) for i in ids_of_job if i in states],
            missing=[i for i in ids_of_job if i not in states], export=_export(job)))
    return Overview(failed=failed, failed_total=registry.count, queued=queue.count,
                    scheduled=queue.scheduled_job_registry.count, running=queue.started_job_registry.count,
                    workers=Worker.count(queue=queue))


def _failed_job(job_id: str) -> Job | None:
    queue = jobs.queue()
    if job_id not in queue.failed_job_registry:
        return None
    try:
        return Job.fetch(job_id, connection=queue.connection)
    except NoSuchJobError:
        return None


def retry(job_id: str) -> Job | None:
    """Put a failed job back in the queue for one more attempt; None when it is not in the dead letter."""
    job = _failed_job(job_id)
    if job is None:
        return None
    if KINDS.get(job.func_name or "") == "deliver":
        job.meta["manual_retry"] = True  # its failed messages are attempted again
        job.save_meta()
    try:
        jobs.queue().failed_job_registry.requeue(job)
    except InvalidJobOperation:  # retried by someone else meanwhile
        return None
    record("job.retried", job=job.id, function=job.func_name, messages=_message_ids(job))
    return job


def delete(job_id: str) -> Job | None:
    """Forget a failed job (its messages stay `failed` in the outbox); None when it is not in the dead letter."""
    job = _failed_job(job_id)
    if job is None:
        return None
    jobs.queue().failed_job_registry.remove(job, delete_job=True)
    record("job.deleted", job=job.id, function=job.func_name, messages=_message_ids(job))
    return job
