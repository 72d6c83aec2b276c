"""A database with rows in every table, for the backup and migration tests: the demo data, and the few kinds of
row the demo leaves out (documents with their files, consents, the folded dashboard summary, ...)."""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta

import sqlalchemy as sa

from jisr.extensions import db


def _stored(data: bytes) -> dict:
    from jisr.documents import storage

    stored = storage.save(data, db.session())
    return dict(stored_name=stored.name, size=stored.size, sha256=hashlib.sha256(data).hexdigest())


def fill_every_table() -> None:
    """Commit the demo data plus one row of each kind it lacks; fails when a table stays empty, so a new
    table gets its row here (and so its place in the backup and migration tests)."""
    from jisr.applications.models import Application, Consent, PriorTraining, ProjectMember
    from jisr.auth.models import PasswordResetCode, SignInLock, User
    from jisr.calls.models import AssociationApplication, AssociationDocument
    from jisr.demo import seed_demo
    from jisr.documents.models import Document
    from jisr.geo.models import Sector
    from jisr.stats import facts
    from jisr.stats.models import ExportRequest
    from jisr.timeutil import local_today, utcnow
    from jisr.workspace.models import DuplicateResolution

    seed_demo(local_today())
    db.session.commit()
    facts.fold()  # the summary's counts; the change below leaves fresh deltas next to them
    db.session.commit()

    first, second = db.session.scalars(sa.select(Application).order_by(Application.id).limit(2))
    # Larger than storage's chunks, so documents are copied in several reads and writes.
    db.session.add(Document(application_id=first.id, kind="national_id", original_name="cin.pdf",
                            content_type="application/pdf", uploaded_by_id=first.applicant_id,
                            **_stored(b"%PDF-1.4\n" + os.urandom(200_000))))
    db.session.add(Document(application_id=first.id, kind="photo", original_name="photo.png", content_type="image/png",
                            uploaded_by_id=first.applicant_id, **_stored(os.urandom(1_000))))
    association = db.session.scalar(sa.select(AssociationApplication).order_by(AssociationApplication.id).limit(1))
    db.session.add(AssociationDocument(association_application_id=association.id, kind="statutes",
                                       original_name="statuts.pdf", content_type="application/pdf",
                                       **_stored(b"%PDF-1.4\n" + os.urandom(5_000))))
    association.sectors.append(db.session.scalar(sa.select(Sector).order_by(Sector.id).limit(1)))
    db.session.add(Consent(application_id=first.id, user_id=first.applicant_id, text_version="v1", language="ar"))
    db.session.add(PriorTraining(application_id=first.id, title="Gestion", organisation="OFPPT", year=2020))
    db.session.add(ProjectMember(application_id=first.id, full_name="Khadija Ait", role="Trésorière"))
    db.session.add(PasswordResetCode(user_id=first.applicant_id, code_hash="not-a-real-hash",
                                     expires_at=utcnow() + timedelta(minutes=30)))
    db.session.add(SignInLock(key="0" * 64, failures=3))
    low, high = sorted((first.id, second.id))
    db.session.add(DuplicateResolution(first_id=low, second_id=high, verdict="not_duplicate", note="Deux sœurs"))
    admin = db.session.scalar(sa.select(User).where(User.role == "admin").order_by(User.id).limit(1))
    export = _stored(b"\xef\xbb\xbfPseudonyme,Statut\r\n")
    db.session.add(ExportRequest(user_id=admin.id, role=admin.role, format="csv", pseudonymised=True, language="fr",
                                 state="ready", attempts=1, row_count=0, stored_name=export["stored_name"],
                                 size=export["size"], finished_at=utcnow(), expires_at=utcnow() + timedelta(hours=24)))
    second.carrier = "group" if second.carrier != "group" else "individual"  # moves it in the summary
    db.session.commit()

    empty = [table.name for table in db.metadata.sorted_tables
             if not db.session.scalar(sa.select(sa.func.count()).select_from(table))]
    assert not empty, f"no rows in {empty}: add some to tests/filled.py"
