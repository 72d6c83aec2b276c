from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jisr.auth.hashing import hash_secret, verify_secret
from jisr.extensions import db
from jisr.geo.models import Province
from jisr.timeutil import utcnow


class Role(enum.StrEnum):
    APPLICANT = "applicant"
    AGENT = "agent"
    REPRESENTATIVE = "representative"  # answers calls for expressions of interest for her association
    INCUBATOR_MANAGER = "incubator_manager"
    MENTOR = "mentor"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


user_provinces = sa.Table(
    "user_provinces",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("province_id", sa.ForeignKey("provinces.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class User(UserMixin, db.Model):
    """Anyone who signs in. Agents and coordinators are scoped to provinces, incubator staff to an incubator."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(20), unique=True)  # E.164
    password_hash: Mapped[str | None] = mapped_column(sa.String(256))
    full_name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(30), default=Role.APPLICANT, index=True)
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    incubator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incubators.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Accounts opened by a field agent: who opened it, and when the applicant took it over with her
    # claim code. Until then (claimed_at NULL) the agent may keep filling her draft.
    registered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Set when a new consent text of a programme she has sent a file to is published (and checked again at each
    # sign-in): her next page is the new text to agree to. A hint kept on the row already loaded per request.
    consent_due: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Part of the identifier kept in her session and remember-me cookies (get_id): raised when her password
    # or role changes or her account is deactivated, which ends every session opened before.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    provinces: Mapped[list[Province]] = relationship(secondary=user_provinces)
    registered_by: Mapped[User | None] = relationship(remote_side=[id], foreign_keys=[registered_by_id])

    @property
    def awaiting_claim(self) -> bool:
        return self.registered_by_id is not None and self.claimed_at is None

    __table_args__ = (
        sa.CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="has_contact"),
        sa.CheckConstraint(
            "role IN ('applicant','agent','representative','incubator_manager','mentor','coordinator','admin')",
            name="role",
        ),
    )

    def set_password(self, password: str) -> None:
        self.password_hash = hash_secret(password)

    def check_password(self, password: str) -> bool:
        return verify_secret(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember-me cookie: "id", then ":version" once
        her sessions have been ended at least once."""
        return f"{self.id}:{self.session_version}" if self.session_version else str(self.id)

    @staticmethod
    def parse_session_id(value: str) -> tuple[int, int] | None:
        """(id, version) from get_id()'s text; None when it is not one."""
        user_id, _, version = (value or "").partition(":")
        if not user_id.isdigit() or not (version.isdigit() or version == ""):
            return None
        return int(user_id), int(version or 0)

    def end_sessions(self) -> None:
        """Every session and remember-me cookie issued so far stops working at its next request."""
        self.session_version = (self.session_version or 0) + 1

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class PasswordResetCode(db.Model):
    """A single-use code, stored hashed, sent through the outbox."""

    __tablename__ = "password_reset_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(256))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<PasswordResetCode {self.id} user={self.user_id}>"


invitation_provinces = sa.Table(
    "invitation_provinces",
    db.metadata,
    sa.Column("invitation_id", sa.ForeignKey("invitations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("province_id", sa.ForeignKey("provinces.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Invitation(db.Model):
    """An invitation to open a staff account (a mentor invited by her incubator's manager, or any staff role
    invited by an admin): a single-use code, stored hashed, sent through the outbox to a phone or an e-mail
    address that has no account yet. The account is only created when the code is used, with the role and
    scope (incubator, or provinces) fixed here."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(30))
    incubator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incubators.id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(20), index=True)  # E.164
    email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    code_hash: Mapped[str] = mapped_column(sa.String(256))
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)  # the account it opened

    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    provinces: Mapped[list[Province]] = relationship(secondary=invitation_provinces)

    __table_args__ = (sa.CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="has_contact"),)

    @property
    def pending(self) -> bool:
        return self.used_at is None and self.revoked_at is None

    def __repr__(self) -> str:
        return f"<Invitation {self.id} {self.role}>"


class SignInLock(db.Model):
    """Failed sign-ins for one phone number or e-mail address, whether or not an account uses it (so a pause
    says nothing about who has an account). Kept under a keyed hash, not the contact itself: what strangers
    type is nobody's business. See jisr/auth/lockout.py."""

    __tablename__ = "sign_in_locks"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    failures: Mapped[int] = mapped_column(default=0, server_default="0")
    first_failed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<SignInLock {self.id} failures={self.failures}>"
