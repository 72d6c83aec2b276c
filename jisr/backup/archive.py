"""The archive: written by `backup`, read back by `restore` (its members are listed in jisr/backup/__init__.py).

Nothing is held whole in memory: the database is copied or dumped into a temporary file, and every file goes
into or out of the archive in chunks. The database is taken first and the documents after it, so a document
uploaded meanwhile is only an extra file; a document the database names but the backup could not find is
reported.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import sqlalchemy as sa

from jisr.backup.databases import (
    BackupError,
    contents_of,
    copy_sqlite,
    database_revision,
    pg_dump,
    restore_pg,
    restore_sqlite,
    revision_advice,
)
from jisr.documents import storage
from jisr.extensions import db

FORMAT = 1
MANIFEST = "manifest.json"
MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
CHUNK = 1024 * 1024
_DOCUMENT = re.compile(r"documents/([0-9a-f]{2})/(\1[0-9a-f]{30})")


@dataclass
class Outcome:
    path: Path
    manifest: dict
    warnings: list[str] = field(default_factory=list)
    advice: str | None = None  # what to do next about the database's revision
    documents: int = 0  # how many a restore wrote


def backup(target: Path) -> Outcome:
    """Write the archive at `target` (a directory gets a dated name in it); a failure leaves nothing behind."""
    now = datetime.now(UTC)
    target = Path(target)
    if target.is_dir():
        target = target / f"jisr-backup-{now:%Y%m%dT%H%M%SZ}.tar"
    if target.exists():
        raise BackupError(f"{target} already exists: give another name.")
    if not target.parent.is_dir():
        raise BackupError(f"The directory {target.parent} does not exist.")
    engine, dialect = _engine()
    db.session.remove()
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix=".jisr-backup-", dir=target.parent) as work:
        dump = Path(work) / MEMBERS[dialect]
        contents = copy_sqlite(engine.url, dump) if dialect == "sqlite" else pg_dump(engine, dump)
        files = _stored_files(storage.upload_root())
        missing = sorted(set(contents.documents) - set(files))
        if missing:
            warnings.append(_named(f"{len(missing)} document(s) the database refers to are not in the upload "
                                   "directory, so not in the backup", missing))
        manifest = {
            "format": FORMAT, "application": "jisr", "version": _version(),
            "created_at": now.isoformat(timespec="seconds"), "alembic_revision": contents.revision,
            "database": {"dialect": dialect, "member": dump.name, "size": dump.stat().st_size, "sha256": _sha256(dump)},
            "tables": contents.tables,
            "documents": {"files": len(files), "bytes": sum(size for _path, size in files.values()),
                          "referenced": len(contents.documents), "missing": len(missing)},
        }
        archive = Path(work) / "archive"
        vanished = []
        with _archive_writer(archive, compress=target.name.endswith((".gz", ".tgz"))) as tar:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
            _add(tar, dump.name, dump)
            for name, (path, _size) in files.items():
                try:
                    _add(tar, f"documents/{name[:2]}/{name}", path)
                except FileNotFoundError:  # deleted since it was listed: the database no longer has it either
                    vanished.append(name)
        if vanished:
            warnings.append(_named(f"{len(vanished)} document(s) were deleted while the backup was written",
                                   vanished))
        os.replace(archive, target)
    return Outcome(target, manifest, warnings)


def _engine() -> tuple[sa.Engine, str]:
    engine = db.engine
    if engine.dialect.name not in MEMBERS:
        raise BackupError(f"Backups are made of SQLite and PostgreSQL databases, not {engine.dialect.name}.")
    return engine, engine.dialect.name


def _stored_files(root: Path) -> dict[str, tuple[Path, int]]:
    """Every stored document in the upload directory (temporary files of uploads under way left out)."""
    found = {}
    if not root.is_dir():
        return found
    for folder in sorted(os.scandir(root), key=lambda entry: entry.name):
        if not (folder.is_dir(follow_symlinks=False) and re.fullmatch(r"[0-9a-f]{2}", folder.name)):
            continue
        for entry in sorted(os.scandir(folder.path), key=lambda entry: entry.name):
            if _DOCUMENT.fullmatch(f"documents/{folder.name}/{entry.name}") and entry.is_file(follow_symlinks=False):
                found[entry.name] = (Path(entry.path), entry.stat().st_size)
    return found


@contextmanager
def _archive_writer(path: Path, compress: bool):
    """A tar written as a stream into a file only its owner reads (it holds personal data), synced to disk."""
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as raw:
        if compress:
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6) as zipped:
                with tarfile.open(fileobj=zipped, mode="w|") as tar:
                    yield tar
        else:
            with tarfile.open(fileobj=raw, mode="w|") as tar:
                yield tar
        raw.flush()
        os.fsync(raw.fileno())


def _add(tar: tarfile.TarFile, name: str, path: Path) -> None:
    with path.open("rb") as source:  # opened first: its size is the one read, even if the name moves on
        stat = os.fstat(source.fileno())
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
        tar.addfile(info, source)


def restore(archive: Path, force: bool = False) -> Outcome:
    """Restore the archive into the configured database and upload directory, which must be empty unless
    `force`: then everything they hold is replaced."""
    engine, dialect = _engine()
    root = storage.upload_root()
    archive = Path(archive)
    try:
        tar = tarfile.open(archive, "r|*")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{archive} cannot be read as a backup: {error}") from None
    warnings: list[str] = []
    with tar, tempfile.TemporaryDirectory(prefix="jisr-restore-") as work:
        manifest = _read_manifest(tar, archive)
        if manifest["database"]["dialect"] != dialect:
            raise BackupError(f"This backup is of a {manifest['database']['dialect']} database; the configured "
                              f"database is {dialect}.")
        refusal = _not_empty(engine, root)
        if refusal and not force:
            raise BackupError(refusal)
        db.session.remove()
        written: dict[str, str] = {}
        database_done = False
        try:
            while (member := tar.next()) is not None:
                document = _DOCUMENT.fullmatch(member.name)
                if member.name == manifest["database"]["member"] and member.isfile() and not database_done:
                    dump = Path(work) / member.name
                    _extract(tar, member, dump, manifest["database"]["sha256"])
                    if dialect == "sqlite":
                        restore_sqlite(engine, dump)
                    else:
                        restore_pg(engine, dump, force)
                    dump.unlink()  # room on the disk for the documents
                    database_done = True
                elif document and member.isfile() and database_done:
                    written[document[2]] = _write_document(tar, member, document[2])
                else:
                    warnings.append(f"Left out {member.name!r}: not a part of a Jisr backup, or out of place.")
        except (tarfile.TarError, EOFError, zlib.error) as error:
            done = ("the database was restored but only some documents: restore a sound archive with --force"
                    if database_done else "nothing was restored")
            raise BackupError(f"{archive} is damaged or cut short ({error}); {done}.") from None
        if not database_done:
            raise BackupError(f"{archive} holds no database copy: it is not a complete Jisr backup.")
    if force:
        stale = set(_stored_files(root)) - set(written)
        for name in stale:  # documents of the database just replaced
            storage.remove(name)
        if stale:
            warnings.append(f"Removed {len(stale)} document(s) of the replaced database that the backup does not hold.")
    os.sync()
    warnings += _check(engine, manifest, written)
    return Outcome(archive, manifest, warnings, revision_advice(database_revision(engine)), len(written))


def _read_manifest(tar: tarfile.TarFile, archive: Path) -> dict:
    try:
        first = tar.next()
    except (tarfile.TarError, EOFError, zlib.error):
        first = None
    if first is None or first.name != MANIFEST or not first.isfile() or first.size > 10 * 1024 * 1024:
        raise BackupError(f"{archive} is not a Jisr backup (it does not start with {MANIFEST}).")
    try:
        manifest = json.load(tar.extractfile(first))
    except (ValueError, tarfile.TarError, EOFError, zlib.error):
        manifest = {}
    if not isinstance(manifest, dict) or manifest.get("application") != "jisr" or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a Jisr backup of format {FORMAT}.")
    return manifest


def _not_empty(engine: sa.Engine, root: Path) -> str | None:
    """Why the database or the upload directory is not empty, or None when both are."""
    with engine.connect() as connection:
        tables = sorted(sa.inspect(connection).get_table_names())
        shown = [f"{name}: {connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()}"
                 f" rows" for name in ("users", "applications") if name in tables]
    documents = len(_stored_files(root))
    if not tables and not documents:
        return None
    found = []
    if tables:
        found.append(f"the database has {len(tables)} tables" + (f" ({', '.join(shown)})" if shown else ""))
    if documents:
        found.append(f"the upload directory {root} holds {documents} documents")
    return (f"Nothing was restored: {' and '.join(found)}. A backup is restored into an empty database and an "
            "empty upload directory: create them and point JISR_DATABASE_URL and JISR_UPLOAD_DIR at them, or pass "
            "--force to replace everything they hold with the backup.")


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path, sha256: str) -> None:
    digest = hashlib.sha256()
    with tar.extractfile(member) as source, target.open("wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != sha256:
        raise BackupError("The database copy in the archive is damaged (its SHA-256 differs from the manifest's); "
                          "nothing was restored.")


def _write_document(tar: tarfile.TarFile, member: tarfile.TarInfo, name: str) -> str:
    """Write one document where storage looks for it, through a temporary name; returns its SHA-256."""
    target = storage.path_for(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".restore-")  # readable by its owner only
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out, tar.extractfile(member) as source:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def _check(engine: sa.Engine, manifest: dict, written: dict[str, str]) -> list[str]:
    """The restored rows counted against the manifest, and every document the database names against its
    SHA-256."""
    with engine.connect() as connection:
        found = contents_of(connection)
    warnings = []
    differ = sorted(name for name in set(found.tables) | set(manifest["tables"])
                    if found.tables.get(name) != manifest["tables"].get(name))
    if differ:
        warnings.append(_named("The restored row counts differ from the manifest's in", differ))
    missing = sorted(name for name in found.documents if name not in written)
    damaged = sorted(name for name, sha256 in found.documents.items() if name in written and written[name] != sha256)
    if missing:
        warnings.append(_named(f"{len(missing)} document(s) the database refers to were not in the backup", missing))
    if damaged:
        warnings.append(_named(f"{len(damaged)} document(s) differ from the SHA-256 the database records", damaged))
    return warnings


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _version() -> str:
    try:
        return metadata.version("jisr")
    except metadata.PackageNotFoundError:
        return "unknown"


def _named(text: str, names: list[str], shown: int = 5) -> str:
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return f"{text}: {', '.join(names[:shown])}{more}."


def size_in_words(size: float) -> str:
    units = ["bytes", "KB", "MB", "GB", "TB"]
    while size >= 1024 and len(units) > 1:
        size, units = size / 1024, units[1:]
    return f"{size:.0f} bytes" if units[0] == "bytes" else f"{size:.1f} {units[0]}"
