"""Every routing of a file is stored with its explanation, so applicants, coordinators and admins can
see why a file went where it went (or why it waits), long after the loads have changed."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jisr.auth.models import User
from jisr.extensions import db
from jisr.incubators.models import Incubator
from jisr.timeutil import utcnow


class Trigger(enum.StrEnum):
    """What made the file be routed (again)."""

    ELIGIBLE = "eligible"  # made eligible at submission
    OVERRIDE = "override"  # made eligible by a coordinator overriding the decision
    PLACE_FREED = "place_freed"  # a file left an incubator of the area
    CAPACITY = "capacity"  # an incubator of the area grew, or changed its coverage
    NEW_INCUBATOR = "new_incubator"  # an incubator of the area was selected
    MANUAL = "manual"  # re-routed by hand by a coordinator or an admin


class RoutingDecision(db.Model):
    __tablename__ = "routing_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    trigger: Mapped[str] = mapped_column(sa.String(20))
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)  # None: the engine
    incubator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incubators.id"), index=True)
    reason: Mapped[str | None] = mapped_column(sa.String(40))  # why it waits (engine code); None when assigned
    note: Mapped[str | None] = mapped_column(sa.Text)  # the written reason of a manual re-routing
    explanation: Mapped[dict] = mapped_column(sa.JSON)  # the engine's Decision.as_json()

    by: Mapped[User | None] = relationship()
    incubator: Mapped[Incubator | None] = relationship()

    @property
    def waitlisted(self) -> bool:
        return self.incubator_id is None

    def __repr__(self) -> str:
        return f"<RoutingDecision {self.id} app={self.application_id} -> {self.incubator_id or self.reason}>"
