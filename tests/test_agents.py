"""Registration through a field agent: scoped to the agent's provinces, consent attested, account
handed over to the applicant with a claim code, after which the agent's access ends."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from journey import fill_all_steps

from jisr.applications.models import ApplicantProfile, Application, Consent, Status
from jisr.auth.models import PasswordResetCode, User
from jisr.outbox.models import OutboxMessage
from jisr.timeutil import utcnow

NEW = {"full_name": "Itto Ait Ali", "phone": "06 61 23 45 67", "province_id": None, "language": "ar"}
PHONE = "+212661234567"


@pytest.fixture
def agent(make_user, province, programme):
    return make_user(role="agent", email="agent@example.org", provinces=[province("errachidia"), province("midelt")])


def register(client, province_id, **changes):
    return client.post("/agent/new", data={**NEW, "province_id": province_id, **changes})


def claim_code(db, phone=PHONE) -> str:
    db.session.expire_all()
    message = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == phone)
                                 .order_by(OutboxMessage.id.desc())).first()
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def test_agent_opens_an_account_and_a_draft_in_her_province(client, auth, agent, province, db):
    auth.login_as(agent)
    response = register(client, province("midelt").id)
    assert response.status_code == 302 and response.headers["Location"].endswith("/identity")
    user = db.session.scalar(sa.select(User).where(User.phone == PHONE))
    assert user.registered_by_id == agent.id and user.password_hash is None and user.awaiting_claim
    application = db.session.scalar(sa.select(Application).where(Application.applicant_id == user.id))
    assert application.created_by_id == agent.id and application.status == Status.DRAFT
    assert application.province_id == province("midelt").id
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == PHONE))
    assert message.channel == "sms" and message.state == "pending" and message.language == "ar"
    assert "/account/claim" in message.body and re.search(r"\b\d{6}\b", message.body)


def test_agent_cannot_register_someone_outside_her_provinces(client, auth, agent, province, db):
    auth.login_as(agent)
    page = client.get("/agent/new?lang=fr").data.decode()
    assert "Errachidia" in page and "Midelt" in page and "Zagora" not in page
    response = register(client, province("zagora").id)
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.phone == PHONE)) == 0
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0


@pytest.mark.parametrize("change,field", [
    ({"phone": ""}, "phone"), ({"phone": "0528123456"}, "phone"), ({"full_name": "<b>x</b>"}, "full_name"),
    ({"email": "not-an-email"}, "email"), ({"language": "en"}, "language"), ({"province_id": "0"}, "province_id"),
])
def test_bad_input_when_registering_someone_stores_nothing(client, auth, agent, province, db, change, field):
    auth.login_as(agent)
    response = client.post("/agent/new", data={**NEW, "province_id": province("midelt").id, **change})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.data.decode()
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.registered_by_id == agent.id)) == 0


def test_a_phone_already_used_is_refused_clearly(client, auth, agent, province, make_user, db):
    make_user(phone=PHONE)
    auth.login_as(agent)
    response = register(client, province("midelt").id)
    assert response.status_code == 422 and 'id="phone-error"' in response.data.decode()


def test_agent_fills_and_sends_with_attested_consent(client, auth, agent, province, journey_ids, db):
    _province_id, sector_id = journey_ids
    auth.login_as(agent)
    register(client, province("errachidia").id)
    application = db.session.scalar(sa.select(Application).where(Application.created_by_id == agent.id))
    fill_all_steps(client, application.id, province("errachidia").id, sector_id)
    review = client.get(f"/applications/{application.id}/review").data.decode()
    assert 'name="method"' in review and 'name="consent"' not in review
    assert client.post(f"/applications/{application.id}/review", data={"confirm": "y"}).status_code == 422
    response = client.post(f"/applications/{application.id}/review",
                           data={"method": "read_aloud", "confirm": "y"})
    assert response.status_code == 302
    consent = db.session.scalar(sa.select(Consent).where(Consent.application_id == application.id))
    assert consent.method == "read_aloud" and consent.attested_by_id == agent.id
    assert consent.user_id == application.applicant_id and consent.given_at is not None
    status = client.get(f"/applications/{application.id}?lang=fr").data.decode()
    assert agent.full_name in status and "Withdraw" not in status
    assert client.post(f"/applications/{application.id}/withdraw", data={"confirm": "y"}).status_code == 403


def test_agent_cannot_open_a_file_outside_her_scope(client, auth, agent, province, make_user, db, programme,
                                                    journey_ids):
    auth.login_as(agent)
    register(client, province("errachidia").id)
    mine = db.session.scalar(sa.select(Application).where(Application.created_by_id == agent.id))
    other_agent = make_user(role="agent", provinces=[province("errachidia")])
    theirs_user = make_user(registered_by_id=other_agent.id)
    theirs = Application(programme_id=programme.id, applicant_id=theirs_user.id, created_by_id=other_agent.id,
                         province_id=province("errachidia").id, status=Status.DRAFT)
    self_registered = Application(programme_id=programme.id, applicant_id=make_user().id,
                                  province_id=province("errachidia").id, status=Status.DRAFT)
    db.session.add_all([theirs, self_registered])
    db.session.commit()
    for application in (theirs, self_registered):
        assert client.get(f"/applications/{application.id}/identity").status_code == 404
        assert client.get(f"/applications/{application.id}").status_code == 404
    # Her own file, moved (by staff) to a province that is not hers, leaves her scope too.
    db.session.get(Application, mine.id).province_id = province("zagora").id
    db.session.commit()
    assert client.get(f"/applications/{mine.id}/identity").status_code == 404
    assert client.get(f"/applications/{mine.id}/documents").status_code == 404


def test_agent_cannot_move_a_file_to_a_province_not_hers(client, auth, agent, province, db):
    from journey import IDENTITY

    auth.login_as(agent)
    register(client, province("errachidia").id)
    application = db.session.scalar(sa.select(Application).where(Application.created_by_id == agent.id))
    page = client.get(f"/applications/{application.id}/identity?lang=fr").data.decode()
    assert "Zagora" not in page and "Tanger" not in page
    response = client.post(f"/applications/{application.id}/identity",
                           data={**IDENTITY, "province_id": province("zagora").id})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Application, application.id).province_id == province("errachidia").id


def test_claim_code_hands_the_account_over_and_ends_the_agent_access(client, app, auth, agent, province, db):
    auth.login_as(agent)
    register(client, province("errachidia").id)
    application = db.session.scalar(sa.select(Application).where(Application.created_by_id == agent.id))
    assert client.get(f"/applications/{application.id}/situation").status_code == 200
    code = claim_code(db)
    auth.logout()

    applicant = app.test_client()
    response = applicant.post("/account/claim", data={"identifier": "0661234567", "code": code,
                                                      "password": "Ma-cle-2026!", "password_confirm": "Ma-cle-2026!"})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.phone == PHONE))
    db.session.refresh(user)
    assert user.claimed_at is not None and not user.awaiting_claim
    assert applicant.get(f"/applications/{application.id}/situation").status_code == 200

    # The code is single-use.
    again = app.test_client().post("/account/claim", data={"identifier": PHONE, "code": code,
                                                           "password": "Autre-cle-2026!",
                                                           "password_confirm": "Autre-cle-2026!"})
    assert again.status_code == 422

    # The agent no longer reaches the file, but her list still shows where it stands.
    auth.login_as(agent)
    assert client.get(f"/applications/{application.id}/situation").status_code == 404
    assert client.get(f"/applications/{application.id}").status_code == 404
    listing = client.get("/agent/?lang=fr").data.decode()
    assert "Itto Ait Ali" in listing and f"/applications/{application.id}/" not in listing


def test_an_applicant_registered_by_an_agent_signs_in_with_her_phone_number_alone(app, client, auth, agent,
                                                                                    province, db):
    auth.login_as(agent)
    register(client, province("errachidia").id)
    code = claim_code(db)
    other = app.test_client()
    other.post("/account/claim", data={"identifier": PHONE, "code": code, "password": "Ma-cle-2026!",
                                       "password_confirm": "Ma-cle-2026!"})
    fresh = app.test_client()
    response = fresh.post("/account/login", data={"identifier": "0661234567", "password": "Ma-cle-2026!"})
    assert response.status_code == 302
    assert fresh.get("/applications/").status_code == 200


def test_an_unclaimed_account_cannot_sign_in(app, client, auth, agent, province):
    auth.login_as(agent)
    register(client, province("errachidia").id)
    response = app.test_client().post("/account/login", data={"identifier": PHONE, "password": ""})
    assert response.status_code == 422


def test_an_expired_claim_code_is_refused(app, client, auth, agent, province, db):
    auth.login_as(agent)
    register(client, province("errachidia").id)
    code = claim_code(db)
    db.session.execute(sa.update(PasswordResetCode).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    response = app.test_client().post("/account/claim", data={"identifier": PHONE, "code": code,
                                                              "password": "Ma-cle-2026!",
                                                              "password_confirm": "Ma-cle-2026!"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(User.claimed_at).where(User.phone == PHONE)) is None


def test_a_claim_code_lives_for_days_not_minutes(client, auth, agent, province, db, app):
    auth.login_as(agent)
    register(client, province("errachidia").id)
    code = db.session.scalar(sa.select(PasswordResetCode))
    from jisr.timeutil import aware

    assert aware(code.expires_at) - aware(code.created_at) == timedelta(days=app.config["CLAIM_CODE_DAYS"])


def test_a_new_code_replaces_the_old_one(app, client, auth, agent, province, db):
    auth.login_as(agent)
    register(client, province("errachidia").id)
    first = claim_code(db)
    user = db.session.scalar(sa.select(User).where(User.phone == PHONE))
    assert client.post(f"/agent/people/{user.id}/resend-code").status_code == 302
    second = claim_code(db)
    data = {"identifier": PHONE, "password": "Ma-cle-2026!", "password_confirm": "Ma-cle-2026!"}
    if first != second:
        assert app.test_client().post("/account/claim", data={**data, "code": first}).status_code == 422
    assert app.test_client().post("/account/claim", data={**data, "code": second}).status_code == 302


def test_an_agent_moved_to_other_provinces_no_longer_acts_for_the_people_she_left(client, auth, agent, province,
                                                                                   db, programme):
    from jisr.programmes import consent

    auth.login_as(agent)
    register(client, province("midelt").id)
    user = db.session.scalar(sa.select(User).where(User.phone == PHONE))
    application = db.session.scalar(sa.select(Application).where(Application.applicant_id == user.id))
    application.status, application.reference = Status.SUBMITTED, "JISR-2026-000077"
    db.session.commit()
    consent.publish(programme, "نص جديد", "Nouveau texte", agent, utcnow().date())
    db.session.commit()
    assert client.get(f"/agent/people/{user.id}/consent").status_code == 200
    assert client.post(f"/agent/people/{user.id}/resend-code").status_code == 302

    agent.provinces = [province("errachidia")]  # an admin moved her: Midelt is no longer hers
    db.session.commit()
    assert client.get(f"/applications/{application.id}").status_code == 404
    assert client.get(f"/agent/people/{user.id}/consent").status_code == 404
    response = client.post(f"/agent/people/{user.id}/consent", data={"method": "read_aloud", "confirm": "y"})
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Consent.id)).where(Consent.user_id == user.id)) == 0
    assert client.post(f"/agent/people/{user.id}/resend-code").status_code == 404
    assert "Itto Ait Ali" in client.get("/agent/?lang=fr").data.decode()  # her list still shows where it stands


def test_agents_list_only_the_people_they_registered_page_by_page(client, auth, agent, make_user, province, db,
                                                                   programme):
    other_agent = make_user(role="agent", provinces=[province("errachidia")])
    for n in range(30):
        person = make_user(registered_by_id=agent.id, full_name=f"Personne {n:02d}")
        db.session.add(Application(programme_id=programme.id, applicant_id=person.id, created_by_id=agent.id,
                                   province_id=province("errachidia").id, status=Status.DRAFT))
    make_user(registered_by_id=other_agent.id, full_name="Quelqu'un d'autre")
    db.session.commit()
    auth.login_as(agent)
    first = client.get("/agent/?lang=fr").data.decode()
    second = client.get("/agent/?page=2&lang=fr").data.decode()
    assert first.count("<tr>") - 1 == 25 and second.count("<tr>") - 1 == 5
    assert "Personne 29" in first and "Personne 00" in second
    assert "autre" not in first + second


def test_the_agent_list_is_one_query_whatever_its_length(client, auth, agent, make_user, province, db,
                                                         programme):
    for _ in range(10):
        person = make_user(registered_by_id=agent.id)
        db.session.add(Application(programme_id=programme.id, applicant_id=person.id, created_by_id=agent.id,
                                   province_id=province("errachidia").id, status=Status.ELIGIBLE))
    db.session.commit()
    auth.login_as(agent)
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    client.get("/agent/")
    sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 6, statements


def test_other_roles_cannot_use_the_agent_pages(client, auth, make_user):
    auth.login_as(make_user())
    assert client.get("/agent/").status_code == 403
    assert client.get("/agent/new").status_code == 403


@pytest.mark.parametrize("path", ["/agent/new", "identity"])
def test_switching_language_keeps_what_was_typed_and_saves_nothing(client, auth, agent, province, db, path):
    auth.login_as(agent)
    if path == "identity":
        register(client, province("errachidia").id)
        application = db.session.scalar(sa.select(Application).where(Application.created_by_id == agent.id))
        path = f"/applications/{application.id}/identity?lang=ar"
        data = {"first_name_latin": "Itto", "commune": "Goulmima", "switch_lang": "fr"}
    else:
        data = {"full_name": "Touda Ouhmad", "phone": "0677", "switch_lang": "fr"}
    response = client.post(path, data=data)
    assert response.status_code == 200
    page = response.data.decode()
    assert '<html lang="fr" dir="ltr">' in page
    for key, value in data.items():
        if key != "switch_lang":
            assert f'value="{value}"' in page
    assert 'id="error-summary"' not in page
    assert 'form="main-form" name="switch_lang" value="ar"' in page
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.full_name == "Touda Ouhmad")) == 0
    profile_names = db.session.scalars(sa.select(ApplicantProfile.first_name_latin)).all()
    assert "Itto" not in profile_names
