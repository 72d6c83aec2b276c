"""Creating, revoking and checking personal API tokens."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa

from jisr.audit.services import record
from jisr.auth.models import User
from jisr.extensions import db
from jisr.timeutil import utcnow

from .models import ApiToken

PREFIX = "jisr_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; the token itself is returned once and never stored."""
    token = PREFIX + secrets.token_urlsafe(32)
    found = ApiToken(user_id=user.id, name=name, token_hash=_hash(token), prefix=token[:12])
    db.session.add(found)
    db.session.flush()
    record("api.token_created", found, actor=user)
    return found, token


def revoke(user: User, token_id: int) -> bool:
    done = db.session.execute(sa.update(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id,
                                                        ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow()))
    if done.rowcount:
        record("api.token_revoked", user, actor=user, token_id=token_id)
    return bool(done.rowcount)


def mine(user: User) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                   .order_by(ApiToken.created_at.desc())))


def user_for(authorization: str | None) -> User | None:
    """The active user whose live token is in an `Authorization: Bearer …` header, or None."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    token = authorization[len("Bearer "):].strip()
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    found = db.session.execute(sa.select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(
        ApiToken.token_hash == _hash(token), ApiToken.revoked_at.is_(None), User.active.is_(True))).first()
    if found is None:
        return None
    found.ApiToken.last_used_at = utcnow()
    return found.User
