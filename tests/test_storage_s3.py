"""Documents in S3-compatible object storage (JISR_STORAGE=s3), against a real S3 server on this machine (moto's
server mode, over HTTP): a document uploaded through one app server is served by another; nothing is written to
the local directory; a rolled-back upload and a deleted document leave no object; a lost object answers 404;
erasure removes her objects. The same behaviours on the local directory are in tests/test_documents.py."""

from __future__ import annotations

import io
import socket
import uuid

import pytest
import sqlalchemy as sa
from test_documents import PNG, add_stored, documents, stored_files, upload
from werkzeug.datastructures import FileStorage

from jisr.documents import services, storage

pytest.importorskip("moto")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server, monkeypatch):
    import boto3

    for name, value in (("AWS_ACCESS_KEY_ID", "jisr-test"), ("AWS_SECRET_ACCESS_KEY", "jisr-test-secret"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    name = f"jisr-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=s3_server).create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3(app, bucket, s3_server, monkeypatch):
    """The test app's documents in the bucket (as JISR_STORAGE=s3 sets it up)."""
    store = storage.S3Store(bucket, endpoint_url=s3_server)
    monkeypatch.setitem(app.extensions, "jisr_storage", store)
    return store


def keys(store) -> set[str]:
    return set(store.names())


@pytest.fixture
def applicant(make_user):
    return make_user()


@pytest.fixture
def draft(db, applicant, programme):
    from jisr.applications.services import start_application

    application = start_application(applicant, programme)
    db.session.commit()
    return application


def test_the_app_uses_object_storage_when_configured(make_app, bucket, s3_server):
    other = make_app(STORAGE="s3", S3_BUCKET=bucket, S3_ENDPOINT_URL=s3_server)
    assert isinstance(other.extensions["jisr_storage"], storage.S3Store)
    assert other.extensions["jisr_storage"].bucket == bucket


def test_a_document_uploaded_on_one_server_is_served_by_another(app, db, client, auth, s3, applicant, draft,
                                                                make_app, bucket, s3_server):
    auth.login_as(applicant)
    on_disk = stored_files(app)
    response = upload(client, draft, PNG, "carte.png", "image/png")
    assert response.status_code in (302, 303)
    [document] = documents(db)
    assert keys(s3) == {document.stored_name}
    assert stored_files(app) == on_disk  # nothing on this server's disk

    other = make_app(STORAGE="s3", S3_BUCKET=bucket, S3_ENDPOINT_URL=s3_server)
    other_client = other.test_client()
    with other_client.session_transaction() as session:
        session["_user_id"] = str(applicant.id)
    download = other_client.get(f"/documents/{document.id}")
    assert download.status_code == 200
    assert download.get_data() == PNG
    assert download.headers["Content-Length"] == str(len(PNG))
    assert download.headers["Cache-Control"] == "private, no-store"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    download.close()


def test_a_rolled_back_upload_leaves_no_object(app, db, s3, applicant, draft):
    services.add_document(draft, "photo", FileStorage(io.BytesIO(PNG), "p.png"), applicant)
    assert len(keys(s3)) == 1
    db.session.rollback()
    assert keys(s3) == set() and documents(db) == []


def test_a_deleted_document_leaves_no_object_once_committed(app, db, client, auth, s3, applicant, draft):
    document = add_stored(db, draft, applicant)
    services.delete_document(document, applicant)
    db.session.rollback()
    assert keys(s3) == {document.stored_name}  # a rolled-back delete keeps it
    auth.login_as(applicant)
    response = client.post(f"/applications/{draft.id}/documents/{document.id}/delete")
    assert response.status_code in (302, 303)
    assert keys(s3) == set()


def test_a_lost_object_answers_not_found(app, db, client, auth, s3, applicant, draft):
    document = add_stored(db, draft, applicant)
    s3.delete(document.stored_name)
    auth.login_as(applicant)
    assert client.get(f"/documents/{document.id}").status_code == 404


def test_her_data_download_and_erasure_reach_the_objects(app, db, client, auth, s3, make_user, draft, applicant):
    import zipfile

    from jisr.rights import erasure

    document = add_stored(db, draft, applicant)
    auth.login_as(applicant)
    response = client.get("/account/data/export.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        assert PNG in [archive.read(name) for name in archive.namelist() if name.startswith("documents/")]
    response.close()
    erasure.anonymise(db.session.get(type(applicant), applicant.id), make_user(role="admin"))
    db.session.commit()
    assert document.stored_name not in keys(s3)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(type(document))) == 0
