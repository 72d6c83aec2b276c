"""The incubator's workspace: the queue, the staff view of a file, review decisions, stages, scope and
conflicts (the sessions and the outcomes have their own test files)."""

from __future__ import annotations

import html as html_module
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from journey import count_queries

from jisr.applications.models import ApplicantProfile, Application, Status
from jisr.audit.models import AuditEntry
from jisr.outbox.models import OutboxMessage
from jisr.timeutil import utcnow
from jisr.workspace import grids
from jisr.workspace.models import ReasonKind, StageEntry


def page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def post(client, path: str, data: dict, status: int = 303):
    response = client.post(path, data=data)
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return response


def version(db, application) -> str:
    db.session.expire_all()
    return str(db.session.get(Application, application.id).version)


def status_of(db, application) -> str:
    db.session.expire_all()
    return db.session.get(Application, application.id).status


def messages_to(db, user) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.recipient.in_([c for c in (user.email, user.phone) if c])).order_by(OutboxMessage.id)))


# -- the queue --------------------------------------------------------------------------------------------

def test_manager_queue_lists_the_incubators_files_with_counts(client, auth, make_workspace):
    ws = make_workspace(files=3)
    other = make_workspace(files=1)
    auth.login_as(ws.manager)
    html = page(client, "/workspace/")
    for application in ws.files:
        assert application.reference in html
    assert other.files[0].reference not in html
    assert "3" in re.search(r"counts-title.*?</section>", html, re.S).group(0)


def test_manager_home_is_the_queue(client, auth, make_workspace):
    ws = make_workspace(files=0)
    response = auth.login(ws.manager.email or ws.manager.phone)
    assert response.status_code in (302, 303)
    home = client.get(response.headers["Location"])
    assert home.status_code in (302, 303) and home.headers["Location"].endswith("/workspace/")


@pytest.mark.parametrize("query, expected", [
    ({"status": "under_review"}, [1]),
    ({"q": "Lamrani"}, [2]),
    ({"q": "لمراني"}, [2]),
    ({"q": "ZX"}, [0, 1, 2]),
    ({"disability": "any"}, [2]),
    ({"need": "sign_language"}, [2]),
    ({"waiting": "30"}, [0]),
])
def test_queue_filters(client, auth, db, make_workspace, query, expected):
    ws = make_workspace(files=3)
    ws.files[0].status_changed_at = utcnow() - timedelta(days=40)
    ws.files[1].status = Status.UNDER_REVIEW
    profile = db.session.scalar(sa.select(ApplicantProfile).where(ApplicantProfile.user_id == ws.files[2].applicant_id))
    profile.last_name_latin, profile.last_name_ar = "Lamrani", "لمراني"
    profile.disability_type, profile.needs_sign_language = "hearing", True
    db.session.commit()
    auth.login_as(ws.manager)
    html = page(client, "/workspace/?" + "&".join(f"{k}={v}" for k, v in query.items()))
    shown = [i for i, application in enumerate(ws.files) if application.reference in html]
    assert shown == expected


def test_queue_searches_by_national_id(client, auth, make_workspace):
    ws = make_workspace(files=2)
    auth.login_as(ws.manager)
    html = page(client, f"/workspace/?q={ws.files[1].national_id.lower()}")
    assert ws.files[1].reference in html and ws.files[0].reference not in html


def test_queue_paginates(client, auth, make_workspace):
    ws = make_workspace(files=27, capacity=40)
    auth.login_as(ws.manager)
    first, second = page(client, "/workspace/?sort=reference"), page(client, "/workspace/?sort=reference&page=2")
    assert ws.files[0].reference in first and ws.files[26].reference not in first
    assert ws.files[26].reference in second
    assert "27" in first


def test_queue_makes_the_same_number_of_queries_whatever_the_data(client, auth, db, make_workspace):
    ws = make_workspace(files=2, capacity=60)
    auth.login_as(ws.manager)
    client.get("/workspace/")  # warm: the programme's grids are created on first read
    few, _ = count_queries(db, client, "/workspace/?sort=name")
    for _ in range(30):
        ws.add_file()
    many, response = count_queries(db, client, "/workspace/?sort=name")
    assert response.status_code == 200
    assert many == few


def test_mentor_sees_only_files_assigned_to_her(client, auth, db, make_workspace):
    ws = make_workspace(files=2)
    ws.files[0].mentor_id = ws.mentor.id
    db.session.commit()
    auth.login_as(ws.mentor)
    html = page(client, "/workspace/")
    assert ws.files[0].reference in html and ws.files[1].reference not in html
    page(client, f"/workspace/files/{ws.files[1].id}", 404)
    page(client, f"/workspace/files/{ws.files[0].id}")


# -- scope -------------------------------------------------------------------------------------------------

def test_other_incubator_gets_404_on_every_file_page_and_document(client, auth, db, make_workspace):
    from jisr.documents.models import Document

    a, b = make_workspace(files=1), make_workspace(files=1)
    target = a.files[0]
    db.session.add(Document(application_id=target.id, kind="id_card", original_name="cnie.png",
                            stored_name="a" * 32, content_type="image/png", size=10, sha256="0" * 64))
    db.session.commit()
    document_id = db.session.scalar(sa.select(Document.id).where(Document.application_id == target.id))
    auth.login_as(b.manager)
    page(client, f"/workspace/files/{target.id}", 404)
    page(client, f"/workspace/files/{target.id}/documents/{document_id}", 404)
    page(client, f"/documents/{document_id}", 404)
    for action in ("start-review", "accept", "waitlist", "resume", "start-mentoring", "complete", "request-info",
                   "reject", "drop-out", "mentor", "stage", "assessment", "duplicates"):
        assert client.post(f"/workspace/files/{target.id}/{action}", data={}).status_code == 404, action
    assert status_of(db, target) == Status.ASSIGNED


@pytest.mark.parametrize("role", ["applicant", "agent", "coordinator", "representative"])
def test_other_roles_reach_no_workspace_page(client, auth, make_user, make_workspace, role):
    ws = make_workspace(files=1)
    auth.login_as(make_user(role=role))
    assert client.get("/workspace/").status_code == 403
    assert client.get(f"/workspace/files/{ws.files[0].id}").status_code == 403
    assert client.post(f"/workspace/files/{ws.files[0].id}/accept").status_code == 403


def test_anonymous_is_sent_to_sign_in(client, make_workspace):
    ws = make_workspace(files=1)
    response = client.get(f"/workspace/files/{ws.files[0].id}")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


# -- the file and its review ---------------------------------------------------------------------------------

def test_viewing_a_file_is_audited_and_offers_only_its_states_actions(client, auth, db, make_workspace):
    ws = make_workspace(files=1)
    application = ws.files[0]
    auth.login_as(ws.manager)
    html = page(client, f"/workspace/files/{application.id}")
    assert "start-review" in html and "/accept" not in html and "request-info" not in html
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "workspace.file_viewed"))
    assert entry.actor_id == ws.manager.id and entry.object_id == application.id


def test_action_not_allowed_in_state_is_refused_and_nothing_changes(client, auth, db, make_workspace):
    ws = make_workspace(files=1)
    application = ws.files[0]
    auth.login_as(ws.manager)
    post(client, f"/workspace/files/{application.id}/complete", {"complete-version": version(db, application)}, 422)
    assert status_of(db, application) == Status.ASSIGNED


def test_information_request_goes_to_her_and_her_answer_returns_the_file(client, auth, db, make_workspace):
    ws = make_workspace(files=1, locale="fr", email="amina@example.org")
    application = ws.files[0]
    auth.login_as(ws.manager)
    post(client, f"/workspace/files/{application.id}/start-review", {"start_review-version": version(db, application)})
    post(client, f"/workspace/files/{application.id}/request-info",
         {"info-version": version(db, application), "info-message": "Merci d'ajouter une photo de vos produits."})
    assert status_of(db, application) == Status.INFO_REQUESTED
    mail = [m for m in messages_to(db, application.applicant) if m.channel == "email"][-1]
    assert mail.application_id == application.id and "photo de vos produits" in mail.body and mail.language == "fr"

    auth.login_as(application.applicant)
    status_page = page(client, f"/applications/{application.id}?lang=fr")
    assert "photo de vos produits" in status_page
    post(client, f"/applications/{application.id}/information", {"answer-answer": ""}, 422)
    post(client, f"/applications/{application.id}/information", {"answer-answer": "Voici les photos."})
    assert status_of(db, application) == Status.UNDER_REVIEW

    auth.login_as(ws.manager)
    assert "Voici les photos." in page(client, f"/workspace/files/{application.id}")


def test_applicant_adds_a_document_while_information_is_requested(client, auth, db, make_workspace):
    import io

    from journey import png_bytes

    ws = make_workspace(files=1)
    application = ws.files[0]
    application.status = Status.INFO_REQUESTED
    from jisr.workspace.models import InfoRequest
    db.session.add(InfoRequest(application_id=application.id, message="Une photo", requested_by_id=ws.manager.id))
    db.session.commit()
    auth.login_as(application.applicant)
    response = client.post(f"/applications/{application.id}/information", data={
        "upload-kind": "photo", "upload-file": (io.BytesIO(png_bytes()), "produits.png")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    auth.login_as(ws.manager)
    html = page(client, f"/workspace/files/{application.id}")
    assert "produits.png" in html and "inline=1" in html


def test_assessment_sheet_total_and_several_scorers(client, auth, db, make_workspace, make_user):
    ws = make_workspace(files=1)
    application = ws.files[0]
    criteria = grids.criteria(application.programme)
    db.session.commit()
    application.mentor_id = ws.mentor.id
    db.session.commit()
    for user, score in ((ws.manager, 5), (ws.mentor, 3)):
        auth.login_as(user)
        data = {f"assessment-c{c.id}": str(score) for c in criteria}
        data["assessment-version"] = version(db, application)
        post(client, f"/workspace/files/{application.id}/assessment", data)
    expected_max = sum(c.max_score * c.weight for c in criteria)
    html = page(client, f"/workspace/files/{application.id}?lang=fr")
    assert str(expected_max) in html
    from jisr.workspace.models import Assessment
    sheets = list(db.session.scalars(sa.select(Assessment).order_by(Assessment.id)))
    assert [int(s.total) for s in sheets] == [5 * sum(c.weight for c in criteria), 3 * sum(c.weight for c in criteria)]
    assert all(int(s.maximum) == expected_max for s in sheets)
    bad = {f"assessment-c{c.id}": "9" for c in criteria} | {"assessment-version": version(db, application)}
    post(client, f"/workspace/files/{application.id}/assessment", bad, 422)


def test_a_scorer_corrects_her_sheet(client, auth, db, make_workspace):
    """Saving the sheet again replaces her scores (it was a 500: the new rows clashed with the old ones)."""
    from jisr.workspace.models import Assessment, AssessmentScore

    ws = make_workspace(files=1)
    application = ws.files[0]
    criteria = grids.criteria(application.programme)
    db.session.commit()
    auth.login_as(ws.manager)
    for score in (2, 4):
        data = {f"assessment-c{c.id}": str(score) for c in criteria}
        data["assessment-version"] = version(db, application)
        post(client, f"/workspace/files/{application.id}/assessment", data)
    db.session.expire_all()
    sheet = db.session.scalar(sa.select(Assessment))
    assert int(sheet.total) == 4 * sum(c.weight for c in criteria)
    assert sorted(db.session.scalars(sa.select(AssessmentScore.score))) == [4] * len(criteria)


def test_rejection_with_reason_shown_to_her_in_her_language_and_place_freed(client, auth, db, make_workspace,
                                                                          make_file):
    from jisr.routing import services as routing

    ws = make_workspace(files=1, capacity=1, locale="ar")
    application = ws.files[0]
    waiting = make_file()
    routing.route(waiting)
    db.session.commit()
    assert waiting.status == Status.WAITLISTED
    reasons = grids.reasons(application.programme, ReasonKind.REJECTION)
    db.session.commit()
    auth.login_as(ws.manager)
    post(client, f"/workspace/files/{application.id}/start-review", {"start_review-version": version(db, application)})
    post(client, f"/workspace/files/{application.id}/reject", {"reject-version": version(db, application)}, 422)
    post(client, f"/workspace/files/{application.id}/reject", {
        "reject-version": version(db, application), "reject-reason": str(reasons[0].id),
        "reject-note": "المشروع يحتاج إلى دراسة السوق"})
    assert status_of(db, application) == Status.REJECTED
    assert status_of(db, waiting) == Status.ASSIGNED  # the freed place went to the waiting file
    auth.login_as(application.applicant)
    html = page(client, f"/applications/{application.id}?lang=ar")
    assert reasons[0].name_ar in html and "المشروع يحتاج إلى دراسة السوق" in html
    html = page(client, f"/applications/{application.id}?lang=fr")
    assert reasons[0].name_fr in html_module.unescape(html)


def test_reason_of_another_kind_or_programme_is_refused(client, auth, db, make_workspace):
    ws = make_workspace(files=1)
    application = ws.files[0]
    drop = grids.reasons(application.programme, ReasonKind.DROP_OUT)[0]
    db.session.commit()
    auth.login_as(ws.manager)
    post(client, f"/workspace/files/{application.id}/reject",
         {"reject-version": version(db, application), "reject-reason": str(drop.id)}, 422)
    assert status_of(db, application) == Status.ASSIGNED


def test_incubator_waitlist_keeps_the_file_and_it_can_be_taken_up_again(client, auth, db, make_workspace):
    ws = make_workspace(files=1)
    application = ws.files[0]
    auth.login_as(ws.manager)
    post(client, f"/workspace/files/{application.id}/waitlist", {"waitlist-version": version(db, application)})
    db.session.expire_all()
    again = db.session.get(Application, application.id)
    assert again.status == Status.WAITLISTED and again.incubator_id == ws.incubator.id
    assert application.reference in page(client, "/workspace/?status=waitlisted")
    post(client, f"/workspace/files/{application.id}/resume", {"resume-version": version(db, application)})
    assert status_of(db, application) == Status.UNDER_REVIEW


# -- no lost update ----------------------------------------------------------------------------------------

def test_second_decision_on_a_stale_page_is_refused_and_shows_the_new_state(client, auth, db, make_workspace,
                                                                           make_user):
    ws = make_workspace(files=1)
    application = ws.files[0]
    colleague = make_user(role="incubator_manager", incubator_id=ws.incubator.id)
    auth.login_as(ws.manager)
    post(client, f"/workspace/files/{application.id}/start-review", {"start_review-version": version(db, application)})
    read = version(db, application)  # both colleagues have the page open at this version
    reasons = grids.reasons(application.programme, ReasonKind.REJECTION)
    db.session.commit()
    post(client, f"/workspace/files/{application.id}/accept", {"accept-version": read})
    auth.login_as(colleague)
    response = post(client, f"/workspace/files/{application.id}/reject",
                    {"reject-version": read, "reject-reason": str(reasons[0].id)}, 409)
    html = response.get_data(as_text=True)
    assert "changed this file" in html or "غيّر" in html or "ملف" in html
    assert status_of(db, application) == Status.ACCEPTED


def test_concurrent_update_is_detected_by_the_version_column(app, db, make_workspace):
    """Two sessions read version N; the first commits; the second's UPDATE ... WHERE version = N finds nothing."""
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    ws = make_workspace(files=1)
    application_id = ws.files[0].id
    with Session(db.engine) as first, Session(db.engine) as second:
        a = first.get(Application, application_id)
        b = second.get(Application, application_id)
        a.status = Status.UNDER_REVIEW
        first.commit()
        b.status = Status.REJECTED
        with pytest.raises(StaleDataError):
            second.commit()
    assert status_of(db, ws.files[0]) == Status.UNDER_REVIEW


# -- mentor, stages and the end of the accompaniment -------------------------------------------------------

def accepted(client, auth, db, ws, application):
    auth.login_as(ws.manager)
    post(client, f"/workspace/files/{application.id}/start-review", {"start_review-version": version(db, application)})
    post(client, f"/workspace/files/{application.id}/accept", {"accept-version": version(db, application)})


def test_mentor_assignment_and_stages_forward_and_back(client, auth, db, make_workspace, make_user):
    ws = make_workspace(files=1, locale="fr", email="khadija@example.org")
    application = ws.files[0]
    accepted(client, auth, db, ws, application)
    outsider = make_user(role="mentor", incubator_id=make_workspace(files=0).incubator.id)
    post(client, f"/workspace/files/{application.id}/mentor",
         {"mentor-version": version(db, application), "mentor-mentor": str(outsider.id)}, 422)
    post(client, f"/workspace/files/{application.id}/mentor",
         {"mentor-version": version(db, application), "mentor-mentor": str(ws.mentor.id)})
    auth.login_as(ws.mentor)
    post(client, f"/workspace/files/{application.id}/start-mentoring",
         {"start_mentoring-version": version(db, application)})
    post(client, f"/workspace/files/{application.id}/stage",
         {"stage-version": version(db, application), "stage-direction": "back"}, 422)
    for _ in range(2):
        post(client, f"/workspace/files/{application.id}/stage",
             {"stage-version": version(db, application), "stage-direction": "forward", "stage-note": "Bien"})
    post(client, f"/workspace/files/{application.id}/stage",
         {"stage-version": version(db, application), "stage-direction": "back", "stage-note": "À reprendre"})
    stages = grids.stages(application.programme)
    db.session.expire_all()
    assert db.session.get(Application, application.id).current_stage_id == stages[1].id
    entries = list(db.session.scalars(sa.select(StageEntry).where(StageEntry.application_id == application.id)
                                      .order_by(StageEntry.id)))
    assert [e.stage_id for e in entries] == [stages[0].id, stages[1].id, stages[2].id, stages[1].id]
    assert [e.outcome for e in entries] == ["completed", "completed", "reverted", None]
    assert all(e.entered_by_id == ws.mentor.id for e in entries)

    auth.login_as(application.applicant)
    html = page(client, f"/applications/{application.id}?lang=fr")
    assert stages[1].name_fr in html and "À reprendre" in html
    subjects = [m.subject for m in messages_to(db, application.applicant) if m.channel == "email"]
    assert any("mentor" in s.lower() for s in subjects) and sum("étape" in s for s in subjects) >= 3


def test_completion_frees_the_place_for_the_waitlist(client, auth, db, make_workspace, make_file):
    from jisr.routing import services as routing

    ws = make_workspace(files=1, capacity=1)
    application = ws.files[0]
    accepted(client, auth, db, ws, application)
    post(client, f"/workspace/files/{application.id}/start-mentoring",
         {"start_mentoring-version": version(db, application)})
    waiting = make_file()
    routing.route(waiting)
    db.session.commit()
    assert waiting.status == Status.WAITLISTED
    post(client, f"/workspace/files/{application.id}/complete", {"complete-version": version(db, application)})
    assert status_of(db, application) == Status.COMPLETED
    assert status_of(db, waiting) == Status.ASSIGNED


def test_drop_out_needs_a_reason_and_frees_the_place(client, auth, db, make_workspace):
    ws = make_workspace(files=1)
    application = ws.files[0]
    accepted(client, auth, db, ws, application)
    post(client, f"/workspace/files/{application.id}/start-mentoring",
         {"start_mentoring-version": version(db, application)})
    post(client, f"/workspace/files/{application.id}/drop-out", {"drop-version": version(db, application)}, 422)
    reason = grids.reasons(db.session.get(Application, application.id).programme, ReasonKind.DROP_OUT)[0]
    db.session.commit()
    post(client, f"/workspace/files/{application.id}/drop-out",
         {"drop-version": version(db, application), "drop-reason": str(reason.id)})
    assert status_of(db, application) == Status.DROPPED_OUT
    actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_id == application.id)))
    assert {"workspace.accepted", "workspace.mentoring_started", "workspace.dropped_out"} <= actions


def test_file_page_makes_the_same_number_of_queries_as_history_grows(client, auth, db, make_workspace):
    ws = make_workspace(files=1)
    application = ws.files[0]
    accepted(client, auth, db, ws, application)
    post(client, f"/workspace/files/{application.id}/start-mentoring",
         {"start_mentoring-version": version(db, application)})
    client.get(f"/workspace/files/{application.id}")
    few, _ = count_queries(db, client, f"/workspace/files/{application.id}")
    for direction in ("forward", "forward", "back", "forward", "forward"):
        post(client, f"/workspace/files/{application.id}/stage",
             {"stage-version": version(db, application), "stage-direction": direction})
    many, response = count_queries(db, client, f"/workspace/files/{application.id}")
    assert response.status_code == 200
    assert many == few


def test_staff_see_whether_each_message_was_delivered(app, client, auth, db, make_workspace):
    from flask_babel import force_locale

    from jisr.labels import label

    ws = make_workspace(files=1, email="sara@example.org", locale="fr")
    application = ws.files[0]
    accepted(client, auth, db, ws, application)
    html = page(client, f"/workspace/files/{application.id}?lang=fr")
    section = re.search(r'id="messages-title".*?</section>', html, re.S).group(0)
    assert "accepté" in section.lower()
    with app.test_request_context("/?lang=fr"), force_locale("fr"):
        delivered = label("outbox_state", "logged")  # no mail server in tests: written to the log
    assert delivered in section


def test_a_name_shared_by_many_shows_twenty_possible_duplicates_and_counts_the_rest(client, auth, db, make_workspace):
    """Every file of make_file has the same Arabic name and birth date: 24 others look like the first."""
    ws = make_workspace(files=25, capacity=25)
    auth.login_as(ws.manager)
    html = html_module.unescape(page(client, f"/workspace/files/{ws.files[0].id}?lang=fr"))
    section = re.search(r'<section aria-labelledby="duplicates-title".*?</section>', html, re.S).group(0)
    assert section.count('name="duplicate-other"') == 20
    assert "4 autres dossiers lui ressemblent aussi" in section


def test_a_look_alike_outside_her_scope_is_counted_never_named(client, auth, db, make_workspace, make_incubator,
                                                                make_file, make_user):
    """Every file of make_file has the same Arabic name and birth date. The one routed to another incubator (another
    province) is counted on her page, without its name or reference, and she cannot record a verdict on it."""
    from jisr.routing import services as routing
    from jisr.workspace.models import DuplicateResolution

    ws = make_workspace(files=2)
    make_incubator(provinces=("zagora",))
    elsewhere = make_file(province_code="zagora")
    routing.route(elsewhere)
    db.session.commit()
    assert elsewhere.incubator_id not in (None, ws.incubator.id)
    path = f"/workspace/files/{ws.files[0].id}"

    auth.login_as(ws.manager)
    html = html_module.unescape(page(client, f"{path}?lang=fr"))
    section = re.search(r'<section aria-labelledby="duplicates-title".*?</section>', html, re.S).group(0)
    assert ws.files[1].reference in section and section.count('name="duplicate-other"') == 1
    assert elsewhere.reference not in html
    assert "1 autre dossier actif, que vous ne pouvez pas ouvrir, lui ressemble aussi" in section
    post(client, f"{path}/duplicates", {"duplicate-other": str(elsewhere.id), "duplicate-verdict": "not_duplicate"},
         422)
    assert db.session.scalar(sa.select(sa.func.count(DuplicateResolution.id))) == 0

    auth.login_as(make_user(role="admin"))
    html = html_module.unescape(page(client, f"{path}?lang=fr"))
    assert elsewhere.reference in html and "que vous ne pouvez pas ouvrir" not in html
