"""Calls for expressions of interest, the associations' applications to them, and their review.

An association answers a call through its representative; admins assign reviewers, who score it
against the call's weighted criteria; admins then select it (it becomes an incubator) or decline it.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jisr.auth.models import User
from jisr.extensions import db
from jisr.geo.models import Province, Sector
from jisr.i18n_fields import current_language
from jisr.programmes.models import Programme
from jisr.timeutil import aware, utcnow

#: Each criterion is scored from 0 to this; a review's total is the weighted average on the same scale.
SCORE_MAX = 10


class Bilingual:
    """`text("title")` is title_ar or title_fr, in the reader's language (French as the fallback)."""

    def text(self, name: str) -> str:
        return getattr(self, f"{name}_{current_language()}", None) or getattr(self, f"{name}_fr")


call_provinces = sa.Table(
    "call_provinces",
    db.metadata,
    sa.Column("call_id", sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("province_id", sa.ForeignKey("provinces.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Call(Bilingual, db.Model):
    """A call for expressions of interest. Opening and closing are instants (stored UTC) computed from
    civil dates and times in the programme's time zone, so the deadline never depends on the server's."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id"), index=True)
    title_ar: Mapped[str] = mapped_column(sa.String(200))
    title_fr: Mapped[str] = mapped_column(sa.String(200))
    description_ar: Mapped[str] = mapped_column(sa.Text, default="")
    description_fr: Mapped[str] = mapped_column(sa.Text, default="")
    opens_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    closes_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    programme: Mapped[Programme] = relationship()
    provinces: Mapped[list[Province]] = relationship(secondary=call_provinces, order_by=Province.name_fr)
    criteria: Mapped[list[CallCriterion]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="CallCriterion.position")

    __table_args__ = (sa.CheckConstraint("closes_at > opens_at", name="dates_ordered"),)

    @property
    def title(self) -> str:
        return self.text("title")

    @property
    def description(self) -> str:
        return self.text("description")

    def state(self, now: datetime) -> str:
        """upcoming, open or closed at `now` (an aware datetime)."""
        if now < aware(self.opens_at):
            return "upcoming"
        return "open" if now < aware(self.closes_at) else "closed"

    def is_open(self, now: datetime) -> bool:
        return self.state(now) == "open"

    @property
    def total_weight(self) -> int:
        return sum(criterion.weight for criterion in self.criteria)

    def __repr__(self) -> str:
        return f"<Call {self.id}>"


class CallCriterion(Bilingual, db.Model):
    __tablename__ = "call_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label_ar: Mapped[str] = mapped_column(sa.String(200))
    label_fr: Mapped[str] = mapped_column(sa.String(200))
    description_ar: Mapped[str] = mapped_column(sa.Text, default="")
    description_fr: Mapped[str] = mapped_column(sa.Text, default="")
    weight: Mapped[int] = mapped_column()

    call: Mapped[Call] = relationship(back_populates="criteria")

    __table_args__ = (sa.CheckConstraint("weight > 0", name="weight_positive"),)

    @property
    def label(self) -> str:
        return self.text("label")

    @property
    def description(self) -> str:
        return self.text("description")

    def __repr__(self) -> str:
        return f"<CallCriterion {self.id} w={self.weight}>"


class AssociationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SELECTED = "selected"
    DECLINED = "declined"


association_provinces = sa.Table(
    "association_provinces",
    db.metadata,
    sa.Column("association_application_id", sa.ForeignKey("association_applications.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("province_id", sa.ForeignKey("provinces.id", ondelete="CASCADE"), primary_key=True, index=True),
)

association_sectors = sa.Table(
    "association_sectors",
    db.metadata,
    sa.Column("association_application_id", sa.ForeignKey("association_applications.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("sector_id", sa.ForeignKey("sectors.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class AssociationApplication(db.Model):
    """An association's answer to a call, filled by its representative over several visits."""

    __tablename__ = "association_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id"), index=True)
    representative_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=AssociationStatus.DRAFT, index=True)

    legal_name_ar: Mapped[str | None] = mapped_column(sa.String(200))
    legal_name_fr: Mapped[str | None] = mapped_column(sa.String(200))
    registration_number: Mapped[str | None] = mapped_column(sa.String(60))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    province_id: Mapped[int | None] = mapped_column(sa.ForeignKey("provinces.id"), index=True)  # its seat
    phone: Mapped[str | None] = mapped_column(sa.String(20))  # E.164
    email: Mapped[str | None] = mapped_column(sa.String(254))

    generalist: Mapped[bool] = mapped_column(default=False)
    capacity: Mapped[int | None] = mapped_column()
    step_free_access: Mapped[bool] = mapped_column(default=False)
    accessible_toilets: Mapped[bool] = mapped_column(default=False)
    sign_language: Mapped[bool] = mapped_column(default=False)
    coverage_saved: Mapped[bool] = mapped_column(default=False)  # the coverage step was saved at least once

    experience: Mapped[str | None] = mapped_column(sa.Text)
    references_text: Mapped[str | None] = mapped_column(sa.Text)

    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    decision_reason: Mapped[str | None] = mapped_column(sa.String(40))  # a code, shown in the reader's language
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    incubator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incubators.id"), unique=True)

    call: Mapped[Call] = relationship()
    representative: Mapped[User] = relationship(foreign_keys=[representative_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    province: Mapped[Province | None] = relationship(foreign_keys=[province_id])
    provinces: Mapped[list[Province]] = relationship(secondary=association_provinces, order_by=Province.name_fr)
    sectors: Mapped[list[Sector]] = relationship(secondary=association_sectors, order_by=Sector.id)
    team: Mapped[list[AssociationTeamMember]] = relationship(
        back_populates="association_application", cascade="all, delete-orphan",
        order_by="AssociationTeamMember.position")

    __table_args__ = (
        sa.UniqueConstraint("call_id", "representative_id", name="uq_association_applications_call_representative"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
    )

    @property
    def is_draft(self) -> bool:
        return self.status == AssociationStatus.DRAFT

    @property
    def name(self) -> str:
        """The legal name in the reader's language, else the other one."""
        first, second = ((self.legal_name_ar, self.legal_name_fr) if current_language() == "ar"
                         else (self.legal_name_fr, self.legal_name_ar))
        return first or second or ""

    def __repr__(self) -> str:
        return f"<AssociationApplication {self.id} {self.status}>"


class AssociationTeamMember(db.Model):
    __tablename__ = "association_team_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("association_applications.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str | None] = mapped_column(sa.String(120))
    qualification: Mapped[str | None] = mapped_column(sa.String(200))

    association_application: Mapped[AssociationApplication] = relationship(back_populates="team")

    def __repr__(self) -> str:
        return f"<AssociationTeamMember {self.id}>"


class AssociationDocument(db.Model):
    """An association's document (statutes, receipt of legal filing, activity report), stored and
    checked by content exactly like an applicant's document (jisr/documents)."""

    __tablename__ = "association_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("association_applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))  # statutes / legal_receipt / activity_report
    original_name: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(50))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<AssociationDocument {self.id} {self.kind}>"


class AssociationReview(db.Model):
    """One reviewer on one association's application: assigned by an admin; then either a declared
    conflict of interest (the reviewer is left out) or scores on every criterion, submitted once."""

    __tablename__ = "association_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("association_applications.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    conflict: Mapped[bool] = mapped_column(default=False)
    conflict_note: Mapped[str | None] = mapped_column(sa.Text)
    conflict_declared_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    association_application: Mapped[AssociationApplication] = relationship()
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    scores: Mapped[list[ReviewScore]] = relationship(back_populates="review", cascade="all, delete-orphan",
                                                     order_by="ReviewScore.criterion_id")

    __table_args__ = (
        sa.UniqueConstraint("association_application_id", "reviewer_id", name="uq_association_reviews_reviewer"),
        sa.CheckConstraint("NOT (conflict AND submitted_at IS NOT NULL)", name="conflict_or_scores"),
    )

    @property
    def state(self) -> str:
        """assigned, conflict or submitted."""
        if self.conflict:
            return "conflict"
        return "submitted" if self.submitted_at is not None else "assigned"

    def __repr__(self) -> str:
        return f"<AssociationReview {self.id} {self.state}>"


class ReviewScore(db.Model):
    __tablename__ = "review_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("association_reviews.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("call_criteria.id", ondelete="CASCADE"), index=True)
    score: Mapped[int] = mapped_column()
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    review: Mapped[AssociationReview] = relationship(back_populates="scores")

    __table_args__ = (
        sa.UniqueConstraint("review_id", "criterion_id", name="uq_review_scores_criterion"),
        sa.CheckConstraint(f"score >= 0 AND score <= {SCORE_MAX}", name="score_range"),
    )

    def __repr__(self) -> str:
        return f"<ReviewScore {self.review_id}/{self.criterion_id}={self.score}>"
