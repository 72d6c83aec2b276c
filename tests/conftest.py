"""Fixtures: one database per test run (SQLite file, or a fresh PostgreSQL database when
JISR_TEST_DATABASE_URL is set), schema built by the migrations, tables emptied after each test."""

from __future__ import annotations

import os
import re
import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

os.environ.setdefault("JISR_SECRET_KEY", "test-secret-key-not-for-production")

from jisr import create_app  # noqa: E402
from jisr.config import Config  # noqa: E402
from jisr.extensions import db as _db  # noqa: E402

REFERENCE_TABLES = {"regions", "provinces", "sectors", "alembic_version"}
PASSWORD = "Tafilalet-2026!"
_HASHES: list[str] = []


class TestConfig(Config):
    def __init__(self, database_url: str, upload_dir: str, **overrides) -> None:
        os.environ["JISR_DATABASE_URL"] = database_url
        super().__init__()
        self.TESTING = True
        self.WTF_CSRF_ENABLED = False
        self.RATELIMIT_ENABLED = False
        self.UPLOAD_DIR = upload_dir
        self.MAIL_SERVER = None
        for key, value in overrides.items():
            setattr(self, key, value)


def _create_postgres_database(url: str) -> tuple[str, str]:
    """A database of its own for this run, so concurrent runs never see each other's data."""
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"jisr_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return re.sub(r"/[^/?]*(\?|$)", rf"/{name}\1", url, count=1), name


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("JISR_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'jisr-test.sqlite3'}"
        return
    test_url, name = _create_postgres_database(url)
    yield test_url
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def postgresql_only(database_url):
    """What only PostgreSQL proves (concurrent transactions, query plans): skipped on the embedded SQLite."""
    if not database_url.startswith("postgresql"):
        pytest.skip("proven on PostgreSQL (JISR_TEST_DATABASE_URL)")


@pytest.fixture
def make_database(database_url, tmp_path):
    """Empty databases of the suite's kind, dropped after the test: url = make_database()."""
    names = []

    def factory() -> str:
        if database_url.startswith("sqlite"):
            names.append(f"empty-{len(names)}.sqlite3")
            return f"sqlite:///{tmp_path / names[-1]}"
        url, name = _create_postgres_database(os.environ["JISR_TEST_DATABASE_URL"])
        names.append(name)
        return url

    yield factory
    if not database_url.startswith("sqlite") and names:
        admin = sa.create_engine(os.environ["JISR_TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in names:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def make_app(database_url, tmp_path_factory):
    """Build an app on the test database; keyword arguments override settings."""
    upload_dir = str(tmp_path_factory.mktemp("uploads"))
    apps = []

    def factory(**overrides):
        app = create_app(TestConfig(database_url, upload_dir, **overrides))
        apps.append(app)
        return app

    yield factory
    for app in apps:  # close every pooled connection before the database is dropped
        with app.app_context():
            _db.session.remove()
            for engine in _db.engines.values():
                engine.dispose()


@pytest.fixture(scope="session")
def _schema(make_app):
    """Build the schema with the migrations themselves, then load reference data once."""
    from flask_migrate import upgrade

    from jisr.geo.reference import load_reference_data

    app = make_app()

    # Tests hold an app context open, and Flask reuses it for test-client requests; in production every
    # request has a fresh one. Start each request with an empty `g` so the signed-in user is re-read.
    @app.before_request
    def fresh_g():
        from flask import g

        g.__dict__.clear()

    app.before_request_funcs[None].insert(0, app.before_request_funcs[None].pop())
    with app.app_context():
        upgrade()
        load_reference_data()
        _db.session.commit()
    return app


def _empty_tables() -> None:
    tables = [t for t in reversed(_db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    if _db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        _db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            _db.session.execute(table.delete())
    _db.session.commit()


@pytest.fixture
def app(_schema):
    with _schema.app_context():
        yield _schema
        _db.session.rollback()
        _empty_tables()
        _db.session.remove()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def province(app):
    from jisr.geo.models import Province

    def get(code: str) -> Province:
        return _db.session.scalar(sa.select(Province).where(Province.code == code))

    return get


@pytest.fixture
def make_programme(app, province):
    from jisr.programmes.models import Programme

    def factory(**fields) -> Programme:
        codes = fields.pop("provinces", ["errachidia", "midelt", "ouarzazate", "tinghir", "zagora"])
        today = date.today()
        values = dict(code=f"prog-{uuid.uuid4().hex[:6]}", name_ar="جسر درعة تافيلالت",
                      name_fr="Jisr Drâa-Tafilalet", description_ar="برنامج", description_fr="Programme",
                      opens_on=today - timedelta(days=10), closes_on=today + timedelta(days=60),
                      min_age=18, max_age=55)
        values.update(fields)
        programme = Programme(**values)
        programme.provinces = [province(code) for code in codes]
        _db.session.add(programme)
        _db.session.commit()
        return programme

    return factory


@pytest.fixture
def programme(make_programme):
    return make_programme()


@pytest.fixture
def make_user(app):
    from jisr.auth.models import User

    counter = iter(range(1, 10_000))

    def factory(role: str = "applicant", password: str = PASSWORD, provinces=(), **fields) -> User:
        n = next(counter)
        fields.setdefault("full_name", f"Test User {n}")
        if "email" not in fields and "phone" not in fields:
            fields["phone"] = f"+2126{n:08d}"
        user = User(role=role, **fields)
        if password == PASSWORD:  # hashing is deliberately slow: hash the common password once
            if not _HASHES:
                user.set_password(PASSWORD)
                _HASHES.append(user.password_hash)
            user.password_hash = _HASHES[0]
        else:
            user.set_password(password)
        user.provinces = list(provinces)
        _db.session.add(user)
        _db.session.commit()
        return user

    return factory


class Auth:
    def __init__(self, client) -> None:
        self.client = client

    def login_as(self, user) -> None:
        """Sign in without the form (the form itself is tested in test_auth)."""
        with self.client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True

    def login(self, identifier: str, password: str = PASSWORD, **extra):
        return self.client.post("/account/login", data={"identifier": identifier, "password": password, **extra})

    def logout(self):
        return self.client.post("/account/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def journey_ids(app, province):
    """(province id, sector id) valid for the default programme."""
    from jisr.geo.models import Sector

    return province("errachidia").id, _db.session.scalar(sa.select(Sector.id).where(Sector.code == "handicrafts"))


@pytest.fixture
def draft(make_user, programme, auth):
    """A signed-in applicant with a fresh draft: returns (user, application)."""
    from jisr.applications.services import start_application

    def factory(user=None, login=True):
        user = user or make_user()
        application = start_application(user, programme)
        _db.session.commit()
        if login:
            auth.login_as(user)
        return user, application

    return factory


# -- calls, associations and incubators --------------------------------------------------------------

@pytest.fixture
def make_incubator(app, province):
    """An active incubator: make_incubator(provinces=["errachidia"], capacity=10, sectors=["handicrafts"],
    generalist=True, step_free_access=..., accessible_toilets=..., sign_language=...)."""
    from jisr.geo.models import Sector
    from jisr.incubators.models import Incubator

    counter = iter(range(1, 10_000))

    def factory(provinces=("errachidia",), sectors=(), **fields) -> Incubator:
        n = next(counter)
        values = dict(code=f"incubator-{n}-{uuid.uuid4().hex[:4]}", name_ar=f"جمعية {n}", name_fr=f"Association {n}",
                      capacity=10, generalist=not sectors, address=f"{n} rue de la Paix",
                      phone=f"+2125350{n:05d}", province_id=province(provinces[0]).id if provinces else None)
        values.update(fields)
        incubator = Incubator(**values)
        incubator.provinces = [province(code) for code in provinces]
        incubator.sectors = list(_db.session.scalars(sa.select(Sector).where(Sector.code.in_(sectors))))
        _db.session.add(incubator)
        _db.session.commit()
        return incubator

    return factory


@pytest.fixture
def make_call(app, programme, province):
    """A call for expressions of interest, open by default, with three weighted criteria:
    make_call(opens_at=..., closes_at=..., provinces=[...], criteria=[(label_fr, weight), ...])."""
    from datetime import UTC, datetime

    from jisr.calls.models import Call, CallCriterion

    def factory(criteria=(("Expérience avec des projets de femmes", 3), ("Accessibilité des locaux", 2),
                          ("Équipe", 1)), provinces=("errachidia", "midelt", "tinghir"), **fields) -> Call:
        now = datetime.now(UTC)
        values = dict(programme_id=programme.id, title_ar="طلب إبداء الاهتمام", title_fr="Appel à manifestation",
                      description_ar="وصف", description_fr="Description", opens_at=now - timedelta(days=5),
                      closes_at=now + timedelta(days=20))
        values.update(fields)
        call = Call(**values)
        call.provinces = [province(code) for code in provinces]
        for position, (label, weight) in enumerate(criteria):
            call.criteria.append(CallCriterion(position=position, label_fr=label, label_ar=f"معيار {position + 1}",
                                               weight=weight))
        _db.session.add(call)
        _db.session.commit()
        return call

    return factory


@pytest.fixture
def make_association(app, make_user, province):
    """An association's application to `call`, complete, in `status` (draft by default), with its
    representative: make_association(call, status="submitted", capacity=30, provinces=[...])."""
    from jisr.calls.models import AssociationApplication, AssociationStatus, AssociationTeamMember
    from jisr.geo.models import Sector
    from jisr.timeutil import utcnow

    counter = iter(range(1, 10_000))

    def factory(call, status=AssociationStatus.DRAFT, representative=None, provinces=("errachidia",),
                sectors=("handicrafts",), **fields) -> AssociationApplication:
        n = next(counter)
        representative = representative or make_user(role="representative", email=f"rep{n}@example.org")
        values = dict(call_id=call.id, representative_id=representative.id, status=status,
                      legal_name_ar=f"جمعية الأمل {n}", legal_name_fr=f"Association Espoir {n}",
                      registration_number=f"RC-{n:05d}", address=f"{n} avenue Hassan II",
                      province_id=province(provinces[0]).id, phone=f"+2125351{n:05d}", email=f"assoc{n}@example.org",
                      generalist=False, capacity=30, step_free_access=True, accessible_toilets=False,
                      sign_language=False, coverage_saved=True, experience="Dix ans d'accompagnement.",
                      references_text="INDH Errachidia")
        if status != AssociationStatus.DRAFT:
            values["submitted_at"] = utcnow()
        values.update(fields)
        association = AssociationApplication(**values)
        association.provinces = [province(code) for code in provinces]
        association.sectors = list(_db.session.scalars(sa.select(Sector).where(Sector.code.in_(sectors))))
        association.team.append(AssociationTeamMember(full_name="Zineb Alaoui", role="Coordinatrice",
                                                      qualification="Master en gestion"))
        _db.session.add(association)
        _db.session.commit()
        return association

    return factory


@pytest.fixture
def make_file(app, make_user, programme, province):
    """A sent, eligible file not yet routed: make_file(province="errachidia", sector="handicrafts",
    needs=("sign_language",), locale="fr", email=None, submitted_at=...). Route it with
    jisr.routing.services.route(application)."""
    from jisr.applications.models import ApplicantProfile, Application, Status, StatusChange
    from jisr.geo.models import Sector
    from jisr.timeutil import utcnow

    counter = iter(range(1, 100_000))

    def factory(province_code="errachidia", sector="handicrafts", needs=(), locale="ar", submitted_at=None,
                status=Status.ELIGIBLE, **user_fields) -> Application:
        n = next(counter)
        user = make_user(locale=locale, **user_fields)
        where = province(province_code)
        _db.session.add(ApplicantProfile(
            user_id=user.id, first_name_ar="فاطمة", last_name_ar="العلوي", first_name_latin="Fatima",
            last_name_latin=f"Alaoui{n}", national_id=f"ZX{n:06d}", birth_date=date(1990, 1, 1), sex="female",
            province_id=where.id, education_level="primary", family_situation="single", disability_type="none",
            **{f"needs_{need}": True for need in needs}))
        application = Application(
            programme_id=programme.id, applicant_id=user.id, status=status, national_id=f"ZX{n:06d}",
            province_id=where.id, project_title="Projet", carrier="individual", project_stage="idea",
            sector_id=_db.session.scalar(sa.select(Sector.id).where(Sector.code == sector)),
            reference=f"JISR-2026-{n:06d}", submitted_at=submitted_at or utcnow())
        for step in ("draft", "submitted", status):
            application.history.append(StatusChange(to_status=step))
        _db.session.add(application)
        _db.session.commit()
        return application

    return factory


# -- the incubator's workspace ------------------------------------------------------------------------------

@pytest.fixture
def make_workspace(app, make_file, make_incubator, make_user):
    """An incubator with its manager and a mentor, and `files` files routed to it (state "assigned"):
    ws = make_workspace(files=2, locale="fr"); ws.incubator, ws.manager, ws.mentor, ws.files.
    More files: ws.add_file(**make_file_args)."""
    from types import SimpleNamespace

    from jisr.routing import services as routing

    def factory(files: int = 1, capacity: int = 10, **file_args):
        incubator = make_incubator(capacity=capacity)
        ws = SimpleNamespace(incubator=incubator, files=[],
                             manager=make_user(role="incubator_manager", incubator_id=incubator.id),
                             mentor=make_user(role="mentor", incubator_id=incubator.id))

        def add_file(**args):
            application = make_file(**{**file_args, **args})
            routing.route(application)
            _db.session.commit()
            assert application.incubator_id == incubator.id, "routed elsewhere: give the file this incubator's area"
            ws.files.append(application)
            return application

        ws.add_file = add_file
        for _ in range(files):
            add_file()
        return ws

    return factory
