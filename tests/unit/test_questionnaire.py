"""The questionnaire definition: SPEC section 2 is the contract for its wording and shape."""

from __future__ import annotations

import re

import pytest

from intake import questionnaire
from intake.questionnaire import (
    QUESTIONS,
    STEPS,
    Kind,
    answer_text,
    applicable_answers,
    next_step,
    previous_step,
)
from tests.factories import answers

# SPEC section 2, character for character (hint text is free; everything else is the contract).
SPEC_SECTION_2 = """
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
    "about-you": ["full_name", "date_of_birth", "appointment_date", "phone"],
    "your-acne": ["spot_types", "locations", "duration", "severity", "marks", "flares", "impact"],
    "oily-skin": ["face_feel", "blotting", "pores", "makeup_shine"],
    "previous-treatments": [
        "treatments",
        "isotretinoin_last",
        "treatment_response",
        "treatment_notes",
    ],
    "health-and-safety": [
        "pregnancy",
        "conditions",
        "medicines",
        "recent_toxin",
        "toxin_allergy",
        "injection_weakness",
        "other_allergies",
    ],
    "your-visit": ["goals", "questions_for_dermatologist"],
}

TREATMENTS = QUESTIONS["treatments"]
TREATMENT_IDS = [option.id for option in TREATMENTS.options]


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


SPEC_STEPS = parse_spec(SPEC_SECTION_2)


def option_text(option) -> str:
    return option.label if option.score is None else f"{option.label} ({option.score})"


# --- Wording and shape: SPEC section 2 -------------------------------------------------


def test_the_spec_parser_read_every_step_and_question():
    # Guards the parser below: a silently empty parse would make the wording tests pass vacuously.
    assert [s["number"] for s in SPEC_STEPS] == [1, 2, 3, 4, 5, 6]
    assert sum(len(s["questions"]) for s in SPEC_STEPS) == 28
    assert SPEC_STEPS[3]["questions"][0]["options"][-1] == "None"


def test_steps_have_the_spec_titles_in_the_spec_order():
    assert [s.title for s in STEPS] == [s["title"] for s in SPEC_STEPS]


@pytest.mark.parametrize("index", range(6), ids=[s["title"] for s in SPEC_STEPS])
def test_question_labels_match_the_spec_word_for_word(index):
    assert [q.label for q in STEPS[index].questions] == [
        q["label"] for q in SPEC_STEPS[index]["questions"]
    ]


@pytest.mark.parametrize("index", range(6), ids=[s["title"] for s in SPEC_STEPS])
def test_option_labels_and_scores_match_the_spec_word_for_word(index):
    for question, spec in zip(STEPS[index].questions, SPEC_STEPS[index]["questions"], strict=True):
        assert [option_text(o) for o in question.options] == spec["options"], question.id


@pytest.mark.parametrize("index", range(6), ids=[s["title"] for s in SPEC_STEPS])
def test_kinds_and_optional_questions_match_the_spec(index):
    for question, spec in zip(STEPS[index].questions, SPEC_STEPS[index]["questions"], strict=True):
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


def test_only_the_spec_conditional_questions_have_conditions():
    conditional = {q.label for s in STEPS for q in s.questions if q.shown_if}
    in_spec = {q["label"] for s in SPEC_STEPS for q in s["questions"] if q["condition"]}
    assert (
        conditional
        == in_spec
        == {
            "When did you last take isotretinoin?",
            "Overall, how well did these treatments work?",
        }
    )


def test_date_questions_carry_their_rule():
    assert QUESTIONS["date_of_birth"].kind is Kind.DATE
    assert QUESTIONS["date_of_birth"].date_rule is questionnaire.DateRule.BIRTH
    assert QUESTIONS["appointment_date"].kind is Kind.DATE
    assert QUESTIONS["appointment_date"].date_rule is questionnaire.DateRule.TODAY_OR_LATER


def test_oiliness_scores_range_from_0_to_9():
    oily = questionnaire.step("oily-skin")
    assert sum(min(o.score for o in q.options) for q in oily.questions) == 0
    assert sum(max(o.score for o in q.options) for q in oily.questions) == 9
    assert all(
        o.score is None for s in STEPS if s is not oily for q in s.questions for o in q.options
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
    assert questionnaire.step("no-such-step") is None
    assert questionnaire.step("") is None


# --- Ids -------------------------------------------------------------------------------


def test_question_ids_are_the_shipped_ones():
    assert {s.slug: [q.id for q in s.questions] for s in STEPS} == SHIPPED_QUESTION_IDS


def test_question_ids_are_unique_across_the_questionnaire():
    ids = [q.id for s in STEPS for q in s.questions]
    assert len(ids) == len(set(ids)) == len(QUESTIONS)
    assert all(questionnaire.question(i).id == i for i in ids)


def test_ids_and_slugs_look_like_stable_keys():
    for s in STEPS:
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
    assert len(messages) == len(set(messages))


# --- Conditions ------------------------------------------------------------------------


def visible_ids(step_slug: str, given: dict) -> list[str]:
    return [q.id for q in questionnaire.step(step_slug).visible_questions(given)]


def test_conditional_questions_follow_their_trigger_on_the_same_step():
    for s in STEPS:
        ids = [q.id for q in s.questions]
        for q in s.questions:
            if q.shown_if:
                assert q.shown_if.question in ids, q.id
                assert ids.index(q.shown_if.question) < ids.index(q.id), q.id


@pytest.mark.parametrize("treatment", TREATMENT_IDS)
def test_isotretinoin_timing_is_asked_only_when_isotretinoin_was_tried(treatment):
    shown = "isotretinoin_last" in visible_ids("previous-treatments", {"treatments": [treatment]})
    assert shown is (treatment == "isotretinoin")


@pytest.mark.parametrize("treatment", TREATMENT_IDS)
def test_treatment_response_is_asked_for_any_treatment_but_none(treatment):
    shown = "treatment_response" in visible_ids("previous-treatments", {"treatments": [treatment]})
    assert shown is (treatment != "none")


def test_isotretinoin_among_others_shows_both_conditionals_in_order():
    assert visible_ids(
        "previous-treatments", {"treatments": ["pharmacy", "isotretinoin", "procedures"]}
    ) == ["treatments", "isotretinoin_last", "treatment_response", "treatment_notes"]


@pytest.mark.parametrize("given", [{}, {"treatments": []}, {"treatments": ["none"]}])
def test_without_a_treatment_neither_conditional_is_asked(given):
    assert visible_ids("previous-treatments", given) == ["treatments", "treatment_notes"]


def test_a_condition_reads_a_single_answer_too():
    condition = QUESTIONS["isotretinoin_last"].shown_if
    assert condition.is_met({"treatments": "isotretinoin"})
    assert not condition.is_met({"treatments": "pharmacy"})
    assert not condition.is_met({"treatments": None})
    assert not condition.is_met({})


def test_unconditional_questions_are_always_visible():
    for s in STEPS:
        always = [q.id for q in s.questions if q.shown_if is None]
        assert visible_ids(s.slug, {}) == always


# --- applicable_answers ----------------------------------------------------------------


def test_applicable_answers_keeps_a_complete_set_unchanged():
    full = answers(treatments=["isotretinoin"], isotretinoin_last="now")
    assert "isotretinoin_last" in full
    assert applicable_answers(full) == full


def test_undoing_isotretinoin_drops_its_timing():
    given = answers(treatments=["isotretinoin"], isotretinoin_last="last_6_months")
    given["treatments"] = ["pharmacy"]
    kept = applicable_answers(given)
    assert "isotretinoin_last" not in kept
    assert kept["treatment_response"] == given["treatment_response"]
    assert kept == {k: v for k, v in given.items() if k != "isotretinoin_last"}


def test_choosing_none_drops_timing_and_response():
    given = answers(
        treatments=["isotretinoin"], isotretinoin_last="now", treatment_response="cleared"
    )
    given["treatments"] = ["none"]
    kept = applicable_answers(given)
    assert "isotretinoin_last" not in kept
    assert "treatment_response" not in kept
    assert kept["treatments"] == ["none"]
    assert kept["treatment_notes"] == given["treatment_notes"]


def test_removing_the_trigger_answer_drops_its_conditionals():
    given = answers(treatments=["isotretinoin"], isotretinoin_last="now")
    del given["treatments"]
    kept = applicable_answers(given)
    assert "isotretinoin_last" not in kept and "treatment_response" not in kept


def test_applicable_answers_does_not_change_its_argument():
    given = answers(treatments=["isotretinoin"], isotretinoin_last="now")
    given["treatments"] = ["pharmacy"]
    before = dict(given)
    applicable_answers(given)
    assert given == before


def test_applicable_answers_are_in_questionnaire_order():
    full = answers(treatments=["isotretinoin"], isotretinoin_last="now")
    shuffled = dict(reversed(list(full.items())))
    assert list(applicable_answers(shuffled)) == [q for q in QUESTIONS if q in full]


def test_applicable_answers_keeps_unanswered_optional_questions_absent():
    kept = applicable_answers(answers(phone=None, flares=None))
    assert "phone" not in kept and "flares" not in kept
    assert "full_name" in kept


# --- Exclusive options -----------------------------------------------------------------


def test_none_options_are_exclusive_on_treatments_conditions_and_medicines():
    exclusive = {
        q.id: q.exclusive_option.label for q in QUESTIONS.values() if q.exclusive_option is not None
    }
    assert exclusive == {
        "treatments": "None",
        "conditions": "None of these",
        "medicines": "None of these",
    }


def test_an_exclusive_option_is_the_last_and_only_one():
    for q in QUESTIONS.values():
        flags = [o.exclusive for o in q.options]
        if any(flags):
            assert flags == [False] * (len(flags) - 1) + [True], q.id
            assert q.exclusive_option.id == "none"
            assert q.kind is Kind.ANY_OF


# --- answer_text -----------------------------------------------------------------------


def test_answer_text_of_checkboxes_is_their_labels_in_order():
    q = QUESTIONS["treatments"]
    assert answer_text(q, ["pharmacy", "isotretinoin"]) == (
        "Washes or creams from a pharmacy, Isotretinoin (Roaccutane, Accutane)"
    )
    assert answer_text(QUESTIONS["conditions"], ["none"]) == "None of these"


def test_answer_text_of_a_radio_is_its_label():
    assert answer_text(QUESTIONS["duration"], "6_to_12_months") == "6 to 12 months"
    assert answer_text(QUESTIONS["makeup_shine"], "none_worn") == "I don't wear any"


def test_answer_text_never_shows_an_option_id():
    for q in QUESTIONS.values():
        for option in q.options:
            value = [option.id] if q.kind is Kind.ANY_OF else option.id
            assert answer_text(q, value) == option.label


def test_answer_text_of_typed_answers_is_the_text():
    assert answer_text(QUESTIONS["full_name"], "Zoë <b>Ng</b>") == "Zoë <b>Ng</b>"
    assert answer_text(QUESTIONS["treatment_notes"], "line 1\nline 2") == "line 1\nline 2"


def test_answer_text_of_a_date_is_in_words():
    assert answer_text(QUESTIONS["date_of_birth"], "1990-03-27") == "27 March 1990"
    assert answer_text(QUESTIONS["appointment_date"], "2026-12-01") == "1 December 2026"


def test_answer_text_refuses_an_unknown_option():
    with pytest.raises(KeyError):
        answer_text(QUESTIONS["duration"], "forever")
    with pytest.raises(KeyError):
        answer_text(QUESTIONS["locations"], ["forehead", "elbow"])
