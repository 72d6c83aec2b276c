"""Exports of files and of the dashboard's tables, as CSV or XLSX, in the reader's language.

Files are read in keyset batches of plain rows (nothing kept in the session) and written as they come: CSV is
streamed to the client batch by batch; XLSX is written row by row by XlsxWriter in constant-memory mode to a
temporary file, which is then streamed. Either way the memory used does not grow with the number of files.
The pseudonymised export drops names, national IDs, phones, e-mails and exact birth dates (an age band
instead) and replaces the reference by a pseudonym that stays the same from one export to the next, so that
files can be followed without being named.

No direction mark lands in a cell (`strip_isolates`), whatever the value came from: a name someone typed with
one, a label, an amount isolated for Arabic text."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import tempfile
from collections.abc import Iterator
from datetime import date

import sqlalchemy as sa
import xlsxwriter
from flask import current_app
from flask_babel import gettext as _

from jisr.applications.models import ApplicantProfile, Application
from jisr.auth.models import User
from jisr.authz import application_scope
from jisr.bidi import strip_isolates
from jisr.extensions import db
from jisr.geo.models import Province, Sector
from jisr.i18n_fields import current_language
from jisr.labels import label
from jisr.timeutil import aware, local_today

from .facts import age_band

BATCH = 2000


def _headers(pseudonymised: bool) -> list[str]:
    personal = [] if pseudonymised else [_("Reference"), _("Last name"), _("First name"), _("Name in Arabic"),
                                         _("National ID"), _("Phone"), _("E-mail"), _("Date of birth")]
    return ([_("Pseudonym")] if pseudonymised else []) + personal + [
        _("Age"), _("Sex"), _("Province"), _("Sector"), _("Disability"), _("Individual or group"), _("Status"),
        _("Sent on")]


def pseudonym(application_id: int) -> str:
    """A stable pseudonym: a keyed hash of the file's number (the key never leaves the server)."""
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), f"file:{application_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:12].upper()


def _columns():
    return (Application.id, Application.reference, Application.status, Application.submitted_at,
            Application.carrier, Application.province_id, Application.sector_id, ApplicantProfile.first_name_latin,
            ApplicantProfile.last_name_latin, ApplicantProfile.first_name_ar, ApplicantProfile.last_name_ar,
            ApplicantProfile.national_id, ApplicantProfile.birth_date, ApplicantProfile.sex,
            ApplicantProfile.disability_type, User.phone, User.email)


def file_rows(user: User, pseudonymised: bool, batch: int = BATCH) -> Iterator[list]:
    """The header, then one list of values per file of the user's scope (submitted files only), in id order."""
    yield _headers(pseudonymised)
    lang = current_language()
    provinces = {p.id: getattr(p, f"name_{lang}", p.name_fr) for p in db.session.scalars(sa.select(Province))}
    sectors = {s.id: getattr(s, f"name_{lang}", s.name_fr) for s in db.session.scalars(sa.select(Sector))}
    today = local_today()
    last = 0
    while True:
        rows = db.session.execute(
            sa.select(*_columns()).select_from(Application)
            .outerjoin(ApplicantProfile, ApplicantProfile.user_id == Application.applicant_id)
            .join(User, User.id == Application.applicant_id)
            .where(application_scope(user), Application.submitted_at.is_not(None), Application.id > last)
            .order_by(Application.id).limit(batch)).all()
        if not rows:
            return
        for r in rows:
            personal = [] if pseudonymised else [
                r.reference or "", r.last_name_latin or "", r.first_name_latin or "",
                " ".join(n for n in (r.first_name_ar, r.last_name_ar) if n), r.national_id or "", r.phone or "",
                r.email or "", r.birth_date.isoformat() if r.birth_date else ""]
            yield ([pseudonym(r.id)] if pseudonymised else []) + personal + [
                label("age_band", age_band(r.birth_date, today)), label("sex", r.sex) if r.sex else "",
                provinces.get(r.province_id, ""), sectors.get(r.sector_id, ""),
                label("disability_type", r.disability_type or "none"), label("carrier", r.carrier) if r.carrier else "",
                label("status", r.status), aware(r.submitted_at).date().isoformat() if r.submitted_at else ""]
        last = rows[-1].id


def csv_cell(value):
    """A value as a CSV cell holds it: without isolates, embeddings or direction marks (the spreadsheet lays the
    cell out itself; a mark would stay in the value, in any search or formula on it), and a text a spreadsheet
    would run as a formula (=, +, -, @ first, once the marks are gone) written as text."""
    value = strip_isolates(value)
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


def csv_stream(rows: Iterator[list]) -> Iterator[str]:
    """CSV text, a chunk per batch of rows (with a byte-order mark, so spreadsheets read the Arabic right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    for n, row in enumerate(rows, 1):
        writer.writerow([csv_cell(value) for value in row])
        if n % 500 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def xlsx_file(rows: Iterator[list], sheet: str):
    """An XLSX workbook written row by row (constant memory) into a temporary file, rewound for streaming."""
    target = tempfile.TemporaryFile()
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": False,
                                            "strings_to_numbers": False, "strings_to_formulas": False})
    worksheet = workbook.add_worksheet(strip_isolates(sheet)[:31])
    if current_language() == "ar":
        worksheet.right_to_left()
    bold = workbook.add_format({"bold": True})
    for n, row in enumerate(rows):
        # No formula can come from a string here (strings_to_formulas is off): only the marks go.
        worksheet.write_row(n, 0, [strip_isolates(value) for value in row], bold if n == 0 else None)
    workbook.close()
    target.seek(0)
    return target


def dashboard_rows(funnel: dict, breakdowns: list, trend: list, stages, breakdown_stages, incubators=(),
                   mentoring_stages=()) -> Iterator[list]:
    """Every table of the dashboard, one after the other: a first column names the table. The incubators' record
    has columns of its own: it follows, after an empty row, with its own header row."""
    yield [_("Table"), _("Row")] + [label("funnel_stage", s) for s in stages]
    yield [_("The funnel"), _("All")] + [funnel[s] for s in stages]
    for month, counts in trend:
        yield [_("Month by month"), month.isoformat()[:7] if isinstance(month, date) else month] + [
            counts[s] for s in stages]
    for dimension, rows in breakdowns:
        for text, counts in rows:
            yield [label("dimension", dimension), text] + [counts[s] for s in stages]
    if not incubators:
        return
    yield []
    yield [_("Table"), _("Incubator"), _("Places taken now"), _("Capacity"), _("Files routed to it"),
           label("funnel_stage", "accepted"), label("funnel_stage", "completed"), label("funnel_stage", "dropped_out"),
           _("Files taken up"), _("Days to first contact (mean)"), _("Jobs created"),
           _("Files with financing obtained"), _("Financing obtained (dirhams)")] + [
        _("Stage reached: %(stage)s", stage=stage.name) for stage in mentoring_stages]
    for r in incubators:
        yield [_("Incubators"), r.name, r.load, r.incubator.capacity, r.routed, r.accepted, r.completed,
               r.dropped_out, r.contacted, round(r.contact_days, 1) if r.contact_days is not None else "", r.jobs,
               r.financed, r.financing] + [n for _stage, n in r.stages]
