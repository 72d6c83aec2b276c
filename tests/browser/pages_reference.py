"""Pages of the reference data for the audits of pages.py (see its docstring): the sectors (the list, one unused,
one in use, a new one, refused names and codes) and the regions with their provinces (the list, a region, a
province, refused names). Seen by the admin of pages.py's ROLES. The setups change no name and add no sector:
reference tables outlive a test."""

from __future__ import annotations

import sqlalchemy as sa

from jisr.extensions import db
from jisr.geo.models import Sector

from .pages import Page, World, submit_as_is

ROLES: dict = {}


def _sector(code: str) -> int:
    return db.session.scalar(sa.select(Sector.id).where(Sector.code == code))


def _unused_sector(world: World) -> str:
    return f"/admin/reference/sectors/{_sector('beauty')}"


def _sector_in_use(world: World) -> str:
    """Handicrafts, the sector of a file sent by an applicant."""
    admin = world.user
    world.user = world.make_user(full_name="Zahira Oubaha")
    with world.client.session_transaction() as session:
        session["_user_id"] = str(world.user.id)
    world.sent()
    world.user = admin
    return f"/admin/reference/sectors/{_sector('handicrafts')}"


def _province(world: World) -> str:
    return f"/admin/reference/provinces/{world.province('errachidia').id}"


def _region(world: World) -> str:
    return f"/admin/reference/regions/{world.province('errachidia').region_id}"


def _without_names(page, world) -> None:
    page.fill("#name_ar", "")
    page.fill("#name_fr", "")
    submit_as_is(page, world)


def _latin_name_and_bad_code(page, world) -> None:
    page.fill("#name_ar", "Transformation")
    page.fill("#name_fr", "Transformation alimentaire")
    page.fill("#code", "agro alimentaire")
    submit_as_is(page, world)


PAGES: list[Page] = [
    Page("reference-sectors", "admin", "/admin/reference/sectors/"),
    Page("reference-sector", "admin", _unused_sector, "unused"),
    Page("reference-sector", "admin", _sector_in_use, "in-use"),
    Page("reference-sector", "admin", _unused_sector, "errors", act=_without_names),
    Page("reference-sector-new", "admin", "/admin/reference/sectors/new"),
    Page("reference-sector-new", "admin", "/admin/reference/sectors/new", "errors"),
    Page("reference-sector-new", "admin", "/admin/reference/sectors/new", "bad-script-and-code",
         act=_latin_name_and_bad_code, status=422),
    Page("reference-places", "admin", "/admin/reference/places/"),
    Page("reference-places", "admin", _province, "unchanged", act=submit_as_is),
    Page("reference-region", "admin", _region),
    Page("reference-province", "admin", _province),
    Page("reference-province", "admin", _province, "errors", act=_without_names),
]
