"""What incubator staff decide on a file: review, information requests, the assessment sheet, acceptance,
rejection, the incubator's waitlist, the mentor, the mentoring stages and the end of the accompaniment.

Each function checks the file's state (only what the state allows), writes the transition, the audit entry
and the applicant's notice in one transaction, and flushes; the request commits. A decision taken on a
version of the file that is no longer current raises Conflict: nothing is overwritten silently."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from jisr.applications.models import Application, Status
from jisr.audit.services import record
from jisr.auth.models import Role, User
from jisr.authz import may
from jisr.extensions import db
from jisr.routing import services as routing
from jisr.timeutil import utcnow
from jisr.workspace import grids, notices, outcomes, sessions
from jisr.workspace.models import (
    Assessment,
    AssessmentScore,
    InfoRequest,
    MentoringStage,
    ReasonCode,
    ReasonKind,
    StageEntry,
)

#: What may be done to a file in each state, and who may do it (jisr.authz.WORKSPACE_ACTIONS).
STATE_ACTIONS: dict[str, dict[str, str]] = {
    Status.ASSIGNED: {"start_review": "review", "reject": "review", "waitlist": "review", "score": "score"},
    Status.UNDER_REVIEW: {"request_info": "review", "score": "score", "accept": "review", "reject": "review",
                          "waitlist": "review"},
    Status.INFO_REQUESTED: {"score": "score", "reject": "review"},
    Status.WAITLISTED: {"resume": "review", "reject": "review"},
    Status.ACCEPTED: {"assign_mentor": "assign_mentor", "start_mentoring": "accompany", "convene": "accompany",
                      "score": "score"},
    Status.IN_MENTORING: {"assign_mentor": "assign_mentor", "move_stage": "accompany", "complete": "accompany",
                          "drop_out": "accompany", "convene": "accompany", "outcome": "accompany",
                          "financing": "accompany"},
    Status.COMPLETED: {"outcome": "accompany", "financing": "accompany"},
}
#: States the workspace lists: the file has reached an incubator.
WORKSPACE_STATES = (Status.ASSIGNED, Status.UNDER_REVIEW, Status.INFO_REQUESTED, Status.WAITLISTED, Status.ACCEPTED,
                    Status.IN_MENTORING, Status.COMPLETED, Status.REJECTED, Status.DROPPED_OUT, Status.WITHDRAWN)


class WorkspaceError(ValueError):
    """A refused action; the message is shown as is."""


class Conflict(WorkspaceError):
    """Someone else changed the file since the page was loaded."""


def actions(application: Application, user: User) -> frozenset[str]:
    """The actions `user` may take on the file now (its state and her role both allow them)."""
    allowed = STATE_ACTIONS.get(application.status, {})
    if application.status == Status.WAITLISTED and application.incubator_id is None:
        return frozenset()  # the routing waitlist belongs to coordinators
    kinds = {kind: may(user, kind) for kind in set(allowed.values())}
    return frozenset(action for action, kind in allowed.items() if kinds[kind])


def _check(application: Application, user: User, action: str, version: int | None) -> None:
    if version is not None and version != application.version:
        raise Conflict(_("Someone else changed this file while you were reading it. Here is its current state: "
                         "check it and do it again if it still applies."))
    if action not in actions(application, user):
        raise WorkspaceError(_("This cannot be done on the file in its current state."))


def _move(application: Application, new: Status, by: User, action: str, note: str | None = None,
          reasons: list | None = None, **details) -> None:
    application.transition(new, by=by, reason=note or None, reasons=reasons)
    record(f"workspace.{action}", application, actor=by, reference=application.reference, status=str(new), **details)


# -- review ------------------------------------------------------------------------------------------------

def start_review(application: Application, by: User, version: int | None = None) -> None:
    _check(application, by, "start_review", version)
    _move(application, Status.UNDER_REVIEW, by, "review_started")  # she hears of it at the decision


def request_info(application: Application, by: User, message: str, version: int | None = None) -> InfoRequest:
    _check(application, by, "request_info", version)
    request = InfoRequest(application_id=application.id, message=message.strip(), requested_by_id=by.id)
    db.session.add(request)
    _move(application, Status.INFO_REQUESTED, by, "info_requested")
    db.session.flush()
    notices.info_requested(application, request)
    return request


def open_info_request(application: Application) -> InfoRequest | None:
    return db.session.scalar(sa.select(InfoRequest).where(InfoRequest.application_id == application.id,
                                                          InfoRequest.answered_at.is_(None))
                             .order_by(InfoRequest.id.desc()).limit(1))


def answer_info(application: Application, by: User, answer: str) -> InfoRequest:
    """The applicant answers; the file goes back to the incubator's review."""
    request = open_info_request(application)
    if application.status != Status.INFO_REQUESTED or request is None:
        raise WorkspaceError(_("No question is waiting for your answer on this file."))
    request.answer, request.answered_at = answer.strip(), utcnow()
    application.transition(Status.UNDER_REVIEW, by=by)
    record("application.info_answered", application, actor=by, reference=application.reference)
    db.session.flush()
    return request


def save_assessment(application: Application, by: User, scores: dict[int, int], comment: str | None,
                    version: int | None = None) -> Assessment:
    """Her sheet for this scorer (created or replaced); the total is Σ score × weight over the programme's
    criteria, out of Σ max × weight."""
    _check(application, by, "score", version)
    criteria = grids.criteria(application.programme)
    if set(scores) != {c.id for c in criteria}:
        raise WorkspaceError(_("Score every criterion of the sheet."))
    for criterion in criteria:
        if not 0 <= scores[criterion.id] <= criterion.max_score:
            raise WorkspaceError(_("A score is out of its range."))
    sheet = db.session.scalar(sa.select(Assessment).where(Assessment.application_id == application.id,
                                                          Assessment.scorer_id == by.id))
    if sheet is None:
        sheet = Assessment(application_id=application.id, scorer_id=by.id)
        db.session.add(sheet)
    # Her rows are corrected in place: new rows for the same criteria would be inserted before the old ones are
    # deleted, against the one-score-per-criterion constraint (a 500 when she saved her sheet a second time).
    kept = {score.criterion_id: score for score in sheet.scores}
    sheet.scores = [kept.get(c.id) or AssessmentScore(criterion_id=c.id) for c in criteria]
    for score in sheet.scores:
        score.score = scores[score.criterion_id]
    sheet.total = Decimal(sum(scores[c.id] * c.weight for c in criteria))
    sheet.maximum = Decimal(sum(c.max_score * c.weight for c in criteria))
    sheet.comment = (comment or "").strip() or None
    sheet.updated_at = utcnow()
    db.session.flush()
    record("workspace.assessment_saved", application, actor=by, total=str(sheet.total), maximum=str(sheet.maximum))
    return sheet


def assessments(application: Application) -> list[Assessment]:
    return list(db.session.scalars(sa.select(Assessment).where(Assessment.application_id == application.id)
                                   .options(sa.orm.selectinload(Assessment.scores),
                                            sa.orm.joinedload(Assessment.scorer))
                                   .order_by(Assessment.id)))


def accept(application: Application, by: User, note: str | None = None, version: int | None = None) -> None:
    _check(application, by, "accept", version)
    _move(application, Status.ACCEPTED, by, "accepted", note)
    notices.accepted(application)


def _reason(application: Application, kind: ReasonKind, reason_id: int) -> ReasonCode:
    found = db.session.get(ReasonCode, reason_id)
    if (found is None or found.programme_id != application.programme_id or found.kind != kind
            or not found.active):
        raise WorkspaceError(_("Choose one of the reasons offered."))
    return found


def reject(application: Application, by: User, reason_id: int, note: str | None, version: int | None = None) -> None:
    """Not accepted, with a reason of the programme (and her own words): the place frees for the waitlist."""
    _check(application, by, "reject", version)
    reason = _reason(application, ReasonKind.REJECTION, reason_id)
    freed = application.incubator_id if application.occupies_place else None
    _move(application, Status.REJECTED, by, "rejected", note,
          reasons=[{"code": "staff_reason", "params": {"reason_id": reason.id}}], reason=reason.code)
    notices.rejected(application, reason, note)
    db.session.flush()
    routing.place_freed(freed)


def waitlist(application: Application, by: User, note: str | None, version: int | None = None) -> None:
    """The incubator's own waiting list: the file stays with it, taken up again when it can."""
    _check(application, by, "waitlist", version)
    _move(application, Status.WAITLISTED, by, "waitlisted", note)
    notices.waitlisted(application, note)


def resume(application: Application, by: User, version: int | None = None) -> None:
    _check(application, by, "resume", version)
    _move(application, Status.UNDER_REVIEW, by, "resumed")


# -- the mentor -------------------------------------------------------------------------------------------

def mentors(incubator_id: int | None) -> list[User]:
    if incubator_id is None:
        return []
    return list(db.session.scalars(sa.select(User).where(User.incubator_id == incubator_id, User.role == Role.MENTOR,
                                                         User.active.is_(True)).order_by(User.full_name)))


def assign_mentor(application: Application, by: User, mentor_id: int, version: int | None = None) -> User:
    _check(application, by, "assign_mentor", version)
    mentor = next((m for m in mentors(application.incubator_id) if m.id == mentor_id), None)
    if mentor is None:
        raise WorkspaceError(_("Choose one of the incubator's mentors."))
    previous = application.mentor_id
    application.mentor_id = mentor.id
    application.updated_at = utcnow()
    record("workspace.mentor_assigned", application, actor=by, mentor=mentor.id, previous=previous)
    db.session.flush()
    notices.mentor_assigned(application, mentor)
    return mentor


# -- mentoring stages --------------------------------------------------------------------------------------

def stage_entries(application: Application) -> list[StageEntry]:
    return list(db.session.scalars(sa.select(StageEntry).where(StageEntry.application_id == application.id)
                                   .options(sa.orm.joinedload(StageEntry.stage),
                                            sa.orm.joinedload(StageEntry.entered_by),
                                            sa.orm.joinedload(StageEntry.left_by))
                                   .order_by(StageEntry.id)))


def _enter(application: Application, stage: MentoringStage, by: User, note: str | None) -> None:
    db.session.add(StageEntry(application_id=application.id, stage_id=stage.id, entered_by_id=by.id,
                              note=note or None))
    application.current_stage_id = stage.id
    application.updated_at = utcnow()


def _leave(application: Application, by: User, outcome: str) -> None:
    current = db.session.scalar(sa.select(StageEntry).where(StageEntry.application_id == application.id,
                                                            StageEntry.left_at.is_(None))
                                .order_by(StageEntry.id.desc()).limit(1))
    if current is not None:
        current.left_at, current.left_by_id, current.outcome = utcnow(), by.id, outcome


def start_mentoring(application: Application, by: User, version: int | None = None) -> None:
    _check(application, by, "start_mentoring", version)
    first = grids.stages(application.programme)[0]
    _move(application, Status.IN_MENTORING, by, "mentoring_started")
    _enter(application, first, by, None)
    db.session.flush()
    notices.stage_changed(application, first)


def move_stage(application: Application, by: User, direction: str, note: str | None,
               version: int | None = None) -> MentoringStage:
    """One stage forward (the current one is completed) or back (it is left, marked as reverted)."""
    _check(application, by, "move_stage", version)
    pipeline = grids.stages(application.programme)
    index = next((i for i, s in enumerate(pipeline) if s.id == application.current_stage_id), -1)
    target = index + (1 if direction == "forward" else -1)
    if direction not in ("forward", "back") or not 0 <= target < len(pipeline):
        raise WorkspaceError(_("There is no stage in that direction: use “Project launched” to complete the "
                               "accompaniment.") if direction == "forward" else
                             _("The file is at the first stage."))
    _leave(application, by, "completed" if direction == "forward" else "reverted")
    stage = pipeline[target]
    _enter(application, stage, by, note)
    record("workspace.stage_changed", application, actor=by, stage=stage.code, direction=direction)
    db.session.flush()
    notices.stage_changed(application, stage)
    return stage


def may_go_to_commission(application: Application) -> bool:
    """After business plan, a file can go before a financing commission (PRODUCT.md)."""
    pipeline = grids.stages(application.programme)
    codes = [s.code for s in pipeline]
    current = next((s.code for s in pipeline if s.id == application.current_stage_id), None)
    if current is None or grids.FINANCING_FROM not in codes:
        return application.status == Status.COMPLETED
    return codes.index(current) >= codes.index(grids.FINANCING_FROM)


def complete(application: Application, by: User, note: str | None, version: int | None = None) -> None:
    """Project launched: the accompaniment ends and the place frees."""
    _check(application, by, "complete", version)
    freed = application.incubator_id
    _leave(application, by, "completed")
    _move(application, Status.COMPLETED, by, "completed", note)
    notices.completed(application)
    db.session.flush()
    routing.place_freed(freed)


def drop_out(application: Application, by: User, reason_id: int, note: str | None,
             version: int | None = None) -> None:
    _check(application, by, "drop_out", version)
    reason = _reason(application, ReasonKind.DROP_OUT, reason_id)
    freed = application.incubator_id
    _leave(application, by, "closed")
    _move(application, Status.DROPPED_OUT, by, "dropped_out", note,
          reasons=[{"code": "staff_reason", "params": {"reason_id": reason.id}}], reason=reason.code)
    notices.dropped_out(application, reason, note)
    db.session.flush()
    routing.place_freed(freed)


# -- what the applicant sees -------------------------------------------------------------------------------

def applicant_view(application: Application) -> dict:
    """What her status page shows of the workspace: the question waiting for her, the stages of her
    accompaniment, her mentor (a fixed number of queries)."""
    accompanied = application.status in (Status.IN_MENTORING, Status.COMPLETED, Status.DROPPED_OUT)
    return dict(
        info_request=open_info_request(application) if application.status == Status.INFO_REQUESTED else None,
        stages=grids.stages(application.programme) if accompanied else [],
        entries=stage_entries(application) if accompanied else [],
        mentor=db.session.get(User, application.mentor_id) if application.mentor_id else None,
        convocations=sessions.file_convocations(application),
        **outcomes.file_outcomes(application),
    )
