"""Page 1, the consult sheet, read back page by page (SPEC section 6, issue 13): what it holds for
a typical patient, and that it is one page; every answered question in All answers after it; the
areas shaded on the location map, in pixels; the patient's questions continued on the page
named; every flag at once, page 1 continuing onto page 2 with nothing cut."""

from __future__ import annotations

import re
import statistics
import subprocess

import pytest
from PIL import Image

from intake import questionnaire
from intake.assessment import (
    CONSIDERATIONS_HEADING,
    FACE,
    NO_CONSIDERATIONS_TEXT,
    NO_FLAGS_TEXT,
    TRUNK,
    Assessment,
    assess,
)
from intake.demo import sample_answers
from intake.pdf import styles
from intake.pdf.drawings import (
    AREAS,
    CAPTION_BASELINE,
    LEGEND,
    MAP_WIDTH,
    SELF_REPORTED,
    LocationMap,
)
from intake.questionnaire import Kind, Level, Question, answer_text, date_text
from tests.factories import answers
from tests.pdf.conftest import PAGE_DPI, REFERENCE, Rendered, page_image, render_pdf
from tests.pdf.test_answers_from_steps import EVERY_QUESTION
from tests.pdf.test_summary import (
    EVERY_FLAG,
    EVERY_FLAG_RAISED,
    LONGEST,
    NOTE,
    NOTE_LABEL,
    PATTERN_LABEL,
    SUBMITTED_ON,
)

TITLE = "Pre-consultation summary: acne and botulinum toxin"
FLAGS_HEADING = "Before any injection"
GLANCE_HEADING = "The acne at a glance"
GOALS_HEADING = "Goals and questions"
ALL_ANSWERS = "All answers"
QUESTIONS = "questions_for_dermatologist"
ON_SHEET = 300  # characters of the patient's questions on page 1
SUBMITTED = "Submitted at 26 November 2026, 14:05 (Europe/London)"
# The bar's short names of the oiliness items, in the order of the questions (2026.2).
OILINESS_ITEMS = ("Face feel", "Blotting", "Pores", "Shine")
BOX = "\u2610"
# The box for the clinician's pen, read row by row (scored on the left, counted on the right).
AT_THE_VISIT = (
    f"At the visit IGA {BOX} 0 {BOX} 1 {BOX} 2 {BOX} 3 {BOX} 4 "
    "Lesion counts comedones _____ papules/pustules _____ "
    f"Fitzpatrick type {BOX} I {BOX} II {BOX} III {BOX} IV {BOX} V {BOX} VI "
    f"nodules _____ Sebum reading _____________ {BOX} Off-label consent documented Plan"
)
SHEET_HEADINGS = (GLANCE_HEADING, "Treatments", CONSIDERATIONS_HEADING, GOALS_HEADING)


def words(text: str) -> str:
    return " ".join(text.split())


def flat(text: str) -> str:
    return "".join(text.split())


def page_lines(page: str) -> list[str]:
    return [line.strip() for line in page.splitlines()]


def assert_in_order(text: str, parts) -> None:
    """Each part is in the text, after the one before."""
    at = 0
    for part in parts:
        found = text.find(part, at)
        assert found >= 0, f"{part!r} is not after {text[max(at - 80, 0) : at]!r}"
        at = found + len(part)


def render(given: dict) -> Rendered:
    return render_pdf(given)


# What page 1 holds (SPEC section 6, items 1 to 8), in order, worked out from the answers and
# their assessment; the assessment itself is tested against SPEC sections 3 and 4 elsewhere.


def flag_line(flag) -> str:
    level = f"{flag.level.value} " if flag.level is not None else ""
    return f"{level}{flag.text} Raised by: {'; '.join(flag.raised_by)} Basis: {flag.basis}"


def label(question_id: str, value) -> str:
    q = questionnaire.CURRENT.question(question_id)
    if value is None or value == []:
        return "Not provided"
    if q.kind is Kind.ANY_OF:
        return " ".join(q.option_label(option) for option in value)
    return answer_text(q, value)


def sheet_parts(given: dict, assessment: Assessment) -> list[str]:
    findings = assessment.findings
    q = questionnaire.CURRENT
    on = "appointment" if given.get("appointment_date") else "submission"
    appointment = given.get("appointment_date")
    parts = [
        TITLE,
        f"Name {words(given['full_name'])} Reference {REFERENCE}",
        f"Age and sex {findings.age} at {on}, {label('sex', given['sex'])} {SUBMITTED}",
        f"Date of birth {date_text(given['date_of_birth'])} Language English",
        f"Appointment date {date_text(appointment) if appointment else 'Not provided'}",
    ]
    if assessment.flags:
        counts = ", ".join(
            f"{level.value} {len(assessment.flags_at(level))}"
            for level in Level
            if assessment.flags_at(level)
        )
        parts += [f"{FLAGS_HEADING}: {counts}", *(flag_line(f) for f in assessment.flags)]
    else:
        parts.append(f"{FLAGS_HEADING} {NO_FLAGS_TEXT}")
    parts += [
        f"{GLANCE_HEADING} {PATTERN_LABEL} {findings.acne_pattern}",
        f"Severity now {label('severity', given['severity'])}",
        f"Duration {label('duration', given['duration'])}",
        f"Marks or scars {label('marks', given['marks'])}",
        f"Flares {label('flares', given.get('flares'))}",
        f"Effect on daily life {label('impact', given['impact'])}",
        f"Picks or squeezes {label('picking', given['picking'])}",
        f"Score {findings.oiliness_score} of 9: {findings.oiliness_category} {SELF_REPORTED}",
        " \u00b7 ".join(
            f"{name} {item.points}"
            for name, item in zip(OILINESS_ITEMS, findings.oiliness_items, strict=True)
        ),
        f"{LEGEND} Distribution: {findings.distribution}",
    ]
    if findings.treatments:
        parts.append("Treatments Treatment Now Before How well it worked")
        parts += [
            f"{t.name} {'Yes' if t.now else 'No'} {'Yes' if t.before else 'No'} "
            f"{t.response or 'Not provided'}"
            for t in findings.treatments
        ]
        if findings.isotretinoin_stopped:
            parts.append(
                f"Isotretinoin stopped: {findings.isotretinoin_stopped}. Acne came back after "
                f"isotretinoin: {findings.isotretinoin_relapse or 'Not provided'}."
            )
    else:
        parts.append("Treatments No acne treatments used now or before.")
    parts.append(CONSIDERATIONS_HEADING)
    parts += [flag_line(c) for c in assessment.considerations] or [NO_CONSIDERATIONS_TEXT]
    goals = ", ".join(q.question("goals").option_label(goal) for goal in given["goals"])
    question = given.get(QUESTIONS) or "Not provided"
    if len(question) > ON_SHEET:  # where it goes on is tested below
        question = f"{question[:ON_SHEET]}\u2026"
    parts += [
        f"{GOALS_HEADING} Goals: {goals} Questions: {words(question)}",
        f"{NOTE_LABEL} {NOTE}",
        AT_THE_VISIT,
    ]
    return parts


def demo_patients() -> dict[str, dict]:
    """The four demo patients, as submitted on the day the tests' summaries are submitted."""
    return {
        f"demo {n}: {patient['full_name']}": questionnaire.CURRENT.applicable_answers(patient)
        for n, patient in enumerate(sample_answers(SUBMITTED_ON), start=1)
    }


A_300_CHARACTER_QUESTION = (
    "Can I have it with my pill? How long does it last, and what does it cost? " * 5
)[:ON_SHEET]
FOUR_FLAGS = dict(
    pregnant_breastfeeding="yes",
    medicines=["blood_thinners"],
    fainting="yes",
    cows_milk_allergy="yes",
)
TYPICAL = {
    **demo_patients(),
    "no flag": answers(),
    "four flags, a 300-character question": answers(
        **FOUR_FLAGS, questions_for_dermatologist=A_300_CHARACTER_QUESTION
    ),
    "four flags at three levels, a short question": answers(
        conditions=["skin_infection"],
        toxin_ever="yes",
        toxin_last="last_4_months",
        after_toxin=["none"],
        planned_operation="not_sure",
        fainting="yes",
        questions_for_dermatologist="Will it hurt?",
    ),
}
EVERY_TREATMENT = dict(
    treatments_now=["pharmacy", "prescription_topical", "antibiotic_tablets", "hormonal"],
    treatments_before=["isotretinoin", "procedures", "botox"],
    **{
        f"response_{option}": "did_not_help"
        for option in (
            "pharmacy",
            "prescription_topical",
            "antibiotic_tablets",
            "hormonal",
            "isotretinoin",
            "procedures",
            "botox",
        )
    },
    isotretinoin_stopped="last_6_months",
    isotretinoin_relapse="yes",
)
# Typical too (up to four flags, a question of 300 characters), with the most on their sheet.
FULLEST_TYPICAL = {
    "four flags with long Raised by lines": answers(
        face=["weakness_drooping", "operation"],
        medicines=[
            "blood_thinners",
            "anti_inflammatories",
            "antibiotic_injection",
            "muscle_relaxants",
            "anticholinergics",
        ],
        conditions=["myasthenia_gravis", "lambert_eaton", "motor_neurone_disease"],
        questions_for_dermatologist=A_300_CHARACTER_QUESTION,
    ),
    "four flags and every treatment": answers(
        **FOUR_FLAGS, **EVERY_TREATMENT, questions_for_dermatologist=A_300_CHARACTER_QUESTION
    ),
    "four flags and three clinical considerations": answers(
        **FOUR_FLAGS,
        sex="female",
        hormonal_features=["irregular_periods"],
        picking="often",
        locations=["chest", "back"],
        questions_for_dermatologist=A_300_CHARACTER_QUESTION,
    ),
}
# Every typical patient's sheet is one page: the demo patients, and four flags with long
# "Raised by" lines, with every treatment, or with three clinical considerations.
ONE_PAGE = [pytest.param(given, id=name) for name, given in {**TYPICAL, **FULLEST_TYPICAL}.items()]
SHEET_CASES = {**TYPICAL, **FULLEST_TYPICAL}


def test_the_typical_patients_are_what_they_say():
    flags = {name: len(assess(given, SUBMITTED_ON).flags) for name, given in SHEET_CASES.items()}
    assert flags == {
        "demo 1: Amelia Hart": 0,
        "demo 2: Αλεξάνδρα Παπαδοπούλου": 3,
        "demo 3: Nguyễn Minh Khoa": 2,
        "demo 4: Анна Сергеевна Иванова": 4,
        "no flag": 0,
        "four flags, a 300-character question": 4,
        "four flags at three levels, a short question": 4,
        "four flags with long Raised by lines": 4,
        "four flags and every treatment": 4,
        "four flags and three clinical considerations": 4,
    }
    assert all(len(given.get(QUESTIONS) or "") <= ON_SHEET for given in SHEET_CASES.values())
    assert len(A_300_CHARACTER_QUESTION) == ON_SHEET


@pytest.mark.parametrize("given", ONE_PAGE)
def test_page_1_holds_what_spec_lists_for_a_typical_patient(given):
    pdf = render(given)
    assessment = assess(given, SUBMITTED_ON)

    # One page, then All answers on a page of its own.
    assert len(pdf.sheet_pages) == 1
    assert pdf.pages[1].startswith(f"{ALL_ANSWERS}\n")
    assert pdf.page_1.startswith(TITLE)
    assert_in_order(pdf.page_1, sheet_parts(given, assessment))
    # Every flag with its level word, every area labelled in words.
    for flag in assessment.flags:
        assert f"{flag.level.value} {flag.text}" in pdf.page_1
    for area in AREAS.values():
        assert area in page_lines(pdf.pages[0]), area
    # The phone number is in All answers, not on page 1.
    phone = given.get("phone")
    assert "Phone" not in pdf.page_1
    if phone:
        assert phone not in pdf.page_1
    assert f"Phone number {phone or 'Not provided'} " in pdf.all_answers


@pytest.mark.parametrize("given", SHEET_CASES.values(), ids=SHEET_CASES.keys())
def test_the_sheet_loses_nothing_when_it_runs_onto_page_2(given):
    pdf = render(given)

    assert_in_order(pdf.sheet, sheet_parts(given, assess(given, SUBMITTED_ON)))
    assert pdf.pages[len(pdf.sheet_pages)].startswith(f"{ALL_ANSWERS}\n")
    for page in pdf.sheet_pages[:-1]:  # a page of the sheet never ends on a heading
        last = [line for line in page_lines(page) if line][-5]  # before the footer's four lines
        assert last not in SHEET_HEADINGS and not last.startswith(FLAGS_HEADING), last


def test_the_demo_patients_page_1_in_words():
    """The same, written out for the four demo patients: the computed expectations are right."""
    sheets = {name: render(given).page_1 for name, given in demo_patients().items()}
    amelia, alexandra, khoa, anna = sheets.values()

    assert "Name Amelia Hart Reference ABCD-2345 Age and sex 33 at appointment, Female" in amelia
    assert f"{FLAGS_HEADING} {NO_FLAGS_TEXT}" in amelia
    assert f"{PATTERN_LABEL} Mixed comedonal and inflammatory Severity now Moderate" in amelia
    assert "Score 9 of 9: Very oily" in amelia
    assert "Face feel 3 \u00b7 Blotting 3 \u00b7 Pores 2 \u00b7 Shine 1" in amelia
    assert "Distribution: Face only" in amelia
    assert "Prescription creams or gels Yes No Too soon to tell" in amelia
    assert "Questions: How long does the effect last, and how many sessions?" in amelia
    assert "07700" not in amelia

    assert "Age and sex 38 at appointment, Female" in alexandra
    assert f"{FLAGS_HEADING}: Defer 1, Caution 2 Defer Pregnant or breastfeeding" in alexandra
    assert "Hormonal features: consider assessment for excess androgens." in alexandra

    assert "Age and sex 16 at appointment, Male" in khoa
    assert f"{FLAGS_HEADING}: Caution 2" in khoa
    assert "Caution Under 18: outside the licensed age." in khoa
    assert "Distribution: Trunk only" in khoa
    assert "Isotretinoin (Roaccutane, Accutane) Yes No Too soon to tell" in khoa

    assert "Age and sex 47 at appointment, Prefer not to say" in anna
    assert f"{FLAGS_HEADING}: Contraindication 1, Defer 1, Caution 2" in anna
    assert "Treatments No acne treatments used now or before." in anna
    assert "Questions: Not provided" in anna


# All answers: every answered question of every step, with its full wording.


def printed(q: Question, value, points: dict[str, int]) -> str:
    """An answer as All answers prints it: an option per line, an oiliness answer's points."""
    if q.kind is Kind.ANY_OF:
        return " ".join(q.option_label(option) for option in value)
    text = answer_text(q, value)
    if q.label in points:
        n = points[q.label]
        text += f" ({n} point{'' if n == 1 else 's'})"
    return text


ALL_ANSWERS_CASES = {
    **demo_patients(),
    "every question": EVERY_QUESTION["2026.2"],
    "long answers everywhere": answers(**LONGEST),
    "every flag": answers(**EVERY_FLAG),
}


@pytest.mark.parametrize("given", ALL_ANSWERS_CASES.values(), ids=ALL_ANSWERS_CASES.keys())
def test_every_answered_question_is_in_all_answers_after_page_1(given):
    q = questionnaire.CURRENT
    pdf = render(given)
    assessment = assess(given, SUBMITTED_ON)
    points = {item.question: item.points for item in assessment.findings.oiliness_items}
    text = flat(pdf.all_answers)
    assert pdf.pages[len(pdf.sheet_pages)].startswith(f"{ALL_ANSWERS}\n")

    asked = [question for step in q.steps for question in step.visible_questions(given)]
    assert {question.id for question in asked} >= {k for k, v in given.items() if v}
    at = 0
    for step in q.steps:
        at = text.index(flat(step.title), at)
        for question in step.visible_questions(given):
            value = given.get(question.id)
            answer = printed(question, value, points) if value else "Not provided"
            row = f"{question.label} {answer}"
            at = text.index(flat(row), at) + len(flat(row))


# The location map on page 1: the shaded areas are the chosen ones.

DPI = PAGE_DPI  # the pixels per inch page_image renders at
DARK, LIGHT = 180, 230  # grey levels: a shaded area is below DARK, a plain one above LIGHT


def map_placement(pdf: Rendered) -> tuple[float, float, float]:
    """Where page 1's location map is: its bottom left corner (points from the page's bottom
    left) and its scale, read from the transformation its own words are drawn with."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip() == LEGEND:
            found.append(cm)

    pdf.reader.pages[0].extract_text(visitor_text=visit)
    ((scale, b, c, d, x, y),) = found  # one map, on page 1
    assert b == c == 0 and d == pytest.approx(scale)  # scaled, not turned
    return x, y, scale


def grey_at(image: Image.Image, x: float, y: float, page_height: float) -> float:
    """The median grey level of the 3 by 3 pixels at a point (points from the bottom left)."""
    column, row = round(x * DPI / 72), round((page_height - y) * DPI / 72)
    levels: list[int] = []
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            level = image.getpixel((column + dx, row + dy))
            assert isinstance(level, int)  # one grey level: the image is "L"
            levels.append(level)
    return statistics.median(levels)


CHOICES = {
    "face only": list(FACE),
    "trunk only": list(TRUNK),
    "all": list(AREAS),
    "cheeks, neck and back": ["back", "cheeks", "neck"],
    "forehead, nose and shoulders": ["forehead", "nose", "shoulders"],
}


@pytest.mark.parametrize("chosen", CHOICES.values(), ids=CHOICES.keys())
def test_the_areas_shaded_on_page_1_are_the_ones_chosen(tmp_path, chosen):
    pdf = render(answers(locations=chosen))
    left, bottom, scale = map_placement(pdf)
    image = page_image(pdf.data, tmp_path)
    page_height = float(pdf.reader.pages[0].mediabox.height)
    drawing = LocationMap(chosen, MAP_WIDTH * scale)  # the map as page 1 draws it

    assert abs(image.height - page_height * DPI / 72) <= 1  # page 1 of A4, at DPI
    for area, points in drawing.area_samples().items():
        for x, y in points:
            level = grey_at(image, left + x, bottom + y, page_height)
            if area in chosen:
                assert level < DARK, f"{area} at {x:.0f}, {y:.0f} is not shaded ({level})"
            else:
                assert level > LIGHT, f"{area} at {x:.0f}, {y:.0f} is not white ({level})"
    # In words too: every area labelled on page 1, the chosen ones in bold.
    fonts = {}

    def visit(text, cm, tm, font, size):
        label = text.strip()  # an area's label; not the caption "Back" under the back
        if label in AREAS.values() and cm[0] == pytest.approx(scale) and tm[5] != CAPTION_BASELINE:
            fonts[label] = font["/BaseFont"].split("+")[-1]

    pdf.reader.pages[0].extract_text(visitor_text=visit)
    assert fonts == {
        name: styles.FONT_BOLD if area in chosen else styles.FONT for area, name in AREAS.items()
    }


# The patient's questions: the first 300 characters on page 1, then the page they go on.


def numbered_question(length: int) -> str:
    """Words numbered in order, so where it was cut shows: "Q q0001 q0002 ..."; the 300th
    character falls inside a word."""
    text = "Q" + "".join(f" q{n:04d}" for n in range(1, length // 6 + 2))
    return text[:length]


CUT_SHORT = re.compile(r"Questions: (.*?)\u2026")
# Written by the canvas once every page is known, as "Page N of M" is: last in the page's text.
CONTINUED = re.compile(r"\(continued on page (\d+)\)")
CONTINUED_CASES = {
    "1,200 characters": dict(questions_for_dermatologist=numbered_question(1200)),
    "2,000 characters": dict(questions_for_dermatologist=numbered_question(2000)),
    "every flag: the sheet on two pages": dict(
        **EVERY_FLAG, questions_for_dermatologist=numbered_question(1000)
    ),
    "long answers everywhere": dict(LONGEST, questions_for_dermatologist=numbered_question(2000)),
}


@pytest.mark.parametrize("overrides", CONTINUED_CASES.values(), ids=CONTINUED_CASES.keys())
def test_a_long_question_continues_on_the_page_named(overrides):
    question = overrides[QUESTIONS]
    pdf = render(answers(**overrides))

    (match,) = CUT_SHORT.finditer(pdf.sheet)
    assert match.group(1) == words(question[:ON_SHEET])
    (continued,) = CONTINUED.finditer(pdf.sheet)
    page = int(continued.group(1))
    assert len(pdf.sheet_pages) < page <= len(pdf.pages)
    # Nothing after the first 300 characters is on the sheet.
    assert flat(question[ON_SHEET : ON_SHEET + 12]) not in flat(pdf.sheet)
    assert "q0051" not in pdf.sheet
    # Page N holds the question in full in All answers: its wording, its start and what page 1
    # left out; no page before it does.
    label = "Questions for your dermatologist"
    assert flat(f"{label} {question[: ON_SHEET + 60]}") in flat(pdf.pages[page - 1])
    assert all(label not in earlier for earlier in pdf.pages[: page - 1])
    assert flat(pdf.all_answers).count(flat(question)) == 1


def test_a_question_of_300_characters_is_all_on_page_1_and_of_301_continues():
    exactly = numbered_question(ON_SHEET)
    longer = numbered_question(ON_SHEET + 1)

    whole = render(answers(questions_for_dermatologist=exactly))
    cut = render(answers(questions_for_dermatologist=longer))

    assert f"Questions: {words(exactly)} {NOTE_LABEL}" in whole.page_1
    assert "continued on page" not in whole.words
    (match,) = CUT_SHORT.finditer(cut.page_1)
    assert match.group(1) == words(exactly)
    assert CONTINUED.findall(cut.page_1) == ["3"]
    assert flat(f"Questions for your dermatologist {longer}") in flat(cut.pages[2])


# Every flag at once: page 1 continues onto page 2, in order, nothing cut or repeated.

EVERY_FLAG_CASES = {
    "every flag": EVERY_FLAG,
    "every flag, long answers everywhere": LONGEST,
    "every flag, the longest name and disease": dict(
        EVERY_FLAG,
        full_name=("Αλέξανδρος Παπαδόπουλος-Nguyễn Thị Minh Khai Анна Каренина " * 2)[:100],
        nerve_muscle_disease=("Hereditary motor and sensory neuropathy, myopathy; " * 4)[:200],
    ),
}


@pytest.mark.parametrize("overrides", EVERY_FLAG_CASES.values(), ids=EVERY_FLAG_CASES.keys())
def test_every_flag_at_once_continues_cleanly_onto_page_2(overrides):
    given = answers(**overrides)
    pdf = render(given)
    assessment = assess(given, SUBMITTED_ON)

    assert [(f.level.value, f.text) for f in assessment.flags] == EVERY_FLAG_RAISED
    assert len(pdf.sheet_pages) == 2
    # Page 1: the header and the flags, from the first to the last, in SPEC order.
    assert pdf.page_1.startswith(TITLE)
    assert f"{FLAGS_HEADING}: Contraindication 3, Defer 4, Caution 9" in page_lines(pdf.pages[0])
    assert_in_order(pdf.sheet, [flag_line(flag) for flag in assessment.flags])
    for flag in assessment.flags:
        assert pdf.words.count(flag.text) == 1, flag.text  # printed once, nowhere else
        # A flag's row is never split: its level, text, Raised by and basis on one page.
        assert sum(flag_line(flag) in words(page) for page in pdf.sheet_pages) == 1
    # Then the rest of the sheet, whole, on page 2; All answers from page 3.
    assert_in_order(pdf.sheet, sheet_parts(given, assessment))
    assert GLANCE_HEADING not in pdf.pages[0]
    assert words(pdf.pages[1]).startswith(GLANCE_HEADING) or words(pdf.pages[1]).startswith(
        f"{FLAGS_HEADING}: Contraindication 3, Defer 4, Caution 9"
    )
    assert AT_THE_VISIT in words(pdf.pages[1])
    assert pdf.pages[2].startswith(f"{ALL_ANSWERS}\n")
    assert_in_order(pdf.all_answers, [step.title for step in questionnaire.CURRENT.steps])


def test_page_1_reads_the_same_with_poppler(tmp_path):
    """pdftotext, another reader, finds page 1's words and no phone number on it."""
    pdf = render(answers(phone="+44 20 7946 0000"))
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-layout", path, "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout

    for expected in (TITLE, FLAGS_HEADING, GLANCE_HEADING, *AREAS.values(), "At the visit"):
        assert expected in text, expected
    assert "7946" not in text and ALL_ANSWERS not in text
