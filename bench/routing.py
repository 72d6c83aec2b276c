"""Routing throughput and memory: the pure engine on 100,000 files, then the database path.

    .venv/bin/python bench/routing.py [--files 100000] [--incubators 300] [--db 2000] [--seed 1]
    .venv/bin/python bench/routing.py --db 0                       # the engine only
    .venv/bin/python bench/routing.py --database-url postgresql+psycopg://postgres@127.0.0.1/test
    JISR_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/test .venv/bin/python bench/routing.py

Part 1 routes files through one `engine.Router`, consuming its decisions as a stream: the time is
measured without tracemalloc (which slows every allocation), the memory in a second, traced pass. The
target is 100,000 files in at most 5 s, with the routing's own memory independent of the number of
files. Part 2 routes a smaller batch through `jisr.routing.services` on a temporary SQLite database (or,
with --database-url or a PostgreSQL JISR_DATABASE_URL, in a fresh database created next to the one
given, and dropped after). Benchmarks are not part of `make test`.
"""

from __future__ import annotations

import argparse
import atexit
import csv
import gc
import logging
import os
import random
import re
import shutil
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("JISR_SECRET_KEY", "bench")
os.environ.setdefault("JISR_RATELIMIT_ENABLED", "0")
TMP = tempfile.mkdtemp(prefix="jisr-bench-")
atexit.register(shutil.rmtree, TMP, ignore_errors=True)
os.environ.setdefault("JISR_INSTANCE_DIR", TMP)  # read when jisr.config is imported

from jisr.routing import engine  # noqa: E402

PROVINCES_CSV = ROOT / "jisr" / "data" / "morocco-provinces.csv"
SECTORS = 12  # jisr.geo.reference.SECTORS
NEEDS_SHARE = 0.10


def regions() -> dict[str, list[int]]:
    """Morocco's twelve regions, each with the ids (1..75, in file order) of its provinces."""
    by_region: dict[str, list[int]] = {}
    with PROVINCES_CSV.open(encoding="utf-8") as handle:
        for province_id, row in enumerate(csv.DictReader(handle), start=1):
            by_region.setdefault(row["region_fr"], []).append(province_id)
    return by_region


def mib(size: int) -> str:
    return f"{size / 2 ** 20:8.2f} MiB"


# -- part 1: the pure engine ---------------------------------------------------------------------------

def make_incubators(rng: random.Random, count: int, files: int, by_region: dict[str, list[int]]):
    """Incubators covering 1-4 provinces of one region (regions weighted by their number of provinces),
    generalist or in 1-4 sectors, with places in proportion to their provinces: 1.1 places per file in
    all, so that most files, not all, find one (sectors and accessibility do not fall evenly)."""
    names = list(by_region)
    weights = [len(by_region[name]) for name in names]
    places_per_province = 1.1 * files / count / 2.5  # 2.5: the mean number of provinces covered
    incubators = []
    for incubator_id in range(1, count + 1):
        provinces = by_region[rng.choices(names, weights)[0]]
        covered = frozenset(rng.sample(provinces, min(len(provinces), rng.randint(1, 4))))
        generalist = rng.random() < 0.3
        capacity = max(1, round(places_per_province * len(covered) * rng.uniform(0.5, 1.5)))
        incubators.append(engine.Candidate(
            id=incubator_id, provinces=covered,
            sectors=frozenset() if generalist else frozenset(rng.sample(range(1, SECTORS + 1), rng.randint(1, 4))),
            generalist=generalist, capacity=capacity, load=rng.randint(0, capacity // 10),
            sign_language=rng.random() < 0.15, step_free_access=rng.random() < 0.5,
            accessible_toilets=rng.random() < 0.4, active=rng.random() < 0.97))
    return incubators


def make_files(rng: random.Random, count: int, provinces: int) -> list[engine.FileFacts]:
    files = []
    for file_id in range(1, count + 1):
        needs = frozenset(rng.sample(engine.NEEDS, rng.randint(1, 2))) if rng.random() < NEEDS_SHARE else frozenset()
        files.append(engine.FileFacts(file_id, rng.randint(1, provinces), rng.randint(1, SECTORS), needs))
    return files


@dataclass
class Outcome:
    files: int
    seconds: float  # wall time
    cpu: float  # this process's CPU time: what the wall time would be on an otherwise idle machine
    routed: int
    waiting: Counter
    over_capacity: int


def route_stream(incubators, files) -> Outcome:
    """One Router, its decisions consumed one by one as they come: only counts are kept."""
    start, cpu = time.perf_counter(), time.process_time()
    router = engine.Router(incubators)
    routed, waiting = 0, Counter()
    for decision in router.route_all(files):
        if decision.incubator_id is None:
            waiting[decision.reason] += 1
        else:
            routed += 1
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    over = sum(router.load(c.id) > max(c.capacity, c.load) for c in incubators)
    return Outcome(len(files), seconds, cpu, routed, waiting, over)


def traced(function, *args):
    """(result, bytes held after, peak bytes) of a call, above what was allocated before it."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = function(*args)
        peak = tracemalloc.get_traced_memory()[1]
        gc.collect()  # what it leaves behind, not garbage awaiting collection
        current = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return result, current - before, peak - before


def engine_part(args) -> None:
    by_region = regions()
    provinces = sum(len(ids) for ids in by_region.values())
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          + " ".join(f"{load:.1f}" for load in os.getloadavg()) + " (other work on the machine slows the wall times)")
    print(f"Part 1: the pure engine, {args.incubators} incubators over {len(by_region)} regions "
          f"({provinces} provinces), {SECTORS} sectors, seed {args.seed}")

    def inputs(files: int):
        rng = random.Random(args.seed)
        return make_incubators(rng, args.incubators, files, by_region), make_files(rng, files, provinces)

    start = time.perf_counter()
    incubators, files = inputs(args.files)
    built = time.perf_counter() - start
    runs = [route_stream(incubators, files) for _ in range(args.repeat)]
    outcome = min(runs, key=lambda run: run.seconds)
    assert all(run.routed == outcome.routed and run.waiting == outcome.waiting for run in runs)
    seconds = sorted(run.seconds for run in runs)
    rate = outcome.files / outcome.seconds
    verdict = "within" if outcome.seconds <= 5 * outcome.files / 100_000 else "BELOW"
    print(f"  inputs built in {built:.2f} s (not counted below)")
    print(f"  routed {outcome.files:,} files in {outcome.seconds:.2f} s wall, {outcome.cpu:.2f} s CPU (best of "
          f"{args.repeat}; wall times " + ", ".join(f"{s:.2f}" for s in seconds) + f"): {rate:,.0f} files/s, "
          f"{verdict} the target's pace (100,000 in 5 s)")
    waiting = ", ".join(f"{reason} {outcome.waiting[reason]:,}" for reason in
                        (engine.NO_INCUBATOR_IN_PROVINCE, engine.NO_INCUBATOR_FOR_SECTOR, engine.ALL_FULL))
    print(f"  to an incubator {outcome.routed:,} ({outcome.routed / outcome.files:.1%}); waitlisted: {waiting}")
    print(f"  incubators over capacity after routing: {outcome.over_capacity}")
    del incubators, files

    print("  memory (tracemalloc; a traced pass, slower than the timed one):")
    print(f"  {'files':>9}  {'inputs held':>13}  {'routing peak':>13}  {'routing held after':>18}")
    for count in sorted({min(10_000, args.files), args.files}):
        (incubators, files), held, _peak = traced(inputs, count)
        _outcome, after, peak = traced(route_stream, incubators, files)
        print(f"  {count:>9,}  {mib(held):>13}  {mib(peak):>13}  {mib(after):>18}")
        del incubators, files
    print("  inputs held: the incubators and FileFacts built beforehand; routing peak: the most memory "
          "allocated at once\n  while routing them (Router, loads, the decision in hand), above the inputs.")


# -- part 2: the database path --------------------------------------------------------------------------

@contextmanager
def fresh_database(url: str | None) -> Iterator[str]:
    """A temporary SQLite file, or a fresh PostgreSQL database next to `url`, dropped afterwards
    (as tests/conftest.py does)."""
    if not url or not url.startswith("postgresql"):
        directory = tempfile.mkdtemp(prefix="jisr-bench-db-", dir=TMP)
        yield f"sqlite:///{directory}/bench.sqlite3"
        return
    import sqlalchemy as sa

    name = f"jisr_bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield re.sub(r"/[^/?]*(\?|$)", rf"/{name}\1", url, count=1)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seed_incubators(rng: random.Random, count: int, room: int, province_ids: list[int], sector_ids: list[int]):
    import sqlalchemy as sa

    from jisr.extensions import db
    from jisr.geo.models import Province, Sector
    from jisr.incubators.models import Incubator

    provinces = {p.id: p for p in db.session.scalars(sa.select(Province).where(Province.id.in_(province_ids)))}
    sectors = {s.id: s for s in db.session.scalars(sa.select(Sector))}
    incubators = []
    for n in range(1, count + 1):
        generalist = rng.random() < 0.3
        covered = rng.sample(province_ids, rng.randint(1, 3))
        incubator = Incubator(
            code=f"bench-{n}", name_ar=f"جمعية {n}", name_fr=f"Association {n}", generalist=generalist,
            capacity=max(1, round(room / count * rng.uniform(0.5, 1.5))), address=f"{n} rue de la Paix",
            phone=f"+2125350{n:05d}", province_id=covered[0], sign_language=rng.random() < 0.15,
            step_free_access=rng.random() < 0.5, accessible_toilets=rng.random() < 0.4)
        incubator.provinces = [provinces[i] for i in covered]
        incubator.sectors = [] if generalist else [sectors[i] for i in rng.sample(sector_ids, rng.randint(1, 4))]
        db.session.add(incubator)
        incubators.append(incubator)
    db.session.commit()
    return incubators


def seed_files(rng: random.Random, count: int, first: int, status: str, programme_id: int,
               province_ids: list[int], sector_ids: list[int]) -> list[int]:
    """`count` submitted files with their applicants and profiles (~10% declaring needs), oldest first."""
    from datetime import UTC, date, datetime, timedelta

    from jisr.applications.models import ApplicantProfile, Application, StatusChange
    from jisr.auth.models import User
    from jisr.extensions import db

    start = datetime(2026, 11, 1, tzinfo=UTC)
    users = [User(role="applicant", phone=f"+2126{first + n:08d}", full_name=f"Bench {first + n}",
                  password_hash="x", locale=rng.choice(("ar", "fr"))) for n in range(count)]
    db.session.add_all(users)
    db.session.flush()
    applications = []
    for n, user in enumerate(users, start=first):
        province_id = rng.choice(province_ids)
        needs = rng.sample(engine.NEEDS, rng.randint(1, 2)) if rng.random() < NEEDS_SHARE else []
        db.session.add(ApplicantProfile(
            user_id=user.id, first_name_latin="Fatima", last_name_latin=f"Bench{n}", national_id=f"BR{n:06d}",
            birth_date=date(1990, 1, 1), sex="female", province_id=province_id, education_level="primary",
            family_situation="single", disability_type="none", **{f"needs_{need}": True for need in needs}))
        application = Application(
            programme_id=programme_id, applicant_id=user.id, status=status, national_id=f"BR{n:06d}",
            province_id=province_id, sector_id=rng.choice(sector_ids), project_title="Projet",
            carrier="individual", project_stage="idea", reference=f"JISR-2026-{n:06d}",
            submitted_at=start + timedelta(seconds=n))
        for step in ("draft", "submitted", status):
            application.history.append(StatusChange(to_status=step))
        applications.append(application)
    db.session.add_all(applications)
    db.session.commit()
    return [a.id for a in applications]


class Probe:
    """Wall time, SQL statements and (when traced) peak memory of one phase."""

    def __init__(self, engine_, trace: bool) -> None:
        self.engine, self.trace, self.queries = engine_, trace, 0
        self.seconds = self.cpu = self.peak = 0.0

    def _count(self, *_args) -> None:
        self.queries += 1

    def __enter__(self):
        import sqlalchemy as sa

        gc.collect()
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        if self.trace:
            tracemalloc.start()
        self._start, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_exc) -> None:
        import sqlalchemy as sa

        self.seconds, self.cpu = time.perf_counter() - self._start, time.process_time() - self._cpu
        if self.trace:
            self.peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        sa.event.remove(self.engine, "before_cursor_execute", self._count)


def db_run(url: str, files: int, seed: int, trace: bool) -> dict:
    from datetime import date

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from jisr import create_app
    from jisr.applications.models import Application, Status
    from jisr.demo import PROGRAMME_PROVINCES, seed_programme
    from jisr.extensions import db
    from jisr.geo.models import Province, Sector
    from jisr.geo.reference import load_reference_data
    from jisr.incubators.models import Incubator
    from jisr.routing import services
    from jisr.routing.models import Trigger

    os.environ["JISR_DATABASE_URL"] = url
    rng = random.Random(seed)
    app = create_app()
    figures: dict = {}
    with app.app_context():
        logging.disable(logging.INFO)  # Alembic's "Running upgrade ..." lines
        try:
            upgrade()
        finally:
            logging.disable(logging.NOTSET)
        load_reference_data()
        programme = seed_programme(date.today())
        db.session.commit()
        province_ids = list(db.session.scalars(sa.select(Province.id).where(Province.code.in_(PROGRAMME_PROVINCES))
                                               .order_by(Province.id)))  # ordered: the same draws in both runs
        sector_ids = list(db.session.scalars(sa.select(Sector.id).order_by(Sector.id)))
        incubators = seed_incubators(rng, 30, round(0.85 * files), province_ids, sector_ids)
        figures["dialect"] = db.engine.dialect.name

        # a. route(): each file as it becomes eligible, one transaction per file as in a request
        ids = seed_files(rng, files, 0, Status.ELIGIBLE, programme.id, province_ids, sector_ids)
        outcomes = Counter()
        with Probe(db.engine, trace) as probe:
            for application_id in ids:
                decision = services.route(db.session.get(Application, application_id))
                outcomes[decision.reason or "routed"] += 1
                db.session.commit()
        figures["route"] = (len(ids), probe, outcomes)

        # b. route_waitlist(): the incubators grow, the whole waitlist of the area is routed in one go
        seed_files(rng, files, files, Status.WAITLISTED, programme.id, province_ids, sector_ids)
        for incubator in incubators:
            incubator.capacity += max(1, round(files / len(incubators) * rng.uniform(0.5, 1.5)))
        db.session.commit()
        db.session.expunge_all()  # the batch is read from the database, as a fresh request would
        waiting = db.session.scalar(sa.select(sa.func.count()).select_from(Application)
                                    .where(Application.status == Status.WAITLISTED))
        with Probe(db.engine, trace) as probe:
            routed = services.route_waitlist(set(province_ids), Trigger.CAPACITY)
            db.session.commit()
        figures["waitlist"] = (waiting, probe, Counter(routed=routed, still_waiting=waiting - routed))
        over = db.session.execute(
            sa.select(Incubator.id).where(Incubator.capacity < sa.select(sa.func.count()).select_from(Application)
                                          .where(Application.incubator_id == Incubator.id).scalar_subquery())).all()
        figures["over_capacity"] = len(over)
        db.session.remove()
        db.engine.dispose()
    return figures


def db_part(args) -> None:
    url = args.database_url or os.environ.get("JISR_DATABASE_URL")
    results = []
    for trace in (False, True):  # timed, then traced for memory, each on a fresh database
        with fresh_database(url) as database_url:
            results.append(db_run(database_url, args.db, args.seed, trace))
    timed, traced_ = results
    print(f"\nPart 2: the database path ({timed['dialect']}), 30 incubators over the programme's five provinces")
    print(f"  {'phase':<30} {'files':>6} {'wall s':>7} {'CPU s':>6} {'files/s':>8} {'SQL/file':>8} "
          f"{'peak memory':>12}  outcome")
    for key, label in (("route", "route(), one commit per file"), ("waitlist", "route_waitlist(), one commit")):
        count, probe, outcome = timed[key]
        peak = traced_[key][1].peak
        print(f"  {label:<30} {count:>6,} {probe.seconds:>7.2f} {probe.cpu:>6.2f} {count / probe.seconds:>8,.0f} "
              f"{probe.queries / count:>8.1f} {mib(peak):>12}  "
              + ", ".join(f"{k} {v:,}" for k, v in sorted(outcome.items())))
    print(f"  incubators over capacity at the end: {timed['over_capacity']}")
    print("  wall s: wall time of the routing calls and commits (files were created beforehand); CPU s: this")
    print("  process's CPU time in them (the rest is waiting on the database and the disk); peak memory:")
    print("  tracemalloc's peak of what the phase allocated, in a second run on a fresh database.")


def profile_engine(args) -> None:
    import cProfile
    import pstats

    rng = random.Random(args.seed)
    by_region = regions()
    incubators = make_incubators(rng, args.incubators, args.files, by_region)
    files = make_files(rng, args.files, sum(len(ids) for ids in by_region.values()))
    profiler = cProfile.Profile()
    profiler.runcall(route_stream, incubators, files)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--incubators", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes of the engine; the best is kept")
    parser.add_argument("--db", type=int, default=2000, metavar="N", help="files routed through the database "
                        "path (0: skip it)")
    parser.add_argument("--database-url", help="a PostgreSQL URL: a fresh database is created next to it")
    parser.add_argument("--profile", action="store_true", help="profile the engine's pass with cProfile")
    args = parser.parse_args()
    if args.profile:
        profile_engine(args)
        return
    engine_part(args)
    if args.db:
        db_part(args)


if __name__ == "__main__":
    main()
