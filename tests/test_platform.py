"""Start-up, configuration, migrations, health and the CLI commands of PRODUCT.md."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from jisr.config import Config, ConfigError

ROOT = Path(__file__).resolve().parent.parent


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setenv("JISR_ENV", "production")
    monkeypatch.delenv("JISR_SECRET_KEY", raising=False)
    monkeypatch.setenv("JISR_DATABASE_URL", "sqlite://")
    with pytest.raises(ConfigError, match="JISR_SECRET_KEY"):
        Config()


def test_production_refuses_to_start_without_a_database_url(monkeypatch):
    monkeypatch.setenv("JISR_ENV", "production")
    monkeypatch.setenv("JISR_SECRET_KEY", "x" * 32)
    monkeypatch.delenv("JISR_DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match="JISR_DATABASE_URL"):
        Config()


def test_settings_come_from_jisr_variables(monkeypatch):
    monkeypatch.setenv("JISR_MAX_UPLOAD_MB", "2")
    monkeypatch.setenv("JISR_REDIS_URL", "redis://127.0.0.1:6379/3")
    config = Config()
    assert config.MAX_UPLOAD_BYTES == 2 * 1024 * 1024
    assert config.RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/3"


def test_healthz_is_503_when_the_database_does_not_answer(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none",
                   SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 1}})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}


def _flask(env, *args):
    return subprocess.run([str(Path(sys.executable).with_name("flask")), "--app", "jisr", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def empty_database(tmp_path, database_url):
    """An empty database of the same kind as the suite's."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    from conftest import _create_postgres_database

    url, name = _create_postgres_database(os.environ["JISR_TEST_DATABASE_URL"])
    yield url
    admin = sa.create_engine(os.environ["JISR_TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_build_an_empty_database_match_the_models_and_go_back_down(empty_database, tmp_path):
    env = {**os.environ, "JISR_DATABASE_URL": empty_database, "JISR_INSTANCE_DIR": str(tmp_path)}
    upgrade = _flask(env, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    check = _flask(env, "db", "check")
    assert check.returncode == 0 and "No new upgrade operations detected" in check.stdout + check.stderr
    downgrade = _flask(env, "db", "downgrade", "base")
    assert downgrade.returncode == 0, downgrade.stderr
    engine = sa.create_engine(empty_database)
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_seed_demo_is_idempotent_and_prints_the_accounts(runner, db):
    from jisr.applications.models import Application
    from jisr.auth.models import User
    from jisr.geo.models import Province, Region
    from jisr.incubators.models import Incubator

    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (User, Application, Incubator)]
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert [db.session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (User, Application, Incubator)] == counts
    assert counts[2] == 6
    assert db.session.scalar(sa.select(sa.func.count(Region.id))) == 12
    assert db.session.scalar(sa.select(sa.func.count(Province.id))) == 75
    roles = set(db.session.scalars(sa.select(User.role)))
    assert roles == {"applicant", "agent", "representative", "incubator_manager", "mentor", "coordinator", "admin"}
    assert "admin@demo.jisr.example.org" in first.output and "Jisr-demo-admin" in first.output
    statuses = set(db.session.scalars(sa.select(Application.status)))
    # Eligible files are routed at once: to an incubator, or to the waiting list with a reason.
    assert {"assigned", "waitlisted", "ineligible", "withdrawn", "under_review"} <= statuses
    assert "eligible" not in statuses
    from jisr.calls.models import AssociationApplication, Call
    from jisr.routing.models import RoutingDecision

    assert db.session.scalar(sa.select(sa.func.count(Call.id))) == 2
    assert set(db.session.scalars(sa.select(AssociationApplication.status))) == {"draft", "selected", "declined"}
    assert db.session.scalar(sa.select(sa.func.count(RoutingDecision.id))) >= 4


def test_every_region_and_province_has_both_names(db):
    from jisr.geo.models import Province, Region

    for model in (Region, Province):
        for row in db.session.scalars(sa.select(model)):
            assert row.name_ar and row.name_fr
            assert any("\u0600" <= ch <= "\u06ff" for ch in row.name_ar)


def test_create_user_makes_a_real_account(runner, db):
    from jisr.auth.models import User

    result = runner.invoke(args=["create-user", "--role", "coordinator", "--name", "Leila Coordinatrice",
                                 "--email", "Leila@Example.org", "--province", "zagora",
                                 "--password", "Un-mot-de-passe-long"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "leila@example.org"))
    assert user.role == "coordinator" and [p.code for p in user.provinces] == ["zagora"]
    assert user.check_password("Un-mot-de-passe-long")
    again = runner.invoke(args=["create-user", "--role", "admin", "--name", "X", "--email", "leila@example.org",
                                "--password", "Un-mot-de-passe-long"])
    assert again.exit_code != 0


def test_wsgi_module_serves_the_same_app(tmp_path):
    env = {**os.environ, "JISR_DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite3'}", "JISR_INSTANCE_DIR": str(tmp_path)}
    code = "import wsgi; print(wsgi.app.name, sorted(wsgi.app.blueprints))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "applications" in result.stdout and "auth" in result.stdout


def test_upgrading_a_filled_database_keeps_its_rows(empty_database, tmp_path):
    """A migration that rebuilds `users` (SQLite batch mode) must not cascade-delete what refers to it."""
    env = {**os.environ, "JISR_DATABASE_URL": empty_database, "JISR_INSTANCE_DIR": str(tmp_path)}
    first = _flask(env, "db", "upgrade", "24f5d4d7c31a")
    assert first.returncode == 0, first.stderr
    assert _flask(env, "seed-reference").returncode == 0
    engine = sa.create_engine(empty_database)
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO users (email, full_name, role, active, created_at) "
                                   "VALUES ('agent@example.org', 'Agent', 'agent', true, CURRENT_TIMESTAMP)"))
        user_id = connection.execute(sa.text("SELECT id FROM users")).scalar_one()
        province_id = connection.execute(sa.text("SELECT min(id) FROM provinces")).scalar_one()
        connection.execute(sa.text("INSERT INTO user_provinces VALUES (:u, :p)"), {"u": user_id, "p": province_id})
    upgrade = _flask(env, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM user_provinces")).scalar_one() == 1
        assert connection.execute(sa.text("SELECT count(*) FROM users")).scalar_one() == 1
    engine.dispose()


def test_a_database_outage_answers_a_translated_page_that_asks_nothing_of_the_database(app, client, auth, make_user,
                                                                                       monkeypatch):
    """(With gunicorn and a real outage on PostgreSQL: tests/test_gunicorn.py.)"""
    import sqlalchemy as sa
    from flask_babel import force_locale, gettext

    from jisr.extensions import login_manager

    auth.login_as(make_user(locale="fr"))

    def gone(_user_id):
        raise sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(login_manager, "_user_callback", gone)
    response = client.get("/applications/?lang=fr")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    with app.test_request_context(), force_locale("fr"):
        title = gettext("Service briefly unavailable")
    assert title in response.get_data(as_text=True)
    assert client.get("/api/v1/files").status_code in (401, 503)
