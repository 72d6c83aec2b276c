"""Demo data of calls, selection and routing for `flask seed-demo`: a closed call whose scored associations
became the demo incubators (and one declined), an open call with an association's draft, and files routed
by the engine or waiting with their reason. Idempotent, like jisr/demo.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from jisr.applications.models import ApplicantProfile, Application, Status, StatusChange
from jisr.auth.models import Role, User
from jisr.calls.models import (
    AssociationApplication,
    AssociationReview,
    AssociationStatus,
    AssociationTeamMember,
    Call,
    CallCriterion,
    ReviewScore,
)
from jisr.calls.services import local_instant
from jisr.extensions import db
from jisr.geo.models import Province, Sector
from jisr.incubators.models import Incubator
from jisr.programmes.models import Programme
from jisr.routing import services as routing

CRITERIA = [
    ("الخبرة في مواكبة مشاريع النساء", "Expérience avec des projets de femmes", 3),
    ("تغطية الجماعات القروية", "Couverture des communes rurales", 2),
    ("الفريق", "Équipe", 2),
    ("ولوجيات المقر", "Accessibilité des locaux", 2),
    ("الشراكات", "Partenariats", 1),
]
REPRESENTATIVE = ("representative@demo.jisr.example.org", "Nadia Representative", "Jisr-demo-representative")
#: Scores of the closed call's reviews, per association code (None: a declined one, not an incubator).
SCORED = {"assoc-tafilalet-femmes": (9, 8, 8, 9, 7), "assoc-ziz-inclusion": (8, 7, 7, 8, 6),
          "assoc-draa-amal": (7, 8, 6, 5, 7), None: (4, 3, 5, 2, 3)}
#: Files routed by the engine (or waitlisted): (phone, latin first, last, arabic first, last, national id,
#: province, sector, needs)
ROUTED_FILES = [
    ("+212612340011", "Zahra", "Moussaoui", "زهرة", "الموساوي", "JD10011", "errachidia", "handicrafts", ()),
    ("+212612340012", "Latifa", "Chraibi", "لطيفة", "الشرايبي", "JD10012", "midelt", "agriculture",
     ("accessible_venue",)),
    ("+212612340013", "Rachida", "Amzil", "رشيدة", "أمزيل", "JD10013", "zagora", "handicrafts", ()),
]


def _provinces(codes):
    return list(db.session.scalars(sa.select(Province).where(Province.code.in_(codes))))


def _call(programme: Programme, title_fr: str, title_ar: str, opens: date, closes: date) -> Call:
    call = db.session.scalar(sa.select(Call).where(Call.title_fr == title_fr))
    if call is not None:
        return call
    call = Call(programme_id=programme.id, title_ar=title_ar, title_fr=title_fr,
                description_ar="تدعو الوزارة الجمعيات العاملة في الجهة إلى إبداء اهتمامها لتصبح جمعيات محتضنة "
                               "تواكب النساء حاملات المشاريع والأشخاص في وضعية إعاقة.",
                description_fr="Le ministère invite les associations de la région à manifester leur intérêt pour "
                               "devenir incubateurs sociaux et accompagner les femmes porteuses de projets et les "
                               "personnes en situation de handicap.",
                opens_at=local_instant(opens, time(0, 0), programme.timezone),
                closes_at=local_instant(closes, time(17, 0), programme.timezone))
    call.provinces = list(programme.provinces)
    for position, (label_ar, label_fr, weight) in enumerate(CRITERIA):
        call.criteria.append(CallCriterion(position=position, label_ar=label_ar, label_fr=label_fr, weight=weight))
    db.session.add(call)
    db.session.flush()
    return call


def _representative(email: str, name: str, password: str, role: Role = Role.REPRESENTATIVE) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(role=role, email=email, full_name=name, locale="fr")
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
    return user


def _association(call: Call, representative: User, status: str, names: tuple[str, str], provinces, capacity: int,
                 incubator: Incubator | None = None, **fields) -> AssociationApplication:
    existing = db.session.scalar(sa.select(AssociationApplication).where(
        AssociationApplication.call_id == call.id, AssociationApplication.representative_id == representative.id))
    if existing is not None:
        return existing
    association = AssociationApplication(
        call_id=call.id, representative_id=representative.id, status=status, legal_name_ar=names[0],
        legal_name_fr=names[1], registration_number=f"RC-{abs(hash(names[1])) % 100000:05d}",
        address="Avenue Moulay Ali Cherif", province_id=_provinces(provinces[:1])[0].id,
        phone="+212535570000", email=representative.email, capacity=capacity, generalist=True,
        coverage_saved=True, experience="Accompagnement de coopératives féminines depuis 2012.",
        references_text="INDH, Agence de développement social", incubator_id=incubator.id if incubator else None,
        submitted_at=None if status == AssociationStatus.DRAFT else datetime.now(UTC) - timedelta(days=40), **fields)
    association.provinces = _provinces(provinces)
    association.team.append(AssociationTeamMember(full_name="Zineb Alaoui", role="Coordinatrice",
                                                  qualification="Master en gestion"))
    db.session.add(association)
    db.session.flush()
    return association


def _scores(association: AssociationApplication, call: Call, reviewer: User, values) -> None:
    if db.session.scalar(sa.select(AssociationReview.id).where(
            AssociationReview.association_application_id == association.id,
            AssociationReview.reviewer_id == reviewer.id)):
        return
    review = AssociationReview(association_application_id=association.id, reviewer_id=reviewer.id,
                               assigned_by_id=reviewer.id, submitted_at=datetime.now(UTC) - timedelta(days=20))
    for criterion, value in zip(call.criteria, values, strict=True):
        review.scores.append(ReviewScore(criterion_id=criterion.id, score=value, comment="Dossier solide."))
    db.session.add(review)


def seed_calls(programme: Programme, incubators: list[Incubator], accounts: list[tuple[User, str]],
               today: date) -> list[tuple[User, str]]:
    """Returns the demo representative's account and password, to be printed with the others."""
    admin = next(user for user, _ in accounts if user.role == Role.ADMIN)
    coordinator = next(user for user, _ in accounts if user.role == Role.COORDINATOR)
    closed = _call(programme, "Appel à manifestation d'intérêt 2026 – incubateurs sociaux",
                   "طلب إبداء الاهتمام 2026 – الجمعيات المحتضنة", today - timedelta(days=90),
                   today - timedelta(days=45))
    by_code = {incubator.code: incubator for incubator in incubators}
    for code, values in SCORED.items():
        incubator = by_code.get(code)
        email = f"{code or 'assoc-declined'}@demo.jisr.example.org"
        names = (incubator.name_ar, incubator.name_fr) if incubator else ("جمعية الواحة", "Association L'Oasis")
        user = _representative(email, f"Représentante {names[1]}", "Jisr-demo-representative",
                               role=Role.INCUBATOR_MANAGER if incubator else Role.REPRESENTATIVE)
        if incubator:
            user.incubator_id = incubator.id
        association = _association(
            closed, user, AssociationStatus.SELECTED if incubator else AssociationStatus.DECLINED, names,
            [p.code for p in incubator.provinces] if incubator else ["errachidia"],
            incubator.capacity if incubator else 10, incubator,
            decided_at=datetime.now(UTC) - timedelta(days=30), decided_by_id=admin.id,
            decision_reason="ranked_high" if incubator else "score_below_threshold",
            decision_note=None if incubator else "Les locaux ne sont pas encore accessibles.")
        _scores(association, closed, admin, values)
        _scores(association, closed, coordinator, tuple(min(v + 1, 10) for v in values))

    opened = _call(programme, "Appel à manifestation d'intérêt 2027 – nouvelles provinces",
                   "طلب إبداء الاهتمام 2027 – أقاليم جديدة", today - timedelta(days=5), today + timedelta(days=40))
    representative = _representative(*REPRESENTATIVE)
    _association(opened, representative, AssociationStatus.DRAFT, ("جمعية النور", "Association Nour"),
                 ["tinghir"], 15)
    return [(representative, REPRESENTATIVE[2])]


def seed_routed_files(programme: Programme, today: date) -> None:
    """Files sent and made eligible, then routed by the engine exactly as at submission."""
    from jisr.applications.references import next_reference

    draa = db.session.scalar(sa.select(Incubator).where(Incubator.code == "assoc-draa-amal"))
    if draa is not None and draa.generalist:  # it works in agriculture only: Zagora's handicrafts wait
        draa.generalist = False
        draa.sectors = list(db.session.scalars(sa.select(Sector).where(Sector.code == "agriculture")))
    for phone, first, last, first_ar, last_ar, national_id, province_code, sector_code, needs in ROUTED_FILES:
        if db.session.scalar(sa.select(User.id).where(User.phone == phone)):
            continue
        user = User(role=Role.APPLICANT, phone=phone, full_name=f"{first} {last}", locale="ar")
        user.set_password("Jisr-demo-file")
        db.session.add(user)
        db.session.flush()
        province = _provinces([province_code])[0]
        db.session.add(ApplicantProfile(
            user_id=user.id, first_name_ar=first_ar, last_name_ar=last_ar, first_name_latin=first,
            last_name_latin=last, national_id=national_id, birth_date=date(1988, 3, 8), sex="female", phone=phone,
            province_id=province.id, commune=province.name_fr, education_level="secondary", family_situation="single",
            disability_type="motor" if needs else "none", **{f"needs_{need}": True for need in needs}))
        sector = db.session.scalar(sa.select(Sector).where(Sector.code == sector_code))
        application = Application(
            programme_id=programme.id, applicant_id=user.id, status=Status.ELIGIBLE, national_id=national_id,
            province_id=province.id, project_title=f"Projet {last}", sector_id=sector.id, project_stage="idea",
            carrier="individual", project_description="Projet de démonstration.", need_training=True,
            needs_saved=True, reference=next_reference(today.year), submitted_at=datetime.now(UTC))
        for previous, step in ((None, Status.DRAFT), (Status.DRAFT, Status.SUBMITTED),
                               (Status.SUBMITTED, Status.ELIGIBLE)):
            application.history.append(StatusChange(from_status=previous, to_status=step))
        db.session.add(application)
        db.session.flush()
        routing.route(application)
    # The demo file left "eligible" by jisr/demo.py is routed too: nothing waits for a person.
    for application in db.session.scalars(sa.select(Application).where(Application.status == Status.ELIGIBLE,
                                                                        Application.programme_id == programme.id)):
        routing.route(application)
