"""Benchmark: the clinic at a million submissions (SPEC section 12, "Scale").

Run from the project root:
    python tests/bench_scale.py [--count N] [--database-url URL] [--no-sqlite] [--requests N]

For each database (SQLite in a temporary folder, always unless --no-sqlite; PostgreSQL when
--database-url names an EMPTY database, which is migrated here), it signs up a clinician,
adds N synthetic submissions (default 1,000,000) with `intake.demo.add_synthetic`, the code
behind `flask --app app demo --count N`, and prints the rate; then, signed in as the
clinician through Flask's test client (the whole app: sign-in, CSRF, templates, sealed
names opened, flags assessed), it times each kind of request N times (default 30) after 2
warm-ups and prints p50 and p95:
- the list: its first page, the next page through the page's position (Next page), and the
  last page (a page number past the last);
- a name search: a common last name (thousands of matches) and a rare full name;
- a reference search: a whole reference, and part of one (its first five characters, dash
  included);
- /clinic/day for today, the demo's busiest day.
Then the database's size: SQLite's file and key store (after a checkpoint), or PostgreSQL's
pg_database_size. PostgreSQL gets VACUUM ANALYZE after the bulk load, as autovacuum would.
Target: p95 well under a second each. The SQLite folder is deleted at the end; the
PostgreSQL database is left as it is (drop it yourself).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, text  # noqa: E402

from intake import clock, database, demo  # noqa: E402
from intake.app import create_app  # noqa: E402
from intake.clinic import services as staff  # noqa: E402
from intake.extensions import db  # noqa: E402
from intake.models import Submission  # noqa: E402

CLINICIAN, PASSWORD = "bench@clinic.test", "a long bench password"
DATA_KEYS = "YmVuY2gtc2NhbGUtZGF0YS1rZXktMzItYnl0ZXMhISE"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HIDDEN = re.compile(r'name="(shown_\w+)" value="([^"]*)"')
TARGET_MS = 1000.0


def build(url: str, count: int):
    app = create_app(
        {"SECRET_KEY": "bench", "DATA_KEYS": DATA_KEYS, "DATABASE_URL": url, "TIMEZONE": "UTC"}
    )
    database.upgrade_schema(app)
    with app.app_context():
        staff.create_user(CLINICIAN, PASSWORD, "clinician")
        done = demo.add_synthetic(count, clock.today("UTC"))
        print(
            f"  built: {done.submissions:,} submissions, {done.appointments:,} appointments "
            f"in {done.seconds:.0f} s ({done.rate:,.0f} submissions a second)"
        )
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                started = time.perf_counter()
                c.execute(text("VACUUM ANALYZE"))
                print(f"  VACUUM ANALYZE: {time.perf_counter() - started:.0f} s")
        db.session.remove()
    return app


class Clinician:
    def __init__(self, app):
        self.client = app.test_client()
        token = CSRF.search(self.client.get("/clinic/login").get_data(as_text=True)).group(1)
        signed_in = self.client.post(
            "/clinic/login", data={"csrf_token": token, "email": CLINICIAN, "password": PASSWORD}
        )
        assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[:500]
        self.token = CSRF.search(self.get("/clinic/")).group(1)

    def get(self, url: str) -> str:
        response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.get_data(as_text=True)

    def post(self, **form) -> str:
        response = self.client.post("/clinic/", data={"csrf_token": self.token, **form})
        assert response.status_code == 200, (form, response.status_code)
        return response.get_data(as_text=True)


def timed(name: str, request, times: int, check) -> tuple[str, float, float]:
    for _ in range(2):
        check(request())
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        page = request()
        samples.append((time.perf_counter() - started) * 1000)
        check(page)
    samples.sort()
    p50 = statistics.median(samples)
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    print(f"  {name:<38} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
    return name, p50, p95


def caption(page: str) -> str:
    return re.search(r'<p class="caption" role="status">([^<]*)</p>', page).group(1)


def measure(app, times: int) -> list[tuple[str, float, float]]:
    with app.app_context():
        reference = db.session.scalar(
            select(Submission.reference).order_by(Submission.id.desc()).limit(1)
        )
        db.session.remove()
    common = demo.LAST_NAMES[0]
    rare = f"{demo.FIRST_NAMES[-1]} {demo.LAST_NAMES[-1]}"
    staff_member = Clinician(app)
    first = staff_member.get("/clinic/")
    shown = dict(HIDDEN.findall(first))
    print(f"  the list: {caption(first)}")
    for query in (common, rare, reference, reference[:6]):
        print(f"  {query!r}: {caption(staff_member.post(q=query))}")

    def listed(page: str) -> None:
        assert 'class="reference-cell"' in page

    results = [
        timed("list, first page", lambda: staff_member.get("/clinic/"), times, listed),
        timed("list, next page", lambda: staff_member.post(page="2", **shown), times, listed),
        timed("list, last page", lambda: staff_member.post(page=str(10**18)), times, listed),
        timed(f"name, common ({common})", lambda: staff_member.post(q=common), times, listed),
        timed(f"name, rare ({rare})", lambda: staff_member.post(q=rare), times, listed),
        timed("reference, whole", lambda: staff_member.post(q=reference), times, listed),
        timed("reference, part", lambda: staff_member.post(q=reference[:6]), times, listed),
        timed(
            "Clinic day, today",
            lambda: staff_member.get("/clinic/day"),
            times,
            lambda page: re.search(r"\d+ appointments?: \d+ submitted", page) or 1 / 0,
        ),
    ]
    return results


def size_of(app) -> str:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            size = db.session.scalar(text("SELECT pg_database_size(current_database())"))
            db.session.remove()
            return f"{size / 2**30:.2f} GiB (pg_database_size)"
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.execute(text("PRAGMA intake_keys.wal_checkpoint(TRUNCATE)"))
        db.session.remove()
        path = db.engine.url.database
        data, key_store = os.path.getsize(path), os.path.getsize(database.key_store_file(path))
        return (
            f"{(data + key_store) / 2**30:.2f} GiB "
            f"(data {data / 2**30:.2f} GiB, key store {key_store / 2**20:.0f} MiB)"
        )


def run(label: str, url: str, count: int, times: int) -> bool:
    print(f"{label}: {count:,} submissions")
    app = build(url, count)
    results = measure(app, times)
    print(f"  size: {size_of(app)}")
    slow = [name for name, _, p95 in results if p95 >= TARGET_MS]
    print(f"  {'over the target: ' + ', '.join(slow) if slow else 'every p95 under 1 s'}")
    with app.app_context():
        db.engine.dispose()
    return not slow


def main() -> int:
    logging.getLogger("intake.requests").setLevel(logging.WARNING)  # a line a request
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="submissions (1,000,000)")
    parser.add_argument("--database-url", help="an EMPTY PostgreSQL database to bench as well")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--requests", type=int, default=30, help="requests timed per kind (30)")
    arguments = parser.parse_args()
    good = True
    if not arguments.no_sqlite:
        with tempfile.TemporaryDirectory(prefix="intake-scale-") as folder:
            url = f"sqlite:///{folder}/intake.sqlite3"
            good &= run("SQLite", url, arguments.count, arguments.requests)
    if arguments.database_url:
        good &= run("PostgreSQL", arguments.database_url, arguments.count, arguments.requests)
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
