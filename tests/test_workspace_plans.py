"""The queue's queries as PostgreSQL plans them: each reads its scope through an index that starts with the
scope's column, so the work depends on the incubator's files, not on the country's. The planner is told to avoid
sequential scans (the test tables are small enough for a scan to look cheaper): a query without a usable index
would still show one. Any index on applications may serve a filter; without a filter, the scope's own."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from jisr.timeutil import utcnow
from jisr.workspace import queue


def plans(db, run) -> list[str]:
    """The plans of the statements `run()` sends, EXPLAINed with the same parameters."""
    statements = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    found = []
    with db.engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in statements:
            lines = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars().all()
            found.append("\n".join(lines))
    return found


def scans_of_applications(plan: str) -> list[str]:
    return [line.strip() for line in plan.splitlines() if " on applications" in line]


@pytest.mark.parametrize("filters", [
    queue.Filters(),
    queue.Filters(status="under_review", sort="newest"),
    queue.Filters(province=1, sort="reference"),
    queue.Filters(sector=1, waiting=7),
    queue.Filters(stage="business_plan"),
    queue.Filters(disability="any", need="sign_language", sort="name"),
    queue.Filters(q="JISR-2026"),
], ids=["default", "status", "province", "sector-waiting", "stage", "disability-need", "search"])
@pytest.mark.parametrize("role", ["incubator_manager", "mentor"])
def test_queue_reads_applications_through_a_scope_index(postgresql_only, db, make_workspace, filters, role):
    ws = make_workspace(files=3)
    user = ws.manager if role == "incubator_manager" else ws.mentor
    now = utcnow() + timedelta(days=30)
    found = [plan for plan in plans(db, lambda: (queue.rows(user, filters, 1, now), queue.state_counts(user)))
             if scans_of_applications(plan)]
    assert len(found) == 3, found  # the count, the page, the counts per state
    for plan in found:
        scans = scans_of_applications(plan)
        assert any("pk_applications" not in scan for scan in scans), plan  # the scope is read, not just a page
        for scan in scans:
            assert "Seq Scan" not in scan and "Index" in scan, plan
            if "pk_applications" in scan:  # the page's own ids, chosen in the subquery, joined to their details
                continue
            if not (filters.province or filters.sector):  # with those, the planner may start from their index
                assert ("ix_applications_incubator" if role == "incubator_manager"
                        else "ix_applications_mentor") in scan, plan
