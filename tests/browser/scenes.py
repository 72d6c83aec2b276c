"""Data the staff pages need, put straight in the database for the browser audits (pages_*.py): a call with
its criteria, associations' applications, incubators and routed or waitlisted files."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from journey import png_bytes

from jisr.extensions import db


def call(world, closed: bool = False):
    from jisr.calls.models import Call, CallCriterion

    now = datetime.now(UTC)
    found = Call(programme_id=world.open_call().id, title_ar="طلب إبداء الاهتمام لجهة درعة تافيلالت",
                 title_fr="Appel à manifestation d'intérêt Drâa-Tafilalet", description_ar="نبحث عن جمعيات.",
                 description_fr="Nous cherchons des associations.", opens_at=now - timedelta(days=30),
                 closes_at=now - timedelta(days=1) if closed else now + timedelta(days=20))
    found.provinces = [world.province("errachidia"), world.province("midelt")]
    for position, (label_ar, label_fr, weight) in enumerate([("الخبرة", "Expérience", 3),
                                                              ("الولوجيات", "Accessibilité", 2)]):
        found.criteria.append(CallCriterion(position=position, label_ar=label_ar, label_fr=label_fr, weight=weight))
    db.session.add(found)
    db.session.commit()
    return found


def association(world, the_call, representative=None, status="submitted", n: int = 1):
    from jisr.calls.models import AssociationApplication, AssociationTeamMember
    from jisr.geo.models import Sector

    representative = representative or world.make_user(role="representative")
    found = AssociationApplication(
        call_id=the_call.id, representative_id=representative.id, status=status, legal_name_ar=f"جمعية الأمل {n}",
        legal_name_fr=f"Association Espoir {n}", registration_number=f"RC-{n:05d}", address=f"{n} avenue Mohammed V",
        province_id=world.province("errachidia").id, phone=f"+2125351{n:05d}", email=f"assoc{n}@example.org",
        capacity=20, step_free_access=True, accessible_toilets=True, coverage_saved=True,
        experience="Dix ans d'accompagnement.", references_text="INDH",
        submitted_at=datetime.now(UTC) if status != "draft" else None)
    found.provinces = [world.province("errachidia")]
    found.sectors = list(db.session.scalars(sa.select(Sector).limit(1)))
    found.team.append(AssociationTeamMember(full_name="Zineb Alaoui", role="Coordinatrice", qualification="Master"))
    db.session.add(found)
    db.session.commit()
    return found


def incubator(world, capacity: int = 5, n: int = 1):
    from jisr.incubators.models import Incubator

    found = Incubator(code=f"browser-incubator-{n}-{datetime.now(UTC).timestamp()}", name_ar=f"جمعية التنمية {n}",
                      name_fr=f"Association Développement {n}", capacity=capacity, generalist=True,
                      address=f"{n} rue Zerktouni", phone=f"+2125355{n:05d}",
                      province_id=world.province("errachidia").id, step_free_access=True, accessible_toilets=True)
    found.provinces = [world.province("errachidia")]
    db.session.add(found)
    db.session.commit()
    return found


def routed_file(world, waitlisted: bool = False):
    """An eligible file of Errachidia, sent by a new applicant, routed (or waitlisted: no incubator)."""
    from jisr.applications.models import Application
    from jisr.applications.services import start_application

    if not waitlisted:
        incubator(world)
    applicant = world.make_user()
    staff = world.user
    world.user = applicant
    with world.client.session_transaction() as session:
        session["_user_id"] = str(applicant.id)
    application = start_application(applicant, world.open_call())
    db.session.commit()
    world.fill(application.id, ["identity", "situation", "project", "needs", "documents"],
               identity={"national_id": f"AB{applicant.id:06d}"})  # one active file per national ID
    response = world.client.post(f"/applications/{application.id}/review", data={"consent": "y"})
    assert response.status_code == 302, response.data[:2000]
    with world.client.session_transaction() as session:
        session["_user_id"] = str(staff.id)
    world.user = staff
    db.session.expire_all()
    return db.session.get(Application, application.id)


def upload(client, path: str, kind: str) -> None:
    response = client.post(path, data={"kind": kind, "file": (io.BytesIO(png_bytes()), f"{kind}.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 303, response.data[:2000]

