"""Left-to-right values on the pages applicants, field agents, representatives and visitors read in Arabic: each
reference, national ID, phone number (in pairs), e-mail address, code, file name and amount is isolated
(`<bdi dir="ltr">` in the page, LRI…PDI in a message that reaches it as text), and no example value is written
into a message, so none reads reversed after Arabic words (jisr/bidi.py)."""

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from journey import fill_all_steps, png_bytes
from markupsafe import escape

from jisr.applications.models import Consent, Status
from jisr.bidi import LRI, PDI

SENT_AT = datetime(2026, 6, 15, 9, 7, 42, tzinfo=UTC)  # 10:07 in Morocco (UTC+1 outside Ramadan)


def bdi(value: str) -> str:
    return f'<bdi dir="ltr">{escape(value)}</bdi>'


def arabic(app, message: str, **values) -> str:
    with app.test_request_context("/?lang=ar"), force_locale("ar"):
        text = gettext(message, **values)
    assert text != message % values, f"{message!r} is not translated in Arabic"
    return text


def page(client, path: str) -> str:
    response = client.get(path + ("&" if "?" in path else "?") + "lang=ar")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture
def sent(make_file, auth):
    """A sent file, its applicant signed in."""
    application = make_file(submitted_at=SENT_AT)
    auth.login_as(application.applicant)
    return application


# -- the applicant's pages ---------------------------------------------------------------------------------

def test_receipt_isolates_the_reference_and_id_and_writes_times_to_the_minute(client, db, sent):
    db.session.add(Consent(application_id=sent.id, user_id=sent.applicant_id, text_version="2026-1", language="ar",
                           given_at=SENT_AT))
    db.session.commit()
    html = page(client, f"/applications/{sent.id}/receipt")
    assert f'<span class="reference">{bdi(sent.reference)}</span>' in html
    assert f"<dd>{bdi(sent.national_id)}</dd>" in html
    assert html.count("10:07") == 2  # sent on, consent given on: to the minute, in Morocco's time
    assert not re.search(r"10:07(:42|\s*([+-]\d\d:?\d\d|UTC|GMT))", html)


def test_receipt_pdf_reads_the_reference_id_and_time_left_to_right(client, sent):
    from test_printing import read_pdf, visual  # the PDF read back glyph by glyph, in visual order

    pdf = read_pdf(client.get(f"/applications/{sent.id}/receipt.pdf?lang=ar").data)
    for value in (sent.reference, sent.national_id, "10:07"):
        assert value in visual(pdf.line_with(value))
    assert ":42" not in "".join(visual(line) for line in pdf.lines)


def test_status_page_isolates_the_reference_and_the_incubators_phone_in_pairs(client, db, sent, make_incubator):
    incubator = make_incubator(phone="+212535000001", email="contact@oasis.ma")
    sent.incubator_id, sent.status = incubator.id, Status.ASSIGNED
    db.session.commit()
    html = page(client, f"/applications/{sent.id}")
    assert f'<span class="reference">{bdi(sent.reference)}</span>' in html
    assert f'<a href="tel:+212535000001">{bdi("05 35 00 00 01")}</a>' in html
    assert f'<a href="mailto:contact@oasis.ma">{bdi("contact@oasis.ma")}</a>' in html


def test_my_files_isolate_a_reference_and_not_the_words_of_a_draft(app, client, sent, draft):
    html = page(client, "/applications/")
    assert f"<dd>{bdi(sent.reference)}</dd>" in html
    _, application = draft()
    html = page(client, "/applications/")
    assert f"<dd>{arabic(app, 'Not sent yet')}</dd>" in html  # Arabic words, in the page's direction


def test_withdrawal_names_the_reference_isolated(client, sent):
    assert bdi(sent.reference) in page(client, f"/applications/{sent.id}/withdraw")


def test_review_isolates_id_phone_email_file_name_and_amounts(app, client, db, draft, make_user, journey_ids):
    _, application = draft(make_user(phone="+212612345678", email="fatima@example.org"))
    fill_all_steps(client, application.id, *journey_ids)
    html = page(client, f"/applications/{application.id}/review")
    for value in ("AB123456", "06 12 34 56 78", "fatima@example.org"):
        assert f"<dd>{bdi(value)}</dd>" in html
    assert "+212612345678" not in html
    assert f": {bdi('cnie.png')}" in html
    for amount in ("25.000,00", "5.000,00"):  # budget and contribution, in dirhams
        assert f"<dd>{arabic(app, '%(amount)s DH', amount=LRI + amount + PDI)}</dd>" in html


def test_documents_isolate_the_file_name_in_cards_and_messages(app, client, draft):
    _, application = draft()
    response = client.post(f"/applications/{application.id}/documents?lang=ar", content_type="multipart/form-data",
                           data={"kind": "id_card", "file": (io.BytesIO(png_bytes()), "بطاقة 2026.png")})
    assert response.status_code == 303
    html = page(client, f"/applications/{application.id}/documents")
    name = "بطاقة 2026.png"
    assert escape(arabic(app, "The document “%(name)s” has been added.", name=LRI + name + PDI)) in html
    assert f"<dd>{bdi(name)}</dd>" in html


def test_consent_renewal_isolates_each_reference(app, client, auth, db, make_file, make_user, programme):
    from jisr.programmes import consent

    first = make_file()
    second = make_file()
    second.applicant_id = first.applicant_id
    db.session.commit()
    consent.publish(programme, "نص جديد", "Nouveau texte", by=make_user(role="admin"), today=date.today())
    db.session.commit()
    auth.login_as(first.applicant)
    html = page(client, "/consent/")
    assert f"{bdi(first.reference)}{escape(arabic(app, ', '))}{bdi(second.reference)}" in html


# -- hints and form errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/account/invitation/", "/account/reset/confirm"])
def test_the_example_code_is_isolated(app, client, path):
    assert arabic(app, "6 digits, for example %(example)s.", example=bdi("123456")) in page(client, path)


def test_identity_hints_isolate_their_examples(app, client, draft):
    _, application = draft()
    html = page(client, f"/applications/{application.id}/identity")
    assert arabic(app, "Use the date picker or type the date, for example %(example)s.", example=bdi("1990-03-25")) \
        in html
    hint = "One or two letters followed by digits, as on your identity card, for example %(example)s."
    assert escape(arabic(app, hint, example=LRI + "AB123456" + PDI)) in html


def test_a_wrong_code_is_told_with_the_example_isolated(app, client):
    response = client.post("/account/reset/confirm?lang=ar", data={"identifier": "0612345678", "code": "12"})
    assert response.status_code == 422
    message = arabic(app, "The code has 6 digits, like %(example)s.", example=LRI + "123456" + PDI)
    assert escape(message) in response.get_data(as_text=True)


MOBILE_ONLY = "Enter a mobile phone number (starting with %(first)s or %(second)s), so we can send you SMS."


def test_a_landline_is_refused_with_the_mobile_prefixes_isolated(app, client):
    response = client.post("/account/register?lang=ar", data={
        "full_name": "Fatima", "phone": "05 24 00 00 00", "password": "Tafilalet-2026!",
        "password_confirm": "Tafilalet-2026!"})
    message = arabic(app, MOBILE_ONLY, first=LRI + "06" + PDI, second=LRI + "07" + PDI)
    assert response.status_code == 422 and escape(message) in response.get_data(as_text=True)


# -- field agents, representatives, tokens -------------------------------------------------------------------

def test_the_agents_list_shows_phones_in_pairs_and_references_isolated(client, auth, db, make_user, make_file):
    agent = make_user(role="agent")
    application = make_file(phone="+212661234567", registered_by_id=agent.id)
    application.created_by_id = agent.id
    db.session.commit()
    auth.login_as(agent)
    html = page(client, "/agent/")
    assert f"<td>{bdi('06 61 23 45 67')}</td>" in html and "+212661234567" not in html
    assert f" – {bdi(application.reference)}" in html


def test_a_representatives_documents_isolate_their_file_names(app, client, auth, make_call, make_association):
    association = make_association(make_call())
    auth.login_as(association.representative)
    base = f"/calls/applications/{association.id}"
    response = client.post(f"{base}/documents?lang=ar", content_type="multipart/form-data",
                           data={"kind": "statutes", "file": (io.BytesIO(png_bytes()), "statuts 2026.png")})
    assert response.status_code == 303
    html = page(client, f"{base}/documents")
    assert escape(arabic(app, "The document “%(name)s” has been added.", name=LRI + "statuts 2026.png" + PDI)) in html
    assert f"<dd>{bdi('statuts 2026.png')}</dd>" in html


def test_api_tokens_are_isolated(client, auth, db, make_user):
    from jisr.api.models import ApiToken

    auth.login_as(make_user(role="coordinator"))
    html = client.post("/account/tokens/?lang=ar", data={"name": "Tableau"}).get_data(as_text=True)
    prefix = db.session.scalar(sa.select(ApiToken.prefix))
    assert re.search(rf'<code class="token"><bdi dir="ltr">{re.escape(prefix)}[^<]+</bdi></code>', html)
    assert f"<code>{bdi(prefix + '…')}</code>" in html


# -- no example value written into a message -----------------------------------------------------------------

SCOPE = ["templates/" + d for d in ("auth", "applications", "agents", "documents", "calls", "consent", "rights",
                                    "main", "errors", "api", "macros")] + [
    "templates/base.html", "auth", "applications", "agents", "documents", "rights", "main", "api",
    "programmes/consent.py", "programmes/consent_routes.py", "calls/routes.py", "calls/forms.py",
    "calls/services.py"]
MESSAGE = re.compile(r"""(?:\b_l?|gettext|ngettext)\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)""")
EXAMPLE = re.compile(r"\b0[5-7]\b|\b\d{6}\b|\b[A-Z]{1,2}\d{4,}\b|\b\d{4}-\d\d-\d\d\b|@\w|JISR-\d|\b[A-Z][a-z]+/[A-Z]")


def test_no_example_value_is_written_into_a_message():
    root = Path(__file__).parent.parent / "jisr"
    files = [p for entry in SCOPE for p in ([root / entry] if (root / entry).is_file()
                                           else sorted((root / entry).rglob("*.*")))
             if p.suffix in (".py", ".html")]
    found = [(str(path.relative_to(root)), text) for path in files
             for match in MESSAGE.finditer(path.read_text(encoding="utf-8"))
             for text in [re.sub(r'"\s*"', "", match.group(1))]
             if EXAMPLE.search(text) and " " in text]  # a value on its own ("name@example.com") fills a placeholder
    assert found == []
