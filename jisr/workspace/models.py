"""The incubator's side of a file: the programme's grids (stages, reason codes, assessment criteria) kept as
data, and what staff record on a file (information requests, assessments, stages, sessions, outcomes)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jisr.auth.models import User
from jisr.extensions import db
from jisr.i18n_fields import BilingualName
from jisr.timeutil import utcnow

# -- the programme's grids, stored as data (admins edit them: jisr/programmes/admin_routes.py) --------------


class MentoringStage(BilingualName, db.Model):
    """One stage of a programme's accompaniment pipeline, in order."""

    __tablename__ = "mentoring_stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    code: Mapped[str] = mapped_column(sa.String(40))

    # Named by hand: the naming convention would give both the same name (first column only).
    __table_args__ = (sa.UniqueConstraint("programme_id", "code", name="uq_mentoring_stages_programme_id_code"),
                      sa.UniqueConstraint("programme_id", "position", name="uq_mentoring_stages_programme_id_position"))

    def __repr__(self) -> str:
        return f"<MentoringStage {self.programme_id}:{self.position} {self.code}>"


class ReasonKind(enum.StrEnum):
    REJECTION = "rejection"
    DROP_OUT = "drop_out"


class ReasonCode(BilingualName, db.Model):
    """A reason staff pick when they reject a file or record a drop-out; shown to her in her language."""

    __tablename__ = "reason_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    code: Mapped[str] = mapped_column(sa.String(40))
    position: Mapped[int] = mapped_column(default=0)
    # Retired reasons stay (decisions already taken name them) but are no longer offered to staff.
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    __table_args__ = (sa.UniqueConstraint("programme_id", "kind", "code"),)

    def __repr__(self) -> str:
        return f"<ReasonCode {self.kind}:{self.code}>"


class AssessmentCriterion(BilingualName, db.Model):
    """A line of the programme's initial assessment sheet: scored 0..max_score, counted `weight` times."""

    __tablename__ = "assessment_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(sa.String(40))
    weight: Mapped[int] = mapped_column(default=1)
    max_score: Mapped[int] = mapped_column(default=5)

    __table_args__ = (sa.UniqueConstraint("programme_id", "code"),
                      sa.CheckConstraint("weight > 0 AND max_score > 0", name="positive"))

    def __repr__(self) -> str:
        return f"<AssessmentCriterion {self.code} x{self.weight}>"


# -- what staff record on a file ----------------------------------------------------------------------


class InfoRequest(db.Model):
    """Staff ask the applicant for something; she answers (and may add documents), the file returns to review."""

    __tablename__ = "info_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(sa.Text)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    requested_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<InfoRequest {self.id} app={self.application_id}>"


class Assessment(db.Model):
    """One scorer's initial assessment sheet of a file; several scorers may each fill their own."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    scorer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    total: Mapped[Decimal] = mapped_column(sa.Numeric(8, 2), default=0)
    maximum: Mapped[Decimal] = mapped_column(sa.Numeric(8, 2), default=0)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    scorer: Mapped[User] = relationship()
    scores: Mapped[list[AssessmentScore]] = relationship(cascade="all, delete-orphan", back_populates="assessment")

    __table_args__ = (sa.UniqueConstraint("application_id", "scorer_id"),)

    def __repr__(self) -> str:
        return f"<Assessment app={self.application_id} by={self.scorer_id} {self.total}/{self.maximum}>"


class AssessmentScore(db.Model):
    __tablename__ = "assessment_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessments.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("assessment_criteria.id", ondelete="CASCADE"),
                                              index=True)
    score: Mapped[int] = mapped_column()

    assessment: Mapped[Assessment] = relationship(back_populates="scores")

    __table_args__ = (sa.UniqueConstraint("assessment_id", "criterion_id"),
                      sa.CheckConstraint("score >= 0", name="score_not_negative"))

    def __repr__(self) -> str:
        return f"<AssessmentScore {self.criterion_id}={self.score}>"


class StageEntry(db.Model):
    """A file's passage through a stage: entered when and by whom, completed (or left going back) when."""

    __tablename__ = "stage_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("mentoring_stages.id"), index=True)
    entered_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    note: Mapped[str | None] = mapped_column(sa.Text)  # why it moved here
    left_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    left_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    outcome: Mapped[str | None] = mapped_column(sa.String(20))  # completed / reverted (moved back) / closed

    stage: Mapped[MentoringStage] = relationship()
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    left_by: Mapped[User | None] = relationship(foreign_keys=[left_by_id])

    def __repr__(self) -> str:
        return f"<StageEntry app={self.application_id} stage={self.stage_id}>"


class SessionMode(enum.StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"


class MentoringSession(db.Model):
    """A meeting an incubator convenes one or several applicants to."""

    __tablename__ = "mentoring_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    incubator_id: Mapped[int] = mapped_column(sa.ForeignKey("incubators.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))  # UTC; shown in the programme's zone
    duration_minutes: Mapped[int] = mapped_column(default=60)
    mode: Mapped[str] = mapped_column(sa.String(20), default=SessionMode.IN_PERSON)
    place: Mapped[str] = mapped_column(sa.String(300), default="")  # address, phone number or video link
    topic: Mapped[str] = mapped_column(sa.String(200))
    bring: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    convocations: Mapped[list[Convocation]] = relationship(back_populates="session", order_by="Convocation.id")
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.Index("ix_mentoring_sessions_incubator_id_starts_at", "incubator_id", "starts_at"),
                      sa.CheckConstraint("duration_minutes > 0", name="duration_positive"))

    def __repr__(self) -> str:
        return f"<MentoringSession {self.id} {self.starts_at:%Y-%m-%d %H:%M}>"


class Attendance(enum.StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"


class Convocation(db.Model):
    """One applicant convened to one session, with what happened there for her file."""

    __tablename__ = "convocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("mentoring_sessions.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    check_in_code: Mapped[str] = mapped_column(sa.String(12), unique=True)  # printed on her convocation
    arrangements: Mapped[str] = mapped_column(sa.Text, default="")  # accessibility arrangements made for her
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    attendance: Mapped[str | None] = mapped_column(sa.String(10))
    attendance_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    attendance_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    checked_in_by_code: Mapped[bool] = mapped_column(default=False)
    # What the session was for this file.
    duration_minutes: Mapped[int | None] = mapped_column()
    topics: Mapped[str | None] = mapped_column(sa.Text)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    next_steps: Mapped[str | None] = mapped_column(sa.Text)

    session: Mapped[MentoringSession] = relationship(back_populates="convocations")

    __table_args__ = (sa.UniqueConstraint("session_id", "application_id"),
                      sa.Index("ix_convocations_reminder", "reminded_at", "session_id"))

    def __repr__(self) -> str:
        return f"<Convocation {self.id} session={self.session_id} app={self.application_id}>"


# -- outcomes and financing -------------------------------------------------------------------------------


class Outcome(db.Model):
    """What came of the accompaniment; edited as it evolves, every version kept in OutcomeRevision."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), unique=True)
    activity_created_on: Mapped[date | None] = mapped_column(sa.Date)
    legal_form: Mapped[str | None] = mapped_column(sa.String(30))
    registration_number: Mapped[str | None] = mapped_column(sa.String(40))
    financing_obtained: Mapped[bool] = mapped_column(default=False)
    financing_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    financing_source: Mapped[str | None] = mapped_column(sa.String(30))
    jobs_women: Mapped[int] = mapped_column(default=0)
    jobs_men: Mapped[int] = mapped_column(default=0)
    revenue_band: Mapped[str | None] = mapped_column(sa.String(20))
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (sa.CheckConstraint("jobs_women >= 0 AND jobs_men >= 0", name="jobs_not_negative"),)

    def __repr__(self) -> str:
        return f"<Outcome app={self.application_id} v{self.version}>"


class FinancingDecision(db.Model):
    """A financing commission's decision on a file (a file may go before several)."""

    __tablename__ = "financing_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    commission_on: Mapped[date] = mapped_column(sa.Date)
    decision: Mapped[str] = mapped_column(sa.String(20))  # approved / refused / deferred
    amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    source: Mapped[str | None] = mapped_column(sa.String(30))  # honour_loan / grant / bank_credit / ...
    note: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),)

    def __repr__(self) -> str:
        return f"<FinancingDecision app={self.application_id} {self.decision}>"


class OutcomeRevision(db.Model):
    """Every saved version of an outcome or a financing decision: the history staff read."""

    __tablename__ = "outcome_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # outcome / financing
    object_id: Mapped[int] = mapped_column()
    data: Mapped[dict] = mapped_column(sa.JSON)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)

    by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<OutcomeRevision {self.kind}:{self.object_id}>"


# -- possible duplicates --------------------------------------------------------------------------------


class DuplicateResolution(db.Model):
    """Staff's verdict on a pair of files the matcher flagged: not a duplicate, or linked (the same person).
    Stored once per pair, smaller id first."""

    __tablename__ = "duplicate_resolutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    second_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    verdict: Mapped[str] = mapped_column(sa.String(20))  # not_duplicate / linked
    note: Mapped[str | None] = mapped_column(sa.Text)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    by: Mapped[User | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("first_id", "second_id"),
                      sa.CheckConstraint("first_id < second_id", name="ordered_pair"))

    def __repr__(self) -> str:
        return f"<DuplicateResolution {self.first_id}~{self.second_id} {self.verdict}>"
