"""Derived findings and safety flags: SPEC sections 3 and 4 are the contract."""

from datetime import date

import pytest

from intake.assessment import NO_FLAGS_TEXT, Level, assess, derive_findings
from tests.factories import answers

SUBMITTED_ON = date(2026, 11, 26)
CONTRA, CAUTION = Level.CONTRAINDICATION, Level.CAUTION

# SPEC section 4, character for character, in the order the PDF shows them.
SPEC_FLAGS = [
    (
        "pregnancy",
        CONTRA,
        "Pregnant, breastfeeding or planning pregnancy: botulinum toxin is not recommended.",
    ),
    (
        "neuromuscular",
        CONTRA,
        "Neuromuscular disorder: risk of serious effects from botulinum toxin.",
    ),
    (
        "hypersensitivity",
        CONTRA,
        "Possible hypersensitivity to botulinum toxin or its ingredients.",
    ),
    ("skin_infection", CONTRA, "Skin infection at the proposed injection site."),
    ("pregnancy_uncertain", CAUTION, "Pregnancy status uncertain."),
    ("bruising", CAUTION, "Bruising and bleeding risk at injection sites."),
    ("potentiating_medicine", CAUTION, "Medicine that may increase the effect of botulinum toxin."),
    ("recent_toxin", CAUTION, "Botulinum toxin in the last 3 months."),
    ("possible_allergy", CAUTION, "Possible allergy: check before treatment."),
    ("previous_drooping", CAUTION, "Previous drooping or weakness after an injection."),
    ("recent_isotretinoin", CAUTION, "Isotretinoin in the last 6 months."),
    ("under_18", CAUTION, "Patient is under 18: guardian consent needed."),
    (
        "nodulocystic_or_scarring",
        CAUTION,
        "Nodulocystic or scarring acne: consider established therapy first.",
    ),
]

# Everything that can raise a flag at once; pregnancy and allergy answers vary below.
EVERY_RISK = dict(
    date_of_birth="2010-01-01",
    appointment_date="2026-12-01",
    spot_types=["nodules"],
    marks="scars",
    treatments=["isotretinoin"],
    isotretinoin_last="now",
    conditions=["myasthenia_gravis", "bleeding_disorder", "skin_infection"],
    medicines=["blood_thinners", "aminoglycosides"],
    recent_toxin="yes",
    injection_weakness="yes",
)
# The two answers that raise either a contraindication or its caution, and what each leaves out.
VARIANTS = [
    (dict(pregnancy="yes", toxin_allergy="yes"), {"pregnancy_uncertain", "possible_allergy"}),
    (dict(pregnancy="not_sure", toxin_allergy="not_sure"), {"pregnancy", "hypersensitivity"}),
]


def flags_for(**overrides) -> dict:
    return {flag.id: flag for flag in assess(answers(**overrides), SUBMITTED_ON).flags}


def findings_for(**overrides):
    return derive_findings(answers(**overrides), SUBMITTED_ON)


@pytest.mark.parametrize(
    ("spot_types", "pattern"),
    [
        (["nodules"], "Nodulocystic"),
        (["blackheads_whiteheads", "red_bumps", "pus_filled", "nodules"], "Nodulocystic"),
        (["blackheads_whiteheads", "red_bumps"], "Mixed comedonal and inflammatory"),
        (["blackheads_whiteheads", "pus_filled", "not_sure"], "Mixed comedonal and inflammatory"),
        (["red_bumps"], "Inflammatory"),
        (["red_bumps", "pus_filled"], "Inflammatory"),
        (["pus_filled", "not_sure"], "Inflammatory"),
        (["blackheads_whiteheads"], "Comedonal"),
        (["blackheads_whiteheads", "not_sure"], "Comedonal"),
        (["not_sure"], "Not determined"),
    ],
)
def test_acne_pattern_follows_spec_precedence(spot_types, pattern):
    assert findings_for(spot_types=spot_types).acne_pattern == pattern


@pytest.mark.parametrize(
    ("face_feel", "blotting", "pores", "makeup_shine", "score", "category"),
    [
        ("tight_dry", "never", "no", "none_worn", 0, "Not oily"),
        ("normal", "once", "no", "no", 2, "Not oily"),
        ("normal", "once", "nose_only", "no", 3, "Slightly oily"),
        ("oily_forehead_nose", "once", "nose_only", "none_worn", 4, "Slightly oily"),
        ("oily_forehead_nose", "two_or_three", "nose_only", "no", 5, "Oily"),
        ("oily_all_over", "two_or_three", "nose_only", "no", 6, "Oily"),
        ("oily_all_over", "two_or_three", "nose_and_cheeks", "no", 7, "Very oily"),
        ("oily_all_over", "more_than_three", "nose_and_cheeks", "yes", 9, "Very oily"),
    ],
)
def test_oiliness_score_and_category(face_feel, blotting, pores, makeup_shine, score, category):
    findings = findings_for(
        face_feel=face_feel, blotting=blotting, pores=pores, makeup_shine=makeup_shine
    )
    assert (findings.oiliness_score, findings.oiliness_category) == (score, category)


@pytest.mark.parametrize(
    ("born", "appointment", "age"),
    [
        ("2008-06-15", "2026-06-14", 17),  # the day before the 18th birthday
        ("2008-06-15", "2026-06-15", 18),
        ("2008-02-29", "2026-02-28", 17),  # born on 29 February: 18 on 1 March in other years
        ("2008-02-29", "2026-03-01", 18),
        ("2008-02-29", "2028-02-28", 19),
        ("2008-02-29", "2028-02-29", 20),
        ("2008-12-31", "2027-01-01", 18),
    ],
)
def test_age_is_at_the_appointment_date(born, appointment, age):
    assert findings_for(date_of_birth=born, appointment_date=appointment).age == age


@pytest.mark.parametrize(
    ("submitted_on", "age"), [(date(2026, 6, 14), 17), (date(2026, 6, 15), 18)]
)
def test_age_is_at_submission_without_an_appointment_date(submitted_on, age):
    given = answers(date_of_birth="2008-06-15", appointment_date=None)
    assert derive_findings(given, submitted_on).age == age


def test_appointment_date_wins_over_submission_date():
    given = answers(date_of_birth="2008-06-15", appointment_date="2026-06-14")
    assert derive_findings(given, date(2026, 6, 20)).age == 17


@pytest.mark.parametrize(
    ("overrides", "flag_id", "raised_by"),
    [
        (
            dict(pregnancy="yes"),
            "pregnancy",
            ["Pregnant, breastfeeding or planning pregnancy: Yes"],
        ),
        (
            dict(conditions=["myasthenia_gravis"]),
            "neuromuscular",
            ["Conditions: Myasthenia gravis"],
        ),
        (
            dict(conditions=["lambert_eaton"]),
            "neuromuscular",
            ["Conditions: Lambert-Eaton syndrome"],
        ),
        (
            dict(conditions=["nerve_muscle_disease"]),
            "neuromuscular",
            ["Conditions: Motor neurone disease (ALS) or another nerve or muscle disease"],
        ),
        (
            dict(toxin_allergy="yes"),
            "hypersensitivity",
            ["Allergy to botulinum toxin or cow's milk protein: Yes"],
        ),
        (
            dict(conditions=["skin_infection"]),
            "skin_infection",
            ["Conditions: A skin infection where you would have injections"],
        ),
        (
            dict(pregnancy="not_sure"),
            "pregnancy_uncertain",
            ["Pregnant, breastfeeding or planning pregnancy: I'm not sure"],
        ),
        (
            dict(conditions=["bleeding_disorder"]),
            "bruising",
            ["Conditions: A bleeding or clotting disorder"],
        ),
        (
            dict(medicines=["blood_thinners"]),
            "bruising",
            ["Medicines: Blood thinners (for example warfarin, apixaban, clopidogrel)"],
        ),
        (
            dict(medicines=["anti_inflammatories"]),
            "bruising",
            ["Medicines: Aspirin or anti-inflammatory painkillers (for example ibuprofen)"],
        ),
        (
            dict(medicines=["aminoglycosides"]),
            "potentiating_medicine",
            ["Medicines: Aminoglycoside antibiotics (for example gentamicin)"],
        ),
        (
            dict(medicines=["muscle_relaxants"]),
            "potentiating_medicine",
            ["Medicines: Muscle relaxants"],
        ),
        (dict(recent_toxin="yes"), "recent_toxin", ["Botulinum toxin in the last 3 months: Yes"]),
        (
            dict(recent_toxin="not_sure"),
            "recent_toxin",
            ["Botulinum toxin in the last 3 months: I'm not sure"],
        ),
        (
            dict(toxin_allergy="not_sure"),
            "possible_allergy",
            ["Allergy to botulinum toxin or cow's milk protein: I'm not sure"],
        ),
        (
            dict(injection_weakness="yes"),
            "previous_drooping",
            ["Drooping or weakness after an injection: Yes"],
        ),
        (
            dict(treatments=["isotretinoin"], isotretinoin_last="now"),
            "recent_isotretinoin",
            ["Last took isotretinoin: I take it now"],
        ),
        (
            dict(treatments=["isotretinoin"], isotretinoin_last="last_6_months"),
            "recent_isotretinoin",
            ["Last took isotretinoin: In the last 6 months"],
        ),
        (
            dict(date_of_birth="2010-05-01", appointment_date="2026-12-01"),
            "under_18",
            ["Age at appointment: 16"],
        ),
        (
            dict(date_of_birth="2008-11-27", appointment_date=None),
            "under_18",
            ["Age at submission: 17"],
        ),
        (dict(spot_types=["nodules"]), "nodulocystic_or_scarring", ["Acne pattern: Nodulocystic"]),
        (dict(marks="scars"), "nodulocystic_or_scarring", ["Marks or scars: Scars"]),
    ],
)
def test_each_flag_is_raised_alone_naming_the_answer(overrides, flag_id, raised_by):
    flags = flags_for(**overrides)
    assert list(flags) == [flag_id]
    assert list(flags[flag_id].raised_by) == raised_by


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        dict(pregnancy="not_applicable"),
        dict(treatments=["isotretinoin"], isotretinoin_last="6_to_12_months"),
        dict(treatments=["isotretinoin"], isotretinoin_last="over_12_months"),
        dict(date_of_birth="2008-12-01", appointment_date="2026-12-01"),  # 18 that day
        dict(date_of_birth="2008-11-26", appointment_date=None),  # 18 on the day of submission
        dict(marks="marks_only"),
        dict(marks="not_sure"),
        dict(spot_types=["blackheads_whiteheads", "red_bumps", "pus_filled"]),
        dict(treatments=["none"], phone=None, flares=None, other_allergies=None),
    ],
)
def test_no_flag_for_safe_answers(overrides):
    assert flags_for(**overrides) == {}


@pytest.mark.parametrize(("variant", "not_raised"), VARIANTS)
def test_flags_have_spec_text_and_level_contraindications_first(variant, not_raised):
    flags = assess(answers(**EVERY_RISK, **variant), SUBMITTED_ON).flags
    expected = [spec for spec in SPEC_FLAGS if spec[0] not in not_raised]
    assert [(flag.id, flag.level, flag.text) for flag in flags] == expected


def test_flags_name_every_answer_that_raised_them():
    flags = flags_for(
        spot_types=["nodules"],
        marks="scars",
        conditions=["bleeding_disorder"],
        medicines=["blood_thinners", "anti_inflammatories"],
    )
    assert flags["bruising"].raised_by == (
        "Conditions: A bleeding or clotting disorder",
        "Medicines: Blood thinners (for example warfarin, apixaban, clopidogrel)",
        "Medicines: Aspirin or anti-inflammatory painkillers (for example ibuprofen)",
    )
    assert flags["nodulocystic_or_scarring"].raised_by == (
        "Acne pattern: Nodulocystic",
        "Marks or scars: Scars",
    )


@pytest.mark.parametrize(
    ("flag_id", "words"),
    [
        ("pregnancy", "pregnancy"),
        ("pregnancy_uncertain", "pregnancy"),
        ("hypersensitivity", "label contraindication"),
        ("possible_allergy", "label contraindication"),
        ("skin_infection", "label contraindication"),
        ("neuromuscular", "label warning"),
        ("potentiating_medicine", "label interaction"),
        ("recent_toxin", "3 months"),
        ("bruising", "anticoagulants"),
        ("previous_drooping", "spread"),
        ("recent_isotretinoin", "isotretinoin"),
        ("under_18", "adults"),
        ("nodulocystic_or_scarring", "guidelines of care"),
    ],
)
def test_each_flag_gives_its_basis_in_one_sentence(flag_id, words):
    flags = {
        flag.id: flag
        for variant, _ in VARIANTS
        for flag in assess(answers(**EVERY_RISK, **variant), SUBMITTED_ON).flags
    }
    basis = flags[flag_id].basis
    assert words in basis.lower()
    assert basis.endswith(".") and basis.count(". ") == 0


def test_no_flags_sentence_is_spec_wording():
    assert NO_FLAGS_TEXT == "No safety flags from the patient's answers."


def test_questions_that_did_not_apply_have_no_answer_and_raise_nothing():
    given = answers(treatments=["none"], isotretinoin_last="now")
    assert "isotretinoin_last" not in given and "treatment_response" not in given
    assert assess(given, SUBMITTED_ON).flags == ()


def test_assess_combines_findings_and_flags():
    given = answers(spot_types=["nodules"])
    assessment = assess(given, SUBMITTED_ON)
    assert assessment.findings == derive_findings(given, SUBMITTED_ON)
    assert [flag.id for flag in assessment.flags] == ["nodulocystic_or_scarring"]
