"""Pages of the dashboards for the audits of pages.py (see its docstring): the admin's (every province) and the
coordinator's (hers), with files in several stages (one accompanied through mentoring stages to an outcome with jobs
and financing, so the incubators' record has all its tables), filtered, and with a period refused; the public
figures."""

from __future__ import annotations

from . import scenes
from .pages import Page, World

ROLES: dict = {}


def _with_files(query: str = ""):
    def setup(world: World) -> str:
        from decimal import Decimal

        from jisr.extensions import db
        from jisr.workspace import outcomes, services

        incubator = scenes.incubator(world)
        staff = world.user
        if staff is None:  # the public page: the data is put in place by someone, the browser stays signed out
            world.user = world.make_user(role="admin")
        files = [scenes.routed_file(world, waitlisted=True) for _ in range(3)]
        manager = world.make_user(role="incubator_manager", incubator_id=incubator.id)
        if files[0].incubator_id == incubator.id:
            services.start_review(files[0], manager)
            services.accept(files[0], manager)
        if files[1].incubator_id == incubator.id:
            services.start_review(files[1], manager)
            services.accept(files[1], manager)
            services.start_mentoring(files[1], manager)
            services.move_stage(files[1], manager, "forward", None)
            outcomes.save_outcome(files[1], manager, {"jobs_women": 2, "financing_obtained": True,
                                                      "financing_amount": Decimal("48500.75"),
                                                      "financing_source": "honour_loan"}, 0)
        db.session.commit()
        world.user = staff
        return f"/statistics/{query}"

    return setup


PAGES: list[Page] = [
    Page("dashboard", "admin", "/statistics/", "no-files"),
    Page("dashboard", "admin", _with_files()),
    Page("dashboard", "admin", _with_files("?since=2001-01&until=2001-06"), "empty-period"),
    Page("dashboard", "admin", "/statistics/?since=2026-12&until=2026-01", "period-errors", status=422),
    Page("dashboard", "coordinator", _with_files()),
    Page("public-figures", "anonymous", "/statistics/public", "no-files"),
    Page("public-figures", "anonymous", _with_files("public")),
    Page("public-figures", "applicant", _with_files("public"), "signed-in"),
]
