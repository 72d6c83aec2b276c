"""The dashboard of admins (every province) and coordinators (theirs): the funnel, its breakdowns and the trend
by month, as tables with an SVG chart beside the main ones (drawn on the server, no JavaScript). Filters in the
query string: programme, province, period of months started."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField
from wtforms.fields import MonthField
from wtforms.validators import Optional, ValidationError

from jisr import jobs
from jisr.audit.services import record
from jisr.authz import Permission, permission_required
from jisr.extensions import db
from jisr.forms import Form
from jisr.geo.models import Province, Region, Sector
from jisr.i18n_fields import current_language
from jisr.labels import SelectChoice, label
from jisr.programmes.models import Programme
from jisr.timeutil import utcnow

from . import exports, incubators, queries
from .facts import DIMENSIONS, STAGES

bp = Blueprint("stats", __name__, url_prefix="/statistics")
#: The stages a breakdown's table shows (the funnel shows them all).
BREAKDOWN_STAGES = ("registered", "submitted", "accepted", "completed")
PUBLIC_STAGES = ("submitted", "eligible", "accepted", "completed")


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class DashboardForm(Form):
    programme = SelectField(_l("Programme"), coerce=_int_or_none, validators=[Optional()])
    province = SelectField(_l("Province"), coerce=_int_or_none, validators=[Optional()])
    since = MonthField(_l("Files started from"), validators=[Optional()])
    until = MonthField(_l("Until"), validators=[Optional()])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end of the period comes before its start."))


def _value_label(dimension: str, value: str, sectors: dict) -> str:
    if value == "unknown" and dimension != "age_band":
        return _("Not known")
    if dimension == "sector":
        return sectors.get(value, value)
    kind = {"disability": "disability_type", "carrier": "carrier"}.get(dimension, dimension)
    return label(kind, value)


def _dashboard(every_incubator: bool = False):
    """The dashboard's figures for the filters of the query string: (data or None, form, valid); the incubators'
    record of the incubators.SHOWN busiest, or of every one."""
    queries.fresh()
    form = DashboardForm(request.args)
    programmes = list(db.session.scalars(sa.select(Programme).order_by(Programme.opens_on.desc(), Programme.id)))
    form.programme.choices = [SelectChoice(p.id, p.name) for p in programmes]
    mine = queries.reader_provinces(current_user)
    provinces = sa.select(Province).join(Region).order_by(Region.id, Province.name_fr)
    if mine is not None:
        provinces = provinces.where(Province.id.in_(mine or [-2]))
    form.province.choices = [SelectChoice("", _("All my provinces") if mine is not None else _("All provinces"))] + [
        SelectChoice(p.id, p.name) for p in db.session.scalars(provinces)]
    valid = form.validate()
    if not programmes:
        return None, form, valid
    programme_id = form.programme.data if not form.programme.errors and form.programme.data else programmes[0].id
    selection = queries.Selection(
        programme_id=programme_id, province_id=form.province.data if not form.province.errors else None,
        since=form.since.data if valid else None, until=form.until.data if valid else None, readable=mine)
    sectors = {str(s.id): s.name for s in db.session.scalars(sa.select(Sector))}
    raw = {dimension: queries.breakdown(current_user, selection, dimension) for dimension in DIMENSIONS
           if dimension != "incubator"}
    stages = incubators.mentoring_stages(programme_id)
    counts = queries.breakdown(current_user, selection, "incubator", incubators.record_stages(stages))
    data = dict(
        programme=next(p for p in programmes if p.id == programme_id), funnel=queries.funnel(current_user, selection),
        breakdowns=[(dimension, sorted(((_value_label(dimension, value, sectors), counts)
                                        for value, counts in raw[dimension].items()),
                                       key=lambda item: -item[1]["registered"])) for dimension in raw],
        trend=queries.trend(current_user, selection), mentoring_stages=stages,
        incubators=incubators.incubator_record(counts, stages, None if every_incubator else incubators.SHOWN),
        incubators_total=incubators.incubators_in(counts))
    return data, form, valid


@bp.get("/")
@permission_required(Permission.COORDINATE)
def dashboard():
    data, form, valid = _dashboard()
    if data is None:
        return render_template("stats/dashboard.html", form=form, programme=None), 200
    rtl = current_language() == "ar"
    funnel, trend = data["funnel"], data["trend"]
    return render_template(
        "stats/dashboard.html", form=form, stages=STAGES, breakdown_stages=BREAKDOWN_STAGES,
        # Translated once, filled in on every row of the incubators' record (hundreds of gettext calls otherwise).
        record_texts=dict(places=_("%(load)s of %(capacity)s"), share=_("%(rate)s%% of its files"),
                          none_yet=_("None taken up yet"), stage=_("%(stage)s: %(count)s")),
        export_args={k: v for k, v in request.args.items() if v}, files_by_job=jobs.enabled(), **data,
        funnel_chart=queries.bars([(label("funnel_stage", s), funnel[s]) for s in STAGES], rtl=rtl),
        trend_chart=queries.bars([(format_date(month, "MMMM y"), counts["submitted"]) for month, counts in trend],
                                 rtl=rtl),
    ), 200 if valid else 422


def _download(rows, name: str, fmt: str, sheet: str):
    stamp = f"{utcnow():%Y%m%d-%H%M}"
    if fmt == "xlsx":
        return send_file(exports.xlsx_file(rows, sheet), as_attachment=True, download_name=f"{name}-{stamp}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", max_age=0)
    return Response(stream_with_context(exports.csv_stream(rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"',
                             "Cache-Control": "no-store"})


@bp.get("/export/dashboard.<any(csv, xlsx):fmt>")
@permission_required(Permission.COORDINATE)
def export_dashboard(fmt: str):
    data, form, valid = _dashboard(every_incubator=True)
    if data is None or not valid:
        return dashboard()
    record("stats.dashboard_exported", data["programme"], format=fmt,
           filters={k: v for k, v in request.args.items() if v})
    rows = exports.dashboard_rows(data["funnel"], data["breakdowns"], data["trend"], STAGES, BREAKDOWN_STAGES,
                                  data["incubators"], data["mentoring_stages"])
    return _download(rows, "jisr-dashboard", fmt, _("Dashboard"))


@bp.get("/export/files.<any(csv, xlsx):fmt>")
@permission_required(Permission.COORDINATE)
def export_files(fmt: str):
    """Every sent file of the reader's scope; `?pseudonymised=1` without anything that names a person. With a job
    queue a job prepares it instead (export_routes.py): an old link or bookmark leads to the page that asks."""
    if jobs.enabled():
        flash(_("Exports of files are prepared in the background: ask for one here, then download it."), "info")
        return redirect(url_for("exports.index"))
    pseudonymised = request.args.get("pseudonymised") == "1"
    record("stats.files_exported", format=fmt, pseudonymised=pseudonymised)
    return _download(exports.file_rows(current_user, pseudonymised), "jisr-files", fmt, _("Files"))


@bp.get("/public")
def public():
    """Anyone, signed in or not: the anonymised funnel of a programme."""
    from .public import PRIMARY, THRESHOLD, public_funnel

    programmes = list(db.session.scalars(sa.select(Programme).order_by(Programme.opens_on.desc(), Programme.id)))
    chosen = request.args.get("programme", type=int)
    programme = next((p for p in programmes if p.id == chosen), programmes[0] if programmes else None)
    queries.fresh()
    figures = public_funnel(programme.id) if programme else None
    return render_template("stats/public.html", programmes=programmes, programme=programme, figures=figures,
                           public_stages=PUBLIC_STAGES, primary=PRIMARY, threshold=THRESHOLD)
