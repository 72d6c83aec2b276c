"""Calls for expressions of interest, through the HTTP client: an admin opens a call whose deadline is Morocco
time; anyone reads it; a representative registers, fills her association's application over several visits
(drafts, documents checked by content) and sends it before the deadline, never after; she sees only hers."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from journey import png_bytes

from jisr.auth.models import Role, User
from jisr.calls.models import AssociationApplication, AssociationDocument, AssociationStatus, Call
from jisr.outbox.models import OutboxMessage
from jisr.timeutil import aware, utcnow


def call_form(programme, province, **changes):
    data = {"programme_id": programme.id, "title_ar": "طلب إبداء الاهتمام 2027", "title_fr": "Appel 2027",
            "description_ar": "نبحث عن جمعيات", "description_fr": "Nous cherchons des associations",
            "provinces": [province("errachidia").id, province("midelt").id], "opens_on": "2026-06-01",
            "closes_on": "2026-07-15", "closes_time": "17:00",
            "criteria-0-label_ar": "الخبرة", "criteria-0-label_fr": "Expérience", "criteria-0-weight": "3",
            "criteria-1-label_ar": "الولوجيات", "criteria-1-label_fr": "Accessibilité", "criteria-1-weight": "2"}
    data.update(changes)
    return data


def test_an_admin_opens_a_call_whose_deadline_is_morocco_time(client, auth, db, make_user, programme, province):
    auth.login_as(make_user(role="admin"))
    assert client.get("/calls/admin/new").status_code == 200
    response = client.post("/calls/admin/new", data=call_form(programme, province))
    assert response.status_code == 303
    call = db.session.scalar(sa.select(Call))
    # 17:00 in Casablanca on 15 July 2026 is 16:00 UTC (Morocco was on UTC+1 then, by the IANA data of 2026f).
    assert aware(call.closes_at) == datetime(2026, 7, 15, 16, 0, tzinfo=UTC)
    assert [(c.label_fr, c.weight) for c in call.criteria] == [("Expérience", 3), ("Accessibilité", 2)]
    assert sorted(p.code for p in call.provinces) == ["errachidia", "midelt"]

    # A criterion without its weight, or a deadline before the opening, is refused and nothing changes.
    for bad in ({"criteria-0-weight": ""}, {"closes_on": "2026-05-01"}, {"provinces": []}, {"title_fr": ""}):
        assert client.post(f"/calls/admin/{call.id}/edit", data=call_form(programme, province, **bad)).status_code \
            == 422
    db.session.expire_all()
    assert [(c.label_fr, c.weight) for c in db.session.get(Call, call.id).criteria] == [
        ("Expérience", 3), ("Accessibilité", 2)]
    assert client.get("/calls/admin/").status_code == 200


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_anyone_reads_an_open_call_and_its_criteria(client, make_call, lang):
    call = make_call()
    listing = client.get(f"/calls/?lang={lang}")
    assert listing.status_code == 200 and f'<html lang="{lang}"' in listing.text
    assert (call.title_ar if lang == "ar" else call.title_fr) in listing.text
    page = client.get(f"/calls/{call.id}")
    assert page.status_code == 200
    assert ("معيار 1" if lang == "ar" else "Expérience avec des projets de femmes") in page.text
    assert f"/calls/{call.id}/register" in page.text


def _organisation(province):
    return {"legal_name_ar": "جمعية النور", "legal_name_fr": "Association Nour", "registration_number": "RC-2020-55",
            "address": "3 rue Zerktouni, Errachidia", "province_id": province("errachidia").id,
            "phone": "0535 57 12 34", "email": "contact@nour.example.org"}


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_representative_registers_fills_with_drafts_and_sends(client, db, make_call, province, journey_ids, lang):
    call = make_call()
    client.get(f"/calls/{call.id}?lang={lang}")
    response = client.post(f"/calls/{call.id}/register", data={
        "full_name": "Khadija Benali", "phone": "0661234567", "password": "Oasis-Errachidia-2026",
        "password_confirm": "Oasis-Errachidia-2026"})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.phone == "+212661234567"))
    assert user.role == Role.REPRESENTATIVE and user.locale == lang
    association = db.session.scalar(sa.select(AssociationApplication))
    assert association.representative_id == user.id and association.status == AssociationStatus.DRAFT
    base = f"/calls/applications/{association.id}"

    # An incomplete step is refused with a translated error; a complete one is kept as a draft.
    bad = client.post(f"{base}/organisation", data={**_organisation(province), "legal_name_ar": "Nour"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    assert client.post(f"{base}/organisation", data={**_organisation(province), "later": "1"}).status_code == 302
    db.session.expire_all()
    association = db.session.get(AssociationApplication, association.id)
    assert association.legal_name_fr == "Association Nour" and association.phone == "+212535571234"

    _, sector_id = journey_ids
    coverage = {"provinces": [province("errachidia").id, province("tinghir").id], "sectors": [sector_id],
                "capacity": "20", "step_free_access": "y", "accessible_toilets": "y"}
    assert client.post(f"{base}/coverage", data={**coverage, "sectors": []}).status_code == 422  # nor generalist
    assert client.post(f"{base}/coverage", data=coverage).status_code == 302
    team = {"team-0-full_name": "Zineb Alaoui", "team-0-role": "Coordinatrice", "team-0-qualification": "Master",
            "experience": "Dix ans avec des coopératives de femmes.", "references_text": "INDH"}
    assert client.post(f"{base}/team", data=team).status_code == 302

    # Sending before the documents are there is refused.
    assert client.post(f"{base}/review", data={"confirm": "y"}).status_code == 422
    for kind in ("statutes", "legal_receipt", "activity_report"):
        response = client.post(f"{base}/documents", data={"kind": kind, "file": (io.BytesIO(png_bytes()), "s.png")},
                               content_type="multipart/form-data")
        assert response.status_code == 303
    disguised = client.post(f"{base}/documents", data={"kind": "statutes", "file": (io.BytesIO(b"MZ\x90\x00"),
                                                                                    "statuts.pdf")},
                            content_type="multipart/form-data")
    assert disguised.status_code == 422 and db.session.scalar(sa.select(sa.func.count(AssociationDocument.id))) == 3

    review = client.get(f"{base}/review")
    assert review.status_code == 200 and "Association Nour" in review.text and "Zineb Alaoui" in review.text
    assert client.post(f"{base}/review", data={}).status_code == 422
    assert client.post(f"{base}/review", data={"confirm": "y"}).status_code == 303
    db.session.expire_all()
    association = db.session.get(AssociationApplication, association.id)
    assert association.status == AssociationStatus.SUBMITTED and association.submitted_at is not None
    assert sorted(p.code for p in association.provinces) == ["errachidia", "tinghir"]
    [sms] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == "+212661234567")).all()
    assert sms.language == lang
    assert (association.legal_name_ar if lang == "ar" else association.legal_name_fr) in sms.body

    # Sent: read-only.
    assert client.post(f"{base}/organisation", data=_organisation(province)).status_code == 409
    assert client.get(f"{base}/organisation").status_code == 302
    page = client.get(f"/calls/mine?lang={lang}")
    assert page.status_code == 200 and f"/calls/applications/{association.id}" in page.text


def test_no_answer_is_changed_or_sent_after_the_deadline(client, auth, db, make_call, make_association, make_user):
    call = make_call()
    association = make_association(call)  # a complete draft but for its documents
    auth.login_as(association.representative)
    call.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    base = f"/calls/applications/{association.id}"
    assert client.post(f"{base}/review", data={"confirm": "y"}).status_code == 409
    assert client.post(f"{base}/team", data={"experience": "x"}).status_code == 409
    assert client.get(f"{base}/team").status_code == 302
    db.session.expire_all()
    assert db.session.get(AssociationApplication, association.id).status == AssociationStatus.DRAFT
    # Nor can a new representative register for a closed call.
    anonymous = client.application.test_client()
    assert anonymous.post(f"/calls/{call.id}/register", data={
        "full_name": "Late", "phone": "0662222222", "password": "Oasis-Errachidia-2026",
        "password_confirm": "Oasis-Errachidia-2026"}).status_code == 302
    assert db.session.scalar(sa.select(User).where(User.phone == "+212662222222")) is None


def test_the_deadline_is_read_in_morocco_whatever_the_servers_zone(monkeypatch, db, make_call):
    """The instant is stored in UTC; the server's TZ changes nothing."""
    import time

    from jisr.calls.services import local_instant

    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    try:
        closes = local_instant(date(2026, 7, 1), datetime.strptime("23:59", "%H:%M").time(), "Africa/Casablanca")
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert closes == datetime(2026, 7, 1, 22, 59, tzinfo=UTC)


def test_a_representative_sees_only_her_own_association(client, auth, db, make_call, make_association, make_user):
    call = make_call()
    mine = make_association(call)
    theirs = make_association(call, status="submitted")
    auth.login_as(mine.representative)
    for path in ("", "/organisation", "/coverage", "/team", "/documents", "/review"):
        assert client.get(f"/calls/applications/{theirs.id}{path}").status_code == 404
    assert client.post(f"/calls/applications/{theirs.id}/organisation", data={}).status_code == 404
    assert theirs.legal_name_fr not in client.get("/calls/mine").text
    assert client.get(f"/selection/calls/{call.id}").status_code == 403
    assert client.get("/calls/admin/").status_code == 403


def test_anonymous_and_applicants_get_nothing_of_the_admin_pages(client, auth, make_call, make_user):
    call = make_call()
    for path in ("/calls/admin/", "/calls/admin/new", f"/calls/admin/{call.id}/edit", "/calls/mine"):
        assert client.get(path).status_code == 302  # to sign in
    auth.login_as(make_user())
    for path in ("/calls/admin/", "/calls/admin/new", f"/calls/admin/{call.id}/edit", "/calls/mine"):
        assert client.get(path).status_code == 403


def test_deadlines_and_pages_read_the_same_time_zone_database(app):
    """Deadlines are computed with zoneinfo, pages format with Flask-Babel's pytz: they must agree on every
    day of the year, or a page would show a deadline an hour away from the one enforced."""
    from zoneinfo import ZoneInfo

    from flask_babel import get_timezone

    with app.test_request_context("/"):
        shown = get_timezone()
    enforced = ZoneInfo("Africa/Casablanca")
    for day in range(0, 730, 3):
        instant = datetime(2026, 1, 1, 12, tzinfo=UTC) + timedelta(days=day)
        assert instant.astimezone(enforced).utcoffset() == instant.astimezone(shown).utcoffset(), instant


def test_her_list_of_answers_is_a_fixed_number_of_queries(client, auth, db, make_call, make_association, make_user):
    representative = make_user(role="representative")
    auth.login_as(representative)

    def statements_for_mine() -> int:
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/calls/mine").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    make_association(make_call(), representative=representative)
    one = statements_for_mine()
    for _ in range(4):
        make_association(make_call(), representative=representative)
    assert statements_for_mine() == one
