"""Backups: one archive with the database and every stored document, and its restore into an empty database
(`flask --app jisr backup [PATH]`, `flask --app jisr restore PATH [--force]`).

The archive is a tar file (gzip-compressed when its name ends in .gz or .tgz). Its members come in this order,
so a restore reads it once, from start to end, and can refuse before it has written anything:

    manifest.json       format, Jisr version, Alembic revision, date, row counts, documents
    database.sqlite3    SQLite: a copy made with SQLite's online backup API, or
    database.pgdump     PostgreSQL: pg_dump --format=custom
    documents/ab/ab…    every stored document under its stored name (jisr/documents/storage.py)
"""

from jisr.backup.archive import Outcome, backup, restore, size_in_words
from jisr.backup.databases import BackupError

__all__ = ["BackupError", "Outcome", "backup", "restore", "size_in_words"]
