"""Sessions and convocations: convening files (each applicant told in her language, with her check-in code),
her convocation as a page and a PDF, reminders the day before (once, whatever the runs), attendance by hand
and by code, notes per file, cancelling, and scope (out of scope is a 404; other roles get nothing)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from babel.dates import format_date
from journey import count_queries
from test_printing import read_pdf, right_to_left, visual

from jisr.applications.models import Status
from jisr.audit.models import AuditEntry
from jisr.outbox.models import OutboxMessage
from jisr.timeutil import aware, utcnow
from jisr.workspace import sessions
from jisr.workspace.models import Convocation, MentoringSession

ZONE = ZoneInfo("Africa/Casablanca")
TOPIC_AR = "ورشة التسويق"
NAME_AR = "فاطمة العلوي"  # make_file's applicant


# -- helpers ----------------------------------------------------------------------------------------------

def local_day(days: int) -> date:
    return datetime.now(ZONE).date() + timedelta(days=days)


def accept(db, *files, mentor=None):
    for application in files:
        application.status = Status.ACCEPTED
        if mentor is not None:
            application.mentor_id = mentor.id
    db.session.commit()


def form(chosen, days: int = 1, **fields) -> dict:
    data = {"files": [str(f.id) for f in chosen], "day": local_day(days).isoformat(), "start": "10:00",
            "duration": "90", "mode": "in_person", "place": "12 rue Zerktouni, Errachidia",
            "topic": "Atelier marketing", "bring": "Carte nationale"}
    data.update(fields)
    return data


def convene(db, by, files, days: int = 1, **fields) -> MentoringSession:
    """A session through the service (tests of what comes after convening)."""
    values = dict(day=local_day(days), at=datetime.strptime("10:00", "%H:%M").time(), duration_minutes=60,
                  mode="in_person", place="12 rue Zerktouni", topic="Atelier", bring="")
    values.update(fields)
    session = sessions.convene(by, [f.id for f in files], **values)
    db.session.commit()
    return session


def started(db, session: MentoringSession, minutes_ago: int = 5) -> None:
    """The session has begun (it could not be convened in the past)."""
    db.session.execute(sa.update(MentoringSession).where(MentoringSession.id == session.id)
                       .values(starts_at=utcnow() - timedelta(minutes=minutes_ago)))
    db.session.commit()
    db.session.expire_all()


def messages_to(db, user) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.recipient.in_([c for c in (user.email, user.phone) if c])).order_by(OutboxMessage.id)))


def audit(db, action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def convocation_of(db, session, application) -> Convocation:
    db.session.expire_all()
    return db.session.scalar(sa.select(Convocation).where(Convocation.session_id == session.id,
                                                          Convocation.application_id == application.id))


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def ws(db, make_workspace):
    """An incubator with two accepted files: one French-speaking with an e-mail, one Arabic-speaking with a phone."""
    workspace = make_workspace(files=0)
    workspace.add_file(locale="fr", email="salma@example.org")
    workspace.add_file(locale="ar")
    accept(db, *workspace.files, mentor=workspace.mentor)
    db.session.execute(sa.delete(OutboxMessage))  # what routing told them: not these tests' business
    db.session.commit()
    return workspace


# -- convening --------------------------------------------------------------------------------------------

def test_convening_two_files_tells_each_in_her_language_with_her_code(client, auth, db, ws):
    fr_file, ar_file = ws.files
    auth.login_as(ws.manager)
    response = client.post("/workspace/sessions/new", data=form(ws.files))
    assert response.status_code == 303, text(response)[:3000]
    session = db.session.scalar(sa.select(MentoringSession))
    assert response.headers["Location"].endswith(f"/workspace/sessions/{session.id}")
    local = aware(session.starts_at).astimezone(ZONE)
    assert (local.date(), local.hour, local.minute) == (local_day(1), 10, 0)  # entered in Casablanca, stored UTC
    assert aware(session.starts_at).utcoffset() == timedelta(0)
    assert (session.duration_minutes, session.mode, session.created_by_id) == (90, "in_person", ws.manager.id)

    codes = [convocation_of(db, session, f).check_in_code for f in ws.files]
    assert len(set(codes)) == 2
    assert all(re.fullmatch(r"[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{8}", code) for code in codes)

    (email,) = messages_to(db, fr_file.applicant)
    assert (email.channel, email.language, email.application_id) == ("email", "fr", fr_file.id)
    assert codes[0] in email.body and "Carte nationale" in email.body and "Zerktouni" in email.body
    assert format_date(local_day(1), "full", locale="fr_MA") in email.body
    assert "10:00" in email.body and "11:30" in email.body
    assert "+0000" not in email.body and "10:00:00" not in email.body

    (sms,) = messages_to(db, ar_file.applicant)
    assert (sms.channel, sms.language) == ("sms", "ar")
    assert codes[1] in sms.body and format_date(local_day(1), "full", locale="ar_MA") in sms.body
    assert "+0000" not in sms.body and ":00:00" not in sms.body
    assert f"\u2066{codes[1]}\u2069" in sms.body  # isolated: reads left to right inside Arabic

    (created,) = audit(db, "session.created")
    assert created.actor_id == ws.manager.id and created.details["files"] == [f.id for f in ws.files]
    page = text(client.get(f"/workspace/sessions/{session.id}"))
    assert all(code in page for code in codes)


def test_a_past_date_is_refused_with_nothing_saved(client, auth, db, ws):
    auth.login_as(ws.manager)
    response = client.post("/workspace/sessions/new?lang=fr", data=form(ws.files, days=-1))
    assert response.status_code == 422
    assert "error-summary" in text(response)
    assert (count(db, MentoringSession), count(db, Convocation), count(db, OutboxMessage)) == (0, 0, 0)


@pytest.mark.parametrize("fields", [{"topic": ""}, {"place": ""}, {"duration": "5"}, {"files": []},
                                    {"mode": "teleport"}, {"day": "demain"}, {"start": "25:99"},
                                    {"mode": "video", "place": "salle 3"}, {"mode": "phone", "place": "appelez"}])
def test_bad_input_is_refused_with_422_and_nothing_saved(client, auth, db, ws, fields):
    auth.login_as(ws.manager)
    response = client.post("/workspace/sessions/new", data=form(ws.files, **fields))
    assert response.status_code == 422
    assert 'class="field-error"' in text(response)
    assert count(db, MentoringSession) == 0


def test_her_accessibility_needs_are_shown_and_arrangements_required(client, auth, db, ws):
    needing = ws.add_file(needs=("sign_language",), email="amal@example.org", locale="fr")
    accept(db, needing)
    auth.login_as(ws.manager)
    page = text(client.get(f"/workspace/sessions/new?application_id={needing.id}&lang=fr"))
    assert "langue des signes" in page.lower() or "Sign language" in page
    assert f'id="arrangements_{needing.id}"' in page
    assert re.search(rf'value="{needing.id}"[^>]*checked|checked[^>]*value="{needing.id}"', page)

    response = client.post("/workspace/sessions/new", data=form([needing]))
    assert response.status_code == 422 and count(db, MentoringSession) == 0
    assert f'id="arrangements_{needing.id}-error"' in text(response)

    response = client.post("/workspace/sessions/new", data={
        **form([needing]), f"arrangements_{needing.id}": "Une interprète en langue des signes sera présente"})
    assert response.status_code == 303
    session = db.session.scalar(sa.select(MentoringSession))
    assert convocation_of(db, session, needing).arrangements.startswith("Une interprète")
    assert "interprète" in messages_to(db, needing.applicant)[-1].body


def test_only_accepted_or_accompanied_files_of_the_scope_can_be_convened(client, auth, db, ws, make_workspace):
    assigned = ws.add_file()  # routed, not accepted yet
    other = make_workspace(files=1)
    accept(db, *other.files)
    auth.login_as(ws.manager)
    page = text(client.get("/workspace/sessions/new"))
    assert ws.files[0].reference in page and assigned.reference not in page and other.files[0].reference not in page
    for refused in (assigned, other.files[0]):
        response = client.post("/workspace/sessions/new", data=form([ws.files[0], refused]))
        assert response.status_code == 422
    assert count(db, MentoringSession) == 0


def test_the_file_page_offers_to_convene_her(client, auth, db, ws):
    auth.login_as(ws.manager)
    page = text(client.get(f"/workspace/files/{ws.files[0].id}"))
    assert f"/workspace/sessions/new?application_id={ws.files[0].id}" in page


# -- her convocation ---------------------------------------------------------------------------------------

def test_she_sees_her_convocation_on_her_page_and_downloads_it(client, auth, db, ws):
    ar_file = ws.files[1]
    session = convene(db, ws.manager, ws.files, topic=TOPIC_AR, bring="البطاقة الوطنية")
    convocation = convocation_of(db, session, ar_file)
    auth.login_as(ar_file.applicant)
    status = text(client.get(f"/applications/{ar_file.id}"))
    path = f"/applications/{ar_file.id}/convocations/{convocation.id}"
    assert f'href="{path}"' in status and TOPIC_AR in status

    page = text(client.get(path))
    assert convocation.check_in_code in page and TOPIC_AR in page and "Zerktouni" in page
    assert f'<span class="reference"><bdi dir="ltr">{convocation.check_in_code}</bdi></span>' in page
    assert f'href="{path}.pdf"' in page

    response = client.get(f"{path}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store, private"
    assert ar_file.reference in response.headers["Content-Disposition"]
    pdf = read_pdf(response.data)
    everything = "".join(visual(line) for line in pdf.lines)
    assert convocation.check_in_code in everything  # left to right, intact
    for arabic in (TOPIC_AR, NAME_AR):
        line = pdf.line_with(arabic)
        assert arabic in right_to_left(line) and arabic not in visual(line)  # logical order, laid out RTL
    assert "Sign out" not in everything


def test_staff_of_the_file_may_open_her_convocation_too(client, auth, db, ws):
    session = convene(db, ws.manager, ws.files)
    convocation = convocation_of(db, session, ws.files[0])
    auth.login_as(ws.mentor)
    assert client.get(f"/applications/{ws.files[0].id}/convocations/{convocation.id}").status_code == 200


def test_the_agent_who_registered_her_sees_what_she_sees(client, auth, db, ws, make_user, province):
    agent = make_user(role="agent", provinces=[province("errachidia")])
    application = ws.files[1]
    application.created_by_id = agent.id
    application.applicant.registered_by_id = agent.id  # she has not taken her account over yet
    db.session.commit()
    session = convene(db, ws.manager, [application])
    auth.login_as(agent)
    path = f"/applications/{application.id}/convocations/{session.convocations[0].id}"
    assert session.convocations[0].check_in_code in text(client.get(path))
    assert client.get(f"{path}.pdf").status_code == 200
    assert client.get(f"/workspace/sessions/{session.id}").status_code == 403


def test_another_applicant_gets_404_on_her_convocation(client, auth, db, ws, make_file):
    session = convene(db, ws.manager, ws.files)
    convocation = convocation_of(db, session, ws.files[0])
    stranger = make_file()
    auth.login_as(stranger.applicant)
    for path in (f"/applications/{ws.files[0].id}/convocations/{convocation.id}",
                 f"/applications/{ws.files[0].id}/convocations/{convocation.id}.pdf",
                 f"/applications/{stranger.id}/convocations/{convocation.id}",
                 f"/applications/{stranger.id}/convocations/{convocation.id}.pdf"):
        assert client.get(path).status_code == 404, path
    auth.login_as(ws.files[1].applicant)  # convened to the same session, but not this convocation
    assert client.get(f"/applications/{ws.files[1].id}/convocations/{convocation.id}").status_code == 404


# -- reminders ---------------------------------------------------------------------------------------------

def test_reminders_go_once_the_day_before(runner, db, ws):
    session = convene(db, ws.manager, ws.files)
    first = runner.invoke(args=["send-reminders"])
    assert first.exit_code == 0, first.output
    assert "2 reminder(s) sent." in first.output
    second = runner.invoke(args=["send-reminders"])
    assert "0 reminder(s) sent." in second.output
    for application in ws.files:
        assert len(messages_to(db, application.applicant)) == 2  # the convocation, then one reminder
        assert convocation_of(db, session, application).reminded_at is not None
    reminder = messages_to(db, ws.files[0].applicant)[-1]
    assert reminder.language == "fr" and convocation_of(db, session, ws.files[0]).check_in_code in reminder.body


def test_no_reminder_for_a_session_in_three_days_cancelled_or_already_attended(runner, db, ws, make_workspace):
    convene(db, ws.manager, ws.files[:1], days=3)
    cancelled = convene(db, ws.manager, ws.files[1:])
    sessions.cancel(cancelled, ws.manager)
    db.session.commit()
    other = make_workspace(files=1)
    accept(db, *other.files)
    excused = convene(db, other.manager, other.files)
    sessions.record_attendance(excused.convocations[0], other.manager, "excused")
    db.session.commit()
    before = count(db, OutboxMessage)
    result = runner.invoke(args=["send-reminders"])
    assert "0 reminder(s) sent." in result.output
    assert count(db, OutboxMessage) == before


def test_a_convocation_claimed_by_another_run_is_not_reminded_again(db, ws):
    session = convene(db, ws.manager, ws.files)
    due = sessions.due_reminders()
    assert len(due) == 2
    # Another run claimed the first one between our read and our claim.
    db.session.execute(sa.update(Convocation).where(Convocation.id == due[0]).values(reminded_at=utcnow()))
    before = count(db, OutboxMessage)
    assert sessions.remind(due) == 1
    assert sessions.remind(due) == 0
    db.session.commit()
    assert count(db, OutboxMessage) == before + 1
    assert session.id


def test_two_reminder_runs_at_once_remind_each_convocation_once(postgresql_only, make_app, db, ws):
    """Two crons (two servers) at the same moment, each in its own transaction: proven on PostgreSQL."""
    import threading
    import time
    convene(db, ws.manager, ws.files)
    before = count(db, OutboxMessage)
    app, sent, errors = make_app(), [], []
    barrier = threading.Barrier(2)

    def run():
        try:
            with app.app_context():
                due = sessions.due_reminders()
                barrier.wait(timeout=10)  # both have read the same convocations as due
                sent.append(sessions.remind(due))
                time.sleep(0.3)
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(sent) == [0, 2]
    db.session.expire_all()
    assert count(db, OutboxMessage) == before + 2


# -- attendance and notes --------------------------------------------------------------------------------

def test_attendance_by_hand_is_recorded_with_who_and_when(client, auth, db, ws):
    session = convene(db, ws.manager, ws.files)
    convocation = convocation_of(db, session, ws.files[0])
    auth.login_as(ws.manager)
    path = f"/workspace/sessions/{session.id}/convocations/{convocation.id}/attendance"
    assert client.post(path, data={f"att{convocation.id}-attendance": "present"}).status_code == 422  # not yet
    response = client.post(path, data={f"att{convocation.id}-attendance": "excused"})  # she called ahead
    assert response.status_code == 303
    started(db, session)
    assert client.post(path, data={f"att{convocation.id}-attendance": "nonsense"}).status_code == 422
    assert client.post(path, data={f"att{convocation.id}-attendance": "present"}).status_code == 303
    found = convocation_of(db, session, ws.files[0])
    assert (found.attendance, found.attendance_by_id, found.checked_in_by_code) == ("present", ws.manager.id, False)
    assert found.attendance_at is not None
    assert [e.details["attendance"] for e in audit(db, "convocation.attendance")] == ["excused", "present"]


def test_check_in_by_code(client, auth, db, ws, make_workspace):
    session = convene(db, ws.manager, ws.files)
    later = convene(db, ws.manager, ws.files[:1], days=2)
    other = make_workspace(files=1)
    accept(db, *other.files)
    elsewhere = convene(db, other.manager, other.files)
    started(db, session)
    code = convocation_of(db, session, ws.files[1]).check_in_code
    auth.login_as(ws.mentor)
    path = f"/workspace/sessions/{session.id}/check-in"
    for wrong in ("ZZZZZZZZ", later.convocations[0].check_in_code, elsewhere.convocations[0].check_in_code, ""):
        response = client.post(f"{path}?lang=fr", data={"checkin-code": wrong})
        assert response.status_code == 422, wrong
        assert 'id="checkin-code-error"' in text(response)
    assert convocation_of(db, elsewhere, other.files[0]).attendance is None
    typed = f" {code[:4].lower()}-{code[4:]} "  # as read out loud
    assert client.post(path, data={"checkin-code": typed}).status_code == 303
    found = convocation_of(db, session, ws.files[1])
    assert (found.attendance, found.checked_in_by_code, found.attendance_by_id) == ("present", True, ws.mentor.id)
    assert client.post(path, data={"checkin-code": code}).status_code == 303  # twice: still present, no error


def test_notes_of_a_file_are_saved(client, auth, db, ws):
    session = convene(db, ws.manager, ws.files)
    convocation = convocation_of(db, session, ws.files[0])
    auth.login_as(ws.mentor)
    path = f"/workspace/sessions/{session.id}/convocations/{convocation.id}/notes"
    prefix = f"notes{convocation.id}"
    assert client.post(path, data={f"{prefix}-duration_minutes": "-3"}).status_code == 422
    response = client.post(path, data={f"{prefix}-duration_minutes": "45", f"{prefix}-topics": "Étude de marché",
                                       f"{prefix}-notes": "Motivée", f"{prefix}-next_steps": "Devis du four"})
    assert response.status_code == 303
    found = convocation_of(db, session, ws.files[0])
    assert (found.duration_minutes, found.topics, found.notes, found.next_steps) == (
        45, "Étude de marché", "Motivée", "Devis du four")
    (entry,) = audit(db, "convocation.notes")
    assert "Motivée" not in str(entry.details)  # the audit names the fields, not her notes
    assert "Devis du four" in text(client.get(f"/workspace/files/{ws.files[0].id}"))


def test_the_session_page_has_unique_ids(client, auth, db, ws):
    session = convene(db, ws.manager, ws.files)
    auth.login_as(ws.manager)
    page = text(client.get(f"/workspace/sessions/{session.id}"))
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


# -- cancelling --------------------------------------------------------------------------------------------

def test_cancelling_tells_the_applicants(client, auth, db, ws):
    session = convene(db, ws.manager, ws.files)
    auth.login_as(ws.manager)
    response = client.post(f"/workspace/sessions/{session.id}/cancel", data={"cancel-message": "Salle fermée"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(MentoringSession, session.id).cancelled_at is not None
    for application in ws.files:
        latest = messages_to(db, application.applicant)[-1]
        assert "Salle fermée" in latest.body
    assert messages_to(db, ws.files[0].applicant)[-1].language == "fr"
    assert len(audit(db, "session.cancelled")) == 1
    assert client.post(f"/workspace/sessions/{session.id}/cancel", data={}).status_code == 422
    page = text(client.get(f"/applications/{ws.files[0].id}/convocations/{session.convocations[0].id}?lang=fr"))
    assert "annulée" in page.lower()


def test_a_started_session_cannot_be_cancelled(client, auth, db, ws):
    session = convene(db, ws.manager, ws.files)
    started(db, session)
    auth.login_as(ws.manager)
    assert client.post(f"/workspace/sessions/{session.id}/cancel", data={}).status_code == 422
    assert db.session.get(MentoringSession, session.id).cancelled_at is None


# -- the list and scope ------------------------------------------------------------------------------------

def test_index_lists_sessions_to_come_before_past_ones(client, auth, db, ws):
    auth.login_as(ws.manager)
    empty = client.get("/workspace/sessions/")
    assert empty.status_code == 200 and "/workspace/sessions/new" in text(empty)
    soon = convene(db, ws.manager, ws.files[:1], topic="Prochaine")
    old = convene(db, ws.manager, ws.files[1:], days=2, topic="Ancienne")
    db.session.execute(sa.update(MentoringSession).where(MentoringSession.id == old.id)
                       .values(starts_at=utcnow() - timedelta(days=3)))
    db.session.commit()
    page = text(client.get("/workspace/sessions/"))
    assert page.index("upcoming-title") < page.index("Prochaine") < page.index("past-title") < page.index("Ancienne")
    assert soon.id


def test_index_makes_the_same_number_of_queries_as_sessions_grow(client, auth, db, ws):
    convene(db, ws.manager, ws.files)
    auth.login_as(ws.manager)
    client.get("/workspace/sessions/")
    few, _ = count_queries(db, client, "/workspace/sessions/")
    for days in range(2, 8):
        convene(db, ws.manager, ws.files, days=days)
    many, response = count_queries(db, client, "/workspace/sessions/")
    assert response.status_code == 200
    assert many == few


def test_convening_and_session_pages_make_the_same_number_of_queries_as_files_grow(client, auth, db, ws):
    auth.login_as(ws.manager)
    session = convene(db, ws.manager, ws.files)
    client.get("/workspace/sessions/new")
    few_new, _ = count_queries(db, client, "/workspace/sessions/new")
    few_show, _ = count_queries(db, client, f"/workspace/sessions/{session.id}")
    more = [ws.add_file(needs=("companion",)) for _ in range(4)]
    accept(db, *more)
    bigger = convene(db, ws.manager, [*ws.files], arrangements={f.id: "Accompagnatrice bienvenue" for f in more})
    many_new, response = count_queries(db, client, "/workspace/sessions/new")
    assert response.status_code == 200 and all(f.reference in text(response) for f in more)
    many_show, response = count_queries(db, client, f"/workspace/sessions/{bigger.id}")
    assert response.status_code == 200 and all(f.reference in text(response) for f in more)
    assert (many_new, many_show) == (few_new, few_show)


def test_index_paginates(client, auth, db, ws, monkeypatch):
    monkeypatch.setattr(sessions, "PAGE_SIZE", 2)
    for days in range(1, 6):
        convene(db, ws.manager, ws.files[:1], days=days, topic=f"Séance {days}")
    auth.login_as(ws.manager)
    found = sessions.index_page(ws.manager, 3, page_size=2)
    assert (found.total, found.pages, len(found.upcoming)) == (5, 3, 1)


def test_a_manager_of_another_incubator_gets_404(client, auth, db, ws, make_workspace):
    session = convene(db, ws.manager, ws.files)
    convocation = convocation_of(db, session, ws.files[0])
    other = make_workspace(files=0)
    auth.login_as(other.manager)
    assert f"/workspace/sessions/{session.id}" not in text(client.get("/workspace/sessions/"))
    base = f"/workspace/sessions/{session.id}"
    for path in (base, f"/applications/{ws.files[0].id}/convocations/{convocation.id}",
                 f"/applications/{ws.files[0].id}/convocations/{convocation.id}.pdf"):
        assert client.get(path).status_code == 404, path
    for path, data in ((f"{base}/check-in", {"checkin-code": convocation.check_in_code}),
                       (f"{base}/convocations/{convocation.id}/attendance",
                        {f"att{convocation.id}-attendance": "excused"}),
                       (f"{base}/convocations/{convocation.id}/notes", {}), (f"{base}/cancel", {})):
        assert client.post(path, data=data).status_code == 404, path
    assert convocation_of(db, session, ws.files[0]).attendance is None
    assert db.session.get(MentoringSession, session.id).cancelled_at is None


def test_a_mentor_sees_only_the_sessions_of_her_files(client, auth, db, make_workspace):
    ws = make_workspace(files=2)
    hers, not_hers = ws.files
    accept(db, hers, mentor=ws.mentor)
    accept(db, not_hers)
    shared = convene(db, ws.manager, [hers, not_hers], topic="Commune")
    others = convene(db, ws.manager, [not_hers], topic="Sans elle")
    auth.login_as(ws.mentor)
    index = text(client.get("/workspace/sessions/"))
    assert "Commune" in index and "Sans elle" not in index
    assert client.get(f"/workspace/sessions/{others.id}").status_code == 404
    page = text(client.get(f"/workspace/sessions/{shared.id}"))
    assert hers.reference in page and not_hers.reference not in page
    theirs = convocation_of(db, shared, not_hers)
    assert client.post(f"/workspace/sessions/{shared.id}/convocations/{theirs.id}/attendance",
                       data={f"att{theirs.id}-attendance": "excused"}).status_code == 404
    assert client.post("/workspace/sessions/new", data=form([not_hers])).status_code == 422
    assert client.post("/workspace/sessions/new", data=form([hers])).status_code == 303
    mine = db.session.scalar(sa.select(MentoringSession).order_by(MentoringSession.id.desc()))
    assert mine.created_by_id == ws.mentor.id and "Atelier marketing" in text(client.get("/workspace/sessions/"))


@pytest.mark.parametrize("role", ["applicant", "agent", "coordinator"])
def test_other_roles_reach_no_staff_session_page(client, auth, db, ws, make_user, province, role):
    session = convene(db, ws.manager, ws.files)
    auth.login_as(make_user(role=role, provinces=[province("errachidia")]))
    for path in ("/workspace/sessions/", "/workspace/sessions/new", f"/workspace/sessions/{session.id}"):
        assert client.get(path).status_code in (403, 404), path
    assert client.post(f"/workspace/sessions/{session.id}/cancel", data={}).status_code in (403, 404)
    assert db.session.get(MentoringSession, session.id).cancelled_at is None


def test_the_applicant_herself_gets_nothing_of_the_staff_pages(client, auth, db, ws):
    session = convene(db, ws.manager, ws.files)
    auth.login_as(ws.files[0].applicant)
    assert client.get(f"/workspace/sessions/{session.id}").status_code == 403
    assert client.get("/workspace/sessions/").status_code == 403


def test_anonymous_is_sent_to_sign_in(client, db, ws):
    response = client.get("/workspace/sessions/")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_the_menu_offers_the_sessions_to_staff(client, auth, ws):
    for user in (ws.manager, ws.mentor):
        auth.login_as(user)
        assert 'href="/workspace/sessions/"' in text(client.get("/workspace/"))


def test_the_files_offered_are_a_page_at_a_time_and_searchable(db, ws):
    rows, total = sessions.convenable_files(ws.manager, page_size=1)
    assert total == 2 and len(rows) == 1
    rows, total = sessions.convenable_files(ws.manager, q=ws.files[1].reference)
    assert [r.id for r in rows] == [ws.files[1].id]

