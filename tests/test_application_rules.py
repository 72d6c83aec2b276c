"""Rules around the file: one active file per national ID, scoping, bad input on every form."""

import threading

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from journey import IDENTITY, NEEDS, PROJECT, SITUATION, fill_all_steps
from markupsafe import escape

from jisr.applications.models import ApplicantProfile, Application, Status, StatusChange
from jisr.applications.services import start_application

WTFORMS_MESSAGES = {"This field is required."}


def translated(app, message: str, lang: str) -> str:
    """The message as the catalogue gives it (ours, or WTForms' own); it must really be translated."""
    from flask_babel import gettext
    from flask_wtf.i18n import translations

    with app.test_request_context(), force_locale(f"{lang}_MA"):
        text = translations.gettext(message) if message in WTFORMS_MESSAGES else gettext(message)
    assert text != message, f"{message!r} is not translated in {lang}"
    return str(escape(text))  # as Jinja escapes it


def snapshot(db, application_id):
    db.session.expire_all()
    application = db.session.get(Application, application_id)
    profile = db.session.scalar(sa.select(ApplicantProfile).where(ApplicantProfile.user_id == application.applicant_id))
    columns = lambda row: {c.key: getattr(row, c.key) for c in sa.inspect(row).mapper.column_attrs  # noqa: E731
                           if c.key not in ("updated_at",)}
    return columns(application), columns(profile) if profile else None, len(application.members), \
        len(application.trainings)


# --- one active file per national ID -------------------------------------------------------------

def test_second_file_with_same_national_id_is_refused(client, draft, journey_ids, db, app):
    province_id, _sector = journey_ids
    first_user, first = draft()
    assert client.post(f"/applications/{first.id}/identity",
                       data={**IDENTITY, "province_id": province_id}).status_code == 302
    second_user, second = draft()
    response = client.post(f"/applications/{second.id}/identity?lang=fr",
                           data={**IDENTITY, "national_id": "AB-123 456", "province_id": province_id})
    assert response.status_code == 422
    assert translated(app, "A file with this national ID number already exists in this programme. Each person "
                           "can have only one active file. If you think this is a mistake, contact the programme "
                           "team.", "fr") in response.data.decode()
    db.session.expire_all()
    assert db.session.get(Application, second.id).national_id is None
    profile = db.session.scalar(sa.select(ApplicantProfile).where(ApplicantProfile.user_id == second_user.id))
    assert profile.national_id is None


def test_a_withdrawn_file_frees_the_national_id(client, draft, journey_ids, db):
    province_id, _ = journey_ids
    _user, first = draft()
    client.post(f"/applications/{first.id}/identity", data={**IDENTITY, "province_id": province_id})
    first.status = Status.WITHDRAWN
    db.session.commit()
    _user2, second = draft()
    assert client.post(f"/applications/{second.id}/identity",
                       data={**IDENTITY, "province_id": province_id}).status_code == 302


def test_the_database_itself_refuses_two_active_files_with_one_national_id(db, make_user, programme):
    from sqlalchemy.exc import IntegrityError

    for n in range(2):
        db.session.add(Application(programme_id=programme.id, applicant_id=make_user().id, national_id="K1234",
                                   status=Status.DRAFT))
        if n == 0:
            db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


# --- references ----------------------------------------------------------------------------------

def test_references_have_no_gaps_or_duplicates_under_concurrent_submits(make_app, make_user, programme, db):
    """Eight submits at once, each in its own thread and transaction."""
    from jisr.applications.references import next_reference

    app = make_app()
    results, errors = [], []
    barrier = threading.Barrier(8)

    def worker():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                results.append(next_reference(2031))
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sorted(results) == [f"JISR-2031-{n:06d}" for n in range(1, 9)]


def test_a_rolled_back_submit_gives_its_number_back(db):
    from jisr.applications.references import next_reference

    assert next_reference(2032) == "JISR-2032-000001"
    db.session.rollback()
    assert next_reference(2032) == "JISR-2032-000001"
    db.session.commit()
    assert next_reference(2032) == "JISR-2032-000002"
    db.session.commit()


# --- scope: one applicant never sees another's file ----------------------------------------------

@pytest.mark.parametrize("path", ["", "/receipt", "/identity", "/situation", "/project", "/needs", "/review",
                                  "/withdraw", "/documents"])
def test_another_applicant_gets_404_and_sees_nothing(client, auth, draft, make_user, journey_ids, db, path):
    province_id, sector_id = journey_ids
    owner, application = draft()
    fill_all_steps(client, application.id, province_id, sector_id)
    client.post(f"/applications/{application.id}/review", data={"consent": "y"})
    auth.login_as(make_user())
    response = client.get(f"/applications/{application.id}{path}")
    assert response.status_code == 404
    assert "Amrani" not in response.data.decode() and "JISR-" not in response.data.decode()
    if path not in ("", "/receipt"):
        assert client.post(f"/applications/{application.id}{path}", data={"confirm": "y"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == Status.WAITLISTED  # no incubator: untouched


def test_an_applicant_list_shows_only_her_files(client, auth, draft, journey_ids):
    province_id, _ = journey_ids
    _owner, application = draft()
    client.post(f"/applications/{application.id}/identity", data={**IDENTITY, "province_id": province_id})
    auth.login_as(draft()[0])
    page = client.get("/applications/").data.decode()
    assert f"/applications/{application.id}\"" not in page


def test_signed_out_visitors_are_sent_to_sign_in(client, draft):
    _user, application = draft(login=False)
    response = client.get(f"/applications/{application.id}")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_staff_roles_cannot_use_the_applicant_pages(client, auth, make_user):
    auth.login_as(make_user(role="mentor"))
    assert client.get("/applications/").status_code == 403


# --- bad input on every form ----------------------------------------------------------------------

LONG = "a" * 5000
SQL = "Robert'); DROP TABLE applications;--"
HTML_TEXT = "<script>alert(1)</script>"
BIDI = "Fatima\u202eZahra"

IDENTITY_CASES = [
    ({"first_name_ar": ""}, "first_name_ar", "This field is required."),
    ({"first_name_ar": "Fatima"}, "first_name_ar", "Write this name in Arabic letters only."),
    ({"first_name_ar": "فاطمة Fatima"}, "first_name_ar", "Write this name in Arabic letters only."),
    ({"last_name_latin": "العمراني"}, "last_name_latin",
     "Write this name in Latin letters only, as on your identity card."),
    ({"last_name_latin": HTML_TEXT}, "last_name_latin",
     "Write this name in Latin letters only, as on your identity card."),
    ({"last_name_latin": SQL}, "last_name_latin", "Write this name in Latin letters only, as on your identity card."),
    ({"first_name_latin": BIDI}, "first_name_latin",
     "Write this name in Latin letters only, as on your identity card."),
    ({"first_name_latin": "a" * 101}, "first_name_latin", None),
    ({"national_id": "123456"}, "national_id", "This national ID number is not in the right format."),
    ({"national_id": "ABC123"}, "national_id", "This national ID number is not in the right format."),
    ({"national_id": LONG}, "national_id", None),
    ({"birth_date": "17/05/1992"}, "birth_date", None),
    ({"birth_date": "2999-01-01"}, "birth_date", "Enter a valid date of birth."),
    ({"sex": "other"}, "sex", None),
    ({"province_id": "0"}, "province_id", "Choose a province from the list."),
    ({"province_id": "999999"}, "province_id", None),
    ({"province_id": "x"}, "province_id", None),
    ({"commune": HTML_TEXT}, "commune", "Please write plain text, without < > tags or codes."),
    ({"commune": BIDI}, "commune", "This text contains invisible control characters. Please retype it."),
    ({"commune": LONG}, "commune", None),
]


@pytest.mark.parametrize("lang", ["ar", "fr"])
@pytest.mark.parametrize("change,field,message", IDENTITY_CASES)
def test_bad_identity_input_is_refused_with_a_translated_error(app, client, draft, journey_ids, db, change, field,
                                                               message, lang):
    province_id, _ = journey_ids
    _user, application = draft()
    before = snapshot(db, application.id)
    response = client.post(f"/applications/{application.id}/identity?lang={lang}",
                           data={**IDENTITY, "province_id": province_id, **change})
    assert response.status_code == 422
    body = response.data.decode()
    assert f'id="{field}-error"' in body and 'aria-invalid="true"' in body and 'id="error-summary"' in body
    if message:
        assert translated(app, message, lang) in body
    assert "<script>alert" not in body
    assert snapshot(db, application.id) == before


STEP_CASES = [
    ("situation", SITUATION, {"education_level": ""}, "education_level"),
    ("situation", SITUATION, {"education_level": "phd' OR 1=1"}, "education_level"),
    ("situation", SITUATION, {"disability_type": "motor", "disability_card_number": HTML_TEXT},
     "disability_card_number"),
    ("project", PROJECT, {"project_title": ""}, "project_title"),
    ("project", PROJECT, {"project_title": LONG}, "project_title"),
    ("project", PROJECT, {"project_description": HTML_TEXT}, "project_description"),
    ("project", PROJECT, {"project_description": "مشروع \u202b" + SQL}, "project_description"),
    ("project", PROJECT, {"estimated_budget": "beaucoup"}, "estimated_budget"),
    ("project", PROJECT, {"estimated_budget": "-5"}, "estimated_budget"),
    ("project", PROJECT, {"own_contribution": "30000"}, "own_contribution"),
    ("project", PROJECT, {"carrier": "group", "members-0-full_name": "Amina"}, "members"),
    ("project", PROJECT, {"sector_id": "0"}, "sector_id"),
    ("needs", NEEDS, {"need_training": "", "need_financing": ""}, "need_training"),
    ("needs", NEEDS, {"trainings-0-year": "1066"}, "trainings-0-year"),
    ("needs", NEEDS, {"trainings-0-title": HTML_TEXT}, "trainings-0-title"),
]


@pytest.mark.parametrize("lang", ["ar", "fr"])
@pytest.mark.parametrize("step,valid,change,field", STEP_CASES)
def test_bad_input_on_each_step_is_refused_and_nothing_is_saved(client, draft, journey_ids, db, step, valid, change,
                                                                 field, lang):
    province_id, sector_id = journey_ids
    _user, application = draft()
    before = snapshot(db, application.id)
    data = {**valid, "sector_id": sector_id, **change}
    data = {k: v for k, v in data.items() if v != ""}
    response = client.post(f"/applications/{application.id}/{step}?lang={lang}", data=data)
    assert response.status_code == 422
    body = response.data.decode()
    assert f'id="{field}-error"' in body and 'id="error-summary"' in body
    assert "This field is required" not in body or lang == "en"
    assert snapshot(db, application.id) == before


def test_mixed_direction_free_text_is_kept_as_typed(client, draft, journey_ids, db):
    province_id, sector_id = journey_ids
    _user, application = draft()
    text = "Couscous بالخضر et msemen, 2 000 DH"
    response = client.post(f"/applications/{application.id}/project",
                           data={**PROJECT, "sector_id": sector_id, "project_description": text})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, application.id).project_description == text


def test_a_group_project_keeps_its_members(client, draft, journey_ids, db):
    _province_id, sector_id = journey_ids
    _user, application = draft()
    data = {**PROJECT, "sector_id": sector_id, "carrier": "group", "group_name": "Coopérative Nour",
            "members-0-full_name": "Amina Ait", "members-0-role": "Présidente", "members-1-full_name": "Zineb Ali",
            "members-2-full_name": ""}
    assert client.post(f"/applications/{application.id}/project", data=data).status_code == 302
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert [m.full_name for m in application.members] == ["Amina Ait", "Zineb Ali"]
    page = client.get(f"/applications/{application.id}/project").data.decode()
    assert 'name="members-3-full_name"' in page  # two blank rows to add more, without JavaScript


def test_withdraw_bad_input(client, draft, db):
    _user, application = draft()
    response = client.post(f"/applications/{application.id}/withdraw?lang=fr",
                           data={"confirm": "y", "reason": HTML_TEXT})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == Status.DRAFT
    assert db.session.scalar(sa.select(sa.func.count(StatusChange.id))) == 1


def test_submit_refused_while_steps_are_incomplete(client, draft, db):
    _user, application = draft()
    response = client.post(f"/applications/{application.id}/review", data={"consent": "y"})
    assert response.status_code == 422
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.status == Status.DRAFT and application.reference is None


def test_starting_is_refused_when_the_call_is_closed(client, auth, make_user, make_programme, db):
    from datetime import date, timedelta

    make_programme(opens_on=date.today() - timedelta(days=30), closes_on=date.today() - timedelta(days=1))
    user = make_user()
    auth.login_as(user)
    response = client.post("/applications/start")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0


def test_starting_twice_resumes_the_same_draft(client, auth, make_user, programme, db):
    auth.login_as(make_user())
    client.post("/applications/start")
    client.post("/applications/start")
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 1


def test_start_application_service_refuses_a_taken_national_id(make_user, programme, db):
    from jisr.applications.services import ApplicationError, profile_for

    first = make_user()
    start_application(first, programme).national_id = "K999"
    db.session.commit()
    second = make_user()
    profile_for(second).national_id = "K999"
    with pytest.raises(ApplicationError):
        start_application(second, programme)
    db.session.rollback()
