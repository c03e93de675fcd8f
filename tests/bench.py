"""Benchmarks: the clinician's PDF render against a naive baseline, and the app over HTTP.

Run from the project root:  python tests/bench.py [--pdf] [--http] [--renders N] [--walks N]
(no section flag: both sections).

PDF section: times N renders (default 200) of a typical summary and of the longest possible
one (every free-text field at its maximum length, every checkbox ticked, every flag that
answers can raise together), with intake.pdf.summary.render_summary and with a naive
baseline built in the same run: the same content, every row a Paragraph in one Table, in
the simplest way.

HTTP section: gunicorn with ONE sync worker and the worker settings we ship
(intake/server.py: garbage collected between requests) on 127.0.0.1, so each request's
latency is measured alone and one worker's peak memory holds everything it served, serving
tests/load/hello.py: the product app, and a hello-world Flask app mounted at /__hello/
through a WSGI dispatcher (same server, worker and client for both). One client thread,
urllib, one request at a time, walks the whole questionnaire N times (default 100) after
a warm-up: before each step a hello-world GET, then the step's GET and POST, then Submit
(which stores the submission and renders its PDF in the request). It prints p50/p95 per
kind and as ratios to hello-world, and the peak RSS (VmHWM) of the worker after the run.
Targets: step p95 at most 3x hello-world; Submit p95 at most 150 ms; at most 120 MB a worker.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.platypus import Paragraph, SimpleDocTemplate, Table  # noqa: E402

from intake import content, questionnaire  # noqa: E402
from intake.assessment import NO_FLAGS_TEXT, assess  # noqa: E402
from intake.pdf import styles  # noqa: E402
from intake.pdf import summary as real  # noqa: E402
from tests.factories import answers  # noqa: E402

TARGET_MS = 25.0
SUBMITTED_AT = datetime(2026, 11, 26, 14, 5, tzinfo=timezone.utc)

TYPICAL = answers(
    full_name="Zoë Ångström",
    spot_types=["blackheads_whiteheads", "red_bumps"],
    locations=["forehead", "cheeks", "chin_jawline"],
    duration="1_to_5_years",
    severity="moderate",
    face_feel="oily_forehead_nose",
    blotting="two_or_three",
    treatments_now=["prescription_topical"],
    treatments_before=["pharmacy"],
    response_prescription_topical="too_soon",
    response_pharmacy="did_not_help",
    medicines=["anti_inflammatories"],
    goals=["fewer_breakouts", "learn_botox"],
    treatment_notes="Adapalene gel made my skin very dry.\nStopped after 3 months.",
    questions_for_dermatologist="Is Botox safe with my period pain tablets? How many sessions?",
)


def _every_option_but_none(question_id: str) -> list[str]:
    return [o.id for o in questionnaire.question(question_id).options if not o.exclusive]


LONGEST = answers(
    full_name=("Nguyễn Thị Minh Khai Αλέξανδρος Παπαδόπουλος Анна Каренина " * 2)[:100],
    date_of_birth="2010-06-01",
    phone="+44 (0)20 7946 0958",
    **{
        q: _every_option_but_none(q)
        for q in (
            "spot_types",
            "locations",
            "flares",
            "treatments_now",
            "treatments_before",
            "conditions",
            "face",
            "medicines",
            "after_toxin",
            "goals",
        )
    },
    duration="over_5_years",
    severity="severe",
    marks="scars",
    impact="very_much",
    face_feel="oily_all_over",
    blotting="more_than_three",
    pores="nose_and_cheeks",
    shine="yes",
    sex="female",
    hormonal_features=_every_option_but_none("hormonal_features"),
    picking="often",
    **{f"response_{o}": "side_effects" for o in _every_option_but_none("treatments_now")},
    isotretinoin_stopped="last_6_months",
    isotretinoin_relapse="not_sure_yet",
    treatment_notes=(
        "Doxycycline for three months, then lymecycline; both upset my stomach. " * 20
    )[:1000],
    pregnant_breastfeeding="not_sure",
    planning_pregnancy="yes",
    nerve_muscle_disease=("Charcot-Marie-Tooth disease type 1A, diagnosed in 2019; " * 4)[:200],
    planned_operation="yes",
    toxin_ever="yes",
    toxin_last="last_4_months",
    cows_milk_allergy="yes",
    fainting="yes",
    other_medicines=("Vitamin D, zinc, a salicylic acid wash and a niacinamide serum. " * 20)[
        :1000
    ],
    allergies=("Penicillin gives me a rash; latex; elastoplast & tree nuts. " * 20)[:1000],
    questions_for_dermatologist=(
        "How long would the effect last, and what happens if I stop? " * 40
    )[:2000],
)


def naive_summary(data: real.SummaryInput, documents=None) -> bytes:
    """The same content in the simplest way: every row two Paragraphs in one Table."""
    answers_ = questionnaire.applicable_answers(data.answers)
    submitted_at = data.submitted_at.astimezone(ZoneInfo(data.timezone))
    assessment = assess(answers_, submitted_at.date())
    documents = content.load_documents() if documents is None else documents
    style = styles.ANSWER

    def row(label, value):
        return [Paragraph(markup(label), style), Paragraph(markup(value), style)]

    rows = [
        row("Full name", answers_.get("full_name", "")),
        row("Date of birth", f"{answers_.get('date_of_birth')} (age {assessment.findings.age})"),
        row("Appointment date", answers_.get("appointment_date", real.NOT_PROVIDED)),
        row("Phone number", answers_.get("phone", real.NOT_PROVIDED)),
        row("Language", data.language),
        row("Reference", data.reference),
        row("Submitted at", f"{submitted_at:%d %B %Y, %H:%M} ({data.timezone})"),
    ]
    rows += [
        row(f.level.value, f"{f.text}\nRaised by: {'; '.join(f.raised_by)}\nBasis: {f.basis}")
        for f in assessment.flags
    ]
    if not assessment.flags:
        rows.append(row("Safety flags", NO_FLAGS_TEXT))
    rows += [
        row(
            "Clinical consideration",
            f"{c.text}\nRaised by: {'; '.join(c.raised_by)}\nBasis: {c.basis}",
        )
        for c in assessment.considerations
    ]
    findings = assessment.findings
    rows.append(row("Acne pattern", findings.acne_pattern))
    rows.append(row("Distribution", findings.distribution or ""))
    rows.append(
        row(
            "Oiliness",
            f"Score {findings.oiliness_score} of {findings.oiliness_max} "
            f"({findings.oiliness_category})",
        )
    )
    rows += [
        row(item.question, f"{item.answer} ({item.points})") for item in findings.oiliness_items
    ]
    rows += [
        row(t.name, f"now {t.now}, before {t.before}: {t.response}") for t in findings.treatments
    ]
    for step in questionnaire.STEPS[1:]:
        for q in step.visible_questions(answers_):
            value = answers_.get(q.id)
            rows.append(
                row(q.label, questionnaire.answer_text(q, value) if value else real.NOT_PROVIDED)
            )
    for document in documents:
        rule_set = document.rules_for(assessment.questionnaire.version)
        if rule_set is None:
            continue
        rows.append(row("Evidence note", rule_set.note.text))
        for passage in content.select_passages(document, answers_, assessment):
            lines = [passage.text, *passage.marks, passage.because or ""]
            rows.append(row(rule_set.heading, "\n".join(lines)))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=styles.PAGE_SIZE, title=data.reference, invariant=1)
    doc.build(
        [
            Paragraph(real.TITLE, styles.TITLE),
            Table(rows, colWidths=(doc.width * 0.4, doc.width * 0.6)),
        ],
        canvasmaker=lambda *a, **k: real.FooterCanvas(
            *a,
            reference=data.reference,
            questionnaire_line=real.questionnaire_line(assessment.questionnaire),
            **k,
        ),
    )
    return buffer.getvalue()


def markup(text: str) -> str:
    return escape(text).replace("\n", "<br/>")


def time_renders(render, data, renders: int) -> tuple[list[float], bytes]:
    for _ in range(5):  # warm up: fonts parsed, caches filled
        output = render(data)
    times = []
    for _ in range(renders):
        start = time.perf_counter()
        output = render(data)
        times.append((time.perf_counter() - start) * 1000)
    return times, output


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[-1]


def pdf_section(renders: int) -> bool:
    print(f"== PDF render: {renders} renders each, Python {sys.version.split()[0]}\n")
    print(
        f"{'summary':<9} {'renderer':<9} {'median ms':>10} {'p95 ms':>8} {'pages':>6} {'bytes':>8}"
    )
    medians = {}
    for case, given in (("typical", TYPICAL), ("longest", LONGEST)):
        data = real.SummaryInput("ABCD-2345", given, SUBMITTED_AT, "Europe/London", "English")
        for name, render in (("real", real.render_summary), ("naive", naive_summary)):
            times, output = time_renders(render, data, renders)
            medians[case, name] = statistics.median(times)
            pages = output.count(b"/Type /Page\n")
            print(
                f"{case:<9} {name:<9} {medians[case, name]:>10.2f} {p95(times):>8.2f} {pages:>6} {len(output):>8}"
            )
    print()
    for case in ("typical", "longest"):
        ratio = medians[case, "naive"] / medians[case, "real"]
        print(f"{case}: naive / real = {ratio:.2f}x")
    typical = medians["typical", "real"]
    ok = typical <= TARGET_MS and typical < medians["typical", "naive"]
    print(
        f"\ntarget: typical median <= {TARGET_MS:.0f} ms and faster than naive: {'met' if ok else 'NOT met'}"
    )
    return ok


HTTP_STEP_RATIO = 3.0  # step p95 at most this many times hello-world's p95
HTTP_SUBMIT_P95_MS = 150.0
HTTP_WORKER_MB = 120.0


def walk(browser, answers: dict) -> str:
    """One patient, start to confirmation, a hello-world GET before each step; returns the reference."""
    from tests.load.common import REFERENCE, expect, formdata

    expect(browser.get("/__hello/", label="hello"), 200, "hello-world")
    page = expect(browser.get("/", label="start GET"), 200, "start page")
    response = browser.post("/start", page.hidden_fields(), label="start POST")
    expect(response, 302, "Start now", "/questions/")
    for step in questionnaire.STEPS:
        expect(browser.get("/__hello/", label="hello"), 200, "hello-world")
        path = f"/questions/{step.slug}"
        page = expect(browser.get(path, label="step GET"), 200, f"GET {path}")
        data = {"csrf_token": page.hidden_fields()["csrf_token"], **formdata(step, answers)}
        expect(browser.post(path, data, label="step POST"), 302, f"POST {path}")
    page = expect(browser.get("/check-answers", label="check GET"), 200, "check answers")
    response = browser.post(
        "/check-answers", {**page.hidden_fields(), "confirmed": "y"}, label="submit"
    )
    expect(response, 302, "Submit", "/confirmation")
    page = expect(browser.get("/confirmation", label="confirmation"), 200, "confirmation")
    return REFERENCE.search(page.body).group(1)


def http_section(walks: int, warmup: int, workers: int, database_kind: str) -> bool:
    from tests.load.common import (
        ONE_ADDRESS_FOR_EVERYONE,
        Browser,
        Gunicorn,
        Stats,
        app_environment,
        database,
        exit_cleanly_on_sigterm,
        patient_answers,
        peak_rss_mb,
        percentile,
    )

    print(
        f"== HTTP: gunicorn, {workers} sync worker(s), {database_kind}, 127.0.0.1; one client "
        f"thread (urllib), sequential; {warmup} warm-up walks, then {walks} measured walks\n"
    )
    exit_cleanly_on_sigterm()
    logs = Path(tempfile.mkdtemp(prefix="intake-bench."))
    with database(database_kind) as url:
        server = Gunicorn(
            app_environment(url, **ONE_ADDRESS_FOR_EVERYONE),
            workers=workers,
            app_spec="tests.load.hello:create_app()",
            log_path=logs / "gunicorn.log",
        )
        try:
            server.start()
            for number in range(warmup):
                walk(Browser(server.url), patient_answers(number))
            stats = Stats()
            references = set()
            for number in range(walks):
                references.add(walk(Browser(server.url, stats), patient_answers(number)))
            peaks = {pid: peak_rss_mb(pid) for pid in server.worker_pids()}
        finally:
            server.stop()
    if stats.count_5xx or len(references) != walks:
        print(f"FAILED: {stats.count_5xx} 5xx, {len(references)} references for {walks} walks")
        print(f"server log: {server.log_path}")
        return False
    shutil.rmtree(logs, ignore_errors=True)

    hello = stats.times["hello"]
    rows = [
        ("hello-world", "hello"),
        ("step GET", "step GET"),
        ("step POST", "step POST"),
        ("check answers GET", "check GET"),
        ("Submit (+ PDF)", "submit"),
    ]
    print(
        f"{'request':<20} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p50 / hello':>12} {'p95 / hello':>12}"
    )
    hello50, hello95 = percentile(hello, 50), percentile(hello, 95)
    figures = {}
    for name, label in rows:
        times = stats.times[label]
        p50_, p95_ = percentile(times, 50), percentile(times, 95)
        figures[label] = p95_
        print(
            f"{name:<20} {len(times):>5} {p50_:>8.2f} {p95_:>8.2f} "
            f"{p50_ / hello50:>11.1f}x {p95_ / hello95:>11.1f}x"
        )
    print()
    for pid, peak in peaks.items():
        print(f"worker {pid}: peak RSS (VmHWM) {peak:.1f} MB")
    checks = [
        (
            f"step GET p95 <= {HTTP_STEP_RATIO:.0f}x hello-world p95",
            figures["step GET"] <= HTTP_STEP_RATIO * hello95,
            f"{figures['step GET'] / hello95:.1f}x",
        ),
        (
            f"step POST p95 <= {HTTP_STEP_RATIO:.0f}x hello-world p95",
            figures["step POST"] <= HTTP_STEP_RATIO * hello95,
            f"{figures['step POST'] / hello95:.1f}x",
        ),
        (
            f"Submit (+ PDF) p95 <= {HTTP_SUBMIT_P95_MS:.0f} ms",
            figures["submit"] <= HTTP_SUBMIT_P95_MS,
            f"{figures['submit']:.1f} ms",
        ),
        (
            f"peak RSS <= {HTTP_WORKER_MB:.0f} MB per worker",
            bool(peaks) and all(p is not None and p <= HTTP_WORKER_MB for p in peaks.values()),
            f"{max((p or 0) for p in peaks.values()):.1f} MB" if peaks else "no worker",
        ),
    ]
    print()
    for text, met, value in checks:
        print(f"target: {text}: {value}, {'met' if met else 'NOT met'}")
    return all(met for _, met, _ in checks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf", action="store_true", help="the PDF render section")
    parser.add_argument("--http", action="store_true", help="the HTTP section")
    parser.add_argument("--renders", type=int, default=200, help="PDF renders per case (200)")
    parser.add_argument("--walks", type=int, default=100, help="measured questionnaire walks (100)")
    parser.add_argument("--warmup", type=int, default=10, help="HTTP warm-up walks (10)")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers (1)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    both = not (args.pdf or args.http)
    results = []
    if args.pdf or both:
        results.append(pdf_section(args.renders))
    if args.http or both:
        if results:
            print()
        results.append(http_section(args.walks, args.warmup, args.workers, args.database))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
