"""The incubators' record on the dashboard: for each incubator that took files of the selection, what came of
them, read from the summary's "incubator" breakdown (one query for every incubator, whatever their number) and
its measures (jisr/stats/facts.py says what each one means), plus the incubators' names, their places taken now
and the programme's mentoring stages: a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from jisr.extensions import db
from jisr.incubators.models import Incubator
from jisr.workspace.models import MentoringStage

from .facts import MEASURES, STAGE_MEASURE

DAY = 86400
CENT = Decimal("0.01")
#: The page shows the incubators with the most files routed, up to this many (the export has them all): what the
#: page costs to write and to download stays the same however many incubators a country has.
SHOWN = 50


@dataclass
class IncubatorRecord:
    incubator: Incubator
    name: str  # in the reader's language (looked up once: the page writes it three times)
    load: int  # files taking one of its places now, all provinces
    routed: int
    accepted: int
    completed: int
    dropped_out: int
    contacted: int  # files its staff have acted on since they were routed to it
    contact_days: float | None  # mean days to that first step, None before any
    jobs: int
    financed: int
    financing: Decimal  # dirhams
    stages: list[tuple[str, int]] = field(default_factory=list)  # files that reached each stage, by its name

    @property
    def rate(self) -> int | None:
        """The share of the files routed to it that it accepted, in per cent."""
        return round(100 * self.accepted / self.routed) if self.routed else None


def mentoring_stages(programme_id: int) -> list[MentoringStage]:
    """The programme's stages in order (read only: a dashboard never creates the default grid)."""
    return list(db.session.scalars(sa.select(MentoringStage).where(MentoringStage.programme_id == programme_id)
                                   .order_by(MentoringStage.position)))


def record_stages(stages: list[MentoringStage]) -> list[str]:
    """What the record reads of the summary's incubator rows: the funnel stages it shows, its measures and the
    programme's mentoring stages (not the rest of the funnel: a fifth fewer rows over a period)."""
    return ["routed", "accepted", "completed", "dropped_out", *MEASURES,
            *(f"{STAGE_MEASURE}{stage.id}" for stage in stages)]


def incubator_record(counts: dict[str, dict[str, int]], stages: list[MentoringStage],
                     limit: int | None = None) -> list[IncubatorRecord]:
    """`counts`: queries.breakdown(..., "incubator", record_stages(stages)). Busiest first; the first `limit` only."""
    from jisr.i18n_fields import current_language
    from jisr.routing.services import loads

    busiest = sorted((value for value in counts if value.isdigit()), key=lambda v: (-counts[v]["routed"], int(v)))
    counts = {value: counts[value] for value in busiest[:limit]}
    if not counts:
        return []
    found = {str(i.id): i for i in db.session.scalars(sa.select(Incubator).where(
        Incubator.id.in_([int(v) for v in counts])))}
    load = loads([int(v) for v in found])
    language = current_language()
    names = [(f"{STAGE_MEASURE}{stage.id}", getattr(stage, f"name_{language}", None) or stage.name_fr)
             for stage in stages]
    record = []
    for value, c in counts.items():
        incubator = found.get(value)
        if incubator is None:
            continue
        contacted = c.get("contacted", 0)
        record.append(IncubatorRecord(
            incubator=incubator, name=getattr(incubator, f"name_{language}", None) or incubator.name_fr,
            load=load.get(incubator.id, 0), routed=c["routed"], accepted=c["accepted"], completed=c["completed"],
            dropped_out=c["dropped_out"], contacted=contacted,
            contact_days=c.get("contact_s", 0) / contacted / DAY if contacted else None, jobs=c.get("jobs", 0),
            financed=c.get("financed", 0), financing=(Decimal(c.get("financing_cts", 0)) / 100).quantize(CENT),
            stages=[(name, c.get(key, 0)) for key, name in names]))
    return sorted(record, key=lambda r: (-r.routed, r.incubator.id))


def incubators_in(counts: dict[str, dict[str, int]]) -> int:
    """How many incubators took files of the selection."""
    return sum(1 for value in counts if value.isdigit())
