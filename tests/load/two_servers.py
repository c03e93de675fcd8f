"""Past one machine: two app servers (two gunicorn masters, two ports) sharing one PostgreSQL.

Run from the project root (loopback only; starts and stops everything itself):

    python tests/load/two_servers.py

Starts a throwaway PostgreSQL cluster, migrates it with `flask --app app db upgrade`,
creates two staff accounts through the app's own service, and starts two gunicorn
servers (2 workers each) with the same INTAKE_SECRET_KEY, INTAKE_DATA_KEYS and
INTAKE_DATABASE_URL, as two machines behind a load balancer would be. One cookie jar plays one browser; cookies are
per host, not per port, so it carries the same session to both servers. It checks:

1. a draft started on server A continues on B: each step's page is read on one server
   and posted to the other, Start now on B resumes where A left off, check answers,
   Submit and the confirmation alternate too, a resent Submit stores nothing more, and
   the database holds exactly the answers sent;
2. a clinician signed in on A is signed in on B; signing out on B signs out on A;
3. sign-in throttling holds across both: 5 failures alternating A and B (each server
   its own browser) lock the account, and then both answer 429, even to the right password.

Prints each check and exits non-zero on the first failure.
"""

from __future__ import annotations

import sys
import tempfile
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from intake.questionnaire import STEPS  # noqa: E402
from tests.load.common import (  # noqa: E402
    ONE_ADDRESS_FOR_EVERYONE,
    REFERENCE,
    Browser,
    Gunicorn,
    PostgresCluster,
    UnexpectedResponse,
    app_environment,
    close_app,
    exit_cleanly_on_sigterm,
    expect,
    formdata,
    log,
    migrate,
    patient_answers,
    product_app,
)

CLINICIAN = ("clinician@clinic.example", "correct horse battery staple")
LOCKED = ("frontdesk@clinic.example", "another long enough password")
WRONG = "not the right password at all"
RESUMED_AFTER = 3  # steps answered before Start now is pressed on the other server


class CheckFailed(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)
    log(f"  ok  {message}")


def create_staff(url: str) -> None:
    """Through the app's own service, in an app context on the shared database."""
    from intake.clinic import services as staff

    app = product_app(url)
    try:
        with app.app_context():
            staff.create_user(CLINICIAN[0], CLINICIAN[1], "clinician")
            staff.create_user(LOCKED[0], LOCKED[1], "frontdesk")
    finally:
        close_app(app)


def stored_submission(url: str, reference: str):
    """The submission's answers and PDF hash, and how many submissions bear its patient's name
    (names are sealed: each row is opened, through the model, to compare them)."""
    from sqlalchemy import select

    from intake.extensions import db
    from intake.models import Submission

    app = product_app(url)
    try:
        with app.app_context():
            rows = db.session.scalars(select(Submission)).all()
            row = next((r for r in rows if r.reference == reference), None)
            if row is None:
                return None, None, 0
            count = sum(1 for r in rows if r.patient_name == row.patient_name)
            return dict(row.answers), row.pdf_sha256, count
    finally:
        close_app(app)


def draft_continues(a: Gunicorn, b: Gunicorn, url: str) -> None:
    log("\n1. A draft started on one server continues on the other")
    servers = {"A": a.url, "B": b.url}
    browser = Browser(a.url)
    answers = patient_answers(4242)

    def on(name: str) -> str:
        return servers[name]

    page = expect(browser.get("/", base_url=on("A")), 200, "start page on A")
    response = browser.post("/start", page.hidden_fields(), base_url=on("A"))
    expect(response, 302, "Start now on A", f"/questions/{STEPS[0].slug}")
    check(True, "Start now on A began a draft")

    def answer(index: int) -> None:
        step = STEPS[index]
        read, post = ("A", "B") if index % 2 == 0 else ("B", "A")
        path = f"/questions/{step.slug}"
        page = expect(browser.get(path, base_url=on(read)), 200, f"GET {path} on {read}")
        data = {"csrf_token": page.hidden_fields()["csrf_token"], **formdata(step, answers)}
        response = browser.post(path, data, base_url=on(post))
        following = STEPS[index + 1].slug if index + 1 < len(STEPS) else "check-answers"
        expect(response, 302, f"POST {path} on {post}", following)
        check(True, f"step {index + 1} ({step.slug}) read on {read}, saved on {post}")

    for index in range(RESUMED_AFTER):
        answer(index)

    page = expect(browser.get("/", base_url=on("B")), 200, "start page on B")
    check(
        "answers saved on this device" in page.body,
        "the start page on B knows the draft begun on A",
    )
    response = browser.post("/start", page.hidden_fields(), base_url=on("B"))
    resume_at = STEPS[RESUMED_AFTER].slug
    check(
        response.status == 302 and response.location.endswith(f"/questions/{resume_at}"),
        f"Start now on B resumes at step {RESUMED_AFTER + 1} ({resume_at}); got {response.status} {response.location}",
    )
    page = expect(browser.get(f"/questions/{STEPS[0].slug}", base_url=on("B")), 200, "step 1 on B")
    check(
        answers["full_name"] in page.body,
        "step 1 on B shows the name typed on A",
    )

    for index in range(RESUMED_AFTER, len(STEPS)):
        answer(index)

    page = expect(browser.get("/check-answers", base_url=on("A")), 200, "check answers on A")
    check(
        answers["questions_for_dermatologist"] in page.body  # step 6, saved on A
        and answers["allergies"] in page.body,  # step 5, saved on B
        "check answers on A shows answers saved on A and on B",
    )
    fields = {**page.hidden_fields(), "confirmed": "y"}
    response = browser.post("/check-answers", fields, base_url=on("B"))
    expect(response, 302, "Submit on B", "/confirmation")
    page = expect(browser.get("/confirmation", base_url=on("A")), 200, "confirmation on A")
    found = REFERENCE.search(page.body)
    check(found is not None, "Submit on B, confirmation with the reference on A")
    reference = found.group(1)
    again = browser.post("/check-answers", fields, base_url=on("A"))
    check(
        again.status == 302 and again.location.endswith("/confirmation"),
        "the same Submit resent to A goes to the confirmation",
    )
    stored, digest, count = stored_submission(url, reference)
    check(stored == answers, f"{reference} is stored with exactly the answers sent")
    check(count == 1, "and stored once")
    check(digest is not None, f"its PDF is stored (SHA-256 {digest[:12] if digest else None}...)")


def sign_in(browser: Browser, server: str, email: str, password: str):
    page = expect(browser.get("/clinic/login", base_url=server), 200, "sign-in page")
    data = {"csrf_token": page.hidden_fields()["csrf_token"], "email": email, "password": password}
    return browser.post("/clinic/login", data, base_url=server)


def clinician_on_both(a: Gunicorn, b: Gunicorn) -> None:
    log("\n2. A clinician signed in on one server is signed in on the other")
    browser = Browser(a.url)
    response = browser.get("/clinic/", base_url=b.url)
    check(
        response.status == 302 and "/clinic/login" in response.location,
        "before signing in, the list on B sends to the sign-in page",
    )
    response = sign_in(browser, a.url, *CLINICIAN)
    check(response.status == 302 and "/clinic/" in response.location, "signed in on A")
    page = browser.get("/clinic/", base_url=b.url)
    check(
        page.status == 200 and CLINICIAN[0] in page.body,
        f"the submissions list on B is open to the clinician (status {page.status})",
    )
    page = browser.get("/clinic/", base_url=a.url)
    check(page.status == 200, "and on A")
    response = browser.post("/clinic/logout", page.hidden_fields(), base_url=b.url)
    check(response.status == 302, "signed out on B")
    response = browser.get("/clinic/", base_url=a.url)
    check(
        response.status == 302 and "/clinic/login" in response.location,
        "the same cookie is signed out on A too",
    )


def throttling_on_both(a: Gunicorn, b: Gunicorn) -> None:
    log("\n3. Sign-in throttling holds across both servers")
    browsers = {"A": (Browser(a.url), a.url), "B": (Browser(b.url), b.url)}
    for attempt, name in enumerate("ABABA", start=1):
        browser, server = browsers[name]
        response = sign_in(browser, server, LOCKED[0], WRONG)
        check(
            response.status == 200 and "Email or password is incorrect" in response.body,
            f"wrong password {attempt} on {name}: refused as incorrect (200)",
        )
    for name in "BA":
        browser, server = browsers[name]
        response = sign_in(browser, server, LOCKED[0], LOCKED[1])
        check(
            response.status == 429 and "Too many failed sign-ins" in response.body,
            f"then the right password on {name}: 429, the account is locked (got {response.status})",
        )
    browser, server = browsers["B"]
    response = sign_in(browser, server, LOCKED[0], WRONG)
    check(response.status == 429, "and a wrong one on B: 429 too")
    browser, server = browsers["B"]
    response = sign_in(browser, server, *CLINICIAN)
    check(
        response.status == 302,
        "another account is not locked: the clinician still signs in on B",
    )


def main() -> int:
    exit_cleanly_on_sigterm()
    logs = Path(tempfile.mkdtemp(prefix="intake-two-servers."))
    servers: list[Gunicorn] = []
    ok = False
    try:
        with PostgresCluster() as cluster:
            migrate(cluster.url)
            create_staff(cluster.url)
            env = app_environment(cluster.url, **ONE_ADDRESS_FOR_EVERYONE)
            for name in "AB":
                servers.append(
                    Gunicorn(env, workers=2, log_path=logs / f"gunicorn-{name}.log").start()
                )
            a, b = servers
            log(
                f"PostgreSQL on 127.0.0.1:{cluster.port}; server A {a.url} (master {a.proc.pid}), "
                f"server B {b.url} (master {b.proc.pid}), 2 workers each, same secret key"
            )
            try:
                draft_continues(a, b, cluster.url)
                clinician_on_both(a, b)
                throttling_on_both(a, b)
                ok = True
            except (CheckFailed, UnexpectedResponse) as failure:
                log(f"  FAIL {failure}")
            except Exception:  # noqa: BLE001
                traceback.print_exc()
            finally:
                for server in servers:
                    server.stop()
                for server in servers:
                    errors = server.log_lines(r"^Traceback|\[ERROR\]")
                    if errors:
                        ok = False
                        log(f"  FAIL server log {server.log_path}: {errors[:3]}")
    finally:
        for server in servers:
            server.stop()
    log(f"\nRESULT: {'PASS' if ok else 'FAIL'}")
    if ok:
        import shutil

        shutil.rmtree(logs, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
