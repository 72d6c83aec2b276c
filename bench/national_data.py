"""The national data set of bench/national.py: applicants with their profiles and files in every state, spread
over incubators (each with a manager and two mentors), mentoring sessions with their convocations, and the
dashboards' summary built from the very same values with jisr.stats.facts' own functions.

Rows go in with Core executemany batches (minutes, not hours), which bypass the ORM's flush hook; the summary
(application_facts and funnel_counts) is therefore computed here, as bench/dashboard.py does, and equals what
`facts.recount()` gives (checked at small sizes). A marker row in `bench_national` records the sizes once
everything is in: a later run with the same sizes skips the fill, any other run starts the database again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa

BATCH = 10_000
# A cycle of states, every one of them in each incubator (a file's incubator is its cycle's number modulo the
# number of incubators); in_mentoring weighs most, as in a programme's second year.
STATUSES = (["draft"] * 2 + ["submitted", "ineligible", "eligible", "waitlisted", "withdrawn"]
            + ["assigned"] * 2 + ["under_review", "info_requested", "rejected", "accepted"]
            + ["in_mentoring"] * 5 + ["completed", "dropped_out"])
ROUTED = {"assigned", "under_review", "info_requested", "rejected", "accepted", "in_mentoring", "completed",
          "dropped_out"}
MENTORED = {"accepted", "in_mentoring", "completed", "dropped_out"}
DISABILITIES = ["none"] * 6 + ["motor", "visual", "hearing", "intellectual"]
CARRIERS = ["individual", "individual", "auto_entrepreneur", "group"]
EDUCATION = ["none", "primary", "secondary", "higher"]
FAMILY = ["single", "married", "divorced", "widowed"]
FIRST = [("فاطمة", "Fatima"), ("خديجة", "Khadija"), ("أمينة", "Amina"), ("سلمى", "Salma"), ("نزهة", "Nezha"),
         ("حفصة", "Hafsa"), ("زينب", "Zineb")]
LAST = [("العلوي", "Alaoui"), ("بناني", "Bennani"), ("التازي", "Tazi"), ("أيت علي", "Ait Ali"),
        ("الإدريسي", "Idrissi")]
MODES = ["in_person", "in_person", "phone", "video"]
TOPICS = ["Diagnostic", "Plan d'affaires", "Comptabilité simple", "Dossier de financement", "Suivi"]
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # as jisr/workspace/sessions.py writes check-in codes
PASSWORD = "Un jardin sous la pluie 2026"  # every bench account's; its hash is computed once and shared

marker_metadata = sa.MetaData()
marker = sa.Table("bench_national", marker_metadata,
                  sa.Column("applicants", sa.Integer, nullable=False),
                  sa.Column("incubators", sa.Integer, nullable=False),
                  sa.Column("sessions", sa.Integer, nullable=False),
                  sa.Column("filled_at", sa.DateTime(timezone=True), nullable=False),
                  sa.Column("seconds", sa.Float, nullable=False))


@dataclass
class Sizes:
    applicants: int
    incubators: int
    sessions: int


def phone(kind: str, n: int) -> str:
    """Bench accounts' numbers, apart from the demo's (+2126…): applicants 070…, managers 071…, mentors 072/073…"""
    return "+212" + {"applicant": "70", "manager": "71", "mentor": "72", "mentor2": "73"}[kind] + f"{n:07d}"


def check_in_code(n: int) -> str:
    """The n-th convocation's code: unique, in the app's alphabet and length."""
    out = ""
    for _ in range(8):
        n, r = divmod(n, len(CODE_ALPHABET))
        out += CODE_ALPHABET[r]
    return out


def filled(db, sizes: Sizes) -> dict | None:
    """The marker row when the database holds this data set."""
    if not sa.inspect(db.engine).has_table("bench_national"):
        return None
    row = db.session.execute(sa.select(marker)).mappings().first()
    if row and (row["applicants"], row["incubators"], row["sessions"]) == (
            sizes.applicants, sizes.incubators, sizes.sessions):
        return dict(row)
    return None


def _insert(db, model, rows: list[dict]) -> None:
    """Core executemany on the model's table (the ORM's bulk insert splits rows into many statements)."""
    table = getattr(model, "__table__", model)
    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(table), rows[start:start + BATCH])


def fill(db, sizes: Sizes, log=print) -> float:
    """Everything, on a database the migrations and `seed_demo` have just built. Returns the seconds taken."""
    from jisr.applications.models import ApplicantProfile, Application, StatusChange
    from jisr.auth.hashing import hash_secret
    from jisr.auth.models import User
    from jisr.documents.models import Document
    from jisr.geo.models import Province, Sector
    from jisr.incubators.models import Incubator, incubator_provinces
    from jisr.programmes.models import Programme
    from jisr.stats import facts
    from jisr.stats.models import ApplicationFact, FunnelCount
    from jisr.workspace import grids
    from jisr.workspace.models import Convocation, MentoringSession

    started = datetime.now(UTC)
    clock = started.timestamp()
    programme = db.session.scalar(sa.select(Programme).order_by(Programme.id))
    stages = [stage.id for stage in grids.stages(programme)]
    provinces = db.session.scalars(sa.select(Province.id).order_by(Province.id)).all()
    sectors = db.session.scalars(sa.select(Sector.id).order_by(Sector.id)).all()
    password_hash = hash_secret(PASSWORD)
    now = datetime.now(UTC).replace(microsecond=0)

    incubators = [Incubator(code=f"national-{k:04d}", name_ar=f"جمعية {k}", name_fr=f"Association {k}",
                            capacity=max(100, 2 * sizes.applicants // max(sizes.incubators, 1)), generalist=True,
                            province_id=provinces[k % len(provinces)], address=f"{k} avenue Hassan II",
                            phone=f"+2125355{k:05d}") for k in range(sizes.incubators)]
    db.session.add_all(incubators)
    db.session.flush()
    db.session.execute(sa.insert(incubator_provinces), [
        {"incubator_id": i.id, "province_id": i.province_id} for i in incubators])
    first_user = db.session.scalar(sa.select(sa.func.max(User.id))) + 1
    staff_rows, staff = [], []
    for k, incubator in enumerate(incubators):
        ids = [first_user + 3 * k + r for r in range(3)]
        for user_id, (kind, role) in zip(ids, (("manager", "incubator_manager"), ("mentor", "mentor"),
                                                ("mentor2", "mentor")), strict=True):
            staff_rows.append({"id": user_id, "role": role, "full_name": f"{role} {k}", "phone": phone(kind, k),
                               "password_hash": password_hash, "incubator_id": incubator.id, "locale": "ar"})
        staff.append(ids)
    _insert(db, User, staff_rows)
    db.session.commit()

    next_user = first_user + 3 * sizes.incubators
    next_application = (db.session.scalar(sa.select(sa.func.max(Application.id))) or 0) + 1
    epoch = datetime(2024, 6, 1, 9, tzinfo=UTC)
    span = max((now - epoch).days - 30, 1)
    per_key: Counter = Counter()
    mentored: dict[int, list[int]] = {k: [] for k in range(sizes.incubators)}
    for first in range(0, sizes.applicants, BATCH):
        users, profiles, applications, history, documents, fact_rows = [], [], [], [], [], []
        for n in range(first, min(sizes.applicants, first + BATCH)):
            status = STATUSES[n % len(STATUSES)]
            k = (n // len(STATUSES)) % max(sizes.incubators, 1)
            routed = status in ROUTED and sizes.incubators > 0
            province = incubators[k].province_id if routed else provinces[n % len(provinces)]
            user_id, application_id = next_user + n, next_application + n
            created = epoch + timedelta(days=n * 7919 % span, minutes=n % 600)
            submitted = created + timedelta(days=1) if status != "draft" else None
            changed = created + timedelta(days=1 + n % 20) if submitted else created
            first_name, last_name = FIRST[n % len(FIRST)], LAST[n % len(LAST)]
            profile = {
                "user_id": user_id, "national_id": f"NA{n:07d}",
                "birth_date": date(1968, 1, 1) + timedelta(days=n * 104729 % 13000), "sex": "female",
                "province_id": province, "commune": "Commune", "first_name_ar": first_name[0],
                "first_name_latin": first_name[1], "last_name_ar": last_name[0],
                "last_name_latin": f"{last_name[1]} {n}", "education_level": EDUCATION[n % 4],
                "family_situation": FAMILY[n % 4], "disability_type": DISABILITIES[n % len(DISABILITIES)],
                "is_widow": n % 4 == 3, "is_divorced": n % 4 == 2, "is_single_mother": n % 9 == 0,
                "is_head_of_household": n % 7 == 0, "needs_sign_language": n % 31 == 0,
                "needs_accessible_venue": n % 13 == 0}
            application = {
                "id": application_id, "programme_id": programme.id, "applicant_id": user_id, "status": status,
                "national_id": f"NA{n:07d}", "province_id": province, "sector_id": sectors[n % len(sectors)],
                "carrier": CARRIERS[n % len(CARRIERS)], "project_title": f"Projet {n}", "project_stage": "idea",
                "project_description": "Un atelier de couture et de broderie", "needs_saved": True,
                "estimated_budget": 20000 + n % 50 * 1000, "own_contribution": 2000,
                "reference": f"JISR-2024-{n + 1:07d}" if submitted else None, "created_at": created,
                "submitted_at": submitted, "status_changed_at": changed, "version": 1,
                "incubator_id": incubators[k].id if routed else None,
                "mentor_id": staff[k][1 + n % 2] if routed and status in MENTORED else None,
                "current_stage_id": stages[n % len(stages)] if status == "in_mentoring" else None}
            users.append({"id": user_id, "role": "applicant", "full_name": f"{first_name[1]} {last_name[1]} {n}",
                          "phone": phone("applicant", n), "password_hash": password_hash, "locale": "ar",
                          "created_at": created})
            profiles.append(profile)
            applications.append(application)
            steps = ["draft"] + (["submitted"] if submitted else []) + ([status] if status not in (
                "draft", "submitted") else [])
            for before, after in zip([None, *steps], steps, strict=False):
                history.append({"application_id": application_id, "from_status": before, "to_status": after,
                                "at": created if after == "draft" else changed if after == status else submitted,
                                "by_id": user_id})
            if submitted:
                documents.append({"application_id": application_id, "kind": "id_card", "original_name": "cnie.jpg",
                                  "stored_name": f"national-{n:012d}", "content_type": "image/jpeg",
                                  "size": 180_000, "sha256": "0" * 64, "uploaded_by_id": user_id,
                                  "uploaded_at": created})
            if routed and status in MENTORED:
                mentored[k].append(application_id)
            # The hook's own functions, on the same values: what this file adds to the summary.
            keys = facts.keys_of(SimpleNamespace(**application), SimpleNamespace(**profile))
            mask = facts.mask_of(steps)
            fact_rows.append({"application_id": application_id, "keys": keys, "reached": mask,
                              "programme_id": programme.id})
            for key in keys:
                for stage in facts.stages_of(mask):
                    per_key[(*key, stage)] += 1
        for table, rows in ((User, users), (ApplicantProfile, profiles), (Application, applications),
                            (StatusChange, history), (Document, documents), (ApplicationFact, fact_rows)):
            _insert(db, table, rows)
        db.session.commit()
        log(f"  {min(sizes.applicants, first + BATCH)} applicants ({datetime.now(UTC).timestamp() - clock:.0f} s)")

    next_session = (db.session.scalar(sa.select(sa.func.max(MentoringSession.id))) or 0) + 1
    convocation_number = 0
    minutes = (span + 30) * 24 * 60
    for first in range(0, sizes.sessions, BATCH):
        sessions, convocations = [], []
        for j in range(first, min(sizes.sessions, first + BATCH)):
            k = j % max(sizes.incubators, 1)
            starts = (now + timedelta(days=30) - timedelta(minutes=j * 7919 % minutes)).replace(minute=0, second=0)
            session_id = next_session + j
            sessions.append({"id": session_id, "incubator_id": incubators[k].id, "starts_at": starts,
                             "duration_minutes": 60 + 30 * (j % 3), "mode": MODES[j % len(MODES)],
                             "place": f"{k} avenue Hassan II", "topic": TOPICS[j % len(TOPICS)], "bring": "",
                             "created_by_id": staff[k][0], "created_at": starts - timedelta(days=7),
                             "cancelled_at": starts - timedelta(days=1) if j % 53 == 0 else None})
            files = mentored[k]
            past = starts < now
            for t in range(min(len(files), 1 + (j % 3 == 0))):
                convocation_number += 1
                convocations.append({
                    "session_id": session_id, "application_id": files[(j // max(sizes.incubators, 1) + t) % len(files)],
                    "check_in_code": check_in_code(convocation_number), "arrangements": "",
                    "sent_at": starts - timedelta(days=7), "reminded_at": starts - timedelta(days=1),
                    "attendance": ("present" if j % 5 else "absent") if past else None,
                    "attendance_at": starts if past else None, "attendance_by_id": staff[k][1] if past else None,
                    "checked_in_by_code": False})
        _insert(db, MentoringSession, sessions)
        _insert(db, Convocation, convocations)
        db.session.commit()
        log(f"  {min(sizes.sessions, first + BATCH)} sessions, {convocation_number} convocations "
            f"({datetime.now(UTC).timestamp() - clock:.0f} s)")

    totals = [{"programme_id": programme.id, "province_id": p, "month": date.fromisoformat(m), "dimension": d,
               "value": v, "stage": s, "count": c} for (p, m, d, v, s), c in per_key.items()]
    # The demo's own files were counted by the flush hook: their counts are added to the bench's.
    existing = {(r.province_id, r.month, r.dimension, r.value, r.stage): r.count for r in db.session.execute(
        sa.select(FunnelCount).where(FunnelCount.programme_id == programme.id)).scalars()}
    for row in totals:
        row["count"] += existing.pop((row["province_id"], row["month"], row["dimension"], row["value"],
                                      row["stage"]), 0)
    db.session.execute(sa.delete(FunnelCount).where(FunnelCount.programme_id == programme.id))
    _insert(db, FunnelCount, totals + [
        {"programme_id": programme.id, "province_id": p, "month": m, "dimension": d, "value": v, "stage": s,
         "count": c} for (p, m, d, v, s), c in existing.items()])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # Explicit ids leave the sequences behind: the next row the app inserts must not collide.
        for table in ("users", "applications", "mentoring_sessions"):
            db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f"(SELECT max(id) FROM {table}))"))
    seconds = datetime.now(UTC).timestamp() - clock
    marker_metadata.create_all(db.engine)
    db.session.execute(sa.insert(marker).values(applicants=sizes.applicants, incubators=sizes.incubators,
                                                sessions=sizes.sessions, filled_at=started, seconds=seconds))
    db.session.commit()
    log(f"  summary: {len(totals)} rows of funnel_counts; {convocation_number} convocations in all")
    return seconds
