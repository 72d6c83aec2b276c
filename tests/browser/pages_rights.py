"""Pages of her data rights for the audits of pages.py (see its docstring): her page (before and after asking for
erasure, and its refusal for want of the confirmation) and the admins' list of requests."""

from __future__ import annotations

from .pages import Page, World

ROLES: dict = {}


def _asked(world: World) -> str:
    world.sent()
    response = world.client.post("/account/data/erasure", data={"confirm": "y"})
    assert response.status_code == 303, response.data[:2000]
    return "/account/data/"


def _requests(world: World) -> str:
    admin = world.user
    for _ in range(2):
        world.user = world.make_user(full_name="Zahira Oubaha")
        with world.client.session_transaction() as session:
            session["_user_id"] = str(world.user.id)
        response = world.client.post("/account/data/erasure", data={"confirm": "y"})
        assert response.status_code == 303, response.data[:2000]
    world.user = admin
    with world.client.session_transaction() as session:
        session["_user_id"] = str(admin.id)
    return "/admin/erasure/"


def _with_file(world: World) -> str:
    world.sent()
    return "/account/data/"


PAGES: list[Page] = [
    Page("my-data", "applicant", _with_file),
    Page("my-data", "applicant", _with_file, "errors"),
    Page("my-data", "applicant", _asked, "erasure-asked"),
    Page("erasure-requests", "admin", "/admin/erasure/", "empty"),
    Page("erasure-requests", "admin", _requests),
]
