"""Real-browser fixtures: Debian's Chromium driven by Playwright (../shared/BROWSER-TESTING.md), the app
served from a thread on the test database, a `world` to put data in place and sign the browser in.

Without Chromium, axe-core, the Nu HTML checker or Java these tests skip with a message saying how to
get them (`make browser-deps`); under CI=true they fail instead, so CI can never pass without them."""

from __future__ import annotations

import logging
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from .audit import AXE, VNU
from .pages import World

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost"]
IN_CI = os.environ.get("CI", "").lower() == "true"
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)
    # The HTML checker validates the pages the audit saved: it runs once they all are.
    last = [item for item in items if item.name == "test_every_audited_page_is_valid_html"]
    items[:] = [item for item in items if item not in last] + last


def missing_tools() -> list[str]:
    missing = []
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"Chromium ({CHROMIUM})")
    if not AXE.is_file():
        missing.append(f"axe-core ({AXE.relative_to(AXE.parents[2])})")
    if not VNU.is_file():
        missing.append(f"vnu-jar ({VNU.relative_to(VNU.parents[4])})")
    if shutil.which("java") is None:
        missing.append("Java (for the Nu HTML checker)")
    return missing


@pytest.fixture(scope="session", autouse=True)
def browser_tools():
    """Skip (fail in CI) when a tool is missing, before anything tries to launch the browser."""
    missing = missing_tools()
    if missing:
        message = ("Browser tests need " + ", ".join(missing) + ". Run `make browser-deps` (as root it installs "
                   "Debian's chromium and a Java runtime; npm installs axe-core and vnu-jar), or install Debian's "
                   "chromium yourself / set CHROMIUM_PATH.")
        if IN_CI:
            pytest.fail("CI=true: the browser tests must run. " + message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, browser_tools):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_app(make_app, _schema):
    """The app as a browser meets it: CSRF on, on the same test database as the other fixtures."""
    return make_app(WTF_CSRF_ENABLED=True, TESTING=False)


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="jisr-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="session")
def base_url(live_server):
    """pytest-playwright's base_url: every context opens relative addresses on the live server."""
    return live_server


class _ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))


@pytest.fixture(autouse=True)
def server_errors(live_app):
    """A browser test fails if the server logged an error (an exception behind a friendly 500 page)."""
    handler = _ErrorLog()
    live_app.logger.addHandler(handler)
    yield handler.records
    live_app.logger.removeHandler(handler)
    assert not handler.records, "the server logged errors:\n" + "\n".join(handler.records)


@pytest.fixture(autouse=True)
def live_settings(live_app):
    """A page's setup may change the live app's settings (pages_jobs.py gives it a job queue): put back after
    each test."""
    saved = dict(live_app.config)
    yield
    live_app.config.clear()
    live_app.config.update(saved)


@pytest.fixture(scope="session")
def saved_pages(tmp_path_factory):
    """Where audited pages are saved as served, for one run of the Nu HTML checker over all of them."""
    return tmp_path_factory.mktemp("pages")


@pytest.fixture
def world(app, client, make_user, make_programme, province, journey_ids, live_app, live_server):
    """Data and sign-in for a browser test: `world.sign_in(context, user)`, drafts, sent files..."""
    return World(client=client, make_user=make_user, make_programme=make_programme, province=province,
                 journey_ids=journey_ids, live_app=live_app, base_url=live_server)
