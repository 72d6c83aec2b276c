"""Memory of the files export: the peak (tracemalloc) while exporting all files as CSV and as XLSX, for a small
and a large database in the same run. Constant memory means the two peaks are about the same.

    .venv/bin/python bench/exports.py [--small 20000] [--large 200000]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import sqlalchemy as sa
from dashboard import create_app, db, fill, seed_demo, upgrade  # also sets up the bench's environment

from jisr.auth.models import User
from jisr.stats import exports


def measure(admin, kind: str) -> tuple[int, float, int]:
    """Peak bytes, seconds and output bytes of one export of every file."""
    tracemalloc.start()
    started = time.perf_counter()
    rows = exports.file_rows(admin, pseudonymised=False)
    if kind == "csv":
        size = sum(len(chunk.encode()) for chunk in exports.csv_stream(rows))
    else:
        target = exports.xlsx_file(rows, "Files")
        size = len(target.read())
        target.close()
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, elapsed, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--large", type=int, default=200_000)
    args = parser.parse_args()
    app = create_app()
    with app.app_context(), app.test_request_context("/?lang=fr"):
        upgrade()
        seed_demo(__import__("datetime").date.today())
        db.session.commit()
        admin = db.session.scalar(sa.select(User).where(User.role == "admin"))
        done = 0
        print(f"{'files':>8} {'format':>6} {'peak MB':>8} {'seconds':>8} {'output MB':>9}")
        for total in (args.small, args.large):
            fill(total - done, seed=total, first_number=done)
            done = total
            for kind in ("csv", "xlsx"):
                peak, elapsed, size = measure(admin, kind)
                print(f"{total:>8} {kind:>6} {peak / 2**20:>8.1f} {elapsed:>8.1f} {size / 2**20:>9.1f}")


if __name__ == "__main__":
    main()
