"""Her requests for erasure, decided by an admin."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jisr.auth.models import User
from jisr.extensions import db
from jisr.timeutil import utcnow


class ErasureRequest(db.Model):
    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    requested_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    state: Mapped[str] = mapped_column(sa.String(10), default="pending", index=True)  # pending/approved/refused
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(sa.Text)  # the admin's reason when refused, told to her
    notice_ids: Mapped[list | None] = mapped_column(sa.JSON)  # the messages telling her it is done

    user: Mapped[User] = relationship(foreign_keys=[user_id])
