"""Staff accounts as admins manage them: the list, a change of role and scope, deactivation, and the rule that
the platform always keeps an active admin. Functions flush, never commit; every change is audited with what it
was before.

Scopes follow the role: agents and coordinators work in provinces (at least one), incubator managers and
mentors in one incubator, admins everywhere; applicants and association representatives have no scope and are
not made here (they open their own accounts)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from jisr.audit.services import record
from jisr.auth.models import Invitation, Role, User
from jisr.extensions import db
from jisr.geo.models import Province
from jisr.incubators.models import Incubator
from jisr.timeutil import utcnow

PAGE_SIZE = 30
#: Roles an admin gives, and the scope each needs.
STAFF_ROLES = (Role.AGENT, Role.COORDINATOR, Role.INCUBATOR_MANAGER, Role.MENTOR, Role.ADMIN)
PROVINCE_ROLES = frozenset({Role.AGENT, Role.COORDINATOR})
INCUBATOR_ROLES = frozenset({Role.INCUBATOR_MANAGER, Role.MENTOR})


class AdminError(Exception):
    """A change refused by a rule; `field` names the form field it is about."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field

    def __str__(self) -> str:
        return str(self.message)


@dataclass
class Scope:
    incubator: Incubator | None
    provinces: list[Province]


def scope_for(role: Role | str, incubator_id: int | None, province_ids) -> Scope:
    """The scope a role needs, read from the database; refuses a missing or foreign one."""
    role = Role(role)
    if role not in STAFF_ROLES:
        raise AdminError(_l("Choose one of the staff roles."), field="role")
    incubator, provinces = None, []
    if role in INCUBATOR_ROLES:
        incubator = db.session.get(Incubator, incubator_id) if incubator_id else None
        if incubator is None:
            raise AdminError(_l("Choose the incubator this person works for."), field="incubator")
    if role in PROVINCE_ROLES:
        ids = sorted({int(i) for i in province_ids or ()})
        provinces = list(db.session.scalars(sa.select(Province).where(Province.id.in_(ids)))) if ids else []
        if not provinces or len(provinces) != len(ids):
            raise AdminError(_l("Choose at least one province where this person works."), field="provinces")
    return Scope(incubator, provinces)


def users(q: str | None, role: str | None, active: bool | None, page: int) -> tuple[list[User], int]:
    """One page of accounts (newest first) and their number: two queries, the provinces in a third."""
    where = []
    if role:
        where.append(User.role == role)
    if active is not None:
        where.append(User.active.is_(active))
    if q:
        text = q.replace("%", "").replace("_", "").strip()
        where.append(sa.or_(User.full_name.ilike(f"%{text}%"), User.email.ilike(f"%{text}%"),
                            User.phone.like(f"%{text.lstrip('0')}%")))
    total = db.session.scalar(sa.select(sa.func.count(User.id)).where(*where))
    found = list(db.session.scalars(
        sa.select(User).where(*where).options(sa.orm.selectinload(User.provinces))
        .order_by(User.created_at.desc(), User.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    return found, total


def incubator_names(users_: list[User]) -> dict[int, Incubator]:
    ids = {u.incubator_id for u in users_ if u.incubator_id}
    return {i.id: i for i in db.session.scalars(sa.select(Incubator).where(Incubator.id.in_(ids)))} if ids else {}


def _lock_admins() -> list[int]:
    """The active admins' ids, locked on PostgreSQL until the transaction ends, so that two admins demoting each
    other at the same moment cannot leave none (SQLite has one writer at a time)."""
    query = sa.select(User.id).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return list(db.session.scalars(query))


def _keep_an_admin(user: User) -> None:
    if user.role == Role.ADMIN and user.active and _lock_admins() == [user.id]:
        raise AdminError(_l("This is the last active administrator: make someone else administrator first."),
                         field="role")


def _snapshot(user: User) -> dict:
    return {"role": user.role, "incubator_id": user.incubator_id, "active": user.active,
            "provinces": sorted(p.id for p in user.provinces)}


def change_role(user: User, by: User, role: Role | str, incubator_id: int | None, province_ids) -> bool:
    """Give `user` a staff role and its scope. False when nothing changed."""
    if user.role not in STAFF_ROLES:
        raise AdminError(_l("Applicants and association representatives keep their own accounts: their role is "
                            "not changed here."), field="role")
    scope = scope_for(role, incubator_id, province_ids)
    before = _snapshot(user)
    if Role(role) != Role.ADMIN:
        _keep_an_admin(user)
    user.role = Role(role)
    user.incubator_id = scope.incubator.id if scope.incubator else None
    user.provinces = scope.provinces
    after = _snapshot(user)
    if after == before:
        return False
    if after["role"] != before["role"]:
        user.end_sessions()  # she signs in again to work in her new role
    db.session.flush()
    record("admin.user_changed", user, actor=by, before=before, after=after)
    return True


def set_active(user: User, by: User, active: bool) -> bool:
    """Deactivate (she can no longer sign in; her files and history stay) or reactivate an account."""
    if user.active == active:
        return False
    if not active:
        if user.id == by.id:
            raise AdminError(_l("You cannot deactivate your own account."))
        _keep_an_admin(user)
    user.active = active
    if not active:
        user.end_sessions()  # reactivated later, she signs in again: no old session comes back to life
    db.session.flush()
    record("admin.user_activated" if active else "admin.user_deactivated", user, actor=by)
    return True


def pending_invitations(page_size: int = 50) -> list[Invitation]:
    """Staff invitations still waiting to be used, newest first (with their provinces)."""
    return list(db.session.scalars(
        sa.select(Invitation).where(Invitation.used_at.is_(None), Invitation.revoked_at.is_(None),
                                    Invitation.expires_at > utcnow())
        .options(sa.orm.selectinload(Invitation.provinces))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc()).limit(page_size)))
