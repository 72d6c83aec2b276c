"""Staff accounts as admins manage them, through the HTTP client: only admins reach the pages; roles change with
the scope each needs; an invitation opens an account with its role and provinces; a deactivated account is
signed out at once and cannot sign in; the platform always keeps an active admin; every change is audited."""

from __future__ import annotations

import html as html_module
import re

import pytest
import sqlalchemy as sa
from journey import count_queries

from jisr.audit.models import AuditEntry
from jisr.auth.models import Invitation, User
from jisr.outbox.models import OutboxMessage

PASSWORD = "Un jardin sous la pluie 2026"


@pytest.fixture
def admin(make_user):
    return make_user(role="admin", full_name="Nadia Admin")


def text(response) -> str:
    return html_module.unescape(response.get_data(as_text=True))


def audit(db, action) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


def fresh(db, user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


# -- who reaches the pages -----------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["applicant", "agent", "coordinator", "incubator_manager", "mentor",
                                  "representative"])
def test_only_admins_reach_the_accounts(client, auth, db, make_user, make_incubator, province, admin, role):
    scope = {"incubator_id": make_incubator().id} if role in ("incubator_manager", "mentor") else {}
    if role in ("agent", "coordinator"):
        scope = {"provinces": [province("errachidia")]}
    user = make_user(role=role, **scope)
    auth.login_as(user)
    for path in ("/admin/users/", f"/admin/users/{admin.id}", "/admin/users/invite"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/admin/users/{admin.id}", data={"role": "agent"}).status_code == 403
    assert client.post(f"/admin/users/{admin.id}/deactivate").status_code == 403
    assert fresh(db, admin).role == "admin"


def test_signed_out_visitors_are_sent_to_sign_in(client, admin):
    response = client.get("/admin/users/")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


# -- the list --------------------------------------------------------------------------------------------

def test_the_list_filters_by_role_and_finds_by_name_phone_or_email(client, auth, admin, make_user, province):
    agent = make_user(role="agent", full_name="Itto Ait Ali", provinces=[province("errachidia")],
                      phone="+212661234567")
    coordinator = make_user(role="coordinator", full_name="Samira Tahiri", email="samira@example.org",
                            provinces=[province("midelt")])
    auth.login_as(admin)
    page = text(client.get("/admin/users/?lang=fr&role=agent"))
    assert "Itto Ait Ali" in page and "Samira Tahiri" not in page and "Errachidia" in page
    assert "Samira Tahiri" in text(client.get("/admin/users/?q=samira@exa"))
    assert "Itto Ait Ali" in text(client.get("/admin/users/?q=0661234567"))
    page = text(client.get("/admin/users/?q=tahiri&role=coordinator&active=1"))
    assert "Samira Tahiri" in page and "Itto Ait Ali" not in page
    assert agent.id != coordinator.id


def test_the_list_costs_the_same_queries_for_many_accounts(client, auth, db, admin, make_user, province):
    def count() -> int:
        queries, response = count_queries(db, client, "/admin/users/")
        assert response.status_code == 200
        return queries

    auth.login_as(admin)
    make_user(role="agent", provinces=[province("errachidia")])
    few = count()
    for n in range(12):
        make_user(role="agent" if n % 2 else "coordinator", provinces=[province("errachidia"), province("midelt")])
    assert count() == few


# -- roles and scopes -----------------------------------------------------------------------------------------

def test_a_coordinator_becomes_an_agent_of_other_provinces_and_it_is_audited(client, auth, db, admin, make_user,
                                                                           province):
    person = make_user(role="coordinator", provinces=[province("errachidia")])
    auth.login_as(admin)
    zagora, midelt = province("zagora"), province("midelt")
    response = client.post(f"/admin/users/{person.id}", data={"role": "agent", "provinces": [zagora.id, midelt.id]})
    assert response.status_code == 303
    person = fresh(db, person)
    assert person.role == "agent" and {p.code for p in person.provinces} == {"zagora", "midelt"}
    [entry] = audit(db, "admin.user_changed")
    assert entry.actor_id == admin.id and entry.object_id == person.id
    assert entry.details["before"]["role"] == "coordinator" and entry.details["after"]["role"] == "agent"


def test_a_role_needs_its_scope(client, auth, db, admin, make_user, make_incubator, province):
    person = make_user(role="agent", provinces=[province("errachidia")])
    auth.login_as(admin)
    response = client.post(f"/admin/users/{person.id}?lang=fr", data={"role": "mentor"})
    assert response.status_code == 422
    assert 'id="incubator-error"' in text(response) and "Choisissez" in text(response)
    response = client.post(f"/admin/users/{person.id}", data={"role": "coordinator", "provinces": []})
    assert response.status_code == 422 and 'id="provinces-error"' in text(response)
    response = client.post(f"/admin/users/{person.id}", data={"role": "coordinator", "provinces": ["999999"]})
    assert response.status_code == 422
    assert fresh(db, person).role == "agent" and not audit(db, "admin.user_changed")
    incubator = make_incubator()
    response = client.post(f"/admin/users/{person.id}", data={"role": "mentor", "incubator": incubator.id,
                                                             "provinces": [province("zagora").id]})
    assert response.status_code == 303
    person = fresh(db, person)
    assert (person.role, person.incubator_id, person.provinces) == ("mentor", incubator.id, [])


def test_applicants_keep_their_own_role(client, auth, db, admin, make_user):
    applicant = make_user()
    auth.login_as(admin)
    assert 'id="role-form"' not in text(client.get(f"/admin/users/{applicant.id}"))
    response = client.post(f"/admin/users/{applicant.id}", data={"role": "admin"})
    assert response.status_code == 422 and fresh(db, applicant).role == "applicant"


def test_the_last_admin_can_be_neither_demoted_nor_deactivated(client, auth, db, admin, make_user, province):
    auth.login_as(admin)
    response = client.post(f"/admin/users/{admin.id}?lang=fr", data={"role": "coordinator",
                                                                   "provinces": [province("errachidia").id]})
    assert response.status_code == 422 and "dernier" in text(response).lower()
    assert fresh(db, admin).role == "admin"
    assert client.post(f"/admin/users/{admin.id}/deactivate").status_code == 409  # herself, anyway

    second = make_user(role="admin", full_name="Karima Admin")
    assert client.post(f"/admin/users/{second.id}/deactivate").status_code == 303
    assert not fresh(db, second).active
    # An inactive admin does not count: the last active one still cannot step down.
    response = client.post(f"/admin/users/{admin.id}", data={"role": "coordinator",
                                                            "provinces": [province("errachidia").id]})
    assert response.status_code == 422
    assert client.post(f"/admin/users/{second.id}/activate").status_code == 303
    response = client.post(f"/admin/users/{admin.id}", data={"role": "coordinator",
                                                            "provinces": [province("errachidia").id]})
    assert response.status_code == 303 and fresh(db, admin).role == "coordinator"


def test_a_deactivated_account_is_signed_out_and_cannot_sign_in(client, auth, db, admin, make_user, province):
    agent = make_user(role="agent", provinces=[province("errachidia")], phone="+212661112233", password=PASSWORD)
    auth.login_as(admin)
    assert client.post(f"/admin/users/{agent.id}/deactivate").status_code == 303
    assert [e.object_id for e in audit(db, "admin.user_deactivated")] == [agent.id]
    auth.login_as(agent)  # a session opened before: the next request finds her signed out
    response = client.get("/agent/")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    auth.logout()
    response = auth.login("0661112233", PASSWORD)
    assert response.status_code == 422 or "/account/login" in response.headers.get("Location", "/account/login")
    auth.login_as(admin)
    assert client.post(f"/admin/users/{agent.id}/activate").status_code == 303
    auth.logout()
    assert auth.login("0661112233", PASSWORD).status_code in (302, 303)


# -- invitations ----------------------------------------------------------------------------------------------

def test_an_invited_agent_opens_her_account_with_her_provinces(client, auth, db, admin, province):
    auth.login_as(admin)
    errachidia, midelt = province("errachidia"), province("midelt")
    response = client.post("/admin/users/invite", data={
        "full_name": "Fatima Ouali", "phone": "06 61 44 55 66", "email": "", "language": "fr", "role": "agent",
        "provinces": [errachidia.id, midelt.id]})
    assert response.status_code == 303, text(response)[:3000]
    invitation = db.session.scalar(sa.select(Invitation))
    assert invitation.role == "agent" and {p.code for p in invitation.provinces} == {"errachidia", "midelt"}
    assert "Fatima Ouali" in text(client.get("/admin/users/"))
    [sms] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == "+212661445566"))
    assert sms.language == "fr" and "agent" in sms.body.lower()
    code = re.search(r"(?<!\d)(\d{6})(?!\d)", sms.body).group(1)
    auth.logout()
    response = client.post("/account/invitation/", data={"identifier": "0661445566", "code": code,
                                                        "password": PASSWORD, "password_confirm": PASSWORD})
    assert response.status_code in (302, 303), text(response)[:2000]
    user = db.session.scalar(sa.select(User).where(User.phone == "+212661445566"))
    assert user.role == "agent" and {p.code for p in user.provinces} == {"errachidia", "midelt"}
    assert [e.details["role"] for e in audit(db, "auth.invitation_sent")] == ["agent"]


def test_an_invitation_needs_its_scope_and_a_free_contact(client, auth, db, admin, make_user, make_incubator):
    make_user(role="mentor", incubator_id=make_incubator().id, email="taken@example.org")
    auth.login_as(admin)
    base = {"full_name": "Salma Idrissi", "phone": "", "language": "ar"}
    response = client.post("/admin/users/invite", data={**base, "email": "salma@example.org",
                                                         "role": "incubator_manager"})
    assert response.status_code == 422 and 'id="incubator-error"' in text(response)
    response = client.post("/admin/users/invite", data={**base, "email": "taken@example.org", "role": "admin"})
    assert response.status_code == 422 and 'id="email-error"' in text(response)
    response = client.post("/admin/users/invite", data={**base, "email": "salma@example.org", "role": "applicant"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_an_admin_revokes_a_waiting_invitation(client, auth, db, admin):
    auth.login_as(admin)
    client.post("/admin/users/invite", data={"full_name": "Hajar Alami", "phone": "", "email": "hajar@example.org",
                                             "language": "ar", "role": "admin"})
    invitation = db.session.scalar(sa.select(Invitation))
    assert client.post(f"/admin/invitations/{invitation.id}/revoke").status_code == 303
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).revoked_at is not None
    assert "Hajar Alami" not in text(client.get("/admin/users/")).split("invitations-title")[1]
    assert client.post("/admin/invitations/999999/revoke").status_code == 404


def test_two_admins_demoting_each_other_at_once_leave_one(postgresql_only, make_app, db, make_user, province):
    """Each in her own transaction, both at the same moment: the lock on the admins makes the second wait, then
    see she is the last one. Proven on PostgreSQL (SQLite has a single writer)."""
    import threading
    import time

    from jisr.admin import services

    first, second = make_user(role="admin"), make_user(role="admin")
    where = province("errachidia").id
    app = make_app()
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def demote(by_id: int, target_id: int) -> None:
        with app.app_context():
            try:
                by, target = db.session.get(User, by_id), db.session.get(User, target_id)
                barrier.wait(timeout=10)
                services.change_role(target, by, "coordinator", None, [where])
                time.sleep(0.3)  # without the lock, the other would count two admins meanwhile
                db.session.commit()
                outcomes[target_id] = "demoted"
            except services.AdminError:
                db.session.rollback()
                outcomes[target_id] = "refused"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=demote, args=(first.id, second.id)),
               threading.Thread(target=demote, args=(second.id, first.id))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["demoted", "refused"]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == "admin", User.active)) == 1
