"""Authorization in one place: what each role may do, and which files each role may see.

Every route that touches files goes through `scoped_applications` or `get_application_or_404`;
a file outside the caller's scope is a 404, never a 403, so its existence is not revealed.
"""

from __future__ import annotations

import enum
from functools import wraps

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from jisr.applications.models import Application
from jisr.auth.models import Role, User, user_provinces
from jisr.extensions import db


class Permission(enum.StrEnum):
    APPLY = "apply"  # fill and submit one's own file
    ASSIST = "assist"  # register applicants on their behalf
    REVIEW = "review"  # incubator staff reviewing routed files
    MENTOR = "mentor"
    COORDINATE = "coordinate"
    ADMINISTER = "administer"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.APPLICANT: frozenset({Permission.APPLY}),
    Role.AGENT: frozenset({Permission.ASSIST}),
    Role.INCUBATOR_MANAGER: frozenset({Permission.REVIEW}),
    Role.MENTOR: frozenset({Permission.MENTOR}),
    Role.COORDINATOR: frozenset({Permission.COORDINATE}),
    Role.ADMIN: frozenset(Permission),
}


def can(user: User, permission: Permission) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return permission in ROLE_PERMISSIONS.get(Role(user.role), frozenset())


def permission_required(*permissions: Permission):
    """Route decorator: sign-in first (Flask-Login redirects), then any one of the permissions (403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from jisr.extensions import login_manager

                return login_manager.unauthorized()
            if not any(can(current_user, permission) for permission in permissions):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


HOME_ENDPOINTS = {Role.APPLICANT: "applications.index", Role.AGENT: "agents.index"}


def home_endpoint(user: User) -> str:
    """Where a role's work starts. Staff pages of the other roles come with their own issues."""
    return HOME_ENDPOINTS.get(Role(user.role), "main.home")


def _in_user_provinces(user: User):
    return Application.province_id.in_(
        sa.select(user_provinces.c.province_id).where(user_provinces.c.user_id == user.id)
    )


def application_scope(user: User):
    """The WHERE clause that limits files to what `user` may see."""
    role = Role(user.role)
    if role is Role.ADMIN:
        return sa.true()
    if role is Role.APPLICANT:
        return Application.applicant_id == user.id
    if role is Role.AGENT:
        # Agents see the files they created, while those stay in their provinces and only until the
        # applicant has claimed her account: then the file is hers alone.
        unclaimed = sa.select(User.id).where(User.registered_by_id == user.id, User.claimed_at.is_(None))
        return sa.and_(Application.created_by_id == user.id, _in_user_provinces(user),
                       Application.applicant_id.in_(unclaimed))
    if role is Role.COORDINATOR:
        return _in_user_provinces(user)
    if role is Role.INCUBATOR_MANAGER:
        return sa.and_(Application.incubator_id.is_not(None), Application.incubator_id == user.incubator_id)
    if role is Role.MENTOR:
        return Application.mentor_id == user.id
    return sa.false()


def registered_people(agent: User) -> sa.Select:
    """The people an agent registered, each with her file in the agent's programme (if any): the
    agent's list shows where each file stands, even after the applicant took her account over."""
    return (
        sa.select(User, Application)
        .outerjoin(Application, sa.and_(Application.applicant_id == User.id, Application.created_by_id == agent.id))
        .where(User.registered_by_id == agent.id)
    )


def scoped_applications(user: User) -> sa.Select:
    return sa.select(Application).where(application_scope(user))


def get_application_or_404(application_id: int, user: User | None = None) -> Application:
    user = user if user is not None else current_user
    if not user.is_authenticated:
        abort(404)
    application = db.session.scalar(scoped_applications(user).where(Application.id == application_id))
    if application is None:
        abort(404)
    return application
