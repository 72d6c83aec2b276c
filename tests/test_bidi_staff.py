"""Staff pages in Arabic keep left-to-right values in their order: phone numbers in pairs, references, national
IDs, e-mail addresses, codes, file names, links, amounts, isolated with `<bdi dir="ltr">` (jisr/bidi.py's `ltr`
and `phone` filters) or, in messages, between LRI and PDI; and no staff message writes a number or an example
value into its own text. Without the isolation, "05 35 00 00 01" after Arabic words shows as 01 00 00 35 05."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po
from flask_babel import force_locale

from jisr.applications.models import ApplicantProfile, Status
from jisr.auth import invitations
from jisr.auth.models import Role
from jisr.bidi import amount, display_phone, example_phone, isolate
from jisr.calls.models import AssociationDocument, AssociationStatus
from jisr.documents.models import Document
from jisr.workspace import grids, services, sessions

LRI, PDI = "\u2066", "\u2069"
ZONE = ZoneInfo("Africa/Casablanca")


def bdi(value: str) -> str:
    return f'<bdi dir="ltr">{value}</bdi>'


def page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return response.get_data(as_text=True)


def post(client, path: str, data: dict, status: int = 303) -> str:
    response = client.post(path, data=data)
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return response.get_data(as_text=True)


def profile_of(db, application) -> ApplicantProfile:
    return db.session.scalar(sa.select(ApplicantProfile).where(ApplicantProfile.user_id == application.applicant_id))


def in_pairs(e164: str) -> str:
    """The number as the pages show it: "05 35 00 00 01" (several space-separated groups, so it needs isolating)."""
    shown = display_phone(e164)
    assert re.fullmatch(r"0\d( \d\d){4}", shown), shown
    return shown


def in_mentoring(db, ws, application):
    services.start_review(application, ws.manager)
    services.accept(application, ws.manager)
    services.assign_mentor(application, ws.manager, ws.mentor.id)
    services.start_mentoring(application, ws.manager)
    for _ in range([s.code for s in grids.stages(application.programme)].index("business_plan")):
        services.move_stage(application, ws.manager, "forward", None)
    db.session.commit()
    return application


# -- the file page ------------------------------------------------------------------------------------------

def test_file_page_isolates_her_reference_a_duplicates_reference_and_file_names(client, auth, db, make_workspace):
    ws = make_workspace(files=2)
    mine, lookalike = ws.files
    profile_of(db, lookalike).phone = mine.applicant.phone  # the same phone: flagged as a possible duplicate
    db.session.add(Document(application_id=mine.id, kind="id_card", original_name="cnie recto 2.png",
                            stored_name="b" * 32, content_type="image/png", size=10, sha256="0" * 64))
    db.session.commit()
    auth.login_as(ws.manager)
    html = page(client, f"/workspace/files/{mine.id}?lang=ar")
    assert 'lang="ar" dir="rtl"' in html
    assert f'<span class="reference">{bdi(mine.reference)}</span></h1>' in html
    assert f"<h3>{bdi(lookalike.reference)}</h3>" in html
    assert f"– {bdi('cnie recto 2.png')}</p>" in html
    assert '<span class="ltr">' not in html


def test_file_page_shows_her_phone_in_pairs_and_her_national_id_isolated(client, auth, db, make_workspace):
    ws = make_workspace(files=1)
    application = ws.files[0]
    auth.login_as(ws.manager)
    html = page(client, f"/workspace/files/{application.id}?lang=ar")
    assert bdi(in_pairs(application.applicant.phone)) in html
    assert bdi(profile_of(db, application).national_id) in html


def test_lists_of_files_isolate_references_and_the_example_reference(client, auth, db, make_workspace, make_user):
    ws = make_workspace(files=1)
    reference = ws.files[0].reference
    auth.login_as(ws.manager)
    queue = page(client, "/workspace/?lang=ar")
    assert f">{bdi(reference)}</a></h3>" in queue and bdi("JISR-2026-000123") in queue
    auth.login_as(make_user(role="admin"))
    files = page(client, "/coordination/files/?lang=ar")
    assert f">{bdi(reference)}</a></h3>" in files and bdi("JISR-2026-000123") in files
    assert f'<span class="reference">{bdi(reference)}</span>' in page(client, f"/coordination/files/{ws.files[0].id}")


# -- the outcome and financing ------------------------------------------------------------------------------

def test_outcome_section_and_history_isolate_amounts_and_registration_number(client, auth, db, make_workspace):
    ws = make_workspace(files=1)
    application = in_mentoring(db, ws, ws.files[0])
    auth.login_as(ws.manager)
    base = f"/workspace/files/{application.id}"
    post(client, f"{base}/outcome?lang=ar", {
        "version": "0", "activity_created_on": "2026-03-02", "legal_form": "cooperative",
        "registration_number": "COOP-1234", "financing_obtained": "y", "financing_amount": "45000",
        "financing_source": "honour_loan", "jobs_women": "3", "jobs_men": "1", "revenue_band": "2000_5000"})
    post(client, f"{base}/financing?lang=ar", {"commission_on": "2026-04-10", "decision": "approved",
                                               "amount": "1250000.5", "source": "honour_loan"})
    with force_locale("ar_MA"):
        obtained, approved = amount(Decimal("45000")), amount(Decimal("1250000.50"))
    assert obtained == f"{LRI}45.000,00{PDI} درهم" and approved == f"{LRI}1.250.000,50{PDI} درهم"

    html = page(client, f"{base}?lang=ar")
    section = re.search(r'<section aria-labelledby="outcome-title">.*?</section>', html, re.S).group(0)
    assert bdi("COOP-1234") in section and obtained in section and approved in section

    history = page(client, f"{base}/outcome/history?lang=ar")
    assert f"{LRI}COOP-1234{PDI}" in history and obtained in history and approved in history
    assert f'<span class="reference">{bdi(application.reference)}</span>' in history

    form = page(client, f"{base}/outcome?lang=ar")
    assert bdi("12500") in form and bdi("12500,50") in form  # the examples of the hint


def test_amount_and_count_errors_isolate_their_examples(client, auth, db, make_workspace):
    ws = make_workspace(files=1)
    application = in_mentoring(db, ws, ws.files[0])
    auth.login_as(ws.manager)
    html = post(client, f"/workspace/files/{application.id}/outcome?lang=ar",
                {"version": "0", "financing_obtained": "y", "financing_amount": "beaucoup", "jobs_women": "abc"},
                422)
    assert f"{LRI}12500{PDI}" in html and f"{LRI}12500,50{PDI}" in html and f"{LRI}3{PDI}" in html


# -- sessions and her convocation ---------------------------------------------------------------------------

def convene(db, ws, mode: str, place: str):
    for application in ws.files:
        application.status = Status.ACCEPTED
    db.session.commit()
    session = sessions.convene(ws.manager, [f.id for f in ws.files], day=datetime.now(ZONE).date() + timedelta(days=2),
                               at=datetime.strptime("10:00", "%H:%M").time(), duration_minutes=60, mode=mode,
                               place=place, topic="ورشة التسويق", bring="")
    db.session.commit()
    return session, session.convocations[0]


def test_convocation_isolates_reference_code_phone_and_link(client, auth, db, make_workspace):
    ws = make_workspace(files=1)
    application = ws.files[0]
    session, convocation = convene(db, ws, "phone", "0535 57 12 34")
    auth.login_as(application.applicant)
    path = f"/applications/{application.id}/convocations/{convocation.id}"
    html = page(client, f"{path}?lang=ar")
    assert f'<span class="reference">{bdi(application.reference)}</span>' in html
    assert f'<span class="reference">{bdi(convocation.check_in_code)}</span>' in html
    assert f'<a href="tel:0535571234">{bdi("0535 57 12 34")}</a>' in html
    assert f"<br>{bdi(in_pairs(ws.incubator.phone))}</dd>" in html  # the association's number, in pairs

    link = "https://meet.example.org/jisr-2026?room=12"
    session.mode, session.place = "video", link
    db.session.commit()
    assert f'<a href="{link}">{bdi(link)}</a>' in page(client, path)


def test_session_page_isolates_place_references_and_codes(client, auth, db, make_workspace):
    ws = make_workspace(files=2)
    session, _ = convene(db, ws, "phone", "0535 57 12 34")
    auth.login_as(ws.manager)
    html = page(client, f"/workspace/sessions/{session.id}?lang=ar")
    assert f"<dd>{bdi('0535 57 12 34')}</dd>" in html
    for convocation, application in zip(session.convocations, ws.files, strict=True):
        assert f'<span class="reference">{bdi(convocation.check_in_code)}</span>' in html
        assert f">{bdi(application.reference)}</a></h3>" in html
    assert f"{sessions.CODE_LENGTH} من الحروف والأرقام" in html  # the code's length, not a digit in the message
    assert f"– {bdi('0535 57 12 34')}</dd>" in page(client, "/workspace/sessions/")


@pytest.mark.parametrize(("mode", "place", "example"), [("phone", "appelez-moi", example_phone()),
                                                         ("video", "salle 3", "https://")])
def test_session_form_errors_isolate_their_examples(client, auth, db, make_workspace, mode, place, example):
    ws = make_workspace(files=1)
    ws.files[0].status = Status.ACCEPTED
    db.session.commit()
    auth.login_as(ws.manager)
    html = post(client, "/workspace/sessions/new?lang=ar", {
        "files": [str(ws.files[0].id)], "day": (date.today() + timedelta(days=3)).isoformat(), "start": "10:00",
        "duration": "60", "mode": mode, "place": place, "topic": "Atelier"}, 422)
    assert isolate(example) in html
    assert bdi("2026-11-23") in html and bdi("09:30") in html and bdi("Africa/Casablanca") in html  # the hints


# -- the incubator: its page, the directory ------------------------------------------------------------------

def test_manager_page_shows_mentors_and_invitations_in_pairs_and_isolated(app, client, auth, db, make_workspace):
    ws = make_workspace(files=0)
    ws.mentor.email = "mentor.one@example.org"
    with app.test_request_context():  # the invitation's message links to the site
        invitations.invite_mentor(ws.incubator, ws.manager, "Salma Idrissi", "+212661234567", "salma@example.org",
                                  "fr")
    db.session.commit()
    auth.login_as(ws.manager)
    html = page(client, "/incubators/mine?lang=ar")
    assert bdi(in_pairs(ws.mentor.phone)) in html and bdi("mentor.one@example.org") in html
    assert f"{bdi(in_pairs('+212661234567'))}<br>{bdi('salma@example.org')}" in html
    assert bdi(example_phone()) in html  # the hint's example number
    assert re.search(r'value="0\d \d\d \d\d \d\d \d\d"', html)  # the field itself: as typed, not isolated


def test_directory_shows_the_incubators_number_in_pairs(client, db, make_incubator):
    incubator = make_incubator(email="contact@oasis.ma")
    html = page(client, "/incubators/?lang=ar")
    assert f'<a href="tel:{incubator.phone}">{bdi(in_pairs(incubator.phone))}</a>' in html
    assert f'<a href="mailto:contact@oasis.ma">{bdi("contact@oasis.ma")}</a>' in html


# -- administration ----------------------------------------------------------------------------------------

def test_accounts_list_and_page_show_phones_in_pairs_and_e_mails_isolated(app, client, auth, db, make_user):
    admin = make_user(role="admin")
    nadia = make_user(role="coordinator", phone="+212612345678", email="nadia@example.org", full_name="Nadia Tazi")
    with app.test_request_context():
        invitations.invite(admin, Role.COORDINATOR, "Hind Amrani", "+212700112233", None, "ar")
    db.session.commit()
    auth.login_as(admin)
    users = page(client, "/admin/users/?lang=ar")
    assert f"{bdi('06 12 34 56 78')}<br>{bdi('nadia@example.org')}" in users
    assert bdi(in_pairs("+212700112233")) in users  # the invitation waiting
    user = page(client, f"/admin/users/{nadia.id}?lang=ar")
    assert f"<dd>{bdi('06 12 34 56 78')}</dd>" in user and f"<dd>{bdi('nadia@example.org')}</dd>" in user


def test_audit_log_isolates_actions_and_its_examples(client, auth, db, make_workspace, make_user):
    ws = make_workspace(files=1)
    auth.login_as(ws.manager)
    page(client, f"/workspace/files/{ws.files[0].id}")  # recorded: workspace.file_viewed
    auth.login_as(make_user(role="admin"))
    html = page(client, "/admin/audit/?lang=ar")
    assert f"<h3><code>{bdi('workspace.file_viewed')}</code></h3>" in html
    assert f"مثلًا {bdi('workspace.file_viewed')}." in html and f"مثلًا {bdi('JISR-2026-000123')}:" in html


def test_programme_and_jobs_pages_isolate_codes(client, auth, db, programme, make_user):
    auth.login_as(make_user(role="admin"))
    assert f"<dd>{bdi(programme.code)}</dd>" in page(client, f"/admin/programmes/{programme.id}?lang=ar")
    jobs = page(client, "/admin/jobs/?lang=ar")
    assert bdi("JISR_REDIS_URL") in jobs and bdi("send-outbox") in jobs


def test_association_application_isolates_its_contacts_number_and_documents(client, auth, db, make_call,
                                                                            make_association, make_user):
    representative = make_user(role="representative", phone="+212612000111", email="rep@example.org")
    association = make_association(make_call(), status=AssociationStatus.SUBMITTED, representative=representative)
    db.session.add(AssociationDocument(association_application_id=association.id, kind="statutes",
                                       original_name="statuts 2019.pdf", stored_name="c" * 32,
                                       content_type="application/pdf", size=2048, sha256="0" * 64))
    db.session.commit()
    auth.login_as(make_user(role="admin"))
    html = page(client, f"/selection/associations/{association.id}?lang=ar")
    assert f"<dd>{bdi(association.registration_number)}</dd>" in html
    assert f"<dd>{bdi(in_pairs(association.phone))}</dd>" in html and bdi(association.email) in html
    assert f"– {bdi('rep@example.org')} – {bdi('06 12 00 01 11')}</dd>" in html
    assert bdi("statuts 2019.pdf") in html


def test_public_figures_say_their_threshold_in_a_placeholder(client, db, programme):
    html = page(client, "/statistics/public?lang=ar")
    assert "أقل من 5" in html


# -- the messages themselves --------------------------------------------------------------------------------

STAFF_SOURCES = re.compile(r"jisr/(templates/(workspace|incubators|coordination|selection|sessions|outcomes|admin|"
                           r"stats|api)/|templates/calls/admin_|(workspace|incubators|coordination|routing|admin|"
                           r"stats)/|calls/selection|programmes/admin)")


def test_no_staff_message_writes_a_number_or_an_example_value_in_its_text():
    """Digits, e-mail addresses, links and codes go in placeholders, filled with isolated values."""
    catalogue = Path(__file__).resolve().parent.parent / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
    with catalogue.open("rb") as f:
        messages = read_po(f, locale="fr")
    written = []
    for message in messages:
        if not message.id or not any(STAFF_SOURCES.match(path) for path, _line in message.locations):
            continue
        for text in (message.id if isinstance(message.id, tuple) else (message.id,)):
            words = re.sub(r"%\(\w+\)[sd]|%%", "", text)
            if re.search(r"[0-9]|@|https?:|\w+[._-]\w+[._-]\w+|\b[A-Z]+_[A-Z]", words):
                written.append(text)
    assert written == []
