"""Sign-in paused for a phone number or e-mail address after repeated failures.

Rate limits (per client address, jisr/auth/routes.py) stop one machine from guessing; this stops many
machines guessing one account's password. After LOCKOUT_ATTEMPTS failures within LOCKOUT_MINUTES, sign-in
with that contact is refused for LOCKOUT_MINUTES, even with the right password. The way back: wait, or
choose a new password with a code sent to the phone or mailbox (complete_reset calls `unlock`).

Failures are counted for any well-formed contact, with or without an account, so the pause itself never
tells whether an account exists. Counts are one conditional UPDATE each, so parallel guesses cannot slip
past the limit; the caller commits them although the sign-in fails.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from jisr.audit.services import record
from jisr.auth.models import SignInLock, User
from jisr.extensions import db
from jisr.timeutil import aware, utcnow


def key_for(kind: str, value: str) -> str:
    """The stored key of a normalised contact ('phone', '+2126…' or 'email', 'name@…')."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOCKOUT_MINUTES"])


def locked_until(key: str, now: datetime | None = None) -> datetime | None:
    """When the pause on this contact ends; None when sign-in is open."""
    now = now or utcnow()
    until = aware(db.session.scalar(sa.select(SignInLock.locked_until).where(SignInLock.key == key)))
    return until if until is not None and until > now else None


def minutes_left(until: datetime, now: datetime | None = None) -> int:
    return max(1, math.ceil((until - (now or utcnow())).total_seconds() / 60))


def count_failure(key: str, user: User | None) -> datetime | None:
    """One more failed sign-in for this contact; returns when the pause ends if this failure starts one."""
    now = utcnow()
    table = SignInLock.__table__
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    db.session.execute(insert(table).values(key=key, failures=0, first_failed_at=now).on_conflict_do_nothing())
    # A window that is over, or a pause that is over, starts the count again.
    db.session.execute(
        sa.update(table)
        .where(table.c.key == key, sa.or_(table.c.first_failed_at <= now - _window(), table.c.locked_until <= now))
        .values(failures=0, first_failed_at=now, locked_until=None))
    failures = db.session.execute(
        sa.update(table).where(table.c.key == key).values(failures=table.c.failures + 1)
        .returning(table.c.failures)).scalar_one()
    if failures != current_app.config["LOCKOUT_ATTEMPTS"]:
        return None
    until = now + _window()
    db.session.execute(sa.update(table).where(table.c.key == key).values(locked_until=until))
    record("auth.locked", user, actor=None, failures=failures, until=until.isoformat())
    return until


def succeeded(key: str) -> None:
    """A right password while sign-in is open: earlier failures no longer count."""
    db.session.execute(sa.delete(SignInLock).where(SignInLock.key == key))


def unlock(user: User, reason: str) -> None:
    """Her contacts are open again (she proved she holds one of them, e.g. with a reset code)."""
    keys = [key_for("phone", user.phone) if user.phone else None, key_for("email", user.email) if user.email else None]
    keys = [key for key in keys if key]
    was_locked = db.session.scalar(sa.select(sa.func.count(SignInLock.id)).where(
        SignInLock.key.in_(keys), SignInLock.locked_until > utcnow()))
    db.session.execute(sa.delete(SignInLock).where(SignInLock.key.in_(keys)))
    if was_locked:
        record("auth.unlocked", user, actor=user, reason=reason)
