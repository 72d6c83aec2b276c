"""The applicant's whole journey through the HTTP client, in Arabic and in French."""

import re

import pytest
import sqlalchemy as sa
from journey import IDENTITY, PROJECT, fill_all_steps

from jisr.applications.models import Application, Consent, Status


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_applicant_fills_leaves_resumes_submits_follows_and_withdraws(client, auth, make_user, programme, db,
                                                                       journey_ids, lang):
    province_id, sector_id = journey_ids
    user = make_user()
    auth.login_as(user)

    page = client.get(f"/applications/?lang={lang}")
    assert page.status_code == 200
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">'.encode() in page.data

    response = client.post("/applications/start")
    assert response.status_code == 302
    application = db.session.scalar(sa.select(Application).where(Application.applicant_id == user.id))
    assert application.status == Status.DRAFT
    base = f"/applications/{application.id}"

    # Identity, then leave ("finish later") and come back: the draft resumes at the next step.
    data = {**IDENTITY, "province_id": province_id, "later": "1"}
    response = client.post(f"{base}/identity", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/applications/")
    page = client.get("/applications/")
    assert f'href="{base}/situation"'.encode() in page.data
    page = client.get(f"{base}/identity")
    assert "فاطمة الزهراء".encode() in page.data and b'value="AB123456"' in page.data

    fill_all_steps(client, application.id, province_id, sector_id, lang=lang)

    review = client.get(f"{base}/review")
    assert review.status_code == 200
    for step in ("identity", "situation", "project", "needs", "documents"):
        assert f'href="{base}/{step}"'.encode() in review.data
    assert b"Atelier de couscous" in review.data

    # Sending without consent is refused and nothing changes.
    response = client.post(f"{base}/review", data={})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == Status.DRAFT

    response = client.post(f"{base}/review", data={"consent": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{base}/receipt")
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    # Eligible, then routed in the same request: no incubator covers the province, so she waits.
    assert application.status == Status.WAITLISTED
    assert re.fullmatch(r"JISR-\d{4}-000001", application.reference)
    assert [c.to_status for c in application.history] == ["draft", "submitted", "eligible", "waitlisted"]
    consent = db.session.scalar(sa.select(Consent).where(Consent.application_id == application.id))
    assert consent.language == lang and consent.method == "online"

    receipt = client.get(f"{base}/receipt")
    assert receipt.status_code == 200 and application.reference.encode() in receipt.data
    assert b'media="print"' in receipt.data

    status = client.get(f"{base}")
    assert status.status_code == 200 and application.reference.encode() in status.data

    # A sent file can no longer be edited.
    assert client.get(f"{base}/project").status_code == 302
    assert client.post(f"{base}/project", data=PROJECT).status_code == 409

    # Withdrawal needs the confirmation box.
    assert client.post(f"{base}/withdraw", data={}).status_code == 422
    response = client.post(f"{base}/withdraw", data={"confirm": "y", "reason": "Je déménage"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == Status.WITHDRAWN
