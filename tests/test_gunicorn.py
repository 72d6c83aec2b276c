"""The app as production runs it: gunicorn with 4 sync workers against PostgreSQL. Hundreds of complete files
sent at the same moment are each stored once, with unique references and no gap, and no incubator goes over
its capacity (bench/submit_burst.py prints the same figures at a larger size). When the database goes away,
/healthz says 503 and people get a translated page; when it is back, the app answers again without a restart."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from loadkit import browser, gunicorn  # noqa: E402
from submit_burst import burst, invariants, prepare  # noqa: E402

FILES = 120


@pytest.fixture
def served(postgresql_only, app, database_url, tmp_path):
    env = {"JISR_DATABASE_URL": database_url, "JISR_SECRET_KEY": app.config["SECRET_KEY"],
           "JISR_RATELIMIT_ENABLED": "0", "JISR_UPLOAD_DIR": str(tmp_path), "JISR_ENV": "development"}
    with gunicorn(env, workers=4) as base:
        yield base


def test_hundreds_of_files_sent_at_once_are_each_stored_once(served, app, db, programme, make_incubator):
    for _ in range(2):
        make_incubator(provinces=("errachidia", "midelt", "ouarzazate", "tinghir", "zagora"), capacity=FILES // 5)
    pairs = prepare(programme, FILES)
    results = burst(served, app, pairs, concurrency=32)
    assert sorted({status for status, _t in results}) == [302], results
    checks = invariants(programme.id, [a for _u, a in pairs])
    assert checks["sent"] == FILES and checks["unique_references"] and checks["gapless"], checks
    assert checks["consent_once"] and checks["submitted_once"], checks
    assert checks["over_capacity"] == [], checks
    assert checks["routed"] == 2 * (FILES // 5) and checks["waitlisted"] == FILES - checks["routed"], checks


def _allow_connections(database_url: str, allowed: bool) -> None:
    admin = sa.create_engine(os.environ["JISR_TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    name = sa.engine.make_url(database_url).database
    with admin.connect() as connection:
        connection.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"true" if allowed else "false"}'))
        if not allowed:
            connection.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                       "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
    admin.dispose()


def test_the_app_survives_the_database_going_away_and_coming_back(served, app, db, make_user, database_url):
    user = make_user(locale="fr")
    session = browser(served, app, user.id)
    assert session.get(f"{served}/applications/", timeout=30).status_code == 200
    _allow_connections(database_url, False)
    try:
        health = requests.get(f"{served}/healthz", timeout=30)  # a load balancer's check: no cookie
        assert health.status_code == 503 and health.json() == {"status": "unavailable"}
        page = session.get(f"{served}/applications/?lang=fr", timeout=30)
        assert page.status_code == 503 and page.headers["Retry-After"]
        assert 'lang="fr"' in page.text and "Traceback" not in page.text
        assert re.search(r"<h1>[^<]+</h1>", page.text)
        api = session.get(f"{served}/api/v1/files", timeout=30)
        assert api.status_code in (401, 503) and api.headers["Content-Type"].startswith("application/json")
    finally:
        _allow_connections(database_url, True)
        db.session().invalidate()  # this process's own connections were cut too
        db.session.remove()
        db.engine.dispose()
    for _ in range(8):  # every worker's pool reconnects by itself (pre-ping)
        assert requests.get(f"{served}/healthz", timeout=30).status_code == 200
        assert session.get(f"{served}/applications/", timeout=30).status_code == 200
