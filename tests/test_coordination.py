"""Coordinators and admins: the files of their scope, each file's routing explanation, re-routing by hand,
the waitlist per province and overriding an eligibility decision, each act audited, nothing outside scope."""

import pytest
import sqlalchemy as sa

from jisr.applications.models import Application, Status
from jisr.audit.models import AuditEntry
from jisr.outbox.models import OutboxMessage
from jisr.routing import services as routing
from jisr.routing.models import RoutingDecision, Trigger

NOTE = "Elle a déménagé près de l'autre association"


@pytest.fixture
def coordinator(make_user, province):
    return make_user(role="coordinator", provinces=[province("errachidia")])


@pytest.fixture
def scene(db, make_incubator, make_file):
    """Errachidia: incubator A (one place) holds `routed`; B has room but works in agriculture only, so
    `waiting` (handicrafts) waits. Zagora: `far` waits, nobody covers it."""
    a = make_incubator(provinces=["errachidia"], capacity=1, name_fr="Association Ziz")
    b = make_incubator(provinces=["errachidia"], capacity=5, sectors=["agriculture"], name_fr="Association Oasis")
    routed, waiting, far = make_file(), make_file(), make_file(province_code="zagora")
    for application in (routed, waiting, far):
        routing.route(application)
    db.session.commit()
    assert (routed.incubator_id, waiting.status, far.status) == (a.id, Status.WAITLISTED, Status.WAITLISTED)
    return dict(a=a, b=b, routed=routed, waiting=waiting, far=far)


def audit(db, action):
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def fresh(db, application):
    db.session.expire_all()
    return db.session.get(Application, application.id)


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_coordinator_lists_only_the_files_of_her_provinces(client, auth, coordinator, scene, lang):
    auth.login_as(coordinator)
    page = client.get(f"/coordination/files/?lang={lang}")
    text = page.data.decode()
    assert page.status_code == 200 and f'<html lang="{lang}"' in text
    assert scene["routed"].reference in text and scene["waiting"].reference in text
    assert scene["far"].reference not in text


def test_an_admin_lists_every_file_and_filters_them(client, auth, make_user, scene):
    auth.login_as(make_user(role="admin"))
    text = client.get("/coordination/files/").data.decode()
    assert all(scene[k].reference in text for k in ("routed", "waiting", "far"))
    text = client.get("/coordination/files/?status=waitlisted").data.decode()
    assert scene["routed"].reference not in text and scene["far"].reference in text
    text = client.get(f"/coordination/files/?q={scene['far'].reference}").data.decode()
    assert scene["far"].reference in text and scene["routed"].reference not in text
    text = client.get(f"/coordination/files/?incubator={scene['a'].id}").data.decode()
    assert scene["routed"].reference in text and scene["waiting"].reference not in text
    assert client.get("/coordination/files/?province=abc&status=nonsense&page=-3").status_code == 200


def test_the_files_list_is_a_fixed_number_of_queries_whatever_its_length(client, auth, make_user, make_file, db):
    auth.login_as(make_user(role="admin"))

    def queries() -> int:
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/coordination/files/").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    make_file()
    few = queries()
    for _ in range(12):
        make_file()
    assert queries() == few


def test_the_file_page_explains_the_routing_and_its_view_is_audited(client, auth, coordinator, scene, db):
    auth.login_as(coordinator)
    page = client.get(f"/coordination/files/{scene['waiting'].id}?lang=fr")
    assert page.status_code == 200
    text = page.data.decode()
    assert "Association Ziz" in text and "Association Oasis" in text
    assert [e.object_id for e in audit(db, "application.viewed")] == [scene["waiting"].id]


@pytest.mark.parametrize("path", ["", "/reroute", "/eligibility"])
def test_a_coordinator_gets_nothing_of_a_file_outside_her_provinces(client, auth, coordinator, scene, path):
    auth.login_as(coordinator)
    method = client.post if path else client.get
    assert method(f"/coordination/files/{scene['far'].id}{path}", data={"note": "x"}).status_code == 404


@pytest.mark.parametrize("path", ["/coordination/files/", "/coordination/waitlist/"])
def test_applicants_and_other_roles_get_nothing_of_the_coordination_pages(client, auth, make_user, path, province):
    assert client.get(path).status_code == 302  # to the sign-in page
    for role in ("applicant", "agent", "representative", "incubator_manager", "mentor"):
        auth.login_as(make_user(role=role, provinces=[province("errachidia")]))
        assert client.get(path).status_code == 403


def test_rerouting_by_hand_moves_the_file_frees_its_place_and_is_audited(client, auth, coordinator, scene, db):
    auth.login_as(coordinator)
    response = client.post(f"/coordination/files/{scene['routed'].id}/reroute",
                           data={"incubator": str(scene["b"].id), "note": NOTE})
    assert response.status_code == 303
    routed, waiting = fresh(db, scene["routed"]), fresh(db, scene["waiting"])
    assert routed.incubator_id == scene["b"].id and routed.status == Status.ASSIGNED
    assert waiting.incubator_id == scene["a"].id  # the place it left went to the waiting file
    manual = db.session.scalar(sa.select(RoutingDecision).where(RoutingDecision.trigger == Trigger.MANUAL))
    assert manual.by_id == coordinator.id and manual.note == NOTE and manual.application_id == routed.id
    assert routed.history[-1].reason == NOTE and routed.history[-1].by_id == coordinator.id
    entry = [e for e in audit(db, "routing.assigned") if e.actor_id == coordinator.id]
    assert entry and entry[0].object_id == routed.id


@pytest.mark.parametrize("data", [{"incubator": "auto"}, {"note": NOTE}, {"incubator": "999999", "note": NOTE}])
def test_a_rerouting_without_reason_or_target_is_refused_and_changes_nothing(client, auth, coordinator, scene, db,
                                                                             data):
    auth.login_as(coordinator)
    response = client.post(f"/coordination/files/{scene['routed'].id}/reroute", data=data)
    assert response.status_code == 422 and b"error-summary" in response.data
    assert fresh(db, scene["routed"]).incubator_id == scene["a"].id
    assert db.session.scalar(sa.select(sa.func.count(RoutingDecision.id))
                             .where(RoutingDecision.trigger == Trigger.MANUAL)) == 0


def test_a_full_incubator_cannot_take_a_file_by_hand(client, auth, coordinator, scene, db):
    auth.login_as(coordinator)
    response = client.post(f"/coordination/files/{scene['waiting'].id}/reroute",
                           data={"incubator": str(scene["a"].id), "note": NOTE})
    assert response.status_code == 422
    assert fresh(db, scene["waiting"]).status == Status.WAITLISTED


def test_the_waitlist_shows_why_each_file_of_her_provinces_waits(client, auth, coordinator, scene, make_user):
    auth.login_as(coordinator)
    text = client.get("/coordination/waitlist/?lang=fr").data.decode()
    assert scene["waiting"].reference in text and scene["far"].reference not in text
    assert "all_full" not in text  # a label, not a code
    auth.login_as(make_user(role="admin"))
    text = client.get("/coordination/waitlist/").data.decode()
    assert scene["waiting"].reference in text and scene["far"].reference in text


def test_overriding_an_ineligible_decision_routes_the_file_and_is_audited(client, auth, coordinator, scene, db,
                                                                         make_file, make_incubator):
    make_incubator(provinces=["errachidia"], capacity=2, name_fr="Association Tafilalet")
    refused = make_file(status=Status.INELIGIBLE)
    auth.login_as(coordinator)
    response = client.post(f"/coordination/files/{refused.id}/eligibility",
                           data={"eligibility-decision": "eligible",
                                 "eligibility-note": "Carte de handicap vérifiée au centre"})
    assert response.status_code == 303
    refused = fresh(db, refused)
    assert refused.status == Status.ASSIGNED
    assert [c.to_status for c in refused.history][-2:] == ["eligible", "assigned"]
    assert refused.history[-2].reason == "Carte de handicap vérifiée au centre"
    [entry] = audit(db, "eligibility.overridden")
    assert entry.actor_id == coordinator.id and entry.details["note"] == "Carte de handicap vérifiée au centre"
    assert db.session.scalar(sa.select(RoutingDecision.trigger).where(RoutingDecision.application_id == refused.id)) \
        == Trigger.OVERRIDE


def test_finding_a_routed_file_ineligible_frees_its_place_and_tells_her(client, auth, coordinator, scene, db):
    auth.login_as(coordinator)
    response = client.post(f"/coordination/files/{scene['routed'].id}/eligibility",
                           data={"eligibility-decision": "ineligible",
                                 "eligibility-note": "Deux dossiers pour la même personne"})
    assert response.status_code == 303
    routed = fresh(db, scene["routed"])
    assert routed.status == Status.INELIGIBLE and routed.incubator_id is None
    assert fresh(db, scene["waiting"]).incubator_id == scene["a"].id
    told = list(db.session.scalars(sa.select(OutboxMessage.body)
                                   .where(OutboxMessage.recipient == routed.applicant.phone)))
    assert any(routed.reference in body for body in told)  # a short SMS points to her page
    auth.login_as(routed.applicant)
    assert "Deux dossiers pour la même personne" in client.get(f"/applications/{routed.id}").text


def test_an_override_needs_a_reason_and_a_sensible_decision(client, auth, coordinator, scene, db):
    auth.login_as(coordinator)
    path = f"/coordination/files/{scene['routed'].id}/eligibility"
    assert client.post(path, data={"eligibility-decision": "ineligible"}).status_code == 422
    already = {"eligibility-decision": "eligible", "eligibility-note": "déjà éligible"}
    assert client.post(path, data=already).status_code == 422
    assert fresh(db, scene["routed"]).status == Status.ASSIGNED
    assert audit(db, "eligibility.overridden") == []
