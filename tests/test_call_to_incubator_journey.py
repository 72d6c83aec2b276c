"""The whole chain through the HTTP client, in each language: an admin opens a call; a representative answers
it; a reviewer scores it; the admin selects it once closed; the incubator is born, the waiting file of its
province reaches it at once, the directory lists it, and its manager invites a mentor whose code works once."""

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from journey import png_bytes

from jisr.applications.models import Application, Status
from jisr.auth.models import Role, User
from jisr.calls.models import AssociationApplication, AssociationReview, Call
from jisr.incubators.models import Incubator
from jisr.outbox.models import OutboxMessage
from jisr.routing import services as routing
from jisr.routing.models import RoutingDecision, Trigger
from jisr.timeutil import utcnow

PASSWORD = "Oasis-Errachidia-2026"


def last_message(db, recipient) -> OutboxMessage:
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == recipient)
                              .order_by(OutboxMessage.id.desc())).first()


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_from_a_call_to_an_incubator_with_its_mentor(app, db, make_user, programme, province, journey_ids,
                                                    make_file, lang):
    _, sector_id = journey_ids
    waiting = make_file(province_code="errachidia")
    routing.route(waiting)
    db.session.commit()
    assert waiting.status == Status.WAITLISTED

    admin_browser, rep_browser, reviewer_browser, anonymous = (app.test_client() for _ in range(4))
    admin, reviewer = make_user(role="admin"), make_user(role="coordinator", provinces=[province("errachidia")])
    for client, user in ((admin_browser, admin), (reviewer_browser, reviewer)):
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = str(user.id), True

    # 1. The admin opens a call.
    today = utcnow().date()
    response = admin_browser.post("/calls/admin/new", data={
        "programme_id": programme.id, "title_ar": "طلب إبداء الاهتمام", "title_fr": "Appel aux associations",
        "description_ar": "وصف", "description_fr": "Description", "provinces": [province("errachidia").id],
        "opens_on": (today - timedelta(days=1)).isoformat(), "closes_on": (today + timedelta(days=10)).isoformat(),
        "closes_time": "17:00", "criteria-0-label_ar": "الخبرة", "criteria-0-label_fr": "Expérience",
        "criteria-0-weight": "2", "criteria-1-label_ar": "الولوجيات", "criteria-1-label_fr": "Accessibilité",
        "criteria-1-weight": "1"})
    assert response.status_code == 303
    call = db.session.scalar(sa.select(Call))
    assert "Appel aux associations" in anonymous.get(f"/calls/{call.id}?lang=fr").text

    # 2. A representative answers it, in her language.
    rep_browser.get(f"/calls/{call.id}?lang={lang}")
    assert rep_browser.post(f"/calls/{call.id}/register", data={
        "full_name": "Khadija Benali", "email": "khadija@nour.example.org", "password": PASSWORD,
        "password_confirm": PASSWORD}).status_code == 302
    association = db.session.scalar(sa.select(AssociationApplication))
    base = f"/calls/applications/{association.id}"
    for step, data in (
            ("organisation", {"legal_name_ar": "جمعية النور", "legal_name_fr": "Association Nour",
                              "registration_number": "RC-55", "address": "3 rue Zerktouni",
                              "province_id": province("errachidia").id, "phone": "0535571234"}),
            ("coverage", {"provinces": [province("errachidia").id], "sectors": [sector_id], "capacity": "12",
                          "sign_language": "y"}),
            ("team", {"team-0-full_name": "Zineb Alaoui", "experience": "Coopératives de femmes depuis 2012."})):
        assert rep_browser.post(f"{base}/{step}", data=data).status_code == 302, step
    for kind in ("statutes", "legal_receipt", "activity_report"):
        assert rep_browser.post(f"{base}/documents", data={"kind": kind, "file": (io.BytesIO(png_bytes()), "d.png")},
                                content_type="multipart/form-data").status_code == 303
    assert rep_browser.post(f"{base}/review", data={"confirm": "y"}).status_code == 303

    # 3. The admin gives it to a reviewer, who scores it: 8 and 5, weighted 2 and 1.
    assert admin_browser.post(f"/selection/calls/{call.id}/reviewers", data={"reviewer": reviewer.id}).status_code \
        == 303
    review = db.session.scalar(sa.select(AssociationReview))
    scores = {"no_conflict": "y"}
    for criterion, value in zip(call.criteria, (8, 5), strict=True):
        scores |= {f"score_{criterion.id}": str(value), f"comment_{criterion.id}": "Solide"}
    assert reviewer_browser.post(f"/selection/reviews/{review.id}/scores", data=scores).status_code == 303

    # 4. Once closed, the admin selects it: the incubator exists, its representative runs it, the waiting
    #    file of the province reaches it without anyone touching it, and she is told in her language.
    call.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert admin_browser.post(f"/selection/associations/{association.id}/select",
                              data={"select-reason": "ranked_high"}).status_code == 303
    db.session.expire_all()
    incubator = db.session.scalar(sa.select(Incubator))
    representative = db.session.scalar(sa.select(User).where(User.email == "khadija@nour.example.org"))
    assert representative.role == Role.INCUBATOR_MANAGER and representative.incubator_id == incubator.id
    assert incubator.sign_language and incubator.capacity == 12
    waiting = db.session.get(Application, waiting.id)
    assert waiting.status == Status.ASSIGNED and waiting.incubator_id == incubator.id
    assert db.session.scalars(sa.select(RoutingDecision.trigger).where(
        RoutingDecision.application_id == waiting.id).order_by(RoutingDecision.id.desc())).first() \
        == Trigger.NEW_INCUBATOR
    told = last_message(db, "khadija@nour.example.org")
    assert told.language == lang and (association.legal_name_ar if lang == "ar" else "Association Nour") in told.body
    # Her role changed, so her session ended (jisr/auth/signin.py): she signs in again, as the manager.
    assert rep_browser.get(f"/calls/applications/{association.id}?lang={lang}").status_code == 302
    assert rep_browser.post("/account/login", data={"identifier": "khadija@nour.example.org",
                                                    "password": PASSWORD}).status_code == 302
    page = rep_browser.get(f"/calls/applications/{association.id}?lang={lang}")
    assert page.status_code == 200 and "/incubators/mine" in page.text

    # 5. The public directory lists it, in both languages.
    assert "Association Nour" in anonymous.get("/incubators/?lang=fr").text
    assert "جمعية النور" in anonymous.get("/incubators/?lang=ar").text

    # 6. The manager invites a mentor; the code opens her account once, scoped to the incubator.
    assert rep_browser.post("/incubators/mine/invitations", data={
        "invite-full_name": "Samira Tahiri", "invite-phone": "0661112233", "invite-language": lang}).status_code \
        in (302, 303)
    sms = last_message(db, "+212661112233")
    assert sms.language == lang
    code = re.search(r"(?<!\d)(\d{6})(?!\d)", sms.body).group(1)
    mentor_browser = app.test_client()
    accept = {"identifier": "0661112233", "code": code, "password": PASSWORD, "password_confirm": PASSWORD}
    assert mentor_browser.post("/account/invitation/", data=accept).status_code in (302, 303)
    mentor = db.session.scalar(sa.select(User).where(User.phone == "+212661112233"))
    assert mentor.role == Role.MENTOR and mentor.incubator_id == incubator.id and mentor.locale == lang
    again = app.test_client().post("/account/invitation/", data=accept)
    assert again.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.phone == "+212661112233")) == 1
