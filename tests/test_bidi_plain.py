"""Exports keep values clean: whatever a value came from (a name typed with an override or an isolate, an amount
or a reference isolated for Arabic text, a message sent with isolates), no direction mark lands in a CSV or XLSX
cell, nor in her data download; the spreadsheet lays each cell out itself."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from jisr import bidi
from jisr.applications.models import ApplicantProfile
from jisr.documents.models import Document
from jisr.outbox.models import OutboxMessage
from jisr.stats import exports

MARKS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def xml_of(data: bytes) -> str:
    """Every part of an XLSX file, as text: the cells wherever XlsxWriter put them (inline or shared strings)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(archive.read(name).decode() for name in archive.namelist())


def cells_of(data: bytes) -> list:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [cell.value for row in sheet.iter_rows() for cell in row]


def download(client, path: str):
    response = client.get(path)
    status, data = response.status_code, response.data
    response.close()  # the temporary file behind an XLSX goes with the response
    assert status == 200, path
    return data


@pytest.fixture
def marked(db, make_file):
    """A file whose applicant's names carry an override and isolates (refused by the forms: put in directly)."""
    application = make_file(email="fatima@example.org")
    profile = db.session.scalar(sa.select(ApplicantProfile).where(ApplicantProfile.user_id == application.applicant_id))
    profile.last_name_latin = "\u202eAlaoui\u202c"
    profile.first_name_ar = "\u2066فاطمة\u2069\u200f"
    profile.national_id = "\u2066ZX000123\u2069"
    db.session.commit()
    return application


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_files_export_has_no_direction_marks(client, auth, make_user, marked, lang):
    auth.login_as(make_user(role="admin"))
    text = download(client, f"/statistics/export/files.csv?lang={lang}").decode("utf-8-sig")
    assert not MARKS.search(text)
    rows = list(csv.reader(io.StringIO(text)))
    assert any("Alaoui" in row and "ZX000123" in row and marked.reference in row for row in rows[1:])
    assert any(cell.startswith("فاطمة") for cell in rows[1])
    data = download(client, f"/statistics/export/files.xlsx?lang={lang}")
    assert not MARKS.search(xml_of(data))
    cells = cells_of(data)
    assert "Alaoui" in cells and "ZX000123" in cells and marked.reference in cells


def test_the_dashboard_export_has_no_direction_marks(client, auth, db, make_user, make_workspace):
    ws = make_workspace(files=1)
    ws.incubator.name_ar = "\u2068جمعية \u202bالواحة\u202c\u2069"
    db.session.commit()
    auth.login_as(make_user(role="admin"))
    text = download(client, "/statistics/export/dashboard.csv?lang=ar").decode("utf-8-sig")
    assert "جمعية الواحة" in text and not MARKS.search(text)
    data = download(client, "/statistics/export/dashboard.xlsx?lang=ar")
    assert "جمعية الواحة" in cells_of(data) and not MARKS.search(xml_of(data))


def test_the_writers_clean_every_cell_whatever_it_came_from(app):
    """An amount and a reference isolated for Arabic text, a label, a formula hidden behind an isolate."""
    with force_locale("ar_MA"):
        amount = bidi.amount(Decimal("25000"))
    assert bidi.LRI in amount
    rows = [["\u2066المبلغ\u2069", "Réf."], [amount, bidi.isolate("JISR-2026-000123")],
            ["\u2066=HYPERLINK(\"http://evil\")\u2069", 3]]
    text = "".join(exports.csv_stream(iter(rows)))
    assert not MARKS.search(text)
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff")))) == [
        ["المبلغ", "Réf."], ["25.000,00 درهم", "JISR-2026-000123"], ["'=HYPERLINK(\"http://evil\")", "3"]]
    with exports.xlsx_file(iter(rows), "\u2066Files\u2069") as target:
        data = target.read()
    assert not MARKS.search(xml_of(data))
    assert cells_of(data) == ["المبلغ", "Réf.", "25.000,00 درهم", "JISR-2026-000123", "=HYPERLINK(\"http://evil\")", 3]
    assert openpyxl.load_workbook(io.BytesIO(data)).active.title == "Files"


def test_the_audit_export_has_no_direction_marks(client, auth, db, make_user):
    from jisr.audit.services import record

    admin = make_user(role="admin", full_name="\u202eNadia\u202c Admin")
    record("admin.user_changed", admin, actor=admin, note="\u2066JISR-2026-000123\u2069")
    db.session.commit()
    auth.login_as(admin)
    text = download(client, "/admin/audit/export.csv?lang=ar").decode("utf-8-sig")
    assert "Nadia Admin" in text and "JISR-2026-000123" in text and not MARKS.search(text)


def test_her_data_download_has_no_direction_marks(client, auth, db, make_workspace):
    """The messages she was sent carry isolates; a document's name with an override would show its extension
    reversed (U+202E)."""
    ws = make_workspace(files=0)
    application = ws.add_file(email="khadija@example.org")  # routed: told with the reference isolated
    db.session.add(Document(application_id=application.id, kind="photo", original_name="\u202egnp.exe",
                            stored_name="f" * 32, content_type="image/png", size=3, sha256="0" * 64,
                            uploaded_by_id=application.applicant_id))
    db.session.commit()
    sent = db.session.scalars(sa.select(OutboxMessage.body).where(OutboxMessage.recipient == "khadija@example.org"))
    assert any(bidi.LRI in body for body in sent)  # what there is to clean
    auth.login_as(application.applicant)
    with zipfile.ZipFile(io.BytesIO(download(client, "/account/data/export.zip"))) as archive:
        names = archive.namelist()
        text = archive.read("data.json").decode()
    data = json.loads(text)
    assert any(application.reference in m["body"] for m in data["messages"])
    assert not MARKS.search(text) and not any(MARKS.search(name) for name in names)
    assert any(name.endswith("-gnp.exe.missing.txt") for name in names)
