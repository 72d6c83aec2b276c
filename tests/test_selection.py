"""Selecting associations, the whole journey through the HTTP client: an admin gives applications to reviewers;
one declares a conflict of interest and is left out; the other sees nobody's scores before sending hers; the
ranking shows weighted averages and spreads; the admin selects one association (its incubator is created and
its representative runs it) and declines another, each told in its own language. Helpers for the other
test_selection_* modules live here too."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from babel.numbers import format_decimal

from jisr.audit.models import AuditEntry
from jisr.auth.models import Role, User
from jisr.authz import get_association_or_404
from jisr.calls.models import AssociationApplication, AssociationReview, AssociationStatus, ReviewScore
from jisr.incubators.models import Incubator
from jisr.outbox.models import OutboxMessage
from jisr.timeutil import utcnow

# The translations of the labels the messages carry (the catalogues already hold them).
RANKED_HIGH = {"ar": "من بين الجمعيات الأفضل ترتيبا في هذا الطلب",
               "fr": "Parmi les associations les mieux classées de l'appel"}
OTHER_REASON = {"ar": "سبب آخر", "fr": "Une autre raison"}


def scores(call, values, comment="Avis"):
    """The scoring form filled with `values` (one per criterion, in order); a None value is left out."""
    data = {"no_conflict": "y"}
    for criterion, value in zip(call.criteria, values, strict=True):
        if value is not None:
            data[f"score_{criterion.id}"] = str(value)
        data[f"comment_{criterion.id}"] = f"{comment} {criterion.position + 1}"
    return data


def close(db, call):
    """The call's deadline has passed."""
    call.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()


def review_of(db, association, reviewer) -> AssociationReview:
    return db.session.scalar(sa.select(AssociationReview).where(
        AssociationReview.association_application_id == association.id, AssociationReview.reviewer_id == reviewer.id))


def messages_to(db, address):
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == address)
                                   .order_by(OutboxMessage.id)))


def actions(db) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def staff(make_user, province):
    return dict(admin=make_user(role="admin", full_name="Amina Admin"),
                first=make_user(role="coordinator", full_name="Karim Premier", provinces=[province("errachidia")]),
                second=make_user(role="coordinator", full_name="Salma Seconde", provinces=[province("midelt")]),
                third=make_user(role="coordinator", full_name="Hassan Troisième"))


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_selection_journey(client, auth, db, staff, make_call, make_association, make_user, lang):
    other = "fr" if lang == "ar" else "ar"
    call = make_call()  # open for ten more days; criteria weighted 3, 2, 1
    espoir = make_association(call, status="submitted", provinces=("errachidia", "midelt"),
                              representative=make_user(role="representative", email="espoir@example.org",
                                                       locale=lang), capacity=25, sign_language=True)
    nour = make_association(call, status="submitted", representative=make_user(
        role="representative", email="nour@example.org", locale=other))
    make_association(call)  # a draft: counted, not ranked
    admin, first, second, third = staff["admin"], staff["first"], staff["second"], staff["third"]

    # The admin gives every application to the first reviewer and to the third, then Espoir's to the second.
    auth.login_as(admin)
    page = client.get(f"/selection/calls/{call.id}?lang={lang}")
    assert page.status_code == 200 and f'<html lang="{lang}"' in page.text
    assert espoir.registration_number not in page.text  # the ranking lists, the application page details
    for reviewer in (first, third):
        assert client.post(f"/selection/calls/{call.id}/reviewers", data={"reviewer": reviewer.id}).status_code == 303
    assert client.post(f"/selection/associations/{espoir.id}/reviewers",
                       data={"reviewer": second.id}).status_code == 303
    assert client.post(f"/selection/associations/{espoir.id}/reviewers",
                       data={"reviewer": second.id}).status_code == 422  # not twice
    assert db.session.scalar(sa.select(sa.func.count(AssociationReview.id))) == 5

    # The first reviewer declares a conflict of interest on Espoir: she is left out of it.
    auth.login_as(first)
    mine = client.get(f"/selection/reviews/?lang={lang}")
    name = "legal_name_ar" if lang == "ar" else "legal_name_fr"  # in the reader's language
    assert mine.status_code == 200 and getattr(espoir, name) in mine.text and getattr(nour, name) in mine.text
    conflicted = review_of(db, espoir, first)
    page = client.get(f"/selection/reviews/{conflicted.id}")
    assert page.status_code == 200 and espoir.registration_number in page.text  # she reads it first
    assert client.post(f"/selection/reviews/{conflicted.id}/conflict",
                       data={"note": "Ma sœur préside cette association."}).status_code == 303
    page = client.get(f"/selection/reviews/{conflicted.id}")
    assert page.status_code == 200 and espoir.registration_number not in page.text
    assert espoir.experience not in page.text
    assert client.post(f"/selection/reviews/{conflicted.id}/scores",
                       data=scores(call, [9, 9, 9])).status_code == 422
    db.session.expire_all()
    assert review_of(db, espoir, first).state == "conflict"
    assert db.session.scalar(sa.select(sa.func.count(ReviewScore.id))) == 0
    with pytest.raises(Exception) as refused:
        get_association_or_404(espoir.id, first)
    assert getattr(refused.value, "code", None) == 404  # nor its application, nor its documents
    assert client.get(f"/selection/associations/{espoir.id}").status_code == 403

    # The third reviewer scores Espoir first: 8, 5, 2 -> (3×8 + 2×5 + 1×2) / 6 = 6.
    auth.login_as(third)
    assert client.post(f"/selection/reviews/{review_of(db, espoir, third).id}/scores",
                       data=scores(call, [8, 5, 2], "Avis-de-Hassan")).status_code == 303

    # The second reviewer sees nobody's scores before sending hers, then sees them.
    auth.login_as(second)
    review_id = review_of(db, espoir, second).id
    page = client.get(f"/selection/reviews/{review_id}?lang={lang}")
    assert page.status_code == 200 and "Avis-de-Hassan" not in page.text and "Hassan Troisième" not in page.text
    assert client.get(f"/selection/calls/{call.id}").status_code == 403
    assert client.get(f"/selection/associations/{espoir.id}").status_code == 403
    # 10, 4, 7 -> (30 + 8 + 7) / 6 = 7.5
    assert client.post(f"/selection/reviews/{review_id}/scores", data=scores(call, [10, 4, 7])).status_code == 303
    page = client.get(f"/selection/reviews/{review_id}?lang={lang}")
    assert "Avis-de-Hassan" in page.text and format_decimal(6, locale=f"{lang}_MA") in page.text
    assert client.post(f"/selection/reviews/{review_id}/scores", data=scores(call, [0, 0, 0])).status_code == 422

    # The ranking: Espoir's weighted average is (6 + 7.5) / 2 = 6.75 and its spread 1.5; Nour has no score.
    auth.login_as(admin)
    page = client.get(f"/selection/calls/{call.id}?lang={lang}").text
    assert format_decimal(6.75, locale=f"{lang}_MA") in page and format_decimal(1.5, locale=f"{lang}_MA") in page
    assert page.index(espoir.legal_name_fr if lang == "fr" else espoir.legal_name_ar) < page.index(
        nour.legal_name_fr if lang == "fr" else nour.legal_name_ar)

    # No decision before the call closes.
    response = client.post(f"/selection/associations/{espoir.id}/select", data={"select-reason": "ranked_high"})
    assert response.status_code == 422
    db.session.expire_all()
    assert espoir.status == AssociationStatus.SUBMITTED and db.session.scalar(sa.select(Incubator)) is None

    # Once closed, the admin selects Espoir: its incubator is created and its representative runs it.
    close(db, call)
    response = client.post(f"/selection/associations/{espoir.id}/select",
                           data={"select-reason": "ranked_high", "select-note": "Bravo"})
    assert response.status_code == 303
    db.session.expire_all()
    incubator = db.session.scalar(sa.select(Incubator))
    assert incubator.code == "association-espoir-1" and incubator.active
    assert (incubator.name_ar, incubator.name_fr) == (espoir.legal_name_ar, espoir.legal_name_fr)
    assert (incubator.address, incubator.phone, incubator.email) == (espoir.address, espoir.phone, espoir.email)
    assert incubator.province_id == espoir.province_id and incubator.capacity == 25
    assert sorted(p.code for p in incubator.provinces) == ["errachidia", "midelt"]
    assert [s.code for s in incubator.sectors] == ["handicrafts"] and not incubator.generalist
    assert (incubator.step_free_access, incubator.accessible_toilets, incubator.sign_language) == (True, False, True)
    espoir = db.session.get(AssociationApplication, espoir.id)
    assert espoir.status == AssociationStatus.SELECTED and espoir.incubator_id == incubator.id
    assert espoir.decided_by_id == admin.id and espoir.decided_at is not None
    assert (espoir.decision_reason, espoir.decision_note) == ("ranked_high", "Bravo")
    representative = db.session.get(User, espoir.representative_id)
    assert representative.role == Role.INCUBATOR_MANAGER and representative.incubator_id == incubator.id
    [told] = messages_to(db, "espoir@example.org")
    assert told.language == lang and RANKED_HIGH[lang] in told.body and "Bravo" in told.body
    assert (espoir.legal_name_ar if lang == "ar" else espoir.legal_name_fr) in told.body
    assert client.post(f"/selection/associations/{espoir.id}/decline",
                       data={"decline-reason": "places_filled"}).status_code == 422  # once only

    # Nour is declined; "another reason" needs a note, which it reads in its own language with the reason.
    assert client.post(f"/selection/associations/{nour.id}/decline",
                       data={"decline-reason": "other"}).status_code == 422
    assert client.post(f"/selection/associations/{nour.id}/decline",
                       data={"decline-reason": "other", "decline-note": "Dossier arrivé incomplet"}).status_code == 303
    db.session.expire_all()
    nour = db.session.get(AssociationApplication, nour.id)
    assert nour.status == AssociationStatus.DECLINED and nour.decision_reason == "other" and nour.incubator_id is None
    assert db.session.get(User, nour.representative_id).role == Role.REPRESENTATIVE
    [told] = messages_to(db, "nour@example.org")
    assert told.language == other and OTHER_REASON[other] in told.body and "Dossier arrivé incomplet" in told.body
    assert (nour.legal_name_ar if other == "ar" else nour.legal_name_fr) in told.body
    page = client.get(f"/selection/associations/{nour.id}?lang={lang}")
    assert page.status_code == 200 and "Dossier arrivé incomplet" in page.text

    logged = actions(db)
    assert logged.count("association.reviewer_assigned") == 5
    assert logged.count("association.conflict_declared") == 1 and logged.count("association.scores_submitted") == 2
    assert "association.selected" in logged and "association.declined" in logged and "incubator.created" in logged


def test_the_messages_differ_with_the_representatives_language(client, auth, db, staff, make_call, make_association,
                                                                 make_user):
    call = make_call(closes_at=utcnow() - timedelta(days=1))
    bodies = {}
    for lang in ("ar", "fr"):
        association = make_association(call, status="submitted", representative=make_user(
            role="representative", email=f"{lang}@example.org", locale=lang))
        auth.login_as(staff["admin"])
        assert client.post(f"/selection/associations/{association.id}/decline",
                           data={"decline-reason": "other", "decline-note": "Note"}).status_code == 303
        [message] = messages_to(db, f"{lang}@example.org")
        bodies[lang] = (message.subject, message.body)
    assert bodies["ar"] != bodies["fr"]
    assert OTHER_REASON["ar"] in bodies["ar"][1] and OTHER_REASON["fr"] in bodies["fr"][1]
    assert OTHER_REASON["fr"] not in bodies["ar"][1]
