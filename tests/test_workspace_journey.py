"""The whole accompaniment through the web, in each language, as the people involved live it: a file routed to
an incubator is reviewed, information is asked for and given, the file is scored and accepted, a mentor is
assigned and convenes her, she checks in with the code of her convocation, moves through the stages up to the
financing commission and launches her project. At each step her own page says where she stands, in her
language, and every message she was sent is in her language and tied to her file. A second journey ends in a
rejection whose reason she reads in her language."""

from __future__ import annotations

import html as html_module
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from jisr.applications.models import Application, Status
from jisr.labels import label
from jisr.outbox.models import OutboxMessage
from jisr.timeutil import utcnow
from jisr.workspace import grids
from jisr.workspace.models import Convocation, MentoringSession, ReasonKind

ZONE = ZoneInfo("Africa/Casablanca")


class Journey:
    """One file, its staff and its applicant, driven through the HTTP client."""

    def __init__(self, client, auth, db, ws, lang: str):
        self.client, self.auth, self.db, self.ws, self.lang = client, auth, db, ws, lang
        self.application = ws.files[0]
        self.applicant = self.application.applicant
        self.path = f"/workspace/files/{self.application.id}"

    def version(self) -> str:
        self.db.session.expire_all()
        return str(self.db.session.get(Application, self.application.id).version)

    def status(self) -> str:
        self.db.session.expire_all()
        return self.db.session.get(Application, self.application.id).status

    def as_staff(self, user, action: str, data: dict | None = None, prefix: str | None = None, status: int = 303):
        self.auth.login_as(user)
        prefix = prefix or action.replace("-", "_")
        response = self.client.post(f"{self.path}/{action}?lang={self.lang}",
                                    data={f"{prefix}-version": self.version(), **(data or {})})
        assert response.status_code == status, response.get_data(as_text=True)[:3000]
        return response

    def her_page(self, path: str = "") -> str:
        """Her status page (or one below it), read as she reads it."""
        self.auth.login_as(self.applicant)
        response = self.client.get(f"/applications/{self.application.id}{path}?lang={self.lang}")
        assert response.status_code == 200, response.get_data(as_text=True)[:3000]
        return html_module.unescape(response.get_data(as_text=True))

    def she_sees(self, status: str, *texts: str) -> str:
        html = self.her_page()
        with force_locale(self.lang):
            expected = label("status", status)
        shown = re.search(r'class="status-tag">([^<]*)<', html).group(1)
        assert shown == expected, (status, shown)
        for text in texts:
            assert text in html, text
        return html

    def messages(self) -> list[OutboxMessage]:
        self.db.session.expire_all()
        return list(self.db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.application_id == self.application.id).order_by(OutboxMessage.id)))


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_file_from_routing_to_a_launched_project(client, auth, db, make_workspace, lang):
    ws = make_workspace(files=1, capacity=1, locale=lang, email=f"journey-{lang}@example.org")
    journey = Journey(client, auth, db, ws, lang)
    application = journey.application
    incubator_name = ws.incubator.name_ar if lang == "ar" else ws.incubator.name_fr
    journey.she_sees(Status.ASSIGNED, incubator_name)

    # Review and a question to her: she reads it on her page, answers, the file comes back to review.
    journey.as_staff(ws.manager, "start-review")
    journey.she_sees(Status.UNDER_REVIEW)
    journey.as_staff(ws.manager, "request-info", {"info-message": "Merci d'ajouter le devis du four."},
                     prefix="info")
    journey.she_sees(Status.INFO_REQUESTED, "Merci d'ajouter le devis du four.")
    response = client.post(f"/applications/{application.id}/information?lang={lang}",
                           data={"answer-answer": "Le devis est en route, je l'apporte lundi."})
    assert response.status_code == 303
    journey.she_sees(Status.UNDER_REVIEW)
    auth.login_as(ws.manager)
    assert "Le devis est en route" in html_module.unescape(client.get(journey.path).get_data(as_text=True))

    # The assessment sheet, then the decision.
    criteria = grids.criteria(application.programme)
    db.session.commit()
    journey.as_staff(ws.manager, "assessment", {f"assessment-c{c.id}": str(c.max_score) for c in criteria})
    journey.as_staff(ws.manager, "accept")
    journey.she_sees(Status.ACCEPTED)

    # A mentor for her, who convenes her to a session.
    journey.as_staff(ws.manager, "mentor", {"mentor-mentor": str(ws.mentor.id)})
    journey.she_sees(Status.ACCEPTED, ws.mentor.full_name)
    journey.as_staff(ws.mentor, "start-mentoring")
    stages = grids.stages(application.programme)
    first_stage = stages[0].name_ar if lang == "ar" else stages[0].name_fr
    journey.she_sees(Status.IN_MENTORING, first_stage)
    day = (datetime.now(ZONE) + timedelta(days=2)).date()
    auth.login_as(ws.mentor)
    response = client.post("/workspace/sessions/new", data={
        "files": [str(application.id)], "day": day.isoformat(), "start": "10:00", "duration": "90",
        "mode": "in_person", "place": "12 rue Zerktouni, Errachidia", "topic": "Étude de marché",
        "bring": "Carte nationale"})
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    convocation = db.session.scalar(sa.select(Convocation).where(Convocation.application_id == application.id))
    html = journey.she_sees(Status.IN_MENTORING, "Étude de marché")
    assert f"/convocations/{convocation.id}" in html
    page = journey.her_page(f"/convocations/{convocation.id}")
    assert "12 rue Zerktouni" in page and convocation.check_in_code in page.replace("-", "").replace(" ", "")

    # The session takes place: she gives the code printed on her convocation.
    db.session.execute(sa.update(MentoringSession).where(MentoringSession.id == convocation.session_id)
                       .values(starts_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    auth.login_as(ws.mentor)
    response = client.post(f"/workspace/sessions/{convocation.session_id}/check-in",
                           data={"checkin-code": convocation.check_in_code})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Convocation, convocation.id).attendance == "present"

    # Through the stages to the business plan, a commission's decision, then the launch.
    codes = [s.code for s in stages]
    for _ in range(codes.index("business_plan")):
        journey.as_staff(ws.mentor, "stage", {"stage-direction": "forward", "stage-note": "Étape validée"})
    business_plan = stages[codes.index("business_plan")]
    journey.she_sees(Status.IN_MENTORING, business_plan.name_ar if lang == "ar" else business_plan.name_fr)
    auth.login_as(ws.mentor)
    response = client.post(f"{journey.path}/financing", data={
        "commission_on": (utcnow().date() - timedelta(days=1)).isoformat(), "decision": "approved",
        "amount": "50000", "source": "honour_loan", "note": "Dossier solide"})
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    with force_locale(lang):
        approved = label("financing_decision", "approved")
    journey.she_sees(Status.IN_MENTORING, approved)
    journey.as_staff(ws.mentor, "complete")
    assert journey.status() == Status.COMPLETED
    journey.she_sees(Status.COMPLETED)

    # Every message she was sent is in her language and tied to her file; staff see each and its delivery.
    messages = journey.messages()
    assert len(messages) >= 8, [m.subject for m in messages]
    assert {m.language for m in messages} == {lang}
    auth.login_as(ws.manager)
    staff_view = html_module.unescape(client.get(f"{journey.path}?lang={lang}").get_data(as_text=True))
    for message in messages:
        assert (message.subject or message.body[:40]) in staff_view, message.subject


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_rejected_file_tells_her_why_in_her_language(client, auth, db, make_workspace, lang):
    ws = make_workspace(files=1, locale=lang, email=f"refused-{lang}@example.org")
    journey = Journey(client, auth, db, ws, lang)
    application = journey.application
    reason = grids.reasons(application.programme, ReasonKind.REJECTION)[0]
    db.session.commit()
    journey.as_staff(ws.manager, "start-review")
    journey.as_staff(ws.manager, "reject", {"reject-reason": str(reason.id), "reject-note": "Hors secteurs"})
    assert journey.status() == Status.REJECTED
    journey.she_sees(Status.REJECTED, reason.name_ar if lang == "ar" else reason.name_fr, "Hors secteurs")
    notice = journey.messages()[-1]
    assert notice.language == lang
    assert (reason.name_ar if lang == "ar" else reason.name_fr) in notice.body
