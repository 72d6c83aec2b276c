"""Admins' pages for reference data: the sectors (list, add, rename, delete while unused) and the regions with
their provinces (rename in Arabic and French). Only admins reach them (403 for everyone else). Changes are
committed by the app after a successful response and rolled back after a refused one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from jisr.authz import Permission, permission_required
from jisr.extensions import db
from jisr.forms import CsrfForm
from jisr.geo.models import Province, Region, Sector
from jisr.i18n import is_language_switch

from . import reference
from .reference_forms import NamesForm, SectorForm
from .services import AdminError

bp = Blueprint("reference_admin", __name__, url_prefix="/admin/reference")


def _get_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def _refused(form, error: AdminError) -> None:
    """The service's refusal shown on the field it is about."""
    field = getattr(form, error.field or "", None) or form.name_ar
    field.errors = [*field.errors, str(error)]


def _names_form(obj) -> NamesForm:
    return NamesForm(formdata=None, data={"name_ar": obj.name_ar, "name_fr": obj.name_fr})


# -- sectors --------------------------------------------------------------------------------------------

@bp.get("/sectors/")
@permission_required(Permission.ADMINISTER)
def sectors():
    return render_template("admin/reference_sectors.html", rows=reference.sectors())


def _render_new(form, status: int = 200):
    return render_template("admin/reference_sector_new.html", form=form, form_id="sector-form"), status


@bp.get("/sectors/new")
@permission_required(Permission.ADMINISTER)
def new_sector():
    return _render_new(SectorForm(formdata=None))


@bp.post("/sectors/new")
@permission_required(Permission.ADMINISTER)
def add_sector():
    form = SectorForm()
    if is_language_switch():
        return _render_new(form)
    if not form.validate_on_submit():
        return _render_new(form, 422)
    try:
        sector = reference.add_sector(current_user, form.code.data, form.name_ar.data, form.name_fr.data)
    except AdminError as error:
        _refused(form, error)
        return _render_new(form, 422)
    flash(_("The sector %(name)s has been added.", name=sector.name), "success")
    return redirect(url_for(".sectors"), 303)


def _render_sector(sector: Sector, form=None, status: int = 200):
    return render_template("admin/reference_sector.html", sector=sector, form=form or _names_form(sector),
                           uses=reference.sector_uses(sector), form_id="names-form"), status


@bp.get("/sectors/<int:sector_id>")
@permission_required(Permission.ADMINISTER)
def sector(sector_id: int):
    return _render_sector(_get_or_404(Sector, sector_id))


@bp.post("/sectors/<int:sector_id>")
@permission_required(Permission.ADMINISTER)
def rename_sector(sector_id: int):
    sector = _get_or_404(Sector, sector_id)
    form = NamesForm()
    if is_language_switch():
        return _render_sector(sector, form)
    if not form.validate_on_submit():
        return _render_sector(sector, form, 422)
    try:
        changed = reference.rename(sector, current_user, form.name_ar.data, form.name_fr.data)
    except AdminError as error:
        _refused(form, error)
        return _render_sector(sector, form, 422)
    flash(_("The sector %(name)s has been renamed.", name=sector.name) if changed else _("Nothing was changed."),
          "success" if changed else "info")
    return redirect(url_for(".sectors"), 303)


@bp.post("/sectors/<int:sector_id>/delete")
@permission_required(Permission.ADMINISTER)
def delete_sector(sector_id: int):
    sector = _get_or_404(Sector, sector_id)
    CsrfForm().validate_on_submit() or abort(400)
    name = sector.name
    try:
        reference.delete_sector(sector, current_user)
    except AdminError as error:
        flash(str(error), "error")
        return _render_sector(sector, status=409)
    flash(_("The sector %(name)s has been deleted.", name=name), "success")
    return redirect(url_for(".sectors"), 303)


# -- regions and provinces ------------------------------------------------------------------------------

@bp.get("/places/")
@permission_required(Permission.ADMINISTER)
def places():
    return render_template("admin/reference_places.html", regions=reference.regions())


PLACES = {"region": Region, "province": Province}


def _render_place(kind: str, place, form=None, status: int = 200):
    return render_template("admin/reference_place.html", kind=kind, place=place, form=form or _names_form(place),
                           form_id="names-form"), status


@bp.get("/<any(region, province):kind>s/<int:place_id>")
@permission_required(Permission.ADMINISTER)
def place(kind: str, place_id: int):
    return _render_place(kind, _get_or_404(PLACES[kind], place_id))


@bp.post("/<any(region, province):kind>s/<int:place_id>")
@permission_required(Permission.ADMINISTER)
def rename_place(kind: str, place_id: int):
    place = _get_or_404(PLACES[kind], place_id)
    form = NamesForm()
    if is_language_switch():
        return _render_place(kind, place, form)
    if not form.validate_on_submit():
        return _render_place(kind, place, form, 422)
    try:
        changed = reference.rename(place, current_user, form.name_ar.data, form.name_fr.data)
    except AdminError as error:
        _refused(form, error)
        return _render_place(kind, place, form, 422)
    if changed:
        flash(_("The region %(name)s has been renamed.", name=place.name) if kind == "region"
              else _("%(name)s has been renamed.", name=place.name), "success")
    else:
        flash(_("Nothing was changed."), "info")
    region_id = place.id if kind == "region" else place.region_id
    return redirect(url_for(".places", _anchor=f"region-{region_id}"), 303)
