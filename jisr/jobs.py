"""Background work in a real queue: RQ on Redis, when JISR_REDIS_URL is set (and JISR_JOBS is not 0).

Why RQ rather than Dramatiq or Celery: it needs nothing but Redis, which a multi-server Jisr already runs for
its rate limits; it is small and maintained, so a reader can follow a job from `enqueue` to the worker in an
afternoon; retries with back-off are built in (`rq.Retry`); its FailedJobRegistry is the dead letter the admins
see at /admin/jobs/ (retry or delete one); and a worker is one command, `flask --app jisr worker`. Celery brings
a broker abstraction, a result backend and a scheduler we do not need for four kinds of jobs; Dramatiq would
want RabbitMQ or its own Redis conventions and middleware for what RQ does out of the box.

The jobs:
- `deliver(ids)`: the outbox messages a request (command, job) wrote, enqueued after its commit; the request
  never talks to an SMTP server or an SMS gateway. Retried with back-off (JISR_JOBS_RETRY_INTERVALS); at the
  last attempt what still fails is `failed` in the outbox and the job lands in the failed registry.
- `send_reminders()`, `apply_retention()`: what `flask send-reminders` and `flask apply-retention` enqueue
  when there is a queue (`--now` runs them in place). Both are idempotent, so a retry does no harm. Retention
  also removes the expired exports.
- `export_files(id)`: the files export someone asked for at /statistics/exports/, written to the document store
  for her alone (jisr/stats/export_jobs.py). A retry starts it again; at the last attempt it is `failed`.

Without Redis nothing here runs: e-mails are delivered after the commit of the request that wrote them, and
cron runs the commands in place, as on one machine; exports are streamed in the request (in constant memory,
jisr/stats/exports.py). Jobs reference messages, files and exports by id only: no personal data in Redis.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import redis
from flask import Flask, current_app
from rq import Queue, Retry, SimpleWorker, Worker, get_current_job
from rq.job import Job

from jisr.extensions import db

log = logging.getLogger("jisr.jobs")

DELIVERY_BATCH = 100
JOB_TIMEOUT = 15 * 60  # seconds: reminders and retention of a national programme take a while
FAILURE_TTL = int(timedelta(days=90).total_seconds())  # failed jobs stay that long in the dead letter
RESULT_TTL = 24 * 3600


class DeliveryFailed(Exception):
    """Some messages of a delivery job were not delivered; RQ retries the job (ids only in the message)."""


def enabled(app: Flask | None = None) -> bool:
    config = (app or current_app).config
    return bool(config.get("JOBS") and config.get("REDIS_URL"))


def connection(app: Flask | None = None) -> redis.Redis:
    """One connection pool per app and Redis address, made at first use."""
    app = app or current_app._get_current_object()
    url = app.config["REDIS_URL"]
    pools = app.extensions.setdefault("jisr.jobs", {})
    if url not in pools:
        # Short timeouts: a request enqueues after its commit, and must not hang on an unwell Redis.
        pools[url] = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
    return pools[url]


def queue(app: Flask | None = None) -> Queue:
    app = app or current_app._get_current_object()
    return Queue(app.config.get("JOBS_QUEUE") or "jisr", connection=connection(app))


def retry_cycle(app: Flask | None = None) -> timedelta:
    """How long a job's retries can take: a message still pending after that has lost its job (Redis was down
    when it was written, or the job was deleted), and `flask send-outbox` enqueues it again."""
    return timedelta(seconds=sum((app or current_app).config.get("JOBS_RETRY_INTERVALS") or []) + 600)


def retry_policy(app: Flask | None = None) -> Retry | None:
    intervals = list((app or current_app).config.get("JOBS_RETRY_INTERVALS") or [])
    return Retry(max=len(intervals), interval=intervals) if intervals else None


def submit(func, *args, description: str | None = None) -> Job:
    """Enqueue `func(*args)` with the retry policy; raises redis.RedisError when Redis cannot be reached."""
    return queue().enqueue(func, *args, retry=retry_policy(), job_timeout=JOB_TIMEOUT, failure_ttl=FAILURE_TTL,
                           result_ttl=RESULT_TTL, description=description, meta={"attempts": 0})


def enqueue_delivery(ids: list[int]) -> list[Job]:
    """A delivery job per batch of message ids, after the commit that wrote them. If Redis is down the messages
    stay pending (nothing is lost): `flask send-outbox` from cron enqueues them again."""
    ids = sorted(set(ids))
    batches = [ids[i:i + DELIVERY_BATCH] for i in range(0, len(ids), DELIVERY_BATCH)]
    try:
        return [submit(deliver, batch, description=f"deliver {len(batch)}") for batch in batches]
    except redis.RedisError as error:
        log.error("messages %s left pending, the job queue cannot be reached: %s", ids, error)
        return []


# -- the jobs (run by the worker, in an app context) --------------------------------------------------------

def _count_attempt() -> tuple[Job | None, bool]:
    """The running job (None when called in place) and whether this is its last attempt."""
    job = get_current_job()
    if job is None:
        return None, True
    job.meta["attempts"] = int(job.meta.get("attempts", 0)) + 1
    job.save_meta()
    return job, not job.retries_left


def deliver(message_ids: list[int]) -> int:
    """Deliver the messages still pending among `message_ids`; raise DeliveryFailed (so RQ retries) when some
    were not delivered. Returns how many were attempted and delivered."""
    from jisr.outbox import services as outbox

    job, last = _count_attempt()
    manual = bool(job and job.meta.pop("manual_retry", False))
    if manual:
        job.save_meta()
    left = outbox.deliver_messages(message_ids, last=last, include_failed=manual)
    if left:
        raise DeliveryFailed(f"messages {', '.join(map(str, left))} not delivered"
                             + (" (given up: failed in the outbox)" if last else " (to be retried)"))
    return len(message_ids)


def send_reminders() -> int:
    """Remind tomorrow's convocations (each claimed first, so reminded once whatever the runs), then deliver."""
    from jisr.outbox.services import deliver_queued

    _count_attempt()
    sent = remind_due()
    deliver_queued()
    return sent


def remind_due() -> int:
    """Remind the convocations due now, one transaction per batch (locks held briefly); returns how many."""
    from jisr.timeutil import utcnow
    from jisr.workspace.sessions import due_reminders, remind

    now = utcnow()
    due, sent = due_reminders(now), 0
    for start in range(0, len(due), 200):
        sent += remind(due[start:start + 200], now)
        db.session.commit()
    return sent


def apply_retention() -> int:
    """Anonymise the applicants whose files all closed more than JISR_RETENTION_DAYS ago; remove the expired
    exports (daily is soon enough: a download is refused from the moment an export expires)."""
    from jisr.rights.erasure import apply_retention as run
    from jisr.stats.export_jobs import purge_expired

    _count_attempt()
    count = run()
    db.session.commit()
    purge_expired()
    db.session.commit()
    return count


def export_files(export_id: int) -> int:
    """Write the files export `export_id` to the document store; returns its number of rows."""
    from jisr.stats.export_jobs import run

    job, last = _count_attempt()
    return run(export_id, attempt=int(job.meta["attempts"]) if job else 1, last=last)


# -- the worker ----------------------------------------------------------------------------------------------

class _InAppContext:
    """Each job runs in an app context of its own: a fresh database session and `g`, removed afterwards."""

    app: Flask

    def perform_job(self, job, queue):
        with self.app.app_context():
            return super().perform_job(job, queue)


class AppWorker(_InAppContext, Worker):
    """RQ's forking worker: each job in a child process, which must not reuse the parent's pooled connections."""

    def main_work_horse(self, job, queue):
        with self.app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)
        return super().main_work_horse(job, queue)


class AppSimpleWorker(_InAppContext, SimpleWorker):
    """Jobs in the worker's own process (tests, or where fork() is not wanted)."""


def worker(app: Flask, simple: bool = False) -> Worker:
    cls = AppSimpleWorker if simple else AppWorker
    found = cls([queue(app)], connection=connection(app))
    found.app = app
    return found
