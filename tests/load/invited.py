"""Invited patients at once (issue 15): N patients open their invitation links and submit,
all at the same time, against gunicorn (4 workers), on SQLite and on PostgreSQL.

Run from the project root (loopback only; starts and stops everything itself):

    python tests/load/invited.py --patients 50 --database both

For each database, N appointments are added and invited through the app's own services
(the links' tokens kept by this script, as the patients' emails would hold them), then one
thread per patient, each with its own cookie jar, released together: opens the link (GET),
Start now, gives the date of birth, answers every step as a browser does, checks the
answers and submits. Then the database is read directly: N submissions, each joined to its
own patient's appointment (none lost, none on another's), every appointment "submitted",
every reference shown on a confirmation page stored once with the answers sent; and each
link now says "You have already sent your answers" with that reference.

Prints intakes per second, p50 and p95 per phase, and the 5xx count. Exits non-zero on any
lost or misplaced submission, 5xx, or unfinished patient.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import date, timedelta
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

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
    expect,
    log,
    patient_answers,
    percentile,
    product_app,
)

NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
ALREADY_SENT = "You have already sent your answers"


@dataclass
class Invited:
    """One invited patient: their appointment, its link's token and their answers."""

    appointment_id: int
    token: str
    answers: dict


@dataclass
class InvitedPatient(Patient):
    """A patient who starts from their invitation link instead of the start page."""

    token: str = ""
    date_of_birth: date = date(1990, 1, 1)
    timings: dict = field(default_factory=dict)

    def _start(self) -> None:
        link = f"/i/{self.token}"
        expect(self.browser.get(link, label="open link"), 200, "the link's start page")
        expect(self.browser.post(link, {}, label="Start now"), 200, "the date of birth page")
        born = self.date_of_birth
        response = self.browser.post(
            f"{link}/date-of-birth",
            {
                "date_of_birth-day": str(born.day),
                "date_of_birth-month": str(born.month),
                "date_of_birth-year": str(born.year),
            },
            label="date of birth",
        )
        expect(response, 302, "the right date of birth", "/questions/")


def invite_everyone(url: str, count: int) -> list[Invited]:
    """N appointments the day after tomorrow, each invited; their tokens and answers."""
    from intake import clock
    from intake.appointments import services

    app = product_app(url)
    day = clock.today(app.config["TIMEZONE"]) + timedelta(days=2)
    invited = []
    try:
        with app.app_context():
            for number in range(count):
                answers = patient_answers(number)
                born = date.fromisoformat(answers["date_of_birth"])
                answers["appointment_date"] = day.isoformat()
                appointment_id = services.add(
                    services.NewAppointment(
                        patient_name=answers["full_name"],
                        date_of_birth=born,
                        appointment_date=day,
                        appointment_time=clock_time(8 + number // 12, (number % 12) * 5),
                        email=None,
                        language="en",
                    ),
                    None,
                )
                assert appointment_id is not None, number
                token = services.issue_invitation(appointment_id, None, app.config["TIMEZONE"])
                invited.append(Invited(appointment_id, token, answers))
    finally:
        close_app(app)
    return invited


def stored(url: str) -> dict[int, tuple[str, dict, str]]:
    """Each appointment's submission (reference, answers) and state, read directly."""
    from sqlalchemy import select

    from intake.extensions import db
    from intake.models import Appointment, Submission

    app = product_app(url)
    try:
        with app.app_context():
            # Whole rows, not columns: the answers are sealed, and open through the model.
            rows = db.session.execute(
                select(Appointment, Submission).join(
                    Submission, Submission.appointment_id == Appointment.id, isouter=True
                )
            ).all()
            return {
                appointment.id: (
                    submission.reference if submission else None,
                    submission.answers if submission else None,
                    appointment.state,
                )
                for appointment, submission in rows
            }
    finally:
        close_app(app)


def check(person: Invited, found, references: dict, link_page: str) -> list[str]:
    """What is wrong with one patient's appointment after the run (nothing, when all holds)."""
    reference, answers, state = found or (None, None, None)
    shown = references.get(person.appointment_id)
    if reference is None:
        return ["no submission joined"]
    wrong = []
    if reference != shown:
        wrong.append(f"{reference} stored, {shown} shown")
    if answers != person.answers:
        wrong.append("answers differ from those sent")
    if state != "submitted":
        wrong.append(f"state {state}")
    if ALREADY_SENT not in link_page or reference not in link_page:
        wrong.append("the link does not say the answers were sent")
    return wrong


def run_one(kind: str, patients: int, timeout: float) -> bool:
    log(f"\n== {NAMES[kind]}: {patients} invited patients at once, gunicorn 4 workers")
    with database(kind) as url:
        server = Gunicorn(app_environment(url, **ONE_ADDRESS_FOR_EVERYONE), workers=4)
        server.start()  # on SQLite, the app brings the schema up to date at start
        try:
            everyone = invite_everyone(url, patients)
            stats = Stats()
            deadline = time.monotonic() + timeout
            people = [
                InvitedPatient(
                    browser=Browser(server.url, stats),
                    answers=person.answers,
                    deadline=deadline,
                    token=person.token,
                    date_of_birth=date.fromisoformat(person.answers["date_of_birth"]),
                )
                for person in everyone
            ]
            references: dict[int, str] = {}
            failures: list[str] = []
            barrier = threading.Barrier(len(people))

            def walk(index: int) -> None:
                try:
                    barrier.wait(timeout=30)
                    references[everyone[index].appointment_id] = people[index].run()
                except Exception:
                    failures.append(f"patient {index}: {traceback.format_exc(limit=2)}")

            started = time.monotonic()
            threads = [threading.Thread(target=walk, args=(i,)) for i in range(len(people))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=timeout + 30)
            elapsed = time.monotonic() - started
            already = [Browser(server.url).get(f"/i/{person.token}").body for person in everyone]
        finally:
            server.stop()
        found = stored(url)

    problems = list(failures)
    joined = 0
    for index, person in enumerate(everyone):
        wrong = check(person, found.get(person.appointment_id), references, already[index])
        problems += [f"appointment {person.appointment_id}: {what}" for what in wrong]
        joined += not wrong
    if stats.count_5xx:
        problems.append(f"{stats.count_5xx} answers were 5xx: {stats.server_errors[:5]}")

    log(
        f"  {len(references)}/{patients} submitted in {elapsed:.1f} s "
        f"({len(references) / elapsed:.1f} intakes/s), 5xx: {stats.count_5xx}"
    )
    for label in ("open link", "Start now", "date of birth", "submit"):
        times = stats.times.get(label, [])
        log(
            f"  {label:<14} p50 {percentile(times, 50):7.1f} ms  p95 {percentile(times, 95):7.1f} ms"
        )
    log(f"  each on its own appointment, answers as sent, link says sent: {joined}/{patients}")
    for problem in problems[:20]:
        log(f"  FAIL {problem}")
    return not problems


def main() -> int:
    exit_cleanly_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=50)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds for the run")
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    results = [run_one(kind, args.patients, args.timeout) for kind in kinds]
    log("\nPASS" if all(results) else "\nFAIL")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
