"""The dashboard of admins (every province) and coordinators (theirs): the funnel, its breakdowns and the trend
by month, as tables with an SVG chart beside the main ones (drawn on the server, no JavaScript). Filters in the
query string: programme, province, period of months started."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import Form, SelectField
from wtforms.fields import MonthField
from wtforms.validators import Optional, ValidationError

from jisr.authz import Permission, permission_required
from jisr.extensions import db
from jisr.geo.models import Province, Region, Sector
from jisr.i18n_fields import current_language
from jisr.labels import SelectChoice, label
from jisr.programmes.models import Programme

from . import queries
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


@bp.get("/")
@permission_required(Permission.COORDINATE)
def dashboard():
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
        return render_template("stats/dashboard.html", form=form, programme=None), 200
    programme_id = form.programme.data if not form.programme.errors and form.programme.data else programmes[0].id
    selection = queries.Selection(
        programme_id=programme_id, province_id=form.province.data if not form.province.errors else None,
        since=form.since.data if valid else None, until=form.until.data if valid else None, readable=mine)
    funnel = queries.funnel(current_user, selection)
    rtl = current_language() == "ar"
    sectors = {str(s.id): s.name for s in db.session.scalars(sa.select(Sector))}
    breakdowns = [(dimension, sorted(((_value_label(dimension, value, sectors), counts) for value, counts in
                                      queries.breakdown(current_user, selection, dimension).items()),
                                     key=lambda item: -item[1]["registered"])) for dimension in DIMENSIONS]
    trend = queries.trend(current_user, selection)
    return render_template(
        "stats/dashboard.html", form=form, programme=next(p for p in programmes if p.id == programme_id),
        stages=STAGES, funnel=funnel, breakdowns=breakdowns, breakdown_stages=BREAKDOWN_STAGES, trend=trend,
        funnel_chart=queries.bars([(label("funnel_stage", s), funnel[s]) for s in STAGES], rtl=rtl),
        trend_chart=queries.bars([(format_date(month, "MMMM y"), counts["submitted"]) for month, counts in trend],
                                 rtl=rtl),
    ), 200 if valid else 422


@bp.get("/public")
def public():
    """Anyone, signed in or not: the anonymised funnel of a programme."""
    from .public import PRIMARY, public_funnel

    programmes = list(db.session.scalars(sa.select(Programme).order_by(Programme.opens_on.desc(), Programme.id)))
    chosen = request.args.get("programme", type=int)
    programme = next((p for p in programmes if p.id == chosen), programmes[0] if programmes else None)
    figures = public_funnel(programme.id) if programme else None
    return render_template("stats/public.html", programmes=programmes, programme=programme, figures=figures,
                           public_stages=PUBLIC_STAGES, primary=PRIMARY)
