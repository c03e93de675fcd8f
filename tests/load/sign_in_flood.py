"""A sign-in flood from one address, with and without the rate limit (issue 14, F3).

Run from the project root (loopback only; starts and stops everything itself):

    python tests/load/sign_in_flood.py [--seconds 5] [--threads 8]

For each of two servers on a throwaway SQLite file (2 gunicorn workers each), one with the
rate limits SPEC section 7 sets and one with the sign-in limit lifted (as before issue 14):

1. a patient reads the start page every 50 ms for `--seconds`, alone: the baseline;
2. the same again while `--threads` browsers from the same address post wrong sign-ins
   as fast as they are answered (at most 20,000 in all), each to an email of its own.

Prints, per server: the sign-ins sent and answered 200 (refused password) or 429 (rate
limit), how many reached the password check (audit events written), and the patient's
page time p50 and p95 alone and during the flood. Exits non-zero when, with the limit on,
more than 10 sign-ins a started minute reach the password check, or any answer is a 5xx.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.load.common import (  # noqa: E402
    Browser,
    Gunicorn,
    app_environment,
    exit_cleanly_on_sigterm,
    log,
    percentile,
)

MAX_SIGN_INS = 20_000
PATIENT_EVERY = 0.05  # seconds between the patient's page reads
SIGN_IN_LIMIT = 10  # SPEC section 7: sign-in attempts a minute per client address


def patient_pages(url: str, seconds: float) -> list[float]:
    """The start page's time, read every PATIENT_EVERY for `seconds`, in milliseconds."""
    browser, times = Browser(url), []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        times.append(browser.get("/", label="patient").ms)
        time.sleep(PATIENT_EVERY)
    return times


def flood(url: str, seconds: float, threads: int) -> Counter[int]:
    """Wrong sign-ins from `threads` browsers until `seconds` pass; their answers' statuses."""
    statuses: Counter[int] = Counter()
    emails = itertools.count(1)  # each guess to an email of its own: no account lock is met
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def guesser() -> None:
        browser = Browser(url)
        token = browser.get("/clinic/login").hidden_fields()["csrf_token"]
        while time.monotonic() < deadline:
            with lock:
                if statuses.total() >= MAX_SIGN_INS:
                    return
                guess = next(emails)
            answer = browser.post(
                "/clinic/login",
                {"csrf_token": token, "email": f"guess{guess}@flood.test", "password": "wrong"},
            )
            with lock:
                statuses[answer.status] += 1

    workers = [threading.Thread(target=guesser) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=seconds + 60)
    return statuses


def passwords_checked(database: Path) -> int:
    """Sign-ins refused after their password was checked, as the audit log counts them."""
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT count(*) FROM audit_events WHERE action = 'sign_in' AND outcome = 'failure'"
        ).fetchone()[0]


def run(limit_on: bool, seconds: float, threads: int, folder: Path) -> dict:
    database = folder / f"flood-{'limited' if limit_on else 'unlimited'}.sqlite3"
    extra = {} if limit_on else {"INTAKE_RATE_LIMIT_SIGN_IN": str(MAX_SIGN_INS)}
    server = Gunicorn(app_environment(f"sqlite:///{database}", **extra), workers=2).start()
    try:
        alone = patient_pages(server.url, seconds)
        during: list[float] = []
        patient = threading.Thread(target=lambda: during.extend(patient_pages(server.url, seconds)))
        started = time.monotonic()
        patient.start()
        statuses = flood(server.url, seconds, threads)
        patient.join(timeout=seconds + 60)
        minutes = math.ceil((time.monotonic() - started) / 60)
    finally:
        server.stop()
    return {
        "sent": statuses.total(),
        "refused": statuses[200],
        "limited": statuses[429],
        "5xx": sum(count for status, count in statuses.items() if status >= 500),
        "checked": passwords_checked(database),
        "minutes": minutes,
        "alone": alone,
        "during": during,
    }


def report(name: str, result: dict) -> None:
    log(f"\n{name}")
    log(
        f"  sign-ins sent {result['sent']:,}: refused password {result['refused']:,}, "
        f"429 {result['limited']:,}, 5xx {result['5xx']}"
    )
    log(f"  reached the password check (audited failures): {result['checked']:,}")
    for label in ("alone", "during"):
        times = result[label]
        log(
            f"  patient's start page {label:>6}: p50 {percentile(times, 50):6.1f} ms  "
            f"p95 {percentile(times, 95):6.1f} ms  ({len(times)} reads)"
        )


def main() -> int:
    exit_cleanly_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=8)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="intake-flood.") as folder:
        limited = run(True, options.seconds, options.threads, Path(folder))
        unlimited = run(False, options.seconds, options.threads, Path(folder))
    report("Without the sign-in limit (as before issue 14)", unlimited)
    report(f"With the sign-in limit ({SIGN_IN_LIMIT} a minute per address)", limited)
    allowed = SIGN_IN_LIMIT * (limited["minutes"] + 1)  # the flood may straddle windows
    failures = []
    if limited["checked"] > allowed:
        failures.append(f"{limited['checked']} sign-ins checked with the limit on (> {allowed})")
    if limited["5xx"] or unlimited["5xx"]:
        failures.append("5xx answers")
    log("\nFAIL: " + "; ".join(failures) if failures else "\nPASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
