"""Routing in the database: an eligible file reaches an incubator (or the waitlist, with its reason) in the
transaction that makes it eligible; the waitlist is routed again when room appears; the applicant is told."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from journey import fill_all_steps

from jisr.applications.models import Application, Status
from jisr.outbox.models import OutboxMessage
from jisr.routing import services as routing
from jisr.routing.models import RoutingDecision, Trigger
from jisr.timeutil import utcnow


def decisions_of(db, application):
    return list(db.session.scalars(sa.select(RoutingDecision).where(RoutingDecision.application_id == application.id)
                                   .order_by(RoutingDecision.id)))


def messages_to(db, recipient):
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == recipient)
                                   .order_by(OutboxMessage.id)))


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_file_made_eligible_is_routed_in_the_same_request_and_she_is_told(client, draft, journey_ids, db,
                                                                            make_incubator, lang):
    incubator = make_incubator(provinces=["errachidia"], capacity=5, address="12 rue Moulay Ali Cherif")
    user, application = draft()
    user.locale = lang
    db.session.commit()
    fill_all_steps(client, application.id, *journey_ids, lang=lang)
    response = client.post(f"/applications/{application.id}/review?lang={lang}", data={"consent": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.status == Status.ASSIGNED and application.incubator_id == incubator.id
    assert [c.to_status for c in application.history] == ["draft", "submitted", "eligible", "assigned"]
    [decision] = decisions_of(db, application)
    assert decision.trigger == Trigger.ELIGIBLE and decision.by_id is None
    assert decision.explanation["considered"][0]["incubator_id"] == incubator.id
    routed = [m for m in messages_to(db, user.phone) if incubator.name_ar in m.body or incubator.name_fr in m.body]
    assert len(routed) == 1 and routed[0].language == lang
    assert (incubator.name_ar if lang == "ar" else incubator.name_fr) in routed[0].body

    page = client.get(f"/applications/{application.id}?lang={lang}").data.decode()
    assert f'<html lang="{lang}"' in page
    assert (incubator.name_ar if lang == "ar" else incubator.name_fr) in page
    assert "12 rue Moulay Ali Cherif" in page and incubator.phone in page


def test_an_ineligible_file_is_not_routed(client, draft, journey_ids, db, make_incubator):
    make_incubator(provinces=["errachidia"])
    _user, application = draft()
    fill_all_steps(client, application.id, *journey_ids, identity={"birth_date": "1950-01-01"})
    client.post(f"/applications/{application.id}/review", data={"consent": "y"})
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == Status.INELIGIBLE
    assert decisions_of(db, application) == []


def test_the_least_loaded_incubator_relative_to_capacity_is_chosen(db, make_incubator, make_file):
    big = make_incubator(capacity=10)
    small = make_incubator(capacity=2)
    for _ in range(4):  # big: 4/10 after these; small stays empty until it is the least loaded
        routing.route(make_file())
    db.session.commit()
    assert routing.loads([big.id, small.id]) == {big.id: 3, small.id: 1}


@pytest.mark.parametrize(("incubators", "reason"), [
    ([], "no_incubator_in_province"),
    ([dict(provinces=["midelt"])], "no_incubator_in_province"),
    ([dict(sectors=["agriculture"])], "no_incubator_for_sector"),
    ([dict(capacity=0)], "all_full"),
])
def test_a_file_no_incubator_can_take_waits_with_its_reason(client, auth, db, make_incubator, make_file, incubators,
                                                            reason, make_user):
    for spec in incubators:
        make_incubator(**spec)
    application = make_file(locale="fr")
    routing.route(application)
    db.session.commit()
    assert application.status == Status.WAITLISTED and application.incubator_id is None
    assert decisions_of(db, application)[-1].reason == reason
    assert application.history[-1].reasons == [{"code": reason, "params": {}}]
    [message] = [m for m in messages_to(db, application.applicant.phone)]
    assert message.language == "fr" and application.reference in message.body
    auth.login_as(application.applicant)
    page = client.get(f"/applications/{application.id}?lang=fr").data.decode()
    assert "waiting" in page.lower() or "attente" in page.lower()


def test_her_accessibility_needs_come_before_the_load(db, make_incubator, make_file):
    make_incubator(capacity=10)
    signing = make_incubator(capacity=10, sign_language=True)
    for _ in range(3):
        routing.route(make_file(needs=("sign_language",)))
    application = make_file(needs=("sign_language",))
    routing.route(application)
    assert application.incubator_id == signing.id


def test_a_freed_place_goes_to_the_oldest_waiting_file(client, auth, db, make_incubator, make_file):
    incubator = make_incubator(capacity=1)
    first = make_file()
    routing.route(first)
    older = make_file(submitted_at=utcnow() - timedelta(days=3))
    newer = make_file(submitted_at=utcnow() - timedelta(days=1))
    routing.route(newer)
    routing.route(older)
    db.session.commit()
    assert (older.status, newer.status) == (Status.WAITLISTED, Status.WAITLISTED)

    auth.login_as(first.applicant)
    response = client.post(f"/applications/{first.id}/withdraw", data={"confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, older.id).incubator_id == incubator.id
    assert db.session.get(Application, older.id).status == Status.ASSIGNED
    assert db.session.get(Application, newer.id).status == Status.WAITLISTED
    assert decisions_of(db, older)[-1].trigger == Trigger.PLACE_FREED
    assert any(incubator.name_ar in m.body for m in messages_to(db, older.applicant.phone))


def test_growing_capacity_or_a_new_incubator_routes_the_waitlist(db, make_incubator, make_file):
    full = make_incubator(capacity=0)
    waiting = [make_file() for _ in range(3)]
    for application in waiting:
        routing.route(application)
    full.capacity = 1
    assert routing.incubator_changed(full, Trigger.CAPACITY) == 1
    newcomer = make_incubator(capacity=5)
    assert routing.incubator_changed(newcomer, Trigger.NEW_INCUBATOR) == 2
    db.session.commit()
    assert [a.incubator_id for a in waiting] == [full.id, newcomer.id, newcomer.id]


def test_a_waiting_file_gets_a_new_decision_only_when_its_reason_changes(db, make_incubator, make_file, province):
    application = make_file()
    routing.route(application)  # nobody covers the province
    incubator = make_incubator(provinces=["midelt"], capacity=0)
    routing.incubator_changed(incubator)  # not her province: nothing changes for her
    assert len(decisions_of(db, application)) == 1
    incubator.provinces.append(province("errachidia"))
    routing.incubator_changed(incubator)  # now it covers her, but it is full: a new reason
    routing.incubator_changed(incubator)  # nothing new
    assert [d.reason for d in decisions_of(db, application)] == ["no_incubator_in_province", "all_full"]


def test_routing_an_area_is_a_fixed_number_of_queries_whatever_the_waitlist(db, make_incubator, make_file, app):
    incubator = make_incubator(capacity=0)
    for _ in range(30):
        routing.route(make_file())
    db.session.commit()
    incubator.capacity = 1
    db.session.commit()
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        routing.route_waitlist({incubator.province_id}, Trigger.CAPACITY)
        db.session.flush()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) < 40, statements
