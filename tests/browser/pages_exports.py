"""The page "Your exports" for the audits of pages.py (see its docstring), seen by the two roles that export:
without a job queue (the live app as it is), and with one (set in the live app's settings: the page itself never
reaches Redis, so none is needed) holding an export of each state: ready to download, failed (with its "ask
again" button), waiting to be tried again. Also the dashboard whose files exports are then buttons that ask a
job. The settings are put back after each test (conftest.py's live_settings)."""

from __future__ import annotations

import socket

from jisr.extensions import db

from . import pages_stats
from .pages import Page, World

ROLES: dict = {}


def _with_a_queue(world: World) -> None:
    with socket.socket() as sock:  # an address where nothing answers: no request of these pages needs Redis
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    world.live_app.config.update(REDIS_URL=f"redis://127.0.0.1:{port}/13", JOBS=True)


def _exports(world: World) -> str:
    from jisr.stats import export_jobs

    _with_a_queue(world)
    pages_stats._with_files()(world)
    with world.live_app.test_request_context():
        ready, _new = export_jobs.ask(world.user, "csv", False)
        failed, _new = export_jobs.ask(world.user, "xlsx", True)
        waiting, _new = export_jobs.ask(world.user, "xlsx", False)
        db.session.commit()
        export_jobs.run(ready.id)
        failed.state, failed.error = export_jobs.FAILED, "error"
        waiting.attempts = 1  # its first attempt failed: it waits for a retry
        db.session.commit()
    return "/statistics/exports/"


def _dashboard_with_a_queue(world: World) -> str:
    _with_a_queue(world)
    return pages_stats._with_files()(world)


PAGES: list[Page] = [
    Page("exports", "admin", "/statistics/exports/", "no-queue"),
    Page("exports", "coordinator", _exports, "queue"),
    Page("exports", "admin", _exports, "queue"),
    Page("dashboard", "coordinator", _dashboard_with_a_queue, "exports-by-job"),
]
