"""Documents step: uploads checked by content, stored outside static/ under random names, in step
with the database; downloads and deletes only within the caller's scope."""

from __future__ import annotations

import hashlib
import html
import io
import struct
import zlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from jisr.applications.services import profile_for, start_application
from jisr.applications.steps import step_states
from jisr.audit.models import AuditEntry
from jisr.documents import services, storage, validation
from jisr.documents.models import Document

# --- real files, made here -------------------------------------------------------------------

def image_bytes(fmt: str, size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    with Image.effect_noise(size, 64) as noise, noise.convert("RGB") as image:
        image.save(buffer, fmt)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    """A one-page PDF written by hand, with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def png_with_size(width: int, height: int) -> bytes:
    """A small PNG whose header claims another size: a decompression bomb, as far as Pillow knows."""
    png = image_bytes("PNG", (8, 8))
    chunk = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return png[:8] + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk)) + png[33:]


PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")
PDF = pdf_bytes()


# --- helpers ---------------------------------------------------------------------------------

@pytest.fixture
def applicant(make_user):
    return make_user()


@pytest.fixture
def draft(db, applicant, programme):
    application = start_application(applicant, programme)
    db.session.commit()
    return application


@pytest.fixture
def signed_in(auth, applicant, draft):
    auth.login_as(applicant)
    return draft


def step_url(application, lang: str | None = None) -> str:
    return f"/applications/{application.id}/documents" + (f"?lang={lang}" if lang else "")


def upload(client, application, data: bytes, filename: str, content_type: str, kind="id_card", lang=None):
    # Encoded in memory: the test client spools bodies over 500 KB to a file it never closes.
    boundary, body = encode_multipart(
        {"kind": kind, "file": FileStorage(io.BytesIO(data), filename, content_type=content_type)})
    return client.post(step_url(application, lang), data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def stored_files(app) -> set[Path]:
    return {p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()}


def documents(db) -> list[Document]:
    return list(db.session.scalars(sa.select(Document).order_by(Document.id)))


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def in_language(app, lang: str, message) -> str:
    """What the app says for `message` in `lang`: the translation once the catalogue has it,
    English until then. `message` is a msgid, a lazy string or a callable that builds one."""
    from contextlib import nullcontext

    from flask_babel import force_locale, gettext

    # ?lang= picks the locale as the app does (fr_MA, ar_MA); English is no app language, so it is forced.
    with app.test_request_context(f"/?lang={lang}"), force_locale("en") if lang == "en" else nullcontext():
        if isinstance(message, str):
            return gettext(message)
        return str(message() if callable(message) else message)


def assert_says(app, page: str, lang: str, message) -> None:
    """The page gives the message in the reader's language, not the English text once translated."""
    expected, english = in_language(app, lang, message), in_language(app, "en", message)
    assert expected in page
    assert expected == english or english not in page


def add_stored(db, application, user, data=PNG, filename="card.png") -> Document:
    document = services.add_document(application, "id_card", FileStorage(io.BytesIO(data), filename), user)
    db.session.commit()
    return document


# --- accepted uploads ------------------------------------------------------------------------

@pytest.mark.parametrize("data, filename, content_type, detected", [
    (PNG, "carte.png", "image/png", "image/png"),
    (JPEG, "carte.jpg", "image/jpeg", "image/jpeg"),
    (PDF, "carte.pdf", "application/pdf", "application/pdf"),
    (JPEG, "photo", "application/octet-stream", "image/jpeg"),  # the browser's word is not needed
])
def test_each_accepted_type_is_stored_outside_static_under_a_random_name(
        app, db, client, signed_in, applicant, data, filename, content_type, detected):
    before = stored_files(app)
    response = upload(client, signed_in, data, filename, content_type)
    assert response.status_code in (302, 303)
    assert response.headers["Location"].endswith(step_url(signed_in))

    [document] = documents(db)
    assert (document.kind, document.content_type, document.size) == ("id_card", detected, len(data))
    assert document.uploaded_by_id == applicant.id
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    [path] = stored_files(app) - before
    assert path == storage.path_for(document.stored_name)
    assert path.read_bytes() == data
    assert path.parent.name == document.stored_name[:2] and len(document.stored_name) == 32
    assert Path(filename).stem not in path.name
    assert not path.resolve().is_relative_to(Path(app.static_folder).resolve())
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "document.added")) is not None


def test_step_page_explains_what_to_send_and_lists_the_documents(app, db, client, signed_in, applicant):
    add_stored(db, signed_in, applicant, filename="بطاقة.png")
    response = client.get(step_url(signed_in) + "?lang=fr")
    page = text_of(response)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in page
    assert in_language(app, "fr", "National identity card (CNIE)") in page
    assert "بطاقة.png" in page
    assert f"/documents/{documents(db)[0].id}" in page
    assert f"/documents/{documents(db)[0].id}/delete" in page
    assert in_language(app, "fr", validation.human_size(app.config["MAX_UPLOAD_BYTES"])) in page
    assert in_language(app, "fr", "Because you told us you have a disability") not in page
    assert [done for step, done in step_states(signed_in) if step.name == "documents"] == [True]


def test_disability_card_is_asked_for_when_a_disability_was_declared(app, db, client, signed_in, applicant):
    profile_for(applicant).disability_type = "motor"
    db.session.commit()
    page = text_of(client.get(step_url(signed_in)))
    assert in_language(app, "ar", "Because you told us you have a disability, send a copy or a photo of "
                                  "your disability card.") in page
    assert [done for step, done in step_states(signed_in) if step.name == "documents"] == [False]


# --- refused uploads -------------------------------------------------------------------------

ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(200)
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(200)


@pytest.mark.parametrize("data, filename, content_type, message", [
    (ELF, "card.pdf", "application/pdf", validation.WRONG_TYPE),
    (MZ, "card.pdf", "application/pdf", validation.WRONG_TYPE),
    (b"just some text, not a picture\n", "card.png", "image/png", validation.WRONG_TYPE),
    (b"", "card.png", "image/png", validation.EMPTY),
    (JPEG[: len(JPEG) // 2], "card.jpg", "image/jpeg", validation.CORRUPT_IMAGE),
    (JPEG[:400] + bytes(60) + JPEG[460:], "card.jpg", "image/jpeg", validation.CORRUPT_IMAGE),
    (PNG[:200] + bytes([PNG[200] ^ 0xFF]) + PNG[201:], "card.png", "image/png", validation.CORRUPT_IMAGE),
    (PDF[:-40], "card.pdf", "application/pdf", validation.CORRUPT_PDF),
    (b"%PDF" + PDF[5:], "card.pdf", "application/pdf", validation.CORRUPT_PDF),
    (png_with_size(20_000, 20_000), "card.png", "image/png", validation.too_many_pixels_message),
], ids=["elf", "windows-exe", "text-as-png", "empty", "truncated-jpeg", "corrupt-jpeg", "corrupt-png",
        "truncated-pdf", "bad-pdf-header", "decompression-bomb"])
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_refused_upload_says_why_next_to_the_field_and_stores_nothing(
        app, db, client, signed_in, data, filename, content_type, message, lang):
    before = stored_files(app)
    response = upload(client, signed_in, data, filename, content_type, lang=lang)
    page = text_of(response)
    assert response.status_code == 422
    assert 'id="file-error"' in page and 'aria-invalid="true"' in page
    assert_says(app, page, lang, message)
    assert 'id="error-summary"' in page
    assert documents(db) == [] and stored_files(app) == before


def test_file_over_the_size_limit_is_refused_with_the_limit_in_words(app, db, client, signed_in):
    limit = app.config["MAX_UPLOAD_BYTES"]
    data = b"%PDF-1.4\n" + bytes(limit) + b"\n%%EOF\n"
    before = stored_files(app)
    response = upload(client, signed_in, data, "big.pdf", "application/pdf", lang="fr")
    assert response.status_code == 422
    assert_says(app, text_of(response), "fr", lambda: validation.too_large_message(limit))
    assert documents(db) == [] and stored_files(app) == before


def _client_for(app, user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    return client


@pytest.fixture
def other_app(make_app):
    """An app with other settings on the same database; its connections are closed afterwards."""
    built = []

    def factory(**settings):
        built.append(make_app(**settings))
        return built[-1]

    yield factory
    from jisr.extensions import db as _db

    for each in built:
        with each.app_context():
            _db.engine.dispose()


def test_small_limit_from_settings_is_applied(other_app, db, signed_in, applicant):
    small = other_app(MAX_UPLOAD_BYTES=2048)
    response = upload(_client_for(small, applicant), signed_in, image_bytes("PNG", (200, 200)), "a.png",
                       "image/png")
    assert response.status_code == 422
    assert in_language(small, "ar", lambda: validation.too_large_message(2048)) in text_of(response)
    assert documents(db) == []


def test_image_above_the_pixel_limit_from_settings_is_refused(other_app, db, signed_in, applicant):
    strict = other_app(MAX_IMAGE_PIXELS=10_000)
    response = upload(_client_for(strict, applicant), signed_in, image_bytes("JPEG", (200, 100)),
                      "a.jpg", "image/jpeg")
    assert response.status_code == 422
    assert in_language(strict, "ar", validation.too_many_pixels_message) in text_of(response)


def test_body_above_max_content_length_gets_the_translated_413_page(other_app, db, signed_in, applicant):
    tight = other_app(MAX_UPLOAD_BYTES=1024, MAX_CONTENT_LENGTH=4096)
    before = stored_files(tight)
    response = upload(_client_for(tight, applicant), signed_in, PDF + bytes(10_000), "a.pdf",
                      "application/pdf", lang="fr")
    assert response.status_code == 413
    assert_says(tight, text_of(response), "fr", "File too large")
    assert documents(db) == [] and stored_files(tight) == before


def test_missing_kind_or_file_is_shown_on_the_form(app, db, client, signed_in):
    response = upload(client, signed_in, PNG, "a.png", "image/png", kind="")
    assert response.status_code == 422 and 'id="kind-error"' in text_of(response)
    response = client.post(step_url(signed_in), data={"kind": "id_card"}, content_type="multipart/form-data")
    assert response.status_code == 422 and 'id="file-error"' in text_of(response)
    assert documents(db) == []


# --- scope -----------------------------------------------------------------------------------

def test_another_applicant_sees_nothing_of_someone_elses_documents(
        app, db, client, auth, signed_in, applicant, make_user):
    document = add_stored(db, signed_in, applicant, filename="secret-card.png")
    auth.login_as(make_user())
    for response in (
        client.get(step_url(signed_in)),
        upload(client, signed_in, PNG, "mine.png", "image/png"),
        client.get(f"/documents/{document.id}"),
        client.post(f"/applications/{signed_in.id}/documents/{document.id}/delete"),
    ):
        assert response.status_code == 404
        assert "secret-card" not in text_of(response)
    assert [d.id for d in documents(db)] == [document.id]
    assert storage.path_for(document.stored_name).is_file()


def test_a_document_is_reached_only_through_its_own_file(app, db, client, auth, signed_in, applicant,
                                                          make_user, programme):
    document = add_stored(db, signed_in, applicant)
    someone = make_user()
    her_file = start_application(someone, programme)
    db.session.commit()
    auth.login_as(someone)
    response = client.post(f"/applications/{her_file.id}/documents/{document.id}/delete")
    assert response.status_code == 404
    assert len(documents(db)) == 1


def test_signed_out_visitor_is_sent_to_sign_in(app, db, client, draft, applicant):
    document = add_stored(db, draft, applicant)
    assert client.get(step_url(draft)).status_code == 302
    assert client.get(f"/documents/{document.id}").status_code == 302


# --- download and delete ---------------------------------------------------------------------

def test_owner_downloads_the_exact_bytes_as_an_attachment(app, db, client, signed_in, applicant):
    document = add_stored(db, signed_in, applicant, data=JPEG, filename="بطاقة.jpg")
    response = client.get(f"/documents/{document.id}")
    assert response.status_code == 200
    assert response.data == JPEG
    assert response.mimetype == "image/jpeg"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "filename*=UTF-8''%D8%A8" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "document.viewed")) is None
    response.close()


def test_a_view_by_staff_is_written_in_the_audit_log(app, db, auth, client, signed_in, applicant, make_user):
    document = add_stored(db, signed_in, applicant, data=PDF, filename="resume.pdf")
    admin = make_user(role="admin")
    auth.login_as(admin)
    response = client.get(f"/documents/{document.id}")
    assert response.status_code == 200 and response.data == PDF
    response.close()
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "document.viewed"))
    assert (entry.actor_id, entry.object_id) == (admin.id, document.id)


def test_delete_removes_the_row_and_the_file(app, db, client, signed_in, applicant):
    document = add_stored(db, signed_in, applicant)
    path = storage.path_for(document.stored_name)
    response = client.post(f"/applications/{signed_in.id}/documents/{document.id}/delete")
    assert response.status_code in (302, 303)
    assert documents(db) == [] and not path.exists()
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "document.deleted")) is not None
    assert client.get(f"/documents/{document.id}").status_code == 404


def test_a_sent_file_can_no_longer_be_changed(app, db, client, signed_in, applicant):
    document = add_stored(db, signed_in, applicant)
    signed_in.status = "submitted"
    db.session.commit()
    before = stored_files(app)
    assert upload(client, signed_in, PNG, "b.png", "image/png").status_code == 409
    assert client.post(f"/applications/{signed_in.id}/documents/{document.id}/delete").status_code == 409
    response = client.get(step_url(signed_in))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/applications/{signed_in.id}")
    assert [d.id for d in documents(db)] == [document.id] and stored_files(app) == before
    download = client.get(f"/documents/{document.id}")
    assert download.status_code == 200  # still hers to read
    download.close()


# --- nothing half-saved ----------------------------------------------------------------------

def test_file_written_in_a_transaction_that_rolls_back_is_removed(app, db, draft, applicant):
    before = stored_files(app)
    services.add_document(draft, "photo", FileStorage(io.BytesIO(PNG), "p.png"), applicant)
    assert len(stored_files(app) - before) == 1
    db.session.rollback()
    assert stored_files(app) == before and documents(db) == []


def test_file_is_removed_when_the_database_write_fails(app, db, draft, applicant, monkeypatch):
    def broken_flush(*args, **kwargs):
        raise sa.exc.OperationalError("INSERT", {}, Exception("database went away"))

    before = stored_files(app)
    monkeypatch.setattr(db.session, "flush", broken_flush)
    with pytest.raises(sa.exc.OperationalError):
        services.add_document(draft, "photo", FileStorage(io.BytesIO(PNG), "p.png"), applicant)
    monkeypatch.undo()
    db.session.rollback()
    assert stored_files(app) == before and documents(db) == []


def test_a_rolled_back_delete_keeps_the_file(app, db, draft, applicant):
    document = add_stored(db, draft, applicant)
    path = storage.path_for(document.stored_name)
    services.delete_document(document, applicant)
    db.session.rollback()
    assert path.is_file() and len(documents(db)) == 1


# --- names -----------------------------------------------------------------------------------

@pytest.mark.parametrize("given, content_type, shown", [
    ("بطاقة التعريف.jpg", "image/jpeg", "بطاقة التعريف.jpg"),
    ("C:\\Users\\fatima\\carte.PNG", "image/png", "carte.PNG"),
    ("../../etc/passwd.png", "image/png", "passwd.png"),
    ("invoice\u202egpj.exe", "image/jpeg", "invoicegpj.exe.jpg"),
    ("card.pdf", "image/png", "card.pdf.png"),
    ("", "application/pdf", "document.pdf"),
    ("...", "image/png", "document.png"),
    ("a" * 400 + ".pdf", "application/pdf", "a" * 251 + ".pdf"),
])
def test_original_name_is_kept_readable_but_safe(given, content_type, shown):
    assert services.display_name(given, content_type) == shown
