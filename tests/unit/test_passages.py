"""Passages of the source document chosen for the clinician: SPEC section 5 is the contract.

Patients answer questionnaire 2026.2; a record answered in 2026.1 is still quoted by the
2026.1 rules kept beside the document, and the tests at the end prove it."""

import hashlib
import re
from datetime import date
from pathlib import Path

import pytest

from intake import content, questionnaire
from intake.assessment import assess
from intake.content import RulesError, find_document, load_documents, select_passages
from tests.documents import LEAFLET_RULES, SHIPPED_ID, folder_with_second_document, write_document
from tests.factories import answers, answers_2026_1

SUBMITTED_ON = date(2026, 11, 26)
V2026_1 = questionnaire.find("2026.1")
SHIPPED_TEXT = Path(content.__file__).with_name(f"{SHIPPED_ID}.txt")
# SHA-256 of shared/source/can-botox-injections-reduce-acne.txt: the copy must be byte for byte.
SOURCE_SHA256 = "896e12d5a878f70d654d67049e931f0e056aa690cab88bca87baddce9380a72b"

# SPEC section 5, character for character.
HEADING = "Relevant passages of 'Can Botox Injections Reduce Acne?'"
EVIDENCE_NOTE = (
    "Off-label: no botulinum toxin product is licensed for acne or oily skin. The evidence is "
    "mainly about oil (sebum), not acne: small studies found less forehead sebum for 3 to 6 "
    "months (open-label, 25 patients; placebo-controlled, 50 patients). Evidence for acne "
    "itself comes from uncontrolled case series of about 30 patients. Botulinum toxin is not in "
    "the AAD 2024 acne guideline. Units differ between products. Document off-label consent."
)
P2_EVIDENCE = "Evidence: less sebum in small studies; fewer breakouts not shown."
P3_EVIDENCE = "Evidence: no controlled studies in acne."
P4_EVIDENCE = "Evidence: uncontrolled case series; see the evidence note."
P7_EVIDENCE = (
    "Not guideline-recommended: isotretinoin is first-line for persistent, scarring or severe acne."
)
RISKS = "Relevant to this patient's risks"

SLIGHTLY_OILY = dict(face_feel="oily_forehead_nose", blotting="once", pores="nose_only", shine="no")
OILY_5 = dict(SLIGHTLY_OILY, shine="yes")
OILY_6 = dict(face_feel="oily_all_over", blotting="two_or_three", pores="nose_only", shine="no")
VERY_OILY_7 = dict(OILY_6, shine="yes")
VERY_OILY = dict(
    face_feel="oily_all_over", blotting="more_than_three", pores="nose_and_cheeks", shine="yes"
)
PERSISTENT = dict(
    duration="over_5_years",
    treatments_now=["none"],
    treatments_before=["antibiotic_tablets"],
    response_antibiotic_tablets="did_not_help",
)
PERSISTENT_REASONS = (
    "Duration: More than 5 years",
    "Used before: Antibiotic tablets",
    "No treatment cleared the acne",
    "Isotretinoin not used now",
)
ISOTRETINOIN_NOW = dict(treatments_now=["isotretinoin"], response_isotretinoin="too_soon")
TOXIN_YES = dict(toxin_ever="yes", toxin_last="over_12_months", after_toxin=["none"])
EVERY_PASSAGE = dict(**VERY_OILY, **PERSISTENT, spot_types=["red_bumps"], goals=["less_oily"])


@pytest.fixture(autouse=True, params=["shipped", "with a clinic's second document"])
def documents_folder(request, tmp_path, monkeypatch):
    """Every test here holds whether or not a clinic has added a document of its own."""
    if request.param != "shipped":
        folder = tmp_path / "documents"
        folder.mkdir()
        monkeypatch.setattr(content, "FOLDER", folder_with_second_document(folder))
    return content.FOLDER


def the_document():
    return find_document(SHIPPED_ID)


def selected(**overrides) -> dict:
    given = answers(**overrides)
    return {p.key: p for p in select_passages(the_document(), given, assess(given, SUBMITTED_ON))}


def reasons(key: str, **overrides):
    """The reasons a passage was included, or None when it was left out."""
    passage = selected(**overrides).get(key)
    return passage and passage.reasons


# --- The document and its 2026.2 rule set ------------------------------------------------


def test_shipped_text_is_the_shared_source_byte_for_byte():
    assert hashlib.sha256(SHIPPED_TEXT.read_bytes()).hexdigest() == SOURCE_SHA256


def test_document_reads_title_and_seven_paragraphs():
    document = the_document()
    paragraphs = SHIPPED_TEXT.read_text(encoding="utf-8").split("\n\n")[1:]
    assert document.id == "can-botox-injections-reduce-acne"
    assert document.title == "Can Botox Injections Reduce Acne?"
    assert [p.key for p in document.passages] == ["P1", "P2", "P3", "P4", "P5", "P6", "P7"]
    assert [p.text for p in document.passages] == [p.strip() for p in paragraphs]
    assert document.passages[0].text.startswith("Botox injections, commonly known")
    assert document.passages[6].text.endswith("the best options for your skin health.")


def test_the_document_has_rules_for_every_questionnaire_version():
    assert set(the_document().versions) == set(questionnaire.VERSIONS) == {"2026.1", "2026.2"}
    assert the_document().rules_for("2025.9") is None


def test_2026_2_heading_is_the_spec_heading():
    assert the_document().rules_for("2026.2").heading == HEADING


def test_evidence_note_is_the_spec_default_text_with_its_date():
    note = the_document().rules_for("2026.2").note
    assert note.text == EVIDENCE_NOTE
    assert isinstance(note.updated, date)
    assert date(2026, 1, 1) <= note.updated <= date.today()


def test_shipped_documents_are_loaded_once():
    assert load_documents() is load_documents()


def test_passages_come_in_source_order_and_p1_never():
    given = answers(**EVERY_PASSAGE)
    chosen = select_passages(the_document(), given, assess(given, SUBMITTED_ON))
    assert [p.key for p in chosen] == ["P2", "P3", "P4", "P5", "P6", "P7"]
    assert [p.text for p in chosen] == [p.text for p in the_document().passages[1:]]


def test_a_patient_with_no_particular_findings_gets_the_general_passages():
    assert list(selected()) == ["P4", "P5", "P6"]


def test_evidence_marks_are_exactly_the_spec_marks():
    chosen = selected(**EVERY_PASSAGE)
    assert {key: passage.marks for key, passage in chosen.items()} == {
        "P2": (P2_EVIDENCE,),
        "P3": (P3_EVIDENCE,),
        "P4": (P4_EVIDENCE,),
        "P5": (),
        "P6": (),
        "P7": (P7_EVIDENCE,),
    }


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (OILY_5, ("Oiliness: 5 of 9 (Oily)",)),
        (OILY_6, ("Oiliness: 6 of 9 (Oily)",)),
        (VERY_OILY_7, ("Oiliness: 7 of 9 (Very oily)",)),
        (VERY_OILY, ("Oiliness: 9 of 9 (Very oily)",)),
        (dict(**SLIGHTLY_OILY, goals=["less_oily"]), ("Goal: Less oily skin",)),
        (
            dict(**VERY_OILY, goals=["fewer_breakouts", "less_oily"]),
            ("Oiliness: 9 of 9 (Very oily)", "Goal: Less oily skin"),
        ),
        (dict(**SLIGHTLY_OILY, goals=["fewer_breakouts", "less_redness"]), None),  # 4 of 9
        ({}, None),  # 3 of 9
    ],
)
def test_p2_oil_glands_by_oiliness_or_goal(overrides, expected):
    assert reasons("P2", **overrides) == expected


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (dict(spot_types=["red_bumps"]), ("Spots: Red bumps",)),
        (dict(spot_types=["pus_filled"]), ("Spots: Pus-filled spots",)),
        (dict(spot_types=["nodules"]), ("Spots: Large, painful lumps under the skin",)),
        (
            dict(spot_types=["blackheads_whiteheads", "red_bumps", "pus_filled"]),
            ("Spots: Red bumps, Pus-filled spots",),
        ),
        (dict(goals=["less_redness"]), ("Goal: Less redness or swelling",)),
        (
            dict(spot_types=["red_bumps"], goals=["less_redness"]),
            ("Spots: Red bumps", "Goal: Less redness or swelling"),
        ),
        # isotretinoin used before, not now, does not stop it
        (
            dict(
                spot_types=["red_bumps"],
                treatments_before=["isotretinoin"],
                response_isotretinoin="helped_somewhat",
                isotretinoin_stopped="over_12_months",
                isotretinoin_relapse="yes",
            ),
            ("Spots: Red bumps",),
        ),
    ],
)
def test_p3_inflammation_by_spots_or_goal(overrides, expected):
    assert reasons("P3", **overrides) == (*expected, "Isotretinoin not used now")


@pytest.mark.parametrize(
    "overrides",
    [
        dict(spot_types=["blackheads_whiteheads", "not_sure"], goals=["fewer_breakouts"]),
        dict(spot_types=["red_bumps", "nodules"], **ISOTRETINOIN_NOW),
        dict(goals=["less_redness"], **ISOTRETINOIN_NOW),
        dict(
            spot_types=["pus_filled"],
            treatments_now=["pharmacy", "isotretinoin"],
            response_isotretinoin="helped_somewhat",
        ),
    ],
)
def test_p3_left_out_without_inflammation_or_while_isotretinoin_is_used(overrides):
    assert "P3" not in selected(**overrides)


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        EVERY_PASSAGE,
        dict(treatments_now=["none"], treatments_before=["none"], pregnant_breastfeeding="yes"),
    ],
)
def test_p4_clinical_evidence_always_with_no_reason_and_its_mark(overrides):
    passage = selected(**overrides)["P4"]
    assert (passage.reasons, passage.because, passage.marks) == ((), None, (P4_EVIDENCE,))


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, ("Ever had botulinum toxin: No",)),
        (dict(TOXIN_YES, goals=["learn_botox"]), ("Goal: To learn about Botox for acne",)),
        (
            dict(toxin_ever="not_sure", goals=["fewer_breakouts", "learn_botox"]),
            ("Goal: To learn about Botox for acne",),
        ),
        (
            dict(goals=["learn_botox"]),
            ("Ever had botulinum toxin: No", "Goal: To learn about Botox for acne"),
        ),
        (TOXIN_YES, None),
        (dict(toxin_ever="not_sure"), None),
    ],
)
def test_p5_consulting_when_never_had_toxin_or_wants_to_learn(overrides, expected):
    assert reasons("P5", **overrides) == expected


def after_toxin(*options: str) -> dict:
    return dict(TOXIN_YES, after_toxin=list(options))


@pytest.mark.parametrize(
    ("overrides", "marks"),
    [
        ({}, ()),
        # other flags do not mark it
        (dict(pregnant_breastfeeding="yes"), ()),
        (dict(TOXIN_YES, toxin_last="last_4_months"), ()),
        (dict(cows_milk_allergy="yes", face=["operation"], fainting="yes"), ()),
        (dict(medicines=["muscle_relaxants"]), ()),
        (after_toxin("allergic_reaction"), ()),
        # "Bruising and bleeding risk at injection sites."
        (dict(medicines=["blood_thinners"]), (RISKS,)),
        (dict(medicines=["anti_inflammatories"]), (RISKS,)),
        (dict(conditions=["bleeding_disorder"]), (RISKS,)),
        # "Drooping or an uneven smile after botulinum toxin before."
        (after_toxin("drooping"), (RISKS,)),
        (after_toxin("uneven_smile"), (RISKS,)),
        # "Serious reaction after botulinum toxin before: ..."
        (after_toxin("swallowing_breathing"), (RISKS,)),
        (after_toxin("distant_weakness"), (RISKS,)),
        # "Difficulty swallowing or breathing problems."
        (dict(conditions=["swallowing_breathing"]), (RISKS,)),
        # several of them: one mark
        (dict(after_toxin("drooping"), medicines=["blood_thinners"]), (RISKS,)),
    ],
)
def test_p6_side_effects_always_and_marked_for_the_four_risk_flags(overrides, marks):
    passage = selected(**overrides)["P6"]
    assert (passage.reasons, passage.because, passage.marks) == ((), None, marks)


def test_p7_names_the_answers_that_make_acne_persistent():
    passage = selected(**PERSISTENT)["P7"]
    assert passage.because == (
        "Included because: Duration: More than 5 years; Used before: Antibiotic tablets; "
        "No treatment cleared the acne; Isotretinoin not used now"
    )
    assert passage.marks == (P7_EVIDENCE,)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (PERSISTENT, PERSISTENT_REASONS),
        (
            dict(duration="1_to_5_years"),  # the factory's pharmacy wash, used now
            (
                "Duration: 1 to 5 years",
                "Using now: Washes or creams from a pharmacy",
                "No treatment cleared the acne",
                "Isotretinoin not used now",
            ),
        ),
        (
            dict(PERSISTENT, treatments_now=["hormonal"], response_hormonal="too_soon"),
            (
                "Duration: More than 5 years",
                "Using now: Hormonal treatment (contraceptive pill, spironolactone)",
                "Used before: Antibiotic tablets",
                "No treatment cleared the acne",
                "Isotretinoin not used now",
            ),
        ),
        (
            dict(PERSISTENT, response_antibiotic_tablets="side_effects"),
            PERSISTENT_REASONS,
        ),
        # isotretinoin used before and stopped, not now
        (
            dict(
                PERSISTENT,
                treatments_before=["isotretinoin"],
                response_isotretinoin="helped_somewhat",
                isotretinoin_stopped="over_12_months",
                isotretinoin_relapse="yes",
            ),
            (
                "Duration: More than 5 years",
                "Used before: Isotretinoin (Roaccutane, Accutane)",
                "No treatment cleared the acne",
                "Isotretinoin not used now",
            ),
        ),
    ],
)
def test_p7_persistent_acne(overrides, expected):
    assert reasons("P7", **overrides) == expected


@pytest.mark.parametrize(
    "overrides",
    [
        dict(PERSISTENT, duration="6_to_12_months"),
        dict(PERSISTENT, duration="under_6_months"),
        dict(PERSISTENT, treatments_before=["none"]),  # no treatment now or before
        dict(PERSISTENT, response_antibiotic_tablets="cleared"),
        # one treatment of several cleared it
        dict(
            PERSISTENT,
            treatments_now=["pharmacy"],
            response_pharmacy="cleared",
        ),
        dict(
            PERSISTENT,
            treatments_before=["antibiotic_tablets", "procedures"],
            response_procedures="cleared",
        ),
        # isotretinoin used now
        dict(PERSISTENT, **ISOTRETINOIN_NOW),
        dict(
            PERSISTENT,
            treatments_now=["pharmacy", "isotretinoin"],
            response_pharmacy="did_not_help",
            response_isotretinoin="too_soon",
        ),
    ],
)
def test_p7_left_out_for_each_spec_exception(overrides):
    assert "P7" not in selected(**overrides)


def test_because_joins_the_reasons():
    assert selected(**VERY_OILY, goals=["less_oily"])["P2"].because == (
        "Included because: Oiliness: 9 of 9 (Very oily); Goal: Less oily skin"
    )


# --- Records answered in 2026.1 keep the 2026.1 rules -------------------------------------

NOT_OILY_2026_1 = dict(face_feel="normal", blotting="once", pores="nose_only", makeup_shine="no")
SLIGHTLY_OILY_2026_1 = dict(NOT_OILY_2026_1, face_feel="oily_forehead_nose")  # 4
OILY_2026_1 = dict(
    face_feel="oily_all_over", blotting="two_or_three", pores="nose_only", makeup_shine="no"
)  # 6
VERY_OILY_2026_1 = dict(
    face_feel="oily_all_over",
    blotting="more_than_three",
    pores="nose_and_cheeks",
    makeup_shine="yes",
)
PERSISTENT_2026_1 = dict(
    duration="over_5_years", treatments=["antibiotic_tablets"], treatment_response="did_not_help"
)
EVERY_PASSAGE_2026_1 = dict(
    **VERY_OILY_2026_1, **PERSISTENT_2026_1, spot_types=["red_bumps"], goals=["less_oily"]
)


def selected_2026_1(**overrides) -> dict:
    given = answers_2026_1(**overrides)
    assessment = assess(given, SUBMITTED_ON, V2026_1)
    return {p.key: p for p in select_passages(the_document(), given, assessment)}


def reasons_2026_1(key: str, **overrides):
    passage = selected_2026_1(**overrides).get(key)
    return passage and passage.reasons


def test_2026_1_heading_and_note_are_as_they_were():
    rules = the_document().rules_for("2026.1")
    assert rules.heading == "From 'Can Botox Injections Reduce Acne?'"
    assert rules.note.text == (
        "Use of botulinum toxin for acne is off-label; published studies are small."
    )


def test_2026_1_general_passages_and_no_evidence_marks():
    assert list(selected_2026_1()) == ["P4", "P5", "P6"]
    chosen = selected_2026_1(**EVERY_PASSAGE_2026_1)
    assert list(chosen) == ["P2", "P3", "P4", "P5", "P6", "P7"]
    assert all(passage.marks == () for passage in chosen.values())


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (OILY_2026_1, ("Oiliness: 6 of 9 (Oily)",)),
        (VERY_OILY_2026_1, ("Oiliness: 9 of 9 (Very oily)",)),
        (dict(**SLIGHTLY_OILY_2026_1, goals=["less_oily"]), ("goal: Less oily skin",)),
        (dict(**SLIGHTLY_OILY_2026_1, goals=["fewer_breakouts", "less_redness"]), None),
        (NOT_OILY_2026_1, None),
    ],
)
def test_2026_1_p2_oil_glands(overrides, expected):
    assert reasons_2026_1("P2", **overrides) == expected


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (dict(spot_types=["nodules"]), ("spots: Large, painful lumps under the skin",)),
        (dict(goals=["less_redness"]), ("goal: Less redness or swelling",)),
        # 2026.1 had no isotretinoin exception
        (
            dict(spot_types=["red_bumps"], treatments=["isotretinoin"], isotretinoin_last="now"),
            ("spots: Red bumps",),
        ),
        (dict(spot_types=["blackheads_whiteheads", "not_sure"]), None),
    ],
)
def test_2026_1_p3_inflammation(overrides, expected):
    assert reasons_2026_1("P3", **overrides) == expected


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, ("Botulinum toxin injections for acne not yet tried",)),
        (
            dict(treatments=["botox"], goals=["learn_botox"]),
            ("goal: To learn about Botox for acne",),
        ),
        (dict(treatments=["pharmacy", "botox"]), None),
    ],
)
def test_2026_1_p5_consulting_and_administration(overrides, expected):
    assert reasons_2026_1("P5", **overrides) == expected


@pytest.mark.parametrize(
    ("overrides", "marks"),
    [
        ({}, ()),
        (dict(pregnancy="yes", recent_toxin="yes"), ()),
        (dict(medicines=["blood_thinners"]), (RISKS,)),
        (dict(injection_weakness="yes"), (RISKS,)),
    ],
)
def test_2026_1_p6_marked_for_its_own_flags(overrides, marks):
    assert selected_2026_1(**overrides)["P6"].marks == marks


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            PERSISTENT_2026_1,
            (
                "duration: More than 5 years",
                "treatments tried: Antibiotic tablets",
                "response: Did not help",
            ),
        ),
        (dict(PERSISTENT_2026_1, duration="6_to_12_months"), None),
        (dict(PERSISTENT_2026_1, treatments=["none"]), None),
        (dict(PERSISTENT_2026_1, treatment_response="cleared"), None),
    ],
)
def test_2026_1_p7_persistent_acne(overrides, expected):
    assert reasons_2026_1("P7", **overrides) == expected


# --- A clinic's own document, and rules files that cannot be trusted ----------------------


def test_a_second_document_needs_only_data(tmp_path):
    (leaflet,) = load_documents(write_document(tmp_path, LEAFLET_RULES))
    rules = leaflet.rules_for("2026.2")
    teenager = answers(
        date_of_birth="2010-05-01",
        appointment_date="2026-12-01",
        spot_types=["nodules"],
        severity="severe",
        **OILY_6,
    )
    chosen = select_passages(leaflet, teenager, assess(teenager, SUBMITTED_ON))
    assert (leaflet.id, leaflet.title, rules.heading, rules.note.text, rules.note.updated) == (
        "aftercare",
        "Aftercare",
        "Relevant passages of 'Aftercare'",
        "Clinic leaflet.",
        date(2026, 10, 1),
    )
    assert [p.text for p in leaflet.passages] == [
        "For teenagers.",
        "For severe nodular acne.",
        "When not pregnant.",
    ]
    assert [(p.key, p.reasons, p.marks) for p in chosen] == [
        ("P1", ("Age at appointment: 16",), ()),
        ("P2", ("Acne pattern: Nodular", "severity: Severe"), ()),
        (
            "P3",
            (
                "no safety flag: Pregnant or breastfeeding: defer elective off-label treatment.",
                "no safety flag: Pregnancy status uncertain.",
            ),
            ("Check consent", "Oily"),
        ),
    ]
    adult = answers(
        pregnant_breastfeeding="not_sure",
        planning_pregnancy="no",
        spot_types=["nodules"],
        severity="moderate",
        **OILY_6,
    )
    assert select_passages(leaflet, adult, assess(adult, SUBMITTED_ON)) == ()


def test_a_document_without_rules_for_a_version_quotes_nothing_of_it(tmp_path):
    (leaflet,) = load_documents(write_document(tmp_path, LEAFLET_RULES))
    old = answers_2026_1(date_of_birth="2010-05-01", appointment_date="2026-12-01")
    assert leaflet.rules_for("2026.1") is None
    assert select_passages(leaflet, old, assess(old, SUBMITTED_ON, V2026_1)) == ()


def test_several_documents_load_in_name_order(tmp_path):
    write_document(tmp_path, LEAFLET_RULES.replace("id: aftercare", "id: second"), name="b-leaflet")
    write_document(tmp_path, LEAFLET_RULES, name="a-leaflet")
    assert [d.id for d in load_documents(tmp_path)] == ["aftercare", "second"]


RULES = """id: x
versions:
  "{version}":
    evidence_note: {{text: n, date: 2026-11-30}}
    passages:
      P1: {{include: {p1}}}
      P2: {{include: never}}
      P3: {{include: never}}
"""


def rules_where_p1_is(condition: str, version: str = "2026.2") -> str:
    return RULES.format(p1=condition, version=version)


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (
            rules_where_p1_is("{answer: goal, equals: x}"),
            "leaflet.rules.yaml: 2026.2: passage P1: questionnaire 2026.2 has no question 'goal'",
        ),
        (
            rules_where_p1_is("{answer: goals, includes_any: [less_oil]}"),
            "question 'goals' of 2026.2 has no option 'less_oil'",
        ),
        (
            rules_where_p1_is("{answer: marks, equals: no}"),
            "question 'marks' of 2026.2 has no option 'False'",
        ),
        (
            rules_where_p1_is("{answer: goals, includes: [less_oily]}"),
            "answer needs exactly one of equals, includes_any, excludes",
        ),
        (rules_where_p1_is("{any: [{flag: [bruise]}]}"), "no flag 'bruise'"),
        # each version's rules are checked against that version
        (
            rules_where_p1_is("{flag: [previous_drooping]}"),
            "questionnaire 2026.2 has no flag 'previous_drooping'",
        ),
        (
            rules_where_p1_is("{flag: [cows_milk_allergy]}", version="2026.1"),
            "leaflet.rules.yaml: 2026.1: passage P1: questionnaire 2026.1 has no flag "
            "'cows_milk_allergy'",
        ),
        (
            rules_where_p1_is("{answer: makeup_shine, equals: 'yes'}"),
            "questionnaire 2026.2 has no question 'makeup_shine'",
        ),
        (
            rules_where_p1_is("{answer: toxin_ever, equals: 'no'}", version="2026.1"),
            "questionnaire 2026.1 has no question 'toxin_ever'",
        ),
        (rules_where_p1_is("{finding: oiliness, in: [Oily]}"), "unknown finding 'oiliness'"),
        (
            rules_where_p1_is("{finding: oiliness_category, in: [Greasy]}"),
            "oiliness_category cannot be 'Greasy'",
        ),
        (rules_where_p1_is("{finding: age, under: [18, 21]}"), "under takes one number"),
        (
            rules_where_p1_is("sometimes"),
            "passage P1: a rule is always, never or a mapping, not 'sometimes'",
        ),
        (rules_where_p1_is("{either: []}"), "passage P1: unknown rule"),
        (rules_where_p1_is("always, mark: x"), "passage P1: unknown key mark"),
        (
            rules_where_p1_is("always") + "      P4: {include: always}\n",
            "unknown passage key 'P4' (the text has P1 to P3)",
        ),
        (
            rules_where_p1_is("always").replace("      P2: {include: never}\n", ""),
            "no rule for passage P2",
        ),
        (
            rules_where_p1_is("always", version="2025.9"),
            "leaflet.rules.yaml: unknown questionnaire version '2025.9'",
        ),
        (
            rules_where_p1_is("always").replace(
                "    evidence_note: {text: n, date: 2026-11-30}\n", ""
            ),
            "leaflet.rules.yaml: 2026.2: missing evidence_note",
        ),
        (
            rules_where_p1_is("always").replace("date: 2026-11-30", "date: last week"),
            "evidence_note: date must be YYYY-MM-DD",
        ),
        (
            rules_where_p1_is("always").replace(
                "    passages:", "    answer_names: {goal: x}\n    passages:"
            ),
            "answer_names: unknown question 'goal'",
        ),
        ("id: x\npassages: {}\n", "leaflet.rules.yaml: missing versions"),
        ("id: x\nversions: {}\n", "versions must map questionnaire versions to rules"),
        ("id: x\nversions: [unclosed\n", "leaflet.rules.yaml: not valid YAML"),
    ],
)
def test_invalid_rules_are_refused_saying_where_and_why(tmp_path, rules, message):
    write_document(tmp_path, rules)
    with pytest.raises(RulesError, match=re.escape(message)):
        load_documents(tmp_path)


def test_valid_rules_of_the_same_shape_load(tmp_path):
    """The invalid rules above fail for the reason given, not for their shape."""
    (document,) = load_documents(write_document(tmp_path, rules_where_p1_is("always")))
    assert document.rules_for("2026.2").note.updated == date(2026, 11, 30)


def test_a_rule_on_an_unanswered_question_does_not_hold(tmp_path):
    rules = rules_where_p1_is("{answer: isotretinoin_stopped, excludes: [last_6_months]}").replace(
        "P2: {include: never}",
        "P2: {include: {not: {answer: isotretinoin_stopped, equals: last_6_months}}}",
    )
    (leaflet,) = load_documents(write_document(tmp_path, rules))
    given = answers()
    assert "isotretinoin_stopped" not in given
    chosen = select_passages(leaflet, given, assess(given, SUBMITTED_ON))
    assert [(p.key, p.reasons) for p in chosen] == [("P2", ("Stopped isotretinoin: not answered",))]
    answered = answers(
        treatments_before=["isotretinoin"],
        response_isotretinoin="cleared",
        isotretinoin_stopped="over_12_months",
        isotretinoin_relapse="no",
    )
    chosen = select_passages(leaflet, answered, assess(answered, SUBMITTED_ON))
    assert [p.key for p in chosen] == ["P1", "P2"]


def test_rules_without_their_text_are_refused(tmp_path):
    (tmp_path / "orphan.rules.yaml").write_text("id: x\nversions: {}\n", encoding="utf-8")
    with pytest.raises(RulesError, match="orphan.rules.yaml: no orphan.txt beside it"):
        load_documents(tmp_path)


def test_the_documents_are_every_rules_file_in_the_folder(documents_folder):
    ids = [document.id for document in load_documents()]
    assert len(ids) == len(list(documents_folder.glob("*.rules.yaml")))
    assert ids[0] == SHIPPED_ID  # name order: a clinic's document named after it follows it


def test_a_document_is_found_by_its_id_and_an_unknown_id_is_refused():
    assert find_document(SHIPPED_ID).title == "Can Botox Injections Reduce Acne?"
    with pytest.raises(KeyError, match="no document with id 'leaflet'"):
        find_document("leaflet")


def test_two_documents_with_one_id_are_refused(tmp_path):
    write_document(tmp_path, LEAFLET_RULES, name="a-leaflet")
    write_document(tmp_path, LEAFLET_RULES, name="b-leaflet")
    with pytest.raises(RulesError, match="two documents have the id 'aftercare'"):
        load_documents(tmp_path)
