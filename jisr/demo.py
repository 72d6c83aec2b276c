"""Demo data for `flask seed-demo`: the Jisr Drâa-Tafilalet programme, six incubators, one account
per role and a handful of files in various states; jisr/demo_calls.py adds calls, selection and routing.
Idempotent: running it twice changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from jisr.applications.models import ApplicantProfile, Application, Status
from jisr.auth.models import Role, User
from jisr.extensions import db
from jisr.geo.models import Province, Sector
from jisr.geo.reference import load_reference_data
from jisr.incubators.models import Incubator
from jisr.programmes.models import Programme

PROGRAMME_PROVINCES = ["errachidia", "midelt", "ouarzazate", "tinghir", "zagora"]

INCUBATORS = [
    ("assoc-tafilalet-femmes", "جمعية تافيلالت للمرأة المقاولة", "Association Tafilalet Femmes Entrepreneures",
     ["errachidia"], 40, True),
    ("assoc-ziz-inclusion", "جمعية زيز للإدماج", "Association Ziz Inclusion", ["errachidia", "midelt"], 25, True),
    ("assoc-midelt-artisanat", "جمعية ميدلت للصناعة التقليدية", "Association Midelt Artisanat", ["midelt"], 20, False),
    ("assoc-ouarzazate-initiatives", "جمعية ورزازات للمبادرات", "Association Ouarzazate Initiatives",
     ["ouarzazate"], 35, True),
    ("assoc-dades-todgha", "جمعية دادس تودغى للتنمية", "Association Dadès-Todgha Développement", ["tinghir"], 30, True),
    ("assoc-draa-amal", "جمعية درعة أمل", "Association Drâa Amal", ["zagora", "ouarzazate"], 30, False),
]

#: (role, e-mail, phone, name, password). Demo passwords are for the demo database only.
ACCOUNTS = [
    (Role.APPLICANT, None, "+212612345678", "Fatima Zahra Amrani", "Jisr-demo-applicant"),
    (Role.AGENT, "agent@demo.jisr.example.org", None, "Youssef Agent", "Jisr-demo-agent"),
    (Role.INCUBATOR_MANAGER, "manager@demo.jisr.example.org", None, "Khadija Manager", "Jisr-demo-manager"),
    (Role.MENTOR, "mentor@demo.jisr.example.org", None, "Samira Mentor", "Jisr-demo-mentor"),
    (Role.COORDINATOR, "coordinator@demo.jisr.example.org", None, "Hassan Coordinator", "Jisr-demo-coordinator"),
    (Role.ADMIN, "admin@demo.jisr.example.org", None, "Amina Admin", "Jisr-demo-admin"),
]

#: Demo applicants with files in various states: (phone, latin first, last, arabic first, last, national id,
#: birth date, sex, disability, province, status)
FILES = [
    ("+212612340001", "Aicha", "Ouali", "عائشة", "والي", "JD10001", date(1990, 4, 12), "female", "none",
     "errachidia", Status.ELIGIBLE),
    ("+212612340002", "Mohamed", "Idrissi", "محمد", "الإدريسي", "JD10002", date(1985, 9, 3), "male", "motor",
     "tinghir", Status.UNDER_REVIEW),
    ("+212612340003", "Naima", "Bakkali", "نعيمة", "البقالي", "JD10003", date(1960, 1, 20), "female", "none",
     "zagora", Status.INELIGIBLE),
    ("+212612340004", "Hafsa", "Tazi", "حفصة", "التازي", "JD10004", date(1995, 6, 30), "female", "hearing",
     "midelt", Status.WITHDRAWN),
]
DEMO_PASSWORD_FILES = "Jisr-demo-file"


def _provinces(codes):
    return db.session.scalars(sa.select(Province).where(Province.code.in_(codes))).all()


def seed_programme(today: date) -> Programme:
    programme = db.session.scalar(sa.select(Programme).where(Programme.code == "jisr-draa-tafilalet"))
    if programme is None:
        programme = Programme(
            code="jisr-draa-tafilalet",
            name_ar="جسر للتمكين والمقاولة – درعة تافيلالت",
            name_fr="Jisr pour l'autonomisation et l'entrepreneuriat – Drâa-Tafilalet",
            description_ar="برنامج لمواكبة النساء حاملات المشاريع والأشخاص في وضعية إعاقة في جهة درعة تافيلالت، "
            "من فكرة المشروع إلى إطلاقه وتتبعه، بشراكة مع جمعيات محتضنة.",
            description_fr="Un programme qui accompagne les femmes porteuses de projets et les personnes en "
            "situation de handicap de la région Drâa-Tafilalet, de l'idée au lancement et au suivi du projet, "
            "avec des associations incubatrices.",
            opens_on=today - timedelta(days=30),
            closes_on=today + timedelta(days=365),
            min_age=18,
            max_age=55,
        )
        db.session.add(programme)
    programme.provinces = _provinces(PROGRAMME_PROVINCES)
    return programme


def seed_incubators() -> list[Incubator]:
    incubators = []
    for n, (code, name_ar, name_fr, provinces, capacity, accessible) in enumerate(INCUBATORS, start=1):
        incubator = db.session.scalar(sa.select(Incubator).where(Incubator.code == code))
        if incubator is not None:
            incubators.append(incubator)  # managers may have changed its details since: keep them
            continue
        incubator = Incubator(code=code, name_ar=name_ar, name_fr=name_fr, capacity=capacity, generalist=True,
                              step_free_access=accessible, accessible_toilets=accessible, sign_language=n == 2,
                              address=f"{n * 7} avenue Mohammed V", phone=f"+21253557{n:04d}",
                              email=f"contact@{code}.demo.jisr.example.org")
        incubator.provinces = _provinces(provinces)
        incubator.province_id = incubator.provinces[0].id
        db.session.add(incubator)
        incubators.append(incubator)
    return incubators


def _user(role, email, phone, name, password) -> User:
    query = sa.select(User).where(User.email == email) if email else sa.select(User).where(User.phone == phone)
    user = db.session.scalar(query)
    if user is None:
        user = User(role=role, email=email, phone=phone, full_name=name)
        user.set_password(password)
        db.session.add(user)
    return user


def seed_accounts(incubators) -> list[tuple[User, str]]:
    created = []
    for role, email, phone, name, password in ACCOUNTS:
        user = _user(role, email, phone, name, password)
        if role in (Role.AGENT, Role.COORDINATOR):
            user.provinces = _provinces(PROGRAMME_PROVINCES)
        if role in (Role.INCUBATOR_MANAGER, Role.MENTOR):
            user.incubator_id = incubators[0].id
        created.append((user, password))
    return created


def seed_files(programme: Programme, incubators, today: date) -> None:
    from jisr.applications.models import StatusChange
    from jisr.applications.references import next_reference
    from jisr.timeutil import utcnow

    sector = db.session.scalar(sa.select(Sector).where(Sector.code == "handicrafts"))
    for (phone, first, last, first_ar, last_ar, national_id, birth, sex, disability, province_code,
         status) in FILES:
        user = _user(Role.APPLICANT, None, phone, f"{first} {last}", DEMO_PASSWORD_FILES)
        db.session.flush()
        if db.session.scalar(sa.select(Application.id).where(Application.applicant_id == user.id)):
            continue
        province = _provinces([province_code])[0]
        db.session.add(ApplicantProfile(
            user_id=user.id, first_name_ar=first_ar, last_name_ar=last_ar, first_name_latin=first,
            last_name_latin=last, national_id=national_id, birth_date=birth, sex=sex, phone=phone,
            province_id=province.id, commune=province.name_fr, education_level="secondary",
            family_situation="married", disability_type=disability))
        application = Application(
            programme_id=programme.id, applicant_id=user.id, status=status, national_id=national_id,
            province_id=province.id, project_title=f"Atelier {last}", sector_id=sector.id, project_stage="idea",
            carrier="individual", project_description="Projet de démonstration.", need_training=True,
            needs_saved=True, reference=next_reference(today.year), submitted_at=utcnow())
        if status is Status.INELIGIBLE:
            application.eligibility_reasons = [{"code": "too_old", "params": {"max_age": programme.max_age,
                                                                             "age": today.year - birth.year}}]
        if status is Status.UNDER_REVIEW:
            application.incubator_id = incubators[4].id
        path = [Status.DRAFT, Status.SUBMITTED]
        path += {Status.ELIGIBLE: [Status.ELIGIBLE], Status.INELIGIBLE: [Status.INELIGIBLE],
                 Status.UNDER_REVIEW: [Status.ELIGIBLE, Status.ASSIGNED, Status.UNDER_REVIEW],
                 Status.WITHDRAWN: [Status.ELIGIBLE, Status.WITHDRAWN]}[status]
        previous = None
        for step in path:
            application.history.append(StatusChange(from_status=previous, to_status=step,
                                                    reasons=application.eligibility_reasons
                                                    if step is Status.INELIGIBLE else None))
            previous = step
        db.session.add(application)


def seed_assisted(programme: Programme, agent: User) -> None:
    """One person the demo agent registered, who has not taken her account over yet."""
    phone = "+212612340005"
    if db.session.scalar(sa.select(User.id).where(User.phone == phone)):
        return
    user = User(role=Role.APPLICANT, phone=phone, full_name="Itto Ait Ali", locale="ar", registered_by_id=agent.id)
    db.session.add(user)
    db.session.flush()
    province = _provinces(["tinghir"])[0]
    db.session.add(ApplicantProfile(user_id=user.id, phone=phone, province_id=province.id))
    application = Application(programme_id=programme.id, applicant_id=user.id, created_by_id=agent.id,
                              province_id=province.id, status=Status.DRAFT)
    from jisr.applications.models import StatusChange

    application.history.append(StatusChange(to_status=Status.DRAFT, by_id=agent.id))
    db.session.add(application)


def seed_demo(today: date) -> list[tuple[User, str]]:
    load_reference_data()
    programme = seed_programme(today)
    incubators = seed_incubators()
    db.session.flush()
    accounts = seed_accounts(incubators)
    db.session.flush()
    seed_files(programme, incubators, today)
    seed_assisted(programme, next(user for user, _password in accounts if user.role == Role.AGENT))
    db.session.flush()
    from jisr.demo_calls import seed_calls, seed_routed_files

    accounts += seed_calls(programme, incubators, accounts, today)
    seed_routed_files(programme, today)
    db.session.flush()
    from jisr.demo_workspace import seed_workspace

    seed_workspace(programme, incubators[0], today)
    db.session.flush()
    from jisr.demo_admin import seed_admin

    seed_admin(accounts, programme, today)
    return accounts
