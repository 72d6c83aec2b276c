"""The database half of a backup: SQLite copied with its online backup API, PostgreSQL dumped with pg_dump and
restored with pg_restore; what a database holds (row counts, revision, the documents it names).

Connection settings reach pg_dump and pg_restore through libpq's environment variables (PGPASSWORD among
them), never through their command line, which `ps` shows every user of the machine.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app

#: The tables whose rows name a stored file, with its SHA-256.
DOCUMENT_TABLES = ("documents", "association_documents")
#: Options of a PostgreSQL URL's query string, and the libpq variables that carry them.
_LIBPQ = {"host": "PGHOST", "port": "PGPORT", "sslmode": "PGSSLMODE", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY",
          "sslrootcert": "PGSSLROOTCERT", "sslcrl": "PGSSLCRL", "connect_timeout": "PGCONNECT_TIMEOUT",
          "application_name": "PGAPPNAME", "options": "PGOPTIONS", "passfile": "PGPASSFILE", "service": "PGSERVICE",
          "target_session_attrs": "PGTARGETSESSIONATTRS", "gssencmode": "PGGSSENCMODE"}


class BackupError(Exception):
    """What went wrong, said so that the operator knows what to do."""


@dataclass
class Contents:
    """What a database holds, as a backup describes it and a restore checks it."""

    revision: str | None
    tables: dict[str, int]
    documents: dict[str, str]  # stored name -> SHA-256, for every document the database refers to


def copy_sqlite(url: sa.URL, copy_path: Path) -> Contents:
    path = url.database
    if not path or path == ":memory:" or url.query.get("mode") == "memory":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    if not Path(path).is_file():
        raise BackupError(f"The database file {path} does not exist.")
    with closing(sqlite3.connect(path, timeout=30)) as source, closing(sqlite3.connect(copy_path)) as copy:
        # In one step, so in one read transaction: a consistent copy, while writers go on (WAL). A copy made in
        # several steps starts again whenever someone writes, and might never end on a busy site.
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, whatever mode the site runs in
    return _read_sqlite(copy_path)


def _read_sqlite(path: Path) -> Contents:
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return contents_of(connection)
    finally:
        engine.dispose()


def pg_dump(engine: sa.Engine, dump: Path) -> Contents:
    with engine.connect().execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True) as connection:
        # pg_dump reads the snapshot this transaction exported: the counts below describe the dump exactly.
        snapshot = connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
        contents = contents_of(connection)
        run_pg_tool("pg_dump", ["--format=custom", f"--snapshot={snapshot}", f"--file={dump}"], engine.url)
        connection.rollback()
    return contents


def contents_of(connection: sa.Connection) -> Contents:
    names = sorted(sa.inspect(connection).get_table_names())
    tables = {name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
              for name in names}
    revision = None
    if "alembic_version" in names:
        revision = ",".join(sorted(connection.scalars(sa.text("SELECT version_num FROM alembic_version")))) or None
    documents = {}
    for table in DOCUMENT_TABLES:
        if table in names:
            query = sa.select(sa.column("stored_name"), sa.column("sha256")).select_from(sa.table(table))
            documents.update((name, sha256) for name, sha256 in connection.execute(query))
    return Contents(revision, tables, documents)


def restore_sqlite(engine: sa.Engine, copy_path: Path) -> None:
    engine.dispose()  # no pooled connection keeps reading the database being replaced
    with closing(sqlite3.connect(copy_path)) as source, \
            closing(sqlite3.connect(engine.url.database, timeout=30)) as target:
        source.backup(target)  # replaces every page of the target, in one transaction
    engine.dispose()


def restore_pg(engine: sa.Engine, dump: Path, force: bool) -> None:
    if force:
        with engine.begin() as connection:
            inspector, quote = sa.inspect(connection), connection.dialect.identifier_preparer.quote
            for kind, names in (("VIEW", inspector.get_view_names()), ("TABLE", inspector.get_table_names()),
                                ("SEQUENCE", inspector.get_sequence_names())):
                for name in names:
                    connection.execute(sa.text(f"DROP {kind} IF EXISTS {quote(name)} CASCADE"))
    engine.dispose()
    # One transaction: a restore that fails leaves no half-restored database (with --force, an emptied one).
    run_pg_tool("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                               f"--dbname={engine.url.database}", str(dump)], engine.url)


def database_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        return ",".join(sorted(connection.scalars(sa.text("SELECT version_num FROM alembic_version")))) or None


def revision_advice(revision: str | None) -> str | None:
    """What to do when the restored database's revision is not the code's head; None when it is."""
    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    heads = ",".join(sorted(script.get_heads()))
    if revision == heads:
        return None
    if revision is None:
        return "The restored database has no Alembic revision: it was not built by `flask db upgrade`."
    try:
        for name in revision.split(","):
            script.get_revision(name)
    except CommandError:
        return (f"The restored database is at revision {revision}, which this version of Jisr does not know: the "
                "backup was made by a newer version. Install that version (or a later one) before serving it.")
    return (f"The restored database is at revision {revision} and the code at {heads}: run "
            "`flask --app jisr db upgrade` before serving it.")


def libpq_environment(url: sa.URL) -> dict[str, str]:
    """The URL's settings as libpq's environment variables: the password stays off the command line, which
    `ps` shows every user of the machine."""
    values = {"PGHOST": url.host, "PGPORT": str(url.port) if url.port else None, "PGUSER": url.username,
              "PGPASSWORD": url.password, "PGDATABASE": url.database}
    for key, value in url.query.items():
        if key not in _LIBPQ:
            raise BackupError(f"The database URL's option {key!r} cannot be given to pg_dump and pg_restore.")
        values[_LIBPQ[key]] = value if isinstance(value, str) else value[-1]
    return {name: value for name, value in values.items() if value}


def run_pg_tool(tool: str, arguments: list[str], url: sa.URL) -> None:
    program = shutil.which(tool)
    if program is None:
        raise BackupError(f"{tool} was not found on PATH: install PostgreSQL's client tools, of the server's major "
                          "version or later (Debian: postgresql-client).")
    result = subprocess.run([program, *arguments], env={**os.environ, **libpq_environment(url)},
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode:
        raise BackupError(f"{tool} failed: {result.stderr.strip()}")
