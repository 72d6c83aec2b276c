"""The dashboard with a national database: p50 and p95 of the page (read from the summary) beside the same figures
computed by GROUP BY over every file, in the same run.

    .venv/bin/python bench/dashboard.py [--files 1000000] [--repeat 30] [--incubators 80] [--check]
    JISR_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench .venv/bin/python bench/dashboard.py

The files are inserted with Core statements (minutes, not hours), which bypass the flush hook; the summary is
then built from the very same values with jisr.stats.facts' own functions (keys_of, mask_of, measures_of),
counted per summary row in memory and inserted at once. The target: p95 at most 50 ms. The CPU columns time what
the process itself spent (SQLite included), which other work on a busy machine does not inflate.

Files that reached an incubator are routed to one of `--incubators` incubators of their province, which has
room for CAPACITY files at once (beyond that they wait, as routing would have them); each carries what its
incubator's record reads: its routing and the incubator's first step (status changes), the mentoring stages it
entered, and an outcome with jobs and financing. `--check` compares the summary with facts.recount() (slow: for
small runs).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

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
from jisr.applications.models import OCCUPYING_STATES, ApplicantProfile, Application, StatusChange  # noqa: E402
from jisr.auth.models import User  # noqa: E402
from jisr.demo import seed_demo  # noqa: E402
from jisr.extensions import db  # noqa: E402
from jisr.geo.models import Province, Sector  # noqa: E402
from jisr.incubators.models import Incubator, incubator_provinces  # noqa: E402
from jisr.programmes.models import Programme  # noqa: E402
from jisr.stats import facts  # noqa: E402
from jisr.stats.models import FunnelCount  # noqa: E402
from jisr.workspace import grids  # noqa: E402
from jisr.workspace.models import Outcome, StageEntry  # noqa: E402

BATCH = 10_000
CAPACITY = 400
#: The states in which a file has reached its incubator and keeps it (rejected, launched and dropped-out files too).
AT_INCUBATOR = ("assigned", "under_review", "rejected", "accepted", "in_mentoring", "completed", "dropped_out")
STATUSES = ["draft"] * 2 + ["submitted", "ineligible"] + ["eligible", "waitlisted"] + ["assigned"] * 3 + [
    "under_review", "rejected", "accepted", "in_mentoring", "in_mentoring", "completed", "dropped_out", "withdrawn"]
DISABILITIES = ["none"] * 6 + ["motor", "visual", "hearing", "intellectual"]
CARRIERS = ["individual", "individual", "auto_entrepreneur", "group"]


def make_incubators(count: int) -> dict[int, list[int]]:
    """`count` incubators spread over the provinces, one province each: {province id: [incubator ids]}."""
    provinces = db.session.scalars(sa.select(Province.id).order_by(Province.id)).all()
    first = (db.session.scalar(sa.select(sa.func.max(Incubator.id))) or 0) + 1
    rows = [{"id": first + n, "code": f"bench-{first + n}", "name_ar": f"جمعية {n + 1}",
             "name_fr": f"Association {n + 1}", "capacity": CAPACITY, "generalist": True, "active": True, "address": "",
             "province_id": provinces[n % len(provinces)]} for n in range(count)]
    if rows:
        db.session.execute(sa.insert(Incubator), rows)
        db.session.execute(sa.insert(incubator_provinces), [{"incubator_id": r["id"], "province_id": r["province_id"]}
                                                            for r in rows])
    db.session.commit()
    by_province: dict[int, list[int]] = {}
    for row in rows:
        by_province.setdefault(row["province_id"], []).append(row["id"])
    return by_province


def accompaniment(rng, application: dict, created: datetime, incubators: dict, load: Counter, stage_ids: list[int]):
    """Where a file of `application["status"]` stands at its incubator: (history, stages entered, outcome), the
    file updated in place (its incubator; waitlisted when the incubators of its province are full)."""
    status = application["status"]
    if status not in AT_INCUBATOR:
        return [], [], None
    choices = incubators.get(application["province_id"]) or []
    incubator = rng.choice(choices) if choices else None
    if incubator is None or (status in OCCUPYING_STATES and load[incubator] >= CAPACITY):
        application["status"] = "waitlisted"  # no room: the file waits, as routing would have it
        return [], [], None
    application["incubator_id"] = incubator
    load[incubator] += status in OCCUPYING_STATES
    routed = created + timedelta(days=2, hours=rng.randrange(48))
    history = [("assigned", routed)]
    if status != "assigned":
        first_step = "rejected" if status == "rejected" else "under_review"
        history.append((first_step, routed + timedelta(hours=rng.randrange(6, 24 * 20))))
    entered = []
    if status in ("in_mentoring", "completed", "dropped_out"):
        entered = stage_ids[:len(stage_ids) if status == "completed" else rng.randrange(1, len(stage_ids))]
    outcome = None
    if status == "completed" or (status == "in_mentoring" and rng.random() < 0.3):
        financed = rng.random() < 0.5
        outcome = SimpleNamespace(jobs_women=rng.randrange(5), jobs_men=rng.randrange(3), financing_obtained=financed,
                                  financing_amount=Decimal(rng.randrange(500_000, 10_000_000)) / 100 if financed
                                  else None)
    return history, entered, outcome


def fill(files: int, seed: int = 7, first_number: int = 0, incubators: int = 80) -> None:
    """`files` files over every province, two years of months, all sectors and states, and what their incubators
    did with them; then the summary. `first_number` numbers them after those of an earlier call."""
    rng = random.Random(seed)
    programme = db.session.scalar(sa.select(Programme))
    provinces = db.session.scalars(sa.select(Province.id)).all()
    sectors = db.session.scalars(sa.select(Sector.id)).all()
    stage_ids = [stage.id for stage in grids.stages(programme)]
    db.session.commit()
    by_province = make_incubators(incubators)
    load = Counter()
    start = datetime(2025, 1, 1, 12, tzinfo=UTC)
    next_user = db.session.scalar(sa.select(sa.func.max(User.id))) + 1 - first_number
    next_file = (db.session.scalar(sa.select(sa.func.max(Application.id))) or 0) + 1 - first_number
    per_key = Counter()
    for first in range(first_number, first_number + files, BATCH):
        users, profiles, applications, changes, entries, outcomes = [], [], [], [], [], []
        for n in range(first, min(first_number + files, first + BATCH)):
            province, sector = rng.choice(provinces), rng.choice(sectors)
            created = start + timedelta(days=rng.randrange(700))
            birth = date(1965, 1, 1) + timedelta(days=rng.randrange(14000))
            profile = {"user_id": next_user + n, "national_id": f"BD{n:07d}", "birth_date": birth,
                       "province_id": province, "disability_type": rng.choice(DISABILITIES),
                       "is_divorced": rng.random() < 0.1, "is_widow": rng.random() < 0.05,
                       "is_single_mother": rng.random() < 0.1, "is_head_of_household": rng.random() < 0.15}
            status = rng.choice(STATUSES)
            application = {"id": next_file + n, "programme_id": programme.id, "applicant_id": next_user + n,
                           "status": status,
                           "national_id": f"BD{n:07d}", "province_id": province, "sector_id": sector,
                           "carrier": rng.choice(CARRIERS), "created_at": created, "version": 1, "incubator_id": None,
                           "reference": f"JISR-2018-{n + 1:07d}" if status != "draft" else None,
                           "submitted_at": created + timedelta(days=1) if status != "draft" else None}
            history, entered, outcome = accompaniment(rng, application, created, by_province, load, stage_ids)
            users.append({"id": next_user + n, "role": "applicant", "full_name": f"B {n}",
                          "phone": f"+2125{n:08d}", "password_hash": "x"})
            profiles.append(profile)
            applications.append(application)
            changes += [{"application_id": application["id"], "to_status": to, "at": at} for to, at in history]
            entries += [{"application_id": application["id"], "stage_id": stage_id, "entered_at": history[-1][1]}
                        for stage_id in entered]
            if outcome is not None:
                outcomes.append({"application_id": application["id"], "version": 1, **vars(outcome)})
            # The hook's own functions, on the same values: what this file adds to the summary.
            mask = facts.mask_of([to for to, _at in history] + [application["status"]])
            keys = facts.keys_of(SimpleNamespace(**application), SimpleNamespace(**profile))
            for key in keys:
                per_key[(*key, mask)] += 1
            measures = facts.measures_of(application["incubator_id"], history, entered, outcome)
            for key in keys if measures else ():
                if key[2] == "incubator":
                    for name, value in measures.items():
                        per_key[(*key, name)] += value
        db.session.execute(sa.insert(User), users)
        db.session.execute(sa.insert(ApplicantProfile), profiles)
        db.session.execute(sa.insert(Application), applications)
        for model, rows in ((StatusChange, changes), (StageEntry, entries), (Outcome, outcomes)):
            if rows:
                db.session.execute(sa.insert(model), rows)
        db.session.commit()
    totals = Counter()
    for (province, month, dimension, value, mask), n in per_key.items():
        if isinstance(mask, str):  # a measure's sum
            totals[(province, month, dimension, value, mask)] += n
            continue
        for stage in facts.stages_of(mask):
            totals[(province, month, dimension, value, stage)] += n
    rows = [{"programme_id": programme.id, "province_id": p, "month": date.fromisoformat(m), "dimension": d,
             "value": v, "stage": s, "count": c} for (p, m, d, v, s), c in totals.items()]
    db.session.execute(sa.delete(FunnelCount))
    for first in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(FunnelCount), rows[first:first + BATCH])
    db.session.commit()
    print(f"summary: {len(rows)} rows of funnel_counts for {files} files")


def timed(run, repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        timings.append((time.perf_counter() - start) * 1000)
    return sorted(timings)


def p95(timings: list[float]) -> float:
    return timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--incubators", type=int, default=80)
    parser.add_argument("--check", action="store_true", help="compare the summary with a full recount (slow)")
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        upgrade()
        seed_demo(date.today())
        db.session.commit()
        started = time.perf_counter()
        fill(args.files, incubators=args.incubators)
        print(f"{db.engine.dialect.name}: {args.files} files inserted and counted in "
              f"{time.perf_counter() - started:.0f} s")
        if args.check:
            assert facts.stored() == facts.recount(), "the summary the bench built differs from a recount"
            print("check: the summary equals a recount of every file")
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("ANALYZE")
        admin = db.session.scalar(sa.select(User).where(User.role == "admin"))
        coordinator = db.session.scalar(sa.select(User).where(User.role == "coordinator"))
        province = db.session.scalar(sa.select(Province.id).order_by(Province.id))
        client = app.test_client()
        print(f"{'who':<12} {'page':<48} {'status':>6} {'queries':>7} {'p50 ms':>7} {'p95 ms':>7} "
              f"{'cpu p50':>7} {'cpu p95':>7}")
        for user, path in ((admin, "/statistics/"), (admin, f"/statistics/?province={province}"),
                           (admin, "/statistics/?since=2025-06&until=2025-12"), (coordinator, "/statistics/")):
            with client.session_transaction() as session:
                session["_user_id"] = str(user.id)
            response, queries, timings = timed_get(client, db.engine, path, args.repeat)
            _response, _queries, cpu = timed_get(client, db.engine, path, args.repeat, clock=time.process_time)
            print(f"{user.role:<12} {path:<48} {response.status_code:>6} {queries:>7} "
                  f"{statistics.median(timings):>7.1f} {p95(timings):>7.1f} "
                  f"{statistics.median(cpu):>7.1f} {p95(cpu):>7.1f}")
        programme_id = db.session.scalar(sa.select(Programme.id))
        group_bys = {
            "GROUP BY status (the funnel's raw counts)": sa.select(Application.status, sa.func.count())
            .where(Application.programme_id == programme_id).group_by(Application.status),
            "GROUP BY sector, status": sa.select(Application.sector_id, Application.status, sa.func.count())
            .where(Application.programme_id == programme_id).group_by(Application.sector_id, Application.status),
            "GROUP BY disability, status (join profiles)": sa.select(
                ApplicantProfile.disability_type, Application.status, sa.func.count())
            .join(ApplicantProfile, ApplicantProfile.user_id == Application.applicant_id)
            .where(Application.programme_id == programme_id)
            .group_by(ApplicantProfile.disability_type, Application.status),
            "GROUP BY incubator (join outcomes: jobs, financing)": sa.select(
                Application.incubator_id, sa.func.sum(Outcome.jobs_women + Outcome.jobs_men),
                sa.func.sum(Outcome.financing_amount))
            .join(Outcome, Outcome.application_id == Application.id)
            .where(Application.programme_id == programme_id).group_by(Application.incubator_id),
        }
        repeat = max(3, args.repeat // 6)
        print(f"\nthe same figures by GROUP BY over every file ({repeat} runs each):")
        for name, query in group_bys.items():
            timings = timed(lambda q=query: db.session.execute(q).all(), repeat)
            print(f"  {name:<48} p50 {statistics.median(timings):>8.1f} ms   p95 {p95(timings):>8.1f} ms")


if __name__ == "__main__":
    main()
