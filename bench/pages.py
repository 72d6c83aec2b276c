"""Per-page SQL query count, latency and size with many files in the database.

    .venv/bin/python bench/pages.py [--files 5000] [--repeat 20]
    JISR_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench .venv/bin/python bench/pages.py

A page whose query count grows with the number of rows it shows has an N+1; the figures printed here
are the check (benchmarks are not part of `make test`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from datetime import date
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
from jisr.applications.models import ApplicantProfile, Application, PriorTraining, Status, StatusChange  # noqa: E402
from jisr.auth.models import User  # noqa: E402
from jisr.demo import seed_demo  # noqa: E402
from jisr.extensions import db  # noqa: E402
from jisr.geo.models import Province  # noqa: E402
from jisr.programmes.models import Programme  # noqa: E402


def fill(files: int) -> User:
    programme = db.session.scalar(sa.select(Programme))
    provinces = db.session.scalars(sa.select(Province.id)).all()
    users = [User(role="applicant", phone=f"+2126{n:08d}", full_name=f"Bench {n}", password_hash="x")
             for n in range(files)]
    db.session.add_all(users)
    db.session.flush()
    for n, user in enumerate(users):
        db.session.add(ApplicantProfile(user_id=user.id, national_id=f"BE{n:06d}", birth_date=date(1990, 1, 1),
                                        sex="female", province_id=provinces[n % len(provinces)]))
        application = Application(programme_id=programme.id, applicant_id=user.id, status=Status.ELIGIBLE,
                                  national_id=f"BE{n:06d}", province_id=provinces[n % len(provinces)],
                                  reference=f"JISR-2026-{900000 + n}", project_title="Projet")
        application.history = [StatusChange(to_status=s) for s in ("draft", "submitted", "eligible")]
        application.trainings = [PriorTraining(title="Formation", position=0)]
        db.session.add(application)
    db.session.commit()
    return users[-1]


def measure(client, path: str, repeat: int) -> tuple[int, int, float, int]:
    response, queries, timings = timed_get(client, db.engine, path, repeat)
    return response.status_code, queries, statistics.median(timings), len(response.data)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        upgrade()
        seed_demo(date.today())
        db.session.commit()
        last = fill(args.files)
        application_id = db.session.scalar(sa.select(Application.id).where(Application.applicant_id == last.id))
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(last.id)
        pages = ["/", "/healthz", "/applications/", f"/applications/{application_id}",
                 f"/applications/{application_id}/receipt", "/account/login"]
        print(f"{db.engine.dialect.name}, {args.files} files; median of {args.repeat} requests")
        print(f"{'page':<40} {'status':>6} {'queries':>8} {'ms':>8} {'bytes':>8}")
        for path in pages:
            status, queries, ms, size = measure(client, path, args.repeat)
            print(f"{path:<40} {status:>6} {queries:>8} {ms:>8.1f} {size:>8}")


if __name__ == "__main__":
    main()
