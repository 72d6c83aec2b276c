"""The applicant's file: the person (profile), the file per programme, its history and consent."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jisr.auth.models import User
from jisr.extensions import db
from jisr.geo.models import Province, Sector
from jisr.programmes.models import Programme
from jisr.timeutil import utcnow


class Status(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    ASSIGNED = "assigned"
    UNDER_REVIEW = "under_review"
    INFO_REQUESTED = "info_requested"
    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    IN_MENTORING = "in_mentoring"
    COMPLETED = "completed"
    DROPPED_OUT = "dropped_out"
    WITHDRAWN = "withdrawn"


#: States in which a file no longer counts against "one active file per national ID".
CLOSED_STATES = (Status.INELIGIBLE, Status.REJECTED, Status.WITHDRAWN, Status.DROPPED_OUT)
#: States from which the applicant may withdraw ("any state before completed").
WITHDRAWABLE_STATES = tuple(
    s for s in Status if s not in CLOSED_STATES and s is not Status.COMPLETED
)
#: States in which a file holds one of its incubator's places: routing counts them, so a place frees as
#: soon as a file leaves these states (rejected, completed, dropped out, withdrawn...).
OCCUPYING_STATES = (Status.ASSIGNED, Status.UNDER_REVIEW, Status.INFO_REQUESTED, Status.ACCEPTED,
                    Status.IN_MENTORING)
_closed_sql = "status NOT IN ({})".format(",".join(f"'{s.value}'" for s in CLOSED_STATES))


class ApplicantProfile(db.Model):
    """The person behind the files: identity, situation and disability, filled in the first steps."""

    __tablename__ = "applicant_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    first_name_ar: Mapped[str | None] = mapped_column(sa.String(100))
    last_name_ar: Mapped[str | None] = mapped_column(sa.String(100))
    first_name_latin: Mapped[str | None] = mapped_column(sa.String(100))
    last_name_latin: Mapped[str | None] = mapped_column(sa.String(100))
    national_id: Mapped[str | None] = mapped_column(sa.String(12), index=True)
    birth_date: Mapped[date | None] = mapped_column(sa.Date, index=True)  # possible duplicates: same birth date
    sex: Mapped[str | None] = mapped_column(sa.String(10))  # female / male
    phone: Mapped[str | None] = mapped_column(sa.String(20), index=True)  # ... or same phone
    email: Mapped[str | None] = mapped_column(sa.String(254))
    province_id: Mapped[int | None] = mapped_column(sa.ForeignKey("provinces.id"), index=True)
    commune: Mapped[str | None] = mapped_column(sa.String(120))

    education_level: Mapped[str | None] = mapped_column(sa.String(30))
    family_situation: Mapped[str | None] = mapped_column(sa.String(30))
    is_widow: Mapped[bool] = mapped_column(default=False)
    is_divorced: Mapped[bool] = mapped_column(default=False)
    is_single_mother: Mapped[bool] = mapped_column(default=False)
    is_head_of_household: Mapped[bool] = mapped_column(default=False)

    disability_type: Mapped[str | None] = mapped_column(sa.String(30), index=True)  # "none" or a type
    disability_card_number: Mapped[str | None] = mapped_column(sa.String(40))
    needs_sign_language: Mapped[bool] = mapped_column(default=False)
    needs_accessible_venue: Mapped[bool] = mapped_column(default=False)
    needs_large_print: Mapped[bool] = mapped_column(default=False)
    needs_companion: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
    province: Mapped[Province | None] = relationship()

    @property
    def has_disability(self) -> bool:
        return bool(self.disability_type) and self.disability_type != "none"

    def __repr__(self) -> str:
        return f"<ApplicantProfile {self.id} user={self.user_id}>"


class Application(db.Model):
    """A file in one programme. national_id and province_id are copied from the profile when the
    identity step is saved, so the uniqueness rule and role scoping are plain indexed columns."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(sa.String(24), unique=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=Status.DRAFT, index=True)
    national_id: Mapped[str | None] = mapped_column(sa.String(12))
    province_id: Mapped[int | None] = mapped_column(sa.ForeignKey("provinces.id"), index=True)
    incubator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incubators.id"), index=True)
    mentor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)

    project_title: Mapped[str | None] = mapped_column(sa.String(200))
    sector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sectors.id"), index=True)
    project_stage: Mapped[str | None] = mapped_column(sa.String(20))  # idea / informal / formal
    carrier: Mapped[str | None] = mapped_column(sa.String(20))  # individual / auto_entrepreneur / group
    group_name: Mapped[str | None] = mapped_column(sa.String(200))
    project_description: Mapped[str | None] = mapped_column(sa.Text)
    estimated_budget: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    own_contribution: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))

    need_training: Mapped[bool] = mapped_column(default=False)
    need_coaching: Mapped[bool] = mapped_column(default=False)
    need_financing: Mapped[bool] = mapped_column(default=False)
    need_market_access: Mapped[bool] = mapped_column(default=False)
    need_formalisation: Mapped[bool] = mapped_column(default=False)
    needs_saved: Mapped[bool] = mapped_column(default=False)  # the needs step was saved at least once

    eligibility_reasons: Mapped[list | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # When the file entered its current state: the queue's "days waiting".
    status_changed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    current_stage_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mentoring_stages.id"), index=True)
    # Optimistic lock: every UPDATE says which version it read, so two staff acting at once cannot
    # overwrite each other silently (the second gets StaleDataError, shown as "the file changed").
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    programme: Mapped[Programme] = relationship()
    applicant: Mapped[User] = relationship(foreign_keys=[applicant_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    province: Mapped[Province | None] = relationship()
    sector: Mapped[Sector | None] = relationship()
    members: Mapped[list[ProjectMember]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ProjectMember.position"
    )
    trainings: Mapped[list[PriorTraining]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="PriorTraining.position"
    )
    history: Mapped[list[StatusChange]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="StatusChange.id"
    )

    __table_args__ = (
        # One active file per national ID per programme, held by the database even under concurrent submits.
        sa.Index(
            "uq_applications_active_national_id",
            "programme_id",
            "national_id",
            unique=True,
            sqlite_where=sa.text(_closed_sql),
            postgresql_where=sa.text(_closed_sql),
        ),
        sa.Index("ix_applications_applicant_id_status", "applicant_id", "status"),
        # An incubator's load (files occupying a place), counted at every routing.
        sa.Index("ix_applications_incubator_id_status", "incubator_id", "status"),
        # The waitlist of an area, oldest first.
        sa.Index("ix_applications_status_province_id_submitted_at", "status", "province_id", "submitted_at"),
        # The workspace queue: an incubator's (or a mentor's) files by state, oldest in its state first,
        # and each filter of the queue within an incubator.
        sa.Index("ix_applications_incubator_status_changed", "incubator_id", "status", "status_changed_at"),
        sa.Index("ix_applications_mentor_status_changed", "mentor_id", "status", "status_changed_at"),
        sa.Index("ix_applications_incubator_id_province_id", "incubator_id", "province_id"),
        sa.Index("ix_applications_incubator_id_sector_id", "incubator_id", "sector_id"),
        sa.Index("ix_applications_incubator_id_current_stage_id", "incubator_id", "current_stage_id"),
        sa.Index("ix_applications_incubator_id_national_id", "incubator_id", "national_id"),
    )
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_draft(self) -> bool:
        return self.status == Status.DRAFT

    @property
    def can_withdraw(self) -> bool:
        return self.status in WITHDRAWABLE_STATES

    @property
    def occupies_place(self) -> bool:
        return self.incubator_id is not None and self.status in OCCUPYING_STATES

    def transition(self, new: Status, by: User | None, reason: str | None = None,
                   reasons: list | None = None) -> StatusChange:
        """Move to `new` and write the step into the history the applicant and staff read."""
        change = StatusChange(from_status=self.status, to_status=new, by_id=by.id if by else None, reason=reason,
                              reasons=reasons)
        self.status = new
        self.status_changed_at = change.at = utcnow()
        self.history.append(change)
        return change

    def __repr__(self) -> str:
        return f"<Application {self.id} {self.reference or 'draft'} {self.status}>"


class ProjectMember(db.Model):
    """A member of a cooperative or productive group carrying the project."""

    __tablename__ = "project_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str | None] = mapped_column(sa.String(100))
    application: Mapped[Application] = relationship(back_populates="members")

    def __repr__(self) -> str:
        return f"<ProjectMember {self.id}>"


class PriorTraining(db.Model):
    __tablename__ = "prior_trainings"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(200))
    organisation: Mapped[str | None] = mapped_column(sa.String(200))
    year: Mapped[int | None] = mapped_column()
    application: Mapped[Application] = relationship(back_populates="trainings")

    def __repr__(self) -> str:
        return f"<PriorTraining {self.id}>"


class StatusChange(db.Model):
    """One transition of a file; the timeline the applicant and staff read."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    reasons: Mapped[list | None] = mapped_column(sa.JSON)  # coded reasons, rendered in the reader's language

    application: Mapped[Application] = relationship(back_populates="history")
    by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<StatusChange {self.application_id} {self.from_status}->{self.to_status}>"


class Consent(db.Model):
    """Consent to the processing of personal data: which text, in which language, when, how."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    text_version: Mapped[str] = mapped_column(sa.String(20))
    language: Mapped[str] = mapped_column(sa.String(10))
    given_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    method: Mapped[str] = mapped_column(sa.String(20), default="online")  # online / read_aloud / signed_paper
    attested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)

    def __repr__(self) -> str:
        return f"<Consent {self.id} app={self.application_id} v{self.text_version}>"


class ReferenceCounter(db.Model):
    """Per-year counter behind JISR-YYYY-NNNNNN; incremented inside the submitting transaction,
    so a rolled-back submit leaves no gap and two submits never share a number."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<ReferenceCounter {self.year}={self.last_value}>"
