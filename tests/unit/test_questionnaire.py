"""The questionnaire definition: SPEC section 2 is the contract for its wording and shape.

Questionnaire 2026.2 is the one patients answer; 2026.1 is kept, unchanged, for the records
and drafts answered with it (SPEC section 2, "Versions")."""

from __future__ import annotations

import dataclasses
import re

import pytest

from intake import questionnaire
from intake.questionnaire import (
    CURRENT,
    QUESTIONS,
    STEPS,
    Condition,
    FlagRule,
    Kind,
    Level,
    Option,
    Question,
    Questionnaire,
    Step,
    answer_text,
    applicable_answers,
    next_step,
    previous_step,
)
from intake.questionnaire.rules import RulesError, answer, check_against, finding
from tests.factories import answers, answers_2026_1, answers_with_follow_ups

V2026_1 = questionnaire.find("2026.1")
V2026_2 = questionnaire.find("2026.2")

# SPEC section 2 (version 2026.2), character for character, as lists of questions: hint lines
# are in HINTS and OPTION_HINTS below, and the per-treatment question of step 4 ("For each
# treatment chosen in either question, its question from the table above") is written out
# once per treatment, with the table's wording.
SPEC_2026_2 = """
### Step 1 "About you"
- **Full name** (text, 1-100 characters)
- **Date of birth** (day, month, year; a real past date; age 12 to 110 today)
- **Sex assigned at birth** (radio)
  Female · Male · Intersex · Prefer not to say
- **Appointment date** (optional; today or later; filled in already when the patient came from an invitation, section 11)
- **Phone number** (optional; digits, spaces, +, -, brackets; 6-20 characters)

### Step 2 "Your acne"
- **Which types of spots do you have?** (checkbox, at least one)
  Blackheads or whiteheads · Red bumps · Pus-filled spots · Large, painful lumps under the skin · I'm not sure
- **Where do you get acne?** (checkbox, at least one)
  Forehead · Cheeks · Nose · Chin and jawline · Neck · Chest · Back · Shoulders
- **How long have you had acne?** (radio)
  Less than 6 months · 6 to 12 months · 1 to 5 years · More than 5 years
- **How bad is your acne right now?** (radio)
  Clear · Almost clear · Mild · Moderate · Severe
- **Does your acne leave marks or scars?** (radio)
  No · Dark or red marks only · Scars · I'm not sure
- **Does your acne flare at particular times?** (checkbox, optional)
  Around my period · When stressed · In hot or humid weather · Under masks or helmets · No pattern I know of
- **How much does acne affect your daily life?** (radio)
  Not at all · A little · A lot · Very much
- **Do you pick or squeeze your spots?** (radio)
  Often · Sometimes · Never
- If Sex assigned at birth is Female: **Do you have any of these?** (checkbox, at least one)
  Irregular or often missed periods · Unwanted hair on the face or body · Thinning hair on the top of the head · None of these

### Step 3 "Oily skin"
- **Two hours after washing, with no products on, how does your face feel?** (radio)
  Tight or dry (0) · Normal (1) · Oily on the forehead and nose (2) · Oily all over (3)
- **How often do you blot or wash your face because of oil during the day?** (radio)
  Never (0) · Once (1) · 2 or 3 times (2) · More than 3 times (3)
- **Do your pores look enlarged?** (radio)
  No (0) · On my nose only (1) · On my nose and cheeks (2)
- **A few hours after washing, does your face look shiny?** (radio)
  Yes (1) · No (0)

### Step 4 "Your treatments"
- **Which acne treatments are you using now?** (checkbox, at least one)
  Washes or creams from a pharmacy · Prescription creams or gels · Antibiotic tablets ·
  Isotretinoin (Roaccutane, Accutane) · Hormonal treatment (contraceptive pill, spironolactone) ·
  Procedures (peels, laser or light therapy) · Botulinum toxin (Botox) injections for acne · None
- **Which acne treatments have you used before and stopped?** (checkbox, at least one)
  Washes or creams from a pharmacy · Prescription creams or gels · Antibiotic tablets ·
  Isotretinoin (Roaccutane, Accutane) · Hormonal treatment (contraceptive pill, spironolactone) ·
  Procedures (peels, laser or light therapy) · Botulinum toxin (Botox) injections for acne · None
- If Washes or creams from a pharmacy: **How well have washes or creams from a pharmacy worked for you?** (radio)
  Cleared my acne · Helped somewhat · Did not help · I stopped because of side effects · Too soon to tell
- If Prescription creams or gels: **How well have prescription creams or gels worked for you?** (radio)
  Cleared my acne · Helped somewhat · Did not help · I stopped because of side effects · Too soon to tell
- If Antibiotic tablets: **How well have antibiotic tablets worked for you?** (radio)
  Cleared my acne · Helped somewhat · Did not help · I stopped because of side effects · Too soon to tell
- If Isotretinoin (Roaccutane, Accutane): **How well has isotretinoin worked for you?** (radio)
  Cleared my acne · Helped somewhat · Did not help · I stopped because of side effects · Too soon to tell
- If Hormonal treatment (contraceptive pill, spironolactone): **How well has hormonal treatment worked for you?** (radio)
  Cleared my acne · Helped somewhat · Did not help · I stopped because of side effects · Too soon to tell
- If Procedures (peels, laser or light therapy): **How well have procedures (peels, laser or light therapy) worked for you?** (radio)
  Cleared my acne · Helped somewhat · Did not help · I stopped because of side effects · Too soon to tell
- If Botulinum toxin (Botox) injections for acne: **How well have botulinum toxin injections for acne worked for you?** (radio)
  Cleared my acne · Helped somewhat · Did not help · I stopped because of side effects · Too soon to tell
- If Isotretinoin was used before and stopped: **When did you stop isotretinoin?** (radio)
  In the last 6 months · 6 to 12 months ago · More than 12 months ago
- If Isotretinoin was used before and stopped: **Did your acne come back after isotretinoin?** (radio)
  Yes · No · Not sure yet
- **Anything else about your treatments?** (optional, up to 1,000 characters)

### Step 5 "Health and safety"
- **Are you pregnant or breastfeeding?** (radio)
  Yes · No · I'm not sure · Does not apply to me
- If No or I'm not sure: **Are you trying for a baby, or planning a pregnancy in the next 6 months?** (radio)
  Yes · No
- **Do you have any of these conditions?** (checkbox, at least one)
  Myasthenia gravis · Lambert-Eaton syndrome · Motor neurone disease (ALS) · Another nerve or muscle disease ·
  Difficulty swallowing, or a breathing problem such as severe asthma or COPD · A bleeding or clotting disorder ·
  A skin infection where you would have injections · None of these
- If Another nerve or muscle disease: **Which nerve or muscle disease?** (text, 1-200 characters)
- **Does any of this apply to your face?** (checkbox, at least one)
  Weakness or drooping of an eyelid, eyebrow or one side of the face · An operation on your face · None of these
- **Do you take any of these medicines?** (checkbox, at least one)
  Blood thinners (for example warfarin, apixaban, clopidogrel) · Aspirin or anti-inflammatory painkillers (for example ibuprofen) on most days ·
  An antibiotic injection or drip in the last month (for example gentamicin) · Muscle relaxants ·
  Medicines for an overactive bladder, sweating or travel sickness, or sedating antihistamines · None of these
- **Are you planning an operation in the next 3 months?** (radio)
  Yes · No · I'm not sure
- **Have you ever had botulinum toxin injections, for any reason?** (radio)
  Yes · No · I'm not sure
- If Yes: **When was your most recent botulinum toxin injection?** (radio)
  In the last 4 months · 4 to 12 months ago · More than 12 months ago · I don't remember
- If Yes: **After botulinum toxin injections, have you ever had any of these?** (checkbox, at least one)
  A drooping eyelid or eyebrow · An uneven smile or weakness around the mouth · Difficulty swallowing, speaking or breathing ·
  Weakness away from where you were injected · An allergic reaction · None of these
- **Do you have an allergy to cow's milk protein?** (radio)
  Yes · No · I'm not sure
- **Have you ever fainted, or nearly fainted, having an injection or a blood test?** (radio)
  Yes · No
- **Which other medicines, supplements or skin products do you use now?** (optional, up to 1,000 characters)
- **Do you have any allergies we should know about?** (optional, up to 1,000 characters)

### Step 6 "Your visit"
- **What would you most like from your visit?** (checkbox, at least one)
  Fewer breakouts · Less oily skin · Less redness or swelling · Help with marks or scars · To learn about Botox for acne
- **Questions for your dermatologist** (optional, up to 2,000 characters)
"""

# The hints SPEC section 2 gives (where a hint is given there, it is used).
HINTS = {
    "sex": "This helps your dermatologist judge hormonal causes of acne and which medicines are "
    "safe for you.",
    "treatment_notes": "For example the names of creams or tablets, and how long you used them.",
    "toxin_ever": "Brands include Botox, Vistabel, Azzalure, Dysport, Bocouture, Xeomin and "
    "Letybo. They are also used for migraine, sweating, teeth grinding and bladder problems.",
    "cows_milk_allergy": "This is not the same as lactose intolerance.",
}
OPTION_HINTS = {
    ("severity", "clear"): "No spots at the moment",
    ("severity", "almost_clear"): "One or two small spots",
    ("severity", "mild"): "Some spots, mostly small",
    ("severity", "moderate"): "Many spots, some of them red and sore",
    ("severity", "severe"): "Many red, sore spots, or painful lumps",
    ("conditions", "skin_infection"): "For example cold sores, impetigo or boils. Ordinary acne "
    "spots do not count.",
}

# SPEC section 2 of version 2026.1, as it was: the record of what those patients were asked.
SPEC_2026_1 = """
### Step 1 "About you"
- **Full name** (text, 1-100 characters)
- **Date of birth** (day, month, year; a real past date; age 12 to 110 today)
- **Appointment date** (optional; today or later)
- **Phone number** (optional; digits, spaces, +, -, brackets; 6-20 characters)

### Step 2 "Your acne"
- **Which types of spots do you have?** (checkbox, at least one)
  Blackheads or whiteheads · Red bumps · Pus-filled spots · Large, painful lumps under the skin · I'm not sure
- **Where do you get acne?** (checkbox, at least one)
  Forehead · Cheeks · Nose · Chin and jawline · Neck · Chest · Back · Shoulders
- **How long have you had acne?** (radio)
  Less than 6 months · 6 to 12 months · 1 to 5 years · More than 5 years
- **How bad is your acne right now?** (radio)
  Almost clear · Mild · Moderate · Severe
- **Does your acne leave marks or scars?** (radio)
  No · Dark or red marks only · Scars · I'm not sure
- **Does your acne flare at particular times?** (checkbox, optional)
  Around my period · When stressed · In hot or humid weather · Under masks or helmets · No pattern I know of
- **How much does acne affect your daily life?** (radio)
  Not at all · A little · A lot · Very much

### Step 3 "Oily skin"
- **Two hours after washing, with no products on, how does your face feel?** (radio)
  Tight or dry (0) · Normal (1) · Oily on the forehead and nose (2) · Oily all over (3)
- **How often do you blot or wash your face because of oil during the day?** (radio)
  Never (0) · Once (1) · 2 or 3 times (2) · More than 3 times (3)
- **Do your pores look enlarged?** (radio)
  No (0) · On my nose only (1) · On my nose and cheeks (2)
- **Does make-up or sunscreen look shiny or slide off within a few hours?** (radio)
  Yes (1) · No (0) · I don't wear any (0)

### Step 4 "Previous treatments"
- **Which acne treatments have you tried?** (checkbox, at least one)
  Washes or creams from a pharmacy · Prescription creams or gels · Antibiotic tablets ·
  Isotretinoin (Roaccutane, Accutane) · Hormonal treatment (contraceptive pill, spironolactone) ·
  Procedures (peels, laser or light therapy) · Botulinum toxin (Botox) injections for acne · None
- If Isotretinoin: **When did you last take isotretinoin?** (radio)
  I take it now · In the last 6 months · 6 to 12 months ago · More than 12 months ago
- If any treatment: **Overall, how well did these treatments work?** (radio)
  Cleared my acne · Helped somewhat · Did not help · I stopped because of side effects
- **Anything else about your treatments?** (optional, up to 1,000 characters)

### Step 5 "Health and safety"
- **Are you pregnant, breastfeeding, or planning a pregnancy in the next 6 months?** (radio)
  Yes · No · I'm not sure · Does not apply to me
- **Do you have any of these conditions?** (checkbox, at least one)
  Myasthenia gravis · Lambert-Eaton syndrome · Motor neurone disease (ALS) or another nerve or muscle disease ·
  A bleeding or clotting disorder · A skin infection where you would have injections · None of these
- **Do you take any of these medicines?** (checkbox, at least one)
  Blood thinners (for example warfarin, apixaban, clopidogrel) · Aspirin or anti-inflammatory painkillers (for example ibuprofen) ·
  Aminoglycoside antibiotics (for example gentamicin) · Muscle relaxants · None of these
- **Have you had botulinum toxin injections (Botox, Dysport, Xeomin) for any reason in the last 3 months?** (radio)
  Yes · No · I'm not sure
- **Have you ever had an allergic reaction to botulinum toxin, or do you have a cow's milk protein allergy?** (radio)
  Yes · No · I'm not sure
- **After any injection, have you ever had drooping eyelids or eyebrows, or muscle weakness?** (radio)
  Yes · No
- **Any other allergies or medicines we should know about?** (optional, up to 1,000 characters)

### Step 6 "Your visit"
- **What would you most like from your visit?** (checkbox, at least one)
  Fewer breakouts · Less oily skin · Less redness or swelling · Help with marks or scars · To learn about Botox for acne
- **Questions for your dermatologist** (optional, up to 2,000 characters)
"""

# Ids are database keys, PDF rows and FHIR linkIds: once shipped they never change.
SHIPPED_QUESTION_IDS = {
    "2026.1": {
        "about-you": ["full_name", "date_of_birth", "appointment_date", "phone"],
        "your-acne": [
            "spot_types", "locations", "duration", "severity", "marks", "flares", "impact",
        ],
        "oily-skin": ["face_feel", "blotting", "pores", "makeup_shine"],
        "previous-treatments": [
            "treatments", "isotretinoin_last", "treatment_response", "treatment_notes",
        ],
        "health-and-safety": [
            "pregnancy", "conditions", "medicines", "recent_toxin", "toxin_allergy",
            "injection_weakness", "other_allergies",
        ],
        "your-visit": ["goals", "questions_for_dermatologist"],
    },
    "2026.2": {
        "about-you": ["full_name", "date_of_birth", "sex", "appointment_date", "phone"],
        "your-acne": [
            "spot_types", "locations", "duration", "severity", "marks", "flares", "impact",
            "picking", "hormonal_features",
        ],
        "oily-skin": ["face_feel", "blotting", "pores", "shine"],
        "your-treatments": [
            "treatments_now", "treatments_before", "response_pharmacy",
            "response_prescription_topical", "response_antibiotic_tablets",
            "response_isotretinoin", "response_hormonal", "response_procedures",
            "response_botox", "isotretinoin_stopped", "isotretinoin_relapse", "treatment_notes",
        ],
        "health-and-safety": [
            "pregnant_breastfeeding", "planning_pregnancy", "conditions", "nerve_muscle_disease",
            "face", "medicines", "planned_operation", "toxin_ever", "toxin_last", "after_toxin",
            "cows_milk_allergy", "fainting", "other_medicines", "allergies",
        ],
        "your-visit": ["goals", "questions_for_dermatologist"],
    },
}  # fmt: skip

TREATMENT_IDS = [
    "pharmacy",
    "prescription_topical",
    "antibiotic_tablets",
    "isotretinoin",
    "hormonal",
    "procedures",
    "botox",
]

# SPEC section 2's conditions, as (trigger questions, trigger options).
CONDITIONS_2026_2 = {
    "hormonal_features": (("sex",), ("female",)),
    **{f"response_{t}": (("treatments_now", "treatments_before"), (t,)) for t in TREATMENT_IDS},
    "isotretinoin_stopped": (("treatments_before",), ("isotretinoin",)),
    "isotretinoin_relapse": (("treatments_before",), ("isotretinoin",)),
    "planning_pregnancy": (("pregnant_breastfeeding",), ("no", "not_sure")),
    "nerve_muscle_disease": (("conditions",), ("other_nerve_muscle",)),
    "toxin_last": (("toxin_ever",), ("yes",)),
    "after_toxin": (("toxin_ever",), ("yes",)),
}


def parse_spec(text: str) -> list[dict]:
    """SPEC section 2 as steps of questions: label, condition text, notes, option labels."""
    steps: list[dict] = []
    for line in text.strip().splitlines():
        if not line.strip():
            continue
        if heading := re.fullmatch(r'### Step (\d) "(.+)"', line):
            steps.append({"number": int(heading[1]), "title": heading[2], "questions": []})
        elif entry := re.fullmatch(r"- (?:If (.+?): )?\*\*(.+?)\*\* \((.+)\)", line):
            steps[-1]["questions"].append(
                {"condition": entry[1], "label": entry[2], "notes": entry[3], "options": []}
            )
        else:
            question = steps[-1]["questions"][-1]
            question["options"] += [o.strip() for o in line.split(" · ") if o.strip()]
    # An option list wrapped over several lines ends a line with " ·".
    for step in steps:
        for question in step["questions"]:
            question["options"] = [o.rstrip(" ·") for o in question["options"]]
    return steps


SPECS = {"2026.1": parse_spec(SPEC_2026_1), "2026.2": parse_spec(SPEC_2026_2)}
VERSION_STEPS = [
    pytest.param(version, index, id=f"{version}-{spec['title']}")
    for version, steps in SPECS.items()
    for index, spec in enumerate(steps)
]


def option_text(option) -> str:
    return option.label if option.score is None else f"{option.label} ({option.score})"


# --- Versions --------------------------------------------------------------------------


def test_every_version_is_kept_and_the_current_one_is_2026_2():
    assert list(questionnaire.VERSIONS) == ["2026.1", "2026.2"]
    assert CURRENT is V2026_2 is questionnaire.VERSIONS["2026.2"]
    assert V2026_1.version == "2026.1"
    assert V2026_1.id == V2026_2.id == questionnaire.QUESTIONNAIRE_ID == "acne-botox-preconsult"
    assert questionnaire.QUESTIONNAIRE_VERSION == "2026.2"
    assert STEPS is V2026_2.steps and QUESTIONS is V2026_2.questions


def test_a_version_never_used_is_not_found():
    with pytest.raises(KeyError):
        questionnaire.find("2025.9")


# --- Wording and shape: SPEC section 2 -------------------------------------------------


def test_the_spec_parser_read_every_step_and_question():
    # Guards the parser: a silently empty parse would make the wording tests pass vacuously.
    assert [[s["number"] for s in steps] for steps in SPECS.values()] == [[1, 2, 3, 4, 5, 6]] * 2
    assert [sum(len(s["questions"]) for s in steps) for steps in SPECS.values()] == [28, 46]
    assert SPECS["2026.2"][3]["questions"][0]["options"][-1] == "None"
    assert SPECS["2026.2"][4]["questions"][2]["options"][-1] == "None of these"


@pytest.mark.parametrize("version", SPECS)
def test_steps_have_the_spec_titles_in_the_spec_order(version):
    steps = questionnaire.find(version).steps
    assert [s.title for s in steps] == [s["title"] for s in SPECS[version]]


@pytest.mark.parametrize(("version", "index"), VERSION_STEPS)
def test_question_labels_match_the_spec_word_for_word(version, index):
    step = questionnaire.find(version).steps[index]
    assert [q.label for q in step.questions] == [
        q["label"] for q in SPECS[version][index]["questions"]
    ]


@pytest.mark.parametrize(("version", "index"), VERSION_STEPS)
def test_option_labels_and_scores_match_the_spec_word_for_word(version, index):
    step = questionnaire.find(version).steps[index]
    for question, spec in zip(step.questions, SPECS[version][index]["questions"], strict=True):
        assert [option_text(o) for o in question.options] == spec["options"], question.id


@pytest.mark.parametrize(("version", "index"), VERSION_STEPS)
def test_kinds_and_optional_questions_match_the_spec(version, index):
    step = questionnaire.find(version).steps[index]
    for question, spec in zip(step.questions, SPECS[version][index]["questions"], strict=True):
        notes = spec["notes"]
        assert question.required is ("optional" not in notes), question.id
        if notes.startswith("radio"):
            assert question.kind is Kind.ONE_OF, question.id
        elif notes.startswith("checkbox"):
            assert question.kind is Kind.ANY_OF, question.id
        if limit := re.search(r"up to ([\d,]+) characters", notes):
            assert question.kind is Kind.LONG_TEXT
            assert question.max_length == int(limit[1].replace(",", "")), question.id
        if lengths := re.search(r"(\d+)-(\d+) characters", notes):
            assert question.kind is Kind.TEXT
            assert (question.min_length, question.max_length) == (int(lengths[1]), int(lengths[2]))


@pytest.mark.parametrize("version", SPECS)
def test_only_the_spec_conditional_questions_have_conditions(version):
    conditional = {q.label for q in questionnaire.find(version).questions.values() if q.shown_if}
    in_spec = {q["label"] for s in SPECS[version] for q in s["questions"] if q["condition"]}
    assert conditional == in_spec
    assert len(conditional) == {"2026.1": 2, "2026.2": 14}[version]


@pytest.mark.parametrize("question_id", HINTS)
def test_question_hints_given_in_the_spec_are_used(question_id):
    assert QUESTIONS[question_id].hint == HINTS[question_id]


@pytest.mark.parametrize(("question_id", "option_id"), OPTION_HINTS)
def test_option_hints_given_in_the_spec_are_used(question_id, option_id):
    assert QUESTIONS[question_id].option(option_id).hint == OPTION_HINTS[question_id, option_id]


def test_the_patient_reads_every_spec_text_once():
    wording = questionnaire.wording()
    assert len(wording) == len(set(wording))
    spec_texts = {s["title"] for s in SPECS["2026.2"]}
    for step in SPECS["2026.2"]:
        for q in step["questions"]:
            spec_texts.add(q["label"])
            spec_texts.update(re.sub(r" \(\d\)$", "", o) for o in q["options"])
    spec_texts |= set(HINTS.values()) | set(OPTION_HINTS.values())
    assert spec_texts <= set(wording)
    # 2026.1's questions are no longer asked
    assert "Does make-up or sunscreen look shiny or slide off within a few hours?" not in wording
    assert "I take it now" not in wording


def test_date_questions_carry_their_rule():
    assert QUESTIONS["date_of_birth"].kind is Kind.DATE
    assert QUESTIONS["date_of_birth"].date_rule is questionnaire.DateRule.BIRTH
    assert QUESTIONS["appointment_date"].kind is Kind.DATE
    assert QUESTIONS["appointment_date"].date_rule is questionnaire.DateRule.TODAY_OR_LATER


@pytest.mark.parametrize("version", SPECS)
def test_oiliness_scores_range_from_0_to_9(version):
    q = questionnaire.find(version)
    oily = q.step("oily-skin")
    assert sum(min(o.score for o in question.options) for question in oily.questions) == 0
    assert sum(max(o.score for o in question.options) for question in oily.questions) == 9
    assert all(
        o.score is None
        for s in q.steps
        if s is not oily
        for question in s.questions
        for o in question.options
    )


# --- Step flow -------------------------------------------------------------------------


def test_steps_are_numbered_1_to_6_in_order():
    assert [s.number for s in STEPS] == [1, 2, 3, 4, 5, 6]


def test_next_step_walks_forward_and_ends_after_the_last():
    walked = [STEPS[0]]
    while (following := next_step(walked[-1])) is not None:
        walked.append(following)
    assert walked == list(STEPS)
    assert next_step(STEPS[-1]) is None


def test_previous_step_walks_back_and_ends_before_the_first():
    walked = [STEPS[-1]]
    while (earlier := previous_step(walked[-1])) is not None:
        walked.append(earlier)
    assert walked == list(reversed(STEPS))
    assert previous_step(STEPS[0]) is None


@pytest.mark.parametrize("index", range(1, 6))
def test_previous_undoes_next(index):
    assert previous_step(next_step(STEPS[index - 1])) is STEPS[index - 1]
    assert next_step(previous_step(STEPS[index])) is STEPS[index]


def test_steps_are_found_by_slug_and_unknown_slugs_are_not():
    for s in STEPS:
        assert questionnaire.step(s.slug) is s
    assert questionnaire.step("previous-treatments") is None  # 2026.1's step 4
    assert V2026_1.step("previous-treatments") is V2026_1.steps[3]
    assert questionnaire.step("no-such-step") is None
    assert questionnaire.step("") is None


# --- Ids -------------------------------------------------------------------------------


@pytest.mark.parametrize("version", SPECS)
def test_question_ids_are_the_shipped_ones(version):
    steps = questionnaire.find(version).steps
    assert {s.slug: [q.id for q in s.questions] for s in steps} == SHIPPED_QUESTION_IDS[version]


@pytest.mark.parametrize("version", SPECS)
def test_question_ids_are_unique_across_the_questionnaire(version):
    q = questionnaire.find(version)
    ids = [question.id for s in q.steps for question in s.questions]
    assert len(ids) == len(set(ids)) == len(q.questions)
    assert all(q.question(i).id == i for i in ids)


@pytest.mark.parametrize("version", SPECS)
def test_ids_and_slugs_look_like_stable_keys(version):
    for s in questionnaire.find(version).steps:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", s.slug), s.slug
        for q in s.questions:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", q.id), q.id
            option_ids = [o.id for o in q.options]
            assert len(option_ids) == len(set(option_ids)), q.id
            for option_id in option_ids:
                assert re.fullmatch(r"[a-z0-9][a-z0-9_]*", option_id), (q.id, option_id)


def test_slugs_are_unique():
    assert len({s.slug for s in STEPS}) == len(STEPS)


def test_choice_questions_have_options_and_the_others_none():
    for q in QUESTIONS.values():
        if q.kind in (Kind.ONE_OF, Kind.ANY_OF):
            assert len(q.options) >= 2, q.id
        else:
            assert q.options == (), q.id


def test_every_required_question_has_its_own_message():
    for q in QUESTIONS.values():
        if q.required:
            assert q.required_message, q.id
    messages = [q.required_message for q in QUESTIONS.values() if q.required]
    # the seven "how well" questions share one message; every other one is its own
    assert messages.count("Select how well this treatment worked for you") == 7
    others = [m for m in messages if m != "Select how well this treatment worked for you"]
    assert len(others) == len(set(others))


# --- Conditions ------------------------------------------------------------------------


def visible_ids(step_slug: str, given: dict) -> list[str]:
    return [q.id for q in questionnaire.step(step_slug).visible_questions(given)]


def test_the_conditions_are_the_spec_conditions():
    assert {
        q.id: (q.shown_if.questions, q.shown_if.any_of) for q in QUESTIONS.values() if q.shown_if
    } == CONDITIONS_2026_2


def test_a_conditional_question_comes_after_its_triggers():
    order = list(QUESTIONS)
    for q in QUESTIONS.values():
        if q.shown_if:
            for trigger in q.shown_if.questions:
                assert order.index(trigger) < order.index(q.id), q.id


def test_conditional_questions_on_the_trigger_step_follow_it():
    for s in STEPS:
        ids = [q.id for q in s.questions]
        for q in s.questions:
            if q.shown_if and q.id != "hormonal_features":
                for trigger in q.shown_if.questions:
                    assert trigger in ids, q.id


@pytest.mark.parametrize("sex", ["female", "male", "intersex", "not_said"])
def test_hormonal_features_are_asked_on_step_2_only_of_female_patients(sex):
    shown = "hormonal_features" in visible_ids("your-acne", {"sex": sex})
    assert shown is (sex == "female")


def test_hormonal_features_are_not_asked_before_sex_is_answered():
    assert "hormonal_features" not in visible_ids("your-acne", {})


def test_only_step_2_reads_an_answer_of_another_step():
    assert [s.slug for s in STEPS if s.reads_other_steps] == ["your-acne"]
    assert not any(s.reads_other_steps for s in V2026_1.steps)


def test_changing_sex_drops_hormonal_features_everywhere():
    given = answers(sex="female", hormonal_features=["unwanted_hair"])
    assert given["hormonal_features"] == ["unwanted_hair"]
    for sex in ("male", "intersex", "not_said"):
        changed = dict(given, sex=sex)
        kept = applicable_answers(changed)
        assert kept == {k: v for k, v in changed.items() if k != "hormonal_features"}
        assert "hormonal_features" not in dict(
            (q.id, text) for step, rows in CURRENT.answered_steps(changed) for q, text in rows
        )


def test_answered_steps_show_hormonal_features_of_a_female_patient():
    given = answers(sex="female", hormonal_features=["irregular_periods", "thinning_hair"])
    rows = {q.id: text for _step, qs in CURRENT.answered_steps(given) for q, text in qs}
    assert rows["hormonal_features"] == (
        "Irregular or often missed periods, Thinning hair on the top of the head"
    )


@pytest.mark.parametrize("treatment", TREATMENT_IDS)
@pytest.mark.parametrize(
    ("now", "before", "shown"),
    [(True, False, True), (False, True, True), (True, True, True), (False, False, False)],
)
def test_each_how_well_question_depends_on_either_treatment_question(treatment, now, before, shown):
    given = {
        "treatments_now": [treatment] if now else ["none"],
        "treatments_before": [treatment] if before else ["none"],
    }
    visible = visible_ids("your-treatments", given)
    responses = [q for q in visible if q.startswith("response_")]
    assert responses == ([f"response_{treatment}"] if shown else [])


def test_how_well_questions_follow_the_order_of_the_seven_treatments():
    given = {"treatments_now": ["botox", "pharmacy"], "treatments_before": ["hormonal"]}
    assert visible_ids("your-treatments", given) == [
        "treatments_now",
        "treatments_before",
        "response_pharmacy",
        "response_hormonal",
        "response_botox",
        "treatment_notes",
    ]


@pytest.mark.parametrize(
    ("now", "before", "shown"),
    [
        (["isotretinoin"], ["none"], False),  # used now, not stopped
        (["none"], ["isotretinoin"], True),
        (["isotretinoin"], ["isotretinoin"], True),
        (["pharmacy"], ["antibiotic_tablets"], False),
    ],
)
def test_isotretinoin_stop_and_relapse_are_asked_only_when_it_was_used_before(now, before, shown):
    visible = visible_ids("your-treatments", {"treatments_now": now, "treatments_before": before})
    assert ("isotretinoin_stopped" in visible) is shown
    assert ("isotretinoin_relapse" in visible) is shown


def test_removing_a_treatment_from_one_question_keeps_its_answer_while_the_other_holds_it():
    given = answers(
        treatments_now=["antibiotic_tablets"],
        treatments_before=["antibiotic_tablets", "isotretinoin"],
        response_antibiotic_tablets="helped_somewhat",
        response_isotretinoin="cleared",
        isotretinoin_stopped="over_12_months",
        isotretinoin_relapse="yes",
    )
    assert "response_pharmacy" not in given  # the factory's pharmacy answer no longer applies
    still_before = applicable_answers(dict(given, treatments_now=["none"]))
    assert still_before["response_antibiotic_tablets"] == "helped_somewhat"
    gone = applicable_answers(
        dict(given, treatments_now=["none"], treatments_before=["isotretinoin"])
    )
    assert "response_antibiotic_tablets" not in gone
    assert gone["response_isotretinoin"] == "cleared"
    no_isotretinoin = applicable_answers(dict(given, treatments_before=["antibiotic_tablets"]))
    for dropped in ("response_isotretinoin", "isotretinoin_stopped", "isotretinoin_relapse"):
        assert dropped not in no_isotretinoin


@pytest.mark.parametrize(
    ("pregnant", "shown"),
    [("yes", False), ("no", True), ("not_sure", True), ("not_applicable", False)],
)
def test_planning_a_pregnancy_is_asked_only_after_no_or_not_sure(pregnant, shown):
    visible = visible_ids("health-and-safety", {"pregnant_breastfeeding": pregnant})
    assert ("planning_pregnancy" in visible) is shown
    if shown:
        assert visible.index("planning_pregnancy") == 1  # right after its trigger


@pytest.mark.parametrize(("ever", "shown"), [("yes", True), ("no", False), ("not_sure", False)])
def test_toxin_follow_ups_are_asked_only_after_yes(ever, shown):
    visible = visible_ids("health-and-safety", {"toxin_ever": ever})
    assert ("toxin_last" in visible) is shown
    assert ("after_toxin" in visible) is shown
    if shown:
        at = visible.index("toxin_ever")
        assert visible[at + 1 : at + 3] == ["toxin_last", "after_toxin"]


def test_the_named_disease_is_asked_only_for_another_nerve_or_muscle_disease():
    condition_ids = [o.id for o in QUESTIONS["conditions"].options]
    for option in condition_ids:
        visible = visible_ids("health-and-safety", {"conditions": [option]})
        assert ("nerve_muscle_disease" in visible) is (option == "other_nerve_muscle"), option


def test_undoing_a_trigger_on_step_5_drops_its_conditionals():
    given = answers(
        pregnant_breastfeeding="no",
        planning_pregnancy="yes",
        conditions=["other_nerve_muscle"],
        nerve_muscle_disease="Myotonic dystrophy",
        toxin_ever="yes",
        toxin_last="last_4_months",
        after_toxin=["drooping"],
    )
    changed = dict(given, pregnant_breastfeeding="yes", conditions=["none"], toxin_ever="no")
    kept = applicable_answers(changed)
    dropped = {"planning_pregnancy", "nerve_muscle_disease", "toxin_last", "after_toxin"}
    assert dropped <= set(given)
    assert kept == {k: v for k, v in changed.items() if k not in dropped}


def test_a_condition_reads_a_single_answer_and_several_questions():
    condition = QUESTIONS["response_isotretinoin"].shown_if
    assert condition.is_met({"treatments_now": "isotretinoin"})
    assert condition.is_met({"treatments_before": ["pharmacy", "isotretinoin"]})
    assert not condition.is_met({"treatments_now": "pharmacy", "treatments_before": ["none"]})
    assert not condition.is_met({"treatments_now": None})
    assert not condition.is_met({})


def test_unconditional_questions_are_always_visible():
    for s in STEPS:
        always = [q.id for q in s.questions if q.shown_if is None]
        assert visible_ids(s.slug, {}) == always


def chained_questionnaire() -> Questionnaire:
    """Three questions on two steps, each asked only after Yes to the one before."""
    yes_no = (Option("yes", "Yes"), Option("no", "No"))
    first = Step("first", "First", (Question("a", "A?", Kind.ONE_OF, yes_no),))
    second = Step(
        "second",
        "Second",
        (
            Question("b", "B?", Kind.ONE_OF, yes_no, shown_if=Condition("a", ("yes",))),
            Question("c", "C?", Kind.TEXT, shown_if=Condition("b", ("yes",))),
        ),
    )
    return dataclasses.replace(CURRENT, version="test", steps=(first, second), flags=(),
                               considerations=())  # fmt: skip


def test_a_condition_reads_only_answers_that_still_apply():
    chained = chained_questionnaire()
    assert chained.applicable_answers({"a": "yes", "b": "yes", "c": "x"}) == {
        "a": "yes",
        "b": "yes",
        "c": "x",
    }
    # b no longer applies once a is No, so c, which depends on b, goes too
    assert chained.applicable_answers({"a": "no", "b": "yes", "c": "x"}) == {"a": "no"}
    assert chained.applicable_answers({"b": "yes", "c": "x"}) == {}


def test_a_condition_on_a_question_not_asked_before_it_is_refused():
    later = Step(
        "s",
        "S",
        (
            Question("b", "B?", Kind.TEXT, shown_if=Condition("a", ("yes",))),
            Question("a", "A?", Kind.ONE_OF, (Option("yes", "Yes"), Option("no", "No"))),
        ),
    )
    with pytest.raises(ValueError, match="b depends on 'a', which is not asked before it"):
        dataclasses.replace(CURRENT, steps=(later,), flags=(), considerations=())


# --- applicable_answers ----------------------------------------------------------------


def test_applicable_answers_keeps_a_complete_set_unchanged():
    full = answers_with_follow_ups(hormonal_features=["none"])
    assert {"hormonal_features", "isotretinoin_stopped", "after_toxin"} <= set(full)
    assert applicable_answers(full) == full


def test_applicable_answers_does_not_change_its_argument():
    given = answers(sex="female", hormonal_features=["unwanted_hair"])
    given["sex"] = "male"
    before = dict(given)
    applicable_answers(given)
    assert given == before


def test_applicable_answers_are_in_questionnaire_order():
    full = answers(treatments_before=["isotretinoin"], isotretinoin_stopped="over_12_months")
    shuffled = dict(reversed(list(full.items())))
    assert list(applicable_answers(shuffled)) == [q for q in QUESTIONS if q in full]


def test_applicable_answers_keeps_unanswered_optional_questions_absent():
    kept = applicable_answers(answers(phone=None, flares=None))
    assert "phone" not in kept and "flares" not in kept
    assert "full_name" in kept


# --- Exclusive options -----------------------------------------------------------------


def test_none_options_are_exclusive_exactly_where_the_spec_says():
    exclusive = {
        q.id: q.exclusive_option.label for q in QUESTIONS.values() if q.exclusive_option is not None
    }
    assert exclusive == {
        "hormonal_features": "None of these",
        "treatments_now": "None",
        "treatments_before": "None",
        "conditions": "None of these",
        "face": "None of these",
        "medicines": "None of these",
        "after_toxin": "None of these",
    }


@pytest.mark.parametrize("version", SPECS)
def test_an_exclusive_option_is_the_last_and_only_one(version):
    for q in questionnaire.find(version).questions.values():
        flags = [o.exclusive for o in q.options]
        if any(flags):
            assert flags == [False] * (len(flags) - 1) + [True], q.id
            assert q.exclusive_option.id == "none"
            assert q.kind is Kind.ANY_OF


# --- A draft begun on 2026.1 continues on 2026.2 -----------------------------------------

UNCHANGED = [
    "full_name", "date_of_birth", "appointment_date", "phone", "spot_types", "locations",
    "duration", "marks", "flares", "impact", "face_feel", "blotting", "pores",
    "treatment_notes", "goals", "questions_for_dermatologist",
]  # fmt: skip


def test_carry_over_from_2026_1_keeps_only_unchanged_answers():
    old = answers_2026_1(
        spot_types=["red_bumps", "nodules"],
        locations=["cheeks", "back"],
        goals=["less_oily", "learn_botox"],
        treatments=["isotretinoin"],
        isotretinoin_last="now",
    )
    kept, first = V2026_2.carry_over(V2026_1, old)
    assert kept == {question_id: old[question_id] for question_id in UNCHANGED}
    assert list(kept) == UNCHANGED  # in the new questionnaire's order
    dropped = set(old) - set(kept)
    assert dropped == {
        "severity",  # gained "Clear" and hints per option
        "makeup_shine",  # replaced by "shine"
        "treatments",
        "isotretinoin_last",
        "treatment_response",
        "pregnancy",  # split into two questions
        "conditions",  # options changed
        "medicines",  # options changed
        "recent_toxin",
        "toxin_allergy",
        "injection_weakness",
        "other_allergies",  # now "allergies" and "other_medicines"
    }
    assert first is not None and first.slug == "about-you"  # "Sex assigned at birth" is new


def test_carry_over_keeps_the_answer_to_a_question_whose_options_are_the_same():
    """An answer is kept because its question means the same, not because its id exists."""
    old = answers_2026_1(severity="moderate", conditions=["myasthenia_gravis"])
    kept, _ = V2026_2.carry_over(V2026_1, old)
    assert "severity" in V2026_2.questions and "conditions" in V2026_2.questions
    assert "severity" not in kept and "conditions" not in kept
    assert kept["spot_types"] == old["spot_types"]


def test_carry_over_within_one_version_keeps_everything_and_asks_nothing_again():
    draft = answers(sex="female", hormonal_features=["none"])
    assert V2026_2.carry_over(V2026_2, draft) == (draft, None)


def with_question_changed(question_id: str, **changes) -> Questionnaire:
    steps = tuple(
        dataclasses.replace(
            step,
            questions=tuple(
                dataclasses.replace(q, **changes) if q.id == question_id else q
                for q in step.questions
            ),
        )
        for step in V2026_2.steps
    )
    return dataclasses.replace(V2026_2, version="test", steps=steps)


def test_carry_over_reports_the_first_step_with_a_changed_question():
    newer = with_question_changed("cows_milk_allergy", label="Are you allergic to milk?")
    draft = answers()
    kept, first = newer.carry_over(V2026_2, draft)
    assert first is not None and first.slug == "health-and-safety"
    assert kept == {k: v for k, v in draft.items() if k != "cows_milk_allergy"}


def test_a_changed_hint_is_not_a_changed_question():
    newer = with_question_changed("cows_milk_allergy", hint="Not lactose intolerance.")
    draft = answers()
    assert newer.carry_over(V2026_2, draft) == (draft, None)


def test_carry_over_drops_kept_answers_whose_condition_no_longer_holds():
    newer = with_question_changed("sex", label="Sex")  # hormonal_features depends on it
    draft = answers(sex="female", hormonal_features=["unwanted_hair"])
    kept, first = newer.carry_over(V2026_2, draft)
    assert "sex" not in kept and "hormonal_features" not in kept
    assert first is not None and first.slug == "about-you"


# --- Rules name questions and options of their own version --------------------------------


def with_flag(rule) -> Questionnaire:
    return dataclasses.replace(
        V2026_2, flags=(*V2026_2.flags, FlagRule("test", Level.CAUTION, "Text.", "Basis.", rule))
    )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (answer("no_such_question", "yes"), "questionnaire 2026.2 has no question 'no_such_question'"),
        (answer("makeup_shine", "yes"), "questionnaire 2026.2 has no question 'makeup_shine'"),
        (answer("fainting", "sometimes"), "question 'fainting' of 2026.2 has no option 'sometimes'"),
        (
            answer("conditions", "nerve_muscle_disease"),  # 2026.1's option
            "question 'conditions' of 2026.2 has no option 'nerve_muscle_disease'",
        ),
        (
            answer(("treatments_now", "pregnancy"), "isotretinoin"),
            "questionnaire 2026.2 has no question 'pregnancy'",
        ),
        (
            answer("conditions", "other_nerve_muscle", detail="disease"),
            "questionnaire 2026.2 has no question 'disease'",
        ),
    ],
)  # fmt: skip
def test_a_flag_naming_an_unknown_question_or_option_is_refused(rule, message):
    with pytest.raises(RulesError, match=re.escape(message)):
        with_flag(rule)


def test_a_consideration_naming_an_unknown_option_is_refused():
    rule = FlagRule("test", None, "Text.", "Basis.", answer("picking", "always"))
    with pytest.raises(RulesError, match="question 'picking' of 2026.2 has no option 'always'"):
        dataclasses.replace(V2026_2, considerations=(*V2026_2.considerations, rule))


def test_a_valid_extra_flag_is_accepted():
    assert with_flag(answer("fainting", "yes")).flags[-1].id == "test"


def test_rules_are_checked_against_the_version_they_read():
    old_rule = answer("pregnancy", "yes")
    check_against(old_rule, V2026_1)
    with pytest.raises(RulesError, match="questionnaire 2026.2 has no question 'pregnancy'"):
        check_against(old_rule, V2026_2)


def test_a_finding_rule_with_an_unknown_value_is_refused():
    with pytest.raises(RulesError, match="acne_pattern cannot be 'Nodulous'"):
        finding("acne_pattern", is_in=("Nodulous",))


def test_two_rules_with_one_id_are_refused():
    duplicate = dataclasses.replace(V2026_2.flags[0])
    with pytest.raises(ValueError, match="two rules share an id"):
        dataclasses.replace(V2026_2, flags=(*V2026_2.flags, duplicate))


# --- Answers in words ------------------------------------------------------------------


def test_answer_names_for_raised_by_fall_back_to_the_label():
    assert CURRENT.answer_name("cows_milk_allergy") == "Cow's milk protein allergy"
    assert CURRENT.answer_name("goals") == "What would you most like from your visit?"


def test_answer_text_of_checkboxes_is_their_labels_in_order():
    q = QUESTIONS["treatments_now"]
    assert answer_text(q, ["pharmacy", "isotretinoin"]) == (
        "Washes or creams from a pharmacy, Isotretinoin (Roaccutane, Accutane)"
    )
    assert answer_text(QUESTIONS["conditions"], ["none"]) == "None of these"


def test_answer_text_of_a_radio_is_its_label():
    assert answer_text(QUESTIONS["duration"], "6_to_12_months") == "6 to 12 months"
    assert answer_text(QUESTIONS["toxin_last"], "dont_remember") == "I don't remember"
    assert answer_text(V2026_1.question("makeup_shine"), "none_worn") == "I don't wear any"


@pytest.mark.parametrize("version", SPECS)
def test_answer_text_never_shows_an_option_id(version):
    for q in questionnaire.find(version).questions.values():
        for option in q.options:
            value = [option.id] if q.kind is Kind.ANY_OF else option.id
            assert answer_text(q, value) == option.label


def test_answer_text_of_typed_answers_is_the_text():
    assert answer_text(QUESTIONS["full_name"], "Zoë <b>Ng</b>") == "Zoë <b>Ng</b>"
    assert answer_text(QUESTIONS["treatment_notes"], "line 1\nline 2") == "line 1\nline 2"
    assert answer_text(QUESTIONS["nerve_muscle_disease"], "Myotonic dystrophy") == (
        "Myotonic dystrophy"
    )


def test_answer_text_of_a_date_is_in_words():
    assert answer_text(QUESTIONS["date_of_birth"], "1990-03-27") == "27 March 1990"
    assert answer_text(QUESTIONS["appointment_date"], "2026-12-01") == "1 December 2026"


def test_answer_text_refuses_an_unknown_option():
    with pytest.raises(KeyError):
        answer_text(QUESTIONS["duration"], "forever")
    with pytest.raises(KeyError):
        answer_text(QUESTIONS["locations"], ["forehead", "elbow"])
