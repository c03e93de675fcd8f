"""Load and durability run: N concurrent simulated patients against gunicorn (4 workers).

Run from the project root (loopback only; starts and stops everything itself):

    python tests/load/run.py --patients 50 --database both            # load
    python tests/load/run.py --patients 50 --database both --kill     # SIGKILL mid-run

For each database (a temporary SQLite file, then a throwaway PostgreSQL cluster migrated
with `flask --app app db upgrade`), it starts `gunicorn 'app:create_app()'` on a free
127.0.0.1 port, and runs one thread per patient, each with its own cookie jar, through
the whole questionnaire as a browser does (CSRF token and `checked` read from the pages).
It prints completed intakes per second, p50 and p95 per step and for Submit (which
renders the PDF), the count of 5xx answers, and then reads the database directly: every
acknowledged reference (shown on a confirmation page) must be stored, once, with exactly
the answers sent and a PDF whose SHA-256 matches its bytes.

--kill: once 30% of the intakes are acknowledged (--kill-after), at the moment a stored
submission is still waiting for its PDF (a read-only probe of the database; failing that
while a Submit is in flight), SIGKILL the gunicorn master and every worker (its process
group), restart it on the same port, and let the patients retry what failed: every phase
is idempotent (a step saved twice is saved once, Start resumes the draft, a Submit whose
answer was lost finds its submission stored). Then every acknowledged submission must be
whole, none half-written: one whose PDF render was cut short must still have exactly its
answers, and its PDF is rendered on demand with intake.summaries.find_pdf (counted in the
report). --kills N kills again at 60%, 90% of the intakes.

Exits non-zero on any lost or wrong submission, PDF mismatch, 5xx, or unfinished patient.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from intake.questionnaire import STEPS  # noqa: E402
from tests.load.common import (  # noqa: E402
    ONE_ADDRESS_FOR_EVERYONE,
    Browser,
    Gunicorn,
    Patient,
    Stats,
    app_environment,
    close_app,
    database,
    exit_cleanly_on_sigterm,
    log,
    patient_answers,
    percentile,
    product_app,
    sha256,
)

NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass
class Outcome:
    total: int
    acknowledged: dict[str, dict] = field(default_factory=dict)  # reference -> answers sent
    attempted: dict[str, dict] = field(default_factory=dict)  # patient name -> answers sent
    failures: list[str] = field(default_factory=list)
    duplicate_acks: list[str] = field(default_factory=list)
    retries: int = 0
    kills: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    stats: Stats = field(default_factory=Stats)


def warm_up(server: Gunicorn, count: int, timeout: float) -> dict[str, dict]:
    """A few untimed intakes first, so every worker has compiled its templates and loaded fonts."""
    acknowledged: dict[str, dict] = {}
    errors: list[str] = []
    deadline = time.monotonic() + timeout

    def one(number: int) -> None:
        answers = patient_answers(9000 + number)
        try:
            reference = Patient(Browser(server.url), answers, deadline).run()
        except Exception as error:  # noqa: BLE001
            errors.append(f"warm-up {number}: {type(error).__name__}: {error}")
        else:
            acknowledged[reference] = answers

    threads = [threading.Thread(target=one, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    if errors:
        raise RuntimeError("; ".join(errors))
    return acknowledged


class RenderProbe:
    """Read-only look at the database: is a stored submission still waiting for its PDF?

    That is the moment between Submit's commit and the PDF being stored, while the PDF
    renders: the kill that tests the on-demand render best. Submissions an earlier kill
    left without a PDF (rendered on demand only at the end) do not count.
    """

    def __init__(self, url: str):
        from sqlalchemy import create_engine, text

        options = {"connect_args": {"timeout": 1}} if url.startswith("sqlite") else {}
        self.engine = create_engine(url, **options)
        self.query = text("SELECT reference FROM submissions WHERE pdf_sha256 IS NULL")
        self.left_by_earlier_kills: set[str] = set()

    def without_pdf(self) -> set[str]:
        try:
            with self.engine.connect() as connection:
                return set(connection.execute(self.query).scalars())
        except Exception:  # noqa: BLE001 - a busy or restarting database: not now
            return set()

    def rendering(self) -> bool:
        return bool(self.without_pdf() - self.left_by_earlier_kills)

    def after_kill(self) -> None:
        self.left_by_earlier_kills |= self.without_pdf()

    def close(self) -> None:
        self.engine.dispose()


def drive(server: Gunicorn, args, url: str) -> Outcome:
    """Run every patient (threads), killing and restarting the server mid-run in --kill mode."""
    total = args.patients * args.rounds
    outcome = Outcome(total)
    lock = threading.Lock()
    patients_now: list[Patient] = []
    server_cpu_before = server.cpu_seconds()
    client_cpu_before = sum(os.times()[:2])
    start = time.monotonic()
    deadline = start + args.timeout
    last_ack = [start]

    def patient_thread(number: int) -> None:
        time.sleep(random.uniform(0, 0.2))  # patients do not all press Start in the same ms
        for round_ in range(args.rounds):
            answers = patient_answers(number, round_)
            with lock:
                outcome.attempted[answers["full_name"]] = answers
            patient = Patient(
                Browser(server.url, outcome.stats, timeout=30), answers, deadline, retry=args.kill
            )
            with lock:
                patients_now.append(patient)
            try:
                reference = patient.run()
            except Exception as error:  # noqa: BLE001 - every failure is reported
                with lock:
                    outcome.failures.append(
                        f"patient {number} round {round_}: {type(error).__name__}: {error}"
                    )
                return
            finally:
                with lock:
                    patients_now.remove(patient)
                    outcome.retries += patient.retries
            with lock:
                if reference in outcome.acknowledged:
                    outcome.duplicate_acks.append(reference)
                outcome.acknowledged[reference] = answers
                last_ack[0] = time.monotonic()

    def killer() -> None:
        probe = RenderProbe(url)
        try:
            for k in range(1, args.kills + 1):
                if not kill_once(k, probe):
                    return
                probe.after_kill()
        finally:
            probe.close()

    def kill_once(k: int, probe: RenderProbe) -> bool:
        threshold = max(1, int(total * min(0.9, args.kill_after * k)))
        armed_at = None
        while time.monotonic() < deadline:
            with lock:
                done = len(outcome.acknowledged) + len(outcome.failures)
                submitting = sum(p.in_submit for p in patients_now)
            if done >= total:
                return False
            if done >= threshold:
                armed_at = armed_at or time.monotonic()
                # Best moment: a submission committed, its PDF still rendering; failing
                # that (after 2 s), while a Submit is in flight; failing that, now.
                waited = time.monotonic() - armed_at
                if probe.rendering():
                    moment = "a stored submission's PDF still rendering"
                    break
                if waited > 2 and submitting:
                    moment = f"{submitting} Submit(s) in flight"
                    break
                if waited > 4:
                    moment = "no Submit in flight"
                    break
                time.sleep(0.001)
                continue
            time.sleep(0.002)
        else:
            return False
        killed_at = time.monotonic()
        server.kill9()
        gone = time.monotonic() - killed_at
        time.sleep(args.down)
        restarted_at = time.monotonic()
        try:
            server.start()
        except Exception as error:  # noqa: BLE001
            outcome.kills.append(f"kill {k}: RESTART FAILED: {error}")
            return False
        outcome.kills.append(
            f"kill {k}: SIGKILL to the process group after {done}/{total} acknowledged, "
            f"with {moment}; all processes gone in {gone:.2f} s, restarted "
            f"after {args.down:.1f} s, {args.workers} workers answering "
            f"{time.monotonic() - restarted_at:.2f} s later"
        )
        return True

    threads = [
        threading.Thread(target=patient_thread, args=(n,), daemon=True)
        for n in range(args.patients)
    ]
    kill_thread = threading.Thread(target=killer, daemon=True) if args.kill else None
    for thread in threads:
        thread.start()
    if kill_thread:
        kill_thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + 5)
    if kill_thread:
        kill_thread.join(max(0.0, deadline - time.monotonic()) + 60)
    with lock:
        unfinished = total - len(outcome.acknowledged) - len(outcome.failures)
        if unfinished > 0:
            outcome.failures.append(
                f"{unfinished} intake(s) unfinished at the {args.timeout} s limit"
            )
    outcome.elapsed = last_ack[0] - start
    outcome.server_cpu = server.cpu_seconds() - (0 if outcome.kills else server_cpu_before)
    outcome.client_cpu = sum(os.times()[:2]) - client_cpu_before
    return outcome


@dataclass
class Verification:
    stored: int = 0
    lost: list[str] = field(default_factory=list)
    wrong_answers: list[str] = field(default_factory=list)
    pdf_bad: list[str] = field(default_factory=list)
    rerendered: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    unacknowledged: list[str] = field(default_factory=list)
    drafts_left: int = 0


def pdf_problem(reference: str, pdf: bytes | None, digest: str | None) -> str | None:
    """Why a stored PDF is not whole, or None."""
    if pdf is None or digest is None:
        return "no PDF"
    if sha256(pdf) != digest:
        return "SHA-256 does not match the bytes"
    if not pdf.startswith(b"%PDF-") or b"%%EOF" not in pdf[-1024:]:
        return "truncated PDF"
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    try:
        reader = PdfReader(io.BytesIO(pdf))
        if not reader.pages or reference not in reader.pages[0].extract_text():
            return "PDF does not show its reference"
    except Exception as error:  # noqa: BLE001
        return f"PDF unreadable: {error}"
    return None


def verify(url: str, acknowledged: dict[str, dict], attempted: dict[str, dict]) -> Verification:
    """Read the database directly: every acknowledged reference stored once, whole.

    Stored submissions nobody saw acknowledged (possible only when a run is cut short)
    must be whole too: exactly the answers that patient sent.
    """
    from sqlalchemy import func, select

    from intake import services, summaries
    from intake.extensions import db
    from intake.models import Draft, Submission

    result = Verification()
    app = product_app(url)
    try:
        with app.app_context():
            zone = app.config["TIMEZONE"]
            rows = db.session.scalars(select(Submission)).all()
            result.stored = len(rows)
            by_reference = {row.reference: row for row in rows}
            names: dict[str, int] = {}
            for row in rows:
                names[row.patient_name] = names.get(row.patient_name, 0) + 1
                if row.reference not in acknowledged:
                    result.unacknowledged.append(f"{row.reference} ({row.patient_name})")
                    if row.answers != attempted.get(row.patient_name):
                        result.wrong_answers.append(f"{row.reference} (not acknowledged)")
            result.duplicates = [f"{n} stored {c} times" for n, c in names.items() if c > 1]
            missing_pdf = []
            for reference, answers in acknowledged.items():
                row = by_reference.get(reference)
                if row is None:
                    result.lost.append(reference)
                    continue
                if row.answers != answers or row.patient_name != answers["full_name"]:
                    differ = sorted(
                        k
                        for k in answers.keys() | row.answers.keys()
                        if answers.get(k) != row.answers.get(k)
                    )
                    result.wrong_answers.append(f"{reference} ({', '.join(differ)})")
                pdf = services.pdf_of(row)  # opened with the submission's own key
                if pdf is None:
                    missing_pdf.append(reference)
                    continue
                problem = pdf_problem(reference, pdf, row.pdf_sha256)
                if problem:
                    result.pdf_bad.append(f"{reference}: {problem}")
            db.session.rollback()
            for (
                reference
            ) in missing_pdf:  # render cut short: rendered on demand, as the clinic would
                summaries.find_pdf(reference, zone)
                result.rerendered.append(reference)
            db.session.expire_all()
            for reference in missing_pdf:
                row = db.session.scalar(select(Submission).where(Submission.reference == reference))
                problem = pdf_problem(reference, services.pdf_of(row), row.pdf_sha256)
                if problem:
                    result.pdf_bad.append(f"{reference} (re-rendered): {problem}")
            result.drafts_left = db.session.scalar(select(func.count()).select_from(Draft))
            db.session.rollback()
    finally:
        close_app(app)
    return result


def step_table(stats: Stats) -> list[str]:
    def cell(label: str) -> str:
        times = stats.times.get(label, [])
        if not times:
            return f"{'-':>8} {'-':>8}"
        return f"{percentile(times, 50):>8.1f} {percentile(times, 95):>8.1f}"

    lines = [f"  {'step':<22} {'GET p50':>8} {'GET p95':>8} {'POST p50':>8} {'POST p95':>8}  ms"]
    lines.append(f"  {'start page / Start':<22} {cell('GET /')} {cell('POST /start')}")
    for step in STEPS:
        lines.append(f"  {step.slug:<22} {cell(f'GET {step.slug}')} {cell(f'POST {step.slug}')}")
    lines.append(f"  {'check answers / Submit':<22} {cell('GET check-answers')} {cell('submit')}")
    lines.append(f"  {'confirmation':<22} {cell('GET confirmation')}")
    submits = stats.times.get("submit", [])
    if submits:
        lines.append(
            f"  Submit (stores the submission and renders its PDF): p50 {percentile(submits, 50):.1f} ms, "
            f"p95 {percentile(submits, 95):.1f} ms, max {max(submits):.1f} ms, n={len(submits)}"
        )
    return lines


def run_one(kind: str, args) -> bool:
    mode = f"kill -9 x{args.kills}" if args.kill else "load"
    log(
        f"\n== {NAMES[kind]}: {args.patients} concurrent patients x {args.rounds} intake(s), "
        f"gunicorn {args.workers} workers, {mode}"
    )
    logs = Path(tempfile.mkdtemp(prefix="intake-load-logs."))
    with database(kind) as url:
        server = Gunicorn(
            app_environment(url, **ONE_ADDRESS_FOR_EVERYONE),
            workers=args.workers,
            log_path=logs / f"gunicorn-{kind}.log",
        )
        try:
            server.start()
            warmed = warm_up(server, args.warmup, args.timeout) if args.warmup else {}
            outcome = drive(server, args, url)
        finally:
            server.stop()
        verification = verify(
            url,
            {**warmed, **outcome.acknowledged},
            {**{a["full_name"]: a for a in warmed.values()}, **outcome.attempted},
        )
    if warmed:
        log(f"  warm-up: {len(warmed)} untimed intakes first (verified with the rest)")
    stats = outcome.stats
    requests = sum(stats.statuses.values())
    rate = len(outcome.acknowledged) / outcome.elapsed if outcome.elapsed else 0.0
    for line in outcome.kills:
        log(f"  {line}")
    log(
        f"  completed intakes: {len(outcome.acknowledged)}/{outcome.total} in {outcome.elapsed:.2f} s"
        f" = {rate:.1f} intakes/s"
    )
    network = sum(stats.errors.values())
    log(
        f"  requests: {requests}, 5xx: {stats.count_5xx}, network errors: {network}"
        f"{' ' + dict(stats.errors).__repr__() if network else ''}, retries: {outcome.retries}"
    )
    log(
        f"  CPU: server {outcome.server_cpu:.1f} s{' (since the last restart)' if outcome.kills else ''}, "
        f"client (this process) {outcome.client_cpu:.1f} s, on {os.cpu_count()} CPUs"
    )
    for line in step_table(stats):
        log(line)
    v = verification
    log(
        f"  database: {len(outcome.acknowledged) + len(warmed)} acknowledged, {v.stored} stored, lost {len(v.lost)}, "
        f"answers differ {len(v.wrong_answers)}, PDF bad {len(v.pdf_bad)}, "
        f"PDF re-rendered on demand {len(v.rerendered)}, duplicates {len(v.duplicates)}, "
        f"stored but not acknowledged {len(v.unacknowledged)}, drafts left {v.drafts_left}"
    )
    server_log = {
        "tracebacks": len(server.log_lines(r"^Traceback")),
        "database is locked": len(server.log_lines("database is locked")),
        "PDF rendering failed": len(server.log_lines("PDF rendering failed")),
        "worker timeouts": len(server.log_lines("WORKER TIMEOUT")),
    }
    log("  server log: " + ", ".join(f"{k} {n}" for k, n in server_log.items()))
    problems = []
    if outcome.failures:
        problems.append(
            f"{len(outcome.failures)} patient(s) failed: " + "; ".join(outcome.failures[:5])
        )
    if stats.count_5xx:
        problems.append(f"{stats.count_5xx} 5xx answers: {stats.server_errors[:5]}")
    if network and not args.kill:
        problems.append(f"{network} network errors without any kill")
    for name, items in (
        ("lost", v.lost),
        ("answers differ", v.wrong_answers),
        ("PDF bad", v.pdf_bad),
        ("duplicate submissions", v.duplicates),
        ("one reference acknowledged twice", outcome.duplicate_acks),
    ):
        if items:
            problems.append(f"{name}: {items[:5]}")
    if args.kill and len(outcome.kills) < args.kills:
        problems.append(
            f"only {len(outcome.kills)} of {args.kills} kill(s) happened (run too short?)"
        )
    if v.rerendered and args.kill:
        log(
            f"  PDF render cut short by the kill, answers whole, PDF rendered on demand with "
            f"intake.summaries.find_pdf: {', '.join(v.rerendered)}"
        )
    elif v.rerendered:
        problems.append(f"acknowledged without a stored PDF (no kill): {v.rerendered[:5]}")
    if v.unacknowledged:
        log(f"  note: stored but never acknowledged: {v.unacknowledged[:5]}")
    for problem in problems:
        log(f"  PROBLEM: {problem}")
    if problems:
        log(f"  server log kept: {server.log_path}; its tail:\n{server.log_tail(15)}")
    ok = not problems
    log(f"  RESULT on {NAMES[kind]}: {'PASS' if ok else 'FAIL'}")
    if ok:
        import shutil

        shutil.rmtree(logs, ignore_errors=True)
    return ok


def main() -> int:
    exit_cleanly_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=50, help="concurrent patients (50)")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--kill", action="store_true", help="SIGKILL the server mid-run and restart"
    )
    parser.add_argument("--kills", type=int, default=1, help="how many kills in --kill mode (1)")
    parser.add_argument(
        "--kill-after", type=float, default=0.3,
        help="kill once this share of the intakes is acknowledged (0.3)",
    )  # fmt: skip
    parser.add_argument(
        "--down", type=float, default=0.5, help="seconds the server stays down (0.5)"
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="intakes per patient, one after another (1)"
    )
    parser.add_argument("--warmup", type=int, default=8, help="untimed intakes before the run (8)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument(
        "--timeout", type=float, default=300, help="wall-clock limit per database, s (300)"
    )
    args = parser.parse_args()
    if not 1 <= args.patients <= 500 or not 1 <= args.rounds <= 100:
        parser.error("--patients must be 1..500 and --rounds 1..100 (bounded runs)")
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    results = {}
    for kind in kinds:
        try:
            results[kind] = run_one(kind, args)
        except Exception:  # noqa: BLE001
            traceback.print_exc()
            results[kind] = False
    log("\n== " + ", ".join(f"{NAMES[k]}: {'PASS' if ok else 'FAIL'}" for k, ok in results.items()))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
