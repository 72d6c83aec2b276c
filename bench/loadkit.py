"""What the load scripts (and the tests that use them) share: the app served by gunicorn in a process of its own,
browsers simulated over HTTP (a cookie jar, the CSRF token read from each form), a session cookie signed like
the app's own so that a simulated user need not spend a password hash to sign in, and wrk (Debian's, `make
bench-deps`) run against a page with its figures read back."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(env: dict, workers: int = 4, threads: int = 1, timeout: float = 120.0, app: str = "wsgi:app"):
    """The app under gunicorn (sync workers) on a free port; yields its base URL once /healthz answers.
    `app` names another WSGI application (which must answer /healthz too)."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("gunicorn")), "--workers", str(workers), "--threads", str(threads),
               "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5", "--log-level", "warning", app]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}")
            with contextlib.suppress(requests.RequestException):  # not listening yet
                if requests.get(f"{base}/healthz", timeout=10).status_code == 200:
                    break
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


def bench_environment() -> str:
    """The load scripts' settings: a PostgreSQL database of their own (JISR_DATABASE_URL, returned), a secret key
    shared with the gunicorn they start, rate limits off (every simulated person comes from 127.0.0.1)."""
    url = os.environ.get("JISR_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        sys.exit("Set JISR_DATABASE_URL to a PostgreSQL database of its own.")
    os.environ.setdefault("JISR_SECRET_KEY", "bench-" + secrets.token_hex(8))
    os.environ["JISR_RATELIMIT_ENABLED"] = "0"
    return url


def fresh_database(app) -> None:
    """Empty the benchmark's own database and build it again by the migrations, with the reference data (regions,
    provinces, sectors): what every load script starts from."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from jisr.extensions import db
    from jisr.geo.reference import load_reference_data

    with app.app_context():
        db.drop_all()
        db.session.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade()
        load_reference_data()
        db.session.commit()


def signed_session(app, user_id: int, **extra) -> str:
    """A session cookie value for `user_id`, as the app signs them (the simulated user is signed in); `extra`
    adds other keys of the session (bench/national.py: what a browser's session holds after a first page)."""
    return app.session_interface.get_signing_serializer(app).dumps({"_user_id": str(user_id), "_fresh": True,
                                                                    **extra})


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


# -- wrk: the load generator of bench/national.py -------------------------------------------------------------

WRK = shutil.which("wrk") or "/usr/bin/wrk"
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


@dataclass
class Request:
    """One request wrk sends, again and again: a path, its method, a form body and its own headers."""

    path: str
    method: str = "GET"
    body: str = ""
    headers: dict = field(default_factory=dict)


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50: float  # milliseconds
    p95: float
    p99: float
    bad_status: int  # responses other than 2xx and 3xx
    socket_errors: int  # connect, read, write errors and timeouts
    output: str


def _lua(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _script(requests_: list[Request], threads: int) -> str:
    """A Lua script for wrk: the requests in turn (each thread starting at its own place in the list, so that
    two threads do not send the same one at the same moment), and p95 printed at the end."""
    lines = ["local requests = {"]
    for r in requests_:
        headers = ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in r.headers.items())
        lines.append(f"  {{method = {_lua(r.method)}, path = {_lua(r.path)}, body = {_lua(r.body)}, "
                     f"headers = {{{headers}}}}},")
    lines += ["}", "local threads = 0", "function setup(thread)",
              f"  thread:set('first', threads * math.floor(#requests / {threads}))", "  threads = threads + 1",
              "end", "function init(args) counter = first or 0 end", "function request()",
              "  counter = counter + 1", "  local r = requests[(counter % #requests) + 1]",
              "  return wrk.format(r.method, r.path, r.headers, r.body ~= '' and r.body or nil)", "end"]
    return "\n".join(lines)


_DONE = """function done(summary, latency, requests)
  io.write(string.format("bench: p95_us=%d status=%d\\n", latency:percentile(95.0), summary.errors.status))
end
"""


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS[unit]


def parse_wrk(output: str) -> WrkResult:
    """Requests per second, p50 and p99 from wrk's --latency output; p95 from the line the script adds."""
    latency = {int(p): _ms(v, u) for p, v, u in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)}
    count = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h)", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p95 = re.search(r"bench: p95_us=(\d+)", output)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if not (count and rps and latency):
        raise RuntimeError(f"wrk's output not understood:\n{output}")
    return WrkResult(requests=int(count.group(1)), seconds=_ms(count.group(2), count.group(3)) / 1000,
                     rps=float(rps.group(1)), p50=latency.get(50, 0.0), p99=latency.get(99, 0.0),
                     p95=int(p95.group(1)) / 1000 if p95 else float("nan"),
                     bad_status=int(bad.group(1)) if bad else 0,
                     socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0, output=output)


def wrk(base: str, requests_: list[Request], duration: int, connections: int, threads: int = 2,
        timeout: float = 10.0) -> WrkResult:
    """wrk against `base`: one GET given on its command line (`-H` for each header), or a Lua script for
    POSTs and for several requests in turn. Latencies above `timeout` count as socket errors (wrk leaves them
    out of its percentiles), so it is set well above any target."""
    threads = max(1, min(threads, connections))
    command = [WRK, f"-t{threads}", f"-c{connections}", f"-d{duration}s", f"--timeout={timeout:g}s", "--latency"]
    single = len(requests_) == 1 and requests_[0].method == "GET"
    if single:
        for name, value in requests_[0].headers.items():
            command += ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(("" if single else _script(requests_, threads) + "\n") + _DONE)
    try:
        command += ["-s", script.name, base + (requests_[0].path if single else "/")]
        done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 120)
    finally:
        os.unlink(script.name)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


def percentile(values, q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else 0.0
