"""For every form of every role, a world in which posting it makes sense (tests/test_bad_input.py): a draft for
the applicant's steps, a file in review for the workspace's decisions, an open call for an association...

    FORMS[endpoint] = Case(role, setup)

`setup(world)` puts the data in place and returns a Target: who posts (None: signed out), where the form posts
(one path, or several for an endpoint with several rules or variants), the page that draws the form (the path
itself by default) and values the form accepts, laid over what the page fills in. A POST rule of the app missing
from FORMS fails the test: a new form cannot be forgotten."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, time, timedelta

import sqlalchemy as sa
from journey import IDENTITY, NEEDS, PROJECT, SITUATION, fill_all_steps, png_bytes
from werkzeug.datastructures import FileStorage

from jisr.extensions import db

PASSWORD = "Tafilalet-2026!"
NEW_PASSWORD = "Oasis-Palmeraie-77"


@dataclass
class Target:
    user: object | None
    paths: list[str]
    page: str | None = None
    valid: dict = field(default_factory=dict)
    like: dict = field(default_factory=dict)  # a path the page has no form for -> the path whose form to send


@dataclass(frozen=True)
class Case:
    role: str
    setup: Callable


class World:
    """The test's factories (tests/conftest.py) in one object, and a few shortcuts on top."""

    def __init__(self, app, client, programme, make_user, make_programme, make_file, make_workspace, make_call,
                 make_association, province, journey_ids) -> None:
        self.app, self.client, self.programme = app, client, programme
        self.make_user, self.make_programme, self.make_file = make_user, make_programme, make_file
        self.make_workspace, self.make_call, self.make_association = make_workspace, make_call, make_association
        self.province = province
        self.province_id, self.sector_id = journey_ids

    @contextmanager
    def request(self):
        """A request context for services that need one (url_for, the reader's language), signed out: the app
        context is shared with the test client's requests and may remember their user."""
        from flask import g

        with self.app.test_request_context():
            g.pop("_login_user", None)
            yield

    def sign_in(self, user) -> None:
        with self.client.session_transaction() as session:
            session.clear()
            if user is not None:
                session["_user_id"] = str(user.id)
                session["_fresh"] = True

    def post(self, path: str, data: dict, status=(302, 303), **kwargs):
        response = self.client.post(path, data=data, **kwargs)
        assert response.status_code in status, (path, response.status_code, response.get_data(as_text=True)[:3000])
        return response

    def draft(self, steps: bool = False):
        from jisr.applications.services import start_application

        user = self.make_user()
        application = start_application(user, self.programme)
        db.session.commit()
        if steps:
            self.sign_in(user)
            fill_all_steps(self.client, application.id, self.province_id, self.sector_id)
        return user, application

    def code_sent_to(self, recipient: str) -> str:
        from jisr.outbox.models import OutboxMessage

        body = db.session.scalar(sa.select(OutboxMessage.body).where(OutboxMessage.recipient == recipient)
                                 .order_by(OutboxMessage.id.desc()).limit(1))
        return re.search(r"(?<!\d)\d{6}(?!\d)", body).group(0)

    def in_state(self, state: str, files: int = 1, **file_args):
        """A workspace (ws.manager, ws.mentor) whose first file is in `state`."""
        from jisr.workspace import grids, services

        ws = self.make_workspace(files=files, **file_args)
        application, manager = ws.files[0], ws.manager
        if state == "under_review" or state in ("info_requested", "accepted", "in_mentoring", "waitlisted",
                                                "business_plan"):
            services.start_review(application, manager)
        if state == "info_requested":
            services.request_info(application, manager, "Merci d'ajouter une attestation récente.")
        if state == "waitlisted":
            services.waitlist(application, manager, None)
        if state in ("accepted", "in_mentoring", "business_plan"):
            services.accept(application, manager)
            services.assign_mentor(application, manager, ws.mentor.id)
        if state in ("in_mentoring", "business_plan"):
            services.start_mentoring(application, manager)
        if state == "business_plan":
            codes = [s.code for s in grids.stages(application.programme)]
            for _ in range(codes.index(grids.FINANCING_FROM)):
                services.move_stage(application, manager, "forward", None)
        db.session.commit()
        ws.file = application
        return ws

    def session(self, mentor: bool = False):
        """A session convened tomorrow by the manager, with one convocation."""
        from jisr.workspace import sessions

        ws = self.in_state("accepted")
        convened = sessions.convene(ws.manager, [ws.file.id], date.today() + timedelta(days=2), time(10, 0), 60,
                                    "in_person", "12 rue Zerktouni", "Atelier marketing")
        db.session.commit()
        ws.convened, ws.convocation = convened, convened.convocations[0]
        return ws


def _file(name: str = "cnie.png") -> FileStorage:
    return FileStorage(io.BytesIO(png_bytes()), filename=name, content_type="image/png")


REGISTER = {"full_name": "Fatima Zahra Amrani", "phone": "0612345678", "email": "", "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD}


# -- signed out ----------------------------------------------------------------------------------------------

def register(w):
    return Target(None, ["/account/register"], valid=REGISTER)


def login(w):
    user = w.make_user()
    return Target(None, ["/account/login"], valid={"identifier": user.phone, "password": PASSWORD})


def reset_request(w):
    user = w.make_user()
    return Target(None, ["/account/reset"], valid={"identifier": user.phone})


def reset_confirm(w):
    from jisr.auth import services

    user = w.make_user()
    with w.request():
        services.request_reset(user.phone)
    db.session.commit()
    return Target(None, ["/account/reset/confirm"], valid={
        "identifier": user.phone, "code": w.code_sent_to(user.phone), "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD})


def claim(w):
    from jisr.agents import services

    agent = w.make_user(role="agent", provinces=[w.province("errachidia")])
    with w.request():
        user, _application = services.register_applicant(agent, "Itto Ait Ali", "+212661234567", None,
                                                         w.province_id, "ar")
    db.session.commit()
    return Target(None, ["/account/claim"], valid={
        "identifier": "0661234567", "code": w.code_sent_to(user.phone), "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD})


def accept_invitation(w):
    from jisr.auth import invitations

    ws = w.make_workspace(files=0)
    with w.request():
        invitations.invite_mentor(ws.incubator, ws.manager, "Nadia Berrada", "+212662345678", None, "fr")
    db.session.commit()
    return Target(None, ["/account/invitation/"], valid={
        "identifier": "0662345678", "code": w.code_sent_to("+212662345678"), "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD})


def call_register(w):
    call = w.make_call()
    return Target(None, [f"/calls/{call.id}/register"], valid=REGISTER)


# -- the applicant -------------------------------------------------------------------------------------------

def logout(w):
    return Target(w.make_user(), ["/account/logout"], page="/")


def start(w):
    return Target(w.make_user(), ["/applications/start"], page="/applications/")


def step(name: str, valid: dict, filled: bool = False):
    def setup(w):
        user, application = w.draft(steps=filled)
        values = dict(valid)
        if name == "identity":
            values["province_id"] = str(w.province_id)
        if name == "project":
            values["sector_id"] = str(w.sector_id)
        return Target(user, [f"/applications/{application.id}/{name}"], valid=values)

    return setup


def document_delete(w):
    from jisr.documents import services

    user, application = w.draft()
    document = services.add_document(application, "id_card", _file(), user)
    db.session.commit()
    return Target(user, [f"/applications/{application.id}/documents/{document.id}/delete"],
                  page=f"/applications/{application.id}/documents")


def withdraw(w):
    application = w.make_file()
    return Target(application.applicant, [f"/applications/{application.id}/withdraw"],
                  valid={"confirm": "y", "reason": "Je déménage à Agadir"})


def information(w):
    ws = w.in_state("info_requested")
    return Target(ws.file.applicant, [f"/applications/{ws.file.id}/information"],
                  valid={"answer-answer": "Voici l'attestation demandée.", "upload-kind": "disability_card"})


def renew_consent(w):
    from jisr.programmes import consent

    application = w.make_file()
    consent.publish(application.programme, "نص جديد للموافقة", "Nouveau texte de consentement",
                    w.make_user(role="admin"), date.today())
    db.session.commit()
    return Target(application.applicant, ["/consent/"], valid={"agree": "y"})


def ask_erasure(w):
    application = w.make_file()
    return Target(application.applicant, ["/account/data/erasure"], page="/account/data/", valid={"confirm": "y"})


def token_create(w):
    return Target(w.make_user(role="coordinator"), ["/account/tokens/"], valid={"name": "Tableur de suivi"})


def token_revoke(w):
    from jisr.api import tokens

    user = w.make_user(role="coordinator")
    token, _secret = tokens.create(user, "Tableur")
    db.session.commit()
    return Target(user, [f"/account/tokens/{token.id}/revoke"], page="/account/tokens/")


# -- the field agent -----------------------------------------------------------------------------------------

def agent_new(w):
    agent = w.make_user(role="agent", provinces=[w.province("errachidia")])
    return Target(agent, ["/agent/new"], valid={"full_name": "Itto Ait Ali", "phone": "0661234567",
                                                "province_id": str(w.province_id), "language": "ar"})


def _registered(w):
    from jisr.agents import services

    agent = w.make_user(role="agent", provinces=[w.province("errachidia")])
    with w.request():
        user, application = services.register_applicant(agent, "Itto Ait Ali", "+212661234567", None,
                                                        w.province_id, "ar")
    db.session.commit()
    return agent, user, application


def resend_code(w):
    agent, user, _application = _registered(w)
    return Target(agent, [f"/agent/people/{user.id}/resend-code"], page="/agent/")


def consent_again(w):
    from jisr.applications.models import Status
    from jisr.programmes import consent
    from jisr.timeutil import utcnow

    agent, user, application = _registered(w)
    application.status, application.reference, application.submitted_at = Status.SUBMITTED, "JISR-2026-900001", \
        utcnow()
    consent.publish(application.programme, "نص جديد للموافقة", "Nouveau texte", w.make_user(role="admin"),
                    date.today())
    db.session.commit()
    return Target(agent, [f"/agent/people/{user.id}/consent"], valid={"method": "read_aloud", "confirm": "y"})


# -- the association's representative -----------------------------------------------------------------------

def call_answer(w):
    call = w.make_call()
    return Target(w.make_user(role="representative", email="rep@example.org"), [f"/calls/{call.id}/answer"],
                  page=f"/calls/{call.id}")


def association_step(name: str, valid: dict | None = None, documents: bool = False):
    def setup(w):
        from jisr.calls import services

        association = w.make_association(w.make_call())
        if documents:
            for kind in services.DOCUMENT_KINDS:
                services.add_document(association, kind, _file(f"{kind}.png"), association.representative)
            db.session.commit()
        return Target(association.representative, [f"/calls/applications/{association.id}/{name}"],
                      valid=valid or {})

    return setup


def association_document_delete(w):
    from jisr.calls import services

    association = w.make_association(w.make_call())
    document = services.add_document(association, "statutes", _file(), association.representative)
    db.session.commit()
    return Target(association.representative,
                  [f"/calls/applications/{association.id}/documents/{document.id}/delete"],
                  page=f"/calls/applications/{association.id}/documents")


# -- admins ----------------------------------------------------------------------------------------------------

def admin(w):
    return w.make_user(role="admin")


CALL = {"title_ar": "طلب إبداء الاهتمام", "title_fr": "Appel à manifestation", "description_ar": "وصف الطلب",
        "description_fr": "Description de l'appel", "opens_on": "2026-01-10", "closes_on": "2026-12-20",
        "closes_time": "17:00", "criteria-0-label_ar": "الخبرة", "criteria-0-label_fr": "Expérience",
        "criteria-0-weight": "3"}


def call_new(w):
    programme = w.programme
    return Target(admin(w), ["/calls/admin/new"], valid={**CALL, "programme_id": str(programme.id),
                                                         "provinces": [str(w.province_id)]})


def call_edit(w):
    call = w.make_call()
    return Target(admin(w), [f"/calls/admin/{call.id}/edit"])


def _submitted(w, closed: bool = False):
    from jisr.calls.models import AssociationStatus
    from jisr.timeutil import utcnow

    fields = {"closes_at": utcnow() - timedelta(hours=1)} if closed else {}
    call = w.make_call(**fields)
    return w.make_association(call, status=AssociationStatus.SUBMITTED)


def assign_all(w):
    association = _submitted(w)
    reviewer = w.make_user(role="coordinator", provinces=[w.province("errachidia")])
    return Target(admin(w), [f"/selection/calls/{association.call_id}/reviewers"],
                  page=f"/selection/calls/{association.call_id}", valid={"reviewer": str(reviewer.id)})


def assign(w):
    association = _submitted(w)
    reviewer = w.make_user(role="coordinator", provinces=[w.province("errachidia")])
    return Target(admin(w), [f"/selection/associations/{association.id}/reviewers"],
                  page=f"/selection/associations/{association.id}", valid={"reviewer": str(reviewer.id)})


def _reviewed(w, closed: bool = False):
    from jisr.calls import selection

    association = _submitted(w, closed)
    by = admin(w)
    reviewer = w.make_user(role="coordinator", provinces=[w.province("errachidia")])
    review = selection.assign(association, reviewer, by)
    db.session.commit()
    return association, by, reviewer, review


def unassign(w):
    association, by, _reviewer, review = _reviewed(w)
    return Target(by, [f"/selection/associations/{association.id}/reviewers/{review.id}/remove"],
                  page=f"/selection/associations/{association.id}")


def decide_association(kind: str):
    def setup(w):
        association = _submitted(w, closed=True)
        reason = "ranked_high" if kind == "select" else "capacity"
        return Target(admin(w), [f"/selection/associations/{association.id}/{kind}"],
                      page=f"/selection/associations/{association.id}",
                      valid={f"{kind}-reason": reason, f"{kind}-note": "Décision du comité"})

    return setup


def score(w):
    association, _by, reviewer, review = _reviewed(w)
    valid = {"no_conflict": "y"}
    for criterion in association.call.criteria:
        valid[f"score_{criterion.id}"] = "3"
        valid[f"comment_{criterion.id}"] = "Bonne expérience"
    return Target(reviewer, [f"/selection/reviews/{review.id}/scores"], page=f"/selection/reviews/{review.id}",
                  valid=valid)


def conflict(w):
    _association, _by, reviewer, review = _reviewed(w)
    return Target(reviewer, [f"/selection/reviews/{review.id}/conflict"], page=f"/selection/reviews/{review.id}",
                  valid={"note": "Ma cousine en est membre"})


def _staff_member(w):
    return w.make_user(role="coordinator", provinces=[w.province("errachidia")])


def user_change(w):
    member = _staff_member(w)
    return Target(admin(w), [f"/admin/users/{member.id}"], valid={"role": "agent"})


def user_activation(w):
    member = _staff_member(w)
    return Target(admin(w), [f"/admin/users/{member.id}/deactivate"], page=f"/admin/users/{member.id}")


def staff_invite(w):
    return Target(admin(w), ["/admin/users/invite"], valid={
        "full_name": "Karim Alami", "phone": "0663456789", "role": "coordinator",
        "provinces": [str(w.province_id)], "language": "fr"})


def staff_invitation_revoke(w):
    from jisr.auth import invitations
    from jisr.auth.models import Role

    by = admin(w)
    with w.request():
        invitation = invitations.invite(by, Role.COORDINATOR, "Karim Alami", "+212663456789", None, "fr",
                                        provinces=[w.province("errachidia")])
    db.session.commit()
    return Target(by, [f"/admin/invitations/{invitation.id}/revoke"], page="/admin/users/")


def job_act(w):
    """Without a queue (no JISR_REDIS_URL in the tests) the jobs page has no form and a failed job's actions
    answer 404 whatever is sent: they take only the CSRF field, so the revoke button's form stands in for them."""
    revoke = staff_invitation_revoke(w)
    paths = [f"/admin/jobs/{'0' * 32}/retry", f"/admin/jobs/{'0' * 32}/delete"]
    return Target(revoke.user, paths, page=revoke.page, like={path: revoke.paths[0] for path in paths})


def export_ask(w):
    """Without a queue (no JISR_REDIS_URL in the tests) a valid request leads to the streamed download."""
    return Target(w.make_user(role="coordinator", provinces=[w.province("errachidia")]), ["/statistics/exports/"],
                  valid={"format": "csv", "pseudonymised": "y"})


def erasure_decide(w):
    from jisr.rights import erasure

    application = w.make_file()
    found = erasure.request_erasure(application.applicant)
    db.session.commit()
    return Target(admin(w), [f"/admin/erasure/{found.id}/refuse", f"/admin/erasure/{found.id}/approve"],
                  page="/admin/erasure/", valid={"note": "Votre dossier est en cours d'accompagnement."})


PROGRAMME = {"code": "jisr-sud-2027", "name_ar": "جسر الجنوب", "name_fr": "Jisr Sud", "min_age": "18",
             "max_age": "60", "targets_women": "y", "timezone": "Africa/Casablanca"}


def programme_new(w):
    return Target(admin(w), ["/admin/programmes/new"], valid={**PROGRAMME, "provinces": [str(w.province_id)]})


def programme_page(suffix: str, valid: dict | None = None):
    def setup(w):
        return Target(admin(w), [f"/admin/programmes/{w.programme.id}/{suffix}"], valid=valid or {})

    return setup


def _grid_item(w, key: str = "rejection", index: int = 0):
    from jisr.programmes import admin as programmes

    programme = w.programme
    rows = programmes.GRIDS[key].rows(programme)
    db.session.commit()
    return programme, rows[index]


def programme_item(w):
    programme, item = _grid_item(w, "criteria")
    base = f"/admin/programmes/{programme.id}"
    return Target(admin(w), [f"{base}/criteria/new", f"{base}/criteria/{item.id}", f"{base}/rejection/new"],
                  valid={"code": "ecoute", "name_ar": "الإنصات", "name_fr": "Écoute", "weight": "2",
                         "max_score": "5"})


def programme_move(w):
    programme, item = _grid_item(w, index=1)
    move = f"/admin/programmes/{programme.id}/rejection/{item.id}/move"
    return Target(admin(w), [f"{move}/down", f"{move}/up", f"{move}/sideways"],
                  page=f"/admin/programmes/{programme.id}", like={f"{move}/sideways": f"{move}/down"})


def programme_remove(w):
    programme, item = _grid_item(w)
    base = f"/admin/programmes/{programme.id}"
    return Target(admin(w), [f"{base}/rejection/{item.id}/remove"], page=base)


def _spare_sector():
    from jisr.geo.models import Sector

    sector = Sector(code="bad-input-spare", name_ar="قطاع احتياطي", name_fr="Secteur de réserve")
    db.session.add(sector)
    db.session.commit()
    return sector


def sector_add(w):
    return Target(admin(w), ["/admin/reference/sectors/new"], page="/admin/reference/sectors/new",
                  valid={"code": "tourisme-rural", "name_ar": "السياحة القروية", "name_fr": "Tourisme rural"})


def sector_rename(w):
    sector = _spare_sector()
    return Target(admin(w), [f"/admin/reference/sectors/{sector.id}"], valid={"name_fr": "Réserve"})


def sector_delete(w):
    sector = _spare_sector()
    return Target(admin(w), [f"/admin/reference/sectors/{sector.id}/delete"],
                  page=f"/admin/reference/sectors/{sector.id}")


def place_rename(w):
    province = w.province("errachidia")
    return Target(admin(w), [f"/admin/reference/provinces/{province.id}",
                             f"/admin/reference/regions/{province.region_id}"], valid={"name_fr": "Errachidia"})


# -- coordinators ----------------------------------------------------------------------------------------------

def coordinator(w):
    return w.make_user(role="coordinator", provinces=[w.province("errachidia")])


def eligibility(w):
    application = w.make_file()
    return Target(coordinator(w), [f"/coordination/files/{application.id}/eligibility"],
                  page=f"/coordination/files/{application.id}",
                  valid={"eligibility-decision": "ineligible", "eligibility-note": "Âge vérifié sur la CNIE"})


def reroute(w):
    ws = w.in_state("assigned")
    return Target(coordinator(w), [f"/coordination/files/{ws.file.id}/reroute"],
                  page=f"/coordination/files/{ws.file.id}", valid={"incubator": "auto", "note": "Rapprochement"})


# -- incubator staff -------------------------------------------------------------------------------------------

def incubator_update(w):
    ws = w.make_workspace(files=0)
    return Target(ws.manager, ["/incubators/mine/details"], page="/incubators/mine")


def incubator_invite(w):
    ws = w.make_workspace(files=0)
    return Target(ws.manager, ["/incubators/mine/invitations"], page="/incubators/mine",
                  valid={"invite-full_name": "Nadia Berrada", "invite-phone": "0662345678"})


def incubator_invitation_revoke(w):
    from jisr.auth import invitations

    ws = w.make_workspace(files=0)
    with w.request():
        invitation = invitations.invite_mentor(ws.incubator, ws.manager, "Nadia Berrada", "+212662345678", None,
                                               "fr")
    db.session.commit()
    return Target(ws.manager, [f"/incubators/mine/invitations/{invitation.id}/revoke"], page="/incubators/mine")


def decision(action: str, state: str, valid: dict | None = None, by: str = "manager"):
    """A decision of the file's page, on a file in `state`."""
    def setup(w):
        ws = w.in_state(state)
        values = valid(ws) if callable(valid) else dict(valid or {})
        return Target(getattr(ws, by), [f"/workspace/files/{ws.file.id}/{action}"],
                      page=f"/workspace/files/{ws.file.id}", valid=values)

    return setup


def _first_reason(kind):
    def values(ws):
        from jisr.workspace import grids

        prefix = "reject" if kind == "rejection" else "drop"
        return {f"{prefix}-reason": str(grids.reasons(ws.file.programme, kind)[0].id),
                f"{prefix}-note": "Le projet ne relève pas de nos secteurs."}

    return values


def _scores(ws):
    from jisr.workspace import grids

    values = {f"assessment-c{c.id}": "3" for c in grids.criteria(ws.file.programme)}
    return {**values, "assessment-comment": "Projet clair"}


def duplicates(w):
    from jisr.applications.models import ApplicantProfile

    ws = w.in_state("under_review", files=2)
    first, second = ws.files
    profiles = {p.user_id: p for p in db.session.scalars(sa.select(ApplicantProfile).where(
        ApplicantProfile.user_id.in_([first.applicant_id, second.applicant_id])))}
    profiles[second.applicant_id].last_name_latin = profiles[first.applicant_id].last_name_latin
    db.session.commit()
    return Target(ws.manager, [f"/workspace/files/{first.id}/duplicates"], page=f"/workspace/files/{first.id}",
                  valid={"duplicate-verdict": "not_duplicate"})


def session_new(w):
    ws = w.in_state("accepted")
    return Target(ws.manager, ["/workspace/sessions/new"], valid={
        "files": [str(ws.file.id)], "day": (date.today() + timedelta(days=3)).isoformat(), "start": "10:00",
        "duration": "90", "mode": "in_person", "place": "12 rue Zerktouni, Errachidia", "topic": "Atelier"})


def session_form(action: str, valid: Callable | None = None, by: str = "manager"):
    def setup(w):
        ws = w.session()
        path = f"/workspace/sessions/{ws.convened.id}/{action.format(c=ws.convocation.id)}"
        return Target(getattr(ws, by), [path], page=f"/workspace/sessions/{ws.convened.id}",
                      valid=valid(ws) if valid else {})

    return setup


def outcome(w):
    ws = w.in_state("in_mentoring")
    return Target(ws.manager, [f"/workspace/files/{ws.file.id}/outcome"], valid={
        "activity_created_on": "2026-03-02", "legal_form": "cooperative", "jobs_women": "٣", "jobs_men": "1",
        "financing_amount": "45 000", "financing_obtained": "y", "financing_source": "honour_loan"})


def financing(w):
    from jisr.workspace import outcomes

    ws = w.in_state("business_plan")
    with w.request():
        earlier = outcomes.save_financing(ws.file, ws.manager, None, {
            "commission_on": date(2026, 1, 15), "decision": "deferred", "amount": None, "source": None,
            "note": None})
    db.session.commit()
    base = f"/workspace/files/{ws.file.id}/financing"
    return Target(ws.manager, [base, f"{base}/{earlier.id}"], valid={
        "commission_on": "2026-02-10", "decision": "approved", "amount": "50000", "source": "honour_loan"})


FORMS: dict[str, Case] = {
    # Signed out.
    "auth.register": Case("anonymous", register),
    "auth.login": Case("anonymous", login),
    "auth.reset_request": Case("anonymous", reset_request),
    "auth.reset_confirm": Case("anonymous", reset_confirm),
    "auth.claim": Case("anonymous", claim),
    "invitations.accept": Case("anonymous", accept_invitation),
    "calls.register": Case("anonymous", call_register),
    # The applicant.
    "auth.logout": Case("applicant", logout),
    "applications.start": Case("applicant", start),
    "applications.identity": Case("applicant", step("identity", IDENTITY)),
    "applications.situation": Case("applicant", step("situation", SITUATION)),
    "applications.project": Case("applicant", step("project", PROJECT)),
    "applications.needs": Case("applicant", step("needs", NEEDS)),
    "documents.step": Case("applicant", step("documents", {"kind": "id_card"})),
    "documents.delete": Case("applicant", document_delete),
    "applications.review": Case("applicant", step("review", {"consent": "y"}, filled=True)),
    "applications.withdraw": Case("applicant", withdraw),
    "answers.information": Case("applicant", information),
    "consent.renew": Case("applicant", renew_consent),
    "rights.ask_erasure": Case("applicant", ask_erasure),
    "api_tokens.create": Case("coordinator", token_create),
    "api_tokens.revoke": Case("coordinator", token_revoke),
    # The field agent.
    "agents.new": Case("agent", agent_new),
    "agents.resend_code": Case("agent", resend_code),
    "agents.consent_again": Case("agent", consent_again),
    # The association's representative.
    "calls.answer": Case("representative", call_answer),
    "calls.organisation": Case("representative", association_step("organisation")),
    "calls.coverage": Case("representative", association_step("coverage")),
    "calls.team": Case("representative", association_step("team")),
    "calls.documents": Case("representative", association_step("documents", {"kind": "statutes"})),
    "calls.delete_document": Case("representative", association_document_delete),
    "calls.review": Case("representative", association_step("review", {"confirm": "y"}, documents=True)),
    # Admins.
    "calls.admin_new": Case("admin", call_new),
    "calls.admin_edit": Case("admin", call_edit),
    "selection.assign_all": Case("admin", assign_all),
    "selection.assign": Case("admin", assign),
    "selection.unassign": Case("admin", unassign),
    "selection.select": Case("admin", decide_association("select")),
    "selection.decline": Case("admin", decide_association("decline")),
    "admin.change": Case("admin", user_change),
    "admin.activation": Case("admin", user_activation),
    "admin.invite": Case("admin", staff_invite),
    "admin.revoke": Case("admin", staff_invitation_revoke),
    "erasure_admin.decide": Case("admin", erasure_decide),
    "jobs_admin.act": Case("admin", job_act),
    "programmes_admin.new": Case("admin", programme_new),
    "programmes_admin.edit": Case("admin", programme_page("edit")),
    "programmes_admin.edition": Case("admin", programme_page("edition")),
    "programmes_admin.consent_text": Case("admin", programme_page("consent")),
    "programmes_admin.item": Case("admin", programme_item),
    "programmes_admin.move": Case("admin", programme_move),
    "programmes_admin.remove": Case("admin", programme_remove),
    "reference_admin.add_sector": Case("admin", sector_add),
    "reference_admin.rename_sector": Case("admin", sector_rename),
    "reference_admin.delete_sector": Case("admin", sector_delete),
    "reference_admin.rename_place": Case("admin", place_rename),
    # Coordinators.
    "coordination.eligibility": Case("coordinator", eligibility),
    "exports.ask": Case("coordinator", export_ask),
    "coordination.reroute": Case("coordinator", reroute),
    "selection.score": Case("coordinator", score),
    "selection.conflict": Case("coordinator", conflict),
    # Incubator staff.
    "incubators.update": Case("incubator_manager", incubator_update),
    "incubators.invite": Case("incubator_manager", incubator_invite),
    "incubators.revoke_invitation": Case("incubator_manager", incubator_invitation_revoke),
    "workspace.start_review": Case("incubator_manager", decision("start-review", "assigned")),
    "workspace.request_info": Case("incubator_manager", decision("request-info", "under_review",
                                                                 {"info-message": "Une attestation, merci."})),
    "workspace.assessment": Case("incubator_manager", decision("assessment", "under_review", _scores)),
    "workspace.accept": Case("incubator_manager", decision("accept", "under_review")),
    "workspace.reject": Case("incubator_manager", decision("reject", "under_review", _first_reason("rejection"))),
    "workspace.waitlist": Case("incubator_manager", decision("waitlist", "under_review")),
    "workspace.resume": Case("incubator_manager", decision("resume", "waitlisted")),
    "workspace.mentor": Case("incubator_manager", decision("mentor", "accepted")),
    "workspace.start_mentoring": Case("incubator_manager", decision("start-mentoring", "accepted")),
    "workspace.duplicates": Case("incubator_manager", duplicates),
    "workspace.stage": Case("mentor", decision("stage", "in_mentoring", {"stage-direction": "forward"}, by="mentor")),
    "workspace.drop_out": Case("mentor", decision("drop-out", "in_mentoring", _first_reason("drop_out"),
                                                  by="mentor")),
    "workspace.complete": Case("incubator_manager", decision("complete", "in_mentoring")),
    "sessions.new": Case("incubator_manager", session_new),
    "sessions.check_in": Case("incubator_manager", session_form("check-in", lambda ws: {
        "checkin-code": ws.convocation.check_in_code})),
    "sessions.attendance": Case("mentor", session_form("convocations/{c}/attendance", lambda ws: {
        f"att{ws.convocation.id}-attendance": "present"}, by="mentor")),
    "sessions.notes": Case("mentor", session_form("convocations/{c}/notes", lambda ws: {
        f"notes{ws.convocation.id}-duration_minutes": "45", f"notes{ws.convocation.id}-topics": "Budget"},
        by="mentor")),
    "sessions.cancel": Case("incubator_manager", session_form("cancel", lambda ws: {
        "cancel-message": "Report pour cause de fête"})),
    "outcomes.edit": Case("incubator_manager", outcome),
    "outcomes.financing": Case("incubator_manager", financing),
}
