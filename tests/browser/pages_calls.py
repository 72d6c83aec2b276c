"""Pages of the calls feature for the audits of pages.py (see its docstring): PAGES lines, their setups and
acts, and ROLES this feature adds."""

from __future__ import annotations

from datetime import UTC, datetime

from . import scenes
from .pages import Page, World, submit_as_is

ROLES: dict = {"representative": lambda world: world.make_user(role="representative")}


def _public(suffix: str = "", closed: bool = False):
    def setup(world: World) -> str:
        return f"/calls/{scenes.call(world, closed=closed).id}{suffix}"

    return setup


def _calls(world: World) -> str:
    scenes.call(world)
    scenes.call(world, closed=True)
    return "/calls/"


def _draft(step: str, filled: bool = False):
    """The signed-in representative's own draft, opened at `step` ("" for its page)."""
    def setup(world: World) -> str:
        from jisr.calls.services import start
        from jisr.extensions import db

        draft = start(scenes.call(world), world.user, datetime.now(UTC))
        db.session.commit()
        if filled:
            for kind in ("statutes", "legal_receipt"):
                scenes.upload(world.client, f"/calls/applications/{draft.id}/documents", kind)
        return f"/calls/applications/{draft.id}/{step}".rstrip("/")

    return setup


def _sent(world: World) -> str:
    return f"/calls/applications/{scenes.association(world, scenes.call(world), world.user).id}"


def _mine(world: World) -> str:
    scenes.association(world, scenes.call(world), world.user, status="draft")
    return "/calls/mine"


def _edit_call(world: World) -> str:
    return f"/calls/admin/{scenes.call(world).id}/edit"


def _admin_calls(world: World) -> str:
    scenes.association(world, scenes.call(world))
    return "/calls/admin/"


PAGES: list[Page] = [
    Page("calls", "anonymous", _calls),
    Page("calls", "anonymous", "/calls/", "empty"),
    Page("call", "anonymous", _public(), "open"),
    Page("call", "anonymous", _public(closed=True), "closed"),
    Page("call-register", "anonymous", _public("/register")),
    Page("call-register", "anonymous", _public("/register"), "errors"),
    Page("call", "representative", _public(), "open"),
    Page("my-association", "representative", "/calls/mine", "empty"),
    Page("my-association", "representative", _mine, "draft"),
    Page("association-organisation", "representative", _draft("organisation")),
    Page("association-organisation", "representative", _draft("organisation"), "errors"),
    Page("association-coverage", "representative", _draft("coverage")),
    Page("association-coverage", "representative", _draft("coverage"), "errors"),
    Page("association-team", "representative", _draft("team")),
    Page("association-team", "representative", _draft("team"), "errors"),
    Page("association-documents", "representative", _draft("documents", filled=True)),
    Page("association-review", "representative", _draft("review"), "incomplete"),
    Page("association-review", "representative", _draft("review"), "errors", act=submit_as_is),
    Page("association", "representative", _sent, "sent"),
    Page("calls-admin", "admin", _admin_calls),
    Page("call-new", "admin", "/calls/admin/new"),
    Page("call-new", "admin", "/calls/admin/new", "errors"),
    Page("call-edit", "admin", _edit_call),
]
