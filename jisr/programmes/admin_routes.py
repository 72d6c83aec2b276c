"""Admins' pages for programmes: the list, a new programme, one programme with its rules, grids and consent
text, a new edition. Only admins reach them. A refused change answers 4xx and the app rolls it back; an
accepted one answers 303 and the app commits it."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from jisr.authz import Permission, permission_required
from jisr.extensions import db
from jisr.geo.models import Province, Region
from jisr.i18n import is_language_switch
from jisr.labels import SelectChoice
from jisr.timeutil import local_today

from . import admin, consent
from .forms import ConsentForm, EditionForm, ItemForm, ProgrammeForm
from .models import Programme

bp = Blueprint("programmes_admin", __name__, url_prefix="/admin/programmes")


def _programme_or_404(programme_id: int) -> Programme:
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        abort(404)
    return programme


def _grid_or_404(key: str) -> admin.Grid:
    if key not in admin.GRIDS:
        abort(404)
    return admin.GRIDS[key]


def _refused(form, error: admin.ProgrammeError) -> None:
    field = getattr(form, error.field or "", None) or next(f for f in form if f.name != "csrf_token")
    field.errors = [*field.errors, str(error)]


@bp.get("/")
@permission_required(Permission.ADMINISTER)
def index():
    return render_template("admin/programmes.html", programmes=admin.programmes(), today=local_today())


def _province_choices(form) -> None:
    form.provinces.choices = [SelectChoice(p.id, p.name) for p in db.session.scalars(
        sa.select(Province).join(Region).order_by(Region.id, Province.name_fr))]


def _render_form(form, programme: Programme | None):
    _province_choices(form)
    return render_template("admin/programme_form.html", form=form, programme=programme,
                           form_id="programme-form"), 422 if form.errors else 200


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.ADMINISTER)
def new():
    today = local_today()
    form = ProgrammeForm(data={"targets_women": True, "targets_disability": True, "min_age": 18,
                               "one_active_file_per_person": True, "opens_on": today,
                               "closes_on": date(today.year, 12, 31)})
    _province_choices(form)
    if not is_language_switch() and form.validate_on_submit():
        try:
            programme = admin.create(form.data_for_model(), form.provinces.data, current_user)
        except admin.ProgrammeError as error:
            _refused(form, error)
        else:
            flash(_("The programme is created with the default stages, reasons and assessment sheet: adapt them "
                    "below."), "success")
            return redirect(url_for(".show", programme_id=programme.id), 303)
    return _render_form(form, None)


@bp.route("/<int:programme_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.ADMINISTER)
def edit(programme_id: int):
    programme = _programme_or_404(programme_id)
    form = ProgrammeForm(data={**{name: getattr(programme, name) for name in admin.FIELDS},
                               "provinces": [p.id for p in programme.provinces]})
    _province_choices(form)
    if not is_language_switch() and form.validate_on_submit():
        try:
            admin.update(programme, form.data_for_model(), form.provinces.data, current_user)
        except admin.ProgrammeError as error:
            _refused(form, error)
        else:
            flash(_("The programme is saved."), "success")
            return redirect(url_for(".show", programme_id=programme.id), 303)
    return _render_form(form, programme)


def _render_show(programme: Programme, error: str | None = None, status: int = 200):
    grids = [(grid, grid.rows(programme)) for grid in admin.GRIDS.values()]
    return render_template("admin/programme.html", programme=programme, grids=grids, error=error,
                           current_consent=consent.current(programme), versions=consent.versions(programme),
                           today=local_today()), status


@bp.get("/<int:programme_id>")
@permission_required(Permission.ADMINISTER)
def show(programme_id: int):
    return _render_show(_programme_or_404(programme_id))


@bp.route("/<int:programme_id>/edition", methods=["GET", "POST"])
@permission_required(Permission.ADMINISTER)
def edition(programme_id: int):
    source = _programme_or_404(programme_id)
    shift = lambda d: d.replace(year=d.year + 1) if (d.month, d.day) != (2, 29) else d.replace(year=d.year + 1, day=28)  # noqa: E731
    form = EditionForm(data={"code": f"{source.code}-{source.opens_on.year + 1}", "name_ar": source.name_ar,
                             "name_fr": source.name_fr, "opens_on": shift(source.opens_on),
                             "closes_on": shift(source.closes_on)})
    if not is_language_switch() and form.validate_on_submit():
        data = {name: form[name].data for name in ("code", "name_ar", "name_fr", "opens_on", "closes_on")}
        try:
            copy = admin.new_edition(source, data, current_user)
        except admin.ProgrammeError as error:
            _refused(form, error)
        else:
            flash(_("The new edition is created from %(programme)s: check its rules and grids.",
                    programme=source.name), "success")
            return redirect(url_for(".show", programme_id=copy.id), 303)
    return render_template("admin/programme_edition.html", form=form, programme=source,
                           form_id="edition-form"), 422 if form.errors else 200


@bp.route("/<int:programme_id>/consent", methods=["GET", "POST"])
@permission_required(Permission.ADMINISTER)
def consent_text(programme_id: int):
    programme = _programme_or_404(programme_id)
    now = consent.current(programme)
    form = ConsentForm(data={"body_ar": now.text.body_ar if now.text else consent.built_in_text("ar"),
                             "body_fr": now.text.body_fr if now.text else consent.built_in_text("fr")})
    if not is_language_switch() and form.validate_on_submit():
        current = ((now.text.body_ar, now.text.body_fr) if now.text else
                   (consent.built_in_text("ar"), consent.built_in_text("fr")))
        if (form.body_ar.data.strip(), form.body_fr.data.strip()) == tuple(b.strip() for b in current):
            form.body_fr.errors = [_("The text is the same as the current version: change it before publishing.")]
        else:
            text = consent.publish(programme, form.body_ar.data, form.body_fr.data, current_user, local_today())
            flash(_("Version %(version)s is published: applicants with a sent file will be asked to agree to it "
                    "at their next visit.", version=text.version), "success")
            return redirect(url_for(".show", programme_id=programme.id), 303)
    return render_template("admin/programme_consent.html", form=form, programme=programme, current_consent=now,
                           versions=consent.versions(programme), form_id="consent-form"), \
        422 if form.errors else 200


def _item_form(grid: admin.Grid, item) -> ItemForm:
    form = ItemForm(obj=item) if item is not None else ItemForm(data={"weight": 1, "max_score": 5})
    if item is not None:
        del form.code  # fixed once created: decisions and reports name it
    if grid.model is not admin.AssessmentCriterion:
        del form.weight, form.max_score
    return form


@bp.route("/<int:programme_id>/<grid_key>/new", methods=["GET", "POST"], defaults={"item_id": None})
@bp.route("/<int:programme_id>/<grid_key>/<int:item_id>", methods=["GET", "POST"])
@permission_required(Permission.ADMINISTER)
def item(programme_id: int, grid_key: str, item_id: int | None):
    programme, grid = _programme_or_404(programme_id), _grid_or_404(grid_key)
    found = admin.grid_item(grid, programme, item_id) if item_id is not None else None
    if item_id is not None and found is None:
        abort(404)
    form = _item_form(grid, found)
    if not is_language_switch() and form.validate_on_submit():
        data = {name: form[name].data for name in ("code", "name_ar", "name_fr", "weight", "max_score")
                if name in form}
        try:
            admin.save_item(grid, programme, found, data, current_user)
        except admin.ProgrammeError as error:
            _refused(form, error)
        else:
            flash(_("The line is saved."), "success")
            return redirect(url_for(".show", programme_id=programme.id, _anchor=f"grid-{grid.key}"), 303)
    return render_template("admin/programme_item.html", form=form, programme=programme, grid=grid, item=found,
                           scored=found is not None and grid.model is admin.AssessmentCriterion
                           and admin.scored(found), form_id="item-form"), 422 if form.errors else 200


def _posted_item(programme_id: int, grid_key: str, item_id: int):
    programme, grid = _programme_or_404(programme_id), _grid_or_404(grid_key)
    found = admin.grid_item(grid, programme, item_id)
    if found is None:
        abort(404)
    return programme, grid, found


@bp.post("/<int:programme_id>/<grid_key>/<int:item_id>/move/<direction>")
@permission_required(Permission.ADMINISTER)
def move(programme_id: int, grid_key: str, item_id: int, direction: str):
    programme, grid, found = _posted_item(programme_id, grid_key, item_id)
    try:
        admin.move_item(grid, programme, found, direction, current_user)
    except admin.ProgrammeError as error:
        return _render_show(programme, str(error), 409)
    return redirect(url_for(".show", programme_id=programme.id, _anchor=f"grid-{grid.key}"), 303)


@bp.post("/<int:programme_id>/<grid_key>/<int:item_id>/remove")
@permission_required(Permission.ADMINISTER)
def remove(programme_id: int, grid_key: str, item_id: int):
    programme, grid, found = _posted_item(programme_id, grid_key, item_id)
    name = found.name
    try:
        done = admin.remove_item(grid, programme, found, current_user)
    except admin.ProgrammeError as error:
        return _render_show(programme, str(error), 409)
    flash({"deleted": _("“%(name)s” is deleted.", name=name),
           "retired": _("“%(name)s” is retired: staff no longer see it, past decisions keep it.", name=name),
           "restored": _("“%(name)s” is offered to staff again.", name=name)}[done], "success")
    return redirect(url_for(".show", programme_id=programme.id, _anchor=f"grid-{grid.key}"), 303)
