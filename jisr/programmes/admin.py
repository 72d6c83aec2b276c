"""What admins change in a programme: its rules, its grids (mentoring stages, reason codes, assessment criteria),
its consent text, and a new edition copied from it. Every change is audited with what it was before.

Grids keep the history true: a stage or criterion already used by a file cannot be deleted (renaming is fine),
a criterion already scored keeps its weight and scale, and reason codes are retired rather than deleted, since
past decisions name them. Changes are flushed in the caller's transaction (the app commits after the response).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from jisr.applications.models import Application
from jisr.audit.services import record
from jisr.auth.models import User
from jisr.extensions import db
from jisr.geo.models import Province
from jisr.stats.facts import ALL_TIME, fold
from jisr.stats.models import FunnelCount
from jisr.workspace import grids
from jisr.workspace.models import (
    AssessmentCriterion,
    AssessmentScore,
    MentoringStage,
    ReasonCode,
    ReasonKind,
    StageEntry,
)

from . import consent
from .models import ConsentText, Programme

#: The programme's fields an admin edits (the provinces apart).
FIELDS = ("code", "name_ar", "name_fr", "description_ar", "description_fr", "opens_on", "closes_on", "min_age",
          "max_age", "targets_women", "targets_disability", "one_active_file_per_person", "timezone")


class ProgrammeError(ValueError):
    """A change refused, with the message for the admin and the field it concerns (if any)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def programmes() -> list[tuple[Programme, int, int]]:
    """Every programme, newest first, with its files started and sent (from the summary, not a count of files)."""
    fold()
    counts = {(row.programme_id, row.stage): row.count for row in db.session.execute(
        sa.select(FunnelCount.programme_id, FunnelCount.stage, FunnelCount.count).where(
            FunnelCount.province_id == 0, FunnelCount.month == ALL_TIME, FunnelCount.dimension == "all",
            FunnelCount.stage.in_(("registered", "submitted"))))}
    found = db.session.scalars(sa.select(Programme).order_by(Programme.opens_on.desc(), Programme.id.desc()))
    return [(p, counts.get((p.id, "registered"), 0), counts.get((p.id, "submitted"), 0)) for p in found]


def _snapshot(programme: Programme) -> dict:
    data = {name: getattr(programme, name) for name in FIELDS}
    data = {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}
    data["provinces"] = sorted(p.code for p in programme.provinces)
    return data


def _code_taken(code: str, but: int | None = None) -> bool:
    query = sa.select(Programme.id).where(Programme.code == code)
    if but is not None:
        query = query.where(Programme.id != but)
    return db.session.scalar(query.limit(1)) is not None


def _apply(programme: Programme, data: dict, province_ids: list[int]) -> None:
    if _code_taken(data["code"], programme.id):
        raise ProgrammeError(_("Another programme already has this code."), "code")
    for name in FIELDS:
        setattr(programme, name, data[name])
    programme.provinces = list(db.session.scalars(sa.select(Province).where(Province.id.in_(province_ids))))


def create(data: dict, province_ids: list[int], by: User) -> Programme:
    programme = Programme()
    _apply(programme, data, province_ids)
    db.session.add(programme)
    db.session.flush()
    record("programme.created", programme, actor=by, after=_snapshot(programme))
    return programme


def update(programme: Programme, data: dict, province_ids: list[int], by: User) -> None:
    before = _snapshot(programme)
    _apply(programme, data, province_ids)
    db.session.flush()
    after = _snapshot(programme)
    changed = {k for k in after if after[k] != before[k]}
    if changed:
        record("programme.updated", programme, actor=by, before={k: before[k] for k in changed},
               after={k: after[k] for k in changed})


def new_edition(source: Programme, data: dict, by: User) -> Programme:
    """A programme with the source's rules, provinces, grids and consent text; its own code, names and dates.
    Grids are copied as they are now (retired reasons stay behind), so the editions can then differ."""
    if _code_taken(data["code"]):
        raise ProgrammeError(_("Another programme already has this code."), "code")
    copy = Programme(**{name: getattr(source, name) for name in FIELDS})
    for name in ("code", "name_ar", "name_fr", "opens_on", "closes_on"):
        setattr(copy, name, data[name])
    copy.provinces = list(source.provinces)
    db.session.add(copy)
    db.session.flush()
    db.session.add_all(MentoringStage(programme_id=copy.id, position=s.position, code=s.code, name_ar=s.name_ar,
                                      name_fr=s.name_fr) for s in grids.stages(source))
    db.session.add_all(ReasonCode(programme_id=copy.id, kind=r.kind, position=r.position, code=r.code,
                                  name_ar=r.name_ar, name_fr=r.name_fr)
                       for kind in ReasonKind for r in grids.reasons(source, kind))
    db.session.add_all(AssessmentCriterion(programme_id=copy.id, position=c.position, code=c.code,
                                           name_ar=c.name_ar, name_fr=c.name_fr, weight=c.weight,
                                           max_score=c.max_score) for c in grids.criteria(source))
    text = consent.latest(source.id)
    if text is not None:
        db.session.add(ConsentText(programme_id=copy.id, version=text.version, body_ar=text.body_ar,
                                   body_fr=text.body_fr, published_by_id=by.id))
    db.session.flush()
    record("programme.edition_created", copy, actor=by, source=source.code, after=_snapshot(copy))
    return copy


# -- the grids ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Grid:
    """One of a programme's lists, as the admin's pages name it in their addresses."""

    key: str
    model: type
    kind: str | None = None

    def rows(self, programme: Programme) -> list:
        if self.model is MentoringStage:
            return grids.stages(programme)
        if self.model is ReasonCode:
            return grids.reasons(programme, ReasonKind(self.kind), retired=True)
        return grids.criteria(programme)

    def query(self, programme: Programme):
        query = sa.select(self.model).where(self.model.programme_id == programme.id)
        return query.where(self.model.kind == self.kind) if self.kind else query


GRIDS = {g.key: g for g in (Grid("stages", MentoringStage), Grid("rejection", ReasonCode, ReasonKind.REJECTION),
                            Grid("drop_out", ReasonCode, ReasonKind.DROP_OUT), Grid("criteria", AssessmentCriterion))}


def grid_item(grid: Grid, programme: Programme, item_id: int):
    grid.rows(programme)  # the defaults exist before anything is edited
    return db.session.scalar(grid.query(programme).where(grid.model.id == item_id))


def _item_snapshot(item) -> dict:
    names = ["code", "name_ar", "name_fr", "position"] + (
        ["weight", "max_score"] if isinstance(item, AssessmentCriterion) else []) + (
        ["active"] if isinstance(item, ReasonCode) else [])
    return {name: getattr(item, name) for name in names}


def scored(criterion: AssessmentCriterion) -> bool:
    return db.session.scalar(sa.select(AssessmentScore.id).where(AssessmentScore.criterion_id == criterion.id)
                             .limit(1)) is not None


def stage_in_use(stage: MentoringStage) -> bool:
    return (db.session.scalar(sa.select(StageEntry.id).where(StageEntry.stage_id == stage.id).limit(1)) is not None
            or db.session.scalar(sa.select(Application.id).where(Application.current_stage_id == stage.id)
                                 .limit(1)) is not None)


def save_item(grid: Grid, programme: Programme, item, data: dict, by: User):
    """Add (item None) or change a row of a grid. A new row goes last; codes are fixed once created."""
    rows = grid.rows(programme)
    before = _item_snapshot(item) if item is not None else None
    if item is None:
        if any(row.code == data["code"] for row in rows):
            raise ProgrammeError(_("This list already has a line with this code."), "code")
        item = grid.model(programme_id=programme.id, code=data["code"],
                          position=max((row.position for row in rows), default=0) + 1,
                          **({"kind": grid.kind} if grid.kind else {}))
        db.session.add(item)
    item.name_ar, item.name_fr = data["name_ar"], data["name_fr"]
    if isinstance(item, AssessmentCriterion):
        if before is not None and (data["weight"], data["max_score"]) != (item.weight, item.max_score) \
                and scored(item):
            raise ProgrammeError(_("Files have already been scored on this criterion: its weight and scale "
                                   "stay as they are (add a new criterion instead)."), "weight")
        item.weight, item.max_score = data["weight"], data["max_score"]
    db.session.flush()
    after = _item_snapshot(item)
    if after != before:  # a line saved unchanged is not an event of the audit log
        record("programme.grid_changed" if before else "programme.grid_added", programme, actor=by, grid=grid.key,
               before=before, after=after)
    return item


def move_item(grid: Grid, programme: Programme, item, direction: str, by: User) -> None:
    """Swap with the neighbour above or below (positions are unique for stages: through a free one)."""
    rows = grid.rows(programme)
    index = next(i for i, row in enumerate(rows) if row.id == item.id)
    other = index + (-1 if direction == "up" else 1)
    if direction not in ("up", "down") or not 0 <= other < len(rows):
        raise ProgrammeError(_("This line cannot move further in that direction."))
    neighbour = rows[other]
    first, second = item.position, neighbour.position
    if first == second:  # equal positions (reasons and criteria allow it): renumber them all first
        for n, row in enumerate(rows, 1):
            row.position = n
        first, second = item.position, neighbour.position
    item.position = -1
    db.session.flush()
    neighbour.position = first
    db.session.flush()
    item.position = second
    db.session.flush()
    record("programme.grid_moved", programme, actor=by, grid=grid.key, code=item.code, direction=direction)


def remove_item(grid: Grid, programme: Programme, item, by: User) -> str:
    """Delete an unused stage or criterion; retire (or bring back) a reason code. Says what was done."""
    snapshot = _item_snapshot(item)
    if isinstance(item, ReasonCode):
        if item.active and len([r for r in grid.rows(programme) if r.active]) == 1:
            raise ProgrammeError(_("Staff need at least one reason to choose from: add another before "
                                   "retiring this one."))
        item.active = not item.active
        record("programme.grid_retired" if not item.active else "programme.grid_restored", programme,
               actor=by, grid=grid.key, before=snapshot)
        return "retired" if not item.active else "restored"
    if isinstance(item, MentoringStage) and stage_in_use(item):
        raise ProgrammeError(_("Files have already been at this stage: it cannot be deleted, but it can be "
                               "renamed."))
    if isinstance(item, AssessmentCriterion) and scored(item):
        raise ProgrammeError(_("Files have already been scored on this criterion: it cannot be deleted, but "
                               "it can be renamed."))
    if len(grid.rows(programme)) == 1:
        raise ProgrammeError(_("The list needs at least one line: add another before deleting this one."))
    db.session.delete(item)
    db.session.flush()
    record("programme.grid_deleted", programme, actor=by, grid=grid.key, before=snapshot)
    return "deleted"
