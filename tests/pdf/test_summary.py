"""The clinician's PDF summary, read back as text: SPEC sections 4 to 6 are the contract."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.rl_accel import fp_str
from reportlab.platypus import Paragraph

from intake.assessment import NO_FLAGS_TEXT, assess
from intake.content import find_document, load_documents, select_passages
from intake.pdf import styles
from tests.documents import SHIPPED_ID, folder_with_second_document
from tests.factories import EVERY_OPTIONAL_EMPTY, answers
from tests.pdf.conftest import render_pdf

SUBMITTED_ON = date(2026, 11, 26)  # SUBMITTED_AT in the clinic's time zone
APPOINTMENT = "2026-12-10"

C, W = "Contraindication", "Caution"
PREGNANT = (C, "Pregnant, breastfeeding or planning pregnancy: botulinum toxin is not recommended.")
NEUROMUSCULAR = (C, "Neuromuscular disorder: risk of serious effects from botulinum toxin.")
HYPERSENSITIVITY = (C, "Possible hypersensitivity to botulinum toxin or its ingredients.")
INFECTION = (C, "Skin infection at the proposed injection site.")
PREGNANCY_UNSURE = (W, "Pregnancy status uncertain.")
BRUISING = (W, "Bruising and bleeding risk at injection sites.")
POTENTIATING = (W, "Medicine that may increase the effect of botulinum toxin.")
RECENT_TOXIN = (W, "Botulinum toxin in the last 3 months.")
POSSIBLE_ALLERGY = (W, "Possible allergy: check before treatment.")
DROOPING = (W, "Previous drooping or weakness after an injection.")
ISOTRETINOIN = (W, "Isotretinoin in the last 6 months.")
UNDER_18 = (W, "Patient is under 18: guardian consent needed.")
NODULOCYSTIC = (W, "Nodulocystic or scarring acne: consider established therapy first.")
SPEC_FLAGS = (
    PREGNANT, NEUROMUSCULAR, HYPERSENSITIVITY, INFECTION, PREGNANCY_UNSURE, BRUISING,
    POTENTIATING, RECENT_TOXIN, POSSIBLE_ALLERGY, DROOPING, ISOTRETINOIN, UNDER_18, NODULOCYSTIC,
)  # fmt: skip

VERY_OILY = dict(
    face_feel="oily_all_over",
    blotting="more_than_three",
    pores="nose_and_cheeks",
    makeup_shine="yes",
)
# Every contraindication and every caution but the two that exclude another answer.
EVERY_FLAG = dict(
    date_of_birth="2010-06-01",
    appointment_date=APPOINTMENT,
    spot_types=["nodules"],
    pregnancy="yes",
    conditions=["myasthenia_gravis", "bleeding_disorder", "skin_infection"],
    medicines=["blood_thinners", "muscle_relaxants"],
    recent_toxin="yes",
    toxin_allergy="yes",
    injection_weakness="yes",
    treatments=["isotretinoin"],
    isotretinoin_last="now",
)
LONGEST = dict(
    EVERY_FLAG,
    full_name="Nguyễn Thị Minh Khai " * 4 + "Anna Karenina" + "x" * 3,
    spot_types=["blackheads_whiteheads", "red_bumps", "pus_filled", "nodules", "not_sure"],
    locations=["forehead", "cheeks", "nose", "chin_jawline", "neck", "chest", "back", "shoulders"],
    duration="over_5_years",
    flares=["period", "stress", "hot_humid", "masks_helmets", "no_pattern"],
    treatments=[
        "pharmacy",
        "prescription_topical",
        "antibiotic_tablets",
        "isotretinoin",
        "hormonal",
        "procedures",
        "botox",
    ],
    treatment_response="side_effects",
    treatment_notes=("Doxycycline for three months, then a break. " * 30)[:1000],
    other_allergies=("Penicillin gives me a rash; latex too. " * 30)[:1000],
    goals=["fewer_breakouts", "less_oily", "less_redness", "marks_scars", "learn_botox"],
    questions_for_dermatologist=("How long would the effect last, and what if I stop? " * 50)[
        :2000
    ],
    **VERY_OILY,
)


def words(text: str) -> str:
    return " ".join(text.split())


FLAG_CASES = {
    "no flags": ({}, []),
    "pregnant": (dict(pregnancy="yes"), [PREGNANT]),
    "pregnancy unsure": (dict(pregnancy="not_sure"), [PREGNANCY_UNSURE]),
    "myasthenia gravis": (dict(conditions=["myasthenia_gravis"]), [NEUROMUSCULAR]),
    "infection and bleeding disorder": (
        dict(conditions=["bleeding_disorder", "skin_infection"]),
        [INFECTION, BRUISING],
    ),
    "blood thinner and aminoglycoside": (
        dict(medicines=["blood_thinners", "aminoglycosides"]),
        [BRUISING, POTENTIATING],
    ),
    "toxin allergy": (dict(toxin_allergy="yes"), [HYPERSENSITIVITY]),
    "unsure of allergy and recent toxin": (
        dict(toxin_allergy="not_sure", recent_toxin="not_sure"),
        [RECENT_TOXIN, POSSIBLE_ALLERGY],
    ),
    "drooping": (dict(injection_weakness="yes"), [DROOPING]),
    "isotretinoin now": (
        dict(treatments=["isotretinoin"], isotretinoin_last="now"),
        [ISOTRETINOIN],
    ),
    "isotretinoin a year ago": (
        dict(treatments=["isotretinoin"], isotretinoin_last="over_12_months"),
        [],
    ),
    "16 at the appointment": (
        dict(date_of_birth="2010-06-01", appointment_date=APPOINTMENT),
        [UNDER_18],
    ),
    "18 on the appointment day": (
        dict(date_of_birth="2008-12-10", appointment_date=APPOINTMENT),
        [],
    ),
    "nodules": (dict(spot_types=["nodules", "red_bumps"]), [NODULOCYSTIC]),
    "scars": (dict(marks="scars"), [NODULOCYSTIC]),
    "every flag": (
        EVERY_FLAG,
        [f for f in SPEC_FLAGS if f not in (PREGNANCY_UNSURE, POSSIBLE_ALLERGY)],
    ),
}


@pytest.mark.parametrize("overrides, expected", FLAG_CASES.values(), ids=FLAG_CASES.keys())
def test_safety_flags_print_level_word_text_raised_by_and_basis(render, overrides, expected):
    given = answers(**overrides)
    pdf = render(given)

    for level, text in expected:
        assert f"{level} {text}" in pdf.words
    for _, text in set(SPEC_FLAGS) - set(expected):
        assert text not in pdf.words
    for flag in assess(given, SUBMITTED_ON).flags:
        assert f"Raised by: {'; '.join(flag.raised_by)}" in pdf.words
        assert f"Basis: {flag.basis}" in pdf.words
    if expected:
        assert NO_FLAGS_TEXT not in pdf.words
    else:
        assert NO_FLAGS_TEXT in pdf.words
        assert C not in pdf.words and f"{W} " not in pdf.words


def test_flags_count_by_level_and_list_contraindications_first_in_spec_order(render):
    pdf = render(answers(**EVERY_FLAG))
    expected = [f for f in SPEC_FLAGS if f not in (PREGNANCY_UNSURE, POSSIBLE_ALLERGY)]

    assert "Safety flags: 4 contraindications, 7 cautions" in pdf.lines
    positions = [pdf.words.index(text) for _, text in expected]
    assert positions == sorted(positions)


def _fill_colours(pdf) -> str:
    return "\n".join(page.get_contents().get_data().decode("latin-1") for page in pdf.reader.pages)


@pytest.mark.parametrize(
    "overrides, red, amber",
    [({}, False, False), (dict(pregnancy="yes"), True, False), (dict(marks="scars"), False, True)],
)
def test_flag_badges_are_red_for_contraindications_and_amber_for_cautions(
    render, overrides, red, amber
):
    content = _fill_colours(render(answers(**overrides)))

    for colour, expected in ((styles.CONTRAINDICATION, red), (styles.CAUTION, amber)):
        assert (f"{fp_str(*colour.rgb())} rg" in content) is expected


FINDING_CASES = {
    "comedonal, slightly oily": (
        dict(spot_types=["blackheads_whiteheads"]),
        "Comedonal",
        "Score 3 of 9 (Slightly oily)",
    ),
    "mixed, oily": (
        dict(
            spot_types=["blackheads_whiteheads", "red_bumps"],
            face_feel="oily_all_over",
            blotting="two_or_three",
        ),
        "Mixed comedonal and inflammatory",
        "Score 6 of 9 (Oily)",
    ),
    "inflammatory, not oily": (
        dict(
            spot_types=["pus_filled"],
            face_feel="tight_dry",
            blotting="never",
            pores="no",
            makeup_shine="none_worn",
        ),
        "Inflammatory",
        "Score 0 of 9 (Not oily)",
    ),
    "nodulocystic, very oily": (
        dict(spot_types=["blackheads_whiteheads", "nodules"], **VERY_OILY),
        "Nodulocystic",
        "Score 9 of 9 (Very oily)",
    ),
    "not sure": (dict(spot_types=["not_sure"]), "Not determined", "Score 3 of 9 (Slightly oily)"),
}


@pytest.mark.parametrize(
    "overrides, pattern, oiliness", FINDING_CASES.values(), ids=FINDING_CASES.keys()
)
def test_findings_open_the_acne_and_oily_skin_sections(render, overrides, pattern, oiliness):
    pdf = render(answers(**overrides))

    assert f"Acne pattern (derived) {pattern}" in pdf.words
    assert f"Oiliness (derived) {oiliness}" in pdf.words
    assert pdf.words.count("Score ") == 1


@pytest.mark.parametrize(
    "overrides, age",
    [
        (dict(date_of_birth="1990-03-27", appointment_date=APPOINTMENT), 36),
        # No appointment date: the age on the day of submission, the eve of an 18th birthday.
        (dict(date_of_birth="2008-11-27", appointment_date=None), 17),
    ],
)
def test_identification_block_shows_birth_date_and_age(render, overrides, age):
    pdf = render(answers(**overrides))
    born = date.fromisoformat(overrides["date_of_birth"])

    assert f"Date of birth and age {born.day} {born:%B} {born.year} (age {age})" in pdf.words
    assert (UNDER_18[1] in pdf.words) is (age < 18)


def test_identification_block_has_reference_time_zone_and_language(render):
    pdf = render(
        answers(full_name="Ada Lovelace", appointment_date=APPOINTMENT, phone="+44 20 7946 0000"),
        reference="KM7P-Q2ZX",
        submitted_at=datetime(2026, 7, 1, 13, 5, tzinfo=timezone.utc),
        timezone="America/New_York",
        language="Spanish",
    )

    assert pdf.lines[0] == "Pre-consultation summary: acne and botulinum toxin"
    for expected in (
        "Full name Ada Lovelace",
        "Appointment date 10 December 2026",
        "Phone number +44 20 7946 0000",
        "Language Spanish",
        "Reference KM7P-Q2ZX",
        "Submitted at 1 July 2026, 09:05 (America/New_York)",
    ):
        assert expected in pdf.words


def test_submitted_at_is_in_the_clinic_time_zone_with_summer_time(render):
    pdf = render(answers(), submitted_at=datetime(2026, 7, 1, 13, 5, tzinfo=timezone.utc))

    assert "Submitted at 1 July 2026, 14:05 (Europe/London)" in pdf.words


def test_a_submission_time_without_time_zone_is_refused(render):
    with pytest.raises(ValueError, match="timezone-aware"):
        render(answers(), submitted_at=datetime(2026, 7, 1, 13, 5))


SECTIONS = (
    "Safety flags",
    "Acne",
    "Oily skin",
    "Previous treatments",
    "Health and safety",
    "Goals and questions",
    "Relevant passages",
)


@pytest.mark.parametrize("overrides", [{}, LONGEST], ids=["typical", "longest"])
def test_sections_come_in_spec_order_after_the_identification_block(render, overrides):
    pdf = render(answers(**overrides))
    lines = pdf.lines

    def first_line(heading: str) -> int:
        return next(
            i for i, line in enumerate(lines) if line == heading or line.startswith(f"{heading}:")
        )

    positions = [lines.index("Full name"), *(first_line(heading) for heading in SECTIONS)]
    assert positions == sorted(positions)
    # Each section's rows come under its own heading.
    assert (
        first_line("Acne")
        < lines.index("How bad is your acne right now?")
        < first_line("Oily skin")
    )
    assert (
        first_line("Health and safety")
        < lines.index("Do you take any of these medicines?")
        < first_line("Goals and questions")
    )


def test_each_section_shows_its_answers_as_the_patient_saw_them(render):
    pdf = render(answers(**LONGEST))

    for expected in (
        "Where do you get acne? Forehead Cheeks Nose Chin and jawline Neck Chest Back Shoulders",
        "How long have you had acne? More than 5 years",
        "Does make-up or sunscreen look shiny or slide off within a few hours? Yes",
        "When did you last take isotretinoin? I take it now",
        "Overall, how well did these treatments work? I stopped because of side effects",
        "Do you take any of these medicines? Blood thinners (for example warfarin, apixaban, clopidogrel) Muscle relaxants",
        "What would you most like from your visit? Fewer breakouts Less oily skin Less redness or swelling Help with marks or scars To learn about Botox for acne",
    ):
        assert expected in pdf.words
    for free_text in ("treatment_notes", "other_allergies", "questions_for_dermatologist"):
        assert words(LONGEST[free_text]) in pdf.body


def test_every_page_has_the_footer_with_page_n_of_m(render):
    pdf = render(answers(**LONGEST))
    total = len(pdf.pages)

    assert total >= 3
    for number, text in enumerate(pdf.pages, start=1):
        assert "Patient-reported information: confirm at consultation" in text
        assert "Reference ABCD-2345" in text
        assert f"Page {number} of {total}" in text
        assert "Questionnaire acne-botox-preconsult 2026.1" in text
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
        "Any other allergies or medicines we should know about? Not provided",
        "Questions for your dermatologist Not provided",
    ):
        assert expected in pdf.words
    assert pdf.words.count("Not provided") == 6


def test_answered_questions_never_say_not_provided(render):
    assert "Not provided" not in render(answers()).words


def test_questions_that_did_not_apply_are_absent(render):
    pdf = render(answers(treatments=["none"]))

    assert "Which acne treatments have you tried? None" in pdf.words
    assert "When did you last take isotretinoin?" not in pdf.words
    assert "Overall, how well did these treatments work?" not in pdf.words


def test_a_left_over_answer_whose_trigger_was_undone_is_dropped(render):
    given = answers(treatments=["pharmacy"])
    given["isotretinoin_last"] = "now"  # answered, then isotretinoin was unticked
    pdf = render(given)

    assert "When did you last take isotretinoin?" not in pdf.words
    assert "I take it now" not in pdf.words
    assert ISOTRETINOIN[1] not in pdf.words


PASSAGE_CASES = {
    "typical": ({}, {"P4", "P5", "P6"}),
    "very oily, red bumps, persistent after trying botox": (
        dict(
            **VERY_OILY,
            spot_types=["red_bumps"],
            duration="over_5_years",
            treatments=["botox"],
            treatment_response="did_not_help",
        ),
        {"P2", "P3", "P4", "P6", "P7"},
    ),
    "goals: less oily, less redness": (
        dict(goals=["less_oily", "less_redness"]),
        {"P2", "P3", "P4", "P5", "P6"},
    ),
    "tried botox, wants to learn about it": (
        dict(treatments=["botox"], goals=["learn_botox"]),
        {"P4", "P5", "P6"},
    ),
    "long-standing but cleared": (
        dict(duration="over_5_years", treatment_response="cleared"),
        {"P4", "P5", "P6"},
    ),
    "long-standing, never treated": (
        dict(duration="1_to_5_years", treatments=["none"]),
        {"P4", "P5", "P6"},
    ),
}


@pytest.mark.parametrize("overrides, keys", PASSAGE_CASES.values(), ids=PASSAGE_CASES.keys())
def test_relevant_passages_are_quoted_verbatim_with_their_reasons(render, overrides, keys):
    given = answers(**overrides)
    document = find_document(SHIPPED_ID)
    chosen = select_passages(document, given, assess(given, SUBMITTED_ON))
    pdf = render(given)
    quoted = pdf.words[pdf.words.index("Relevant passages") :]

    assert {p.key for p in chosen} == keys
    assert "Use of botulinum toxin for acne is off-label; published studies are small." in quoted
    assert quoted.count("From 'Can Botox Injections Reduce Acne?'") == len(keys)
    for passage in chosen:
        assert f"{words(passage.text)} {passage.because}" in quoted
    for passage in document.passages:
        if passage.key not in keys:
            assert words(passage.text)[:80] not in pdf.words
    order = [quoted.index(words(p.text)) for p in chosen]
    assert order == sorted(order)


@pytest.mark.parametrize(
    "overrides, marked",
    [
        ({}, False),
        (dict(injection_weakness="yes"), True),
        (dict(medicines=["blood_thinners"]), True),
    ],
)
def test_side_effects_passage_is_marked_for_drooping_or_bruising_risk(render, overrides, marked):
    pdf = render(answers(**overrides))
    side_effects = "When considering Botox for acne, potential side effects"

    assert ("Relevant to this patient's risks" in pdf.words) is marked
    if marked:
        mark = pdf.words.index("Relevant to this patient's risks")
        assert (
            pdf.words.rindex("From 'Can Botox Injections Reduce Acne?'", 0, mark)
            < mark
            < pdf.words.index(side_effects)
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

    assert name in pdf.lines


def test_bold_markup_uses_the_embedded_bold_font():
    bold = Paragraph("<b>Zoë</b> Ångström", styles.ANSWER)

    assert [frag.fontName for frag in bold.frags] == [styles.FONT_BOLD, styles.FONT]


def test_fonts_are_embedded_truetype_subsets(render):
    pdf = render(answers(full_name="Анна Каренина", pregnancy="yes"))

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


def test_a_clinics_second_document_is_quoted_after_the_shipped_one(tmp_path):
    folder = folder_with_second_document(tmp_path)
    teenager = answers(date_of_birth="2010-05-01", spot_types=["nodules"], severity="severe")
    alone = render_pdf(teenager).body
    both = render_pdf(teenager, documents=load_documents(folder)).body
    shipped = alone[alone.index("Use of botulinum toxin for acne is off-label") :]
    assert shipped in both  # the shipped document's passages, exactly as without the leaflet
    leaflet = both[both.index(shipped) + len(shipped) :].strip()
    assert leaflet.startswith("Clinic leaflet. From 'Aftercare' For teenagers.")
    assert "For severe nodular acne." in leaflet
    assert "Clinic leaflet." not in alone
