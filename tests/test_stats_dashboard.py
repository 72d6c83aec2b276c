"""The dashboard through the HTTP client: admins see every province, coordinators only theirs (a file of another
province never counts for them, even when they ask for it); the funnel, breakdowns and trend show the files'
figures; filters by province and period; the page costs the same queries with many files; others get 403."""

from __future__ import annotations

import html as html_module
import re

import pytest
from journey import count_queries

from jisr.workspace import services


def text(response) -> str:
    return html_module.unescape(response.get_data(as_text=True))


def figure(page: str, stage_label: str) -> int:
    """The funnel table's figure of a stage."""
    section = re.search(r'<section aria-labelledby="funnel-title">.*?</section>', page, re.S).group(0)
    found = re.search(rf"<th scope=\"row\">{re.escape(stage_label)}</th><td>([\d\s,.\u202f\u00a0]+)</td>", section)
    return int(re.sub(r"\D", "", found.group(1)))


@pytest.fixture
def country(db, make_workspace, make_file):
    """Three files routed in Errachidia (one accepted), two waitlisted in Midelt."""
    ws = make_workspace(files=3)
    services.start_review(ws.files[0], ws.manager)
    services.accept(ws.files[0], ws.manager)
    from jisr.routing import services as routing

    for _ in range(2):
        routing.route(make_file(province_code="midelt"))
    db.session.commit()
    return ws


def test_admins_see_every_province_and_coordinators_theirs(client, auth, db, make_user, province, country):
    auth.login_as(make_user(role="admin"))
    page = text(client.get("/statistics/?lang=fr"))
    assert (figure(page, "Envoyé"), figure(page, "Orienté vers un incubateur"), figure(page, "Accepté")) == (5, 3, 1)
    page = text(client.get(f"/statistics/?lang=fr&province={province('midelt').id}"))
    assert (figure(page, "Envoyé"), figure(page, "Orienté vers un incubateur")) == (2, 0)

    auth.login_as(make_user(role="coordinator", provinces=[province("errachidia")]))
    page = text(client.get("/statistics/?lang=fr"))
    assert (figure(page, "Envoyé"), figure(page, "Accepté")) == (3, 1)
    assert "Midelt" not in page.split('id="province"')[1].split("</select>")[0]
    page = text(client.get(f"/statistics/?lang=fr&province={province('midelt').id}"))  # not hers: her own figures
    assert figure(page, "Envoyé") == 3


def test_breakdowns_and_the_month_by_month_table(client, auth, make_user, country):
    auth.login_as(make_user(role="admin"))
    page = text(client.get("/statistics/?lang=fr"))
    disability = re.search(r'<h2 id="by-disability-title">.*?</section>', page, re.S).group(0)
    assert "<th scope=\"row\">Aucun handicap</th><td>5</td>" in disability
    assert re.search(r'<h2 id="by-sector-title">.*?<td>5</td>', page, re.S)
    assert re.search(r'<section aria-labelledby="trend-title">.*?<svg role="img"', page, re.S)


def test_the_period_filters_by_month_started_and_is_checked(client, auth, make_user, country):
    auth.login_as(make_user(role="admin"))
    page = text(client.get("/statistics/?lang=fr&since=2001-01&until=2001-12"))
    assert figure(page, "Envoyé") == 0
    response = client.get("/statistics/?lang=fr&since=2026-12&until=2026-01")
    assert response.status_code == 422 and 'id="until-error"' in text(response)


@pytest.mark.parametrize("role", ["applicant", "incubator_manager", "mentor", "agent", "representative"])
def test_other_roles_do_not_reach_the_dashboard(client, auth, make_user, make_incubator, province, role):
    scope = {"incubator_id": make_incubator().id} if role in ("incubator_manager", "mentor") else {}
    auth.login_as(make_user(role=role, **scope))
    assert client.get("/statistics/").status_code == 403


def test_the_dashboard_costs_the_same_queries_with_more_files(client, auth, db, make_user, make_file, country):
    from jisr.routing import services as routing

    auth.login_as(make_user(role="admin"))

    def count() -> int:
        queries, response = count_queries(db, client, "/statistics/")
        assert response.status_code == 200
        return queries

    few = count()
    for code in ("zagora", "midelt", "errachidia", "zagora"):
        routing.route(make_file(province_code=code))
    db.session.commit()
    assert count() == few


def test_the_incubators_record(client, auth, db, make_user, country):
    """Three files routed to the Errachidia incubator, one accepted: its load, its files, its acceptance."""
    auth.login_as(make_user(role="admin"))
    page = text(client.get("/statistics/?lang=fr"))
    section = re.search(r'<section aria-labelledby="incubators-title">.*?</section>', page, re.S).group(0)
    assert country.incubator.name_fr in section
    assert re.search(r"Places occupées aujourd'hui</dt><dd>3 sur 10", section)
    assert re.search(r"Dossiers qui lui ont été orientés</dt><dd>3<", section)
    assert "1 (33\u00a0% de ses dossiers)" in section or "1 (33 % de ses dossiers)" in section
