"""The audit log viewer: admins only; filters by who acted, kind of action, exact action, file and period (civil
dates in the programme's time zone); the CSV export holds the same selection, streamed, and is itself audited."""

from __future__ import annotations

import csv
import html as html_module
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from jisr.audit.models import AuditEntry


def text(response) -> str:
    return html_module.unescape(response.get_data(as_text=True))


@pytest.fixture
def log(db, make_user, make_file):
    """Entries by two people, about a file and about an account, over three days."""
    admin = make_user(role="admin", full_name="Nadia Admin")
    coordinator = make_user(role="coordinator", full_name="Samira Tahiri", email="samira@example.org")
    application = make_file()
    base = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    db.session.add_all([
        AuditEntry(action="workspace.file_viewed", actor_id=coordinator.id, object_type="applications",
                   object_id=application.id, at=base, details={"disability_shown": True}),
        AuditEntry(action="eligibility.overridden", actor_id=coordinator.id, object_type="applications",
                   object_id=application.id, at=base + timedelta(days=1), details={"reason": "Erreur de saisie"}),
        AuditEntry(action="admin.user_changed", actor_id=admin.id, object_type="users", object_id=coordinator.id,
                   at=base + timedelta(days=2)),
    ])
    db.session.commit()
    return admin, coordinator, application


def actions(response) -> list[str]:
    import re

    return re.findall(r'<h3><code><bdi dir="ltr">([a-z_.]+)</bdi></code></h3>', response.get_data(as_text=True))


def test_only_admins_read_the_log(client, auth, log, make_user):
    admin, coordinator, _application = log
    auth.login_as(coordinator)
    assert client.get("/admin/audit/").status_code == 403
    assert client.get("/admin/audit/export.csv").status_code == 403
    auth.login_as(admin)
    assert actions(client.get("/admin/audit/")) == ["admin.user_changed", "eligibility.overridden",
                                                    "workspace.file_viewed"]


def test_filters_by_who_kind_action_file_and_period(client, auth, log):
    admin, coordinator, application = log
    auth.login_as(admin)
    assert actions(client.get("/admin/audit/?user=samira@")) == ["eligibility.overridden", "workspace.file_viewed"]
    assert actions(client.get("/admin/audit/?family=admin")) == ["admin.user_changed"]
    assert actions(client.get("/admin/audit/?action=workspace.file_viewed")) == ["workspace.file_viewed"]
    assert actions(client.get(f"/admin/audit/?reference={application.reference.lower()}")) == [
        "eligibility.overridden", "workspace.file_viewed"]
    assert actions(client.get("/admin/audit/?reference=JISR-1999-000001")) == []
    assert actions(client.get("/admin/audit/?since=2026-11-21&until=2026-11-21")) == ["eligibility.overridden"]
    response = client.get("/admin/audit/?since=2026-11-22&until=2026-11-20&lang=fr")
    assert response.status_code == 422 and 'id="until-error"' in text(response)


def test_the_export_holds_the_selection_and_is_audited(client, auth, db, log):
    admin, coordinator, _application = log
    auth.login_as(admin)
    response = client.get("/admin/audit/export.csv?user=tahiri&lang=fr")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0].startswith("Date") and rows[0][1] == "Fait par"
    assert [r[2] for r in rows[1:]] == ["eligibility.overridden", "workspace.file_viewed"]
    assert rows[1][1] == "Samira Tahiri" and "Erreur de saisie" in rows[1][5]
    exported = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "audit.exported"))
    assert exported.actor_id == admin.id and exported.details["filters"] == {"user": "tahiri"}


def test_the_export_streams_in_batches(app, db, log):
    """More entries than a batch: every one comes out once, in order, across the batches' seams."""
    from jisr.admin import audit

    admin, _coordinator, _application = log
    start = datetime(2026, 1, 1, tzinfo=UTC)
    db.session.add_all([AuditEntry(action="auth.login", actor_id=admin.id, at=start + timedelta(minutes=n // 2))
                        for n in range(25)])  # two entries share each minute: the seam falls between equals
    db.session.commit()
    with app.test_request_context():
        chunks = list(audit.csv_rows(audit.AuditFilters(family="auth"), batch=4))
    rows = list(csv.reader(io.StringIO("".join(chunks))))[1:]
    assert len(chunks) == 1 + 7 and len(rows) == 25
    assert [r[0] for r in rows] == sorted((r[0] for r in rows), reverse=True)
