"""Pages of the API tokens for the audits of pages.py (see its docstring): the list (none, then one), a new
token shown once, and the form refused for want of a name."""

from __future__ import annotations

from .pages import Page, World

ROLES: dict = {}


def _with_token(world: World) -> str:
    response = world.client.post("/account/tokens/", data={"name": "Tableau du ministère"})
    assert response.status_code == 201, response.data[:2000]
    return "/account/tokens/"


def _create(page, world) -> None:
    page.fill("#name", "Outil de suivi")
    with page.expect_navigation():
        page.locator("main form[action$='/account/tokens/'] [type=submit]").first.click()


PAGES: list[Page] = [
    Page("api-tokens", "coordinator", "/account/tokens/", "none"),
    Page("api-tokens", "coordinator", _with_token, "one"),
    Page("api-tokens", "admin", "/account/tokens/", "created", act=_create, status=201),
    Page("api-tokens", "admin", "/account/tokens/", "errors"),
]
