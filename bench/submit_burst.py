"""Hundreds of complete files sent at the same moment to gunicorn (sync workers) on PostgreSQL: every submission
stored once, references unique and without gaps, no incubator over its capacity, no error. Prints the figures.

    JISR_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/burst .venv/bin/python bench/submit_burst.py \
        [--files 300] [--workers 4] [--concurrency 64]

The database is emptied and built by the migrations first: give it a database of its own. tests/test_gunicorn.py
runs the same burst (with fewer files) in `make test` on PostgreSQL. Benchmarks are not part of `make test`.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402
from loadkit import bench_environment, browser, csrf_token, fresh_database, gunicorn, percentile  # noqa: E402

from jisr.extensions import db  # noqa: E402

PROVINCES = ("errachidia", "midelt", "ouarzazate", "tinghir", "zagora")


def prepare(programme, n: int) -> list[tuple[int, int]]:
    """`n` applicants, each with a complete draft (every step done, her ID card on file): (user id, file id)."""
    from jisr.applications.models import ApplicantProfile, Application, StatusChange
    from jisr.auth.models import User
    from jisr.documents.models import Document
    from jisr.geo.models import Province, Sector

    provinces = {p.code: p.id for p in db.session.scalars(sa.select(Province).where(Province.code.in_(PROVINCES)))}
    sector = db.session.scalar(sa.select(Sector.id).where(Sector.code == "handicrafts"))
    tag = secrets.token_hex(3)
    letters = "".join(secrets.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2))
    pairs = []
    for i in range(n):
        user = User(full_name=f"Burst {tag} {i}", phone=f"+2127{int(tag, 16) % 100:02d}{i:06d}", locale="ar")
        db.session.add(user)
        db.session.flush()
        province = provinces[PROVINCES[i % len(PROVINCES)]]
        national_id = f"{letters}{i:06d}"
        db.session.add(ApplicantProfile(
            user_id=user.id, first_name_ar="فاطمة", last_name_ar="العلوي", first_name_latin="Fatima",
            last_name_latin=f"Burst{i}", national_id=national_id, birth_date=date(1990, 1, 1) + timedelta(days=i),
            sex="female", province_id=province, education_level="primary", family_situation="single",
            disability_type="none"))
        application = Application(programme_id=programme.id, applicant_id=user.id, status="draft",
                                  national_id=national_id, province_id=province, project_title="Atelier",
                                  sector_id=sector, project_stage="idea", carrier="individual", needs_saved=True)
        application.history.append(StatusChange(to_status="draft", by_id=user.id))
        db.session.add(application)
        db.session.flush()
        db.session.add(Document(application_id=application.id, kind="id_card", original_name="cnie.png",
                                stored_name=secrets.token_hex(16), content_type="image/png", size=1,
                                sha256="0" * 64, uploaded_by_id=user.id))
        pairs.append((user.id, application.id))
    db.session.commit()
    return pairs


def submit(base: str, app, user_id: int, application_id: int) -> tuple[int, float]:
    """Her review page, then the form sent with her consent, as a browser does: the status and the time."""
    start = time.perf_counter()
    session = browser(base, app, user_id)
    page = session.get(f"{base}/applications/{application_id}/review", timeout=60)
    if page.status_code != 200:
        return page.status_code, time.perf_counter() - start
    sent = session.post(f"{base}/applications/{application_id}/review", allow_redirects=False, timeout=60,
                        data={"csrf_token": csrf_token(page.text), "consent": "y"})
    return sent.status_code, time.perf_counter() - start


def burst(base: str, app, pairs, concurrency: int) -> list[tuple[int, float]]:
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(lambda pair: submit(base, app, *pair), pairs))


def invariants(programme_id: int, application_ids: list[int]) -> dict:
    """What must hold after the burst, read from the database."""
    from jisr.applications.models import OCCUPYING_STATES, Application, Consent, StatusChange
    from jisr.incubators.models import Incubator

    db.session.expire_all()
    rows = db.session.execute(sa.select(Application.id, Application.reference, Application.status,
                                        Application.incubator_id).where(Application.id.in_(application_ids))).all()
    references = sorted(r.reference for r in rows if r.reference)
    numbers = sorted(int(ref.rsplit("-", 1)[1]) for ref in references)
    consents = db.session.execute(sa.select(Consent.application_id, sa.func.count()).where(
        Consent.application_id.in_(application_ids)).group_by(Consent.application_id)).all()
    submitted = db.session.execute(sa.select(StatusChange.application_id, sa.func.count()).where(
        StatusChange.application_id.in_(application_ids), StatusChange.to_status == "submitted")
        .group_by(StatusChange.application_id)).all()
    over = [(i.code, load, i.capacity) for i, load in db.session.execute(
        sa.select(Incubator, sa.func.count(Application.id))
        .join(Application, Application.incubator_id == Incubator.id)
        .where(Application.programme_id == programme_id,
               Application.status.in_(OCCUPYING_STATES))
        .group_by(Incubator.id)) if load > i.capacity]
    return {
        "files": len(rows),
        "sent": len(references),
        "unique_references": len(set(references)) == len(references),
        "gapless": numbers == list(range(numbers[0], numbers[0] + len(numbers))) if numbers else True,
        "consent_once": all(n == 1 for _id, n in consents) and len(consents) == len(references),
        "submitted_once": all(n == 1 for _id, n in submitted) and len(submitted) == len(references),
        "over_capacity": over,
        "routed": sum(1 for r in rows if r.incubator_id),
        "waitlisted": sum(1 for r in rows if r.status == "waitlisted"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    url = bench_environment()
    from jisr import create_app
    from jisr.demo import seed_programme
    from jisr.incubators.models import Incubator

    app = create_app()
    fresh_database(app)
    with app.app_context():
        programme = seed_programme(date.today())
        db.session.flush()
        from jisr.geo.models import Province

        errachidia = db.session.scalar(sa.select(Province).where(Province.code == "errachidia"))
        for n in range(3):  # fewer places than files: the rest wait
            incubator = Incubator(code=f"burst-{n}", name_ar=f"حاضنة {n}", name_fr=f"Incubateur {n}",
                                  capacity=args.files // 6, province_id=errachidia.id, generalist=True,
                                  address=f"{n} rue de la Paix", phone=f"+21253500{n:04d}")
            incubator.provinces = list(db.session.scalars(sa.select(Province).where(Province.code.in_(PROVINCES))))
            db.session.add(incubator)
        db.session.commit()
        pairs = prepare(programme, args.files)
        env = {"JISR_DATABASE_URL": url, "JISR_SECRET_KEY": os.environ["JISR_SECRET_KEY"],
               "JISR_RATELIMIT_ENABLED": "0"}
        with gunicorn(env, workers=args.workers) as base:
            start = time.perf_counter()
            results = burst(base, app, pairs, args.concurrency)
            elapsed = time.perf_counter() - start
        checks = invariants(programme.id, [a for _u, a in pairs])
    statuses = {}
    for status, _t in results:
        statuses[status] = statuses.get(status, 0) + 1
    times = [t * 1000 for _s, t in results]
    print(f"{args.files} files sent at once by {args.concurrency} clients to gunicorn ({args.workers} sync workers)")
    print(f"  {elapsed:.1f} s in all, {args.files / elapsed:.1f} submissions/s; statuses {statuses}")
    print(f"  per submission (review page + send): p50 {statistics.median(times):.0f} ms, "
          f"p95 {percentile(times, 0.95):.0f} ms, p99 {percentile(times, 0.99):.0f} ms")
    print(f"  checks: {checks}")


if __name__ == "__main__":
    main()
