"""Programmes as admins run them, through the HTTP client: only admins reach the pages; a programme is created
and edited with its rules and provinces; its grids (stages, reasons, criteria) change without rewriting history;
a new edition copies the last one; a new consent text asks applicants to agree again at their next visit; every
change is audited and a refused change leaves nothing behind."""

from __future__ import annotations

import html as html_module
from datetime import date

import pytest
import sqlalchemy as sa

from jisr.applications.models import Consent, Status
from jisr.audit.models import AuditEntry
from jisr.auth.models import User
from jisr.programmes.models import ConsentText, Programme
from jisr.workspace import grids
from jisr.workspace.models import (
    Assessment,
    AssessmentCriterion,
    AssessmentScore,
    MentoringStage,
    ReasonCode,
    ReasonKind,
)


@pytest.fixture
def admin(make_user):
    return make_user(role="admin", full_name="Nadia Admin")


def ar(app, message: str, lang: str = "ar") -> str:
    """The message as an Arabic reader gets it (the admins here read Arabic, the default); or in `lang`."""
    from flask_babel import force_locale, gettext
    from flask_wtf.i18n import translations

    with app.test_request_context(), force_locale(lang):
        return translations.gettext(message) if message.startswith("Not a valid") else gettext(message)


def text(response) -> str:
    return html_module.unescape(response.get_data(as_text=True))


def audit(db, action) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


def programme_data(province, **overrides) -> dict:
    data = {"code": "jisr-souss-2027", "name_ar": "جسر سوس ماسة", "name_fr": "Jisr Souss-Massa",
            "description_ar": "برنامج لمواكبة المقاولات", "description_fr": "Un programme d'accompagnement",
            "targets_women": "y", "targets_disability": "y", "min_age": "18", "max_age": "60",
            "one_active_file_per_person": "y", "timezone": "Africa/Casablanca",
            "opens_on": "2027-01-15", "closes_on": "2027-06-30",
            "provinces": [str(province("errachidia").id), str(province("midelt").id)]}
    data.update(overrides)
    return data


# -- who reaches the pages -----------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["applicant", "agent", "coordinator", "incubator_manager", "mentor"])
def test_only_admins_reach_programmes(client, auth, db, make_user, make_incubator, province, programme, role):
    scope = {"incubator_id": make_incubator().id} if role in ("incubator_manager", "mentor") else {}
    if role in ("agent", "coordinator"):
        scope = {"provinces": [province("errachidia")]}
    auth.login_as(make_user(role=role, **scope))
    stage = grids.stages(programme)[0]
    db.session.commit()
    for path in ("/admin/programmes/", "/admin/programmes/new", f"/admin/programmes/{programme.id}",
                 f"/admin/programmes/{programme.id}/edit", f"/admin/programmes/{programme.id}/edition",
                 f"/admin/programmes/{programme.id}/consent", f"/admin/programmes/{programme.id}/stages/new",
                 f"/admin/programmes/{programme.id}/stages/{stage.id}"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/admin/programmes/{programme.id}/stages/{stage.id}/remove").status_code == 403
    assert client.post(f"/admin/programmes/{programme.id}/consent",
                       data={"body_ar": "نص", "body_fr": "Texte"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(ConsentText.id))) == 0
    assert db.session.get(MentoringStage, stage.id) is not None


def test_signed_out_visitors_are_sent_to_sign_in(client, programme):
    response = client.get(f"/admin/programmes/{programme.id}")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


# -- the programme's rules -----------------------------------------------------------------------------

def test_admin_creates_a_programme_that_starts_with_the_default_grids(client, auth, db, admin, province):
    auth.login_as(admin)
    assert client.get("/admin/programmes/new").status_code == 200
    response = client.post("/admin/programmes/new", data=programme_data(province))
    assert response.status_code == 303, text(response)[:3000]
    programme = db.session.scalar(sa.select(Programme).where(Programme.code == "jisr-souss-2027"))
    assert (programme.opens_on, programme.closes_on, programme.max_age) == (date(2027, 1, 15), date(2027, 6, 30), 60)
    assert sorted(p.code for p in programme.provinces) == ["errachidia", "midelt"]
    page = text(client.get(response.headers["Location"]))
    assert "Diagnostic" in page and "Motivation et engagement de la porteuse" in page
    assert "جسر سوس ماسة" in text(client.get("/admin/programmes/"))
    assert "Jisr Souss-Massa" in text(client.get("/admin/programmes/?lang=fr"))
    [entry] = audit(db, "programme.created")
    assert entry.details["after"]["provinces"] == ["errachidia", "midelt"]


@pytest.mark.parametrize(("overrides", "message"), [
    ({"closes_on": "2027-01-01"}, "The programme must close after it opens."),
    ({"targets_women": "", "targets_disability": ""}, "Choose at least one target group."),
    ({"name_ar": "Jisr Souss"}, "Write this name in Arabic letters."),
    ({"max_age": "16"}, "The maximum age must not be below the minimum age."),
    ({"provinces": []}, "Choose at least one province."),
    ({"code": "Jisr Souss!"}, "Use lowercase Latin letters, digits, - and _ only."),
    ({"min_age": "abc"}, "Write a whole number in figures, for example 3."),
    ({"timezone": "Europe/Paris"}, "Not a valid choice."),
])
def test_a_refused_programme_is_explained_and_not_saved(app, client, auth, db, admin, province, overrides, message):
    auth.login_as(admin)
    data = programme_data(province, **overrides)
    for name in [k for k, v in overrides.items() if v == ""]:
        del data[name]
    response = client.post("/admin/programmes/new", data=data)
    assert response.status_code == 422
    assert ar(app, message) in text(response)
    assert db.session.scalar(sa.select(sa.func.count(Programme.id))) == 0


def test_a_code_is_never_shared(app, client, auth, db, admin, province, programme):
    auth.login_as(admin)
    response = client.post("/admin/programmes/new", data=programme_data(province, code=programme.code.upper()))
    assert response.status_code == 422 and ar(app, "Another programme already has this code.") in text(response)
    assert db.session.scalar(sa.select(sa.func.count(Programme.id))) == 1


def test_admin_edits_a_programme_and_the_change_is_audited(client, auth, db, admin, province, programme):
    auth.login_as(admin)
    page = text(client.get(f"/admin/programmes/{programme.id}/edit"))
    assert f'value="{programme.code}"' in page and "checked" in page
    response = client.post(f"/admin/programmes/{programme.id}/edit", data=programme_data(
        province, code=programme.code, closes_on="2027-12-31", provinces=[str(province("tata").id)]))
    assert response.status_code == 303
    db.session.expire_all()
    programme = db.session.get(Programme, programme.id)
    assert programme.closes_on == date(2027, 12, 31) and [p.code for p in programme.provinces] == ["tata"]
    [entry] = audit(db, "programme.updated")
    assert entry.details["after"]["closes_on"] == "2027-12-31"
    assert "tata" not in entry.details["before"]["provinces"]
    assert "code" not in entry.details["after"]  # only what changed


def test_the_language_switch_keeps_what_was_typed_and_saves_nothing(client, auth, db, admin, province, programme):
    auth.login_as(admin)
    response = client.post(f"/admin/programmes/{programme.id}/edit", data=programme_data(
        province, code=programme.code, name_fr="Nouveau nom", switch_lang="ar"))
    assert response.status_code == 200 and 'value="Nouveau nom"' in text(response)
    db.session.expire_all()
    assert db.session.get(Programme, programme.id).name_fr == "Jisr Drâa-Tafilalet"


# -- the grids -----------------------------------------------------------------------------------------

def test_admin_adds_renames_moves_and_deletes_a_stage(client, auth, db, admin, programme):
    auth.login_as(admin)
    base = f"/admin/programmes/{programme.id}"
    response = client.post(f"{base}/stages/new", data={"code": "market_test", "name_ar": "اختبار السوق",
                                                       "name_fr": "Test du marché"})
    assert response.status_code == 303
    codes = [s.code for s in grids.stages(programme)]
    assert codes[-1] == "market_test" and len(codes) == 8
    added = grids.stages(programme)[-1]
    assert client.post(f"{base}/stages/{added.id}/move/up").status_code == 303
    db.session.expire_all()
    assert [s.code for s in grids.stages(programme)][-2:] == ["market_test", "follow_up"]
    assert client.post(f"{base}/stages/{added.id}", data={"name_ar": "تجربة السوق", "name_fr": "Essai du marché",
                                                          "code": "ignored"}).status_code == 303
    db.session.expire_all()
    renamed = db.session.get(MentoringStage, added.id)
    assert (renamed.code, renamed.name_fr) == ("market_test", "Essai du marché")
    assert "Essai du marché" in text(client.get(base))
    assert client.post(f"{base}/stages/{added.id}", data={"name_ar": "تجربة السوق", "name_fr": "Essai du marché",
                                                          "code": "ignored"}).status_code == 303  # unchanged
    assert client.post(f"{base}/stages/{added.id}/remove").status_code == 303
    assert "market_test" not in [s.code for s in grids.stages(programme)]
    actions = [e.action for e in db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action.like("programme.grid_%")).order_by(AuditEntry.id))]
    assert actions == ["programme.grid_added", "programme.grid_moved", "programme.grid_changed",
                       "programme.grid_deleted"]  # the line saved unchanged is not in the log


def test_a_stage_files_have_been_at_stays(app, client, auth, db, admin, make_workspace):
    from jisr.workspace import services as workspace

    ws = make_workspace(files=1)
    application = ws.files[0]
    workspace.start_review(application, ws.manager)
    workspace.accept(application, ws.manager)
    workspace.start_mentoring(application, ws.manager)
    db.session.commit()
    stage = db.session.get(MentoringStage, application.current_stage_id)
    auth.login_as(admin)
    response = client.post(f"/admin/programmes/{application.programme_id}/stages/{stage.id}/remove")
    assert response.status_code == 409
    assert ar(app, (
        "Files have already been at this stage: it cannot be deleted, but it can be renamed.")) in text(response)
    assert db.session.get(MentoringStage, stage.id) is not None
    assert not audit(db, "programme.grid_deleted")


def test_the_first_stage_cannot_move_up_and_a_duplicate_code_is_refused(app, client, auth, db, admin, programme):
    auth.login_as(admin)
    first = grids.stages(programme)[0]
    db.session.commit()
    base = f"/admin/programmes/{programme.id}"
    assert client.post(f"{base}/stages/{first.id}/move/up").status_code == 409
    assert client.post(f"{base}/stages/{first.id}/move/sideways").status_code == 409
    response = client.post(f"{base}/stages/new", data={"code": first.code, "name_ar": "الاستقبال",
                                                       "name_fr": "Accueil"})
    assert response.status_code == 422 and ar(app, "This list already has a line with this code.") in text(response)
    assert client.get(f"{base}/unknown/new").status_code == 404
    assert client.get(f"{base}/stages/999999").status_code == 404
    assert grids.stages(programme)[0].id == first.id


def test_a_retired_reason_is_no_longer_offered_but_decisions_keep_it(app, client, auth, db, admin, make_workspace):
    from jisr.workspace import services as workspace

    ws = make_workspace(files=1)
    application = ws.files[0]
    programme = application.programme
    reason = grids.reasons(programme, ReasonKind.REJECTION)[0]
    db.session.commit()
    auth.login_as(admin)
    response = client.post(f"/admin/programmes/{programme.id}/rejection/{reason.id}/remove")
    assert response.status_code == 303
    assert reason.id not in [r.id for r in grids.reasons(programme, ReasonKind.REJECTION)]
    assert reason.id in [r.id for r in grids.reasons(programme, ReasonKind.REJECTION, retired=True)]
    workspace.start_review(application, ws.manager)
    with pytest.raises(workspace.WorkspaceError):
        workspace.reject(application, ws.manager, reason.id, None)
    db.session.rollback()
    assert ar(app, "No: retired") in text(client.get(f"/admin/programmes/{programme.id}"))
    assert client.post(f"/admin/programmes/{programme.id}/rejection/{reason.id}/remove").status_code == 303
    assert reason.id in [r.id for r in grids.reasons(programme, ReasonKind.REJECTION)]


def test_the_last_reason_offered_cannot_be_retired(app, client, auth, db, admin, programme):
    auth.login_as(admin)
    reasons = grids.reasons(programme, ReasonKind.DROP_OUT)
    for reason in reasons[:-1]:
        reason.active = False
    db.session.commit()
    response = client.post(f"/admin/programmes/{programme.id}/drop_out/{reasons[-1].id}/remove")
    assert response.status_code == 409
    assert ar(app, (
        "Staff need at least one reason to choose from: add another before retiring this one.")) in text(response)
    db.session.expire_all()
    assert db.session.get(ReasonCode, reasons[-1].id).active


def test_a_scored_criterion_keeps_its_weight_and_stays(app, client, auth, db, admin, make_workspace):
    ws = make_workspace(files=1)
    programme = ws.files[0].programme
    criterion = grids.criteria(programme)[0]
    assessment = Assessment(application_id=ws.files[0].id, scorer_id=ws.manager.id)
    db.session.add(assessment)
    db.session.flush()
    db.session.add(AssessmentScore(assessment_id=assessment.id, criterion_id=criterion.id, score=4))
    db.session.commit()
    auth.login_as(admin)
    base = f"/admin/programmes/{programme.id}/criteria/{criterion.id}"
    response = client.post(base, data={"name_ar": criterion.name_ar, "name_fr": "Motivation", "weight": "9",
                                       "max_score": str(criterion.max_score)})
    assert response.status_code == 422
    assert ar(app, ("Files have already been scored on this criterion: its weight and scale stay as they are "
                    "(add a new criterion instead).")) in text(response)
    assert client.post(f"{base}/remove").status_code == 409
    db.session.expire_all()
    assert db.session.get(AssessmentCriterion, criterion.id).weight == 3
    response = client.post(base, data={"name_ar": criterion.name_ar, "name_fr": "Motivation", "weight": "3",
                                       "max_score": "5"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(AssessmentCriterion, criterion.id).name_fr == "Motivation"


def test_a_new_criterion_goes_last_with_its_weight(client, auth, db, admin, programme):
    auth.login_as(admin)
    response = client.post(f"/admin/programmes/{programme.id}/criteria/new", data={
        "code": "inclusion", "name_ar": "إدماج الأشخاص في وضعية إعاقة", "name_fr": "Inclusion",
        "weight": "2", "max_score": "10"})
    assert response.status_code == 303
    last = grids.criteria(programme)[-1]
    assert (last.code, last.weight, last.max_score) == ("inclusion", 2, 10)
    response = client.post(f"/admin/programmes/{programme.id}/criteria/new", data={
        "code": "zero", "name_ar": "صفر", "name_fr": "Zéro", "weight": "0", "max_score": "5"})
    assert response.status_code == 422
    assert "zero" not in [c.code for c in grids.criteria(programme)]


# -- a new edition -------------------------------------------------------------------------------------

def test_a_new_edition_copies_the_rules_grids_and_consent_text(app, client, auth, db, admin, programme):
    auth.login_as(admin)
    base = f"/admin/programmes/{programme.id}"
    client.post(f"{base}/stages/new", data={"code": "market_test", "name_ar": "اختبار السوق",
                                            "name_fr": "Test du marché"})
    retired = grids.reasons(programme, ReasonKind.REJECTION)[0]
    db.session.commit()
    client.post(f"{base}/rejection/{retired.id}/remove")
    client.post(f"{base}/consent", data={"body_ar": "نص الموافقة الجديد", "body_fr": "Le nouveau texte"})
    page = text(client.get(f"{base}/edition"))
    assert f'value="{programme.code}-{programme.opens_on.year + 1}"' in page
    response = client.post(f"{base}/edition", data={
        "code": "jisr-2028", "name_ar": "جسر 2028", "name_fr": "Jisr 2028", "opens_on": "2028-01-01",
        "closes_on": "2028-06-30"})
    assert response.status_code == 303
    copy = db.session.scalar(sa.select(Programme).where(Programme.code == "jisr-2028"))
    assert (copy.min_age, copy.max_age, copy.targets_women) == (programme.min_age, programme.max_age, True)
    assert [p.code for p in copy.provinces] == [p.code for p in programme.provinces]
    assert [s.code for s in grids.stages(copy)] == [s.code for s in grids.stages(programme)]
    assert grids.stages(copy)[0].id != grids.stages(programme)[0].id
    assert retired.code not in [r.code for r in grids.reasons(copy, ReasonKind.REJECTION, retired=True)]
    assert [(c.code, c.weight) for c in grids.criteria(copy)] == [(c.code, c.weight)
                                                                   for c in grids.criteria(programme)]
    [text_copy] = db.session.scalars(sa.select(ConsentText).where(ConsentText.programme_id == copy.id))
    assert text_copy.body_fr == "Le nouveau texte"
    assert audit(db, "programme.edition_created")[0].details["source"] == programme.code
    response = client.post(f"{base}/edition", data={
        "code": "jisr-2028", "name_ar": "جسر", "name_fr": "Jisr", "opens_on": "2028-01-01",
        "closes_on": "2028-06-30"})
    assert response.status_code == 422 and ar(app, "Another programme already has this code.") in text(response)


# -- the consent text ----------------------------------------------------------------------------------

def test_the_first_version_starts_from_the_platform_text_in_both_languages(client, auth, admin, programme):
    auth.login_as(admin)
    page = text(client.get(f"/admin/programmes/{programme.id}/consent"))
    assert "The ministry in charge of the Jisr programme" not in page  # the admin reads it in her language
    assert "Le ministère" in page or "الوزارة" in page
    assert page.count("<textarea") == 2


def test_a_new_consent_version_is_asked_again_at_her_next_visit(app, client, auth, db, admin, make_file, programme,
                                                               make_user):
    first, other = make_file(locale="fr"), make_file(locale="fr")
    other.status = Status.WITHDRAWN
    draft_only = make_user()
    db.session.commit()
    auth.login_as(admin)
    response = client.post(f"/admin/programmes/{programme.id}/consent", data={
        "body_ar": "نص جديد للموافقة على معالجة المعطيات", "body_fr": "Nouveau texte\n\nSecond paragraphe"})
    assert response.status_code == 303
    text_row = db.session.scalar(sa.select(ConsentText))
    assert text_row.version == f"{date.today().year}-1" or text_row.version.endswith("-2")
    assert audit(db, "programme.consent_published")[0].details["applicants"] == 1
    db.session.expire_all()
    assert db.session.get(User, first.applicant_id).consent_due
    assert not db.session.get(User, other.applicant_id).consent_due
    assert not db.session.get(User, draft_only.id).consent_due

    auth.login_as(db.session.get(User, first.applicant_id))
    response = client.get(f"/applications/{first.id}")
    assert response.status_code == 302 and "/consent/" in response.headers["Location"]
    page = text(client.get(response.headers["Location"]))
    assert "<p>Nouveau texte</p>" in page and "<p>Second paragraphe</p>" in page and first.reference in page
    assert client.get("/account/data/").status_code == 200  # her rights stay open
    response = client.post(f"/consent/?next=/applications/{first.id}", data={})
    assert response.status_code == 422 and ar(app, "Tick the box to agree to the new text.", "fr") in text(response)
    assert db.session.scalar(sa.select(sa.func.count(Consent.id))) == 0
    response = client.post(f"/consent/?next=/applications/{first.id}", data={"agree": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/applications/{first.id}")
    [given] = db.session.scalars(sa.select(Consent).where(Consent.application_id == first.id))
    assert (given.text_version, given.language, given.method) == (text_row.version, "fr", "online")
    db.session.expire_all()
    assert not db.session.get(User, first.applicant_id).consent_due
    assert client.get(f"/applications/{first.id}").status_code == 200


def test_the_flag_is_checked_again_at_sign_in(client, db, make_file, programme, admin):
    from conftest import PASSWORD

    application = make_file(locale="fr")
    db.session.add(ConsentText(programme_id=programme.id, version="2027-1", body_ar="نص", body_fr="Texte",
                               published_by_id=admin.id))
    db.session.commit()
    user = db.session.get(User, application.applicant_id)
    assert not user.consent_due  # published while her file was being sent: the flag missed it
    response = client.post("/account/login", data={"identifier": user.phone, "password": PASSWORD})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).consent_due
    assert "/consent/" in client.get("/applications/").headers["Location"]


def test_a_file_sent_after_a_new_version_consents_to_it(client, auth, db, admin, draft, programme, journey_ids):
    from journey import fill_all_steps

    db.session.add(ConsentText(programme_id=programme.id, version="2027-1", body_ar="نص الموافقة",
                               body_fr="Texte de consentement de l'édition", published_by_id=admin.id))
    db.session.commit()
    _user, application = draft()
    fill_all_steps(client, application.id, *journey_ids, lang="fr")
    page = text(client.get(f"/applications/{application.id}/review"))
    assert "2027-1" in page and "<p>Texte de consentement de l'édition</p>" in page
    response = client.post(f"/applications/{application.id}/review", data={"consent": "y"})
    assert response.status_code == 302, text(response)[:2000]
    [given] = db.session.scalars(sa.select(Consent).where(Consent.application_id == application.id))
    assert given.text_version == "2027-1"
    assert not db.session.get(User, application.applicant_id).consent_due


def test_publishing_the_same_text_again_is_refused(app, client, auth, db, admin, programme):
    from jisr.programmes import consent

    auth.login_as(admin)
    with app.test_request_context():
        built_in = {"body_ar": consent.built_in_text("ar"), "body_fr": consent.built_in_text("fr")}
    assert client.post(f"/admin/programmes/{programme.id}/consent", data=built_in).status_code == 422
    data = {"body_ar": "نص الموافقة", "body_fr": "Texte"}
    assert client.post(f"/admin/programmes/{programme.id}/consent", data=data).status_code == 303
    response = client.post(f"/admin/programmes/{programme.id}/consent", data=data)
    assert response.status_code == 422
    assert ar(app, (
        "The text is the same as the current version: change it before publishing.")) in text(response)
    response = client.post(f"/admin/programmes/{programme.id}/consent", data={"body_ar": "Latin only",
                                                                               "body_fr": "Texte"})
    assert response.status_code == 422 and ar(app, "Write this text in Arabic letters.") in text(response)
    assert db.session.scalar(sa.select(sa.func.count(ConsentText.id))) == 1


def test_a_field_agent_reads_the_new_text_to_someone_whose_account_she_holds(app, client, auth, db, admin, make_file,
                                                                           make_user, programme, province):
    agent = make_user(role="agent", provinces=[province("errachidia")])
    application = make_file(locale="ar")
    person = db.session.get(User, application.applicant_id)
    person.registered_by_id, application.created_by_id = agent.id, agent.id
    db.session.commit()
    auth.login_as(admin)
    client.post(f"/admin/programmes/{programme.id}/consent", data={"body_ar": "نص جديد", "body_fr": "Nouveau"})
    other_agent = make_user(role="agent", provinces=[province("errachidia")])
    auth.login_as(other_agent)
    assert client.get(f"/agent/people/{person.id}/consent").status_code == 404
    auth.login_as(agent)
    assert f"/agent/people/{person.id}/consent" in text(client.get("/agent/"))
    assert "<p>نص جديد</p>" in text(client.get(f"/agent/people/{person.id}/consent"))
    response = client.post(f"/agent/people/{person.id}/consent", data={"method": "read_aloud"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Consent.id))) == 0
    response = client.post(f"/agent/people/{person.id}/consent", data={"method": "read_aloud", "confirm": "y"})
    assert response.status_code == 302
    [given] = db.session.scalars(sa.select(Consent))
    assert (given.method, given.attested_by_id, given.language) == ("read_aloud", agent.id, "ar")
    db.session.expire_all()
    assert not db.session.get(User, person.id).consent_due
    assert f"/agent/people/{person.id}/consent" not in text(client.get("/agent/"))
