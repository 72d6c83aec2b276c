"""Uploaded files, in a store chosen by configuration: a local directory (the default: outside static/, under
random names) or an S3-compatible object store (JISR_STORAGE=s3), so that any of several app servers can serve
any document. Names are our own 32 hex digits, never anything the user sent.

A file is written whole before it counts (a temporary name renamed into place on disk; a single PUT in object
storage), so a reader never sees half a file. The database decides whether a file exists: a file written in a
transaction that rolls back is removed, and a file whose row is deleted is only removed once that deletion is
committed. Both follow the session's own events, so routes and services need not remember to clean up.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

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


def _checked(name: str) -> str:
    """Anything but our own 32 hex digits is refused (no path or key tricks)."""
    if not _NAME.fullmatch(name):
        raise ValueError("not a stored file name")
    return name


class LocalStore:
    """A directory: <root>/<first two hex digits>/<name>, readable by the app's user only."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, name: str) -> Path:
        return self.root / name[:2] / _checked(name)

    def write(self, name: str, data: bytes) -> None:
        self.write_file(name, io.BytesIO(data))

    def write_file(self, name: str, source) -> None:
        """Copy an open binary file in chunks (an export can be larger than what memory should hold)."""
        target = self.path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(source, out, CHUNK_SIZE)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def open(self, name: str):
        return self.path(name).open("rb")

    def open_sized(self, name: str):
        body = self.open(name)
        return body, os.fstat(body.fileno()).st_size

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def names(self):
        """Every stored name (for backups and checks)."""
        for path in sorted(self.root.glob("??/*")):
            if _NAME.fullmatch(path.name):
                yield path.name


class S3Store:
    """A bucket of an S3-compatible store (AWS, MinIO, Ceph, Scaleway…), keys <first two hex digits>/<name>.
    Credentials come from boto3's usual chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, a role)."""

    def __init__(self, bucket: str, endpoint_url: str | None = None, region: str | None = None,
                 client=None) -> None:
        import boto3

        self.bucket = bucket
        self.client = client or boto3.client("s3", endpoint_url=endpoint_url, region_name=region)

    @staticmethod
    def key(name: str) -> str:
        return f"{name[:2]}/{_checked(name)}"

    def _missing(self, error) -> bool:
        return error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound")

    def write(self, name: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.key(name), Body=data,
                               ContentType="application/octet-stream")

    def write_file(self, name: str, source) -> None:
        """An open binary file, sent in parts (boto3's multipart upload: a few parts in memory, never the whole);
        the object exists only once its last part is in."""
        self.client.upload_fileobj(source, self.bucket, self.key(name),
                                   ExtraArgs={"ContentType": "application/octet-stream"})

    def open(self, name: str):
        return self.open_sized(name)[0]

    def open_sized(self, name: str):
        from botocore.exceptions import ClientError

        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self.key(name))
        except ClientError as error:
            if self._missing(error):
                raise FileNotFoundError(name) from error
            raise
        return found["Body"], found["ContentLength"]

    def exists(self, name: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(name))
        except ClientError as error:
            if self._missing(error):
                return False
            raise
        return True

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(name))

    def names(self):
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for item in page.get("Contents", []):
                name = item["Key"].rsplit("/", 1)[-1]
                if _NAME.fullmatch(name):
                    yield name


def init_app(app) -> None:
    """The store of this app, from JISR_STORAGE (local or s3) and its settings."""
    kind = app.config.get("STORAGE", "local")
    if kind == "s3":
        store = S3Store(app.config["S3_BUCKET"], app.config.get("S3_ENDPOINT_URL"), app.config.get("S3_REGION"))
    else:
        store = LocalStore(app.config["UPLOAD_DIR"])
    app.extensions["jisr_storage"] = store


def store() -> LocalStore | S3Store:
    return current_app.extensions["jisr_storage"]


def upload_root() -> Path:
    """The local directory of uploads (the default store)."""
    return Path(current_app.config["UPLOAD_DIR"])


def path_for(name: str) -> Path:
    """Where a stored name lives in the local directory."""
    return upload_root() / name[:2] / _checked(name)


def save(data: bytes, session: Session) -> StoredFile:
    """Store bytes under a new random name; removed again if `session` rolls back."""
    name = secrets.token_hex(16)
    target = store()
    target.write(name, data)
    session.info.setdefault(_WRITTEN, set()).add((target, name))
    return StoredFile(name=name, size=len(data), sha256=hashlib.sha256(data).hexdigest())


def save_file(source, session: Session) -> StoredFile:
    """Store an open binary file from where it stands, read in chunks (hashed first, then copied), under a new
    random name; removed again if `session` rolls back."""
    digest, size, start = hashlib.sha256(), 0, source.tell()
    while chunk := source.read(CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
    source.seek(start)
    name = secrets.token_hex(16)
    target = store()
    target.write_file(name, source)
    session.info.setdefault(_WRITTEN, set()).add((target, name))
    return StoredFile(name=name, size=size, sha256=digest.hexdigest())


def open_stored(name: str):
    """The stored bytes, opened for reading (FileNotFoundError when missing); the caller closes it."""
    return store().open(name)


def remove(name: str) -> None:
    """Delete a stored file now (missing is fine: the goal is that it is gone)."""
    _delete(store(), name)


def remove_after_commit(name: str, session: Session) -> None:
    """Delete the file once the row's deletion is committed; a rollback keeps both."""
    session.info.setdefault(_DOOMED, set()).add((store(), _checked(name)))


def _delete(target, name: str) -> None:
    # The store is kept with the name in Session.info: session events may run without an app context.
    try:
        target.delete(name)
    except Exception:  # a store that fails must not fail the request whose data is already committed
        log.exception("Could not remove stored file %s", name)


@sa.event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_WRITTEN, None)  # committed with their rows: they stay
    for target, name in session.info.pop(_DOOMED, ()):
        _delete(target, name)


@sa.event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    """After the outermost transaction ends without a commit, files written in it are orphans."""
    if transaction.parent is not None:
        return
    session.info.pop(_DOOMED, None)
    for target, name in session.info.pop(_WRITTEN, ()):
        _delete(target, name)


#: What may be shown inside a page (staff look at her photos and ID card without downloading them).
#: Never HTML, SVG or PDF: those could run script or be mistaken for a page of the site.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
#: Our own exports, always sent as attachments: a spreadsheet opens them, never the browser as a page.
EXPORT_TYPES = frozenset({"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})


def _disposition(as_attachment: bool, download_name: str) -> str:
    kind = "attachment" if as_attachment else "inline"
    ascii_name = download_name.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "") or "document"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(download_name, safe='')}"


def send_stored(name: str, content_type: str, download_name: str, inline: bool = False):
    """A stored file as a download (images may be asked inline), streamed from its store and not kept in any
    cache; 404 when it is missing. The caller has checked who may have it."""
    from flask import Response, abort

    try:
        body, size = store().open_sized(name)
    except (ValueError, FileNotFoundError):
        abort(404)
    if content_type not in ACCEPTED and content_type not in EXPORT_TYPES:  # never what a browser runs as a page
        content_type = "application/octet-stream"

    def chunks():
        try:
            while chunk := body.read(CHUNK_SIZE):
                yield chunk
        finally:
            body.close()

    response = Response(chunks(), mimetype=content_type, direct_passthrough=True)
    response.content_length = size
    response.headers["Content-Disposition"] = _disposition(not (inline and content_type in INLINE_TYPES),
                                                           download_name)
    # Personal documents: no shared cache, no copy left in the browser's cache.
    response.headers["Cache-Control"] = "private, no-store"
    # Even opened on its own, a file runs nothing and reaches nothing: no script, no style, no request.
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
