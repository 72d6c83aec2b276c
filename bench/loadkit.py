"""What the load scripts (and the tests that use them) share: the app served by gunicorn in a process of its own,
browsers simulated over HTTP (a cookie jar, the CSRF token read from each form), and a session cookie signed like
the app's own so that a simulated user need not spend a password hash to sign in."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(env: dict, workers: int = 4, threads: int = 1, timeout: float = 120.0):
    """The app under gunicorn (sync workers) on a free port; yields its base URL once /healthz answers."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("gunicorn")), "--workers", str(workers), "--threads", str(threads),
               "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5", "--log-level", "warning", "wsgi:app"]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}")
            try:
                if requests.get(f"{base}/healthz", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer in time")
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def signed_session(app, user_id: int) -> str:
    """A session cookie value for `user_id`, as the app signs them (the simulated user is signed in)."""
    return app.session_interface.get_signing_serializer(app).dumps({"_user_id": str(user_id), "_fresh": True})


def browser(base: str, app=None, user_id: int | None = None) -> requests.Session:
    session = requests.Session()
    session.headers["Accept-Language"] = "ar"
    if user_id is not None:
        session.cookies.set(app.config.get("SESSION_COOKIE_NAME", "session"), signed_session(app, user_id),
                            domain="127.0.0.1", path="/")
    session.base = base
    return session


def csrf_token(html: str) -> str:
    found = _CSRF.search(html)
    if not found:
        raise AssertionError("no CSRF token in the page")
    return found.group(1) or found.group(2)
