"""Each role sees only its scope, through the one query helper every route uses."""

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from jisr.applications.models import Application, Status
from jisr.auth.models import Role
from jisr.authz import ROLE_PERMISSIONS, Permission, can, get_application_or_404, scoped_applications
from jisr.incubators.models import Incubator
from jisr.timeutil import utcnow


@pytest.fixture
def world(db, make_user, programme, province):
    """Files in two provinces, two incubators, one mentor; staff of every role."""
    errachidia, zagora = province("errachidia"), province("zagora")
    incubator_a = Incubator(code="a", name_ar="أ", name_fr="A", capacity=10)
    incubator_b = Incubator(code="b", name_ar="ب", name_fr="B", capacity=10)
    db.session.add_all([incubator_a, incubator_b])
    db.session.commit()
    agent = make_user(role="agent", provinces=[errachidia])
    mentor = make_user(role="mentor", incubator_id=incubator_a.id)
    people = {
        "agent": agent,
        "coordinator": make_user(role="coordinator", provinces=[zagora]),
        "manager": make_user(role="incubator_manager", incubator_id=incubator_a.id),
        "mentor": mentor,
        "admin": make_user(role="admin"),
        "applicant": make_user(),
    }
    files = {}
    specs = {
        "own": dict(applicant_id=people["applicant"].id, province_id=errachidia.id),
        "by_agent": dict(created_by_id=agent.id, province_id=errachidia.id,
                         applicant_id=make_user(registered_by_id=agent.id).id),
        "by_agent_moved": dict(created_by_id=agent.id, province_id=zagora.id,
                               applicant_id=make_user(registered_by_id=agent.id).id),
        "by_agent_claimed": dict(created_by_id=agent.id, province_id=errachidia.id,
                                 applicant_id=make_user(registered_by_id=agent.id, claimed_at=utcnow()).id),
        "zagora_a": dict(province_id=zagora.id, incubator_id=incubator_a.id, mentor_id=mentor.id),
        "errachidia_b": dict(province_id=errachidia.id, incubator_id=incubator_b.id),
    }
    for name, spec in specs.items():
        spec.setdefault("applicant_id", make_user().id)
        application = Application(programme_id=programme.id, status=Status.ELIGIBLE, **spec)
        db.session.add(application)
        db.session.commit()
        files[name] = application.id
    return people, files


EXPECTED = {
    "applicant": {"own"},
    "agent": {"by_agent"},
    "coordinator": {"by_agent_moved", "zagora_a"},
    "manager": {"zagora_a"},
    "mentor": {"zagora_a"},
    "admin": {"own", "by_agent", "by_agent_moved", "by_agent_claimed", "zagora_a", "errachidia_b"},
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_each_role_sees_exactly_its_scope(db, world, who):
    people, files = world
    names = {v: k for k, v in files.items()}
    seen = {names[a.id] for a in db.session.scalars(scoped_applications(people[who]))}
    assert seen == EXPECTED[who]
    for name, file_id in files.items():
        if name in EXPECTED[who]:
            assert get_application_or_404(file_id, people[who]).id == file_id
        else:
            with pytest.raises(NotFound):
                get_application_or_404(file_id, people[who])


def test_staff_without_an_incubator_see_no_incubator_file(db, world, make_user):
    _people, _files = world
    loose_manager = make_user(role="incubator_manager")
    assert db.session.scalars(scoped_applications(loose_manager)).all() == []


def test_every_role_has_its_permissions_and_only_admin_has_all():
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert ROLE_PERMISSIONS[Role.ADMIN] == frozenset(Permission)
    assert all(Permission.ADMINISTER not in perms for role, perms in ROLE_PERMISSIONS.items() if role is not Role.ADMIN)
    assert all(perms for perms in ROLE_PERMISSIONS.values())


def test_anonymous_users_have_no_permission(app):
    from flask_login import AnonymousUserMixin

    assert not can(AnonymousUserMixin(), Permission.APPLY)


def test_the_scope_query_is_one_statement_whatever_the_number_of_files(db, world):
    """No per-row work: the scope is a WHERE clause, not a Python filter."""
    people, _files = world
    statement = str(scoped_applications(people["coordinator"]).compile(compile_kwargs={"literal_binds": True}))
    assert "user_provinces" in statement and statement.count("SELECT") == 2
    assert sa  # imported for the compile above
