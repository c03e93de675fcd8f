"""The clinician's PDF summary, read back as text: SPEC sections 4 to 6 are the contract."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.rl_accel import fp_str
from reportlab.platypus import Paragraph

from intake.assessment import (
    CONSIDERATIONS_HEADING,
    NO_CONSIDERATIONS_TEXT,
    NO_FLAGS_TEXT,
    assess,
)
from intake.content import find_document, load_documents, select_passages
from intake.pdf import styles
from intake.pdf.drawings import AREAS
from tests.documents import LEAFLET_RULES, SHIPPED_ID, folder_with_second_document, write_document
from tests.factories import EVERY_OPTIONAL_EMPTY, answers, answers_2026_1
from tests.pdf.conftest import render_pdf

SUBMITTED_ON = date(2026, 11, 26)  # SUBMITTED_AT in the clinic's time zone
APPOINTMENT = "2026-12-10"

# SPEC section 4, word for word, in its order: level by level.
C, D, W = "Contraindication", "Defer", "Caution"
HYPERSENSITIVITY = (
    C, "Allergic reaction after botulinum toxin: hypersensitivity is a contraindication."
)  # fmt: skip
INFECTION = (
    C,
    "Skin infection at the proposed injection site: do not inject until it has cleared.",
)
NEUROMUSCULAR = (C, "Myasthenia gravis, Lambert-Eaton syndrome or motor neurone disease.")
PREGNANT = (D, "Pregnant or breastfeeding: defer elective off-label treatment.")
SERIOUS_REACTION = (
    D, "Serious reaction after botulinum toxin before: check the history before any injection."
)  # fmt: skip
SWALLOWING = (D, "Difficulty swallowing or breathing problems.")
RECENT_TOXIN = (D, "Botulinum toxin in the last 4 months.")
PREGNANCY_UNSURE = (W, "Pregnancy status uncertain.")
PLANNING = (W, "Planning a pregnancy in the next 6 months: discuss timing.")
OTHER_NERVE = (
    W, "Another nerve or muscle disease: check whether it affects nerve-muscle transmission."
)  # fmt: skip
MILK = (W, "Cow's milk protein allergy: avoid abobotulinumtoxinA (Dysport, Azzalure).")
POSSIBLE_MILK = (W, "Possible cow's milk protein allergy: check before choosing a product.")
BRUISING = (W, "Bruising and bleeding risk at injection sites.")
POTENTIATING = (W, "Medicine that may increase the effect of botulinum toxin.")
FACE = (
    W, "Facial weakness, drooping or a previous operation on the face: record before treatment."
)  # fmt: skip
OPERATION = (W, "Operation planned in the next 3 months.")
DROOPING = (W, "Drooping or an uneven smile after botulinum toxin before.")
TOXIN_UNSURE = (W, "Botulinum toxin history uncertain.")
FAINTING = (W, "Has fainted with injections: consider treating lying down.")
UNDER_18 = (
    W,
    "Under 18: outside the licensed age. In England only a doctor, or someone acting on a "
    "doctor's directions, may give botulinum toxin.",
)
SPEC_FLAGS = (
    HYPERSENSITIVITY, INFECTION, NEUROMUSCULAR,
    PREGNANT, SERIOUS_REACTION, SWALLOWING, RECENT_TOXIN,
    PREGNANCY_UNSURE, PLANNING, OTHER_NERVE, MILK, POSSIBLE_MILK, BRUISING, POTENTIATING, FACE,
    OPERATION, DROOPING, TOXIN_UNSURE, FAINTING, UNDER_18,
)  # fmt: skip

# Clinical considerations (SPEC section 4): not flags, no level.
ISOTRETINOIN_NOW = (
    "Takes isotretinoin now: it already reduces oil, so toxin for oiliness adds little while it "
    "is taken."
)
ISOTRETINOIN_RECENT = (
    "Stopped isotretinoin in the last 6 months: oil production may still be reduced."
)
ISOTRETINOIN_INDICATED = "Isotretinoin may be indicated: nodules, scarring or severe acne."
TRUNK_ONLY = "Acne on the trunk only: studies of botulinum toxin for oil and acne treated the face."
HORMONAL = "Hormonal features: consider assessment for excess androgens."
PICKING = "Picks or squeezes spots often: scarring risk."
SPEC_CONSIDERATIONS = (
    ISOTRETINOIN_NOW, ISOTRETINOIN_RECENT, ISOTRETINOIN_INDICATED, TRUNK_ONLY, HORMONAL, PICKING,
)  # fmt: skip

PATTERN_LABEL = "Acne pattern (patient-described, not a clinical grade)"
SELF_REPORTED = "self-reported, not a sebum measurement"

VERY_OILY = dict(
    face_feel="oily_all_over",
    blotting="more_than_three",
    pores="nose_and_cheeks",
    shine="yes",
)
# Every flag at every level but those excluded by another answer (pregnancy unsure, planning
# a pregnancy, possible cow's milk allergy, toxin history uncertain).
EVERY_FLAG = dict(
    date_of_birth="2010-06-01",
    appointment_date=APPOINTMENT,
    pregnant_breastfeeding="yes",
    conditions=[
        "myasthenia_gravis",
        "other_nerve_muscle",
        "swallowing_breathing",
        "bleeding_disorder",
        "skin_infection",
    ],
    nerve_muscle_disease="Charcot-Marie-Tooth disease",
    face=["weakness_drooping", "operation"],
    medicines=["blood_thinners", "muscle_relaxants"],
    planned_operation="yes",
    toxin_ever="yes",
    toxin_last="last_4_months",
    after_toxin=["drooping", "distant_weakness", "allergic_reaction"],
    cows_milk_allergy="yes",
    fainting="yes",
)
EVERY_FLAG_RAISED = [
    f for f in SPEC_FLAGS if f not in (PREGNANCY_UNSURE, PLANNING, POSSIBLE_MILK, TOXIN_UNSURE)
]
LONGEST = dict(
    EVERY_FLAG,
    full_name="Nguyễn Thị Minh Khai " * 4 + "Anna Karenina" + "x" * 3,
    sex="female",
    hormonal_features=["irregular_periods", "unwanted_hair", "thinning_hair"],
    spot_types=["blackheads_whiteheads", "red_bumps", "pus_filled", "nodules", "not_sure"],
    locations=["forehead", "cheeks", "nose", "chin_jawline", "neck", "chest", "back", "shoulders"],
    duration="over_5_years",
    severity="severe",
    marks="scars",
    flares=["period", "stress", "hot_humid", "masks_helmets", "no_pattern"],
    picking="often",
    treatments_now=["pharmacy", "prescription_topical", "antibiotic_tablets", "hormonal"],
    treatments_before=["isotretinoin", "procedures", "botox"],
    response_pharmacy="helped_somewhat",
    response_prescription_topical="did_not_help",
    response_antibiotic_tablets="too_soon",
    response_isotretinoin="side_effects",
    response_hormonal="helped_somewhat",
    response_procedures="did_not_help",
    response_botox="did_not_help",
    isotretinoin_stopped="last_6_months",
    isotretinoin_relapse="yes",
    treatment_notes=("Doxycycline for three months, then a break. " * 30)[:1000],
    other_medicines=("Adapalene gel at night, zinc, a vitamin D spray. " * 30)[:1000],
    allergies=("Penicillin gives me a rash; latex too. " * 30)[:1000],
    goals=["fewer_breakouts", "less_oily", "less_redness", "marks_scars", "learn_botox"],
    questions_for_dermatologist=("How long would the effect last, and what if I stop? " * 50)[
        :2000
    ],
    **VERY_OILY,
)


def words(text: str) -> str:
    return " ".join(text.split())


def between(text: str, start: str, end: str) -> str:
    """The part of `text` from `start` up to `end` (both must be there, in that order)."""
    first = text.index(start)
    return text[first : text.index(end, first + len(start))]


# Page 1, the consult sheet, in SPEC order: each section ends where the next one's heading is.
FLAGS_HEADING = "Before any injection"
GLANCE_HEADING = "The acne at a glance"
CONSIDERATIONS_START = f"{CONSIDERATIONS_HEADING} "
GOALS_HEADING = "Goals and questions"


def flags_section(pdf) -> str:
    return between(pdf.sheet, FLAGS_HEADING, GLANCE_HEADING)


def considerations_section(pdf) -> str:
    return between(pdf.sheet, CONSIDERATIONS_START, GOALS_HEADING)


FLAG_CASES = {
    "no flags": ({}, []),
    "pregnant": (dict(pregnant_breastfeeding="yes"), [PREGNANT]),
    "pregnancy unsure": (
        dict(pregnant_breastfeeding="not_sure", planning_pregnancy="no"),
        [PREGNANCY_UNSURE],
    ),
    "planning a pregnancy": (
        dict(pregnant_breastfeeding="no", planning_pregnancy="yes"),
        [PLANNING],
    ),
    "myasthenia gravis": (dict(conditions=["myasthenia_gravis"]), [NEUROMUSCULAR]),
    "infection and bleeding disorder": (
        dict(conditions=["bleeding_disorder", "skin_infection"]),
        [INFECTION, BRUISING],
    ),
    "swallowing or breathing": (dict(conditions=["swallowing_breathing"]), [SWALLOWING]),
    "another nerve or muscle disease": (
        dict(conditions=["other_nerve_muscle"], nerve_muscle_disease="Charcot-Marie-Tooth"),
        [OTHER_NERVE],
    ),
    "blood thinner and anticholinergic": (
        dict(medicines=["blood_thinners", "anticholinergics"]),
        [BRUISING, POTENTIATING],
    ),
    "allergic reaction after toxin a year ago": (
        dict(toxin_ever="yes", toxin_last="over_12_months", after_toxin=["allergic_reaction"]),
        [HYPERSENSITIVITY],
    ),
    "recent toxin, spread and drooping": (
        dict(
            toxin_ever="yes",
            toxin_last="last_4_months",
            after_toxin=["distant_weakness", "drooping"],
        ),
        [SERIOUS_REACTION, RECENT_TOXIN, DROOPING],
    ),
    "toxin history uncertain": (dict(toxin_ever="not_sure"), [TOXIN_UNSURE]),
    "cow's milk allergy": (dict(cows_milk_allergy="yes"), [MILK]),
    "possible cow's milk allergy": (dict(cows_milk_allergy="not_sure"), [POSSIBLE_MILK]),
    "face operation": (dict(face=["operation"]), [FACE]),
    "operation perhaps planned": (dict(planned_operation="not_sure"), [OPERATION]),
    "fainting": (dict(fainting="yes"), [FAINTING]),
    "16 at the appointment": (
        dict(date_of_birth="2010-06-01", appointment_date=APPOINTMENT),
        [UNDER_18],
    ),
    "18 on the appointment day": (
        dict(date_of_birth="2008-12-10", appointment_date=APPOINTMENT),
        [],
    ),
    "every flag": (EVERY_FLAG, EVERY_FLAG_RAISED),
}


@pytest.mark.parametrize("overrides, expected", FLAG_CASES.values(), ids=FLAG_CASES.keys())
def test_safety_flags_print_level_word_text_raised_by_and_basis(render, overrides, expected):
    given = answers(**overrides)
    pdf = render(given)
    flags = flags_section(pdf)

    for level, text in expected:
        assert f"{level} {text}" in flags
    for _, text in set(SPEC_FLAGS) - set(expected):
        assert text not in pdf.words
    raised = assess(given, SUBMITTED_ON).flags
    assert [(flag.level.value, flag.text) for flag in raised] == expected
    for flag in raised:
        assert (
            f"{flag.level.value} {flag.text} Raised by: {'; '.join(flag.raised_by)} "
            f"Basis: {flag.basis}"
        ) in flags
    if expected:
        assert NO_FLAGS_TEXT not in pdf.words
    else:
        assert flags == f"{FLAGS_HEADING} {NO_FLAGS_TEXT} "
        assert all(f"{level} " not in flags for level in (C, D, W))
    # The flags are on page 1 only: All answers holds the answers, not the flags.
    for _, text in expected:
        assert pdf.words.count(text) == 1
        assert text in pdf.page_1  # even every flag at once fits page 1


def test_raised_by_names_the_nerve_or_muscle_disease_the_patient_wrote(render):
    pdf = render(
        answers(conditions=["other_nerve_muscle"], nerve_muscle_disease="Kennedy's disease")
    )

    assert (
        "Raised by: Conditions: Another nerve or muscle disease (Kennedy's disease)"
        in flags_section(pdf)
    )


def test_flags_are_grouped_by_level_counted_in_the_heading_and_in_spec_order(render):
    pdf = render(answers(**EVERY_FLAG))
    flags = flags_section(pdf)

    assert f"{FLAGS_HEADING}: Contraindication 3, Defer 4, Caution 9" in pdf.lines
    positions = [flags.index(f"{level} {text}") for level, text in EVERY_FLAG_RAISED]
    assert positions == sorted(positions)
    # Each level word is printed once per flag of its level, and nowhere else in the section.
    for level in (C, D, W):
        count = sum(1 for flag_level, _ in EVERY_FLAG_RAISED if flag_level == level)
        assert flags.count(f"{level} ") - flags.count(f"{level} {count}") == count


def _fill_colours(pdf) -> str:
    return "\n".join(page.get_contents().get_data().decode("latin-1") for page in pdf.reader.pages)


@pytest.mark.parametrize(
    "overrides, red, orange, amber",
    [
        ({}, False, False, False),
        (dict(conditions=["skin_infection"]), True, False, False),
        (dict(pregnant_breastfeeding="yes"), False, True, False),
        (dict(fainting="yes"), False, False, True),
        (dict(marks="scars", picking="often"), False, False, False),  # considerations only
    ],
)
def test_flag_badges_are_coloured_by_level(render, overrides, red, orange, amber):
    content = _fill_colours(render(answers(**overrides)))

    for colour, expected in (
        (styles.CONTRAINDICATION, red),
        (styles.DEFER, orange),
        (styles.CAUTION, amber),
    ):
        assert (f"{fp_str(*colour.rgb())} rg" in content) is expected


CONSIDERATION_CASES = {
    "none": ({}, []),
    "isotretinoin now": (
        dict(treatments_now=["isotretinoin"], response_isotretinoin="too_soon"),
        [ISOTRETINOIN_NOW],
    ),
    "isotretinoin stopped recently": (
        dict(
            treatments_before=["isotretinoin"],
            response_isotretinoin="helped_somewhat",
            isotretinoin_stopped="last_6_months",
            isotretinoin_relapse="yes",
        ),
        [ISOTRETINOIN_RECENT],
    ),
    "scars": (dict(marks="scars"), [ISOTRETINOIN_INDICATED]),
    "trunk only": (dict(locations=["chest", "back"]), [TRUNK_ONLY]),
    "hormonal features": (
        dict(sex="female", hormonal_features=["irregular_periods"]),
        [HORMONAL],
    ),
    "nodules, picking often": (
        dict(spot_types=["nodules"], picking="often"),
        [ISOTRETINOIN_INDICATED, PICKING],
    ),
}


@pytest.mark.parametrize(
    "overrides, expected", CONSIDERATION_CASES.values(), ids=CONSIDERATION_CASES.keys()
)
def test_clinical_considerations_have_their_own_box_and_are_not_flags(render, overrides, expected):
    given = answers(**overrides)
    pdf = render(given)
    box = considerations_section(pdf)
    raised = assess(given, SUBMITTED_ON).considerations

    assert [c.text for c in raised] == expected
    assert flags_section(pdf) == f"{FLAGS_HEADING} {NO_FLAGS_TEXT} "  # none of these is a flag
    for consideration in raised:
        assert (
            f"{consideration.text} Raised by: {'; '.join(consideration.raised_by)} "
            f"Basis: {consideration.basis}"
        ) in box
        assert pdf.words.count(consideration.text) == 1
    for text in set(SPEC_CONSIDERATIONS) - set(expected):
        assert text not in pdf.words
    assert (NO_CONSIDERATIONS_TEXT in box) is (not expected)
    assert all(f"{level} " not in box for level in (C, D, W))


def test_a_flag_and_a_consideration_are_each_in_their_own_section(render):
    pdf = render(answers(marks="scars", fainting="yes"))

    assert f"{FLAGS_HEADING}: Caution 1" in pdf.lines
    assert FAINTING[1] in flags_section(pdf) and ISOTRETINOIN_INDICATED not in flags_section(pdf)
    assert ISOTRETINOIN_INDICATED in considerations_section(pdf)
    assert FAINTING[1] not in considerations_section(pdf)


FINDING_CASES = {
    "comedonal, slightly oily": (
        dict(spot_types=["blackheads_whiteheads"]),
        "Comedonal",
        "Score 3 of 9: Slightly oily",
    ),
    "mixed, oily": (
        dict(
            spot_types=["blackheads_whiteheads", "red_bumps"],
            face_feel="oily_all_over",
            blotting="two_or_three",
        ),
        "Mixed comedonal and inflammatory",
        "Score 6 of 9: Oily",
    ),
    "inflammatory, not oily": (
        dict(spot_types=["pus_filled"], face_feel="tight_dry", blotting="never", pores="no"),
        "Inflammatory",
        "Score 0 of 9: Not oily",
    ),
    "nodular, very oily": (
        dict(spot_types=["blackheads_whiteheads", "nodules"], **VERY_OILY),
        "Nodular",
        "Score 9 of 9: Very oily",
    ),
    "not sure": (dict(spot_types=["not_sure"]), "Not determined", "Score 3 of 9: Slightly oily"),
}


@pytest.mark.parametrize(
    "overrides, pattern, oiliness", FINDING_CASES.values(), ids=FINDING_CASES.keys()
)
def test_findings_are_on_the_consult_sheet_and_only_there(render, overrides, pattern, oiliness):
    pdf = render(answers(**overrides))

    assert f"{GLANCE_HEADING} {PATTERN_LABEL} {pattern} Severity now " in pdf.page_1
    assert f"{oiliness} {SELF_REPORTED}" in pdf.page_1
    assert "Distribution: Face only" in pdf.page_1
    # All answers has no findings rows any more: each finding is printed once, on page 1.
    for finding in (PATTERN_LABEL, "Score ", SELF_REPORTED, "Distribution"):
        assert pdf.words.count(finding) == 1, finding


@pytest.mark.parametrize(
    "locations, distribution",
    [
        (["forehead", "chin_jawline", "neck"], "Face only"),
        (["shoulders"], "Trunk only"),
        (["cheeks", "back"], "Face and trunk"),
    ],
)
def test_distribution_is_printed_under_the_location_map(render, locations, distribution):
    pdf = render(answers(locations=locations))

    assert f"Shaded: chosen by the patient Distribution: {distribution} Treatments " in pdf.page_1
    assert "Distribution" not in pdf.all_answers  # no findings rows there
    chosen = " ".join(AREAS[area] for area in locations)
    assert f"Where do you get acne? {chosen} How long have you had acne?" in pdf.all_answers


def test_each_oiliness_answer_shows_its_points(render):
    pdf = render(answers(face_feel="oily_forehead_nose", blotting="once", pores="no", shine="yes"))

    # On page 1, the bar: the score, and each item's points by its short name.
    assert f"Score 4 of 9: Slightly oily {SELF_REPORTED}" in pdf.page_1
    assert "Face feel 2 \u00b7 Blotting 1 \u00b7 Pores 0 \u00b7 Shine 1" in pdf.page_1
    # In All answers, each question with its full wording, its answer and its points.
    assert (
        "Oily skin "
        "Two hours after washing, with no products on, how does your face feel? "
        "Oily on the forehead and nose (2 points) "
        "How often do you blot or wash your face because of oil during the day? Once (1 point) "
        "Do your pores look enlarged? No (0 points) "
        "A few hours after washing, does your face look shiny? Yes (1 point) "
        "Your treatments "
    ) in pdf.all_answers
    assert len(re.findall(r"\(\d+ points?\)", pdf.words)) == 4  # only the oiliness answers


def test_treatments_table_is_on_the_consult_sheet(render):
    pdf = render(
        answers(
            treatments_now=["pharmacy", "antibiotic_tablets"],
            treatments_before=["pharmacy", "isotretinoin"],
            response_pharmacy="helped_somewhat",
            response_antibiotic_tablets="too_soon",
            response_isotretinoin="cleared",
            isotretinoin_stopped="over_12_months",
            isotretinoin_relapse="not_sure_yet",
        )
    )

    assert (
        "Treatments Treatment Now Before How well it worked "
        "Washes or creams from a pharmacy Yes Yes Helped somewhat "
        "Antibiotic tablets Yes No Too soon to tell "
        "Isotretinoin (Roaccutane, Accutane) No Yes Cleared my acne "
        "Isotretinoin stopped: More than 12 months ago. "
        "Acne came back after isotretinoin: Not sure yet. "
        f"{CONSIDERATIONS_HEADING} "
    ) in pdf.page_1
    assert pdf.words.count("How well it worked") == 1
    # The answers themselves, with the questions' wording, are in All answers.
    for expected in (
        "Your treatments Which acne treatments are you using now? "
        "Washes or creams from a pharmacy Antibiotic tablets "
        "Which acne treatments have you used before and stopped? "
        "Washes or creams from a pharmacy Isotretinoin (Roaccutane, Accutane) ",
        "How well has isotretinoin worked for you? Cleared my acne",
        "When did you stop isotretinoin? More than 12 months ago",
        "Did your acne come back after isotretinoin? Not sure yet",
    ):
        assert expected in pdf.all_answers, expected


def test_no_treatments_table_when_none_were_used(render):
    pdf = render(answers(treatments_now=["none"], treatments_before=["none"]))

    assert f"Treatments No acne treatments used now or before. {CONSIDERATIONS_HEADING} " in (
        pdf.page_1
    )
    assert (
        "Your treatments Which acne treatments are you using now? None "
        "Which acne treatments have you used before and stopped? None "
    ) in pdf.all_answers
    assert "How well it worked" not in pdf.words
    assert "Isotretinoin stopped" not in pdf.words


@pytest.mark.parametrize(
    "overrides, age",
    [
        (dict(date_of_birth="1990-03-27", appointment_date=APPOINTMENT), "36 at appointment"),
        # No appointment date: the age on the day of submission, the eve of an 18th birthday.
        (dict(date_of_birth="2008-11-27", appointment_date=None), "17 at submission"),
    ],
)
def test_the_header_shows_age_and_sex_and_birth_date(render, overrides, age):
    pdf = render(answers(**overrides))
    born = date.fromisoformat(overrides["date_of_birth"])
    born_text = f"{born.day} {born:%B} {born.year}"

    assert f"Age and sex {age}, Male Submitted at " in pdf.page_1
    assert f"Date of birth {born_text} Language English" in pdf.page_1
    assert f"Date of birth {born_text} Sex assigned at birth Male" in pdf.all_answers
    assert (UNDER_18[1] in pdf.words) is age.startswith("17")


def test_the_header_has_reference_time_zone_and_language_and_no_phone_number(render):
    pdf = render(
        answers(
            full_name="Ada Lovelace",
            sex="intersex",
            appointment_date=APPOINTMENT,
            phone="+44 20 7946 0000",
        ),
        reference="KM7P-Q2ZX",
        submitted_at=datetime(2026, 7, 1, 13, 5, tzinfo=timezone.utc),
        timezone="America/New_York",
        language="Spanish",
    )

    assert pdf.lines[0] == "Pre-consultation summary: acne and botulinum toxin"
    assert pdf.page_1.startswith(
        "Pre-consultation summary: acne and botulinum toxin "
        "Name Ada Lovelace Reference KM7P-Q2ZX "
        "Age and sex 36 at appointment, Intersex "
        "Submitted at 1 July 2026, 09:05 (America/New_York) "
        "Date of birth 27 March 1990 Language Spanish "
        "Appointment date 10 December 2026 "
        f"{FLAGS_HEADING} "
    )
    # The phone number is in All answers, with the rest of About you; not on page 1.
    assert "Phone" not in pdf.page_1 and "7946" not in pdf.page_1
    assert (
        "About you Full name Ada Lovelace Date of birth 27 March 1990 "
        "Sex assigned at birth Intersex Appointment date 10 December 2026 "
        "Phone number +44 20 7946 0000 Your acne "
    ) in pdf.all_answers


def test_submitted_at_is_in_the_clinic_time_zone_with_summer_time(render):
    pdf = render(answers(), submitted_at=datetime(2026, 7, 1, 13, 5, tzinfo=timezone.utc))

    assert "Submitted at 1 July 2026, 14:05 (Europe/London)" in pdf.page_1


def test_a_submission_time_without_time_zone_is_refused(render):
    with pytest.raises(ValueError, match="timezone-aware"):
        render(answers(), submitted_at=datetime(2026, 7, 1, 13, 5))


# Page 1, the consult sheet, in SPEC order; then All answers, a section per step under the
# step's own title; then the passages.
SHEET_SECTIONS = (
    "Pre-consultation summary: acne and botulinum toxin",
    "Name",
    FLAGS_HEADING,
    GLANCE_HEADING,
    "Treatments",
    CONSIDERATIONS_HEADING,
    GOALS_HEADING,
    "Evidence note",
    "At the visit",
)
ANSWER_SECTIONS = (
    "All answers",
    "About you",
    "Your acne",
    "Oily skin",
    "Your treatments",
    "Health and safety",
    "Your visit",
    "Relevant passages of 'Can Botox Injections Reduce Acne?'",
)


@pytest.mark.parametrize("overrides", [{}, LONGEST], ids=["typical", "longest"])
def test_sections_come_in_spec_order(render, overrides):
    pdf = render(answers(**overrides))
    lines = pdf.lines

    def first_line(heading: str) -> int:
        return next(
            i
            for i, line in enumerate(lines)
            if line == heading or line.startswith((f"{heading} (", f"{heading}:"))
        )

    positions = [first_line(heading) for heading in (*SHEET_SECTIONS, *ANSWER_SECTIONS)]
    assert positions == sorted(positions)
    # The sheet is on page 1 (and page 2 when its flags fill page 1); All answers begins a
    # page of its own.
    assert len(pdf.sheet_pages) == (1 if not overrides else 2)
    sheet_lines = [line.strip() for page in pdf.sheet_pages for line in page.splitlines()]
    assert all(
        any(line == h or line.startswith((f"{h} (", f"{h}:")) for line in sheet_lines)
        for h in SHEET_SECTIONS
    )
    assert not set(ANSWER_SECTIONS) & set(sheet_lines)
    assert pdf.pages[len(pdf.sheet_pages)].startswith("All answers\n")
    # Each step's rows come under its own title.
    assert first_line("About you") < lines.index("Phone number") < first_line("Your acne")
    assert (
        first_line("Your acne")
        < lines.index("How bad is your acne right now?")
        < first_line("Oily skin")
    )
    assert (
        first_line("Health and safety")
        < lines.index("Do you take any of these medicines?")
        < first_line("Your visit")
        < lines.index("Questions for your dermatologist")
    )


def test_each_section_shows_its_answers_as_the_patient_saw_them(render):
    pdf = render(answers(**LONGEST))

    for expected in (
        "Where do you get acne? Forehead Cheeks Nose Chin and jawline Neck Chest Back Shoulders",
        "How long have you had acne? More than 5 years",
        "Do you have any of these? Irregular or often missed periods Unwanted hair on the face "
        "or body Thinning hair on the top of the head",
        "A few hours after washing, does your face look shiny? Yes (1 point)",
        "Which acne treatments have you used before and stopped? Isotretinoin (Roaccutane, "
        "Accutane) Procedures (peels, laser or light therapy) Botulinum toxin (Botox) injections "
        "for acne",
        "How well has isotretinoin worked for you? I stopped because of side effects",
        "When did you stop isotretinoin? In the last 6 months",
        "Which nerve or muscle disease? Charcot-Marie-Tooth disease",
        "Do you take any of these medicines? Blood thinners (for example warfarin, apixaban, "
        "clopidogrel) Muscle relaxants",
        "After botulinum toxin injections, have you ever had any of these? A drooping eyelid or "
        "eyebrow Weakness away from where you were injected An allergic reaction",
        "What would you most like from your visit? Fewer breakouts Less oily skin Less redness "
        "or swelling Help with marks or scars To learn about Botox for acne",
    ):
        assert expected in pdf.all_answers
    for free_text in (
        "treatment_notes",
        "other_medicines",
        "allergies",
        "questions_for_dermatologist",
    ):
        assert words(LONGEST[free_text]) in pdf.all_answers


def test_every_page_has_the_footer_with_page_n_of_m(render):
    pdf = render(answers(**LONGEST))
    total = len(pdf.pages)

    assert total >= 3
    for number, text in enumerate(pdf.pages, start=1):
        assert "Patient-reported information: confirm at consultation" in text
        assert "Reference ABCD-2345" in text
        assert f"Page {number} of {total}" in text
        assert "Questionnaire acne-botox-preconsult 2026.2" in text
    assert f"Page {total + 1} of" not in pdf.text


def test_document_metadata_and_a4_pages(render):
    pdf = render(answers())

    assert pdf.reader.metadata.title == "Pre-consultation summary ABCD-2345"
    for page in pdf.reader.pages:
        assert (round(float(page.mediabox.width), 1), round(float(page.mediabox.height), 1)) == (
            round(A4[0], 1),
            round(A4[1], 1),
        )


def test_optional_questions_left_empty_say_not_provided(render):
    pdf = render(answers(**EVERY_OPTIONAL_EMPTY))

    for expected in (
        "Appointment date Not provided",
        "Phone number Not provided",
        "Does your acne flare at particular times? Not provided",
        "Anything else about your treatments? Not provided",
        "Which other medicines, supplements or skin products do you use now? Not provided",
        "Do you have any allergies we should know about? Not provided",
        "Questions for your dermatologist Not provided",
    ):
        assert expected in pdf.all_answers
    assert pdf.all_answers.count("Not provided") == 7
    # Page 1 says so too where it shows one of them.
    for expected in (
        "Appointment date Not provided",
        "Flares Not provided",
        "Questions: Not provided",
    ):
        assert expected in pdf.page_1
    assert pdf.page_1.count("Not provided") == 3
    assert len(pdf.sheet_pages) == 1


def test_answered_questions_never_say_not_provided(render):
    assert "Not provided" not in render(answers()).words


def test_questions_that_did_not_apply_are_absent(render):
    pdf = render(answers(treatments_now=["none"], treatments_before=["none"], toxin_ever="no"))

    assert "Which acne treatments are you using now? None" in pdf.words
    assert "Which acne treatments have you used before and stopped? None" in pdf.words
    for not_asked in (
        "How well have washes or creams from a pharmacy worked for you?",
        "When did you stop isotretinoin?",
        "Did your acne come back after isotretinoin?",
        "Do you have any of these?",  # asked of women only
        "Are you trying for a baby",  # not asked when pregnancy does not apply
        "When was your most recent botulinum toxin injection?",
        "Which nerve or muscle disease?",
    ):
        assert not_asked not in pdf.words


def test_a_left_over_answer_whose_trigger_was_undone_is_dropped(render):
    given = answers(treatments_before=["none"])
    given["isotretinoin_stopped"] = "last_6_months"  # answered, then isotretinoin was unticked
    given["response_botox"] = "cleared"
    pdf = render(given)

    assert "When did you stop isotretinoin?" not in pdf.words
    assert "In the last 6 months" not in pdf.words
    assert "Cleared my acne" not in pdf.words
    assert ISOTRETINOIN_RECENT not in pdf.words


PASSAGES_HEADING = "Relevant passages of 'Can Botox Injections Reduce Acne?'"
NOTE_LABEL = "Evidence note (updated 30 November 2026)"
NOTE = (
    "Off-label: no botulinum toxin product is licensed for acne or oily skin. The evidence is "
    "mainly about oil (sebum), not acne: small studies found less forehead sebum for 3 to 6 "
    "months (open-label, 25 patients; placebo-controlled, 50 patients). Evidence for acne "
    "itself comes from uncontrolled case series of about 30 patients. Botulinum toxin is not in "
    "the AAD 2024 acne guideline. Units differ between products. Document off-label consent."
)
P2_MARK = "Evidence: less sebum in small studies; fewer breakouts not shown."
P3_MARK = "Evidence: no controlled studies in acne."
P4_MARK = "Evidence: uncontrolled case series; see the evidence note."
P7_MARK = (
    "Not guideline-recommended: isotretinoin is first-line for persistent, scarring or severe acne."
)
RISKS = "Relevant to this patient's risks"
PERSISTENT = dict(
    duration="over_5_years",
    treatments_now=["none"],
    treatments_before=["antibiotic_tablets"],
    response_antibiotic_tablets="did_not_help",
)

PASSAGE_CASES = {
    "typical": ({}, {"P4": (P4_MARK,), "P5": (), "P6": ()}),
    "very oily, red bumps, persistent after toxin": (
        dict(
            **VERY_OILY,
            spot_types=["red_bumps"],
            duration="over_5_years",
            treatments_now=["none"],
            treatments_before=["botox"],
            response_botox="did_not_help",
            toxin_ever="yes",
            toxin_last="over_12_months",
            after_toxin=["none"],
        ),
        {"P2": (P2_MARK,), "P3": (P3_MARK,), "P4": (P4_MARK,), "P6": (), "P7": (P7_MARK,)},
    ),
    "goals: less oily, less redness": (
        dict(goals=["less_oily", "less_redness"]),
        {"P2": (P2_MARK,), "P3": (P3_MARK,), "P4": (P4_MARK,), "P5": (), "P6": ()},
    ),
    "red bumps, on isotretinoin now": (
        dict(
            spot_types=["red_bumps"],
            treatments_now=["isotretinoin"],
            response_isotretinoin="too_soon",
        ),
        {"P4": (P4_MARK,), "P5": (), "P6": ()},
    ),
    "persistent, bruising risk": (
        dict(**PERSISTENT, medicines=["blood_thinners"]),
        {"P4": (P4_MARK,), "P5": (), "P6": (RISKS,), "P7": (P7_MARK,)},
    ),
    "long-standing but cleared": (
        dict(duration="over_5_years", response_pharmacy="cleared"),
        {"P4": (P4_MARK,), "P5": (), "P6": ()},
    ),
}


@pytest.mark.parametrize("overrides, marks", PASSAGE_CASES.values(), ids=PASSAGE_CASES.keys())
def test_passages_open_with_the_evidence_note_and_quote_each_passage_with_its_marks_and_reason(
    render, overrides, marks
):
    given = answers(**overrides)
    document = find_document(SHIPPED_ID)
    chosen = select_passages(document, given, assess(given, SUBMITTED_ON))
    pdf = render(given)

    assert {p.key: p.marks for p in chosen} == marks
    # One heading (repeated only at the top of a page the section continues on), the evidence
    # note first, then each passage verbatim, in source order, its marks under it, and
    # "Included because" only where a rule chose it; the section ends the PDF.
    assert all(page.count(PASSAGES_HEADING) <= 1 for page in pdf.pages)
    assert pdf.body.count(PASSAGES_HEADING) == 1
    expected = [PASSAGES_HEADING, NOTE_LABEL, NOTE]
    for passage in chosen:
        expected += [words(passage.text), *passage.marks]
        if passage.key in ("P4", "P6"):  # quoted for every patient
            assert passage.because is None
        else:
            assert passage.because.startswith("Included because: ")
            expected.append(passage.because)
    assert pdf.body.endswith(" ".join(expected))
    assert pdf.words.count("Included because") == len(chosen) - 2
    for passage in document.passages:
        if passage.key not in marks:
            assert words(passage.text)[:80] not in pdf.words


@pytest.mark.parametrize(
    "overrides",
    [
        dict(medicines=["anti_inflammatories"]),
        dict(toxin_ever="yes", toxin_last="over_12_months", after_toxin=["uneven_smile"]),
        dict(toxin_ever="yes", toxin_last="over_12_months", after_toxin=["distant_weakness"]),
        dict(conditions=["swallowing_breathing"]),
    ],
    ids=["bruising", "drooping", "serious reaction", "swallowing"],
)
def test_side_effects_passage_is_marked_for_this_patients_risks(render, overrides):
    document = find_document(SHIPPED_ID)
    side_effects = words(document.passages[5].text)
    unmarked, marked = render(answers()), render(answers(**overrides))

    assert f"{side_effects} {RISKS}" in marked.words
    assert marked.words.count(RISKS) == 1
    assert RISKS not in unmarked.words
    assert unmarked.body.endswith(side_effects)


def test_a_clinics_second_document_is_quoted_after_the_shipped_one(tmp_path):
    documents = load_documents(folder_with_second_document(tmp_path))
    leaflet = documents[1]
    teenager = answers(date_of_birth="2010-05-01", spot_types=["nodules"], severity="severe")
    chosen = select_passages(leaflet, teenager, assess(teenager, SUBMITTED_ON))
    alone = render_pdf(teenager).body
    both = render_pdf(teenager, documents=documents)

    assert [p.key for p in chosen] == ["P1", "P2", "P3"]
    shipped = alone[alone.index(NOTE_LABEL) :]
    assert shipped in both.body  # the shipped document's passages, exactly as without the leaflet
    rest = both.body[both.body.index(shipped) + len(shipped) :].strip()
    assert rest == " ".join([
        "Relevant passages of 'Aftercare'",
        "Evidence note (updated 1 October 2026) Clinic leaflet.",
        "For teenagers.", chosen[0].because,
        "For severe nodular acne.", chosen[1].because,
        "When not pregnant.", "Check consent", chosen[2].because,
    ])  # fmt: skip
    assert "Aftercare" not in alone


def test_a_document_without_rules_for_the_version_is_skipped(tmp_path):
    folder = tmp_path / "leaflet only"
    folder.mkdir()
    only_leaflet = load_documents(write_document(folder, LEAFLET_RULES))
    assert only_leaflet[0].rules_for("2026.1") is None
    pdf = render_pdf(answers_2026_1(), documents=only_leaflet, questionnaire_version="2026.1")

    assert "Aftercare" not in pdf.words and "For teenagers." not in pdf.words
    assert pdf.body.endswith(
        "How many sessions would I need? Relevant passages No passages selected."
    )


@pytest.mark.parametrize(
    "name",
    [
        "Zoë Ångström",
        "Αλέξανδρος Παπαδόπουλος",
        "Анна Каренина",
        "Nguyễn Thị Minh Khai",
        "Søren O'Brien-Łukasiewicz",
    ],
)
def test_names_in_latin_greek_cyrillic_and_vietnamese_print_exactly(render, name):
    pdf = render(answers(full_name=name))

    # In the header on page 1, and in All answers.
    assert f"Name {name} Reference ABCD-2345" in pdf.page_1
    assert f"Full name {name} Date of birth" in pdf.all_answers
    assert pdf.words.count(name) == 2


def test_bold_markup_uses_the_embedded_bold_font():
    bold = Paragraph("<b>Zoë</b> Ångström", styles.ANSWER)

    assert [frag.fontName for frag in bold.frags] == [styles.FONT_BOLD, styles.FONT]


def test_fonts_are_embedded_truetype_subsets(render):
    pdf = render(answers(full_name="Анна Каренина", pregnant_breastfeeding="yes"))

    for page in pdf.reader.pages:
        fonts = page["/Resources"]["/Font"]
        assert fonts
        for ref in fonts.values():
            font = ref.get_object()
            assert "DejaVuSans" in font["/BaseFont"]
            assert "/FontFile2" in font["/FontDescriptor"]
            assert "/ToUnicode" in font


def test_same_input_gives_identical_bytes(render):
    given = answers(**LONGEST)
    first, second = render(given), render(given)

    assert hashlib.sha256(first.data).hexdigest() == hashlib.sha256(second.data).hexdigest()
    assert render(given, reference="KM7P-Q2ZX").data != first.data


RENDER_IN_A_NEW_PROCESS = """
import hashlib, json, sys
sys.path.insert(0, sys.argv[1])
from tests.pdf.conftest import render_pdf
print(hashlib.sha256(render_pdf(json.load(sys.stdin)).data).hexdigest())
"""


def test_another_process_with_another_hash_seed_gives_identical_bytes(render):
    given = answers(**LONGEST)
    root = str(Path(__file__).resolve().parents[2])
    run = subprocess.run(
        [sys.executable, "-c", RENDER_IN_A_NEW_PROCESS, root],
        input=json.dumps(given),
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        check=True,
    )

    assert run.stdout.strip() == hashlib.sha256(render(given).data).hexdigest()
