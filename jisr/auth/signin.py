"""Opening a signed-in session on this device: every route that signs someone in goes through here.

Sessions are signed cookies. Whatever the browser carried before signing in is dropped, CSRF token
included, and only the language choice is kept: a session someone planted on the device beforehand (a
fixed session, with a CSRF token its author knows) is worth nothing once she is signed in.
"""

from __future__ import annotations

from flask import session
from flask_login import login_user, logout_user

#: What survives signing in: her choice of language only.
KEPT = ("lang",)


def start_session(user, remember: bool = False) -> None:
    kept = {name: session[name] for name in KEPT if name in session}
    session.clear()
    logout_user()  # whoever was signed in on this device is out, and a remember-me cookie is deleted
    session.update(kept)
    login_user(user, remember=remember)


def end_session() -> None:
    """Signed out: nothing of hers stays in this browser's session, only the language choice."""
    kept = {name: session[name] for name in KEPT if name in session}
    logout_user()
    remember = session.get("_remember")  # "clear": Flask-Login deletes the remember-me cookie
    session.clear()
    session.update(kept)
    if remember:
        session["_remember"] = remember


def drop_session() -> None:
    """A session or remember-me cookie that no longer holds (User.end_sessions, a deactivated account): the
    browser's copy is replaced by an empty session, and the remember-me cookie deleted."""
    kept = {name: session[name] for name in KEPT if name in session}
    session.clear()
    session.update(kept)
    session["_remember"] = "clear"
