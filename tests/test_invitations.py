"""Inviting mentors, through the HTTP client: the manager invites by phone or e-mail, the code goes out in the
invitee's language, she opens her account with it and is scoped to the incubator. A code works once; wrong
codes count; revoked and expired codes never work; contacts with an account or a waiting invitation are
refused."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from jisr.audit.models import AuditEntry
from jisr.auth.models import Invitation, User
from jisr.auth.services import MAX_CODE_ATTEMPTS
from jisr.authz import incubator_scope
from jisr.incubators.models import Incubator
from jisr.outbox.models import Channel, OutboxMessage
from jisr.timeutil import utcnow

NEW_PASSWORD = "Un jardin sous la pluie 2026"
ACCEPT = "/account/invitation/"


@pytest.fixture
def manager(make_user, make_incubator):
    incubator = make_incubator(name_ar="جمعية الواحة", name_fr="Association Oasis")
    return make_user(role="incubator_manager", incubator_id=incubator.id, full_name="Zineb Alaoui"), incubator


def invite(client, full_name="Khadija Bennani", phone="", email="", language="ar"):
    return client.post("/incubators/mine/invitations", data={
        "invite-full_name": full_name, "invite-phone": phone, "invite-email": email, "invite-language": language})


def accept(client, identifier, code, password=NEW_PASSWORD, lang=None):
    path = f"{ACCEPT}?lang={lang}" if lang else ACCEPT
    return client.post(path, data={"identifier": identifier, "code": code, "password": password,
                                   "password_confirm": password})


def messages(db, recipient):
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == recipient)
                                   .order_by(OutboxMessage.id)))


def code_in(message) -> str:
    return re.search(r"(?<!\d)(\d{6})(?!\d)", message.body).group(1)


def users_with(db, **contact):
    column, value = next(iter(contact.items()))
    return list(db.session.scalars(sa.select(User).where(getattr(User, column) == value)))


def signed_in_as(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


def audit(db, action):
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def invited(db, manager_user, auth, client, **kwargs):
    """Invite as the manager, then leave the device to the invitee (signed out): the code sent."""
    auth.login_as(manager_user)
    assert invite(client, **kwargs).status_code == 303
    recipient = "+212" + kwargs["phone"].replace(" ", "")[1:] if kwargs.get("phone") else kwargs["email"].lower()
    [message] = messages(db, recipient)
    auth.logout()
    return message, code_in(message)


# -- the journey, in each language ------------------------------------------------------------------------

def test_a_mentor_invited_by_phone_opens_her_account_in_arabic(client, auth, db, manager):
    user, incubator = manager
    auth.login_as(user)
    response = invite(client, phone="06 11 22 33 44", language="ar")
    assert response.status_code == 303
    invitation = db.session.scalar(sa.select(Invitation))
    assert (invitation.role, invitation.incubator_id, invitation.phone, invitation.locale) == (
        "mentor", incubator.id, "+212611223344", "ar")
    assert aware_days(invitation) == 7
    [sms] = messages(db, "+212611223344")
    code = code_in(sms)
    assert sms.channel == Channel.SMS and sms.language == "ar"
    assert "جمعية الواحة" in sms.body and "http://localhost/account/invitation/?lang=ar" in sms.body
    assert code not in invitation.code_hash  # stored hashed
    assert [e.object_id for e in audit(db, "auth.invitation_sent")] == [invitation.id]
    page = client.get("/incubators/mine").data.decode()
    assert "Khadija Bennani" in page  # among the invitations waiting

    auth.logout()
    form = client.get(f"{ACCEPT}?lang=ar")
    assert form.status_code == 200 and '<html lang="ar"' in form.data.decode()
    response = accept(client, "0611223344", code)
    assert response.status_code == 303
    [mentor] = users_with(db, phone="+212611223344")
    assert (mentor.role, mentor.incubator_id, mentor.locale, mentor.full_name) == (
        "mentor", incubator.id, "ar", "Khadija Bennani")
    assert mentor.check_password(NEW_PASSWORD)
    assert signed_in_as(client) == str(mentor.id)
    db.session.expire_all()
    invitation = db.session.get(Invitation, invitation.id)
    assert invitation.used_at is not None and invitation.user_id == mentor.id
    assert [e.actor_id for e in audit(db, "auth.invitation_accepted")] == [mentor.id]
    # Her scope is the incubator that invited her, and she does not manage it.
    assert list(db.session.scalars(sa.select(Incubator.id).where(incubator_scope(mentor)))) == [incubator.id]
    assert client.get("/incubators/mine").status_code == 403
    # The manager now sees her among the mentors, and no invitation waiting.
    auth.login_as(user)
    page = client.get("/incubators/mine").data.decode()
    assert "Khadija Bennani" in page and "/revoke" not in page


def aware_days(invitation) -> int:
    from jisr.timeutil import aware

    return round((aware(invitation.expires_at) - aware(invitation.created_at)) / timedelta(days=1))


def test_a_mentor_invited_by_email_opens_her_account_in_french(client, auth, db, manager):
    user, incubator = manager
    auth.login_as(user)
    assert invite(client, email="Khadija.Bennani@Example.org", language="fr").status_code == 303
    [mail] = messages(db, "khadija.bennani@example.org")
    assert mail.channel == Channel.EMAIL and mail.language == "fr"
    assert "Association Oasis" in mail.subject and "Association Oasis" in mail.body and "جمعية" not in mail.body
    assert "Zineb Alaoui" in mail.body and "http://localhost/account/invitation/?lang=fr" in mail.body
    assert messages(db, "+212611223344") == []  # no phone given, no SMS
    auth.logout()
    response = accept(client, "KHADIJA.bennani@example.org", code_in(mail), lang="fr")
    assert response.status_code == 303
    [mentor] = users_with(db, email="khadija.bennani@example.org")
    assert (mentor.role, mentor.incubator_id, mentor.locale, mentor.phone) == ("mentor", incubator.id, "fr", None)
    assert signed_in_as(client) == str(mentor.id)


# -- a code works once, for the right person, in time -----------------------------------------------------

def test_a_code_cannot_be_used_twice(client, auth, db, manager):
    message, code = invited(db, manager[0], auth, client, phone="0611223344")
    assert accept(client, "0611223344", code).status_code == 303
    auth.logout()
    again = accept(client, "0611223344", code, password="Une autre phrase secrète 99")
    assert again.status_code == 422
    assert len(users_with(db, phone="+212611223344")) == 1
    assert users_with(db, phone="+212611223344")[0].check_password(NEW_PASSWORD)
    assert signed_in_as(client) is None


def test_a_wrong_code_counts_an_attempt_and_gives_one_generic_error(client, auth, db, manager):
    message, code = invited(db, manager[0], auth, client, phone="0611223344")
    wrong = "000000" if code != "000000" else "111111"
    response = accept(client, "0611223344", wrong, lang="fr")
    assert response.status_code == 422 and 'href="#code"' in response.data.decode()
    assert db.session.scalar(sa.select(Invitation.attempts)) == 1
    for _ in range(MAX_CODE_ATTEMPTS - 1):
        assert accept(client, "0611223344", wrong).status_code == 422
    db.session.expire_all()
    assert db.session.scalar(sa.select(Invitation.attempts)) == MAX_CODE_ATTEMPTS
    # Out of attempts: even the right code no longer works.
    assert accept(client, "0611223344", code).status_code == 422
    assert users_with(db, phone="+212611223344") == []


def test_the_same_error_for_a_wrong_contact_as_for_a_wrong_code(client, auth, db, manager):
    message, code = invited(db, manager[0], auth, client, phone="0611223344")
    wrong_contact = accept(client, "0622334455", code).data.decode()
    wrong_code = accept(client, "0611223344", "000000" if code != "000000" else "111111").data.decode()

    def error(text):
        return re.search(r'<p class="field-error" id="code-error">(.*?)</p>', text, re.S).group(1)

    assert error(wrong_contact) == error(wrong_code)


def test_a_revoked_invitation_is_refused(client, auth, db, manager):
    user, _ = manager
    message, code = invited(db, user, auth, client, phone="0611223344")
    invitation = db.session.scalar(sa.select(Invitation))
    auth.login_as(user)
    response = client.post(f"/incubators/mine/invitations/{invitation.id}/revoke")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).revoked_at is not None
    assert [e.object_id for e in audit(db, "auth.invitation_revoked")] == [invitation.id]
    auth.logout()
    assert accept(client, "0611223344", code).status_code == 422
    assert users_with(db, phone="+212611223344") == []
    # Revoked, she can be invited again, with a new code that works.
    auth.login_as(user)
    assert invite(client, phone="0611223344").status_code == 303
    auth.logout()
    new_code = code_in(messages(db, "+212611223344")[-1])
    assert accept(client, "0611223344", new_code).status_code == 303
    assert len(users_with(db, phone="+212611223344")) == 1


def test_an_expired_invitation_is_refused(client, auth, db, manager):
    message, code = invited(db, manager[0], auth, client, phone="0611223344")
    invitation = db.session.scalar(sa.select(Invitation))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert accept(client, "0611223344", code).status_code == 422
    assert users_with(db, phone="+212611223344") == []
    auth.login_as(manager[0])
    assert "/revoke" not in client.get("/incubators/mine").data.decode()  # shown as expired, nothing to revoke


def test_a_weak_password_is_refused_and_the_code_stays_usable(client, auth, db, manager):
    message, code = invited(db, manager[0], auth, client, phone="0611223344")
    for weak in ("short", "0611223344abc"):  # too short; her own phone number
        assert accept(client, "0611223344", code, password=weak).status_code == 422
    assert users_with(db, phone="+212611223344") == []
    assert db.session.scalar(sa.select(Invitation.used_at)) is None
    assert accept(client, "0611223344", code).status_code == 303


def test_switching_language_on_the_acceptance_form_checks_and_counts_nothing(client, auth, db, manager):
    message, code = invited(db, manager[0], auth, client, phone="0611223344")
    response = client.post(ACCEPT, data={"identifier": "0611223344", "code": "999999", "switch_lang": "fr"})
    assert response.status_code == 200 and '<html lang="fr"' in response.data.decode()
    assert 'value="0611223344"' in response.data.decode()
    assert db.session.scalar(sa.select(Invitation.attempts)) == 0


def test_the_acceptance_form_needs_every_field(client):
    assert client.get(ACCEPT).status_code == 200
    assert client.post(ACCEPT, data={}).status_code == 422


# -- what the manager may invite ---------------------------------------------------------------------------

def test_a_contact_that_already_has_an_account_is_not_invited(client, auth, db, manager, make_user):
    make_user(phone="+212611223344")
    make_user(email="fatima@example.org")
    auth.login_as(manager[0])
    for contact in ({"phone": "06 11 22 33 44"}, {"email": "Fatima@example.org"}):
        response = invite(client, **contact)
        assert response.status_code == 422 and 'aria-invalid="true"' in response.data.decode()
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_a_contact_with_an_invitation_waiting_is_not_invited_again(client, auth, db, manager, make_user,
                                                                   make_incubator):
    auth.login_as(manager[0])
    assert invite(client, phone="0611223344").status_code == 303
    assert invite(client, full_name="Khadija B.", phone="0611223344").status_code == 422
    # Not by another incubator either.
    other = make_incubator()
    auth.login_as(make_user(role="incubator_manager", incubator_id=other.id))
    assert invite(client, phone="0611223344", email="k@example.org").status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 1
    assert len(messages(db, "+212611223344")) == 1


def test_the_invitation_form_needs_a_name_and_a_contact(client, auth, db, manager):
    auth.login_as(manager[0])
    for data in ({"full_name": ""}, {"phone": "", "email": ""}, {"phone": "0535123456"}, {"email": "x@"},
                 {"phone": "0611223344", "language": "en"}):
        values = {"full_name": "Khadija Bennani", "phone": "", "email": "", "language": "ar", **data}
        assert invite(client, **values).status_code == 422, data
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


def test_a_manager_cannot_revoke_another_incubators_invitation(client, auth, db, manager, make_user,
                                                               make_incubator):
    auth.login_as(manager[0])
    assert invite(client, phone="0611223344").status_code == 303
    invitation = db.session.scalar(sa.select(Invitation))
    auth.login_as(make_user(role="incubator_manager", incubator_id=make_incubator().id))
    assert client.post(f"/incubators/mine/invitations/{invitation.id}/revoke").status_code == 404
    auth.login_as(make_user(role="mentor", incubator_id=manager[1].id))
    assert client.post(f"/incubators/mine/invitations/{invitation.id}/revoke").status_code == 403
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).revoked_at is None


def test_revoking_twice_says_so_and_changes_nothing(client, auth, db, manager):
    auth.login_as(manager[0])
    assert invite(client, phone="0611223344").status_code == 303
    invitation = db.session.scalar(sa.select(Invitation))
    assert client.post(f"/incubators/mine/invitations/{invitation.id}/revoke").status_code == 303
    assert client.post(f"/incubators/mine/invitations/{invitation.id}/revoke").status_code == 303
    assert len(audit(db, "auth.invitation_revoked")) == 1


def test_once_she_has_her_account_no_other_invitation_to_her_stays_waiting(app, client, db, manager, make_user,
                                                                         make_incubator):
    """Two incubators invited her at the same moment (the check passed for both): the code she uses opens her
    account, and the other invitation stops waiting."""
    from jisr.auth import invitations

    other = make_incubator()
    other_manager = make_user(role="incubator_manager", incubator_id=other.id)
    with app.test_request_context():
        first = invitations.invite_mentor(manager[1], manager[0], "Khadija Bennani", "+212611223344", None, "ar")
    db.session.commit()
    code = code_in(messages(db, "+212611223344")[0])
    db.session.add(Invitation(role="mentor", incubator_id=other.id, full_name="Khadija Bennani",
                              phone="+212611223344", code_hash="x", invited_by_id=other_manager.id,
                              expires_at=utcnow() + timedelta(days=7)))
    db.session.commit()
    assert accept(client, "0611223344", code).status_code == 303
    db.session.expire_all()
    stale = db.session.scalar(sa.select(Invitation).where(Invitation.incubator_id == other.id))
    assert stale.revoked_at is not None and db.session.get(Invitation, first.id).user_id is not None
