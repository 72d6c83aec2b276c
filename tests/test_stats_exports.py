"""Exports of files and of the dashboard: scoped like the pages (a coordinator exports only her provinces' files),
headers and values in the reader's language, the pseudonymised export holding nothing that names a person, XLSX
read back, formulas kept inert, written in batches, and every export audited."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import sqlalchemy as sa

from jisr.applications.models import ApplicantProfile
from jisr.audit.models import AuditEntry


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.fixture
def files(db, make_file):
    """Two files in Errachidia, one in Midelt; one applicant's name starts like a formula."""
    first = make_file(email="khadija@example.org")
    make_file()
    make_file(province_code="midelt")
    profile = db.session.scalar(sa.select(ApplicantProfile).where(ApplicantProfile.user_id == first.applicant_id))
    profile.last_name_latin = "=HYPERLINK(\"http://evil\")"
    db.session.commit()
    return first


def test_a_coordinator_exports_her_provinces_files_in_her_language(client, auth, db, make_user, province, files):
    coordinator = make_user(role="coordinator", provinces=[province("errachidia")])
    auth.login_as(coordinator)
    response = client.get("/statistics/export/files.csv?lang=fr")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = rows_of(response)
    assert rows[0][:3] == ["Référence", "Nom", "Prénom"] and "Statut" in rows[0]
    assert len(rows) == 3 and all("Errachidia" in row for row in rows[1:])
    assert any(row[1].startswith("'=") for row in rows[1:])  # inert in a spreadsheet
    assert "Éligible" in rows[1]
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "stats.files_exported"))
    assert entry.actor_id == coordinator.id and entry.details == {"format": "csv", "pseudonymised": False}


def test_the_pseudonymised_export_names_nobody(client, auth, db, make_user, files):
    auth.login_as(make_user(role="admin"))
    response = client.get("/statistics/export/files.csv?lang=fr&pseudonymised=1")
    text = response.get_data(as_text=True)
    profiles = list(db.session.scalars(sa.select(ApplicantProfile)))
    personal = [p.last_name_latin for p in profiles] + [p.first_name_ar for p in profiles] + [
        p.national_id for p in profiles] + [p.birth_date.isoformat() for p in profiles] + [
        "khadija@example.org", "JISR-", "+2126"]
    assert not [value for value in personal if value and value in text]
    rows = rows_of(response)
    assert rows[0][0] == "Pseudonyme" and len(rows) == 4
    assert len({row[0] for row in rows[1:]}) == 3  # a pseudonym per file...
    again = rows_of(client.get("/statistics/export/files.csv?pseudonymised=1"))
    assert [row[0] for row in again[1:]] == [row[0] for row in rows[1:]]  # ...the same in the next export


def test_the_xlsx_export_reads_back_right_to_left_in_arabic(client, auth, make_user, files):
    auth.login_as(make_user(role="admin"))
    response = client.get("/statistics/export/files.xlsx?lang=ar")
    assert response.status_code == 200 and "spreadsheetml" in response.mimetype
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    response.close()  # the temporary file behind the download goes with the response
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "المرجع" and len(values) == 4
    assert sheet.sheet_view.rightToLeft


def test_file_rows_come_in_batches(app, db, make_user, files):
    from jisr.stats import exports

    admin = make_user(role="admin")
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    with app.test_request_context("/?lang=fr"):
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            rows = list(exports.file_rows(admin, False, batch=1))
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
    assert len(rows) == 4
    assert sum("FROM applications" in s for s in statements) == 4  # three batches of one, then an empty one


def test_the_dashboard_tables_export(client, auth, db, make_user, make_workspace):
    make_workspace(files=2)
    auth.login_as(make_user(role="admin"))
    response = client.get("/statistics/export/dashboard.csv?lang=fr")
    rows = rows_of(response)
    assert rows[0][:3] == ["Tableau", "Ligne", "Dossiers commencés"]
    assert rows[1][:3] == ["L'entonnoir", "Tous", "2"]
    assert any(row[0] == "Secteur" for row in rows)
    with client.get("/statistics/export/dashboard.xlsx") as spreadsheet:
        assert spreadsheet.status_code == 200 and spreadsheet.data[:2] == b"PK"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "stats.dashboard_exported")) == 2


@pytest.mark.parametrize("path", ["/statistics/export/files.csv", "/statistics/export/dashboard.xlsx"])
def test_exports_are_for_coordinators_and_admins(client, auth, make_user, make_incubator, path):
    auth.login_as(make_user(role="incubator_manager", incubator_id=make_incubator().id))
    assert client.get(path).status_code == 403
