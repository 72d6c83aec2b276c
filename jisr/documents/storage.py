"""Uploaded files on disk: outside static/, under random names, in step with the database.

A file is written to a temporary name and renamed into place, so a reader never sees half a file.
The database decides whether a file exists: a file written in a transaction that rolls back is
removed, and a file whose row is deleted is only removed once that deletion is committed. Both
follow the session's own events, so routes and services need not remember to clean up.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from jisr.documents.validation import ACCEPTED

log = logging.getLogger(__name__)
CHUNK_SIZE = 64 * 1024
_NAME = re.compile(r"[0-9a-f]{32}")
_WRITTEN = "jisr.documents.written"  # keys in Session.info
_DOOMED = "jisr.documents.doomed"


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    sha256: str


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def path_for(name: str) -> Path:
    """Where a stored name lives; anything but our own 32 hex digits is refused (no path tricks)."""
    if not _NAME.fullmatch(name):
        raise ValueError("not a stored file name")
    return upload_root() / name[:2] / name


def save(data: bytes, session: Session) -> StoredFile:
    """Write bytes under a new random name, hashing while writing; removed if `session` rolls back."""
    name = secrets.token_hex(16)
    target = path_for(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    # mkstemp creates the file readable by its owner only.
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            view = memoryview(data)
            for start in range(0, len(view), CHUNK_SIZE):
                chunk = view[start:start + CHUNK_SIZE]
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    session.info.setdefault(_WRITTEN, set()).add(target)
    return StoredFile(name=name, size=len(data), sha256=digest.hexdigest())


def open_stored(name: str):
    """The stored bytes, opened for reading; the caller closes it."""
    return path_for(name).open("rb")


def remove(name: str) -> None:
    """Delete a stored file now (missing is fine: the goal is that it is gone)."""
    _unlink(path_for(name))


def remove_after_commit(name: str, session: Session) -> None:
    """Delete the file once the row's deletion is committed; a rollback keeps both."""
    session.info.setdefault(_DOOMED, set()).add(path_for(name))


def _unlink(path: Path) -> None:
    # Paths, not names, are kept in Session.info: session events may run without an app context.
    try:
        path.unlink(missing_ok=True)
    except OSError:
        log.exception("Could not remove stored file %s", path)


@sa.event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_WRITTEN, None)  # committed with their rows: they stay
    for path in session.info.pop(_DOOMED, ()):
        _unlink(path)


@sa.event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    """After the outermost transaction ends without a commit, files written in it are orphans."""
    if transaction.parent is not None:
        return
    session.info.pop(_DOOMED, None)
    for path in session.info.pop(_WRITTEN, ()):
        _unlink(path)


#: What may be shown inside a page (staff look at her photos and ID card without downloading them).
#: Never HTML, SVG or PDF: those could run script or be mistaken for a page of the site.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


def send_stored(name: str, content_type: str, download_name: str, inline: bool = False):
    """A stored file as a download (images may be asked inline), not kept in any cache; 404 when it is
    missing. The caller has checked who may have it."""
    from flask import abort, send_file

    try:
        path = path_for(name)
        if not path.is_file():
            raise FileNotFoundError(name)
    except (ValueError, FileNotFoundError):
        abort(404)
    if content_type not in ACCEPTED:  # never what the browser would run or render as a page of the site
        content_type = "application/octet-stream"
    response = send_file(path, mimetype=content_type,
                         as_attachment=not (inline and content_type in INLINE_TYPES), download_name=download_name,
                         conditional=False, etag=False, max_age=0)
    # Personal documents: no shared cache, no copy left in the browser's cache.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers.pop("Expires", None)
    # Even opened on its own, a file runs nothing and reaches nothing: no script, no style, no request.
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
