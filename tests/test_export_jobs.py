"""Files exports prepared by a job when there is a job queue (jisr/stats/export_jobs.py), on a real Redis as in
tests/test_jobs.py (db 13 of 127.0.0.1, flushed by each test; skipped where it does not answer, failed under
CI=true): the request only enqueues; the worker writes the file to the document store; she downloads exactly the
rows the streamed export gives her; anyone else, admins included, gets a 404; an expired export is refused at
once and removed by the retention; someone deactivated, or whose role changed, since she asked gets nothing; a
failing job is retried, then shown as failed (she asks again) and described in the dead letter without personal
data. Without a queue the streamed download answers as before; without Redis reachable the request says so."""

from __future__ import annotations

import csv
import io
import socket
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa
import test_jobs
from test_jobs import failed_ids, retry_now, run_worker, sign_in

from jisr import jobs
from jisr.audit.models import AuditEntry
from jisr.documents import storage
from jisr.extensions import db as _db
from jisr.stats.models import ExportRequest
from jisr.timeutil import utcnow

# tests/test_jobs.py's fixtures: a Redis flushed for each test, and apps whose requests enqueue jobs.
redis_available, redis_db, jobs_app = test_jobs.redis_available, test_jobs.redis_db, test_jobs.jobs_app


@pytest.fixture
def files(make_file):
    """Two sent files in Errachidia, one in Midelt (outside the coordinator's provinces)."""
    make_file(email="khadija@example.org")
    make_file()
    make_file(province_code="midelt")


@pytest.fixture
def coordinator(make_user, province):
    return make_user(role="coordinator", provinces=[province("errachidia")])


def ask(client, fmt: str = "csv", pseudonymised: bool = False, lang: str = "fr"):
    return client.post(f"/statistics/exports/?lang={lang}",
                       data={"format": fmt, **({"pseudonymised": "y"} if pseudonymised else {})})


def exports() -> list[ExportRequest]:
    _db.session.expire_all()
    return list(_db.session.scalars(sa.select(ExportRequest).order_by(ExportRequest.id)))


def only_export() -> ExportRequest:
    found = exports()
    assert len(found) == 1, found
    return found[0]


def rows_of(response, fmt: str) -> list[list]:
    if fmt == "csv":
        return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def prepared(app, client, fmt: str = "csv", pseudonymised: bool = False) -> ExportRequest:
    """Asked for through the page, then prepared by the worker."""
    assert ask(client, fmt, pseudonymised).status_code == 303
    run_worker(app)
    export = only_export()
    assert export.state == "ready", (export.state, export.error)
    return export


# -- with a queue: asked in the request, written by the worker, downloaded by her alone ---------------------------

@pytest.mark.parametrize(("fmt", "pseudonymised"), [("csv", False), ("xlsx", True)])
def test_a_job_prepares_the_export_and_she_downloads_the_rows_the_streamed_export_gives(
        jobs_app, client, auth, db, coordinator, files, fmt, pseudonymised):
    app = jobs_app()
    web = app.test_client()
    sign_in(web, coordinator)

    response = ask(web, fmt, pseudonymised)
    assert response.status_code == 303 and response.headers["Location"].endswith("/statistics/exports/")
    export = only_export()
    assert (export.state, export.format, export.pseudonymised, export.language) == ("queued", fmt, pseudonymised, "fr")
    [job] = jobs.queue(app).jobs
    assert (job.func_name, job.args, job.id) == ("jisr.jobs.export_files", (export.id,), export.job_id)
    page = web.get("/statistics/exports/?lang=fr").get_data(as_text=True)
    assert "En attente de préparation" in page and "/download" not in page

    run_worker(app)
    export = only_export()
    assert (export.state, export.row_count, export.attempts) == ("ready", 2, 1)
    assert storage.store().exists(export.stored_name)
    assert timedelta(hours=23) < export.expires_at - export.finished_at <= timedelta(hours=24)
    page = web.get("/statistics/exports/?lang=fr").get_data(as_text=True)
    assert "Prêt" in page and f"/statistics/exports/{export.id}/download" in page

    download = web.get(f"/statistics/exports/{export.id}/download")
    assert download.status_code == 200 and download.headers["Cache-Control"] == "private, no-store"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="jisr-files-') and f'.{fmt}";' in disposition
    assert download.mimetype == ("text/csv" if fmt == "csv" else
                                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    auth.login_as(coordinator)  # the app without a queue: the export streamed in the request
    streamed = client.get(f"/statistics/export/files.{fmt}?lang=fr{'&pseudonymised=1' if pseudonymised else ''}")
    assert streamed.status_code == 200
    assert rows_of(download, fmt) == rows_of(streamed, fmt) and len(rows_of(download, fmt)) == 3
    streamed.close()

    entries = db.session.execute(sa.select(AuditEntry.action, AuditEntry.actor_id, AuditEntry.object_id,
                                           AuditEntry.details).order_by(AuditEntry.id)).all()
    details = {"format": fmt, "pseudonymised": pseudonymised}
    assert [tuple(e) for e in entries if e.action.startswith("stats.files_export")] == [
        ("stats.files_export_requested", coordinator.id, export.id, details),
        ("stats.files_exported", coordinator.id, export.id, details),  # the download
        ("stats.files_exported", coordinator.id, None, details)]  # the streamed one


def test_nobody_else_downloads_her_export_not_even_an_admin(jobs_app, make_user, make_incubator, coordinator, files):
    app = jobs_app()
    web = app.test_client()
    sign_in(web, coordinator)
    export = prepared(app, web)
    path = f"/statistics/exports/{export.id}/download"
    for someone in (make_user(role="admin"), make_user(role="coordinator", provinces=coordinator.provinces)):
        other = app.test_client()
        sign_in(other, someone)
        assert other.get(path).status_code == 404
        assert f"/statistics/exports/{export.id}/" not in other.get("/statistics/exports/").get_data(as_text=True)
    manager = app.test_client()
    sign_in(manager, make_user(role="incubator_manager", incubator_id=make_incubator().id))
    assert manager.get(path).status_code == 403
    response = app.test_client().get(path)
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert web.get(path).status_code == 200  # still hers


def test_an_expired_export_is_refused_at_once_and_removed_by_the_retention(jobs_app, db, coordinator, files):
    app = jobs_app()
    web = app.test_client()
    sign_in(web, coordinator)
    old = prepared(app, web)
    old_id, old_name = old.id, old.stored_name
    db.session.execute(sa.update(ExportRequest).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert web.get(f"/statistics/exports/{old_id}/download").status_code == 404
    assert f"/statistics/exports/{old_id}/" not in web.get("/statistics/exports/").get_data(as_text=True)
    assert storage.store().exists(old_name)  # refused, not yet removed
    assert ask(web, pseudonymised=True).status_code == 303
    run_worker(app)  # the export job also removes what has expired
    [kept] = exports()
    assert kept.id != old_id and kept.state == "ready"
    kept_name = kept.stored_name
    assert not storage.store().exists(old_name) and storage.store().exists(kept_name)

    db.session.execute(sa.update(ExportRequest).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["apply-retention", "--now"])
    assert result.exit_code == 0, result.output
    assert exports() == [] and not storage.store().exists(kept_name)


@pytest.mark.parametrize("change", ["deactivated", "role"])
def test_someone_deactivated_or_whose_role_changed_since_she_asked_gets_nothing(jobs_app, db, coordinator, files,
                                                                              change):
    app = jobs_app()
    web = app.test_client()
    sign_in(web, coordinator)
    assert ask(web).status_code == 303
    if change == "deactivated":
        coordinator.active = False
    else:
        coordinator.role = "admin"  # a wider scope than the one she asked with
    db.session.commit()
    names = set(storage.store().names())
    run_worker(app)
    export = only_export()
    assert (export.state, export.error, export.stored_name) == ("failed", "refused", None)
    assert set(storage.store().names()) == names and failed_ids(app) == []
    if change == "role":
        page = web.get("/statistics/exports/?lang=fr").get_data(as_text=True)
        assert "Échec" in page and "votre rôle a changé" in page.lower()


def test_her_export_is_refused_once_her_role_changed(jobs_app, db, coordinator, files):
    app = jobs_app()
    web = app.test_client()
    sign_in(web, coordinator)
    export = prepared(app, web)
    coordinator.role = "admin"
    db.session.commit()
    assert web.get(f"/statistics/exports/{export.id}/download").status_code == 404


def explode(user, pseudonymised, batch=2000):
    """Reading the files fails as a database error does: its later lines quote the data."""
    raise RuntimeError('duplicate key value violates unique constraint "uq_users_email"\n'
                       "DETAIL:  Key (email)=(khadija@example.org) already exists.")
    yield []


def test_a_failing_export_is_retried_then_failed_she_asks_again_and_the_dead_letter_names_nobody(
        jobs_app, db, make_user, coordinator, files, monkeypatch):
    from jisr.stats import exports as stats_exports

    app = jobs_app(JOBS_RETRY_INTERVALS=[60])  # two attempts
    web = app.test_client()
    sign_in(web, coordinator)
    assert ask(web, "xlsx").status_code == 303
    monkeypatch.setattr(stats_exports, "file_rows", explode)
    names = set(storage.store().names())

    run_worker(app)  # first attempt
    export = only_export()
    assert (export.state, export.attempts) == ("queued", 1)
    assert "nouvelle tentative" in web.get("/statistics/exports/?lang=fr").get_data(as_text=True)
    [_due] = retry_now(app)
    run_worker(app)  # last attempt
    export = only_export()
    assert (export.state, export.error, export.attempts) == ("failed", "error", 2)
    assert set(storage.store().names()) == names  # nothing half-written left in the store
    [job_id] = failed_ids(app)
    page = web.get("/statistics/exports/?lang=fr").get_data(as_text=True)
    assert "Échec" in page and "Demander à nouveau" in page

    admin = app.test_client()
    sign_in(admin, make_user(role="admin"))
    text = admin.get("/admin/jobs/?lang=fr").get_data(as_text=True)
    assert "Export de dossiers" in text and "jisr.jobs.export_files" in text and job_id in text
    assert f'Export {export.id} : <bdi dir="ltr">XLSX</bdi>, avec données personnelles, Échec' in text
    assert "RuntimeError: duplicate key value" in text
    assert "khadija" not in text and "DETAIL" not in text and coordinator.full_name not in text

    monkeypatch.undo()
    assert ask(web, "xlsx").status_code == 303  # she asks again: a new export
    run_worker(app)
    again = exports()
    assert [(e.id == export.id, e.state) for e in again] == [(True, "failed"), (False, "ready")]

    assert admin.post(f"/admin/jobs/{job_id}/retry").status_code == 303  # or an admin retries the failed one
    run_worker(app)
    assert [e.state for e in exports()] == ["ready", "ready"]


def test_asking_twice_while_it_is_being_prepared_makes_one_export(jobs_app, coordinator, files):
    app = jobs_app()
    web = app.test_client()
    sign_in(web, coordinator)
    assert ask(web).status_code == 303
    response = ask(web)
    assert response.status_code == 303
    assert len(exports()) == 1 and len(jobs.queue(app).jobs) == 1
    assert "déjà en préparation" in web.get("/statistics/exports/?lang=fr").get_data(as_text=True)
    assert ask(web, pseudonymised=True).status_code == 303  # another export
    assert len(exports()) == 2

    jobs.connection(app).flushdb()  # Redis emptied: the waiting ones will never run, asking again makes a new one
    assert ask(web).status_code == 303
    assert [e.state for e in exports()] == ["failed", "queued", "queued"] and len(jobs.queue(app).jobs) == 1


def test_an_export_whose_worker_stopped_in_the_middle_shows_as_failed_and_is_asked_again(jobs_app, db, coordinator,
                                                                                        files):
    from jisr.stats import export_jobs

    app = jobs_app()
    web = app.test_client()
    sign_in(web, coordinator)
    assert ask(web).status_code == 303
    db.session.execute(sa.update(ExportRequest).values(state="running", started_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    assert export_jobs.STALLED < timedelta(hours=1)
    assert "Échec" in web.get("/statistics/exports/?lang=fr").get_data(as_text=True)
    assert ask(web).status_code == 303
    assert [e.state for e in exports()] == ["running", "queued"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_with_redis_out_of_reach_she_is_told_and_nothing_waits(make_app, coordinator, files):
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/13", JOBS=True)
    web = app.test_client()
    sign_in(web, coordinator)
    response = ask(web)
    assert response.status_code == 303
    export = only_export()
    assert (export.state, export.error, export.job_id) == ("failed", "error", None)
    assert "file de tâches est injoignable" in web.get("/statistics/exports/?lang=fr").get_data(as_text=True)


def test_with_a_queue_the_dashboard_asks_a_job_and_an_old_link_leads_to_her_exports(make_app, coordinator,
                                                                                    programme, files):
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/13", JOBS=True)  # no request reaches Redis
    web = app.test_client()
    sign_in(web, coordinator)
    page = web.get("/statistics/?lang=fr").get_data(as_text=True)
    assert 'action="/statistics/exports/"' in page and "/statistics/export/files." not in page
    response = web.get("/statistics/export/files.csv?pseudonymised=1")
    assert response.status_code == 302 and response.headers["Location"].endswith("/statistics/exports/")
    assert exports() == []


# -- without a queue: as before -----------------------------------------------------------------------------------

def test_without_a_queue_the_export_is_streamed_as_before(client, auth, coordinator, programme, files):
    auth.login_as(coordinator)
    page = client.get("/statistics/?lang=fr").get_data(as_text=True)
    assert "/statistics/export/files.csv?pseudonymised=1" in page and 'action="/statistics/exports/"' not in page
    response = ask(client, pseudonymised=True)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/statistics/export/files.csv?pseudonymised=1")
    streamed = client.get(response.headers["Location"] + "&lang=fr")
    assert streamed.status_code == 200 and rows_of(streamed, "csv")[0][0] == "Pseudonyme"
    assert exports() == []
    text = client.get("/statistics/exports/?lang=fr").get_data(as_text=True)
    assert "pas de file de tâches" in text and "Télécharger l’export" in text


def test_an_unknown_format_is_refused_in_her_language(client, auth, coordinator):
    auth.login_as(coordinator)
    response = client.post("/statistics/exports/?lang=ar", data={"format": "pdf"})
    assert response.status_code == 422 and 'id="error-summary"' in response.get_data(as_text=True)


# -- object storage: written by the worker, served by another app server ------------------------------------------

@pytest.fixture
def bucket(monkeypatch):
    pytest.importorskip("moto")
    import boto3
    from moto.server import ThreadedMotoServer

    for name, value in (("AWS_ACCESS_KEY_ID", "jisr-test"), ("AWS_SECRET_ACCESS_KEY", "jisr-test-secret"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    port = _closed_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="jisr-exports")
    yield dict(STORAGE="s3", S3_BUCKET="jisr-exports", S3_ENDPOINT_URL=endpoint)
    server.stop()


def test_in_object_storage_the_worker_writes_the_export_and_another_server_serves_it(jobs_app, coordinator, files,
                                                                                      bucket):
    worker_app, web_app = jobs_app(**bucket), jobs_app(**bucket)
    web = web_app.test_client()
    sign_in(web, coordinator)
    assert ask(web).status_code == 303
    run_worker(worker_app)
    export = only_export()
    with web_app.app_context():
        assert list(storage.store().names()) == [export.stored_name]
    assert not storage.path_for(export.stored_name).exists()  # not on this server's disk
    download = web.get(f"/statistics/exports/{export.id}/download?lang=fr")
    assert download.status_code == 200 and len(rows_of(download, "csv")) == 3
