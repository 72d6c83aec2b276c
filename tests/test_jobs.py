"""Background jobs in RQ on a real Redis (db 13 of 127.0.0.1 unless JISR_TEST_REDIS_URL says otherwise; flushed
by each test): a request that writes an e-mail never talks to the SMTP server, the worker does; a failing server
makes the job retry with back-off, then land in the dead letter, which admins see at /admin/jobs/ and retry from
once the server works; the HTTP SMS gateway against a stand-in server (accepted, 500, too slow); reminders and
retention enqueued by their commands and done by the worker; who reaches /admin/jobs/. Without Redis: as
before, e-mails go after the request's commit.

The worker runs in the test's process (rq's SimpleWorker in burst mode); a retry's delay is skipped by moving
the scheduled job to the queue (after checking when it was due). Tests that need Redis skip where it does not
answer (a laptop), and fail under CI=true."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from rq.job import Job
from test_outbox import Collector, code_in, free_port

from jisr import jobs
from jisr.audit.models import AuditEntry
from jisr.extensions import db as _db
from jisr.outbox.models import Channel, OutboxMessage, OutboxState

REDIS_URL = os.environ.get("JISR_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
IN_CI = os.environ.get("CI", "").lower() == "true"
PHONE = "+212612345678"


# -- Redis, the app with a queue, the worker -----------------------------------------------------------------

@pytest.fixture(scope="session")
def redis_available():
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.RedisError as error:
        message = f"Redis does not answer at {REDIS_URL} ({error}): the job queue tests need it."
        if IN_CI:
            pytest.fail("CI=true: " + message, pytrace=False)
        pytest.skip(message)
    finally:
        connection.close()


@pytest.fixture
def redis_db(redis_available):
    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture
def jobs_app(make_app, redis_db):
    """An app whose requests and commands enqueue jobs; retries after 60 s, then 600 s (three attempts)."""
    made = []

    def factory(**overrides):
        settings = dict(REDIS_URL=REDIS_URL, JOBS=True, JOBS_RETRY_INTERVALS=[60, 600])
        settings.update(overrides)
        app = make_app(**settings)
        made.append(app)
        return app

    yield factory
    for app in made:
        jobs.connection(app).connection_pool.disconnect()


def run_worker(app) -> None:
    """What `flask --app jisr worker --burst` does, in this process: every job queued now, then stop."""
    jobs.worker(app, simple=True).work(burst=True)


def retry_now(app) -> list[datetime]:
    """Move the jobs waiting for a retry to the queue; returns when each was due."""
    queue = jobs.queue(app)
    registry = queue.scheduled_job_registry
    due = []
    for job_id in registry.get_job_ids():
        due.append(registry.get_scheduled_time(job_id))
        job = Job.fetch(job_id, connection=queue.connection)
        registry.remove(job)
        queue.enqueue_job(job)
    return due


def failed_ids(app) -> list[str]:
    return jobs.queue(app).failed_job_registry.get_job_ids()


def messages() -> list[OutboxMessage]:
    _db.session.expire_all()
    return list(_db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def only_message() -> OutboxMessage:
    found = messages()
    assert len(found) == 1, found
    return found[0]


def sign_in(client, user) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


class Flaky(Collector):
    """An SMTP server that refuses every message (451, try later) until told to work."""

    def __init__(self) -> None:
        super().__init__()
        self.failing = True

    async def handle_DATA(self, server, session, envelope):
        if self.failing:
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp():
    handler = Flaky()
    handler.failing = False
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), server_hostname="localhost")
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


# -- e-mail: never in the request, retried, dead letter, retried by an admin ---------------------------------

def test_a_request_that_writes_an_email_does_not_talk_to_smtp_and_the_worker_delivers_it(jobs_app, smtp, make_user):
    controller, received = smtp
    make_user(email="fatima@example.org", locale="ar")
    app = jobs_app(MAIL_SERVER=controller.hostname, MAIL_PORT=controller.port)

    response = app.test_client().post("/account/reset", data={"identifier": "fatima@example.org"})
    assert response.status_code == 302
    assert received.messages == []  # the request only enqueued a job
    message = only_message()
    assert (message.state, message.attempts) == (OutboxState.PENDING, 0)
    queued = jobs.queue(app).jobs
    assert [(j.func_name, j.args) for j in queued] == [("jisr.jobs.deliver", ([message.id],))]

    run_worker(app)
    assert len(received.messages) == 1 and received.messages[0]["To"] == "fatima@example.org"
    message = only_message()
    assert (message.state, message.attempts) == (OutboxState.SENT, 1)
    assert failed_ids(app) == [] and jobs.queue(app).count == 0


def test_a_failing_smtp_server_makes_the_job_retry_later_then_land_in_the_dead_letter_retried_by_an_admin(
        jobs_app, smtp, make_user, caplog):
    controller, server = smtp
    server.failing = True
    make_user(email="fatima@example.org", locale="fr")
    admin = make_user(role="admin")
    app = jobs_app(MAIL_SERVER=controller.hostname, MAIL_PORT=controller.port)
    client = app.test_client()
    assert client.post("/account/reset", data={"identifier": "fatima@example.org"}).status_code == 302

    started = datetime.now(UTC)
    run_worker(app)  # first attempt
    message = only_message()
    assert (message.state, message.attempts) == (OutboxState.PENDING, 1) and "451" in message.last_error
    [due] = retry_now(app)
    assert started + timedelta(seconds=55) <= due <= datetime.now(UTC) + timedelta(seconds=61)  # back-off: 60 s
    run_worker(app)  # second attempt
    [due] = retry_now(app)
    assert due >= started + timedelta(seconds=590)  # then 600 s
    run_worker(app)  # third and last attempt
    assert retry_now(app) == []
    [job_id] = failed_ids(app)
    message = only_message()
    assert (message.state, message.attempts) == (OutboxState.FAILED, 3)
    assert server.messages == []

    sign_in(client, admin)
    page = client.get("/admin/jobs/?lang=fr")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1 tâche en échec" in text and "jisr.jobs.deliver" in text and job_id in text
    assert f"Message {message.id} : E-mail, Non remis" in text
    assert f"messages {message.id} not delivered (given up: failed in the outbox)" in text
    assert "fatima@example.org" not in text  # ids, not addresses

    server.failing = False
    response = client.post(f"/admin/jobs/{job_id}/retry")
    assert response.status_code == 303
    assert failed_ids(app) == []
    entry = _db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "job.retried"))
    assert entry.actor_id == admin.id and entry.details["job"] == job_id and entry.details["messages"] == [message.id]
    run_worker(app)
    message = only_message()
    assert (message.state, message.attempts) == (OutboxState.SENT, 4)
    assert len(server.messages) == 1 and failed_ids(app) == []
    assert "Aucune tâche n’a échoué." in client.get("/admin/jobs/?lang=fr").get_data(as_text=True)


def test_an_admin_deletes_a_failed_job_and_its_message_stays_not_delivered(jobs_app, make_user):
    make_user(email="fatima@example.org")
    admin = make_user(role="admin")
    app = jobs_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), JOBS_RETRY_INTERVALS=[])  # nothing listens
    client = app.test_client()
    client.post("/account/reset", data={"identifier": "fatima@example.org"})
    run_worker(app)  # no retry configured: the first failure is the last
    [job_id] = failed_ids(app)
    assert only_message().state == OutboxState.FAILED

    sign_in(client, admin)
    assert client.post(f"/admin/jobs/{job_id}/delete").status_code == 303
    assert failed_ids(app) == [] and not Job.exists(job_id, connection=jobs.connection(app))
    assert only_message().state == OutboxState.FAILED
    assert _db.session.scalar(sa.select(AuditEntry.details).where(AuditEntry.action == "job.deleted"))["job"] == job_id
    response = client.post(f"/admin/jobs/{job_id}/retry", follow_redirects=True)  # already gone
    assert response.status_code == 200


def explode():
    """A job failing as a database error does: the message's later lines quote the data."""
    raise RuntimeError('duplicate key value violates unique constraint "uq_users_email"\n'
                       "DETAIL:  Key (email)=(fatima@example.org) already exists.")


def test_the_dead_letter_shows_the_exception_line_not_the_data_quoted_after_it(jobs_app, make_user):
    admin = make_user(role="admin")
    app = jobs_app(JOBS_RETRY_INTERVALS=[])
    with app.app_context():
        job = jobs.submit(explode)
    run_worker(app)
    assert failed_ids(app) == [job.id]
    client = app.test_client()
    sign_in(client, admin)
    text = client.get("/admin/jobs/?lang=fr").get_data(as_text=True)
    assert "Autre tâche" in text and "test_jobs.explode" in text
    assert "RuntimeError: duplicate key value violates unique constraint" in text
    assert "fatima" not in text and "DETAIL" not in text


def test_with_redis_down_the_request_succeeds_and_the_message_waits_in_the_outbox(make_app, make_user, caplog):
    make_user(email="fatima@example.org")
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/13", JOBS=True)  # nothing listens there
    with caplog.at_level(logging.ERROR, logger="jisr.jobs"):
        response = app.test_client().post("/account/reset", data={"identifier": "fatima@example.org"})
    assert response.status_code == 302
    message = only_message()
    assert (message.state, message.attempts) == (OutboxState.PENDING, 0)
    assert "left pending" in caplog.text and "fatima" not in caplog.text


# -- SMS through the HTTP gateway, against a stand-in server ------------------------------------------------

class _Gateway(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.received.append({"path": self.path, "authorization": self.headers.get("Authorization"),
                                     "type": self.headers.get("Content-Type"), "json": json.loads(body)})
        if self.server.mode == "slow":
            time.sleep(1.0)
        status = 500 if self.server.mode == "error" else 202
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"status": "queued"}')

    def log_message(self, *args):
        """Quiet: the tests read what the stand-in received, not its log."""


@pytest.fixture
def sms_gateway():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    server.received, server.mode = [], "ok"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def sms_app(jobs_app, sms_gateway):
    return jobs_app(SMS_GATEWAY="http", SMS_URL=f"http://127.0.0.1:{sms_gateway.server_port}/v1/sms",
                    SMS_TOKEN="token-of-the-gateway", SMS_TIMEOUT=0.3)


def _reset_by_sms(app, make_user) -> OutboxMessage:
    make_user(phone=PHONE, locale="ar")
    assert app.test_client().post("/account/reset", data={"identifier": "0612345678"}).status_code == 302
    message = only_message()
    assert (message.channel, message.state) == (Channel.SMS, OutboxState.PENDING)
    return message


def test_the_http_gateway_receives_the_sms_as_json_with_the_token(sms_app, sms_gateway, make_user):
    message = _reset_by_sms(sms_app, make_user)
    assert sms_gateway.received == []  # not from the request
    run_worker(sms_app)
    [call] = sms_gateway.received
    assert call["path"] == "/v1/sms" and call["authorization"] == "Bearer token-of-the-gateway"
    assert call["type"].startswith("application/json")
    assert call["json"]["to"] == PHONE and call["json"]["language"] == "ar"
    assert call["json"]["reference"] == f"jisr-{message.id}" and code_in(call["json"]["text"]) == code_in(message.body)
    message = only_message()
    assert (message.state, message.attempts) == (OutboxState.SENT, 1) and message.sent_at is not None


@pytest.mark.parametrize(("mode", "error"), [("error", "answered HTTP 500"), ("slow", "did not answer within 0.3 s")])
def test_a_gateway_that_fails_or_is_too_slow_leaves_the_sms_to_a_retry(sms_app, sms_gateway, make_user, mode, error):
    message = _reset_by_sms(sms_app, make_user)
    sms_gateway.mode = mode
    run_worker(sms_app)
    message = only_message()
    assert (message.state, message.attempts) == (OutboxState.PENDING, 1)
    assert error in message.last_error and PHONE not in message.last_error
    assert failed_ids(sms_app) == [] and len(retry_now(sms_app)) == 1  # waiting for its retry
    sms_gateway.mode = "ok"
    run_worker(sms_app)
    message = only_message()
    assert (message.state, message.attempts) == (OutboxState.SENT, 2)
    # the same reference at each attempt, so a gateway that deduplicates sends it once
    assert {call["json"]["reference"] for call in sms_gateway.received} == {f"jisr-{message.id}"}


# -- reminders and retention: enqueued by their commands, done by the worker --------------------------------

def test_send_reminders_enqueues_a_job_whose_reminders_the_worker_sends(jobs_app, db, make_workspace):
    from test_sessions import accept, convene

    from jisr.workspace.models import Convocation

    ws = make_workspace(files=0)
    ws.add_file(locale="fr", email="salma@example.org")
    ws.add_file(locale="ar")
    accept(db, *ws.files, mentor=ws.mentor)
    convene(db, ws.manager, ws.files)
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    app = jobs_app()

    with app.app_context():
        result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "Queued as job" in result.output
    assert messages() == [] and db.session.scalars(sa.select(Convocation.reminded_at)).all() == [None, None]

    run_worker(app)  # the reminders, then the delivery job they enqueued
    assert all(db.session.scalars(sa.select(Convocation.reminded_at)).all())
    sent = messages()
    assert sorted((m.channel, m.state) for m in sent) == [(Channel.EMAIL, OutboxState.LOGGED),
                                                           (Channel.SMS, OutboxState.LOGGED)]
    assert jobs.queue(app).count == 0 and failed_ids(app) == []

    with app.app_context():  # --now runs it in place: nothing left to remind
        result = app.test_cli_runner().invoke(args=["send-reminders", "--now"])
    assert "0 reminder(s) sent." in result.output and jobs.queue(app).count == 0


def test_apply_retention_enqueues_a_job_that_the_worker_does(jobs_app, db, make_workspace):
    from jisr.applications.models import Application, Status
    from jisr.rights import erasure
    from jisr.timeutil import utcnow

    ws = make_workspace(files=0)
    old = ws.add_file()
    old.transition(Status.WITHDRAWN, old.applicant, reason="test")
    db.session.commit()
    db.session.execute(sa.update(Application).where(Application.id == old.id)
                       .values(updated_at=utcnow() - timedelta(days=erasure.retention_days() + 1)))
    db.session.commit()
    app = jobs_app()

    with app.app_context():
        result = app.test_cli_runner().invoke(args=["apply-retention"])
    assert "Queued as job" in result.output
    db.session.expire_all()
    assert db.session.get(Application, old.id).national_id is not None
    run_worker(app)
    db.session.expire_all()
    assert db.session.get(Application, old.id).national_id is None
    [job] = Job.fetch_many([j for j in jobs.queue(app).finished_job_registry.get_job_ids()],
                           connection=jobs.connection(app))
    assert job.func_name == "jisr.jobs.apply_retention" and job.return_value() == 1


def test_send_outbox_enqueues_the_messages_left_pending_after_their_jobs_retries(jobs_app, make_user):
    from jisr.outbox.services import enqueue
    from jisr.timeutil import utcnow

    app = jobs_app()  # retries over 11 minutes: a message pending 22 minutes later has lost its job
    with app.app_context():
        lost = enqueue(Channel.SMS, PHONE, "", "Jisr: bonjour", "fr")
        lost.created_at = utcnow() - timedelta(minutes=22)
        recent = enqueue(Channel.SMS, PHONE, "", "Jisr: bonjour", "fr")  # its own job is still to come
        lost, recent = lost.id, recent.id
        _db.session.commit()
        result = app.test_cli_runner().invoke(args=["send-outbox"])
    assert "1 message(s) queued for delivery." in result.output
    assert [j.args for j in jobs.queue(app).jobs] == [([lost],)]
    run_worker(app)
    assert [(m.id, m.state) for m in messages()] == [(lost, OutboxState.LOGGED), (recent, OutboxState.PENDING)]


# -- who sees the dead letter ---------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["applicant", "agent", "representative", "incubator_manager", "mentor", "coordinator"])
def test_only_admins_reach_the_jobs(jobs_app, make_user, make_incubator, province, role):
    app = jobs_app(JOBS_RETRY_INTERVALS=[])
    fields = {"incubator_id": make_incubator().id} if role in ("incubator_manager", "mentor") else {}
    if role in ("agent", "coordinator"):
        fields["provinces"] = [province("errachidia")]
    client = app.test_client()
    with app.app_context():
        job = jobs.submit(jobs.apply_retention)
    sign_in(client, make_user(role=role, **fields))
    assert client.get("/admin/jobs/").status_code == 403
    assert client.post(f"/admin/jobs/{job.id}/delete").status_code == 403
    assert client.post(f"/admin/jobs/{job.id}/retry").status_code == 403
    assert Job.exists(job.id, connection=jobs.connection(app))


def test_signed_out_visitors_are_sent_to_sign_in(jobs_app):
    response = jobs_app().test_client().get("/admin/jobs/")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


# -- without Redis: as before ---------------------------------------------------------------------------------

def test_without_a_queue_the_email_goes_after_the_commit_and_the_page_says_so(make_app, smtp, make_user):
    controller, received = smtp
    make_user(email="fatima@example.org")
    admin = make_user(role="admin")
    app = make_app(MAIL_SERVER=controller.hostname, MAIL_PORT=controller.port)  # no JISR_REDIS_URL
    assert not jobs.enabled(app)
    client = app.test_client()
    assert client.post("/account/reset", data={"identifier": "fatima@example.org"}).status_code == 302
    assert len(received.messages) == 1 and only_message().state == OutboxState.SENT

    sign_in(client, admin)
    text = client.get("/admin/jobs/?lang=fr").get_data(as_text=True)
    assert "pas de file de tâches" in text and "send-reminders" in text
    assert client.post("/admin/jobs/abc/retry").status_code == 404


def test_jobs_can_be_turned_off_with_redis_set(monkeypatch):
    from jisr.config import Config, ConfigError

    monkeypatch.setenv("JISR_REDIS_URL", REDIS_URL)
    assert Config().JOBS is True
    monkeypatch.setenv("JISR_JOBS", "0")
    assert Config().JOBS is False
    monkeypatch.setenv("JISR_SMS_GATEWAY", "http")
    with pytest.raises(ConfigError, match="JISR_SMS_URL"):
        Config()


def test_without_a_queue_send_outbox_gives_the_sms_to_the_log_gateway(client, runner, make_user, caplog):
    make_user(phone=PHONE)
    assert client.post("/account/reset", data={"identifier": "0612345678"}).status_code == 302
    assert only_message().state == OutboxState.PENDING  # not in the request
    with caplog.at_level(logging.INFO, logger="jisr.outbox"):
        result = runner.invoke(args=["send-outbox"])
    assert "1 message(s) processed." in result.output
    message = only_message()
    assert (message.state, message.attempts) == (OutboxState.LOGGED, 1) and PHONE in caplog.text
