"""Demo data for the incubator's workspace: a week of the demo manager's incubator — files in each state, a
scored assessment sheet, a session with its convocations and attendance, stages reached, an outcome with a
financing commission's decision. Decisions go through the same services as the pages, so the history,
the audit log and the applicants' messages are what staff would have produced. Idempotent."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from jisr.applications.models import ApplicantProfile, Application, Status, StatusChange
from jisr.applications.references import next_reference
from jisr.auth.models import Role, User
from jisr.extensions import db
from jisr.geo.models import Province, Sector
from jisr.incubators.models import Incubator
from jisr.programmes.models import Programme
from jisr.routing import services as routing
from jisr.workspace import grids, services
from jisr.workspace.models import (
    Convocation,
    FinancingDecision,
    MentoringSession,
    Outcome,
    OutcomeRevision,
    ReasonKind,
)

#: (phone, latin first, last, arabic first, last, national id, disability, needs, sector, where it ends up)
WEEK = [
    ("+212612350001", "Salma", "Benjelloun", "سلمى", "بنجلون", "JW20001", "none", (), "handicrafts", "assigned"),
    ("+212612350002", "Hanane", "Ait Brahim", "حنان", "آيت براهيم", "JW20002", "none", (), "agriculture",
     "under_review"),
    ("+212612350003", "Latifa", "Moussaoui", "لطيفة", "الموساوي", "JW20003", "visual", ("large_print",), "services",
     "info_requested"),
    ("+212612350004", "Zineb", "Chraibi", "زينب", "الشرايبي", "JW20004", "none", (), "handicrafts", "accepted"),
    ("+212612350005", "Rachida", "El Fassi", "رشيدة", "الفاسي", "JW20005", "motor", ("accessible_venue",),
     "food", "mentoring_2"),
    ("+212612350006", "Meryem", "Oulad Ali", "مريم", "أولاد علي", "JW20006", "none", (), "handicrafts",
     "mentoring_5"),
    ("+212612350007", "Fadma", "Amzil", "فاضمة", "أمزيل", "JW20007", "hearing", ("sign_language",), "agriculture",
     "completed"),
    ("+212612350008", "Houda", "Sabri", "هدى", "صبري", "JW20008", "none", (), "services", "rejected"),
    ("+212612350009", "Karima", "Ziani", "كريمة", "الزياني", "JW20009", "none", (), "food", "waitlisted"),
    ("+212612350010", "Ilham", "Tahiri", "إلهام", "الطاهري", "JW20010", "none", (), "handicrafts", "dropped_out"),
]


def _file(programme: Programme, incubator: Incubator, row, today: date) -> Application | None:
    phone, first, last, first_ar, last_ar, national_id, disability, needs, sector_code, _end = row
    if db.session.scalar(sa.select(User.id).where(User.phone == phone)):
        return None
    user = User(role=Role.APPLICANT, phone=phone, full_name=f"{first} {last}", locale="ar")
    user.set_password("Jisr-demo-file")
    db.session.add(user)
    db.session.flush()
    province = db.session.scalar(sa.select(Province).where(Province.code == "errachidia"))
    db.session.add(ApplicantProfile(
        user_id=user.id, first_name_ar=first_ar, last_name_ar=last_ar, first_name_latin=first, last_name_latin=last,
        national_id=national_id, birth_date=date(1989, 5, 17), sex="female", phone=phone, province_id=province.id,
        commune="Errachidia", education_level="secondary", family_situation="married", disability_type=disability,
        **{f"needs_{need}": True for need in needs}))
    sector = db.session.scalar(sa.select(Sector).where(Sector.code == sector_code)) or db.session.scalar(
        sa.select(Sector).order_by(Sector.id).limit(1))
    application = Application(
        programme_id=programme.id, applicant_id=user.id, status=Status.ELIGIBLE, national_id=national_id,
        province_id=province.id, project_title=f"Projet {last}", sector_id=sector.id, project_stage="idea",
        carrier="individual", project_description="Projet de démonstration.", need_training=True,
        need_financing=True, needs_saved=True, reference=next_reference(today.year),
        submitted_at=datetime.now(UTC) - timedelta(days=20))
    for previous, step in ((None, Status.DRAFT), (Status.DRAFT, Status.SUBMITTED), (Status.SUBMITTED,
                                                                                     Status.ELIGIBLE)):
        application.history.append(StatusChange(from_status=previous, to_status=step))
    db.session.add(application)
    db.session.flush()
    routing.route(application)
    if application.incubator_id != incubator.id:  # routing is the engine's: place it by hand for the demo
        routing.reroute_by_hand(application, incubator.id, _admin(), "Démonstration")
    return application


def _admin() -> User:
    return db.session.scalar(sa.select(User).where(User.role == Role.ADMIN).order_by(User.id).limit(1))


def _drive(application: Application, end: str, manager: User, mentor: User) -> None:
    """Take the file to `end` through the workspace's services, as staff would."""
    if end == "assigned":
        return
    services.start_review(application, manager)
    if end == "under_review":
        criteria = grids.criteria(application.programme)
        services.save_assessment(application, manager, {c.id: min(c.max_score, 3 + c.position % 3) for c in criteria},
                                 "Projet clair, marché local identifié.")
        services.save_assessment(application, mentor, {c.id: min(c.max_score, 2 + c.position % 4) for c in criteria},
                                 None)
        return
    if end == "info_requested":
        services.request_info(application, manager, "Pouvez-vous ajouter une photo de vos produits ? "
                                                    "يرجى إضافة صورة لمنتوجاتك.")
        return
    if end == "rejected":
        reason = grids.reasons(application.programme, ReasonKind.REJECTION)[1]
        services.reject(application, manager, reason.id, "Le projet relève de l'agriculture, hors de nos domaines.")
        return
    if end == "waitlisted":
        services.waitlist(application, manager, "Nous reprendrons votre dossier le mois prochain.")
        return
    services.accept(application, manager)
    services.assign_mentor(application, manager, mentor.id)
    if end == "accepted":
        return
    services.start_mentoring(application, mentor)
    stages = {"mentoring_2": 1, "mentoring_5": 4, "completed": 6, "dropped_out": 1}[end]
    for _ in range(stages):
        services.move_stage(application, mentor, "forward", "Étape validée en séance.")
    if end == "completed":
        services.complete(application, mentor, "Activité lancée au souk hebdomadaire.")
    elif end == "dropped_out":
        reason = grids.reasons(application.programme, ReasonKind.DROP_OUT)[0]
        services.drop_out(application, mentor, reason.id, None)


def _session(incubator: Incubator, mentor: User, files: list[Application], today: date) -> None:
    """Yesterday's session, attendance taken and notes written, and tomorrow's, waiting for its reminder."""
    zone = files[0].programme.zone
    for days, topic, attended in ((-1, "Diagnostic de l'activité", True), (1, "Plan d'affaires : les charges", False)):
        starts = datetime.combine(today + timedelta(days=days), time(10, 0), zone).astimezone(UTC)
        session = MentoringSession(incubator_id=incubator.id, starts_at=starts, duration_minutes=90,
                                   mode="in_person", place=incubator.address or "Siège de l'association",
                                   topic=topic, bring="Carte nationale, cahier de comptes", created_by_id=mentor.id)
        db.session.add(session)
        db.session.flush()
        for n, application in enumerate(files):
            convocation = Convocation(session_id=session.id, application_id=application.id,
                                      check_in_code=secrets.token_hex(4).upper(), sent_at=datetime.now(UTC))
            if attended:
                convocation.attendance = "present" if n else "excused"
                convocation.attendance_at, convocation.attendance_by_id = starts, mentor.id
                if n:
                    convocation.duration_minutes, convocation.topics = 90, "Clients, prix, charges fixes"
                    convocation.notes = "Bonne maîtrise des coûts de production."
                    convocation.next_steps = "Chiffrer les achats de matières premières."
            db.session.add(convocation)


def _outcome(application: Application, mentor: User, today: date) -> None:
    outcome = Outcome(application_id=application.id, activity_created_on=today - timedelta(days=3),
                      legal_form="cooperative", registration_number="COOP-ER-2026-118", financing_obtained=True,
                      financing_amount=Decimal("45000"), financing_source="honour_loan", jobs_women=3, jobs_men=1,
                      revenue_band="2000_5000", updated_by_id=mentor.id)
    financing = FinancingDecision(application_id=application.id, commission_on=today - timedelta(days=10),
                                  decision="approved", amount=Decimal("45000"), source="honour_loan",
                                  recorded_by_id=mentor.id)
    db.session.add_all([outcome, financing])
    db.session.flush()
    for kind, obj in (("financing", financing), ("outcome", outcome)):
        data = {c.key: getattr(obj, c.key) for c in obj.__table__.columns
                if c.key not in ("id", "application_id", "recorded_at", "updated_at", "version")}
        db.session.add(OutcomeRevision(application_id=application.id, kind=kind, object_id=obj.id, by_id=mentor.id,
                                       data={k: (v.isoformat() if hasattr(v, "isoformat") else
                                                 str(v) if isinstance(v, Decimal) else v) for k, v in data.items()}))


def seed_workspace(programme: Programme, incubator: Incubator, today: date) -> None:
    manager = db.session.scalar(sa.select(User).where(User.role == Role.INCUBATOR_MANAGER,
                                                      User.incubator_id == incubator.id).order_by(User.id))
    mentor = db.session.scalar(sa.select(User).where(User.role == Role.MENTOR, User.incubator_id == incubator.id)
                               .order_by(User.id))
    if manager is None or mentor is None:
        return
    created = {}
    for row in WEEK:
        application = _file(programme, incubator, row, today)
        if application is not None:
            db.session.flush()
            _drive(application, row[-1], manager, mentor)
            created[row[-1]] = application
    if not created:
        return
    db.session.flush()
    accompanied = [created[k] for k in ("accepted", "mentoring_2", "mentoring_5") if k in created]
    if accompanied:
        _session(incubator, mentor, accompanied, today)
    if "completed" in created:
        _outcome(created["completed"], mentor, today)
    db.session.flush()
