"""Outcomes and financing: the outcome edited as it evolves with its history, financing commissions after the
business plan and what she is told, conflicts between two staff, the rules on typed values, and scope."""

from __future__ import annotations

import html as html_module
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from jisr import bidi
from jisr.applications.models import Application, Status
from jisr.audit.models import AuditEntry
from jisr.labels import label
from jisr.outbox.models import OutboxMessage
from jisr.workspace import grids, outcomes, services
from jisr.workspace.models import FinancingDecision, Outcome, OutcomeRevision

FILLED = {"activity_created_on": "2026-03-02", "legal_form": "cooperative", "registration_number": "COOP-1234",
          "financing_obtained": "y", "financing_amount": "45000", "financing_source": "honour_loan",
          "jobs_women": "3", "jobs_men": "1", "revenue_band": "2000_5000"}
APPROVED = {"commission_on": "2026-04-10", "decision": "approved", "amount": "50000", "source": "honour_loan",
            "note": "Dossier solide"}


def in_mentoring(db, ws, application, stage: str = "business_plan") -> Application:
    """The file accepted, in mentoring, moved forward to `stage`, with the incubator's mentor."""
    services.start_review(application, ws.manager)
    services.accept(application, ws.manager)
    services.assign_mentor(application, ws.manager, ws.mentor.id)
    services.start_mentoring(application, ws.manager)
    codes = [s.code for s in grids.stages(application.programme)]
    for _ in range(codes.index(stage)):
        services.move_stage(application, ws.manager, "forward", None)
    db.session.commit()
    return application


def post(client, path: str, data: dict, status: int = 303):
    response = client.post(path, data=data)
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return response


def page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return response.get_data(as_text=True)


def read_version(html: str) -> str:
    return re.search(r'name="version"[^>]*value="(\d*)"|value="(\d*)"[^>]*name="version"', html).group(1) or "0"


def saved(db, application) -> Outcome | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Outcome).where(Outcome.application_id == application.id))


def revisions(db, application) -> list[OutcomeRevision]:
    return list(db.session.scalars(sa.select(OutcomeRevision).where(OutcomeRevision.application_id == application.id)
                                   .order_by(OutcomeRevision.id)))


def messages_to(db, user) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.recipient.in_([c for c in (user.email, user.phone) if c])).order_by(OutboxMessage.id)))


@pytest.fixture
def mentored(db, make_workspace):
    """(workspace, file) with the file in mentoring at its business plan; the applicant writes in French."""
    counter = iter(range(1, 1000))

    def factory(stage: str = "business_plan", **file_args):
        n = next(counter)
        ws = make_workspace(files=0)
        application = ws.add_file(**{"locale": "fr", "email": f"khadija{n}@example.org", "phone": f"+2126112233{n:02d}",
                                     **file_args})
        return ws, in_mentoring(db, ws, application, stage)

    return factory


# -- the outcome and its history ------------------------------------------------------------------------------

def test_an_outcome_form_sent_blank_records_nothing(client, auth, db, mentored):
    ws, application = mentored()
    auth.login_as(ws.manager)
    post(client, f"/workspace/files/{application.id}/outcome", {"version": "0"})
    assert saved(db, application) is None and revisions(db, application) == []
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.action == "outcome.saved")) == 0


def test_manager_records_an_outcome_edits_it_twice_and_reads_three_revisions(client, auth, db, mentored):
    ws, application = mentored()
    auth.login_as(ws.manager)
    base = f"/workspace/files/{application.id}/outcome"
    assert read_version(page(client, base)) == "0"
    post(client, base, {"version": "0", **FILLED})
    html = page(client, base)
    assert read_version(html) == "1" and 'value="COOP-1234"' in html
    post(client, base, {**FILLED, "version": "1", "jobs_women": "5"})
    post(client, base, {**FILLED, "version": "2", "jobs_women": "5", "revenue_band": "5000_10000"})

    outcome = saved(db, application)
    assert (outcome.version, outcome.jobs_women, outcome.revenue_band) == (3, 5, "5000_10000")
    assert outcome.financing_amount == Decimal("45000.00") and outcome.updated_by_id == ws.manager.id
    history = revisions(db, application)
    assert [r.data["jobs_women"] for r in history] == [3, 5, 5]
    assert history[0].data["activity_created_on"] == "2026-03-02" and history[0].data["financing_amount"] == "45000.00"
    assert all(r.kind == "outcome" and r.by_id == ws.manager.id for r in history)
    audit = list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "outcome.saved",
                                                              AuditEntry.object_id == application.id)))
    assert len(audit) == 3

    html = page(client, f"{base}/history?lang=fr")
    cards = re.findall(r'<li class="card">(.*?)</li>', html, re.S)
    assert len(cards) == 3
    with force_locale("fr_MA"):
        newest_band, cooperative = label("revenue_band", "5000_10000"), label("legal_form", "cooperative")
    assert newest_band in cards[0] and "status-tag" in cards[0]  # newest first, its change marked
    assert "status-tag" not in cards[2]  # the first version: nothing to compare with
    amount = "\u206645\u202f000,00\u2069\xa0DH"  # the number isolated, then the unit
    assert all(cooperative in card and "2 mars 2026" in card and amount in card for card in cards)
    assert ws.manager.full_name in cards[0]
    arabic = page(client, f"{base}/history?lang=ar")
    assert "45.000,00" in arabic and ws.manager.full_name in arabic


def test_history_marks_what_changed_and_is_newest_first(client, auth, db, mentored):
    ws, application = mentored()
    outcomes.save_outcome(application, ws.manager, {"jobs_women": 1}, 0)
    outcomes.save_outcome(application, ws.manager, {"jobs_women": 2}, 1)
    db.session.commit()
    items, total = outcomes.history(application)
    assert total == 2 and [item.first for item in items] == [False, True]
    changed = [name for name, _value, was_changed in items[0].rows if was_changed]
    assert changed == [str(outcomes.FIELD_LABELS["jobs_women"])]


def test_history_is_paginated(client, auth, db, mentored):
    ws, application = mentored()
    for n in range(25):
        outcomes.save_outcome(application, ws.manager, {"jobs_women": n + 1}, n)
    db.session.commit()
    auth.login_as(ws.manager)
    first = page(client, f"/workspace/files/{application.id}/outcome/history")
    second = page(client, f"/workspace/files/{application.id}/outcome/history?page=2")
    assert first.count('<li class="card">') == outcomes.HISTORY_PAGE_SIZE and 'rel="next"' in first
    assert second.count('<li class="card">') == 25 - outcomes.HISTORY_PAGE_SIZE and 'rel="prev"' in second
    # the oldest version of page 2 is the first: nothing before it to compare with; the others show a change
    cards = re.findall(r'<li class="card">(.*?)</li>', second, re.S)
    assert "status-tag" not in cards[-1] and all("status-tag" in card for card in cards[:-1])


def test_saving_the_same_values_again_writes_no_revision(client, auth, db, mentored):
    ws, application = mentored()
    auth.login_as(ws.manager)
    base = f"/workspace/files/{application.id}/outcome"
    post(client, base, {"version": "0", **FILLED})
    post(client, base, {**FILLED, "version": "1", "financing_amount": "45 000,00"})
    assert saved(db, application).version == 1 and len(revisions(db, application)) == 1


def test_mentor_of_the_file_records_the_outcome(client, auth, db, mentored):
    ws, application = mentored()
    auth.login_as(ws.mentor)
    post(client, f"/workspace/files/{application.id}/outcome", {"version": "0", "jobs_women": "2"})
    assert saved(db, application).jobs_women == 2


def test_file_page_shows_the_outcome_section_with_its_links(client, auth, db, mentored):
    ws, application = mentored()
    auth.login_as(ws.manager)
    post(client, f"/workspace/files/{application.id}/outcome", {"version": "0", **FILLED})
    post(client, f"/workspace/files/{application.id}/financing", APPROVED)
    html = page(client, f"/workspace/files/{application.id}?lang=fr")
    section = re.search(r'<section aria-labelledby="outcome-title">.*?</section>', html, re.S).group(0)
    assert "COOP-1234" in section and "\u206650\u202f000,00\u2069\xa0DH" in section and "Dossier solide" in section
    for path in ("/outcome", "/financing", "/outcome/history"):
        assert f"/workspace/files/{application.id}{path}" in section


def test_outcome_cannot_be_recorded_before_mentoring(client, auth, db, make_workspace):
    ws = make_workspace(files=1)
    application = ws.files[0]
    auth.login_as(ws.manager)
    page(client, f"/workspace/files/{application.id}/outcome", 409)
    post(client, f"/workspace/files/{application.id}/outcome", {"version": "0", **FILLED}, 409)
    assert saved(db, application) is None
    assert "outcome-title" not in page(client, f"/workspace/files/{application.id}")


# -- financing commissions --------------------------------------------------------------------------------------

def test_financing_decision_is_refused_before_the_business_plan_and_allowed_after(client, auth, db, mentored):
    ws, application = mentored(stage="training")
    auth.login_as(ws.manager)
    path = f"/workspace/files/{application.id}/financing"
    told_before = len(messages_to(db, application.applicant))
    with force_locale("fr_MA"):
        reason = gettext("A file can go before a financing commission once its business plan is done.")
    assert reason in page(client, f"{path}?lang=fr", 409)
    post(client, path, APPROVED, 409)
    assert db.session.scalar(sa.select(sa.func.count(FinancingDecision.id))) == 0
    assert len(messages_to(db, application.applicant)) == told_before
    assert "/financing" not in re.search(r'<section aria-labelledby="outcome-title">.*?</section>',
                                         page(client, f"/workspace/files/{application.id}"), re.S).group(0)

    services.move_stage(application, ws.manager, "forward", None)  # business plan
    db.session.commit()
    page(client, path)
    post(client, path, APPROVED)
    decision = db.session.scalar(sa.select(FinancingDecision))
    assert (decision.decision, decision.amount, decision.source) == ("approved", Decimal("50000.00"), "honour_loan")
    assert decision.commission_on == date(2026, 4, 10) and decision.recorded_by_id == ws.manager.id
    [revision] = revisions(db, application)
    assert revision.kind == "financing" and revision.data["amount"] == "50000.00"


@pytest.mark.parametrize("locale, month", [("fr", "avril"), ("ar", "أبريل")])
def test_applicant_is_told_of_the_commission_decision_in_her_language(client, auth, db, mentored, locale, month):
    ws, application = mentored(locale=locale)
    before = {m.id for m in messages_to(db, application.applicant)}
    auth.login_as(ws.manager)
    post(client, f"/workspace/files/{application.id}/financing?lang=fr", APPROVED)  # the staff read French
    told = [m for m in messages_to(db, application.applicant) if m.id not in before]
    assert {m.channel for m in told} == {"email", "sms"}
    assert all(m.language == locale and m.application_id == application.id for m in told)
    with force_locale(f"{locale}_MA"):
        amount = bidi.amount(Decimal("50000"))  # 50 000,00 DH / 50.000,00 درهم, the number isolated
        source = label("financing_source", "honour_loan")
        line = gettext("The financing commission of %(date)s approved financing of %(amount)s for your project: "
                       "%(source)s.", date=bidi.isolate_auto(f"10 {month} 2026"), amount=amount,
                       source=source)
        greeting = gettext("Hello %(name)s,", name=application.applicant.full_name)
    email = next(m for m in told if m.channel == "email")
    sms = next(m for m in told if m.channel == "sms")
    assert line in email.body and email.body.startswith(greeting)
    assert bidi.isolate(application.reference) in email.subject  # reads left to right in an Arabic subject
    assert amount in sms.body and source in sms.body and len(sms.body) < 160
    assert "Dossier solide" not in email.body + sms.body  # the team's note stays with the team


def test_correcting_a_decision_tells_her_again_only_when_it_changes_for_her(client, auth, db, mentored):
    ws, application = mentored()
    auth.login_as(ws.manager)
    post(client, f"/workspace/files/{application.id}/financing", {**APPROVED, "decision": "deferred"})
    decision = db.session.scalar(sa.select(FinancingDecision))
    count = len(messages_to(db, application.applicant))
    path = f"/workspace/files/{application.id}/financing/{decision.id}"
    post(client, path, {**APPROVED, "decision": "deferred", "note": "Revoir le plan"})
    assert len(messages_to(db, application.applicant)) == count
    post(client, path, APPROVED)
    told = messages_to(db, application.applicant)[count:]
    assert len(told) == 2 and all("50\u202f000,00" in m.body for m in told)
    db.session.expire_all()
    assert db.session.get(FinancingDecision, decision.id).decision == "approved"
    assert len(revisions(db, application)) == 3
    assert db.session.scalar(sa.select(sa.func.count(FinancingDecision.id))) == 1


def test_an_approval_needs_its_amount_and_source(client, auth, db, mentored):
    ws, application = mentored()
    auth.login_as(ws.manager)
    response = post(client, f"/workspace/files/{application.id}/financing",
                    {"commission_on": "2026-04-10", "decision": "approved"}, 422)
    html = response.get_data(as_text=True)
    assert 'id="amount-error"' in html and 'id="source-error"' in html
    post(client, f"/workspace/files/{application.id}/financing", {}, 422)
    post(client, f"/workspace/files/{application.id}/financing",
         {"commission_on": "2026-04-10", "decision": "refused"})
    assert [d.decision for d in db.session.scalars(sa.select(FinancingDecision))] == ["refused"]


def test_another_files_decision_is_not_found(client, auth, db, mentored):
    ws, application = mentored()
    other_ws, other = mentored()
    auth.login_as(other_ws.manager)
    post(client, f"/workspace/files/{other.id}/financing", APPROVED)
    decision = db.session.scalar(sa.select(FinancingDecision))
    auth.login_as(ws.manager)
    page(client, f"/workspace/files/{application.id}/financing/{decision.id}", 404)
    post(client, f"/workspace/files/{application.id}/financing/{decision.id}", APPROVED, 404)


# -- two people at once -----------------------------------------------------------------------------------------

def test_two_staff_save_the_same_version_the_second_gets_409_and_the_first_stays(client, auth, db, mentored):
    ws, application = mentored()
    path = f"/workspace/files/{application.id}/outcome"
    auth.login_as(ws.manager)
    post(client, path, {"version": "0", **FILLED})
    manager_version = read_version(page(client, path))
    auth.login_as(ws.mentor)
    mentor_version = read_version(page(client, path))
    assert manager_version == mentor_version == "1"

    auth.login_as(ws.manager)
    post(client, path, {**FILLED, "version": manager_version, "jobs_women": "7"})
    auth.login_as(ws.mentor)
    response = post(client, path, {**FILLED, "version": mentor_version, "jobs_women": "9", "jobs_men": "4"}, 409)
    html = response.get_data(as_text=True)
    assert 'value="7"' in html and 'value="9"' not in html and read_version(html) == "2"
    outcome = saved(db, application)
    assert (outcome.jobs_women, outcome.jobs_men, outcome.version) == (7, 1, 2)
    assert len(revisions(db, application)) == 2


def test_two_staff_creating_the_first_outcome_at_once(client, auth, db, mentored):
    ws, application = mentored()
    path = f"/workspace/files/{application.id}/outcome"
    auth.login_as(ws.manager)
    post(client, path, {"version": "0", "jobs_women": "1"})
    auth.login_as(ws.mentor)
    post(client, path, {"version": "0", "jobs_women": "2"}, 409)
    assert saved(db, application).jobs_women == 1


def test_a_version_moved_on_between_reading_and_writing_is_a_conflict(client, auth, db, mentored):
    """Someone else's save commits after this request read the outcome and before it writes: the UPDATE finds
    no row at the version read (StaleDataError), nothing of this request is written."""
    ws, application = mentored()
    path = f"/workspace/files/{application.id}/outcome"
    auth.login_as(ws.manager)
    post(client, path, {"version": "0", **FILLED})
    bumped = []

    def someone_else_saves(session, flush_context, instances):
        if not bumped and any(isinstance(obj, Outcome) for obj in session.dirty):
            with db.engine.begin() as connection:
                connection.execute(sa.update(Outcome.__table__).values(version=Outcome.__table__.c.version + 1,
                                                                        jobs_men=8))
            bumped.append(True)

    session = db.session()
    sa.event.listen(session, "before_flush", someone_else_saves)
    try:
        response = post(client, path, {**FILLED, "version": "1", "jobs_women": "6"}, 409)
    finally:
        sa.event.remove(session, "before_flush", someone_else_saves)
    assert bumped
    html = response.get_data(as_text=True)
    assert read_version(html) == "2" and 'value="8"' in html
    outcome = saved(db, application)
    assert (outcome.version, outcome.jobs_women, outcome.jobs_men) == (2, 3, 8)
    assert len(revisions(db, application)) == 1


# -- what is typed ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, field", [
    ({"financing_amount": "-500"}, "financing_amount"),
    ({"financing_amount": "12,3456"}, "financing_amount"),  # more than two decimals
    ({"financing_amount": "10000000,01"}, "financing_amount"),
    ({"financing_amount": "12.3.4"}, "financing_amount"),
    ({"financing_amount": "douze mille"}, "financing_amount"),
    ({"activity_created_on": "2099-01-01"}, "activity_created_on"),
    ({"activity_created_on": "31/02/2026"}, "activity_created_on"),
    ({"jobs_women": "trois"}, "jobs_women"),
    ({"jobs_men": "1001"}, "jobs_men"),
    ({"jobs_men": "-1"}, "jobs_men"),
    ({"registration_number": "<b>123</b>"}, "registration_number"),
    ({"legal_form": "sa"}, "legal_form"),
    ({"financing_obtained": ""}, "financing_obtained"),  # an amount without the financing obtained
])
def test_bad_input_is_refused_on_its_field_and_nothing_saved(client, auth, db, mentored, changes, field):
    ws, application = mentored()
    auth.login_as(ws.manager)
    data = {k: v for k, v in {"version": "0", **FILLED, **changes}.items() if v != ""}
    response = post(client, f"/workspace/files/{application.id}/outcome?lang=fr", data, 422)
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and 'aria-invalid="true"' in html and "error-summary" in html
    assert saved(db, application) is None and revisions(db, application) == []


def test_a_future_commission_date_is_refused(client, auth, db, mentored):
    ws, application = mentored()
    auth.login_as(ws.manager)
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    html = post(client, f"/workspace/files/{application.id}/financing", {**APPROVED, "commission_on": tomorrow},
                422).get_data(as_text=True)
    assert 'id="commission_on-error"' in html
    assert db.session.scalar(sa.select(sa.func.count(FinancingDecision.id))) == 0


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_errors_are_in_the_readers_language(client, auth, db, mentored, lang):
    ws, application = mentored()
    auth.login_as(ws.manager)
    html = post(client, f"/workspace/files/{application.id}/outcome?lang={lang}",
                {"version": "0", "jobs_women": "abc", "activity_created_on": "2099-01-01"}, 422).get_data(as_text=True)
    with force_locale(f"{lang}_MA"):
        expected = [gettext("Write a whole number in figures, for example %(example)s.", example=bidi.isolate("3")),
                    gettext("This date is in the future: give the date it happened.")]
    assert all(message in html for message in expected)


def test_arabic_indic_digits_are_accepted_in_amounts_and_jobs(client, auth, db, mentored):
    ws, application = mentored()
    auth.login_as(ws.manager)
    post(client, f"/workspace/files/{application.id}/outcome",
         {**FILLED, "version": "0", "financing_amount": "١٢٬٥٠٠٫٥٠", "jobs_women": "٣", "jobs_men": "۴"})
    outcome = saved(db, application)
    assert (outcome.financing_amount, outcome.jobs_women, outcome.jobs_men) == (Decimal("12500.50"), 3, 4)
    post(client, f"/workspace/files/{application.id}/financing", {**APPROVED, "amount": "٥٠٠٠٠"})
    assert db.session.scalar(sa.select(FinancingDecision.amount)) == Decimal("50000.00")


@pytest.mark.parametrize("typed, value", [
    ("12500", Decimal("12500")), ("12 500", Decimal("12500")), ("12\u202f500,50", Decimal("12500.50")),
    ("12.500", Decimal("12500")), ("1.234.567,5", Decimal("1234567.5")), ("1,234,567.50", Decimal("1234567.50")),
    ("12500,5", Decimal("12500.5")), ("12500.25", Decimal("12500.25")), ("0.125", Decimal("0.125")),
    ("١٢٥٠٠", Decimal("12500")), ("۱۲۵۰۰٫۷۵", Decimal("12500.75")), ("12 500 DH", Decimal("12500")),
    ("", None),
])
def test_amounts_are_read_as_typed(typed, value):
    assert outcomes.parse_amount(typed) == value


@pytest.mark.parametrize("typed", ["abc", "12,5,0", "1.2345.6", "1 2 3x", "--5"])
def test_amounts_that_are_not_numbers_are_refused(typed):
    with pytest.raises(ValueError):
        outcomes.parse_amount(typed)


def test_language_switch_keeps_what_was_typed_without_saving(client, auth, db, mentored):
    ws, application = mentored()
    auth.login_as(ws.manager)
    response = client.post(f"/workspace/files/{application.id}/outcome",
                           data={"version": "0", "jobs_women": "abc", "switch_lang": "fr"})
    assert response.status_code == 200 and 'value="abc"' in response.get_data(as_text=True)
    assert saved(db, application) is None


# -- scope ---------------------------------------------------------------------------------------------------------

def test_manager_of_another_incubator_gets_404_on_every_page(client, auth, db, mentored):
    ws, application = mentored()
    outcomes.save_outcome(application, ws.manager, {"jobs_women": 1}, 0)
    decision = outcomes.save_financing(application, ws.manager, None, {
        "commission_on": date(2026, 4, 10), "decision": "refused"})
    db.session.commit()
    other, _file = mentored()
    auth.login_as(other.manager)
    base = f"/workspace/files/{application.id}"
    for path in ("/outcome", "/financing", f"/financing/{decision.id}", "/outcome/history"):
        page(client, base + path, 404)
    for path in ("/outcome", "/financing", f"/financing/{decision.id}"):
        post(client, base + path, {"version": "1", **FILLED, **APPROVED}, 404)
    assert saved(db, application).jobs_women == 1
    assert db.session.scalar(sa.select(sa.func.count(FinancingDecision.id))) == 1


@pytest.mark.parametrize("role", ["applicant", "agent", "coordinator", "mentor"])
def test_other_roles_cannot_reach_the_staff_pages(client, auth, db, mentored, make_user, province, role):
    ws, application = mentored()
    if role == "applicant":
        user, expected = application.applicant, 403
    elif role == "mentor":  # a mentor of the incubator who does not follow this file
        user, expected = make_user(role="mentor", incubator_id=ws.incubator.id), 404
    else:
        user, expected = make_user(role=role, provinces=[province("errachidia")]), 403
    auth.login_as(user)
    base = f"/workspace/files/{application.id}"
    for path in ("/outcome", "/financing", "/outcome/history"):
        page(client, base + path, expected)
    post(client, base + "/outcome", {"version": "0", **FILLED}, expected)
    post(client, base + "/financing", APPROVED, expected)
    assert saved(db, application) is None


# -- what she sees -------------------------------------------------------------------------------------------------

def test_applicant_sees_her_activity_and_financing_decision_on_her_page(client, auth, db, mentored):
    ws, application = mentored()
    auth.login_as(ws.manager)
    post(client, f"/workspace/files/{application.id}/outcome", {"version": "0", **FILLED})
    post(client, f"/workspace/files/{application.id}/financing", APPROVED)
    post(client, f"/workspace/files/{application.id}/financing",
         {"commission_on": "2026-01-15", "decision": "refused", "amount": "80000", "note": "Projet trop cher"})
    auth.login_as(application.applicant)
    html = page(client, f"/applications/{application.id}?lang=fr")
    section = html_module.unescape(re.search(r'<section aria-labelledby="results-title">.*?</section>', html,
                                             re.S).group(0))
    with force_locale("fr_MA"):
        words = [label("legal_form", "cooperative"), label("financing_source", "honour_loan"),
                 label("financing_decision", "approved"), label("financing_decision", "refused")]
    assert "2 mars 2026" in section and "COOP-1234" in section and all(word in section for word in words)
    assert "\u206650\u202f000,00\u2069\xa0DH" in section and "10 avril 2026" in section and "15 janvier 2026" in section
    assert "80\u202f000" not in section  # what a refusal was asked for is not shown as if granted
    assert "Dossier solide" not in html and "Projet trop cher" not in html
    assert section.index("15 janvier 2026") < section.index("10 avril 2026")
    arabic = page(client, f"/applications/{application.id}?lang=ar")
    assert "results-title" in arabic and "50.000,00" in arabic and "أبريل" in arabic


def test_status_page_without_outcome_shows_no_section(client, auth, db, mentored):
    ws, application = mentored()
    auth.login_as(application.applicant)
    assert "results-title" not in page(client, f"/applications/{application.id}")


def test_completed_file_keeps_its_outcome_editable(client, auth, db, mentored):
    ws, application = mentored()
    services.complete(application, ws.manager, None)
    db.session.commit()
    assert application.status == Status.COMPLETED
    auth.login_as(ws.manager)
    post(client, f"/workspace/files/{application.id}/outcome", {"version": "0", **FILLED})
    post(client, f"/workspace/files/{application.id}/financing", APPROVED)
    assert saved(db, application) is not None
