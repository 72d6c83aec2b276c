"""Pages of the coordination feature for the audits of pages.py (see its docstring): PAGES lines, their setups and
acts, and ROLES this feature adds."""

from __future__ import annotations

from . import scenes
from .pages import Page, World

ROLES: dict = {}


def _files(world: World) -> str:
    scenes.routed_file(world)
    scenes.routed_file(world)
    return "/coordination/files/"


def _file(waitlisted: bool):
    def setup(world: World) -> str:
        return f"/coordination/files/{scenes.routed_file(world, waitlisted=waitlisted).id}"

    return setup


def _waitlist(world: World) -> str:
    scenes.routed_file(world, waitlisted=True)
    return "/coordination/waitlist/"


def _her_status_routed(world: World) -> str:
    """The applicant's own page once routing sent her file to an incubator of her province."""
    scenes.incubator(world)
    return f"/applications/{world.sent().id}"


def _reroute_blank(page, world) -> None:
    with page.expect_navigation():
        page.locator("main form[action$='/reroute'] [type=submit]").first.click()


PAGES: list[Page] = [
    Page("status", "applicant", _her_status_routed, "assigned"),
    Page("coordination-files", "coordinator", "/coordination/files/", "empty"),
    Page("coordination-files", "coordinator", _files),
    Page("coordination-file", "coordinator", _file(False), "routed"),
    Page("coordination-file", "coordinator", _file(True), "waitlisted"),
    Page("coordination-file", "coordinator", _file(False), "errors", act=_reroute_blank),
    Page("coordination-waitlist", "coordinator", _waitlist),
    Page("coordination-files", "admin", _files),
    Page("coordination-file", "admin", _file(False), "routed"),
    Page("coordination-waitlist", "admin", _waitlist),
]
