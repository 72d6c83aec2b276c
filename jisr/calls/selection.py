"""Reviewing associations' applications: who reviews which one, conflicts of interest, scores and the ranking.
Functions flush, never commit (the request does); every act is audited. The decision is selection_decisions.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale, gettext, ngettext
from sqlalchemy.orm import aliased, selectinload

from jisr.audit.services import record
from jisr.auth.models import Role, User
from jisr.calls.models import (
    SCORE_MAX,
    AssociationApplication,
    AssociationDocument,
    AssociationReview,
    AssociationStatus,
    Call,
    CallCriterion,
    ReviewScore,
)
from jisr.extensions import db
from jisr.i18n import user_locale
from jisr.outbox.services import notify
from jisr.timeutil import utcnow

PAGE_SIZE = 25
REVIEWER_ROLES = (Role.ADMIN, Role.COORDINATOR)
#: The applications the ranking lists: sent ones, decided or not (drafts are only counted).
RANKED = (AssociationStatus.SUBMITTED, AssociationStatus.SELECTED, AssociationStatus.DECLINED)


class SelectionError(ValueError):
    """A refused act; the message is shown as is."""


def locked(model, object_id: int):
    """Re-read a row and lock it until the commit (PostgreSQL), so two requests cannot both act on it."""
    return db.session.scalar(sa.select(model).where(model.id == object_id).with_for_update()
                             .execution_options(populate_existing=True))


# -- scores -------------------------------------------------------------------------------------------------

def weighted_total(scores: list[tuple[int, int]]) -> float | None:
    """A review's total from (weight, score) pairs: Σ(weight × score) / Σ(weight), on the 0–SCORE_MAX scale."""
    weights = sum(weight for weight, _ in scores)
    return sum(weight * score for weight, score in scores) / weights if weights else None


def _review_totals(call_id: int):
    """The same total, in SQL, for each submitted review of a call's applications."""
    weighted = sa.cast(sa.func.sum(CallCriterion.weight * ReviewScore.score), sa.Float)
    return (sa.select(ReviewScore.review_id.label("review_id"),
                      (weighted / sa.func.sum(CallCriterion.weight)).label("total"))
            .join(CallCriterion, CallCriterion.id == ReviewScore.criterion_id)
            .join(AssociationReview, AssociationReview.id == ReviewScore.review_id)
            .join(AssociationApplication, AssociationApplication.id == AssociationReview.association_application_id)
            .where(AssociationApplication.call_id == call_id, AssociationReview.submitted_at.is_not(None),
                   AssociationReview.conflict.is_(False))
            .group_by(ReviewScore.review_id).subquery())


def _per_association(call_id: int):
    """Per application of the call: reviewers assigned, reviews submitted, conflicts, mean of the reviews'
    totals and their spread (max − min)."""
    totals = _review_totals(call_id)
    review = AssociationReview
    return (sa.select(review.association_application_id.label("association_id"),
                      sa.func.count(review.id).label("assigned"),
                      sa.func.count(review.submitted_at).label("submitted"),
                      sa.func.sum(sa.case((review.conflict.is_(True), 1), else_=0)).label("conflicts"),
                      sa.func.avg(totals.c.total).label("score"),
                      (sa.func.max(totals.c.total) - sa.func.min(totals.c.total)).label("spread"))
            .join(AssociationApplication, AssociationApplication.id == review.association_application_id)
            .outerjoin(totals, totals.c.review_id == review.id)
            .where(AssociationApplication.call_id == call_id)
            .group_by(review.association_application_id).subquery())


@dataclass(frozen=True)
class RankedRow:
    association: AssociationApplication
    assigned: int
    submitted: int
    conflicts: int
    score: float | None  # None when unscored, or hidden from this reader
    spread: float | None
    visible: bool  # authz.may_see_scores for this reader, computed for the whole page at once
    my_state: str | None  # the reader's own review of it: assigned, conflict, submitted, or None
    my_review_id: int | None


def ranking(call: Call, user: User, page: int) -> tuple[list[RankedRow], int]:
    """One page of the call's sent applications, best weighted average first (unscored last), in a fixed
    number of queries. Whether `user` may see an application's scores is the rule of authz.may_see_scores
    written in SQL: hidden scores neither show nor order the list, so a reviewer learns nothing early."""
    where = [AssociationApplication.call_id == call.id, AssociationApplication.status.in_(RANKED)]
    total = db.session.scalar(sa.select(sa.func.count(AssociationApplication.id)).where(*where))
    per = _per_association(call.id)
    own = aliased(AssociationReview)
    mine_sent = sa.and_(own.submitted_at.is_not(None), own.conflict.is_(False))
    visible = sa.or_(own.id.is_(None), mine_sent) if user.role == Role.ADMIN else sa.and_(own.id.is_not(None),
                                                                                          mine_sent)
    shown = sa.case((visible, per.c.score), else_=None)
    rows = db.session.execute(
        sa.select(AssociationApplication, per.c.assigned, per.c.submitted, per.c.conflicts, shown.label("score"),
                  sa.case((visible, per.c.spread), else_=None).label("spread"), visible.label("visible"),
                  own.submitted_at.label("my_submitted_at"), own.conflict.label("my_conflict"),
                  own.id.label("my_review_id"))
        .outerjoin(per, per.c.association_id == AssociationApplication.id)
        .outerjoin(own, sa.and_(own.association_application_id == AssociationApplication.id,
                                own.reviewer_id == user.id))
        .where(*where)
        .order_by(sa.nulls_last(shown.desc()), AssociationApplication.id)
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        .options(selectinload(AssociationApplication.provinces))).all()
    return [RankedRow(row.AssociationApplication, row.assigned or 0, row.submitted or 0, row.conflicts or 0,
                      row.score, row.spread if (row.submitted or 0) > 1 else None, bool(row.visible),
                      _state(row.my_review_id, row.my_conflict, row.my_submitted_at), row.my_review_id)
            for row in rows], total


def _state(review_id: int | None, conflict: bool | None, submitted_at: datetime | None) -> str | None:
    if review_id is None:
        return None
    return "conflict" if conflict else ("submitted" if submitted_at is not None else "assigned")


def status_counts(call: Call) -> dict[str, int]:
    """How many of the call's applications are in each status, drafts included (one query)."""
    return dict(db.session.execute(
        sa.select(AssociationApplication.status, sa.func.count()).where(AssociationApplication.call_id == call.id)
        .group_by(AssociationApplication.status)).all())


@dataclass(frozen=True)
class ScoreSummary:
    reviews: list[AssociationReview]  # the submitted ones, each with its scores
    totals: dict[int, float]  # review id -> weighted total
    average: float | None
    spread: float | None


def score_summary(association: AssociationApplication) -> ScoreSummary:
    """The submitted reviews of one application, their totals, mean and spread (as the ranking computes them)."""
    reviews = list(db.session.scalars(
        sa.select(AssociationReview)
        .where(AssociationReview.association_application_id == association.id,
               AssociationReview.submitted_at.is_not(None), AssociationReview.conflict.is_(False))
        .order_by(AssociationReview.submitted_at, AssociationReview.id)
        .options(selectinload(AssociationReview.scores), selectinload(AssociationReview.reviewer))))
    weights = {criterion.id: criterion.weight for criterion in association.call.criteria}
    totals = {review.id: weighted_total([(weights.get(s.criterion_id, 0), s.score) for s in review.scores])
              for review in reviews}
    values = [value for value in totals.values() if value is not None]
    return ScoreSummary(reviews, totals, sum(values) / len(values) if values else None,
                        max(values) - min(values) if len(values) > 1 else None)


# -- reading an application ---------------------------------------------------------------------------------

def reviews_of(association: AssociationApplication) -> list[AssociationReview]:
    return list(db.session.scalars(
        sa.select(AssociationReview).where(AssociationReview.association_application_id == association.id)
        .order_by(AssociationReview.assigned_at, AssociationReview.id)
        .options(selectinload(AssociationReview.reviewer))))


def documents_of(association: AssociationApplication) -> list[AssociationDocument]:
    return list(db.session.scalars(
        sa.select(AssociationDocument).where(AssociationDocument.association_application_id == association.id)
        .order_by(AssociationDocument.kind, AssociationDocument.uploaded_at, AssociationDocument.id)))


def own_review(association: AssociationApplication, user: User) -> AssociationReview | None:
    return db.session.scalar(sa.select(AssociationReview).where(
        AssociationReview.association_application_id == association.id, AssociationReview.reviewer_id == user.id))


def my_reviews(user: User, page: int) -> tuple[list, int]:
    """A reviewer's assignments: those still to score first (oldest deadline first), then the others."""
    where = AssociationReview.reviewer_id == user.id
    total = db.session.scalar(sa.select(sa.func.count(AssociationReview.id)).where(where))
    to_do = sa.and_(AssociationReview.conflict.is_(False), AssociationReview.submitted_at.is_(None),
                    AssociationApplication.status == AssociationStatus.SUBMITTED)
    rows = db.session.execute(
        sa.select(AssociationReview, AssociationApplication, Call)
        .join(AssociationApplication, AssociationApplication.id == AssociationReview.association_application_id)
        .join(Call, Call.id == AssociationApplication.call_id)
        .where(where)
        .order_by(sa.case((to_do, 0), else_=1), Call.closes_at, AssociationReview.assigned_at, AssociationReview.id)
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return rows, total


# -- assigning reviewers ------------------------------------------------------------------------------------

def reviewers() -> list[User]:
    """Who may review associations: active administrators and coordinators."""
    return list(db.session.scalars(sa.select(User).where(User.role.in_(REVIEWER_ROLES), User.active.is_(True))
                                   .order_by(User.full_name, User.id)))


def reviewer(user_id: int | None) -> User:
    user = db.session.get(User, user_id) if user_id else None
    if user is None or user.role not in REVIEWER_ROLES or not user.active:
        raise SelectionError(gettext("Only active administrators and coordinators can review associations."))
    return user


def assign(association: AssociationApplication, user: User, by: User) -> AssociationReview:
    """Give one sent, undecided application to a reviewer (never twice: the application stays locked
    until the commit, so two admins giving it to her at once are served one after the other)."""
    association = locked(AssociationApplication, association.id)
    if association.status != AssociationStatus.SUBMITTED:
        raise SelectionError(gettext("Reviewers are given sent applications that are not decided yet."))
    if own_review(association, user) is not None:
        raise SelectionError(gettext("%(name)s is already a reviewer of this association.", name=user.full_name))
    review = AssociationReview(association_application_id=association.id, reviewer_id=user.id, assigned_by_id=by.id)
    db.session.add(review)
    db.session.flush()
    record("association.reviewer_assigned", association, actor=by, reviewer_id=user.id, review_id=review.id)
    _tell_reviewer(user, 1)
    return review


def assign_all(call: Call, user: User, by: User) -> int:
    """Give a reviewer every sent, undecided application of the call she does not review yet."""
    already = sa.select(AssociationReview.association_application_id).where(AssociationReview.reviewer_id == user.id)
    targets = list(db.session.scalars(
        sa.select(AssociationApplication)
        .where(AssociationApplication.call_id == call.id, AssociationApplication.status == AssociationStatus.SUBMITTED,
               AssociationApplication.id.not_in(already))
        .order_by(AssociationApplication.id).with_for_update()))
    for association in targets:
        review = AssociationReview(association_application_id=association.id, reviewer_id=user.id,
                                   assigned_by_id=by.id)
        db.session.add(review)
        db.session.flush()
        record("association.reviewer_assigned", association, actor=by, reviewer_id=user.id, review_id=review.id)
    if targets:
        _tell_reviewer(user, len(targets))
    return len(targets)


def unassign(review: AssociationReview, by: User) -> None:
    """Take an application back from a reviewer who has neither scored it nor declared a conflict (a
    declared conflict stays on record)."""
    review = locked(AssociationReview, review.id)
    if review.state != "assigned":
        raise SelectionError(gettext("Only a reviewer who has neither sent scores nor declared a conflict of "
                                     "interest can be removed."))
    record("association.reviewer_removed", review.association_application, actor=by, reviewer_id=review.reviewer_id,
           review_id=review.id)
    db.session.delete(review)
    db.session.flush()


def _tell_reviewer(user: User, count: int) -> None:
    with force_locale(user_locale(user)):
        subject = gettext("Jisr: associations to score")
        text = ngettext("%(num)d association's application has been given to you to score.",
                        "%(num)d associations' applications have been given to you to score.", count)
        body = "\n\n".join([gettext("Hello %(name)s,", name=user.full_name), text,
                            gettext("Sign in to Jisr and open “Associations to score”.")])
        notify(user, subject, body, gettext("Jisr: %(text)s", text=text))


# -- the reviewer's acts ------------------------------------------------------------------------------------

def _open_review(review: AssociationReview) -> AssociationReview:
    review = locked(AssociationReview, review.id)
    if review.conflict:
        raise SelectionError(gettext("You declared a conflict of interest with this association: you are left "
                                     "out of its review."))
    if review.submitted_at is not None:
        raise SelectionError(gettext("Your scores have already been sent; they can no longer be changed."))
    return review


def declare_conflict(review: AssociationReview, note: str) -> None:
    """The reviewer declares a conflict of interest: from now on she is left out of this association."""
    review = _open_review(review)
    review.conflict = True
    review.conflict_note = note
    review.conflict_declared_at = utcnow()
    db.session.flush()
    record("association.conflict_declared", review.association_application, review_id=review.id, note=note)


def submit_scores(review: AssociationReview, values: dict[int, tuple[int, str]]) -> None:
    """Score every criterion of the call at once, 0 to SCORE_MAX, with a comment each; sent once, final."""
    review = _open_review(review)
    association = review.association_application
    if association.status != AssociationStatus.SUBMITTED:
        raise SelectionError(gettext("A decision has been taken on this association: scores are no longer taken."))
    criteria = association.call.criteria
    if set(values) != {criterion.id for criterion in criteria} or not all(
            isinstance(score, int) and 0 <= score <= SCORE_MAX for score, _comment in values.values()):
        raise SelectionError(gettext("Give every criterion a score from %(min)s to %(max)s.", min=0, max=SCORE_MAX))
    for criterion in criteria:
        score, comment = values[criterion.id]
        review.scores.append(ReviewScore(criterion_id=criterion.id, score=score, comment=comment or ""))
    review.submitted_at = utcnow()
    db.session.flush()
    total = weighted_total([(criterion.weight, values[criterion.id][0]) for criterion in criteria])
    record("association.scores_submitted", association, review_id=review.id,
           scores={str(k): v[0] for k, v in values.items()}, total=round(total, 4) if total is not None else None)
