"""Pages of the ministry's administration for the audits of pages.py (see its docstring): staff accounts, one
account in each state that changes what it shows, invitations and the audit log. Seen by the admin of pages.py's
ROLES."""

from __future__ import annotations

from jisr.extensions import db

from . import scenes
from .pages import Page, World

ROLES: dict = {}


def _staff(world: World):
    """A field agent of two provinces, a coordinator, a mentor of an incubator and a waiting invitation."""
    agent = world.make_user(role="agent", full_name="Itto Ait Ali",
                            provinces=[world.province("errachidia"), world.province("midelt")])
    world.make_user(role="coordinator", full_name="Samira Tahiri", email="samira@example.org",
                    provinces=[world.province("errachidia")])
    incubator = scenes.incubator(world)
    world.make_user(role="mentor", full_name="Naima Berrada", incubator_id=incubator.id)
    response = world.client.post("/admin/users/invite", data={
        "full_name": "Fatima Ouali", "phone": "0661445566", "email": "", "language": "fr", "role": "agent",
        "provinces": [world.province("zagora").id]})
    assert response.status_code == 303, response.data[:2000]
    db.session.expire_all()
    return agent


def _list(world: World) -> str:
    _staff(world)
    return "/admin/users/"


def _filtered(world: World) -> str:
    _staff(world)
    return "/admin/users/?role=agent&q=itto"


def _agent(world: World) -> str:
    return f"/admin/users/{_staff(world).id}"


def _applicant(world: World) -> str:
    return f"/admin/users/{world.make_user(full_name='Khadija Bennani').id}"


def _deactivated(world: World) -> str:
    agent = _staff(world)
    agent.active = False
    db.session.commit()
    return f"/admin/users/{agent.id}"


def _audit(world: World) -> str:
    """The log after some administration: the staff, their invitation, a role changed."""
    agent = _staff(world)
    response = world.client.post(f"/admin/users/{agent.id}", data={
        "role": "coordinator", "provinces": [world.province("errachidia").id]})
    assert response.status_code == 303, response.data[:2000]
    return "/admin/audit/"


def _choose_mentor_without_incubator(page, world) -> None:
    page.select_option("#role", "mentor")
    with page.expect_navigation():
        page.locator("#role-form [type=submit]").first.click()


PAGES: list[Page] = [
    Page("accounts", "admin", "/admin/users/", "only-me"),
    Page("accounts", "admin", _list),
    Page("accounts", "admin", _filtered, "filtered"),
    Page("account", "admin", _agent, "agent"),
    Page("account", "admin", _agent, "errors", act=_choose_mentor_without_incubator),
    Page("account", "admin", _applicant, "applicant"),
    Page("account", "admin", _deactivated, "deactivated"),
    Page("invite", "admin", "/admin/users/invite"),
    Page("invite", "admin", "/admin/users/invite", "errors"),
    Page("audit-log", "admin", "/admin/audit/", "only-mine"),
    Page("audit-log", "admin", _audit),
    Page("audit-log", "admin", "/admin/audit/?family=auth&user=nobody", "no-results"),
    Page("audit-log", "admin", "/admin/audit/?since=2026-11-22&until=2026-11-20", "period-errors", status=422),
]
