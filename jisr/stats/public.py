"""The public funnel: the programme's figures by region, by province and by month for anyone to read, with small
counts hidden. A count below THRESHOLD is shown as "fewer than 5" (primary suppression). Then, since a region's
figure is the sum of its provinces' and the country's the sum of its regions' (or of its months'), a hidden cell
could be worked out by subtraction when it is the only hidden one of its sum: so in every such relation (a total
and its parts, stage by stage) either nothing is hidden or at least two cells are, the smallest shown part being
hidden too when needed (secondary suppression), until no relation has exactly one hidden cell. The relations
form a tree, so with two unknowns in every equation no hidden figure can be solved for."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from jisr.extensions import db
from jisr.geo.models import Province, Region

from .facts import ALL_TIME, STAGES
from .models import FunnelCount

THRESHOLD = 5
PRIMARY, SECONDARY = "fewer", "hidden"


def suppress(values: dict, relations: list[tuple[object, list]]) -> dict:
    """{cell: None | PRIMARY | SECONDARY} for `values` ({cell: count}) under `relations` ([(total, [parts])]):
    cells below the threshold are PRIMARY; then each relation with exactly one hidden cell hides its smallest
    shown part (or its total when every part is hidden), repeated until none is left with exactly one."""
    hidden = {cell: (PRIMARY if value < THRESHOLD else None) for cell, value in values.items()}
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            cells = [total, *parts]
            if sum(1 for c in cells if hidden[c]) != 1:
                continue
            shown = sorted((values[c], str(c)) for c in parts if not hidden[c])
            victim = next(c for c in parts if str(c) == shown[0][1]) if shown else total
            if hidden[victim]:  # only the total is left shown among its parts: hide the total
                victim = total
            hidden[victim] = SECONDARY
            changed = True
    return hidden


@dataclass
class Cell:
    value: int
    hidden: str | None  # None (shown), PRIMARY or SECONDARY


@dataclass
class PublicFunnel:
    national: dict[str, Cell] = field(default_factory=dict)
    regions: list[tuple[Region, dict[str, Cell], list[tuple[Province, dict[str, Cell]]]]] = field(default_factory=list)
    unknown: dict[str, Cell] | None = None
    months: list[tuple[object, dict[str, Cell]]] = field(default_factory=list)


def public_funnel(programme_id: int) -> PublicFunnel:
    """The programme's anonymised figures: one query over its summary rows (dimension "all")."""
    counts: dict[tuple, int] = defaultdict(int)
    for province_id, month, stage, count in db.session.execute(
            sa.select(FunnelCount.province_id, FunnelCount.month, FunnelCount.stage, sa.func.sum(FunnelCount.count))
            .where(FunnelCount.programme_id == programme_id, FunnelCount.dimension == "all",
                   FunnelCount.province_id != 0, FunnelCount.month > ALL_TIME)
            .group_by(FunnelCount.province_id, FunnelCount.month, FunnelCount.stage)):
        counts[("province", province_id, stage)] += int(count or 0)
        counts[("month", month, stage)] += int(count or 0)
        counts[("nation", None, stage)] += int(count or 0)
    provinces = list(db.session.scalars(sa.select(Province).join(Region).options(sa.orm.contains_eager(
        Province.region)).order_by(Region.id, Province.name_fr)))
    regions: dict[int, Region] = {}
    by_region: dict[int, list[Province]] = defaultdict(list)
    for province in provinces:
        regions.setdefault(province.region_id, province.region)
        by_region[province.region_id].append(province)
    months = sorted({key[1] for key in counts if key[0] == "month"})
    unknown = counts[("province", -1, "registered")] > 0  # files whose province is not known yet
    result = PublicFunnel()
    for stage in STAGES:
        values = {("nation", None): counts[("nation", None, stage)]}
        if unknown:
            values[("unknown", -1)] = counts[("province", -1, stage)]
        relations = []
        for region_id, members in by_region.items():
            values[("region", region_id)] = sum(counts[("province", p.id, stage)] for p in members)
            for p in members:
                values[("province", p.id)] = counts[("province", p.id, stage)]
            relations.append((("region", region_id), [("province", p.id) for p in members]))
        parts = [("region", r) for r in by_region] + ([("unknown", -1)] if unknown else [])
        relations.append((("nation", None), parts))
        for month in months:
            values[("month", month)] = counts[("month", month, stage)]
        if months:
            relations.append((("nation", None), [("month", m) for m in months]))
        hidden = suppress(values, relations)
        cell = {key: Cell(values[key], hidden[key]) for key in values}
        result.national[stage] = cell[("nation", None)]
        if unknown:
            result.unknown = result.unknown or {}
            result.unknown[stage] = cell[("unknown", -1)]
        for region_id in by_region:
            found = next((r for r in result.regions if r[0].id == region_id), None)
            if found is None:
                found = (regions[region_id], {}, [(p, {}) for p in by_region[region_id]])
                result.regions.append(found)
            found[1][stage] = cell[("region", region_id)]
            for province, cells in found[2]:
                cells[stage] = cell[("province", province.id)]
        for month in months:
            found = next((m for m in result.months if m[0] == month), None)
            if found is None:
                found = (month, {})
                result.months.append(found)
            found[1][stage] = cell[("month", month)]
    return result
