"""Reference data as admins keep it: the sectors of activity (added, renamed, deleted while nothing uses them) and
the names of Morocco's regions and provinces in Arabic and French (their codes never change). Functions flush,
never commit; every change is audited with the names before and after.

A sector in use is never deleted: files point at it (the database would refuse), and incubators and
associations' applications would silently lose it (their links cascade), which would change routing."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from jisr.applications.models import Application
from jisr.audit.services import record
from jisr.auth.models import User
from jisr.calls.models import association_sectors
from jisr.extensions import db
from jisr.geo.models import Province, Region, Sector
from jisr.incubators.models import incubator_sectors

from .services import AdminError


@dataclass(frozen=True)
class Uses:
    """What points at a sector: files (applications.sector_id), incubators, associations' applications."""

    files: int = 0
    incubators: int = 0
    associations: int = 0

    @property
    def total(self) -> int:
        return self.files + self.incubators + self.associations

    def text(self) -> str:
        """"3 files, 1 incubator" in the reader's language (only the kinds that use it)."""
        parts = []
        if self.files:
            parts.append(ngettext("%(num)d file", "%(num)d files", self.files))
        if self.incubators:
            parts.append(ngettext("%(num)d incubator", "%(num)d incubators", self.incubators))
        if self.associations:
            parts.append(ngettext("%(num)d association application", "%(num)d association applications",
                                  self.associations))
        return _(", ").join(parts)


def _count(table_column, sector_column=Sector.id):
    return (sa.select(sa.func.count()).where(table_column == sector_column)
            .correlate(Sector).scalar_subquery())


def _with_uses(*where) -> list[tuple[Sector, Uses]]:
    """Sectors and what uses each, in one query (the counts are subqueries of that query)."""
    rows = db.session.execute(
        sa.select(Sector, _count(Application.sector_id), _count(incubator_sectors.c.sector_id),
                  _count(association_sectors.c.sector_id)).where(*where).order_by(Sector.id)).all()
    return [(sector, Uses(files, incubators, associations)) for sector, files, incubators, associations in rows]


def sectors() -> list[tuple[Sector, Uses]]:
    return _with_uses()


def sector_uses(sector: Sector) -> Uses:
    [(_sector, uses)] = _with_uses(Sector.id == sector.id)
    return uses


def regions() -> list[Region]:
    """Every region with its provinces: two queries."""
    return list(db.session.scalars(sa.select(Region).options(sa.orm.selectinload(Region.provinces))
                                   .order_by(Region.id)))


def _names(obj) -> dict:
    return {"name_ar": obj.name_ar, "name_fr": obj.name_fr}


_NAME_TAKEN = {Sector: _l("Another sector already has this name."),
               Region: _l("Another region already has this name."),
               Province: _l("Another province or prefecture already has this name.")}


def _refuse_taken_names(model, names: dict, exclude_id: int | None = None) -> None:
    """Two sectors (or provinces, or regions) with the same name could not be told apart in a list of choices."""
    for field, value in names.items():
        query = sa.select(model.id).where(getattr(model, field) == value)
        if exclude_id is not None:
            query = query.where(model.id != exclude_id)
        if db.session.scalar(query.limit(1)) is not None:
            raise AdminError(_NAME_TAKEN[model], field=field)


def _in_savepoint(change, message, field: str | None = None) -> None:
    """Make the change and flush it in a savepoint: a constraint that another admin's change broke in the meantime
    is a refusal of the form, not an error page; the change is undone and the transaction stays usable."""
    try:
        with db.session.begin_nested():
            change()
            db.session.flush()
    except sa.exc.IntegrityError:
        raise AdminError(message, field=field) from None


def code_taken(code: str) -> bool:
    return db.session.scalar(sa.select(Sector.id).where(Sector.code == code)) is not None


def add_sector(by: User, code: str, name_ar: str, name_fr: str) -> Sector:
    taken = _l("A sector already has this code: choose another one.")
    if code_taken(code):
        raise AdminError(taken, field="code")
    _refuse_taken_names(Sector, {"name_ar": name_ar, "name_fr": name_fr})
    sector = Sector(code=code, name_ar=name_ar, name_fr=name_fr)
    _in_savepoint(lambda: db.session.add(sector), taken, "code")
    record("admin.sector_added", sector, actor=by, after={"code": code, **_names(sector)})
    return sector


def rename(obj: Sector | Region | Province, by: User, name_ar: str, name_fr: str) -> bool:
    """New names for a sector, a region or a province. False when nothing changed."""
    before = _names(obj)
    changed = {field: value for field, value in (("name_ar", name_ar), ("name_fr", name_fr)) if before[field] != value}
    if not changed:
        return False
    _refuse_taken_names(type(obj), changed, exclude_id=obj.id)
    obj.name_ar, obj.name_fr = name_ar, name_fr
    db.session.flush()
    kind = {Sector: "sector", Region: "region", Province: "province"}[type(obj)]
    record(f"admin.{kind}_renamed", obj, actor=by, code=obj.code, before=before, after=_names(obj))
    return True


def delete_sector(sector: Sector, by: User) -> None:
    """Refused while anything uses the sector, saying how many do."""
    uses = sector_uses(sector)
    if uses.total:
        raise AdminError(_("This sector cannot be deleted because it is in use (%(uses)s). You can rename it "
                           "instead.", uses=uses.text()))
    before = {"code": sector.code, **_names(sector)}
    _in_savepoint(lambda: db.session.delete(sector),
                  _l("This sector has just been chosen for a file: it cannot be deleted."))  # in the meantime
    record("admin.sector_deleted", sector, actor=by, before=before)
