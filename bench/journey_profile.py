"""Where an applicant's journey spends its CPU: the surge's journey (bench/surge.py) run in this process through
Flask's test client, one applicant after another, printing per kind of request the CPU time (of this process:
the app and the driver, not the database server) and the SQL statements, and with --profile the functions that
took the most. For finding what to fix when bench/surge.py misses its target; not part of `make test`.

    JISR_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/surge .venv/bin/python bench/journey_profile.py \
        [--applicants 40] [--profile 30]

The database is emptied and built by the migrations first (as bench/surge.py does): give it one of its own.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402
import surge  # noqa: E402
from loadkit import bench_environment, percentile  # noqa: E402

from jisr.extensions import db  # noqa: E402


class _Response:
    """What surge.journey reads of a response, from the test client's."""

    def __init__(self, response):
        self.status_code = response.status_code
        self.headers = response.headers
        self.text = response.get_data(as_text=True)


class _Client:
    """The test client with the calls of a requests.Session that surge.journey makes."""

    def __init__(self, app):
        self.client = app.test_client()
        self.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ar"

    def get(self, url, timeout=None):
        return _Response(self.client.get(url.removeprefix("http://localhost"), follow_redirects=True))

    def post(self, url, data, files=None, allow_redirects=False, timeout=None):
        form = dict(data)
        for name, (filename, content, mimetype) in (files or {}).items():
            import io
            form[name] = (io.BytesIO(content), filename, mimetype)
        return _Response(self.client.post(url.removeprefix("http://localhost"), data=form,
                                          content_type="multipart/form-data" if files else None))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=40)
    parser.add_argument("--profile", type=int, default=0, help="print this many functions by cumulative time "
                        "(SORT=tottime in the environment: by their own time)")
    parser.add_argument("--kind", help='profile only this kind of request (e.g. "GET identity")')
    parser.add_argument("--queries", action="store_true", help="print the SQL statements of the last journey")
    args = parser.parse_args()
    bench_environment()
    os.environ.setdefault("JISR_UPLOAD_DIR", f"/tmp/jisr-profile-{secrets.token_hex(4)}")
    from jisr import create_app

    app = create_app()
    province_id, sector_id = surge.prepare(app)

    cpu: dict[str, list[float]] = defaultdict(list)
    queries: dict[str, list[int]] = defaultdict(list)
    statements = [0]
    last: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements[0] += 1
        last.append(" ".join(statement.split())[:160])

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)

    timed = surge._timed

    def measured(kind, call, expect=(200, 302, 303)):
        statements[0] = 0
        last.append(f"-- {kind}")
        only = profiler is not None and kind == args.kind
        if only:
            profiler.enable()
        start = time.process_time()
        try:
            return timed(kind, call, expect)
        finally:
            if only:
                profiler.disable()
            cpu[kind].append((time.process_time() - start) * 1000)
            queries[kind].append(statements[0])

    surge._timed = measured
    surge.browser = lambda base: _Client(app)
    profiler = cProfile.Profile() if args.profile else None
    journey_cpu = time.process_time()
    if profiler and not args.kind:
        profiler.enable()
    done = 0
    for n in range(args.applicants):
        last.clear()
        done += surge.journey("http://localhost", n, province_id, sector_id)
    if profiler:
        profiler.disable()
    journey_cpu = time.process_time() - journey_cpu
    print(f"{done} of {args.applicants} journeys complete; errors: {dict(surge._ERRORS) or 'none'}; "
          f"{1000 * journey_cpu / max(done, 1):.0f} ms of CPU per journey in this process")
    print(f"  {'request':<22} {'CPU p50':>8} {'CPU p95':>8} {'queries':>8}  (ms)")
    for kind in sorted(cpu):
        print(f"  {kind:<22} {percentile(cpu[kind], .5):>8.1f} {percentile(cpu[kind], .95):>8.1f} "
              f"{percentile(queries[kind], .5):>8.0f}")
    if args.queries:
        print("\n".join(last))
    if profiler:
        pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(args.profile)


if __name__ == "__main__":
    main()
