"""The dashboards' summary (funnel_counts) always equals a recount from the files themselves: after random
histories of files moving through the whole chain (routing and routing again, review, decisions, mentoring stages
forward and back, outcomes with jobs and financing, commissions' decisions, withdrawal), of profiles corrected and
of drafts thrown away, at every commit. The recount reads the status histories, stage entries and outcomes, not the
stored facts, so a missed hook or a wrong delta shows (in the incubators' measures too)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jisr.applications.models import ApplicantProfile, Application, Status, StatusChange
from jisr.routing import services as routing
from jisr.stats import facts
from jisr.stats.models import FunnelCount
from jisr.timeutil import local_today
from jisr.workspace import grids, outcomes, services
from jisr.workspace.models import ReasonKind

OPERATIONS = ("new", "route", "review", "accept", "reject", "waitlist", "mentor", "stage", "complete", "drop",
              "withdraw", "disability", "situation", "draft", "delete_draft", "accompany", "back", "outcome",
              "financing", "reroute", "routed_earlier")


def accompany(application, manager, db, pick: int) -> None:
    """As far along the way to mentoring as the file can go: routed, reviewed, accepted, in mentoring."""
    if application.status == Status.ELIGIBLE:
        routing.route(application)
        routed_earlier(application, db, pick)
    for action, step in (("start_review", services.start_review), ("accept", services.accept),
                         ("start_mentoring", services.start_mentoring)):
        if action in services.actions(application, manager):
            step(application, manager)


def routed_earlier(application, db, hours: int) -> None:
    """The file's latest routing happened `hours` earlier than recorded: the first contact took that much longer."""
    change = db.session.scalar(sa.select(StatusChange).where(
        StatusChange.application_id == application.id, StatusChange.to_status == Status.ASSIGNED)
        .order_by(StatusChange.id.desc()).limit(1))
    if change is not None:
        change.at = change.at - timedelta(hours=hours, minutes=hours)


def _first_stage(application) -> bool:
    return application.current_stage_id == grids.stages(application.programme)[0].id


#: Which files a move can apply to; a move picks one of those (so that long histories reach far).
WANTS = {
    "route": lambda a, allowed: a.status == Status.ELIGIBLE,
    "review": lambda a, allowed: "start_review" in allowed,
    "accept": lambda a, allowed: "accept" in allowed,
    "reject": lambda a, allowed: "reject" in allowed,
    "waitlist": lambda a, allowed: "waitlist" in allowed,
    "mentor": lambda a, allowed: "start_mentoring" in allowed,
    "stage": lambda a, allowed: "move_stage" in allowed,
    "back": lambda a, allowed: "move_stage" in allowed and not _first_stage(a),
    "complete": lambda a, allowed: "complete" in allowed,
    "drop": lambda a, allowed: "drop_out" in allowed,
    "withdraw": lambda a, allowed: a.status not in (Status.COMPLETED, Status.WITHDRAWN, Status.DRAFT),
    "delete_draft": lambda a, allowed: a.status == Status.DRAFT,
    "outcome": lambda a, allowed: "outcome" in allowed,
    "financing": lambda a, allowed: "financing" in allowed and services.may_go_to_commission(a),
    "reroute": lambda a, allowed: a.status in routing.ROUTABLE_STATES and a.incubator_id is not None,
    "routed_earlier": lambda a, allowed: a.incubator_id is not None,
}


def choose(op: str, files: list, manager, db, pick: int):
    """The file the move applies to: among those whose state allows it, the pick-th (None when there is none)."""
    for application in files:
        db.session.refresh(application)
    wants = WANTS.get(op, lambda a, allowed: True)
    fit = [a for a in files if wants(a, services.actions(a, manager))]
    return fit[pick % len(fit)] if fit else None


def apply(op: str, files: list, ws, make_file, db, pick: int) -> None:
    """One move, applied to one of the files whose state allows it (nothing when none does)."""
    if op == "new" or not files:
        files.append(make_file(province_code="midelt" if pick % 3 == 0 else "errachidia"))
        return
    if op == "draft":
        files.append(make_file(status=Status.DRAFT))
        return
    manager = ws.manager
    application = choose(op, files, manager, db, pick)
    if application is None:
        return
    if op == "route":
        routing.route(application)
        routed_earlier(application, db, pick)  # routed a while ago: the first contact takes time
    elif op == "review":
        services.start_review(application, manager)
    elif op == "accept":
        services.accept(application, manager)
    elif op == "reject":
        services.reject(application, manager, grids.reasons(application.programme, ReasonKind.REJECTION)[0].id, None)
    elif op == "waitlist":
        services.waitlist(application, manager, None)
    elif op == "mentor":
        services.start_mentoring(application, manager)
    elif op in ("stage", "back"):
        try:
            services.move_stage(application, manager, "forward" if op == "stage" else "back", None)
        except services.WorkspaceError:
            pass  # already at the last stage
    elif op == "complete":
        services.complete(application, manager, None)
    elif op == "drop":
        services.drop_out(application, manager, grids.reasons(application.programme, ReasonKind.DROP_OUT)[0].id,
                          None)
    elif op == "withdraw":
        application.transition(Status.WITHDRAWN, application.applicant, reason="test")
    elif op in ("disability", "situation"):
        profile = db.session.scalar(sa.select(ApplicantProfile).where(
            ApplicantProfile.user_id == application.applicant_id))
        if op == "disability":
            profile.disability_type = "visual" if profile.disability_type != "visual" else "none"
        else:
            profile.is_divorced = not profile.is_divorced
    elif op == "delete_draft":
        files.remove(application)
        db.session.delete(application)
    elif op == "accompany":
        accompany(application, manager, db, pick)
    elif op == "outcome":
        financed = pick % 3 != 0
        outcomes.save_outcome(application, manager, {
            "jobs_women": pick % 4, "jobs_men": pick % 3, "financing_obtained": financed,
            "financing_amount": Decimal(pick * 1250) + Decimal("0.55") if financed and pick % 5 else None,
            "financing_source": "honour_loan" if financed else None}, None)
    elif op == "financing":  # a commission's decision: not the financing obtained, which the outcome says
        outcomes.save_financing(application, manager, None, {
            "commission_on": local_today(), "decision": ("approved", "refused", "deferred")[pick % 3],
            "amount": Decimal(pick * 1000), "source": "grant", "note": None})
    elif op == "reroute":
        target = ws.other if application.incubator_id == ws.incubator.id else ws.incubator
        try:
            routing.reroute_by_hand(application, target.id, ws.coordinator, "Plus proche de chez elle")
        except routing.RoutingError:
            pass  # no room there
    elif op == "routed_earlier":
        routed_earlier(application, db, pick)
    db.session.flush()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 50)), min_size=10, max_size=50))
def test_the_summary_equals_a_recount_after_any_history(db, make_workspace, make_file, make_incubator, make_user,
                                                        province, moves):
    ws = make_workspace(files=0, capacity=3)
    ws.other = make_incubator(capacity=2)  # where a coordinator re-routes files by hand
    ws.coordinator = make_user(role="coordinator", provinces=[province("errachidia")])
    files: list[Application] = []
    for pick in (5, 30):  # two files in mentoring from the start, so that the moves after it have something to do
        files.append(make_file())
        accompany(files[-1], ws.manager, db, pick)
    for op, pick in moves:
        apply(op, files, ws, make_file, db, pick)
        if pick % 7 == 0:
            db.session.commit()
    db.session.commit()
    assert facts.stored() == facts.recount()


def test_counts_follow_a_file_and_keep_the_stages_it_reached(db, make_workspace):
    ws = make_workspace(files=1)
    application = ws.files[0]

    def count(stage: str) -> int:
        facts.fold()
        return db.session.scalar(sa.select(sa.func.sum(FunnelCount.count)).where(
            FunnelCount.stage == stage, FunnelCount.dimension == "all", FunnelCount.province_id == 0,
            FunnelCount.month == facts.ALL_TIME)) or 0

    assert (count("routed"), count("accepted")) == (1, 0)
    services.start_review(application, ws.manager)
    services.accept(application, ws.manager)
    db.session.commit()
    assert count("accepted") == 1
    application.transition(Status.WITHDRAWN, application.applicant, reason="Je déménage")
    db.session.commit()
    assert count("accepted") == 1  # she got there: withdrawing does not erase it
    assert facts.stored() == facts.recount()


def test_folding_keeps_the_summary_and_empties_the_deltas(db, make_workspace):
    from jisr.stats.models import FunnelDelta

    ws = make_workspace(files=3)
    services.start_review(ws.files[0], ws.manager)
    db.session.commit()
    before = facts.stored()
    assert db.session.scalar(sa.select(sa.func.count(FunnelDelta.id))) > 0
    assert facts.fold() > 0
    db.session.commit()
    assert facts.fold() == 0  # a second fold finds nothing left to add
    assert db.session.scalar(sa.select(sa.func.count(FunnelDelta.id))) == 0
    assert facts.stored() == before == facts.recount()


def test_rebuild_gives_the_same_summary(db, make_workspace):
    ws = make_workspace(files=3)
    services.start_review(ws.files[0], ws.manager)
    db.session.commit()
    before = facts.stored()
    facts.rebuild()
    db.session.commit()
    assert facts.stored() == before == facts.recount()


@pytest.mark.parametrize("birth, on, band", [("2002-06-01", "2026-06-01", "under_25"),
                                             ("2001-06-01", "2026-06-01", "25_34"),
                                             ("1981-06-02", "2026-06-01", "35_44"),
                                             ("1981-06-01", "2026-06-01", "45_plus")])
def test_age_bands_at_their_edges(birth, on, band):
    from datetime import date

    assert facts.age_band(date.fromisoformat(birth), date.fromisoformat(on)) == band


def test_two_folds_at_once_count_each_delta_once(postgresql_only, make_app, db, make_workspace):
    """Two dashboards read at the same moment, each folding in its own transaction (PostgreSQL)."""
    import threading

    ws = make_workspace(files=4)
    services.start_review(ws.files[0], ws.manager)
    db.session.commit()
    expected = facts.recount()
    app = make_app()
    barrier = threading.Barrier(2)
    errors = []

    def read():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                facts.fold()
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    db.session.expire_all()
    assert facts.stored() == expected


def _at(hours: float):
    from datetime import UTC, datetime

    return datetime(2026, 3, 2, 9, tzinfo=UTC) + timedelta(hours=hours)


@pytest.mark.parametrize("history, contact", [
    ([("assigned", 0), ("under_review", 36)], 36 * 3600),
    ([("assigned", 0), ("rejected", 2)], 2 * 3600),
    ([("assigned", 0), ("waitlisted", 5), ("under_review", 50)], 5 * 3600),  # the incubator's own waiting list
    ([("assigned", 0), ("assigned", 24), ("under_review", 30)], 6 * 3600),  # routed again: the clock starts again
    ([("assigned", 0), ("withdrawn", 3)], None),  # she withdrew: the incubator never acted
    ([("assigned", 0)], None),
    ([("eligible", 0), ("under_review", 1)], None),  # never routed (history without its routing)
])
def test_first_contact_is_the_incubators_first_step_after_its_latest_routing(history, contact):
    measures = facts.measures_of(7, [(status, _at(hours)) for status, hours in history], [], None)
    assert measures.get("contact_s", 0 if contact is not None else None) == contact
    assert measures.get("contacted") == (1 if contact is not None else None)


def test_financing_obtained_is_the_outcomes_and_in_centimes():
    from types import SimpleNamespace

    outcome = SimpleNamespace(jobs_women=2, jobs_men=1, financing_obtained=True, financing_amount=Decimal("12500.55"))
    assert facts.measures_of(7, [], [3, 4, 3], outcome) == {
        "stage:3": 1, "stage:4": 1, "jobs": 3, "financed": 1, "financing_cts": 1_250_055}
    outcome.financing_obtained, outcome.financing_amount = False, None
    assert facts.measures_of(7, [], [], outcome) == {"jobs": 3}
    assert facts.measures_of(None, [("assigned", _at(0)), ("under_review", _at(1))], [3], outcome) == {}


def test_information_requests_and_convocations_come_after_the_first_contact():
    """The definition of the first contact relies on it: asking for information or convening her is only possible
    in states the incubator's first step has already led to (otherwise facts.measures_of must read them too)."""
    from jisr.workspace.sessions import CONVENABLE

    for state, actions in services.STATE_ACTIONS.items():
        if {"request_info", "convene"} & set(actions):
            assert state in facts.CONTACT_STATES
    assert set(CONVENABLE) <= facts.CONTACT_STATES and Status.ASSIGNED not in facts.CONTACT_STATES
