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


def table_rows(page: str, table_id: str) -> dict[str, list[str]]:
    """{row heading: [cell texts]} of one table of the page, spaces made plain."""
    table = re.search(rf'<table[^>]* id="{table_id}">.*?</table>', page, re.S).group(0)
    rows = {}
    for heading, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', table, re.S):
        rows[heading] = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
                         for cell in re.findall(r"<td>(.*?)</td>", cells, re.S)]
    return rows


def stage_lists(page: str) -> dict[str, list[str]]:
    """{incubator: ["stage : files", ...]} of the table of mentoring stages reached."""
    table = re.search(r'<table[^>]* id="incubator-stages">.*?</table>', page, re.S).group(0)
    return {heading: [re.sub(r"\s+", " ", item).strip() for item in re.findall(r"<li>(.*?)</li>", cell, re.S)]
            for heading, cell in re.findall(r'<tr><th scope="row">(.*?)</th><td>(.*?)</td></tr>', table, re.S)}


def test_the_dashboard_costs_the_same_queries_with_more_incubators(client, auth, db, make_user, make_file,
                                                                   make_incubator, country):
    from jisr.routing import services as routing

    auth.login_as(make_user(role="admin"))
    client.get("/statistics/?lang=fr")  # her choice of language is saved once
    few, _response = count_queries(db, client, "/statistics/?lang=fr")
    for code in ("zagora", "midelt", "tinghir", "ouarzazate"):
        make_incubator(provinces=(code,))
        for _ in range(2):
            routing.route(make_file(province_code=code))
    db.session.commit()
    client.get("/statistics/?lang=fr")  # the deltas are folded in (one more statement, whatever their number)
    many, response = count_queries(db, client, "/statistics/?lang=fr")
    assert many == few  # four more incubators in the record: not one query more
    assert response.get_data(as_text=True).count('<tr><th scope="row">Association') == 2 * 5  # no stages yet


def test_the_incubators_record(client, auth, db, make_user, country):
    """Three files routed to the Errachidia incubator, one accepted: its load, its files, its acceptance."""
    auth.login_as(make_user(role="admin"))
    page = text(client.get("/statistics/?lang=fr"))
    row = table_rows(page, "incubator-files")[country.incubator.name_fr]
    assert row[:3] == ["3 sur 10", "3", "1 (33 % de ses dossiers)"]


def took_up(application, days: float) -> None:
    """Her file had been routed `days` before the incubator's first step on it (the history's times moved)."""
    from datetime import timedelta

    history = list(application.history)
    routed = max(i for i, change in enumerate(history) if change.to_status == "assigned")
    history[routed].at = history[routed + 1].at - timedelta(days=days)


@pytest.fixture
def accompanied(db, make_workspace, make_file, make_incubator, make_user):
    """The Errachidia incubator: a file taken up after 2 days, accompanied to the business plan and back to
    training, with 3 jobs, 12 500,50 DH obtained (a commission had approved 20 000, which is not what she obtained);
    a file rejected after 1 day; a file not taken up yet. A Midelt incubator: a file taken up after 10 days, with
    5 jobs."""
    from decimal import Decimal

    from jisr.routing import services as routing
    from jisr.timeutil import local_today
    from jisr.workspace import grids, outcomes
    from jisr.workspace.models import ReasonKind

    ws = make_workspace(files=3)
    first, second, _third = ws.files
    services.start_review(first, ws.manager)
    took_up(first, 2)
    services.accept(first, ws.manager)
    services.start_mentoring(first, ws.manager)
    for _ in range(3):
        services.move_stage(first, ws.manager, "forward", None)
    outcomes.save_financing(first, ws.manager, None, {"commission_on": local_today(), "decision": "approved",
                                                       "amount": Decimal("20000"), "source": "honour_loan"})
    services.move_stage(first, ws.manager, "back", None)
    outcomes.save_outcome(first, ws.manager, {"jobs_women": 2, "jobs_men": 1, "financing_obtained": True,
                                              "financing_amount": Decimal("12500.50"),
                                              "financing_source": "honour_loan"}, 0)
    reason = grids.reasons(second.programme, ReasonKind.REJECTION)[0]
    services.reject(second, ws.manager, reason.id, None)
    took_up(second, 1)

    midelt = make_incubator(provinces=("midelt",), capacity=5)
    manager = make_user(role="incubator_manager", incubator_id=midelt.id)
    other = make_file(province_code="midelt")
    routing.route(other)
    services.start_review(other, manager)
    took_up(other, 10)
    services.accept(other, manager)
    services.start_mentoring(other, manager)
    outcomes.save_outcome(other, manager, {"jobs_women": 5}, 0)
    db.session.commit()
    ws.midelt = midelt
    return ws


def test_the_incubators_record_of_first_contacts_stages_jobs_and_financing(client, auth, make_user, province,
                                                                           accompanied):
    auth.login_as(make_user(role="admin"))
    page = text(client.get("/statistics/?lang=fr"))
    errachidia, midelt = accompanied.incubator.name_fr, accompanied.midelt.name_fr
    results = table_rows(page, "incubator-results")
    assert results[errachidia] == ["1,5 (2 dossiers)", "3", "1", "\u206612 500,50\u2069 DH"]
    assert results[midelt] == ["10,0 (1 dossier)", "5", "0", "\u20660,00\u2069 DH"]
    stages = stage_lists(page)
    assert stages[errachidia] == ["Accueil et orientation : 1", "Diagnostic : 1", "Formation : 1",
                                  "Plan d'affaires : 1", "Recherche de financement : 0", "Création et lancement : 0",
                                  "Suivi post-création : 0"]  # it reached the business plan, and moved back since
    assert stages[midelt] == ["Accueil et orientation : 1"] + stages[midelt][1:] and stages[midelt][1:] == [
        "Diagnostic : 0", "Formation : 0", "Plan d'affaires : 0", "Recherche de financement : 0",
        "Création et lancement : 0", "Suivi post-création : 0"]
    for table in ("incubator-files", "incubator-results", "incubator-stages"):
        assert re.search(rf'<table class="figures" id="{table}">\s*<caption>', page)

    auth.login_as(make_user(role="coordinator", provinces=[province("errachidia")]))
    page = text(client.get("/statistics/?lang=fr"))
    assert set(table_rows(page, "incubator-results")) == {errachidia}  # the Midelt incubator is not hers
    assert table_rows(page, "incubator-results")[errachidia] == results[errachidia]
    assert stage_lists(page)[errachidia][3] == "Plan d'affaires : 1"

    page = text(client.get("/statistics/?lang=ar"))
    assert "1,5" in table_rows(page, "incubator-results")[accompanied.incubator.name_ar][0]


def test_an_incubator_that_took_no_file_up_yet_says_so(client, auth, make_user, make_workspace):
    auth.login_as(make_user(role="admin"))
    ws = make_workspace(files=1)
    page = text(client.get("/statistics/?lang=fr"))
    assert table_rows(page, "incubator-results")[ws.incubator.name_fr][0] == "Aucun pris en charge pour l'instant"


def test_the_incubators_record_is_in_the_dashboard_export(client, auth, make_user, accompanied):
    import csv
    import io

    import openpyxl

    auth.login_as(make_user(role="admin"))
    rows = list(csv.reader(io.StringIO(client.get("/statistics/export/dashboard.csv?lang=fr")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    header = next(row for row in rows if row[:2] == ["Tableau", "Incubateur"])
    assert header[2:13] == ["Places occupées aujourd'hui", "Capacité", "Dossiers qui lui ont été orientés", "Accepté",
                            "Projet lancé", "Abandonné", "Dossiers pris en charge",
                            "Jours jusqu'au premier contact (moyenne)", "Emplois créés",
                            "Dossiers ayant obtenu un financement", "Financement obtenu (dirhams)"]
    assert header[13] == "Étape atteinte : Accueil et orientation" and len(header) == 20
    record = {row[1]: row[2:] for row in rows if row[:1] == ["Incubateurs"]}
    assert record[accompanied.incubator.name_fr][:11] == ["2", "10", "3", "1", "0", "0", "2", "1.5", "3", "1",
                                                          "12500.50"]
    assert record[accompanied.incubator.name_fr][11:] == ["1", "1", "1", "1", "0", "0", "0"]
    assert record[accompanied.midelt.name_fr][7:11] == ["10.0", "5", "0", "0.00"]

    with client.get("/statistics/export/dashboard.xlsx?lang=ar") as response:
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(row for row in values if row[1] == "الجمعية المحتضنة")
    assert "الأيام حتى أول تواصل (المتوسط)" in header
    mine = next(row for row in values if row[1] == accompanied.incubator.name_ar)
    assert mine[header.index("الأيام حتى أول تواصل (المتوسط)")] == 1.5
    assert mine[header.index("التمويل المحصل عليه (بالدرهم)")] == 12500.5


def test_the_page_shows_the_busiest_incubators_and_the_export_all(client, auth, make_user, monkeypatch, accompanied):
    from jisr.stats import incubators

    monkeypatch.setattr(incubators, "SHOWN", 1)
    auth.login_as(make_user(role="admin"))
    page = text(client.get("/statistics/?lang=fr"))
    assert list(table_rows(page, "incubator-files")) == [accompanied.incubator.name_fr]  # 3 files routed, and 1
    assert "1 sur 2" in page
    rows = client.get("/statistics/export/dashboard.csv?lang=fr").get_data(as_text=True)
    assert accompanied.midelt.name_fr in rows and accompanied.incubator.name_fr in rows
