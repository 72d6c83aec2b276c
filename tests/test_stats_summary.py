"""The dashboards' summary (funnel_counts) always equals a recount from the files themselves: after random
histories of files moving through the whole chain (routing, review, decisions, mentoring, withdrawal), of profiles
corrected and of drafts thrown away, at every commit. The recount reads the status histories, not the stored
facts, so a missed hook or a wrong delta shows."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jisr.applications.models import ApplicantProfile, Application, Status
from jisr.routing import services as routing
from jisr.stats import facts
from jisr.stats.models import FunnelCount
from jisr.workspace import grids, services
from jisr.workspace.models import ReasonKind

OPERATIONS = ("new", "route", "review", "accept", "reject", "waitlist", "mentor", "stage", "complete", "drop",
              "withdraw", "disability", "situation", "draft", "delete_draft")


def apply(op: str, files: list, ws, make_file, db, pick: int) -> None:
    """One move, when the chosen file's state allows it (otherwise nothing)."""
    if op == "new" or not files:
        files.append(make_file(province_code="midelt" if pick % 3 == 0 else "errachidia"))
        return
    if op == "draft":
        files.append(make_file(status=Status.DRAFT))
        return
    application = files[pick % len(files)]
    db.session.refresh(application)
    manager, status = ws.manager, application.status
    allowed = services.actions(application, manager)
    if op == "route" and status == Status.ELIGIBLE:
        routing.route(application)
    elif op == "review" and "start_review" in allowed:
        services.start_review(application, manager)
    elif op == "accept" and "accept" in allowed:
        services.accept(application, manager)
    elif op == "reject" and "reject" in allowed:
        services.reject(application, manager, grids.reasons(application.programme, ReasonKind.REJECTION)[0].id, None)
    elif op == "waitlist" and "waitlist" in allowed:
        services.waitlist(application, manager, None)
    elif op == "mentor" and "start_mentoring" in allowed:
        services.start_mentoring(application, manager)
    elif op == "stage" and status == Status.IN_MENTORING:
        services.move_stage(application, manager, "forward", None)
    elif op == "complete" and "complete" in allowed:
        services.complete(application, manager, None)
    elif op == "drop" and "drop_out" in allowed:
        services.drop_out(application, manager, grids.reasons(application.programme, ReasonKind.DROP_OUT)[0].id,
                          None)
    elif op == "withdraw" and status not in (Status.COMPLETED, Status.WITHDRAWN, Status.DRAFT):
        application.transition(Status.WITHDRAWN, application.applicant, reason="test")
    elif op in ("disability", "situation"):
        profile = db.session.scalar(sa.select(ApplicantProfile).where(
            ApplicantProfile.user_id == application.applicant_id))
        if op == "disability":
            profile.disability_type = "visual" if profile.disability_type != "visual" else "none"
        else:
            profile.is_divorced = not profile.is_divorced
    elif op == "delete_draft" and status == Status.DRAFT:
        files.remove(application)
        db.session.delete(application)
    db.session.flush()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 50)), min_size=1, max_size=40))
def test_the_summary_equals_a_recount_after_any_history(db, make_workspace, make_file, moves):
    ws = make_workspace(files=0, capacity=3)
    files: list[Application] = []
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
