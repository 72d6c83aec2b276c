"""SMS and e-mails in Arabic read right: every value that reads left to right (a reference, a phone number, a
code, a link, an amount) lands in the outbox between LRI and PDI, never bare, so that a phone lays it out in its
own order inside the Arabic sentence; a date, written with the month's Arabic name, is isolated with its own
direction (FSI … PDI). The same code path writes the French messages."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from babel import dates
from flask_babel import force_locale
from journey import fill_all_steps
from test_outcomes import APPROVED, in_mentoring

from jisr import bidi
from jisr.applications.models import Application
from jisr.outbox.models import OutboxMessage
from jisr.workspace import services as workspace
from jisr.workspace import sessions
from jisr.workspace.models import Convocation

LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"
CODE = re.compile(r"(?<![0-9A-Z])[0-9]{6}(?![0-9A-Z])")


def messages_to(db, *contacts) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient.in_(contacts))
                                   .order_by(OutboxMessage.id)))


def by_channel(messages) -> dict[str, OutboxMessage]:
    found = {}
    for message in messages:
        found.setdefault(message.channel, message)
    return found


def assert_isolated(text: str, value: str, start: str = LRI) -> None:
    """`value` is in `text`, and each time between `start` and PDI (no bare copy beside an isolated one)."""
    wrapped = f"{start}{value}{PDI}"
    assert wrapped in text, (value, text)
    assert text.count(value) == text.count(wrapped), (value, text)


def code_of(message: OutboxMessage) -> str:
    return CODE.search(message.body).group(0)


def arabic_date(value, fmt: str = "full") -> str:
    return dates.format_date(value, fmt, locale="ar_MA")


# -- the scenes: each leaves in the outbox the messages of one kind -----------------------------------------

def reset_code(client, db, make_user, contact: dict) -> list[OutboxMessage]:
    user = make_user(locale="ar", full_name="فاطمة الزهراء", **contact)
    assert client.post("/account/reset", data={"identifier": user.email or user.phone}).status_code == 302
    return messages_to(db, user.email or user.phone)


def invitation(client, auth, db, make_user, make_incubator, **contact) -> list[OutboxMessage]:
    incubator = make_incubator(name_ar="جمعية الواحة للتنمية", name_fr="Association Oasis")
    manager = make_user(role="incubator_manager", incubator_id=incubator.id, full_name="زينب العلوي")
    auth.login_as(manager)
    response = client.post("/incubators/mine/invitations", data={
        "invite-full_name": "خديجة بناني", "invite-phone": contact.get("phone", ""),
        "invite-email": contact.get("email", ""), "invite-language": "ar"})
    assert response.status_code == 303
    return messages_to(db, "+212611223344", "khadija@example.org")


def admin_invitation(client, auth, db, make_user, province) -> list[OutboxMessage]:
    auth.login_as(make_user(role="admin", email="admin@example.org"))
    response = client.post("/admin/users/invite", data={
        "full_name": "فاطمة الوالي", "phone": "06 61 44 55 66", "email": "", "language": "ar", "role": "agent",
        "provinces": [province("errachidia").id]})
    assert response.status_code == 303
    return messages_to(db, "+212661445566")


def submitted(client, auth, db, make_user, programme, journey_ids, **contact) -> tuple[list, Application]:
    user = make_user(locale="ar", **contact)
    auth.login_as(user)
    assert client.post("/applications/start?lang=ar").status_code == 302
    application = db.session.scalar(sa.select(Application).where(Application.applicant_id == user.id))
    fill_all_steps(client, application.id, *journey_ids, lang="ar")
    assert client.post(f"/applications/{application.id}/review", data={"consent": "y"}).status_code == 302
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    return messages_to(db, *[c for c in (user.email, user.phone) if c]), application


def claimed(client, auth, db, make_user, province, programme, email: str = "") -> list[OutboxMessage]:
    agent = make_user(role="agent", email="agent@example.org", provinces=[province("errachidia")])
    auth.login_as(agent)
    response = client.post("/agent/new", data={"full_name": "إيطو آيت علي", "phone": "06 61 23 45 67",
                                               "email": email, "province_id": province("errachidia").id,
                                               "language": "ar"})
    assert response.status_code == 302
    return messages_to(db, "+212661234567", email)


def routed(db, make_workspace, **contact):
    ws = make_workspace(files=0)
    application = ws.add_file(locale="ar", **contact)
    return ws, application, messages_to(db, *contact.values())


def convened(db, ws, application, mode: str = "phone", place: str = "0535 00 00 01", days: int = 1):
    application.status = "accepted"
    db.session.commit()
    session = sessions.convene(ws.manager, [application.id], day=datetime.now(sessions.default_zone()).date()
                               + timedelta(days=days), at=datetime.strptime("10:00", "%H:%M").time(),
                               duration_minutes=90, mode=mode, place=place, topic="ورشة التسويق",
                               bring="البطاقة الوطنية")
    db.session.commit()
    return session


# -- the reset code -----------------------------------------------------------------------------------------

def test_reset_code_by_sms_is_isolated(client, db, make_user):
    [sms] = reset_code(client, db, make_user, {"phone": "+212612345678"})
    assert sms.channel == "sms" and sms.language == "ar"
    assert_isolated(sms.body, code_of(sms))


def test_reset_code_by_email_is_isolated(client, db, make_user):
    [mail] = reset_code(client, db, make_user, {"email": "fatima@example.org"})
    assert mail.channel == "email" and mail.language == "ar"
    assert_isolated(mail.body, code_of(mail))


# -- invitations --------------------------------------------------------------------------------------------

def test_an_invitation_by_sms_isolates_its_code_and_link(client, auth, db, make_user, make_incubator):
    [sms] = invitation(client, auth, db, make_user, make_incubator, phone="06 11 22 33 44")
    assert sms.channel == "sms" and sms.language == "ar" and "جمعية الواحة للتنمية" in sms.body
    assert_isolated(sms.body, code_of(sms))
    assert_isolated(sms.body, "http://localhost/account/invitation/?lang=ar")


def test_an_invitation_by_email_isolates_its_code_and_link(client, auth, db, make_user, make_incubator):
    [mail] = invitation(client, auth, db, make_user, make_incubator, email="khadija@example.org")
    assert mail.channel == "email" and mail.language == "ar"
    assert_isolated(mail.body, code_of(mail))
    assert_isolated(mail.body, "http://localhost/account/invitation/?lang=ar")


def test_an_admins_invitation_isolates_its_code_and_link(client, auth, db, make_user, province):
    [sms] = admin_invitation(client, auth, db, make_user, province)
    assert sms.language == "ar"
    assert_isolated(sms.body, code_of(sms))
    assert_isolated(sms.body, "http://localhost/account/invitation/?lang=ar")


# -- the receipt after sending a file -----------------------------------------------------------------------

def test_the_receipt_by_sms_isolates_the_reference(client, auth, db, make_user, programme, journey_ids):
    messages, application = submitted(client, auth, db, make_user, programme, journey_ids, phone="+212612345670")
    received = [m for m in messages if "JISR" in m.body]
    assert received and all(m.channel == "sms" and m.language == "ar" for m in received)
    for message in received:  # the receipt, and the waiting list it was routed to in the same request
        assert_isolated(message.body, application.reference)


def test_the_receipt_by_email_isolates_the_reference_in_its_subject_too(client, auth, db, make_user, programme,
                                                                        journey_ids):
    messages, application = submitted(client, auth, db, make_user, programme, journey_ids,
                                      email="fatima@example.org")
    assert messages and all(m.channel == "email" for m in messages)
    for message in messages:
        assert_isolated(message.subject, application.reference)
        assert_isolated(message.body, application.reference)


# -- the claim code an agent has sent -----------------------------------------------------------------------

def test_the_claim_code_isolates_its_code_and_link(client, auth, db, make_user, province, programme):
    told = by_channel(claimed(client, auth, db, make_user, province, programme, email="itto@example.org"))
    assert set(told) == {"sms", "email"}
    for message in told.values():
        assert message.language == "ar"
        assert_isolated(message.body, code_of(message))
        assert_isolated(message.body, "http://localhost/account/claim")


# -- routing and the workspace's notices --------------------------------------------------------------------

def test_routing_isolates_the_reference_and_the_incubators_phone(db, make_workspace):
    ws, application, messages = routed(db, make_workspace, email="salma@example.org", phone="+212612345671")
    told = by_channel(messages)
    assert set(told) == {"sms", "email"}
    phone = bidi.display_phone(ws.incubator.phone)
    assert phone.startswith("05 35")  # as Moroccans write it, not +212…
    for message in told.values():
        assert_isolated(message.body, application.reference)
        assert_isolated(message.body, phone)
        assert ws.incubator.phone not in message.body
    assert_isolated(told["email"].subject, application.reference)
    assert_isolated(told["email"].body, ws.incubator.address, FSI)  # typed by staff: its own direction


def test_the_workspaces_notices_isolate_the_reference(db, make_workspace):
    ws, application, _ = routed(db, make_workspace, email="salma@example.org", phone="+212612345671")
    workspace.start_review(application, ws.manager)
    workspace.accept(application, ws.manager)
    db.session.commit()
    told = by_channel(messages_to(db, "salma@example.org", "+212612345671")[-2:])
    assert set(told) == {"sms", "email"}
    for message in told.values():
        assert_isolated(message.body, application.reference)
    assert_isolated(told["email"].subject, application.reference)


def test_a_coordinators_decision_isolates_the_reference(db, make_file, make_user, province):
    from jisr.coordination.services import override_eligibility

    application = make_file(locale="ar", phone="+212612345672")
    override_eligibility(application, False, "الملف لا يستوفي شرط الإقامة.",
                         make_user(role="coordinator", provinces=[province("errachidia")]))
    db.session.commit()
    [sms] = messages_to(db, "+212612345672")
    assert_isolated(sms.body, application.reference)


# -- sessions -----------------------------------------------------------------------------------------------

def test_a_convocation_and_its_reminder_isolate_the_code_the_phone_and_the_date(db, make_workspace):
    ws, application, _ = routed(db, make_workspace, email="salma@example.org", phone="+212612345671")
    db.session.execute(sa.delete(OutboxMessage))
    session = convened(db, ws, application)
    code = db.session.scalar(sa.select(Convocation.check_in_code))
    day = arabic_date(datetime.now(sessions.default_zone()).date() + timedelta(days=1))
    convocation = by_channel(messages_to(db, "salma@example.org", "+212612345671"))
    assert sessions.remind(sessions.due_reminders(session.starts_at - timedelta(hours=20))) == 1
    db.session.commit()
    reminder = by_channel(messages_to(db, "salma@example.org", "+212612345671")[2:])
    for told in (convocation, reminder):
        assert set(told) == {"sms", "email"}
        for message in told.values():
            assert message.language == "ar"
            assert_isolated(message.body, code)
            assert_isolated(message.body, "0535 00 00 01")
            assert f"{FSI}{day}" in message.body  # the date in Arabic words keeps its own (right-to-left) order
            assert "+0000" not in message.body and ":00:00" not in message.body
        assert f"{FSI}{day}{PDI}" in told["email"].subject
        assert_isolated(told["email"].body, "10:00", FSI)  # the time too


# -- financing ----------------------------------------------------------------------------------------------

def test_a_financing_decision_isolates_the_amount_the_reference_and_the_date(client, auth, db, make_workspace):
    ws, application, _ = routed(db, make_workspace, email="salma@example.org", phone="+212612345671")
    in_mentoring(db, ws, application)
    before = len(messages_to(db, "salma@example.org", "+212612345671"))
    auth.login_as(ws.manager)
    response = client.post(f"/workspace/files/{application.id}/financing?lang=fr", data=APPROVED)
    assert response.status_code == 303
    told = by_channel(messages_to(db, "salma@example.org", "+212612345671")[before:])
    assert set(told) == {"sms", "email"}
    with force_locale("ar_MA"):
        number = bidi.strip_isolates(bidi.amount(Decimal("50000")).split(" ")[0])
    assert number == "50.000,00"
    for message in told.values():
        assert_isolated(message.body, number)
    assert_isolated(told["email"].subject, application.reference)
    assert_isolated(told["email"].body, "10 أبريل 2026", FSI)


# -- one code path: French too ------------------------------------------------------------------------------

def test_french_messages_take_the_same_path(client, db, make_user):
    user = make_user(locale="fr", phone="+212612345678")
    assert client.post("/account/reset", data={"identifier": user.phone}).status_code == 302
    [sms] = messages_to(db, user.phone)
    assert sms.language == "fr" and "Jisr" in sms.body
    assert_isolated(sms.body, code_of(sms))


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_no_digits_in_the_catalogues_message_bodies(language):
    """A message sent by SMS or e-mail keeps its values as placeholders: a digit written in a translation would
    not be isolated (and would be wrong when the value changes)."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    sending = ("jisr/auth/services.py", "jisr/auth/invitations.py", "jisr/applications/services.py",
               "jisr/calls/", "jisr/routing/services.py", "jisr/rights/erasure.py", "jisr/workspace/notices.py",
               "jisr/workspace/sessions.py", "jisr/workspace/outcomes.py", "jisr/coordination/services.py")
    path = Path(__file__).resolve().parent.parent / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    digits = re.compile(r"[0-9\u0660-\u0669\u06f0-\u06f9]")
    found = []
    for message in catalogue:
        if not message.id or not any(file.startswith(sending) for file, _line in message.locations):
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if any(digits.search(text or "") for text in strings) and not any(digits.search(i) for i in ids):
            found.append(message.id)
    assert found == []

