"""Summary tables of the dashboards. `funnel_counts` holds, per programme, province (0: all provinces), month a
file was started, breakdown (dimension and value) and funnel stage, how many files reached that stage; it is
kept up to date in the transaction that changes a file (jisr/stats/facts.py), so a dashboard sums a few
thousand rows instead of grouping every file. `application_facts` remembers what each file was counted as, so
a change moves exactly its own counts.

Rows of the "incubator" dimension also carry an incubator's *measures* beside the funnel's stages: `stage` names
what is added up (jisr.stats.facts.MEASURES: days to first contact, jobs, financing, mentoring stages reached) and
`count` holds the sum. Sums of seconds and centimes outgrow a 32-bit integer, hence BigInteger counts.

`export_requests` are the files exports prepared by a job when there is a job queue (jisr/stats/export_jobs.py)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from jisr.extensions import db
from jisr.timeutil import utcnow


class ApplicationFact(db.Model):
    __tablename__ = "application_facts"

    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"),
                                                primary_key=True)
    #: The rows of funnel_counts this file adds one to, as [province, month, dimension, value] lists, and the
    #: stages it reached (a bit per stage of jisr.stats.facts.STAGES).
    keys: Mapped[list] = mapped_column(sa.JSON)
    reached: Mapped[int] = mapped_column(default=0)
    #: What it adds to its incubator's measures ({"contact_s": 86400, "contacted": 1, "stage:12": 1, ...}).
    measures: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default=sa.text("'{}'"))
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id"), index=True)


class FunnelCount(db.Model):
    __tablename__ = "funnel_counts"

    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id"), primary_key=True)
    province_id: Mapped[int] = mapped_column(primary_key=True)  # 0: every province; -1: not known yet
    # The first day of the month the files were started, or facts.ALL_TIME (0001-01-01) for every month at once.
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    dimension: Mapped[str] = mapped_column(sa.String(20), primary_key=True)  # "all", "sector", "disability"...
    value: Mapped[str] = mapped_column(sa.String(40), primary_key=True)  # "" for "all"
    stage: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    count: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    __table_args__ = (
        # The dashboard's question: one programme, one province (or all), a period, one dimension. It holds every
        # column the dashboard reads, so SQLite answers from the index alone (an incubator's record reads thousands of
        # rows over a period: 37 ms through the table, 15 ms from the index, with 80 incubators).
        sa.Index("ix_funnel_counts_query", "programme_id", "province_id", "dimension", "month", "value", "stage",
                 "count"),
    )


class FunnelDelta(db.Model):
    """A change to a row of funnel_counts, written in the transaction that moved the file. Files moving at the
    same moment only ever insert here, so they never wait for each other on the summary's rows (every file
    of a province shares them); readers fold the deltas into funnel_counts first (facts.fold)."""

    __tablename__ = "funnel_deltas"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id"))
    province_id: Mapped[int] = mapped_column()
    month: Mapped[date] = mapped_column(sa.Date)
    dimension: Mapped[str] = mapped_column(sa.String(20))
    value: Mapped[str] = mapped_column(sa.String(40))
    stage: Mapped[str] = mapped_column(sa.String(20))
    delta: Mapped[int] = mapped_column(sa.BigInteger)


class ExportRequest(db.Model):
    """A files export asked for by one user and prepared by a job: what she asked, where it stands, and the stored
    file (served to her alone until `expires_at`). The job reads the files with her scope when it runs, and only
    while she still has the role she asked with (`role`)."""

    __tablename__ = "export_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(30))
    kind: Mapped[str] = mapped_column(sa.String(20), default="files")
    format: Mapped[str] = mapped_column(sa.String(10))  # csv, xlsx
    pseudonymised: Mapped[bool] = mapped_column(default=False)
    filters: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # none for the files export yet
    language: Mapped[str] = mapped_column(sa.String(10))  # headers and labels are written in it
    state: Mapped[str] = mapped_column(sa.String(20), default="queued")  # queued, running, ready, failed
    error: Mapped[str | None] = mapped_column(sa.String(20))  # "refused" (no longer allowed) or "error"
    attempts: Mapped[int] = mapped_column(default=0)
    job_id: Mapped[str | None] = mapped_column(sa.String(64))
    row_count: Mapped[int | None] = mapped_column()
    size: Mapped[int | None] = mapped_column(sa.BigInteger)
    stored_name: Mapped[str | None] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), index=True)

    def __repr__(self) -> str:
        return f"<ExportRequest {self.id} {self.kind}.{self.format} {self.state}>"
