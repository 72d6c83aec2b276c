"""What the page benchmarks share: one request counted (its SQL statements), then timed again and again."""

from __future__ import annotations

import time
from collections import Counter

import sqlalchemy as sa
from flask import g


def timed_get(client, engine, path: str, repeat: int, clock=time.perf_counter):
    """The first response, its number of SQL statements, and `repeat` timings in ms, sorted. The benchmarks hold
    an app context open, which Flask reuses for the client's requests: `g` (and the signed-in user cached there)
    is emptied before each, as a fresh request in production starts. `clock=time.process_time` times the CPU the
    process spent instead (SQLite runs in it): what a machine busy with other work does not inflate."""
    counter = {"n": 0}

    def count(*_args):
        counter["n"] += 1

    g.pop("_login_user", None)
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    timings = []
    for _ in range(repeat):
        g.pop("_login_user", None)
        start = clock()
        client.get(path)
        timings.append((clock() - start) * 1000)
    return response, counter["n"], sorted(timings)


def fresh_g() -> None:
    """The app context held open is reused by the test client's requests: empty `g` (the signed-in user,
    Flask-WTF's CSRF secret) as a fresh request in production starts."""
    for name in list(g):
        g.pop(name)


def counted(client, engine, method: str, path: str, data: dict | None = None) -> tuple[int, list[str]]:
    """The status and the SQL statements of one request through the test client."""
    statements = []

    def count(_connection, _cursor, statement, *_args):
        statements.append(statement)

    fresh_g()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.open(path, method=method, data=data)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return response.status_code, statements


def show_statements(statements: dict) -> None:
    """Each page's statements, the same text counted once with its number of runs (an N+1 shows as a count)."""
    for name, texts in statements.items():
        print(f"\n{name}: {len(texts)} statements")
        for text, n in Counter(" ".join(t.split()) for t in texts).items():
            print(f"  {n:>3} x {text[:220]}")
