"""Pages of the incubators feature for the audits of pages.py (see its docstring): PAGES lines, their setups and
acts, and ROLES this feature adds."""

from __future__ import annotations

from . import scenes
from .pages import Page, World


def _manager(world: World):
    return world.make_user(role="incubator_manager", incubator_id=scenes.incubator(world, n=9).id)


ROLES: dict = {"incubator_manager": _manager}


def _directory(world: World) -> str:
    scenes.incubator(world, n=1)
    scenes.incubator(world, n=2)
    return "/incubators/"


def _manage_with_staff(world: World) -> str:
    from jisr.extensions import db

    world.make_user(role="mentor", incubator_id=world.user.incubator_id)
    response = world.client.post("/incubators/mine/invitations", data={
        "invite-full_name": "Samira Tahiri", "invite-phone": "0661112233", "invite-language": "fr"})
    assert response.status_code in (302, 303), response.data[:2000]
    db.session.expire_all()
    return "/incubators/mine"


def _send(form_id: str, fill=None):
    def act(page, world) -> None:
        if fill:
            fill(page)
        with page.expect_navigation():
            page.locator(f"#{form_id} [type=submit]").first.click()

    return act


def _admin_incubators(world: World) -> str:
    scenes.incubator(world, n=1)
    return "/incubators/admin/"


PAGES: list[Page] = [
    Page("directory", "anonymous", "/incubators/", "empty"),
    Page("directory", "anonymous", _directory),
    Page("directory", "applicant", _directory),
    Page("my-incubator", "incubator_manager", "/incubators/mine"),
    Page("my-incubator", "incubator_manager", _manage_with_staff, "staff"),
    Page("my-incubator", "incubator_manager", "/incubators/mine", "details-errors",
         act=_send("details-form", lambda page: page.fill("#details-capacity", "-3")), status=422),
    Page("my-incubator", "incubator_manager", "/incubators/mine", "invite-errors", act=_send("invite-form"),
         status=422),
    Page("incubators-admin", "admin", _admin_incubators),
    Page("invitation", "anonymous", "/account/invitation/"),
    Page("invitation", "anonymous", "/account/invitation/", "errors"),
]
