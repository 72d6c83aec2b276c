"""The background jobs page for the audits of pages.py (see its docstring), seen by its admin: without a job queue
(the live app as it is), with failed jobs in the dead letter (the live app given a Redis queue for the test: db 13
of 127.0.0.1 unless JISR_TEST_REDIS_URL says otherwise; skipped where Redis does not answer, failed under
CI=true), and after retrying one. The settings are put back after each test (conftest.py's live_settings)."""

from __future__ import annotations

import os
import socket

import pytest
import redis

from jisr import jobs
from jisr.extensions import db
from jisr.outbox.models import Channel
from jisr.outbox.services import enqueue

from .pages import Page, World

ROLES: dict = {}
REDIS_URL = os.environ.get("JISR_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _failed_jobs(world: World) -> str:
    """Two delivery jobs that failed at their only attempt: nothing listens where the mail server and the SMS
    gateway should be."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        message = f"Redis does not answer at {REDIS_URL} ({error}): the jobs page with a queue needs it."
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true: " + message, pytrace=False)
        pytest.skip(message)
    app = world.live_app
    port = _closed_port()
    app.config.update(REDIS_URL=REDIS_URL, JOBS=True, JOBS_RETRY_INTERVALS=[], MAIL_SERVER="127.0.0.1",
                      MAIL_PORT=port, SMS_GATEWAY="http", SMS_URL=f"http://127.0.0.1:{port}/sms")
    jobs.connection(app).flushdb()
    with app.app_context():
        first = enqueue(Channel.EMAIL, "fatima@example.org", "Jisr", "Bonjour", "fr").id
        second = [enqueue(Channel.EMAIL, "salma@example.org", "Jisr", "Bonjour", "fr").id,
                  enqueue(Channel.SMS, "+212612345678", "", "Jisr: bonjour", "ar").id]
        db.session.commit()
        jobs.submit(jobs.deliver, [first])
        jobs.submit(jobs.deliver, second)
    jobs.worker(app, simple=True).work(burst=True)
    assert jobs.queue(app).failed_job_registry.count == 2
    return "/admin/jobs/"


def _retry_first(page, world) -> None:
    with page.expect_navigation():
        page.locator("main form[action$='/retry'] button").first.click()


PAGES: list[Page] = [
    Page("jobs", "admin", "/admin/jobs/", "no-queue"),
    Page("jobs", "admin", _failed_jobs, "failed"),
    Page("jobs", "admin", _failed_jobs, "retried", act=_retry_first),
]
