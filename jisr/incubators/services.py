"""Incubators: the public directory, what a manager reads and changes of her own incubator, the admins' list.
Functions flush, never commit (the request does); every change is audited."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from jisr.audit.services import record
from jisr.auth.models import Role, User
from jisr.bidi import display_phone  # noqa: F401  (the details form shows the stored number so, for editing)
from jisr.extensions import db
from jisr.geo.models import Province, Region
from jisr.i18n_fields import current_language
from jisr.incubators.models import Incubator, incubator_provinces
from jisr.routing import services as routing
from jisr.routing.models import Trigger

#: Entries (an incubator under one province it covers) per page of the public directory.
DIRECTORY_PAGE_SIZE = 50
ADMIN_PAGE_SIZE = 25
#: What a manager keeps up to date herself; coverage and sectors are the admins' (they come from the call).
DETAIL_FIELDS = ("name_ar", "name_fr", "address", "phone", "email", "capacity", "step_free_access",
                 "accessible_toilets", "sign_language")
#: A change to one of these may give waiting files of the area a place they can use.
ROUTING_FIELDS = frozenset({"capacity", "step_free_access", "accessible_toilets", "sign_language"})


def by_name(model):
    """The column to sort a bilingual table by, in the reader's language."""
    return getattr(model, f"name_{current_language()}", model.name_fr)


def pages_for(total: int, size: int) -> int:
    return max((total + size - 1) // size, 1)


# -- the public directory ---------------------------------------------------------------------------------

@dataclass
class ProvinceGroup:
    province: Province
    incubators: list[Incubator] = field(default_factory=list)


@dataclass
class RegionGroup:
    region: Region
    provinces: list[ProvinceGroup] = field(default_factory=list)


@dataclass
class Directory:
    regions: list[RegionGroup]
    entries: int  # an incubator counts once under each province it covers
    incubators: int
    page: int
    pages: int


def regions() -> list[Region]:
    return list(db.session.scalars(sa.select(Region).order_by(Region.id)))


def provinces() -> list[Province]:
    """Every province, by region (official order) then name in the reader's language."""
    return list(db.session.scalars(sa.select(Province).order_by(Province.region_id, by_name(Province))))


def directory(region_id: int | None, province_id: int | None, page: int) -> Directory:
    """One page of the active incubators, grouped by region then province, in three queries whatever their
    number (counts, the page, the page's sectors)."""
    where = [Incubator.active.is_(True)]
    if region_id:
        where.append(Province.region_id == region_id)
    if province_id:
        where.append(Province.id == province_id)

    def joined(query):
        return (query.select_from(incubator_provinces)
                .join(Incubator, Incubator.id == incubator_provinces.c.incubator_id)
                .join(Province, Province.id == incubator_provinces.c.province_id)
                .where(*where))

    entries, distinct = db.session.execute(joined(sa.select(
        sa.func.count(), sa.func.count(sa.distinct(Incubator.id))))).one()
    pages = pages_for(entries, DIRECTORY_PAGE_SIZE)
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        joined(sa.select(Region, Province, Incubator))
        .join(Region, Region.id == Province.region_id)
        .options(selectinload(Incubator.sectors))
        .order_by(Region.id, by_name(Province), Province.id, by_name(Incubator), Incubator.id)
        .limit(DIRECTORY_PAGE_SIZE).offset((page - 1) * DIRECTORY_PAGE_SIZE)).all()
    groups: list[RegionGroup] = []
    for region, province, incubator in rows:
        if not groups or groups[-1].region.id != region.id:
            groups.append(RegionGroup(region))
        group = groups[-1]
        if not group.provinces or group.provinces[-1].province.id != province.id:
            group.provinces.append(ProvinceGroup(province))
        group.provinces[-1].incubators.append(incubator)
    return Directory(groups, entries, distinct, page, pages)


# -- the manager's incubator -------------------------------------------------------------------------------

def load_of(incubator: Incubator) -> int:
    return routing.loads([incubator.id])[incubator.id]


def staff(incubator: Incubator) -> list[User]:
    """The mentors of the incubator."""
    return list(db.session.scalars(sa.select(User).where(User.incubator_id == incubator.id, User.role == Role.MENTOR)
                                   .order_by(User.full_name, User.id)))


@dataclass
class DetailsUpdate:
    changed: frozenset[str]
    routed: int  # waiting files of the area that found a place because of the change


def update_details(incubator: Incubator, by: User, values: dict) -> DetailsUpdate:
    """Save the public details a manager keeps up to date (values already validated and normalised).

    A larger capacity, or premises that became accessible, may give waiting files of the area a place they
    can use: they are routed in the same transaction. A capacity below the current load is allowed and
    moves nobody out; no new file comes until places free."""
    changes = {}
    for name in DETAIL_FIELDS:
        if name not in values:
            continue
        new = values[name]
        if name in ("phone", "email"):
            new = new or None
        old = getattr(incubator, name)
        if old != new:
            changes[name] = [old, new]
            setattr(incubator, name, new)
    if not changes:
        return DetailsUpdate(frozenset(), 0)
    db.session.flush()
    record("incubator.updated", incubator, actor=by, changes=changes)
    routed = 0
    if ROUTING_FIELDS & changes.keys():
        routed = routing.incubator_changed(incubator, Trigger.CAPACITY)
    return DetailsUpdate(frozenset(changes), routed)


# -- the admins' list --------------------------------------------------------------------------------------

def admin_rows(page: int) -> tuple[list[tuple[Incubator, int]], int, int, int]:
    """One page of every incubator with its provinces and load: four queries whatever their number
    (count, page, provinces, loads). Returns rows, total, page (clamped) and pages."""
    total = db.session.scalar(sa.select(sa.func.count(Incubator.id)))
    pages = pages_for(total, ADMIN_PAGE_SIZE)
    page = min(max(page, 1), pages)
    incubators = list(db.session.scalars(
        sa.select(Incubator).options(selectinload(Incubator.provinces))
        .order_by(Incubator.active.desc(), by_name(Incubator), Incubator.id)
        .limit(ADMIN_PAGE_SIZE).offset((page - 1) * ADMIN_PAGE_SIZE)))
    load = routing.loads(i.id for i in incubators)
    return [(incubator, load[incubator.id]) for incubator in incubators], total, page, pages
