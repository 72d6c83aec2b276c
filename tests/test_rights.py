"""Her data rights through the HTTP client: the download holds her account, profile, every file with what hangs
off it, the messages sent to her and her documents, never a secret and never another person's data."""

from __future__ import annotations

import io
import json
import zipfile

import sqlalchemy as sa

from jisr.audit.models import AuditEntry


def test_she_downloads_all_her_data_and_nobody_elses(client, auth, db, make_workspace):
    import journey

    ws = make_workspace(files=0)
    mine, other = ws.add_file(email="khadija@example.org"), ws.add_file()
    from jisr.workspace import services

    services.start_review(mine, ws.manager)
    services.request_info(mine, ws.manager, "Merci d'ajouter le devis du four.")
    db.session.commit()
    auth.login_as(mine.applicant)
    response = client.post(f"/applications/{mine.id}/information", data={
        "upload-kind": "photo", "upload-file": (io.BytesIO(journey.png_bytes()), "four.png")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    response = client.get("/account/data/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    response.close()
    data = json.loads(archive.read("data.json"))
    assert data["account"]["id"] == mine.applicant_id and "password_hash" not in data["account"]
    assert data["profile"]["national_id"] == mine.national_id
    [held] = data["files"]
    assert held["file"]["reference"] == mine.reference
    assert held["info_requests"][0]["message"] == "Merci d'ajouter le devis du four."
    assert {c["to_status"] for c in held["status_changes"]} >= {"assigned", "under_review", "info_requested"}
    assert any(m["recipient"] == "khadija@example.org" for m in data["messages"])
    text = archive.read("data.json").decode()
    assert other.reference not in text and other.national_id not in text
    [document] = [name for name in archive.namelist() if name.startswith("documents/")]
    assert document.endswith("-four.png") and archive.read(document) == journey.png_bytes()
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "rights.data_downloaded"))
    assert entry.actor_id == mine.applicant_id


def test_only_applicants_download_their_data(client, auth, make_user, make_incubator):
    auth.login_as(make_user(role="incubator_manager", incubator_id=make_incubator().id))
    assert client.get("/account/data/export.zip").status_code == 403
    auth.logout()
    assert client.get("/account/data/export.zip").status_code == 302


def _identifiers(db, application) -> list[str]:
    """Everything that names her, read before the erasure."""
    from jisr.applications.models import ApplicantProfile

    profile = db.session.scalar(sa.select(ApplicantProfile).where(ApplicantProfile.user_id == application.applicant_id))
    user = application.applicant
    return [v for v in (profile.first_name_latin, profile.last_name_latin, profile.first_name_ar, profile.last_name_ar,
                        profile.national_id, application.national_id, user.email, user.phone, user.full_name,
                        application.project_title, "Merci d'ajouter le devis du four", "Je déménage", "four.png",
                        "Motivée, projet clair") if v]


def _everything(db) -> str:
    """Every text of every table, for the search of what should be gone."""
    chunks = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (sa.String, sa.Text, sa.JSON))]
        if columns:
            for row in db.session.execute(sa.select(*columns)):
                chunks.extend(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v for v in row if v)
    return "\n".join(chunks)


def test_an_approved_erasure_leaves_nothing_that_names_her(client, auth, db, app, make_workspace, make_user):
    import journey

    from jisr.documents import storage
    from jisr.documents.models import Document
    from jisr.outbox.services import deliver_pending
    from jisr.rights import erasure
    from jisr.stats import facts
    from jisr.workspace import services

    ws = make_workspace(files=0)
    mine, other = ws.add_file(email="khadija@example.org"), ws.add_file()
    from jisr.applications.models import ApplicantProfile

    profile = db.session.scalar(sa.select(ApplicantProfile).where(ApplicantProfile.user_id == mine.applicant_id))
    profile.first_name_latin, profile.last_name_latin = "Zahiraa", "Oubahaa"
    profile.first_name_ar, profile.last_name_ar = "زهيرةة", "أوباهاا"
    mine.project_title, mine.applicant.full_name = "Couscous de Zahiraa", "Zahiraa Oubahaa"
    services.start_review(mine, ws.manager)
    services.request_info(mine, ws.manager, "Merci d'ajouter le devis du four.")
    db.session.commit()
    auth.login_as(mine.applicant)
    client.post(f"/applications/{mine.id}/information", data={
        "upload-kind": "photo", "upload-file": (io.BytesIO(journey.png_bytes()), "four.png")},
        content_type="multipart/form-data")
    assert client.post(f"/applications/{mine.id}/information",
                       data={"answer-answer": "Motivée, projet clair"}).status_code == 303
    db.session.expire_all()
    stored_name = db.session.scalar(sa.select(Document.stored_name).where(Document.application_id == mine.id))
    assert storage.path_for(stored_name).exists()
    mine = db.session.get(type(mine), mine.id)
    mine.transition(type(mine.status)("withdrawn"), mine.applicant, reason="Je déménage")
    db.session.commit()
    before = facts.stored()
    secrets = _identifiers(db, mine)
    other_name = other.national_id

    assert client.post("/account/data/erasure", data={}).status_code == 422  # not confirmed
    assert client.post("/account/data/erasure", data={"confirm": "y"}).status_code == 303
    assert 'action="/account/data/erasure"' not in client.get("/account/data/").get_data(as_text=True)
    admin = make_user(role="admin")
    auth.login_as(admin)
    request = db.session.scalar(sa.select(erasure.ErasureRequest))
    assert client.post(f"/admin/erasure/{request.id}/approve", data={}).status_code == 303
    deliver_pending()
    erasure.apply_retention()
    db.session.commit()

    everything = _everything(db)
    assert not [s for s in secrets if s in everything], [s for s in secrets if s in everything]
    assert other_name in everything  # the other applicant is untouched
    assert not storage.path_for(stored_name).exists()
    assert facts.stored() == before == facts.recount()  # the statistics keep her, anonymously
    auth.logout()
    assert auth.login("khadija@example.org").status_code not in (302, 303)


def test_a_refused_erasure_is_told_with_its_reason(client, auth, db, make_workspace, make_user):
    from jisr.outbox.models import OutboxMessage
    from jisr.rights import erasure

    ws = make_workspace(files=0)
    mine = ws.add_file(email="salma@example.org", locale="fr")
    auth.login_as(mine.applicant)
    client.post("/account/data/erasure", data={"confirm": "y"})
    request = db.session.scalar(sa.select(erasure.ErasureRequest))
    auth.login_as(make_user(role="admin"))
    assert client.post(f"/admin/erasure/{request.id}/refuse", data={"note": ""}).status_code == 303
    assert db.session.get(erasure.ErasureRequest, request.id).state == "pending"  # a refusal needs its reason
    client.post(f"/admin/erasure/{request.id}/refuse", data={"note": "Un financement est en cours"})
    db.session.expire_all()
    assert db.session.get(erasure.ErasureRequest, request.id).state == "refused"
    told = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "salma@example.org")
                             .order_by(OutboxMessage.id.desc()))
    assert "Un financement est en cours" in told.body and told.language == "fr"


def test_retention_anonymises_files_closed_long_ago_only(db, app, make_workspace):
    from datetime import timedelta

    from jisr.applications.models import Application, Status
    from jisr.rights import erasure
    from jisr.timeutil import utcnow

    ws = make_workspace(files=0)
    old, recent, open_file = ws.add_file(), ws.add_file(), ws.add_file()
    for application in (old, recent):
        application.transition(Status.WITHDRAWN, application.applicant, reason="test")
    db.session.commit()
    db.session.execute(sa.update(Application).where(Application.id == old.id)
                       .values(updated_at=utcnow() - timedelta(days=erasure.retention_days() + 1)))
    db.session.commit()
    assert erasure.apply_retention() == 1
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Application, old.id).national_id is None
    assert db.session.get(Application, recent.id).national_id is not None
    assert db.session.get(Application, open_file.id).national_id is not None
