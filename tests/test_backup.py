"""Backups: `flask backup` writes one archive of the database and every stored document; `flask restore` brings
it back into an empty database and upload directory, where every row and every document's bytes are found again.
On SQLite, and on PostgreSQL when JISR_TEST_DATABASE_URL is set."""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from filled import fill_every_table
from flask_migrate import upgrade

from jisr.backup.databases import BackupError, libpq_environment, revision_advice, run_pg_tool
from jisr.extensions import db


def everything(app) -> dict[str, list[tuple]]:
    """Every row of every table of `app`'s database, in primary-key order."""
    with app.app_context():
        metadata = sa.MetaData()
        with db.engine.connect() as connection:
            metadata.reflect(connection)
            return {table.name: [tuple(row) for row in connection.execute(
                        sa.select(table).order_by(*table.primary_key.columns))]
                    for table in metadata.sorted_tables}


def stored(app) -> dict[str, bytes]:
    """Every stored document of `app`'s upload directory, by its path there."""
    root = Path(app.config["UPLOAD_DIR"])
    if not root.is_dir():
        return {}
    return {str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*")
            if re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{32}", str(path.relative_to(root)))}


def invoke(app, *args: str):
    """Run a command on `app` (a test's app context would otherwise be the one the command sees)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def done(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def fresh(make_app, make_database, tmp_path):
    """An app on an empty database and an empty upload directory: app = fresh("name")."""
    made = []

    def factory(name: str):
        made.append(make_app(SQLALCHEMY_DATABASE_URI=make_database(), UPLOAD_DIR=str(tmp_path / f"uploads-{name}")))
        return made[-1]

    yield factory
    for app in made:
        done(app)


def test_a_backup_restored_into_an_empty_database_holds_every_row_and_every_document(app, runner, fresh, tmp_path):
    fill_every_table()
    archive = tmp_path / "jisr-backup.tar"
    made = runner.invoke(args=["backup", str(archive)])
    assert made.exit_code == 0, made.output
    assert not made.stderr
    rows, documents = everything(app), stored(app)
    assert len(documents) >= 3

    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert names[0] == "manifest.json" and names[1].startswith("database.")
    assert sorted(names[2:]) == sorted(f"documents/{name}" for name in documents)
    assert manifest["alembic_revision"] == rows["alembic_version"][0][0]
    assert manifest["tables"] == {name: len(table_rows) for name, table_rows in rows.items()}
    assert manifest["documents"]["files"] == len(documents) and manifest["documents"]["missing"] == 0
    assert archive.stat().st_mode & 0o077 == 0  # personal data: for its owner's eyes only

    target = fresh("restored")
    restored = invoke(target, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert not restored.stderr and "ready to serve" in restored.stdout
    assert everything(target) == rows
    assert stored(target) == documents
    with target.app_context():
        from jisr.auth.models import User
        from jisr.documents.models import Document
        from jisr.documents.storage import open_stored

        for document in db.session.scalars(sa.select(Document)):
            with open_stored(document.stored_name) as data:
                assert hashlib.sha256(data.read()).hexdigest() == document.sha256
        # The restored site goes on where it stopped: a new row gets a new id (the sequences came back too).
        newcomer = User(role="applicant", full_name="Nouvelle", phone="+212699999999")
        db.session.add(newcomer)
        db.session.commit()
        assert newcomer.id > max(row[0] for row in rows["users"])


@pytest.fixture
def small_archive(app, runner, make_file, tmp_path):
    """A backup (compressed) of one file with one document."""
    from jisr.documents import storage
    from jisr.documents.models import Document

    application = make_file()
    saved = storage.save(b"%PDF-1.4\n" + b"x" * 100_000, db.session())
    db.session.add(Document(application_id=application.id, kind="national_id", original_name="cin.pdf",
                            stored_name=saved.name, content_type="application/pdf", size=saved.size,
                            sha256=saved.sha256))
    db.session.commit()
    archive = tmp_path / "small.tar.gz"
    made = runner.invoke(args=["backup", str(archive)])
    assert made.exit_code == 0, made.output
    return archive


def test_a_restore_into_a_database_that_is_not_empty_is_refused_and_changes_nothing(
        app, runner, small_archive, make_user, fresh):
    make_user(full_name="Arrivée après la sauvegarde")
    rows, documents = everything(app), stored(app)
    refused = runner.invoke(args=["restore", str(small_archive)])
    assert refused.exit_code == 1
    assert "Nothing was restored: the database has" in refused.output and "--force" in refused.output
    assert everything(app) == rows and stored(app) == documents

    # An empty database with documents of another one in its upload directory is refused as well.
    target = fresh("not-empty")
    stray = Path(target.config["UPLOAD_DIR"]) / "ab" / ("ab" + "0" * 30)
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"someone else's")
    refused = invoke(target, "restore", str(small_archive))
    assert refused.exit_code == 1 and "holds 1 documents" in refused.output
    assert everything(target) == {} and stored(target) == {"ab/ab" + "0" * 30: b"someone else's"}


def test_force_replaces_everything_the_database_and_the_upload_directory_hold(app, small_archive, fresh):
    rows, documents = everything(app), stored(app)
    target = fresh("forced")
    with target.app_context():
        upgrade()
        db.session.execute(sa.text("INSERT INTO users (email, full_name, role, created_at) "
                                   "VALUES ('other@example.org', 'Other', 'admin', CURRENT_TIMESTAMP)"))
        db.session.commit()
    stray = Path(target.config["UPLOAD_DIR"]) / "cd" / ("cd" + "1" * 30)
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"of the database replaced")
    forced = invoke(target, "restore", "--force", str(small_archive))
    assert forced.exit_code == 0, forced.output
    assert "Removed 1 document(s) of the replaced database" in forced.stderr
    assert everything(target) == rows and stored(target) == documents


def test_the_database_password_reaches_pg_tools_through_the_environment_only(app, monkeypatch):
    calls = []
    monkeypatch.setattr("jisr.backup.databases.shutil.which", lambda tool: f"/usr/bin/{tool}")
    monkeypatch.setattr("jisr.backup.databases.subprocess.run",
                        lambda command, env, **_: calls.append((command, env)) or type("Done", (), {"returncode": 0}))
    url = sa.make_url("postgresql+psycopg://jisr:S3cret%40here@db.example.org:5433/jisr?sslmode=require")
    run_pg_tool("pg_dump", ["--format=custom", "--file=/tmp/x"], url)
    [(command, env)] = calls
    assert "S3cret@here" not in " ".join(command) and "db.example.org" not in " ".join(command)
    assert {key: env[key] for key in ("PGPASSWORD", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSSLMODE")} == {
        "PGPASSWORD": "S3cret@here", "PGHOST": "db.example.org", "PGPORT": "5433", "PGUSER": "jisr",
        "PGDATABASE": "jisr", "PGSSLMODE": "require"}
    with pytest.raises(BackupError, match="'frobnicate'"):
        libpq_environment(sa.make_url("postgresql+psycopg://jisr@db/jisr?frobnicate=1"))


def test_the_commands_never_print_the_database_password(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://jisr:S3cret-here@127.0.0.1:1/none",
                   SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 1}})
    result = invoke(app, "backup", str(tmp_path))
    assert result.exit_code == 1 and "The database cannot be reached" in result.output
    assert "postgresql+psycopg://jisr:***@127.0.0.1:1/none" in result.output
    assert "S3cret-here" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_restored_revision_is_checked_against_the_code(app):
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    head = script.get_revision(script.get_current_head())
    assert revision_advice(head.revision) is None
    assert "run `flask --app jisr db upgrade`" in revision_advice(head.down_revision)
    assert "made by a newer version" in revision_advice("0123456789ab")
    assert "no Alembic revision" in revision_advice(None)


def test_an_archive_that_is_not_a_backup_is_refused_before_anything_is_written(app, runner, tmp_path):
    rows = everything(app)
    not_tar = tmp_path / "notes.txt"
    not_tar.write_text("hello")
    result = runner.invoke(args=["restore", str(not_tar)])
    assert result.exit_code == 1 and "cannot be read as a backup" in result.output
    other = tmp_path / "other.tar"
    with tarfile.open(other, "w") as tar:
        info = tarfile.TarInfo("etc/passwd")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"root"))
    result = runner.invoke(args=["restore", "--force", str(other)])
    assert result.exit_code == 1 and "is not a Jisr backup" in result.output
    assert everything(app) == rows


def test_an_archive_cut_short_is_reported_as_such(small_archive, fresh, tmp_path):
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(small_archive.read_bytes()[:small_archive.stat().st_size * 2 // 3])
    result = invoke(fresh("cut"), "restore", str(cut))
    assert result.exit_code == 1 and "is damaged or cut short" in result.output, result.output
