"""Render-time benchmark of the clinician's PDF summary against a naive baseline.

Run from the project root:  python tests/bench.py [--renders N]

Times N renders (default 200) of a typical summary and of the longest possible one (every
free-text field at its maximum length, every checkbox ticked, every flag that answers can raise
together), with intake.pdf.summary.render_summary and with a naive baseline built in the same
run: the same content, every row a Paragraph in one Table, in the simplest way.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
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
    treatments=["pharmacy", "prescription_topical"],
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
            "treatments",
            "conditions",
            "medicines",
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
    makeup_shine="yes",
    isotretinoin_last="now",
    treatment_response="side_effects",
    treatment_notes=(
        "Doxycycline for three months, then lymecycline; both upset my stomach. " * 20
    )[:1000],
    pregnancy="yes",
    recent_toxin="yes",
    toxin_allergy="yes",
    injection_weakness="yes",
    other_allergies=("Penicillin gives me a rash; latex; elastoplast & tree nuts. " * 20)[:1000],
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
    rows.append(row("Acne pattern", assessment.findings.acne_pattern))
    rows.append(
        row(
            "Oiliness",
            f"Score {assessment.findings.oiliness_score} of 9 ({assessment.findings.oiliness_category})",
        )
    )
    for step in questionnaire.STEPS[1:]:
        for q in step.visible_questions(answers_):
            value = answers_.get(q.id)
            rows.append(
                row(q.label, questionnaire.answer_text(q, value) if value else real.NOT_PROVIDED)
            )
    for document in documents:
        for passage in content.select_passages(document, answers_, assessment):
            rows.append(row(document.heading, f"{passage.text}\n{passage.because}"))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=styles.PAGE_SIZE, title=data.reference, invariant=1)
    doc.build(
        [
            Paragraph(real.TITLE, styles.TITLE),
            Table(rows, colWidths=(doc.width * 0.4, doc.width * 0.6)),
        ],
        canvasmaker=lambda *a, **k: real.FooterCanvas(*a, reference=data.reference, **k),
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=200)
    renders = parser.parse_args().renders

    print(f"{renders} renders each, Python {sys.version.split()[0]}\n")
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
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
