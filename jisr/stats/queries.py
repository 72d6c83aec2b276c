"""The dashboards' figures, read from funnel_counts (never from the files): the funnel, each breakdown and the
trend by month, for one programme, a province or all of the reader's, and a period of months started. An admin
with no province reads the rows kept for every province (province 0); a coordinator sums her provinces' rows.
Each figure is one query over a few thousand rows, whatever the number of files."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from jisr.auth.models import Role, User, user_provinces
from jisr.extensions import db

from .facts import ALL_TIME, STAGES
from .models import FunnelCount


@dataclass
class Selection:
    programme_id: int
    province_id: int | None = None  # None: all the reader's provinces
    since: date | None = None  # first days of months, both included
    until: date | None = None
    readable: list[int] | None = None  # the reader's provinces (None: every province), from reader_provinces


def reader_provinces(user: User) -> list[int] | None:
    """None for an admin (every province); a coordinator's province ids."""
    if user.role == Role.ADMIN:
        return None
    return list(db.session.scalars(sa.select(user_provinces.c.province_id)
                                   .where(user_provinces.c.user_id == user.id)))


def _where(user: User, s: Selection, dimension: str, by_month: bool = False) -> list:
    where = [FunnelCount.programme_id == s.programme_id, FunnelCount.dimension == dimension]
    # Never the all-provinces rows for a coordinator, even if the caller forgot to give her provinces.
    mine = None if user.role == Role.ADMIN else (s.readable if s.readable is not None else reader_provinces(user))
    if s.province_id is not None and (mine is None or s.province_id in mine):
        where.append(FunnelCount.province_id == s.province_id)
    elif mine is None:
        where.append(FunnelCount.province_id == 0)
    else:
        where.append(FunnelCount.province_id.in_(mine or [-2]))
    if by_month or s.since or s.until:
        where.append(FunnelCount.month > ALL_TIME)
        if s.since:
            where.append(FunnelCount.month >= s.since)
        if s.until:
            where.append(FunnelCount.month <= s.until)
    else:  # no period: the rows that count every month at once
        where.append(FunnelCount.month == ALL_TIME)
    return where


def fresh() -> None:
    """Fold the deltas recorded by files moving into the summary before reading it (a short write)."""
    from .facts import fold

    fold()


def funnel(user: User, s: Selection) -> dict[str, int]:
    found = dict(db.session.execute(sa.select(FunnelCount.stage, sa.func.sum(FunnelCount.count))
                                    .where(*_where(user, s, "all")).group_by(FunnelCount.stage)).all())
    return {stage: int(found.get(stage) or 0) for stage in STAGES}


def breakdown(user: User, s: Selection, dimension: str, stages=STAGES) -> dict[str, dict[str, int]]:
    """{value: {stage: count}} of one dimension, for these stages (the funnel's; an incubator's record also asks
    for the sums its rows carry beside them: facts.MEASURES and the mentoring stages reached, "stage:<id>")."""
    table: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STAGES, 0))
    where = [*_where(user, s, dimension), FunnelCount.stage.in_(list(stages))]
    for value, stage, count in db.session.execute(
            sa.select(FunnelCount.value, FunnelCount.stage, sa.func.sum(FunnelCount.count))
            .where(*where).group_by(FunnelCount.value, FunnelCount.stage)):
        table[value][stage] = int(count or 0)
    return {value: counts for value, counts in table.items() if any(counts.values())}


def trend(user: User, s: Selection) -> list[tuple[date, dict[str, int]]]:
    table: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STAGES, 0))
    for month, stage, count in db.session.execute(
            sa.select(FunnelCount.month, FunnelCount.stage, sa.func.sum(FunnelCount.count))
            .where(*_where(user, s, "all", by_month=True)).group_by(FunnelCount.month, FunnelCount.stage)):
        table[month][stage] = int(count or 0)
    return sorted(table.items())


def bars(values: list[tuple[str, int]], rtl: bool = False, bar: int = 24, gap: int = 10) -> dict:
    """The geometry of a horizontal bar chart the template draws as SVG: a label, then the bar scaled to the
    largest value, then the figure; from the right in Arabic. Coordinates in a 600-wide viewBox."""
    width, label_area, bar_area = 600, 230, 300
    top = max([v for _label, v in values] + [1])
    rows = []
    for n, (text, value) in enumerate(values):
        length = round(bar_area * value / top) if value else 0
        if rtl:
            label_x, bar_x, value_x = width, width - label_area - length, width - label_area - length - 6
        else:
            label_x, bar_x, value_x = 0, label_area, label_area + length + 6
        rows.append({"label": text, "value": value, "y": n * (bar + gap), "length": length, "label_x": label_x,
                     "bar_x": bar_x, "value_x": value_x})
    # The page's direction reaches the SVG's text: "start" is the right edge in Arabic, the left in French.
    return {"rows": rows, "width": width, "height": max(len(values) * (bar + gap) - gap, bar), "bar": bar,
            "anchor": "start", "value_anchor": "start"}
