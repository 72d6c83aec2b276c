"""Pages of the outcomes and financing feature for the audits of pages.py (see its docstring): PAGES lines, their
setups and acts. The staff pages are seen by the incubator manager of pages_incubators' ROLES."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from jisr.extensions import db

from . import scenes
from .pages import Page, World

ROLES: dict = {}

OUTCOME = {"activity_created_on": date(2026, 3, 2), "legal_form": "cooperative", "registration_number": "COOP-1234",
           "financing_obtained": True, "financing_amount": Decimal("45000"), "financing_source": "honour_loan",
           "jobs_women": 3, "jobs_men": 1, "revenue_band": "2000_5000"}
APPROVED = {"commission_on": date(2026, 4, 10), "decision": "approved", "amount": Decimal("50000"),
            "source": "honour_loan", "note": "Dossier solide, plan d'affaires validé."}
DEFERRED = {"commission_on": date(2026, 2, 5), "decision": "deferred", "amount": Decimal("60000"), "source": "grant",
            "note": None}


def _at_business_plan(application, manager):
    """The file accepted and accompanied up to its business plan, so it may go before a commission."""
    from jisr.workspace import grids, services

    services.start_review(application, manager)
    services.accept(application, manager)
    services.start_mentoring(application, manager)
    codes = [stage.code for stage in grids.stages(application.programme)]
    for _ in range(codes.index("business_plan")):
        services.move_stage(application, manager, "forward", None)
    db.session.commit()
    return application


def _staff_file(world: World, outcome: bool = False, financing: bool = False):
    """A file routed to the signed-in manager's incubator, at its business plan, with an outcome edited once and
    two commissions' decisions when asked."""
    from jisr.workspace import outcomes

    application = scenes.routed_file(world, waitlisted=True)  # no other incubator: it goes to hers
    assert application.incubator_id == world.user.incubator_id, "the file went to another incubator"
    _at_business_plan(application, world.user)
    if outcome:
        outcomes.save_outcome(application, world.user, {**OUTCOME, "jobs_women": 2}, 0)
        outcomes.save_outcome(application, world.user, OUTCOME, 1)
    if financing:
        outcomes.save_financing(application, world.user, None, DEFERRED)
        outcomes.save_financing(application, world.user, None, APPROVED)
    db.session.commit()
    return application


def _outcome_form(filled: bool):
    def setup(world: World) -> str:
        return f"/workspace/files/{_staff_file(world, outcome=filled).id}/outcome"

    return setup


def _financing_form(world: World) -> str:
    return f"/workspace/files/{_staff_file(world).id}/financing"


def _financing_correction(world: World) -> str:
    from jisr.workspace.models import FinancingDecision

    application = _staff_file(world, financing=True)
    decision = db.session.scalar(sa.select(FinancingDecision).where(FinancingDecision.application_id == application.id)
                                 .order_by(FinancingDecision.id.desc()))
    return f"/workspace/files/{application.id}/financing/{decision.id}"


def _history(world: World) -> str:
    return f"/workspace/files/{_staff_file(world, outcome=True, financing=True).id}/outcome/history"


def _file_with_outcome(world: World) -> str:
    return f"/workspace/files/{_staff_file(world, outcome=True, financing=True).id}"


def _her_status_with_outcome(world: World) -> str:
    """Her own page once her activity is created and a commission approved its financing."""
    from jisr.workspace import outcomes

    incubator = scenes.incubator(world)
    manager = world.make_user(role="incubator_manager", incubator_id=incubator.id)
    application = world.sent()
    assert application.incubator_id == incubator.id, "her file went to another incubator"
    _at_business_plan(application, manager)
    outcomes.save_outcome(application, manager, OUTCOME, 0)
    outcomes.save_financing(application, manager, None, DEFERRED)
    outcomes.save_financing(application, manager, None, APPROVED)
    db.session.commit()
    return f"/applications/{application.id}"


def _send_bad_outcome(page, world) -> None:
    """A negative amount, letters for jobs and a date to come: three errors, each on its field."""
    page.fill("#activity_created_on", (date.today() + timedelta(days=30)).isoformat())
    page.check("#financing_obtained")
    page.fill("#financing_amount", "-500")
    page.fill("#jobs_women", "trois")
    with page.expect_navigation():
        page.locator("#outcome-form [type=submit]").first.click()


PAGES: list[Page] = [
    Page("outcome", "incubator_manager", _outcome_form(False), "empty"),
    Page("outcome", "incubator_manager", _outcome_form(False), "errors", act=_send_bad_outcome),
    Page("outcome", "incubator_manager", _outcome_form(True), "filled"),
    Page("financing", "incubator_manager", _financing_form, "empty"),
    Page("financing", "incubator_manager", _financing_form, "errors"),
    Page("financing", "incubator_manager", _financing_correction, "correction"),
    Page("outcome-history", "incubator_manager", _history),
    Page("workspace-file", "incubator_manager", _file_with_outcome, "with-outcome"),
    Page("status", "applicant", _her_status_with_outcome, "outcome"),
]
