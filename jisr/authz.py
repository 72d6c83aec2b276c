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
    REPRESENT = "represent"  # answer calls for expressions of interest for an association
    REVIEW = "review"  # incubator staff reviewing routed files
    MANAGE_INCUBATOR = "manage_incubator"  # the incubator's public details, capacity and staff
    MENTOR = "mentor"
    COORDINATE = "coordinate"  # files, routing and waitlists of a scope; scoring associations when assigned
    ADMINISTER = "administer"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.APPLICANT: frozenset({Permission.APPLY}),
    Role.AGENT: frozenset({Permission.ASSIST}),
    Role.REPRESENTATIVE: frozenset({Permission.REPRESENT}),
    Role.INCUBATOR_MANAGER: frozenset({Permission.REVIEW, Permission.MANAGE_INCUBATOR}),
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


HOME_ENDPOINTS = {
    Role.APPLICANT: "applications.index",
    Role.AGENT: "agents.index",
    Role.REPRESENTATIVE: "calls.mine",
    Role.INCUBATOR_MANAGER: "workspace.queue",
    Role.MENTOR: "workspace.queue",
    Role.COORDINATOR: "coordination.files",
    Role.ADMIN: "coordination.files",
}


def home_endpoint(user: User) -> str:
    """Where a role's work starts."""
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


def registered_person_or_404(user_id: int, agent: User | None = None) -> User:
    """Someone an agent registered and still acts for (a new claim code, a new consent text read to her): her
    account not taken over yet, and a file of hers in the agent's scope, so an agent moved to other provinces
    no longer acts for the people of the ones she left."""
    agent = agent if agent is not None else current_user
    if not agent.is_authenticated:
        abort(404)
    found = db.session.scalar(sa.select(User).where(
        User.id == user_id, User.registered_by_id == agent.id, User.claimed_at.is_(None),
        User.id.in_(sa.select(Application.applicant_id).where(application_scope(agent)))))
    if found is None:
        abort(404)
    return found


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


# -- incubators ---------------------------------------------------------------------------------------

def incubator_scope(user: User):
    """Incubators a user may act upon: all for admins; those covering one of a coordinator's provinces;
    their own for incubator staff."""
    from jisr.incubators.models import Incubator, incubator_provinces

    role = Role(user.role)
    if role is Role.ADMIN:
        return sa.true()
    if role is Role.COORDINATOR:
        covering = sa.select(incubator_provinces.c.incubator_id).where(
            incubator_provinces.c.province_id.in_(
                sa.select(user_provinces.c.province_id).where(user_provinces.c.user_id == user.id)))
        return Incubator.id.in_(covering)
    if role in (Role.INCUBATOR_MANAGER, Role.MENTOR) and user.incubator_id is not None:
        return Incubator.id == user.incubator_id
    return sa.false()


def managed_incubator_or_404(user: User | None = None):
    """The incubator a manager runs (404 for anyone else, or a manager not yet attached to one)."""
    from jisr.incubators.models import Incubator

    user = user if user is not None else current_user
    if not user.is_authenticated or user.role != Role.INCUBATOR_MANAGER or user.incubator_id is None:
        abort(404)
    incubator = db.session.get(Incubator, user.incubator_id)
    if incubator is None:
        abort(404)
    return incubator


# -- associations' applications to calls, and their reviews -----------------------------------------

def association_scope(user: User):
    """The associations' applications a user may read: all for admins; her own for a representative
    (also once she manages the incubator it became); those a reviewer is assigned to and has not
    declared a conflict of interest on."""
    from jisr.calls.models import AssociationApplication, AssociationReview

    if Role(user.role) is Role.ADMIN:
        return sa.true()
    reviewing = sa.select(AssociationReview.association_application_id).where(
        AssociationReview.reviewer_id == user.id, AssociationReview.conflict.is_(False))
    return sa.or_(AssociationApplication.representative_id == user.id,
                  AssociationApplication.id.in_(reviewing))


def get_association_or_404(association_id: int, user: User | None = None):
    from jisr.calls.models import AssociationApplication

    user = user if user is not None else current_user
    if not user.is_authenticated:
        abort(404)
    found = db.session.scalar(sa.select(AssociationApplication).where(
        AssociationApplication.id == association_id, association_scope(user)))
    if found is None:
        abort(404)
    return found


def own_association_or_404(association_id: int, user: User | None = None):
    """An association's application its representative may change (reviewers and admins only read)."""
    from jisr.calls.models import AssociationApplication

    user = user if user is not None else current_user
    if not user.is_authenticated:
        abort(404)
    found = db.session.scalar(sa.select(AssociationApplication).where(
        AssociationApplication.id == association_id, AssociationApplication.representative_id == user.id))
    if found is None:
        abort(404)
    return found


def review_scope(user: User):
    from jisr.calls.models import AssociationReview

    return AssociationReview.reviewer_id == user.id


def may_see_scores(user: User, association_id: int) -> bool:
    """Reviewers see the others' scores only once they have submitted their own; a reviewer who declared
    a conflict of interest never does, even as an admin. Admins who do not review it see them."""
    from jisr.calls.models import AssociationReview

    if not user.is_authenticated:
        return False
    own = db.session.scalar(sa.select(AssociationReview).where(
        AssociationReview.association_application_id == association_id, AssociationReview.reviewer_id == user.id))
    if own is not None:
        return own.submitted_at is not None and not own.conflict
    return Role(user.role) is Role.ADMIN


# -- the incubator's workspace: files, sessions and convocations --------------------------------------

#: Who may do what on a file in the workspace. Managers review and decide; mentors (and managers) accompany.
WORKSPACE_ACTIONS: dict[str, frozenset[Permission]] = {
    "review": frozenset({Permission.REVIEW}),  # start review, request information, score, accept, reject, waitlist
    "assign_mentor": frozenset({Permission.REVIEW}),
    "accompany": frozenset({Permission.REVIEW, Permission.MENTOR}),  # stages, sessions, attendance, outcomes
    "score": frozenset({Permission.REVIEW, Permission.MENTOR}),
}


def may(user: User, action: str, application: Application | None = None) -> bool:
    """May `user` do `action` in the workspace (on `application`, already reached through its scope)?"""
    if not any(can(user, permission) for permission in WORKSPACE_ACTIONS[action]):
        return False
    return application is None or db.session.scalar(
        sa.select(sa.literal(True)).where(Application.id == application.id, application_scope(user))) is not None


def is_workspace_staff(user: User) -> bool:
    return user.is_authenticated and Role(user.role) in (Role.INCUBATOR_MANAGER, Role.MENTOR)


def session_scope(user: User):
    """Sessions a user may see: her incubator's for a manager; for a mentor, those she convened or that
    convene one of her files."""
    from jisr.workspace.models import Convocation, MentoringSession

    role = Role(user.role)
    if role is Role.ADMIN:
        return sa.true()
    if role is Role.INCUBATOR_MANAGER and user.incubator_id is not None:
        return MentoringSession.incubator_id == user.incubator_id
    if role is Role.MENTOR and user.incubator_id is not None:
        hers = sa.select(Convocation.session_id).join(Application, Application.id == Convocation.application_id) \
            .where(Application.mentor_id == user.id)
        return sa.and_(MentoringSession.incubator_id == user.incubator_id,
                       sa.or_(MentoringSession.created_by_id == user.id, MentoringSession.id.in_(hers)))
    return sa.false()


def get_session_or_404(session_id: int, user: User | None = None):
    from jisr.workspace.models import MentoringSession

    user = user if user is not None else current_user
    if not user.is_authenticated:
        abort(404)
    found = db.session.scalar(sa.select(MentoringSession).where(MentoringSession.id == session_id,
                                                                session_scope(user)))
    if found is None:
        abort(404)
    return found


def get_convocation_or_404(convocation_id: int, user: User | None = None):
    """A convocation whose file the user may see (the applicant her own; staff their files)."""
    from jisr.workspace.models import Convocation

    user = user if user is not None else current_user
    if not user.is_authenticated:
        abort(404)
    found = db.session.scalar(sa.select(Convocation).join(Application, Application.id == Convocation.application_id)
                              .where(Convocation.id == convocation_id, application_scope(user)))
    if found is None:
        abort(404)
    return found
