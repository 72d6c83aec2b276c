"""The incubator's queue and file page with a national database: latency (p50, p95) and SQL query count.

    .venv/bin/python bench/workspace.py [--files 100000] [--incubators 100] [--repeat 30]
    JISR_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench .venv/bin/python bench/workspace.py

The files are spread over `--incubators` incubators (with their mentors) and over the workspace's states; the
manager and the mentor measured are those of the first incubator, so what is timed is one incubator's queue in a
country's worth of files. The query count must be the same for every page size and filter (no N+1), and the
time must not follow the total number of files (the scope's indexes). Benchmarks are not part of `make test`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("JISR_SECRET_KEY", "bench")
os.environ.setdefault("JISR_RATELIMIT_ENABLED", "0")
tmp = tempfile.mkdtemp(prefix="jisr-bench-")
os.environ.setdefault("JISR_DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
os.environ.setdefault("JISR_INSTANCE_DIR", tmp)

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from timing import timed_get  # noqa: E402

from jisr import create_app  # noqa: E402
from jisr.applications.models import ApplicantProfile, Application  # noqa: E402
from jisr.auth.models import User  # noqa: E402
from jisr.demo import seed_demo  # noqa: E402
from jisr.extensions import db  # noqa: E402
from jisr.geo.models import Province, Sector  # noqa: E402
from jisr.incubators.models import Incubator  # noqa: E402
from jisr.programmes.models import Programme  # noqa: E402
from jisr.workspace import grids  # noqa: E402

STATES = ["assigned", "under_review", "info_requested", "accepted", "in_mentoring", "in_mentoring", "completed",
          "rejected", "waitlisted", "dropped_out"]
FIRST_NAMES = [("فاطمة", "Fatima"), ("خديجة", "Khadija"), ("أمينة", "Amina"), ("سلمى", "Salma"), ("نزهة", "Nezha")]
LAST_NAMES = [("العلوي", "Alaoui"), ("بناني", "Bennani"), ("التازي", "Tazi"), ("أيت علي", "Ait Ali")]
BATCH = 5000


def fill(files: int, incubator_count: int) -> tuple[User, User]:
    """`files` files over `incubator_count` incubators, inserted in batches (Core inserts: minutes, not hours)."""
    programme = db.session.scalar(sa.select(Programme))
    stages = grids.stages(programme)
    provinces = db.session.scalars(sa.select(Province.id)).all()
    sectors = db.session.scalars(sa.select(Sector.id)).all()
    incubators = [Incubator(code=f"bench-{n}", name_ar=f"جمعية {n}", name_fr=f"Association {n}", capacity=1000,
                            generalist=True, province_id=provinces[n % len(provinces)]) for n in range(incubator_count)]
    db.session.add_all(incubators)
    db.session.flush()
    staff = []
    for incubator in incubators:
        staff.append((User(role="incubator_manager", full_name=f"Manager {incubator.id}", incubator_id=incubator.id,
                           phone=f"+2125{incubator.id:08d}", password_hash="x"),
                      User(role="mentor", full_name=f"Mentor {incubator.id}", incubator_id=incubator.id,
                           phone=f"+2127{incubator.id:08d}", password_hash="x")))
    db.session.add_all([person for pair in staff for person in pair])
    db.session.commit()
    now = datetime.now(UTC)
    next_user = db.session.scalar(sa.select(sa.func.max(User.id))) + 1
    for start in range(0, files, BATCH):
        numbers = range(start, min(files, start + BATCH))
        db.session.execute(sa.insert(User), [
            {"id": next_user + n, "role": "applicant", "full_name": f"Bench {n}", "phone": f"+2126{n:08d}",
             "password_hash": "x"} for n in numbers])
        db.session.execute(sa.insert(ApplicantProfile), [{
            "user_id": next_user + n, "national_id": f"BE{n:06d}",
            "birth_date": date(1970, 1, 1) + timedelta(days=n * 7919 % 14600),  # 40 years of birth dates
            "sex": "female", "province_id": provinces[n % len(provinces)],
            "first_name_ar": FIRST_NAMES[n % 5][0], "first_name_latin": FIRST_NAMES[n % 5][1],
            "last_name_ar": LAST_NAMES[n % 4][0], "last_name_latin": f"{LAST_NAMES[n % 4][1]} {n}",
            "disability_type": "motor" if n % 3 == 0 else "none", "needs_sign_language": n % 17 == 0,
        } for n in numbers])
        rows = []
        for n in numbers:
            state = STATES[n % len(STATES)]
            manager, mentor = staff[(n // len(STATES)) % incubator_count]  # every state in each
            mentored = state in ("accepted", "in_mentoring", "completed", "dropped_out")
            rows.append({
                "programme_id": programme.id, "applicant_id": next_user + n, "status": state,
                "national_id": f"BE{n:06d}", "province_id": provinces[n % len(provinces)],
                "sector_id": sectors[n % len(sectors)], "reference": f"JISR-2019-{n + 1:06d}",
                "project_title": "Projet", "incubator_id": manager.incubator_id,
                "mentor_id": mentor.id if mentored else None,
                "current_stage_id": stages[n % len(stages)].id if state == "in_mentoring" else None,
                "submitted_at": now - timedelta(days=n % 300), "status_changed_at": now - timedelta(days=n % 90),
                "version": 1})
        db.session.execute(sa.insert(Application), rows)
        db.session.commit()
    return staff[0]


def measure(client, path: str, repeat: int) -> tuple[int, int, float, float, int, int]:
    """Status, queries, p50 and p95 in ms, bytes and files listed."""
    response, queries, timings = timed_get(client, db.engine, path, repeat)
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return (response.status_code, queries, statistics.median(timings), p95, len(response.data),
            response.data.count(b"/workspace/files/"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--incubators", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        upgrade()
        seed_demo(date.today())
        db.session.commit()
        started = time.perf_counter()
        manager, mentor = fill(args.files, args.incubators)
        filled = time.perf_counter() - started
        if db.engine.dialect.name == "postgresql":
            # Fresh statistics, as autovacuum gives a live database, and the planner told that its disks are SSDs
            # (the README's deployment setting): with the default random_page_cost of 4, made for spinning disks,
            # it reads every profile of the country rather than look up an incubator's thousand.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("ANALYZE")
                connection.exec_driver_sql(f"ALTER DATABASE {db.engine.url.database} SET random_page_cost = 1.1")
            db.engine.dispose()
        in_scope = db.session.scalar(sa.select(sa.func.count()).select_from(Application)
                                     .where(Application.incubator_id == manager.incubator_id))
        one = db.session.scalar(sa.select(Application.id).where(Application.incubator_id == manager.incubator_id,
                                                                Application.status == "in_mentoring"))
        province = db.session.scalar(sa.select(Application.province_id).where(Application.id == one))
        client = app.test_client()
        print(f"{db.engine.dialect.name}: {args.files} files ({filled:.0f} s to insert), {args.incubators} "
              f"incubators, {in_scope} in the measured incubator; p50 and p95 of {args.repeat} requests")
        print(f"{'who':<8} {'page':<58} {'status':>6} {'queries':>7} {'p50 ms':>7} {'p95 ms':>7} {'bytes':>7} "
              f"{'rows':>4}")
        pages = [
            (manager, "/workspace/"),
            (manager, "/workspace/?page=10"),
            (manager, "/workspace/?status=in_mentoring&sort=newest"),
            (manager, f"/workspace/?province={province}&disability=any&need=sign_language"),
            (manager, "/workspace/?stage=business_plan&waiting=30"),
            (manager, "/workspace/?q=Khadija&sort=name"),
            (manager, "/workspace/?q=JISR-2019-001001"),
            (manager, f"/workspace/files/{one}"),
            (mentor, "/workspace/"),
            (mentor, "/workspace/?status=in_mentoring&sort=reference"),
        ]
        for user, path in pages:
            with client.session_transaction() as session:
                session["_user_id"] = str(user.id)
            status, queries, p50, p95, size, shown = measure(client, path, args.repeat)
            print(f"{user.role[:8]:<8} {path:<58} {status:>6} {queries:>7} {p50:>7.1f} {p95:>7.1f} {size:>7} "
                  f"{shown:>4}")


if __name__ == "__main__":
    main()
