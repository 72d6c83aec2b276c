"""The opening-day surge: many simulated applicants, each doing the whole journey over HTTP as a browser would
(register, every step with its page fetched first, an ID card uploaded, the file sent, the receipt), against
gunicorn (sync workers) on PostgreSQL. Prints complete applications per second, p50/p95/p99 per kind of
request, errors, and the CPU the load generator itself took (so that its own cost is not mistaken for the app's).

    JISR_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/surge .venv/bin/python bench/surge.py \
        [--applicants 400] [--concurrency 16] [--workers 4] [--threads 1]

The database is emptied and built by the migrations first: give it a database of its own. Target (issue 9): at
least 8 complete applications per second with p99 under 300 ms and no error, on these 2-core machines with the
load generator on the same machine. Benchmarks are not part of `make test`.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import secrets
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402
from loadkit import bench_environment, browser, csrf_token, fresh_database, gunicorn, percentile  # noqa: E402
from PIL import Image  # noqa: E402

from jisr.extensions import db  # noqa: E402

PASSWORD = "Un jardin sous la pluie 2026"
_TIMES: dict[str, list[float]] = defaultdict(list)
_ERRORS: dict[str, int] = defaultdict(int)
_LOCK = threading.Lock()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((320, 200), 64).convert("RGB").save(buffer, "PNG")
    return buffer.getvalue()


CARD = _png()


def _letters(n: int) -> str:
    """A name part for applicant n (names take letters only)."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out += "abcdefghijklmnopqrstuvwxyz"[r]
        if not n:
            return out.capitalize()


def _timed(kind: str, call, expect=(200, 302, 303)):
    start = time.perf_counter()
    response = call()
    elapsed = (time.perf_counter() - start) * 1000
    with _LOCK:
        _TIMES[kind].append(elapsed)
        if response.status_code not in expect:
            _ERRORS[f"{kind} {response.status_code}"] += 1
    if response.status_code not in expect:
        raise RuntimeError(f"{kind}: {response.status_code}")
    return response


def journey(base: str, n: int, province_id: int, sector_id: int) -> bool:
    """One applicant, from the registration page to her receipt: True when her file was sent."""
    s = browser(base)
    get = lambda kind, path: _timed(f"GET {kind}", lambda: s.get(base + path, timeout=60))  # noqa: E731

    def post(kind, path, data, files=None):
        return _timed(f"POST {kind}", lambda: s.post(base + path, data=data, files=files, allow_redirects=False,
                                                     timeout=60))

    try:
        page = get("register", "/account/register")
        post("register", "/account/register", {"csrf_token": csrf_token(page.text), "full_name": f"Surge {n}",
                                               "phone": f"06{n:08d}", "email": "", "password": PASSWORD,
                                               "password_confirm": PASSWORD})
        page = get("my files", "/applications/")
        started = post("start", "/applications/start", {"csrf_token": csrf_token(page.text)})
        base_path = started.headers["Location"].replace(base, "").rsplit("/", 1)[0]
        steps = [
            ("identity", {"first_name_ar": "فاطمة", "last_name_ar": "العلوي", "first_name_latin": "Fatima",
                          "last_name_latin": "Surge " + _letters(n), "national_id": f"SU{n:06d}",
                          "birth_date": "1992-05-17", "sex": "female", "province_id": province_id,
                          "commune": "Errachidia"}),
            ("situation", {"education_level": "secondary", "family_situation": "single", "disability_type": "none"}),
            ("project", {"project_title": "Atelier de couscous", "project_stage": "idea", "carrier": "individual",
                         "sector_id": sector_id, "project_description": "Préparer et vendre du couscous",
                         "estimated_budget": "25000", "own_contribution": "5000"}),
            ("needs", {"need_training": "y", "need_financing": "y"}),
        ]
        for name, data in steps:
            page = get(name, f"{base_path}/{name}")
            post(name, f"{base_path}/{name}", {"csrf_token": csrf_token(page.text), **data})
        page = get("documents", f"{base_path}/documents")
        post("documents", f"{base_path}/documents", {"csrf_token": csrf_token(page.text), "kind": "id_card"},
             files={"file": ("cnie.png", CARD, "image/png")})
        page = get("review", f"{base_path}/review")
        sent = post("review", f"{base_path}/review", {"csrf_token": csrf_token(page.text), "consent": "y"})
        get("receipt", sent.headers["Location"].replace(base, ""))
        return True
    except Exception:  # counted in _ERRORS; the journey stops there, as a person would
        return False


def prepare(app) -> tuple[int, int]:
    """The surge's database: built afresh, an open call and the demo incubators; the province and sector the
    simulated applicants choose."""
    from jisr.demo import seed_incubators, seed_programme
    from jisr.geo.models import Province, Sector

    fresh_database(app)
    with app.app_context():
        seed_programme(date.today())
        seed_incubators()
        db.session.commit()
        province_id = db.session.scalar(sa.select(Province.id).where(Province.code == "errachidia"))
        sector_id = db.session.scalar(sa.select(Sector.id).where(Sector.code == "handicrafts"))
        db.session.remove()
    return province_id, sector_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    url = bench_environment()
    from jisr import create_app

    app = create_app()
    uploads = Path(os.environ.get("JISR_UPLOAD_DIR") or f"/tmp/jisr-surge-{secrets.token_hex(4)}")
    province_id, sector_id = prepare(app)
    env = {"JISR_DATABASE_URL": url, "JISR_SECRET_KEY": os.environ["JISR_SECRET_KEY"],
           "JISR_RATELIMIT_ENABLED": "0", "JISR_UPLOAD_DIR": str(uploads)}
    with gunicorn(env, workers=args.workers, threads=args.threads) as base:
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            done = list(pool.map(lambda n: journey(base, n, province_id, sector_id), range(args.applicants)))
        elapsed = time.perf_counter() - start
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    load_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    complete = sum(done)
    requests_made = sum(len(v) for v in _TIMES.values())
    print(f"{args.applicants} applicants, {args.concurrency} at a time, gunicorn {args.workers} sync workers "
          f"x {args.threads} threads on PostgreSQL")
    print(f"  {complete} complete applications in {elapsed:.1f} s: {complete / elapsed:.2f} per second; "
          f"{requests_made} requests ({requests_made / elapsed:.0f}/s); errors: {dict(_ERRORS) or 'none'}")
    print(f"  load generator CPU: {load_cpu:.1f} s ({100 * load_cpu / elapsed:.0f}% of one core)")
    every = [t for v in _TIMES.values() for t in v]
    print(f"  every request: p50 {percentile(every, .5):.0f} ms, p95 {percentile(every, .95):.0f} ms, "
          f"p99 {percentile(every, .99):.0f} ms")
    print(f"  {'request':<22} {'n':>6} {'p50':>7} {'p95':>7} {'p99':>7}  (ms)")
    for kind in sorted(_TIMES):
        values = _TIMES[kind]
        print(f"  {kind:<22} {len(values):>6} {percentile(values, .5):>7.0f} {percentile(values, .95):>7.0f} "
              f"{percentile(values, .99):>7.0f}")


if __name__ == "__main__":
    main()
