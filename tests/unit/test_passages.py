"""Passages of the source document chosen for the clinician: SPEC section 5 is the contract."""

import hashlib
import re
from datetime import date
from pathlib import Path

import pytest

from intake import content
from intake.assessment import assess
from intake.content import RulesError, find_document, load_documents, select_passages
from tests.documents import LEAFLET_RULES, SHIPPED_ID, folder_with_second_document, write_document
from tests.factories import answers

SUBMITTED_ON = date(2026, 11, 26)
SHIPPED_TEXT = Path(content.__file__).with_name(f"{SHIPPED_ID}.txt")
# SHA-256 of shared/source/can-botox-injections-reduce-acne.txt: the copy must be byte for byte.
SOURCE_SHA256 = "896e12d5a878f70d654d67049e931f0e056aa690cab88bca87baddce9380a72b"

NOT_OILY = dict(face_feel="normal", blotting="once", pores="nose_only", makeup_shine="no")  # 3
SLIGHTLY_OILY = dict(
    face_feel="oily_forehead_nose", blotting="once", pores="nose_only", makeup_shine="no"
)  # 4
OILY = dict(
    face_feel="oily_all_over", blotting="two_or_three", pores="nose_only", makeup_shine="no"
)  # 6
VERY_OILY = dict(
    face_feel="oily_all_over",
    blotting="more_than_three",
    pores="nose_and_cheeks",
    makeup_shine="yes",
)
PERSISTENT = dict(
    duration="over_5_years", treatments=["antibiotic_tablets"], treatment_response="did_not_help"
)
EVERY_PASSAGE = dict(**VERY_OILY, **PERSISTENT, spot_types=["red_bumps"], goals=["less_oily"])
EVERY_PATIENT = ("included for every patient",)
RISKS = ("Relevant to this patient's risks",)


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


def test_shipped_text_is_the_shared_source_byte_for_byte():
    assert hashlib.sha256(SHIPPED_TEXT.read_bytes()).hexdigest() == SOURCE_SHA256


def test_document_reads_title_heading_note_and_seven_paragraphs():
    document = the_document()
    paragraphs = SHIPPED_TEXT.read_text(encoding="utf-8").split("\n\n")[1:]
    assert document.id == "can-botox-injections-reduce-acne"
    assert document.title == "Can Botox Injections Reduce Acne?"
    assert document.heading == "From 'Can Botox Injections Reduce Acne?'"
    assert (
        document.note
        == "Use of botulinum toxin for acne is off-label; published studies are small."
    )
    assert [p.key for p in document.passages] == ["P1", "P2", "P3", "P4", "P5", "P6", "P7"]
    assert [p.text for p in document.passages] == paragraphs
    assert document.passages[0].text.startswith("Botox injections, commonly known")
    assert document.passages[6].text.endswith("the best options for your skin health.")


def test_shipped_documents_are_loaded_once():
    assert load_documents() is load_documents()


def test_passages_come_in_source_order_and_p1_never():
    chosen = select_passages(
        the_document(), answers(**EVERY_PASSAGE), assess(answers(**EVERY_PASSAGE), SUBMITTED_ON)
    )
    assert [p.key for p in chosen] == ["P2", "P3", "P4", "P5", "P6", "P7"]
    assert [p.text for p in chosen] == [p.text for p in the_document().passages[1:]]


def test_a_patient_with_no_particular_findings_gets_the_general_passages():
    assert list(selected()) == ["P4", "P5", "P6"]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (dict(**OILY), ("oiliness 6 of 9 (Oily)",)),
        (dict(**VERY_OILY), ("oiliness 9 of 9 (Very oily)",)),
        (dict(**SLIGHTLY_OILY, goals=["less_oily"]), ("goal: Less oily skin",)),
        (
            dict(**VERY_OILY, goals=["fewer_breakouts", "less_oily"]),
            ("oiliness 9 of 9 (Very oily)", "goal: Less oily skin"),
        ),
        (dict(**SLIGHTLY_OILY, goals=["fewer_breakouts", "less_redness"]), None),
        (dict(**NOT_OILY), None),
    ],
)
def test_p2_oil_glands(overrides, expected):
    assert reasons("P2", **overrides) == expected


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (dict(spot_types=["red_bumps"]), ("spots: Red bumps",)),
        (dict(spot_types=["pus_filled"]), ("spots: Pus-filled spots",)),
        (dict(spot_types=["nodules"]), ("spots: Large, painful lumps under the skin",)),
        (
            dict(spot_types=["blackheads_whiteheads", "red_bumps", "pus_filled"]),
            ("spots: Red bumps, Pus-filled spots",),
        ),
        (dict(goals=["less_redness"]), ("goal: Less redness or swelling",)),
        (
            dict(
                spot_types=["blackheads_whiteheads", "not_sure"],
                goals=["fewer_breakouts", "marks_scars"],
            ),
            None,
        ),
    ],
)
def test_p3_inflammation(overrides, expected):
    assert reasons("P3", **overrides) == expected


@pytest.mark.parametrize(
    "overrides", [{}, EVERY_PASSAGE, dict(treatments=["none"], pregnancy="yes")]
)
def test_p4_clinical_evidence_always(overrides):
    assert reasons("P4", **overrides) == EVERY_PATIENT


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, ("Botulinum toxin injections for acne not yet tried",)),
        (dict(treatments=["none"]), ("Botulinum toxin injections for acne not yet tried",)),
        (
            dict(treatments=["botox"], goals=["learn_botox"]),
            ("goal: To learn about Botox for acne",),
        ),
        (
            dict(goals=["learn_botox"]),
            (
                "Botulinum toxin injections for acne not yet tried",
                "goal: To learn about Botox for acne",
            ),
        ),
        (dict(treatments=["pharmacy", "botox"]), None),
    ],
)
def test_p5_consulting_and_administration(overrides, expected):
    assert reasons("P5", **overrides) == expected


@pytest.mark.parametrize(
    ("overrides", "marks"),
    [
        ({}, ()),
        (dict(pregnancy="yes", recent_toxin="yes"), ()),  # other flags do not mark it
        (dict(medicines=["blood_thinners"]), RISKS),
        (dict(conditions=["bleeding_disorder"]), RISKS),
        (dict(injection_weakness="yes"), RISKS),
        (dict(medicines=["anti_inflammatories"], injection_weakness="yes"), RISKS),
    ],
)
def test_p6_side_effects_always_and_marked_for_bruising_or_drooping(overrides, marks):
    passage = selected(**overrides)["P6"]
    assert (passage.reasons, passage.marks) == (EVERY_PATIENT, marks)


def test_p7_names_the_answers_that_make_acne_persistent():
    assert selected(**PERSISTENT)["P7"].because == (
        "Included because: duration: More than 5 years; treatments tried: Antibiotic tablets; response: Did not help"
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            dict(duration="1_to_5_years", treatment_response="helped_somewhat"),
            (
                "duration: 1 to 5 years",
                "treatments tried: Washes or creams from a pharmacy",
                "response: Helped somewhat",
            ),
        ),
        (
            dict(
                PERSISTENT,
                treatments=["antibiotic_tablets", "isotretinoin"],
                isotretinoin_last="over_12_months",
            ),
            (
                "duration: More than 5 years",
                "treatments tried: Antibiotic tablets, Isotretinoin (Roaccutane, Accutane)",
                "response: Did not help",
            ),
        ),
        (
            dict(PERSISTENT, treatment_response="side_effects"),
            (
                "duration: More than 5 years",
                "treatments tried: Antibiotic tablets",
                "response: I stopped because of side effects",
            ),
        ),
        (dict(PERSISTENT, duration="6_to_12_months"), None),
        (dict(PERSISTENT, duration="under_6_months"), None),
        (dict(PERSISTENT, treatments=["none"]), None),
        (dict(PERSISTENT, treatment_response="cleared"), None),
    ],
)
def test_p7_persistent_acne(overrides, expected):
    assert reasons("P7", **overrides) == expected


def test_because_joins_the_reasons():
    assert selected(**VERY_OILY, goals=["less_oily"])["P2"].because == (
        "Included because: oiliness 9 of 9 (Very oily); goal: Less oily skin"
    )


def test_a_second_document_needs_only_data(tmp_path):
    (leaflet,) = load_documents(write_document(tmp_path, LEAFLET_RULES))
    teenager = answers(
        date_of_birth="2010-05-01",
        appointment_date="2026-12-01",
        spot_types=["nodules"],
        severity="severe",
        **OILY,
    )
    chosen = select_passages(leaflet, teenager, assess(teenager, SUBMITTED_ON))
    assert (leaflet.id, leaflet.title, leaflet.heading, leaflet.note) == (
        "aftercare",
        "Aftercare",
        "From 'Aftercare'",
        "Clinic leaflet.",
    )
    assert [p.text for p in leaflet.passages] == [
        "For teenagers.",
        "For severe nodular acne.",
        "When not pregnant.",
    ]
    assert [(p.key, p.reasons, p.marks) for p in chosen] == [
        ("P1", ("age 16",), ()),
        ("P2", ("acne pattern: Nodulocystic", "severity: Severe"), ()),
        (
            "P3",
            (
                "no safety flag: Pregnant, breastfeeding or planning pregnancy: botulinum toxin is not recommended.",
                "no safety flag: Pregnancy status uncertain.",
            ),
            ("Check consent", "Oily"),
        ),
    ]
    adult = answers(pregnancy="not_sure", spot_types=["nodules"], severity="moderate", **OILY)
    assert select_passages(leaflet, adult, assess(adult, SUBMITTED_ON)) == ()


def test_several_documents_load_in_name_order(tmp_path):
    write_document(tmp_path, LEAFLET_RULES.replace("id: aftercare", "id: second"), name="b-leaflet")
    write_document(tmp_path, LEAFLET_RULES, name="a-leaflet")
    assert [d.id for d in load_documents(tmp_path)] == ["aftercare", "second"]


RULES = "id: x\nnote: n\npassages:\n  P1: {{include: {p1}}}\n  P2: {{include: never}}\n  P3: {{include: never}}\n"


def rules_where_p1_is(condition: str) -> str:
    return RULES.format(p1=condition)


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (
            rules_where_p1_is("{answer: goal, equals: x}"),
            "leaflet.rules.yaml: passage P1: unknown question 'goal'",
        ),
        (
            rules_where_p1_is("{answer: goals, includes_any: [less_oil]}"),
            "question 'goals' has no option 'less_oil'",
        ),
        (rules_where_p1_is("{answer: marks, equals: no}"), "question 'marks' has no option False"),
        (
            rules_where_p1_is("{answer: goals, includes: [less_oily]}"),
            "answer needs exactly one of equals, includes_any",
        ),
        (rules_where_p1_is("{any: [{flag: [bruise]}]}"), "passage P1: any: unknown flag 'bruise'"),
        (rules_where_p1_is("{finding: oiliness, in: [Oily]}"), "unknown finding 'oiliness'"),
        (
            rules_where_p1_is("{finding: oiliness_category, in: [Greasy]}"),
            "oiliness_category cannot be 'Greasy'",
        ),
        (rules_where_p1_is("{finding: age, under: [18, 21]}"), "under takes one number"),
        (
            rules_where_p1_is("sometimes"),
            "passage P1: a condition is always, never or a mapping, not 'sometimes'",
        ),
        (rules_where_p1_is("{either: []}"), "passage P1: unknown condition"),
        (rules_where_p1_is("always, mark: x"), "passage P1: unknown key mark"),
        (
            rules_where_p1_is("always") + "  P4: {include: always}\n",
            "unknown passage key 'P4' (the text has P1 to P3)",
        ),
        (
            rules_where_p1_is("always").replace("  P2: {include: never}\n", ""),
            "no rule for passage P2",
        ),
        (rules_where_p1_is("always").replace("note: n\n", ""), "leaflet.rules.yaml: missing note"),
        (
            rules_where_p1_is("always").replace("note: n", "note: n\nanswer_names: {goal: x}"),
            "answer_names: unknown question",
        ),
        ("id: x\nnote: [unclosed\n", "leaflet.rules.yaml: not valid YAML"),
    ],
)
def test_invalid_rules_are_refused_saying_where_and_why(tmp_path, rules, message):
    write_document(tmp_path, rules)
    with pytest.raises(RulesError, match=re.escape(message)):
        load_documents(tmp_path)


def test_a_condition_on_an_unanswered_question_does_not_hold(tmp_path):
    rules = rules_where_p1_is("{answer: isotretinoin_last, excludes: [now]}").replace(
        "P2: {include: never}", "P2: {include: {not: {answer: isotretinoin_last, equals: now}}}"
    )
    (leaflet,) = load_documents(write_document(tmp_path, rules))
    given = answers(treatments=["pharmacy"])
    chosen = select_passages(leaflet, given, assess(given, SUBMITTED_ON))
    assert [(p.key, p.reasons) for p in chosen] == [
        ("P2", ("When did you last take isotretinoin?: not answered",))
    ]


def test_rules_without_their_text_are_refused(tmp_path):
    (tmp_path / "orphan.rules.yaml").write_text("id: x\nnote: n\npassages: {}\n", encoding="utf-8")
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
