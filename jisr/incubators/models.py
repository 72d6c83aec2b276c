"""Incubators: associations selected through a call for expressions of interest, which accompany the
files routed to them. Routing reads their coverage, sectors, accessibility and capacity."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jisr.extensions import db
from jisr.geo.models import Province, Sector
from jisr.i18n_fields import BilingualName
from jisr.timeutil import utcnow

incubator_provinces = sa.Table(
    "incubator_provinces",
    db.metadata,
    sa.Column("incubator_id", sa.ForeignKey("incubators.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("province_id", sa.ForeignKey("provinces.id", ondelete="CASCADE"), primary_key=True, index=True),
)

incubator_sectors = sa.Table(
    "incubator_sectors",
    db.metadata,
    sa.Column("incubator_id", sa.ForeignKey("incubators.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("sector_id", sa.ForeignKey("sectors.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Incubator(BilingualName, db.Model):
    """A selected association. Its load is never stored: routing counts the files that occupy a place."""

    __tablename__ = "incubators"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    capacity: Mapped[int] = mapped_column(default=0)
    generalist: Mapped[bool] = mapped_column(default=True)
    # Premises and services, matched against applicants' accessibility needs by routing.
    step_free_access: Mapped[bool] = mapped_column(default=False)
    accessible_toilets: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    sign_language: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    active: Mapped[bool] = mapped_column(default=True)
    # Public details, shown in the directory and to the applicants routed there.
    address: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    province_id: Mapped[int | None] = mapped_column(sa.ForeignKey("provinces.id"), index=True)  # its seat
    phone: Mapped[str | None] = mapped_column(sa.String(20))  # E.164
    email: Mapped[str | None] = mapped_column(sa.String(254))
    created_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    provinces: Mapped[list[Province]] = relationship(secondary=incubator_provinces, order_by=Province.name_fr)
    sectors: Mapped[list[Sector]] = relationship(secondary=incubator_sectors, order_by=Sector.id)
    province: Mapped[Province | None] = relationship(foreign_keys=[province_id])

    __table_args__ = (sa.CheckConstraint("capacity >= 0", name="capacity_not_negative"),)

    @property
    def accessible_venue(self) -> bool:
        """What an applicant asking for an accessible venue needs: step-free access and toilets."""
        return self.step_free_access and self.accessible_toilets

    def __repr__(self) -> str:
        return f"<Incubator {self.code}>"
