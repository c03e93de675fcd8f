"""Derived findings, safety flags and clinical considerations: SPEC sections 3 and 4 are the
contract. Questionnaire 2026.2 is the one patients answer; records answered in 2026.1 are
still assessed by 2026.1's own rules, and the tests at the end prove it."""

from datetime import date

import pytest

from intake import questionnaire
from intake.assessment import (
    LEVELS,
    NO_CONSIDERATIONS_TEXT,
    NO_FLAGS_TEXT,
    Level,
    OilinessItem,
    TreatmentRow,
    assess,
    derive_findings,
)
from tests.factories import answers, answers_2026_1

SUBMITTED_ON = date(2026, 11, 26)
CONTRA, DEFER, CAUTION = Level.CONTRAINDICATION, Level.DEFER, Level.CAUTION
V2026_1 = questionnaire.find("2026.1")
V2026_2 = questionnaire.find("2026.2")

# SPEC section 4's bases that other rows refer to ("As for pregnancy.", "As above.").
PREGNANCY_BASIS = (
    "No adequate human data (US labels); some SmPCs advise against use. Not a labelled "
    "contraindication: clinic policy."
)
RECENT_TOXIN_BASIS = (
    "Medication Guide: tell the doctor about any botulinum toxin in the last four months; "
    "products are not interchangeable and effects of close doses are unknown."
)
MILK_BASIS = (
    "Dysport and Azzalure labels: may contain trace cow's milk protein; contraindicated in "
    "that allergy."
)
ISOTRETINOIN_BASIS = (
    "Isotretinoin suppresses sebum production. A 2017 consensus (JAMA Dermatology) found "
    "insufficient evidence to delay most procedures after isotretinoin."
)

# Answers that show the botulinum toxin follow-up questions, with nothing to flag in them.
TOXIN_YES = dict(toxin_ever="yes", toxin_last="over_12_months", after_toxin=["none"])


def after_toxin(*options: str) -> dict:
    return dict(TOXIN_YES, after_toxin=list(options))


# SPEC section 4, character for character, in the order the PDF prints them: id, level, text,
# the basis wording (every part must be in the flag's basis), and every answer that raises
# it, with the words naming that answer after "Raised by:".
SPEC_FLAGS = [
    (
        "toxin_hypersensitivity",
        CONTRA,
        "Allergic reaction after botulinum toxin: hypersensitivity is a contraindication.",
        (
            "Product labels (US prescribing information, UK/EU SmPCs): contraindicated in "
            "hypersensitivity to any botulinum toxin product or ingredient.",
        ),
        [(after_toxin("allergic_reaction"), "After botulinum toxin: An allergic reaction")],
    ),
    (
        "skin_infection",
        CONTRA,
        "Skin infection at the proposed injection site: do not inject until it has cleared.",
        ("Product labels: infection at the proposed injection site is a contraindication.",),
        [
            (
                dict(conditions=["skin_infection"]),
                "Conditions: A skin infection where you would have injections",
            )
        ],
    ),
    (
        "neuromuscular",
        CONTRA,
        "Myasthenia gravis, Lambert-Eaton syndrome or motor neurone disease.",
        (
            "Contraindicated in UK/EU SmPCs of aesthetic botulinum toxin products; boxed warning "
            "and warning in US labels (serious swallowing and breathing problems).",
        ),
        [
            (dict(conditions=["myasthenia_gravis"]), "Conditions: Myasthenia gravis"),
            (dict(conditions=["lambert_eaton"]), "Conditions: Lambert-Eaton syndrome"),
            (dict(conditions=["motor_neurone_disease"]), "Conditions: Motor neurone disease (ALS)"),
        ],
    ),
    (
        "pregnancy",
        DEFER,
        "Pregnant or breastfeeding: defer elective off-label treatment.",
        (PREGNANCY_BASIS,),
        [(dict(pregnant_breastfeeding="yes"), "Pregnant or breastfeeding: Yes")],
    ),
    (
        "serious_reaction_after_toxin",
        DEFER,
        "Serious reaction after botulinum toxin before: check the history before any injection.",
        ("Boxed warning (US labels): distant spread of toxin effect.",),
        [
            (
                after_toxin("swallowing_breathing"),
                "After botulinum toxin: Difficulty swallowing, speaking or breathing",
            ),
            (
                after_toxin("distant_weakness"),
                "After botulinum toxin: Weakness away from where you were injected",
            ),
        ],
    ),
    (
        "swallowing_breathing",
        DEFER,
        "Difficulty swallowing or breathing problems.",
        (
            "Boxed warning (US labels) and SmPC warnings: higher risk of serious swallowing and "
            "breathing effects.",
        ),
        [
            (
                dict(conditions=["swallowing_breathing"]),
                "Conditions: Difficulty swallowing, or a breathing problem such as severe asthma "
                "or COPD",
            )
        ],
    ),
    (
        "recent_toxin",
        DEFER,
        "Botulinum toxin in the last 4 months.",
        (RECENT_TOXIN_BASIS,),
        [
            (
                dict(TOXIN_YES, toxin_last="last_4_months"),
                "Most recent botulinum toxin: In the last 4 months",
            )
        ],
    ),
    (
        "pregnancy_uncertain",
        CAUTION,
        "Pregnancy status uncertain.",
        ("As for pregnancy", PREGNANCY_BASIS),
        [
            (
                dict(pregnant_breastfeeding="not_sure", planning_pregnancy="no"),
                "Pregnant or breastfeeding: I'm not sure",
            )
        ],
    ),
    (
        "planning_pregnancy",
        CAUTION,
        "Planning a pregnancy in the next 6 months: discuss timing.",
        (
            "No adequate human data in pregnancy (US labels); timing also matters for "
            "isotretinoin, spironolactone and tetracyclines.",
        ),
        [
            (
                dict(pregnant_breastfeeding="no", planning_pregnancy="yes"),
                "Planning a pregnancy in the next 6 months: Yes",
            )
        ],
    ),
    (
        "other_nerve_muscle",
        CAUTION,
        "Another nerve or muscle disease: check whether it affects nerve-muscle transmission.",
        ("US labels: serious effects in pre-existing neuromuscular disorders.",),
        [
            (
                dict(conditions=["other_nerve_muscle"], nerve_muscle_disease="Multiple sclerosis"),
                "Conditions: Another nerve or muscle disease (Multiple sclerosis)",
            )
        ],
    ),
    (
        "cows_milk_allergy",
        CAUTION,
        "Cow's milk protein allergy: avoid abobotulinumtoxinA (Dysport, Azzalure).",
        (MILK_BASIS,),
        [(dict(cows_milk_allergy="yes"), "Cow's milk protein allergy: Yes")],
    ),
    (
        "possible_cows_milk_allergy",
        CAUTION,
        "Possible cow's milk protein allergy: check before choosing a product.",
        ("As above", MILK_BASIS),
        [(dict(cows_milk_allergy="not_sure"), "Cow's milk protein allergy: I'm not sure")],
    ),
    (
        "bruising",
        CAUTION,
        "Bruising and bleeding risk at injection sites.",
        (
            "Medication Guide and SmPC precautions: bleeding disorders, anticoagulant and "
            "antiplatelet medicines.",
        ),
        [
            (
                dict(medicines=["blood_thinners"]),
                "Medicines: Blood thinners (for example warfarin, apixaban, clopidogrel)",
            ),
            (
                dict(medicines=["anti_inflammatories"]),
                "Medicines: Aspirin or anti-inflammatory painkillers (for example ibuprofen) on "
                "most days",
            ),
            (dict(conditions=["bleeding_disorder"]), "Conditions: A bleeding or clotting disorder"),
        ],
    ),
    (
        "potentiating_medicine",
        CAUTION,
        "Medicine that may increase the effect of botulinum toxin.",
        (
            "US labels, drug interactions: aminoglycosides and other agents interfering with "
            "neuromuscular transmission, muscle relaxants, anticholinergic medicines.",
        ),
        [
            (
                dict(medicines=["antibiotic_injection"]),
                "Medicines: An antibiotic injection or drip in the last month (for example "
                "gentamicin)",
            ),
            (dict(medicines=["muscle_relaxants"]), "Medicines: Muscle relaxants"),
            (
                dict(medicines=["anticholinergics"]),
                "Medicines: Medicines for an overactive bladder, sweating or travel sickness, or "
                "sedating antihistamines",
            ),
        ],
    ),
    (
        "facial_weakness_or_surgery",
        CAUTION,
        "Facial weakness, drooping or a previous operation on the face: record before treatment.",
        (
            "Medication Guide: tell the doctor about facial surgery, facial muscle weakness or "
            "drooping eyelids; SmPCs: caution with pre-existing asymmetry or ptosis.",
        ),
        [
            (
                dict(face=["weakness_drooping"]),
                "Face: Weakness or drooping of an eyelid, eyebrow or one side of the face",
            ),
            (dict(face=["operation"]), "Face: An operation on your face"),
        ],
    ),
    (
        "planned_operation",
        CAUTION,
        "Operation planned in the next 3 months.",
        (
            "Medication Guide: tell the doctor about planned surgery; anaesthetic muscle "
            "relaxants interact with botulinum toxin.",
        ),
        [
            (dict(planned_operation="yes"), "Operation planned in the next 3 months: Yes"),
            (
                dict(planned_operation="not_sure"),
                "Operation planned in the next 3 months: I'm not sure",
            ),
        ],
    ),
    (
        "drooping_after_toxin",
        CAUTION,
        "Drooping or an uneven smile after botulinum toxin before.",
        (
            "Product labels: eyelid and brow ptosis and weakness around the mouth are known "
            "local adverse reactions.",
        ),
        [
            (after_toxin("drooping"), "After botulinum toxin: A drooping eyelid or eyebrow"),
            (
                after_toxin("uneven_smile"),
                "After botulinum toxin: An uneven smile or weakness around the mouth",
            ),
        ],
    ),
    (
        "toxin_history_uncertain",
        CAUTION,
        "Botulinum toxin history uncertain.",
        ("As for botulinum toxin in the last 4 months", RECENT_TOXIN_BASIS),
        [
            (dict(toxin_ever="not_sure"), "Ever had botulinum toxin: I'm not sure"),
            (
                dict(TOXIN_YES, toxin_last="dont_remember"),
                "Most recent botulinum toxin: I don't remember",
            ),
        ],
    ),
    (
        "fainting",
        CAUTION,
        "Has fainted with injections: consider treating lying down.",
        ("SmPCs: needle-related fainting and vasovagal reactions have been reported.",),
        [(dict(fainting="yes"), "Fainted with an injection or blood test: Yes")],
    ),
    (
        "under_18",
        CAUTION,
        "Under 18: outside the licensed age. In England only a doctor, or someone acting on a "
        "doctor's directions, may give botulinum toxin.",
        (
            "Product labels: use under 18 not established or not recommended; Botulinum Toxin "
            "and Cosmetic Fillers (Children) Act 2021 (England).",
        ),
        [
            (
                dict(date_of_birth="2010-05-01", appointment_date="2026-12-01"),
                "Age at appointment: 16",
            ),
            (dict(date_of_birth="2008-11-27", appointment_date=None), "Age at submission: 17"),
        ],
    ),
]
FLAG_TRIGGERS = [
    pytest.param(flag_id, overrides, raised_by, id=f"{flag_id}-{n}")
    for flag_id, _, _, _, triggers in SPEC_FLAGS
    for n, (overrides, raised_by) in enumerate(triggers, 1)
]

# Two patients who between them raise every flag: the answers of one question that raise
# different flags (Yes / I'm not sure) are split between them.
EVERY_RISK = dict(
    date_of_birth="2010-01-01",
    appointment_date="2026-12-01",
    conditions=[
        "myasthenia_gravis",
        "other_nerve_muscle",
        "swallowing_breathing",
        "bleeding_disorder",
        "skin_infection",
    ],
    nerve_muscle_disease="Inclusion body myositis",
    face=["weakness_drooping", "operation"],
    medicines=["blood_thinners", "muscle_relaxants"],
    planned_operation="yes",
    fainting="yes",
)
EVERY_RISK_VARIANTS = [
    dict(
        pregnant_breastfeeding="yes",
        cows_milk_allergy="yes",
        toxin_ever="yes",
        toxin_last="last_4_months",
        after_toxin=["drooping", "distant_weakness", "allergic_reaction"],
    ),
    dict(
        pregnant_breastfeeding="not_sure",
        planning_pregnancy="yes",
        cows_milk_allergy="not_sure",
        toxin_ever="not_sure",
    ),
]


def assessed(**overrides):
    return assess(answers(**overrides), SUBMITTED_ON)


def flags_for(**overrides) -> dict:
    return {flag.id: flag for flag in assessed(**overrides).flags}


def considerations_for(**overrides) -> dict:
    return {c.id: c for c in assessed(**overrides).considerations}


def findings_for(**overrides):
    return derive_findings(answers(**overrides), SUBMITTED_ON)


# --- Safety flags, 2026.2 --------------------------------------------------------------


def test_the_complete_factory_answers_raise_no_flag_and_no_consideration():
    assessment = assessed()
    assert assessment.questionnaire is V2026_2
    assert (assessment.flags, assessment.considerations) == ((), ())


def test_the_questionnaire_has_exactly_the_spec_flags_in_the_spec_order():
    assert [rule.id for rule in V2026_2.flags] == [spec[0] for spec in SPEC_FLAGS]


@pytest.mark.parametrize(("flag_id", "overrides", "raised_by"), FLAG_TRIGGERS)
def test_each_answer_in_spec_raises_its_flag_alone_naming_the_answer(flag_id, overrides, raised_by):
    flags = flags_for(**overrides)
    assert list(flags) == [flag_id]
    assert flags[flag_id].raised_by == (raised_by,)


@pytest.mark.parametrize(
    ("flag_id", "level", "text", "basis_parts", "overrides"),
    [
        pytest.param(flag_id, level, text, basis, triggers[0][0], id=flag_id)
        for flag_id, level, text, basis, triggers in SPEC_FLAGS
    ],
)
def test_each_flag_has_the_spec_text_level_and_basis(flag_id, level, text, basis_parts, overrides):
    flag = flags_for(**overrides)[flag_id]
    assert (flag.level, flag.text) == (level, text)
    for part in basis_parts:
        assert part in flag.basis
    assert flag.basis.startswith(basis_parts[0])


def test_a_flag_names_every_answer_that_raised_it():
    flags = flags_for(
        conditions=["bleeding_disorder"], medicines=["blood_thinners", "anti_inflammatories"]
    )
    assert flags["bruising"].raised_by == (
        "Medicines: Blood thinners (for example warfarin, apixaban, clopidogrel), Aspirin or "
        "anti-inflammatory painkillers (for example ibuprofen) on most days",
        "Conditions: A bleeding or clotting disorder",
    )
    toxin = flags_for(**after_toxin("swallowing_breathing", "distant_weakness"))
    assert toxin["serious_reaction_after_toxin"].raised_by == (
        "After botulinum toxin: Difficulty swallowing, speaking or breathing, Weakness away from "
        "where you were injected",
    )


@pytest.mark.parametrize(
    "overrides",
    [
        dict(pregnant_breastfeeding="no", planning_pregnancy="no"),
        dict(pregnant_breastfeeding="not_applicable"),
        dict(TOXIN_YES),
        dict(TOXIN_YES, toxin_last="4_to_12_months"),
        dict(cows_milk_allergy="no"),
        dict(planned_operation="no"),
        dict(fainting="no"),
        dict(face=["none"], medicines=["none"], conditions=["none"]),
        dict(sex="female", hormonal_features=["none"]),
        dict(date_of_birth="2008-12-01", appointment_date="2026-12-01"),  # 18 that day
        dict(date_of_birth="2008-11-26", appointment_date=None),  # 18 on the day of submission
        # acne findings are clinical considerations, never safety flags
        dict(spot_types=["nodules"], marks="scars", severity="severe", picking="often"),
        dict(treatments_now=["isotretinoin"], response_isotretinoin="too_soon"),
    ],
)
def test_no_flag_for_answers_the_spec_does_not_flag(overrides):
    assert flags_for(**overrides) == {}


@pytest.mark.parametrize("variant", EVERY_RISK_VARIANTS)
def test_flags_are_ordered_contraindication_defer_caution_each_in_spec_order(variant):
    flags = assessed(**EVERY_RISK, **variant).flags
    levels = [flag.level for flag in flags]
    assert levels == sorted(levels, key=LEVELS.index)
    assert set(levels) == set(LEVELS)
    spec_order = [spec[0] for spec in SPEC_FLAGS]
    ids = [flag.id for flag in flags]
    assert ids == sorted(ids, key=spec_order.index)


def test_the_two_risky_patients_raise_every_flag_between_them():
    raised = {flag.id for v in EVERY_RISK_VARIANTS for flag in assessed(**EVERY_RISK, **v).flags}
    assert raised == {spec[0] for spec in SPEC_FLAGS}


def test_flags_at_groups_by_level():
    assessment = assessed(**EVERY_RISK, **EVERY_RISK_VARIANTS[0])
    assert [f.id for f in assessment.flags_at(CONTRA)] == [
        "toxin_hypersensitivity",
        "skin_infection",
        "neuromuscular",
    ]
    assert [f.id for f in assessment.flags_at(DEFER)] == [
        "pregnancy",
        "serious_reaction_after_toxin",
        "swallowing_breathing",
        "recent_toxin",
    ]
    assert all(f.level is CAUTION for f in assessment.flags_at(CAUTION))
    assert sum(len(assessment.flags_at(level)) for level in LEVELS) == len(assessment.flags)


# The clinically sensitive changes of 2026.2 (SPEC section 0), one by one.


def test_pregnant_or_breastfeeding_is_defer_not_contraindication():
    (flag,) = assessed(pregnant_breastfeeding="yes").flags
    assert (flag.id, flag.level) == ("pregnancy", DEFER)
    assert "Not a labelled contraindication" in flag.basis


def test_planning_a_pregnancy_is_a_caution_not_a_contraindication():
    (flag,) = assessed(pregnant_breastfeeding="no", planning_pregnancy="yes").flags
    assert (flag.id, flag.level) == ("planning_pregnancy", CAUTION)
    assert flag.text == "Planning a pregnancy in the next 6 months: discuss timing."


def test_cows_milk_allergy_is_a_caution_naming_abobotulinumtoxin_a():
    flags = assessed(cows_milk_allergy="yes").flags
    assert [(f.id, f.level) for f in flags] == [("cows_milk_allergy", CAUTION)]
    assert "abobotulinumtoxinA (Dysport, Azzalure)" in flags[0].text
    assert "Dysport and Azzalure labels" in flags[0].basis


def test_under_18_states_the_2021_act_not_guardian_consent():
    flag = flags_for(date_of_birth="2010-05-01", appointment_date="2026-12-01")["under_18"]
    assert "In England only a doctor, or someone acting on a doctor's directions" in flag.text
    assert "Botulinum Toxin and Cosmetic Fillers (Children) Act 2021 (England)" in flag.basis
    assert "guardian" not in (flag.text + flag.basis).lower()


@pytest.mark.parametrize(
    ("toxin_last", "flag"),
    [
        ("last_4_months", ("recent_toxin", DEFER)),
        ("4_to_12_months", None),
        ("over_12_months", None),
        ("dont_remember", ("toxin_history_uncertain", CAUTION)),
    ],
)
def test_toxin_in_the_last_4_months_is_defer(toxin_last, flag):
    flags = assessed(**dict(TOXIN_YES, toxin_last=toxin_last)).flags
    assert [(f.id, f.level) for f in flags] == ([flag] if flag else [])


def test_another_nerve_or_muscle_disease_prints_the_disease_named():
    flag = flags_for(
        conditions=["other_nerve_muscle"], nerve_muscle_disease="Charcot-Marie-Tooth disease"
    )["other_nerve_muscle"]
    assert flag.raised_by == (
        "Conditions: Another nerve or muscle disease (Charcot-Marie-Tooth disease)",
    )


def test_toxin_follow_ups_raise_nothing_once_the_patient_says_never():
    given = answers(toxin_ever="no", toxin_last="last_4_months", after_toxin=["allergic_reaction"])
    assert "toxin_last" not in given and "after_toxin" not in given
    assert assess(given, SUBMITTED_ON).flags == ()


def test_no_flags_and_no_considerations_sentences_are_spec_wording():
    assert NO_FLAGS_TEXT == "No safety flags from the patient's answers."
    assert NO_CONSIDERATIONS_TEXT == "No clinical considerations from the patient's answers."


# --- Clinical considerations, 2026.2 ---------------------------------------------------

ISOTRETINOIN_NOW = dict(treatments_now=["isotretinoin"], response_isotretinoin="too_soon")


def isotretinoin_stopped(when: str) -> dict:
    return dict(
        treatments_before=["isotretinoin"],
        response_isotretinoin="cleared",
        isotretinoin_stopped=when,
        isotretinoin_relapse="not_sure_yet",
    )


SPEC_CONSIDERATIONS = [
    (
        "isotretinoin_now",
        "Takes isotretinoin now: it already reduces oil, so toxin for oiliness adds little "
        "while it is taken.",
        (ISOTRETINOIN_BASIS,),
        [(ISOTRETINOIN_NOW, "Using now: Isotretinoin (Roaccutane, Accutane)")],
    ),
    (
        "isotretinoin_recent",
        "Stopped isotretinoin in the last 6 months: oil production may still be reduced.",
        ("As above", ISOTRETINOIN_BASIS),
        [(isotretinoin_stopped("last_6_months"), "Stopped isotretinoin: In the last 6 months")],
    ),
    (
        "isotretinoin_indicated",
        "Isotretinoin may be indicated: nodules, scarring or severe acne.",
        (
            "AAD 2024 guideline: isotretinoin for severe acne, acne with scarring or "
            "psychosocial burden, or acne not responding to standard therapy.",
        ),
        [
            (dict(spot_types=["nodules"]), "Acne pattern: Nodular"),
            (dict(marks="scars"), "Marks or scars: Scars"),
            (dict(severity="severe"), "Severity: Severe"),
        ],
    ),
    (
        "trunk_only",
        "Acne on the trunk only: studies of botulinum toxin for oil and acne treated the face.",
        ("Published studies injected the forehead or cheeks.",),
        [
            (dict(locations=["chest"]), "Distribution: Trunk only"),
            (dict(locations=["back", "shoulders"]), "Distribution: Trunk only"),
        ],
    ),
    (
        "hormonal_features",
        "Hormonal features: consider assessment for excess androgens.",
        ("AAD 2024 guideline: hormonal therapy; look for signs of hyperandrogenism.",),
        [
            (
                dict(sex="female", hormonal_features=["irregular_periods"]),
                "Hormonal features: Irregular or often missed periods",
            ),
            (
                dict(sex="female", hormonal_features=["unwanted_hair"]),
                "Hormonal features: Unwanted hair on the face or body",
            ),
            (
                dict(sex="female", hormonal_features=["thinning_hair"]),
                "Hormonal features: Thinning hair on the top of the head",
            ),
        ],
    ),
    (
        "picking",
        "Picks or squeezes spots often: scarring risk.",
        ("Picking worsens marks and scarring.",),
        [(dict(picking="often"), "Picks or squeezes spots: Often")],
    ),
]
CONSIDERATION_TRIGGERS = [
    pytest.param(cid, text, basis, overrides, raised_by, id=f"{cid}-{n}")
    for cid, text, basis, triggers in SPEC_CONSIDERATIONS
    for n, (overrides, raised_by) in enumerate(triggers, 1)
]


def test_the_questionnaire_has_exactly_the_spec_considerations_in_order():
    assert [rule.id for rule in V2026_2.considerations] == [c[0] for c in SPEC_CONSIDERATIONS]
    assert all(rule.level is None for rule in V2026_2.considerations)


@pytest.mark.parametrize(
    ("consideration_id", "text", "basis_parts", "overrides", "raised_by"), CONSIDERATION_TRIGGERS
)
def test_each_consideration_is_raised_alone_with_spec_text_basis_and_answer(
    consideration_id, text, basis_parts, overrides, raised_by
):
    assessment = assessed(**overrides)
    assert [c.id for c in assessment.considerations] == [consideration_id]
    (consideration,) = assessment.considerations
    assert (consideration.level, consideration.text) == (None, text)
    assert consideration.raised_by == (raised_by,)
    assert consideration.basis.startswith(basis_parts[0])
    for part in basis_parts:
        assert part in consideration.basis
    assert assessment.flags == ()  # a consideration is never a safety flag


def test_isotretinoin_may_be_indicated_names_every_reason():
    (consideration,) = assessed(
        spot_types=["red_bumps", "nodules"], marks="scars", severity="severe"
    ).considerations
    assert consideration.raised_by == (
        "Acne pattern: Nodular",
        "Marks or scars: Scars",
        "Severity: Severe",
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        # not when isotretinoin is used now ...
        (dict(spot_types=["nodules"], **ISOTRETINOIN_NOW), ["isotretinoin_now"]),
        (dict(marks="scars", severity="severe", **ISOTRETINOIN_NOW), ["isotretinoin_now"]),
        # ... or was stopped in the last 6 months
        (
            dict(severity="severe", **isotretinoin_stopped("last_6_months")),
            ["isotretinoin_recent"],
        ),
        # stopped longer ago: it may be indicated again
        (
            dict(severity="severe", **isotretinoin_stopped("6_to_12_months")),
            ["isotretinoin_indicated"],
        ),
        (
            dict(marks="scars", **isotretinoin_stopped("over_12_months")),
            ["isotretinoin_indicated"],
        ),
        # other treatments used now do not stop it
        (
            dict(
                spot_types=["nodules"],
                treatments_now=["antibiotic_tablets"],
                response_antibiotic_tablets="helped_somewhat",
            ),
            ["isotretinoin_indicated"],
        ),
    ],
)
def test_isotretinoin_may_be_indicated_except_when_on_it_or_just_stopped(overrides, expected):
    assert list(considerations_for(**overrides)) == expected


@pytest.mark.parametrize(
    "overrides",
    [
        dict(severity="moderate"),
        dict(severity="clear"),
        dict(marks="marks_only"),
        dict(marks="not_sure"),
        dict(spot_types=["blackheads_whiteheads", "red_bumps", "pus_filled"]),
        dict(locations=["forehead", "chest"]),  # face and trunk
        dict(locations=["neck"]),  # the neck counts as face
        dict(locations=["neck", "back"]),
        dict(sex="female", hormonal_features=["none"]),
        dict(sex="male", hormonal_features=["unwanted_hair"]),  # asked of female patients only
        dict(picking="sometimes"),
        dict(picking="never"),
        isotretinoin_stopped("6_to_12_months"),
        isotretinoin_stopped("over_12_months"),
    ],
)
def test_no_consideration_for_answers_the_spec_does_not_name(overrides):
    assert considerations_for(**overrides) == {}


def test_considerations_are_never_in_flags():
    assessment = assessed(
        spot_types=["nodules"],
        locations=["back"],
        sex="female",
        hormonal_features=["irregular_periods", "thinning_hair"],
        picking="often",
        **ISOTRETINOIN_NOW,
    )
    assert [c.id for c in assessment.considerations] == [
        "isotretinoin_now",
        "trunk_only",
        "hormonal_features",
        "picking",
    ]
    assert assessment.flags == ()
    flag_ids = {rule.id for rule in V2026_2.flags}
    assert flag_ids.isdisjoint(rule.id for rule in V2026_2.considerations)


# --- Findings, 2026.2 (and 2026.1 where it differs) --------------------------------------

PATTERNS = [
    (["nodules"], "Nodular"),
    (["blackheads_whiteheads", "red_bumps", "pus_filled", "nodules"], "Nodular"),
    (["nodules", "not_sure"], "Nodular"),
    (["blackheads_whiteheads", "red_bumps"], "Mixed comedonal and inflammatory"),
    (["blackheads_whiteheads", "pus_filled", "not_sure"], "Mixed comedonal and inflammatory"),
    (["red_bumps"], "Inflammatory"),
    (["red_bumps", "pus_filled"], "Inflammatory"),
    (["pus_filled", "not_sure"], "Inflammatory"),
    (["blackheads_whiteheads"], "Comedonal"),
    (["blackheads_whiteheads", "not_sure"], "Comedonal"),
    (["not_sure"], "Not determined"),
]


@pytest.mark.parametrize(("spot_types", "pattern"), PATTERNS)
def test_acne_pattern_follows_spec_precedence(spot_types, pattern):
    assert findings_for(spot_types=spot_types).acne_pattern == pattern


@pytest.mark.parametrize(("spot_types", "pattern"), PATTERNS)
def test_acne_pattern_of_2026_1_records_calls_lumps_nodulocystic(spot_types, pattern):
    expected = "Nodulocystic" if pattern == "Nodular" else pattern
    findings = derive_findings(answers_2026_1(spot_types=spot_types), SUBMITTED_ON, V2026_1)
    assert findings.acne_pattern == expected


def test_findings_are_labelled_for_what_they_are():
    assert V2026_2.findings.pattern_label == (
        "Acne pattern (patient-described, not a clinical grade)"
    )
    assert V2026_2.findings.oiliness_label == "Oiliness (self-reported, not a sebum measurement)"


@pytest.mark.parametrize(
    ("locations", "distribution"),
    [
        (["forehead"], "Face only"),
        (["forehead", "cheeks", "nose", "chin_jawline", "neck"], "Face only"),
        (["neck"], "Face only"),
        (["chest"], "Trunk only"),
        (["back"], "Trunk only"),
        (["shoulders"], "Trunk only"),
        (["chest", "back", "shoulders"], "Trunk only"),
        (["cheeks", "back"], "Face and trunk"),
        (["neck", "shoulders"], "Face and trunk"),
        (["forehead", "cheeks", "nose", "chin_jawline", "neck", "chest", "back", "shoulders"],
         "Face and trunk"),
    ],
)  # fmt: skip
def test_distribution(locations, distribution):
    assert findings_for(locations=locations).distribution == distribution


def test_2026_1_records_have_no_distribution_and_no_treatment_rows():
    findings = derive_findings(answers_2026_1(locations=["back"]), SUBMITTED_ON, V2026_1)
    assert (findings.distribution, findings.treatments) == (None, ())


@pytest.mark.parametrize(
    ("face_feel", "blotting", "pores", "shine", "score", "category"),
    [
        ("tight_dry", "never", "no", "no", 0, "Not oily"),
        ("normal", "once", "no", "no", 2, "Not oily"),
        ("normal", "once", "nose_only", "no", 3, "Slightly oily"),
        ("oily_forehead_nose", "once", "nose_only", "no", 4, "Slightly oily"),
        ("oily_forehead_nose", "once", "nose_only", "yes", 5, "Oily"),
        ("oily_all_over", "once", "nose_only", "yes", 6, "Oily"),
        ("oily_all_over", "two_or_three", "nose_only", "yes", 7, "Very oily"),
        ("oily_all_over", "more_than_three", "nose_and_cheeks", "yes", 9, "Very oily"),
    ],
)
def test_oiliness_score_and_category(face_feel, blotting, pores, shine, score, category):
    findings = findings_for(face_feel=face_feel, blotting=blotting, pores=pores, shine=shine)
    assert (findings.oiliness_score, findings.oiliness_max) == (score, 9)
    assert findings.oiliness_category == category


# The factory's oily-skin answers: Normal (1), Once (1), On my nose only (1), not shiny (0).
FACTORY_POINTS = {"face_feel": 1, "blotting": 1, "pores": 1, "shine": 0}
OILINESS_LABELS = [
    "Two hours after washing, with no products on, how does your face feel?",
    "How often do you blot or wash your face because of oil during the day?",
    "Do your pores look enlarged?",
    "A few hours after washing, does your face look shiny?",
]


@pytest.mark.parametrize(
    ("question_id", "option_id", "label", "points"),
    [
        ("face_feel", "tight_dry", "Tight or dry", 0),
        ("face_feel", "normal", "Normal", 1),
        ("face_feel", "oily_forehead_nose", "Oily on the forehead and nose", 2),
        ("face_feel", "oily_all_over", "Oily all over", 3),
        ("blotting", "never", "Never", 0),
        ("blotting", "once", "Once", 1),
        ("blotting", "two_or_three", "2 or 3 times", 2),
        ("blotting", "more_than_three", "More than 3 times", 3),
        ("pores", "no", "No", 0),
        ("pores", "nose_only", "On my nose only", 1),
        ("pores", "nose_and_cheeks", "On my nose and cheeks", 2),
        ("shine", "yes", "Yes", 1),
        ("shine", "no", "No", 0),
    ],
)
def test_each_oiliness_item_gives_its_points(question_id, option_id, label, points):
    findings = findings_for(**{question_id: option_id})
    index = list(FACTORY_POINTS).index(question_id)
    assert [item.question for item in findings.oiliness_items] == OILINESS_LABELS
    assert findings.oiliness_items[index] == OilinessItem(OILINESS_LABELS[index], label, points)
    expected = sum(FACTORY_POINTS.values()) - FACTORY_POINTS[question_id] + points
    assert findings.oiliness_score == expected


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
def test_oiliness_of_2026_1_records_scores_make_up(
    face_feel, blotting, pores, makeup_shine, score, category
):
    given = answers_2026_1(
        face_feel=face_feel, blotting=blotting, pores=pores, makeup_shine=makeup_shine
    )
    findings = derive_findings(given, SUBMITTED_ON, V2026_1)
    assert (findings.oiliness_score, findings.oiliness_category) == (score, category)
    assert findings.oiliness_items[3].question == (
        "Does make-up or sunscreen look shiny or slide off within a few hours?"
    )


def test_treatment_rows_say_now_before_and_how_well_each_worked():
    findings = findings_for(
        treatments_now=["pharmacy", "isotretinoin"],
        treatments_before=["pharmacy", "antibiotic_tablets", "botox"],
        response_pharmacy="helped_somewhat",
        response_isotretinoin="too_soon",
        response_antibiotic_tablets="side_effects",
        response_botox="did_not_help",
    )
    # In the order of the seven treatments (SPEC step 4), only those used now or before.
    assert findings.treatments == (
        TreatmentRow("Washes or creams from a pharmacy", True, True, "Helped somewhat"),
        TreatmentRow("Antibiotic tablets", False, True, "I stopped because of side effects"),
        TreatmentRow("Isotretinoin (Roaccutane, Accutane)", True, False, "Too soon to tell"),
        TreatmentRow("Botulinum toxin (Botox) injections for acne", False, True, "Did not help"),
    )
    assert (findings.isotretinoin_stopped, findings.isotretinoin_relapse) == (None, None)


def test_every_treatment_has_its_own_row():
    every = [
        "pharmacy",
        "prescription_topical",
        "antibiotic_tablets",
        "isotretinoin",
        "hormonal",
        "procedures",
        "botox",
    ]
    responses = {f"response_{t}": "cleared" for t in every}
    findings = findings_for(treatments_now=every, treatments_before=["none"], **responses)
    assert [(row.now, row.before, row.response) for row in findings.treatments] == [
        (True, False, "Cleared my acne")
    ] * 7
    assert [row.name for row in findings.treatments] == [
        "Washes or creams from a pharmacy",
        "Prescription creams or gels",
        "Antibiotic tablets",
        "Isotretinoin (Roaccutane, Accutane)",
        "Hormonal treatment (contraceptive pill, spironolactone)",
        "Procedures (peels, laser or light therapy)",
        "Botulinum toxin (Botox) injections for acne",
    ]


def test_no_treatment_now_or_before_gives_no_rows():
    findings = findings_for(treatments_now=["none"], treatments_before=["none"])
    assert findings.treatments == ()


@pytest.mark.parametrize(
    ("stopped", "relapse", "stopped_words", "relapse_words"),
    [
        ("last_6_months", "yes", "In the last 6 months", "Yes"),
        ("6_to_12_months", "no", "6 to 12 months ago", "No"),
        ("over_12_months", "not_sure_yet", "More than 12 months ago", "Not sure yet"),
    ],
)
def test_isotretinoin_stop_time_and_relapse_in_words(
    stopped, relapse, stopped_words, relapse_words
):
    findings = findings_for(
        treatments_now=["none"],
        treatments_before=["isotretinoin"],
        response_isotretinoin="helped_somewhat",
        isotretinoin_stopped=stopped,
        isotretinoin_relapse=relapse,
    )
    assert (findings.isotretinoin_stopped, findings.isotretinoin_relapse) == (
        stopped_words,
        relapse_words,
    )
    assert findings.treatments == (
        TreatmentRow("Isotretinoin (Roaccutane, Accutane)", False, True, "Helped somewhat"),
    )


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
    # the same patient is under 18 at the appointment, so flagged, though 18 when submitting
    assert [f.id for f in assess(given, date(2026, 6, 20)).flags] == ["under_18"]


def test_assess_combines_findings_flags_and_considerations():
    given = answers(spot_types=["nodules"], fainting="yes")
    assessment = assess(given, SUBMITTED_ON)
    assert assessment.findings == derive_findings(given, SUBMITTED_ON)
    assert [flag.id for flag in assessment.flags] == ["fainting"]
    assert [c.id for c in assessment.considerations] == ["isotretinoin_indicated"]


# --- 2026.1 records are assessed by 2026.1's own rules -----------------------------------

SPEC_2026_1_FLAGS = [
    (
        "pregnancy",
        CONTRA,
        "Pregnant, breastfeeding or planning pregnancy: botulinum toxin is not recommended.",
    ),
    ("neuromuscular", CONTRA, "Neuromuscular disorder: risk of serious effects from botulinum toxin."),
    ("hypersensitivity", CONTRA, "Possible hypersensitivity to botulinum toxin or its ingredients."),
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
]  # fmt: skip

# Everything that can raise a 2026.1 flag at once; pregnancy and allergy answers vary below.
EVERY_RISK_2026_1 = dict(
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
VARIANTS_2026_1 = [
    (dict(pregnancy="yes", toxin_allergy="yes"), {"pregnancy_uncertain", "possible_allergy"}),
    (dict(pregnancy="not_sure", toxin_allergy="not_sure"), {"pregnancy", "hypersensitivity"}),
]


def assessed_2026_1(**overrides):
    return assess(answers_2026_1(**overrides), SUBMITTED_ON, V2026_1)


def flags_2026_1(**overrides) -> dict:
    return {flag.id: flag for flag in assessed_2026_1(**overrides).flags}


@pytest.mark.parametrize(
    ("overrides", "flag_id", "raised_by"),
    [
        (dict(pregnancy="yes"), "pregnancy", "Pregnant, breastfeeding or planning pregnancy: Yes"),
        (dict(conditions=["myasthenia_gravis"]), "neuromuscular", "Conditions: Myasthenia gravis"),
        (dict(conditions=["lambert_eaton"]), "neuromuscular", "Conditions: Lambert-Eaton syndrome"),
        (
            dict(conditions=["nerve_muscle_disease"]),
            "neuromuscular",
            "Conditions: Motor neurone disease (ALS) or another nerve or muscle disease",
        ),
        (
            dict(toxin_allergy="yes"),
            "hypersensitivity",
            "Allergy to botulinum toxin or cow's milk protein: Yes",
        ),
        (
            dict(conditions=["skin_infection"]),
            "skin_infection",
            "Conditions: A skin infection where you would have injections",
        ),
        (
            dict(pregnancy="not_sure"),
            "pregnancy_uncertain",
            "Pregnant, breastfeeding or planning pregnancy: I'm not sure",
        ),
        (dict(conditions=["bleeding_disorder"]), "bruising", "Conditions: A bleeding or clotting disorder"),
        (
            dict(medicines=["blood_thinners"]),
            "bruising",
            "Medicines: Blood thinners (for example warfarin, apixaban, clopidogrel)",
        ),
        (
            dict(medicines=["anti_inflammatories"]),
            "bruising",
            "Medicines: Aspirin or anti-inflammatory painkillers (for example ibuprofen)",
        ),
        (
            dict(medicines=["aminoglycosides"]),
            "potentiating_medicine",
            "Medicines: Aminoglycoside antibiotics (for example gentamicin)",
        ),
        (dict(medicines=["muscle_relaxants"]), "potentiating_medicine", "Medicines: Muscle relaxants"),
        (dict(recent_toxin="yes"), "recent_toxin", "Botulinum toxin in the last 3 months: Yes"),
        (
            dict(recent_toxin="not_sure"),
            "recent_toxin",
            "Botulinum toxin in the last 3 months: I'm not sure",
        ),
        (
            dict(toxin_allergy="not_sure"),
            "possible_allergy",
            "Allergy to botulinum toxin or cow's milk protein: I'm not sure",
        ),
        (
            dict(injection_weakness="yes"),
            "previous_drooping",
            "Drooping or weakness after an injection: Yes",
        ),
        (
            dict(treatments=["isotretinoin"], isotretinoin_last="now"),
            "recent_isotretinoin",
            "Last took isotretinoin: I take it now",
        ),
        (
            dict(treatments=["isotretinoin"], isotretinoin_last="last_6_months"),
            "recent_isotretinoin",
            "Last took isotretinoin: In the last 6 months",
        ),
        (
            dict(date_of_birth="2010-05-01", appointment_date="2026-12-01"),
            "under_18",
            "Age at appointment: 16",
        ),
        (
            dict(date_of_birth="2008-11-27", appointment_date=None),
            "under_18",
            "Age at submission: 17",
        ),
        (dict(spot_types=["nodules"]), "nodulocystic_or_scarring", "Acne pattern: Nodulocystic"),
        (dict(marks="scars"), "nodulocystic_or_scarring", "Marks or scars: Scars"),
    ],
)  # fmt: skip
def test_2026_1_each_flag_is_raised_alone_naming_the_answer(overrides, flag_id, raised_by):
    flags = flags_2026_1(**overrides)
    assert list(flags) == [flag_id]
    assert flags[flag_id].raised_by == (raised_by,)


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        dict(pregnancy="not_applicable"),
        dict(treatments=["isotretinoin"], isotretinoin_last="6_to_12_months"),
        dict(treatments=["isotretinoin"], isotretinoin_last="over_12_months"),
        dict(date_of_birth="2008-12-01", appointment_date="2026-12-01"),  # 18 that day
        dict(marks="marks_only"),
        dict(spot_types=["blackheads_whiteheads", "red_bumps", "pus_filled"]),
        dict(treatments=["none"], phone=None, flares=None, other_allergies=None),
    ],
)
def test_2026_1_no_flag_for_safe_answers(overrides):
    assessment = assessed_2026_1(**overrides)
    assert (assessment.flags, assessment.considerations) == ((), ())


@pytest.mark.parametrize(("variant", "not_raised"), VARIANTS_2026_1)
def test_2026_1_flags_have_its_text_and_level_contraindications_first(variant, not_raised):
    flags = assessed_2026_1(**EVERY_RISK_2026_1, **variant).flags
    expected = [spec for spec in SPEC_2026_1_FLAGS if spec[0] not in not_raised]
    assert [(flag.id, flag.level, flag.text) for flag in flags] == expected


def test_an_old_record_keeps_its_own_levels_and_texts():
    """The same clinical answer, read with each version's rules: a 2026.1 record is never
    re-read with 2026.2's levels."""
    old = assessed_2026_1(pregnancy="yes").flags
    new = assessed(pregnant_breastfeeding="yes").flags
    assert [(f.id, f.level) for f in old] == [("pregnancy", CONTRA)]
    assert [(f.id, f.level) for f in new] == [("pregnancy", DEFER)]
    teenager = dict(date_of_birth="2010-05-01", appointment_date="2026-12-01")
    assert flags_2026_1(**teenager)["under_18"].text == (
        "Patient is under 18: guardian consent needed."
    )
    assert flags_for(**teenager)["under_18"].text.startswith("Under 18: outside the licensed age.")


def test_2026_1_questions_that_did_not_apply_raise_nothing():
    given = answers_2026_1(treatments=["none"], isotretinoin_last="now")
    assert "isotretinoin_last" not in given and "treatment_response" not in given
    assert assess(given, SUBMITTED_ON, V2026_1).flags == ()
