"""Questionnaire version 2026.2: the current one (SPEC sections 2 to 4).

Questions that did not change are taken from 2026.1 as they are (`unchanged`), so a draft
begun on 2026.1 keeps their answers. A changed question either has a new id or differs in
its meaning (intake.questionnaire.model.Question.meaning), and is asked again.
"""

from __future__ import annotations

from intake.questionnaire import v2026_1
from intake.questionnaire.model import (
    Condition,
    FindingsRules,
    FlagRule,
    Kind,
    Level,
    Option,
    Question,
    Questionnaire,
    Step,
    Treatment,
    _,
)
from intake.questionnaire.rules import (
    all_of,
    answer,
    any_of,
    finding,
    unless,
)

unchanged = v2026_1.QUESTIONNAIRE.question

SELECT_ALL = _("Select all that apply.")
SELECT_ALL_OR_NONE = _("Select all that apply, or None of these.")


def _options(*labels: tuple[str, str]) -> tuple[Option, ...]:
    return tuple(Option(*item) for item in labels)


def _none_of_these() -> Option:
    return Option("none", _("None of these"), exclusive=True)


def _yes_no(*more: tuple[str, str]) -> tuple[Option, ...]:
    return _options(("yes", _("Yes")), ("no", _("No")), *more)


ABOUT_YOU = Step(
    "about-you",
    _("About you"),
    (
        unchanged("full_name"),
        unchanged("date_of_birth"),
        Question(
            "sex",
            _("Sex assigned at birth"),
            Kind.ONE_OF,
            _options(
                ("female", _("Female")),
                ("male", _("Male")),
                ("intersex", _("Intersex")),
                ("not_said", _("Prefer not to say")),
            ),
            hint=_(
                "This helps your dermatologist judge hormonal causes of acne and which "
                "medicines are safe for you."
            ),
            required_message=_("Select your sex assigned at birth, or Prefer not to say"),
        ),
        unchanged("appointment_date"),
        unchanged("phone"),
    ),
)

YOUR_ACNE = Step(
    "your-acne",
    _("Your acne"),
    (
        unchanged("spot_types"),
        unchanged("locations"),
        unchanged("duration"),
        Question(
            "severity",
            _("How bad is your acne right now?"),
            Kind.ONE_OF,
            (
                Option("clear", _("Clear"), hint=_("No spots at the moment")),
                Option("almost_clear", _("Almost clear"), hint=_("One or two small spots")),
                Option("mild", _("Mild"), hint=_("Some spots, mostly small")),
                Option("moderate", _("Moderate"), hint=_("Many spots, some of them red and sore")),
                Option("severe", _("Severe"), hint=_("Many red, sore spots, or painful lumps")),
            ),
            required_message=_("Select how bad your acne is right now"),
        ),
        unchanged("marks"),
        unchanged("flares"),
        unchanged("impact"),
        Question(
            "picking",
            _("Do you pick or squeeze your spots?"),
            Kind.ONE_OF,
            _options(("often", _("Often")), ("sometimes", _("Sometimes")), ("never", _("Never"))),
            required_message=_("Select whether you pick or squeeze your spots"),
        ),
        Question(
            "hormonal_features",
            _("Do you have any of these?"),
            Kind.ANY_OF,
            (
                *_options(
                    ("irregular_periods", _("Irregular or often missed periods")),
                    ("unwanted_hair", _("Unwanted hair on the face or body")),
                    ("thinning_hair", _("Thinning hair on the top of the head")),
                ),
                _none_of_these(),
            ),
            shown_if=Condition("sex", ("female",)),
            hint=SELECT_ALL_OR_NONE,
            required_message=_("Select any of these you have, or None of these"),
        ),
    ),
)

OILY_SKIN = Step(
    "oily-skin",
    _("Oily skin"),
    (
        unchanged("face_feel"),
        unchanged("blotting"),
        unchanged("pores"),
        Question(
            "shine",
            _("A few hours after washing, does your face look shiny?"),
            Kind.ONE_OF,
            (Option("yes", _("Yes"), 1), Option("no", _("No"), 0)),
            required_message=_("Select whether your face looks shiny a few hours after washing"),
        ),
    ),
)

# The seven treatments: the option, and its own "how well" question (SPEC step 4).
TREATMENT_OPTIONS = (
    (
        Option("pharmacy", _("Washes or creams from a pharmacy")),
        _("How well have washes or creams from a pharmacy worked for you?"),
    ),
    (
        Option("prescription_topical", _("Prescription creams or gels")),
        _("How well have prescription creams or gels worked for you?"),
    ),
    (
        Option("antibiotic_tablets", _("Antibiotic tablets")),
        _("How well have antibiotic tablets worked for you?"),
    ),
    (
        Option("isotretinoin", _("Isotretinoin (Roaccutane, Accutane)")),
        _("How well has isotretinoin worked for you?"),
    ),
    (
        Option("hormonal", _("Hormonal treatment (contraceptive pill, spironolactone)")),
        _("How well has hormonal treatment worked for you?"),
    ),
    (
        Option("procedures", _("Procedures (peels, laser or light therapy)")),
        _("How well have procedures (peels, laser or light therapy) worked for you?"),
    ),
    (
        Option("botox", _("Botulinum toxin (Botox) injections for acne")),
        _("How well have botulinum toxin injections for acne worked for you?"),
    ),
)
TREATMENTS = tuple(
    Treatment(option.id, f"response_{option.id}") for option, _q in TREATMENT_OPTIONS
)
TREATMENT_CHOICES = (
    *(option for option, _q in TREATMENT_OPTIONS),
    Option("none", _("None"), exclusive=True),
)
RESPONSES = _options(
    ("cleared", _("Cleared my acne")),
    ("helped_somewhat", _("Helped somewhat")),
    ("did_not_help", _("Did not help")),
    ("side_effects", _("I stopped because of side effects")),
    ("too_soon", _("Too soon to tell")),
)

YOUR_TREATMENTS = Step(
    "your-treatments",
    _("Your treatments"),
    (
        Question(
            "treatments_now",
            _("Which acne treatments are you using now?"),
            Kind.ANY_OF,
            TREATMENT_CHOICES,
            hint=_("Select all that apply, or None."),
            required_message=_("Select the acne treatments you are using now, or None"),
        ),
        Question(
            "treatments_before",
            _("Which acne treatments have you used before and stopped?"),
            Kind.ANY_OF,
            TREATMENT_CHOICES,
            hint=_("Select all that apply, or None."),
            required_message=_("Select the acne treatments you have used before, or None"),
        ),
        *(
            Question(
                f"response_{option.id}",
                label,
                Kind.ONE_OF,
                RESPONSES,
                shown_if=Condition(("treatments_now", "treatments_before"), (option.id,)),
                required_message=_("Select how well this treatment worked for you"),
            )
            for option, label in TREATMENT_OPTIONS
        ),
        Question(
            "isotretinoin_stopped",
            _("When did you stop isotretinoin?"),
            Kind.ONE_OF,
            _options(
                ("last_6_months", _("In the last 6 months")),
                ("6_to_12_months", _("6 to 12 months ago")),
                ("over_12_months", _("More than 12 months ago")),
            ),
            shown_if=Condition("treatments_before", ("isotretinoin",)),
            required_message=_("Select when you stopped isotretinoin"),
        ),
        Question(
            "isotretinoin_relapse",
            _("Did your acne come back after isotretinoin?"),
            Kind.ONE_OF,
            _yes_no(("not_sure_yet", _("Not sure yet"))),
            shown_if=Condition("treatments_before", ("isotretinoin",)),
            required_message=_("Select whether your acne came back after isotretinoin"),
        ),
        Question(
            "treatment_notes",
            _("Anything else about your treatments?"),
            Kind.LONG_TEXT,
            required=False,
            hint=_("For example the names of creams or tablets, and how long you used them."),
            max_length=1000,
        ),
    ),
)

HEALTH_AND_SAFETY = Step(
    "health-and-safety",
    _("Health and safety"),
    (
        Question(
            "pregnant_breastfeeding",
            _("Are you pregnant or breastfeeding?"),
            Kind.ONE_OF,
            _yes_no(("not_sure", _("I'm not sure")), ("not_applicable", _("Does not apply to me"))),
            required_message=_("Select whether you are pregnant or breastfeeding"),
        ),
        Question(
            "planning_pregnancy",
            _("Are you trying for a baby, or planning a pregnancy in the next 6 months?"),
            Kind.ONE_OF,
            _yes_no(),
            shown_if=Condition("pregnant_breastfeeding", ("no", "not_sure")),
            required_message=_("Select whether you are trying for a baby or planning a pregnancy"),
        ),
        Question(
            "conditions",
            _("Do you have any of these conditions?"),
            Kind.ANY_OF,
            (
                *_options(
                    ("myasthenia_gravis", _("Myasthenia gravis")),
                    ("lambert_eaton", _("Lambert-Eaton syndrome")),
                    ("motor_neurone_disease", _("Motor neurone disease (ALS)")),
                    ("other_nerve_muscle", _("Another nerve or muscle disease")),
                    (
                        "swallowing_breathing",
                        _(
                            "Difficulty swallowing, or a breathing problem such as severe asthma or COPD"
                        ),
                    ),
                    ("bleeding_disorder", _("A bleeding or clotting disorder")),
                ),
                Option(
                    "skin_infection",
                    _("A skin infection where you would have injections"),
                    hint=_(
                        "For example cold sores, impetigo or boils. Ordinary acne spots do "
                        "not count."
                    ),
                ),
                _none_of_these(),
            ),
            hint=SELECT_ALL_OR_NONE,
            required_message=_("Select the conditions you have, or None of these"),
        ),
        Question(
            "nerve_muscle_disease",
            _("Which nerve or muscle disease?"),
            Kind.TEXT,
            shown_if=Condition("conditions", ("other_nerve_muscle",)),
            min_length=1,
            max_length=200,
            required_message=_("Enter which nerve or muscle disease you have"),
        ),
        Question(
            "face",
            _("Does any of this apply to your face?"),
            Kind.ANY_OF,
            (
                *_options(
                    (
                        "weakness_drooping",
                        _("Weakness or drooping of an eyelid, eyebrow or one side of the face"),
                    ),
                    ("operation", _("An operation on your face")),
                ),
                _none_of_these(),
            ),
            hint=SELECT_ALL_OR_NONE,
            required_message=_("Select what applies to your face, or None of these"),
        ),
        Question(
            "medicines",
            _("Do you take any of these medicines?"),
            Kind.ANY_OF,
            (
                *_options(
                    (
                        "blood_thinners",
                        _("Blood thinners (for example warfarin, apixaban, clopidogrel)"),
                    ),
                    (
                        "anti_inflammatories",
                        _(
                            "Aspirin or anti-inflammatory painkillers (for example ibuprofen) on most days"
                        ),
                    ),
                    (
                        "antibiotic_injection",
                        _(
                            "An antibiotic injection or drip in the last month (for example "
                            "gentamicin)"
                        ),
                    ),
                    ("muscle_relaxants", _("Muscle relaxants")),
                    (
                        "anticholinergics",
                        _(
                            "Medicines for an overactive bladder, sweating or travel sickness, or sedating antihistamines"
                        ),
                    ),
                ),
                _none_of_these(),
            ),
            hint=SELECT_ALL_OR_NONE,
            required_message=_("Select the medicines you take, or None of these"),
        ),
        Question(
            "planned_operation",
            _("Are you planning an operation in the next 3 months?"),
            Kind.ONE_OF,
            _yes_no(("not_sure", _("I'm not sure"))),
            required_message=_("Select whether you are planning an operation"),
        ),
        Question(
            "toxin_ever",
            _("Have you ever had botulinum toxin injections, for any reason?"),
            Kind.ONE_OF,
            _yes_no(("not_sure", _("I'm not sure"))),
            hint=_(
                "Brands include Botox, Vistabel, Azzalure, Dysport, Bocouture, Xeomin and "
                "Letybo. They are also used for migraine, sweating, teeth grinding and bladder "
                "problems."
            ),
            required_message=_("Select whether you have ever had botulinum toxin injections"),
        ),
        Question(
            "toxin_last",
            _("When was your most recent botulinum toxin injection?"),
            Kind.ONE_OF,
            _options(
                ("last_4_months", _("In the last 4 months")),
                ("4_to_12_months", _("4 to 12 months ago")),
                ("over_12_months", _("More than 12 months ago")),
                ("dont_remember", _("I don't remember")),
            ),
            shown_if=Condition("toxin_ever", ("yes",)),
            required_message=_("Select when you last had botulinum toxin injections"),
        ),
        Question(
            "after_toxin",
            _("After botulinum toxin injections, have you ever had any of these?"),
            Kind.ANY_OF,
            (
                *_options(
                    ("drooping", _("A drooping eyelid or eyebrow")),
                    ("uneven_smile", _("An uneven smile or weakness around the mouth")),
                    ("swallowing_breathing", _("Difficulty swallowing, speaking or breathing")),
                    ("distant_weakness", _("Weakness away from where you were injected")),
                    ("allergic_reaction", _("An allergic reaction")),
                ),
                _none_of_these(),
            ),
            shown_if=Condition("toxin_ever", ("yes",)),
            hint=SELECT_ALL_OR_NONE,
            required_message=_(
                "Select what you have had after botulinum toxin injections, or None of these"
            ),
        ),
        Question(
            "cows_milk_allergy",
            _("Do you have an allergy to cow's milk protein?"),
            Kind.ONE_OF,
            _yes_no(("not_sure", _("I'm not sure"))),
            hint=_("This is not the same as lactose intolerance."),
            required_message=_("Select whether you have an allergy to cow's milk protein"),
        ),
        Question(
            "fainting",
            _("Have you ever fainted, or nearly fainted, having an injection or a blood test?"),
            Kind.ONE_OF,
            _yes_no(),
            required_message=_(
                "Select whether you have fainted or nearly fainted having an injection"
            ),
        ),
        Question(
            "other_medicines",
            _("Which other medicines, supplements or skin products do you use now?"),
            Kind.LONG_TEXT,
            required=False,
            hint=_("Up to 1,000 characters."),
            max_length=1000,
        ),
        Question(
            "allergies",
            _("Do you have any allergies we should know about?"),
            Kind.LONG_TEXT,
            required=False,
            hint=_("Up to 1,000 characters."),
            max_length=1000,
        ),
    ),
)

YOUR_VISIT = Step(
    "your-visit",
    _("Your visit"),
    (unchanged("goals"), unchanged("questions_for_dermatologist")),
)

STEPS = (ABOUT_YOU, YOUR_ACNE, OILY_SKIN, YOUR_TREATMENTS, HEALTH_AND_SAFETY, YOUR_VISIT)

# How answers are named in "Raised by" (the questions' own labels are long for a consult sheet).
ANSWER_NAMES = {
    "severity": "Severity",
    "marks": "Marks or scars",
    "picking": "Picks or squeezes spots",
    "hormonal_features": "Hormonal features",
    "treatments_now": "Using now",
    "treatments_before": "Used before",
    "isotretinoin_stopped": "Stopped isotretinoin",
    "pregnant_breastfeeding": "Pregnant or breastfeeding",
    "planning_pregnancy": "Planning a pregnancy in the next 6 months",
    "conditions": "Conditions",
    "face": "Face",
    "medicines": "Medicines",
    "planned_operation": "Operation planned in the next 3 months",
    "toxin_ever": "Ever had botulinum toxin",
    "toxin_last": "Most recent botulinum toxin",
    "after_toxin": "After botulinum toxin",
    "cows_milk_allergy": "Cow's milk protein allergy",
    "fainting": "Fainted with an injection or blood test",
}

_PREGNANCY_BASIS = (
    "No adequate human data (US labels); some SmPCs advise against use. Not a labelled "
    "contraindication: clinic policy."
)
_RECENT_TOXIN_BASIS = (
    "Medication Guide: tell the doctor about any botulinum toxin in the last four months; "
    "products are not interchangeable and effects of close doses are unknown."
)
_MILK_BASIS = (
    "Dysport and Azzalure labels: may contain trace cow's milk protein; contraindicated in "
    "that allergy."
)

# Level by level (Contraindication, Defer, Caution), each in SPEC order: the PDF's order.
FLAGS = (
    FlagRule(
        "toxin_hypersensitivity",
        Level.CONTRAINDICATION,
        "Allergic reaction after botulinum toxin: hypersensitivity is a contraindication.",
        "Product labels (US prescribing information, UK/EU SmPCs): contraindicated in "
        "hypersensitivity to any botulinum toxin product or ingredient.",
        answer("after_toxin", "allergic_reaction"),
    ),
    FlagRule(
        "skin_infection",
        Level.CONTRAINDICATION,
        "Skin infection at the proposed injection site: do not inject until it has cleared.",
        "Product labels: infection at the proposed injection site is a contraindication.",
        answer("conditions", "skin_infection"),
    ),
    FlagRule(
        "neuromuscular",
        Level.CONTRAINDICATION,
        "Myasthenia gravis, Lambert-Eaton syndrome or motor neurone disease.",
        "Contraindicated in UK/EU SmPCs of aesthetic botulinum toxin products; boxed warning "
        "and warning in US labels (serious swallowing and breathing problems).",
        answer("conditions", "myasthenia_gravis", "lambert_eaton", "motor_neurone_disease"),
    ),
    FlagRule(
        "pregnancy",
        Level.DEFER,
        "Pregnant or breastfeeding: defer elective off-label treatment.",
        _PREGNANCY_BASIS,
        answer("pregnant_breastfeeding", "yes"),
    ),
    FlagRule(
        "serious_reaction_after_toxin",
        Level.DEFER,
        "Serious reaction after botulinum toxin before: check the history before any injection.",
        "Boxed warning (US labels): distant spread of toxin effect.",
        answer("after_toxin", "swallowing_breathing", "distant_weakness"),
    ),
    FlagRule(
        "swallowing_breathing",
        Level.DEFER,
        "Difficulty swallowing or breathing problems.",
        "Boxed warning (US labels) and SmPC warnings: higher risk of serious swallowing and "
        "breathing effects.",
        answer("conditions", "swallowing_breathing"),
    ),
    FlagRule(
        "recent_toxin",
        Level.DEFER,
        "Botulinum toxin in the last 4 months.",
        _RECENT_TOXIN_BASIS,
        answer("toxin_last", "last_4_months"),
    ),
    FlagRule(
        "pregnancy_uncertain",
        Level.CAUTION,
        "Pregnancy status uncertain.",
        "As for pregnancy: " + _PREGNANCY_BASIS,
        answer("pregnant_breastfeeding", "not_sure"),
    ),
    FlagRule(
        "planning_pregnancy",
        Level.CAUTION,
        "Planning a pregnancy in the next 6 months: discuss timing.",
        "No adequate human data in pregnancy (US labels); timing also matters for "
        "isotretinoin, spironolactone and tetracyclines.",
        answer("planning_pregnancy", "yes"),
    ),
    FlagRule(
        "other_nerve_muscle",
        Level.CAUTION,
        "Another nerve or muscle disease: check whether it affects nerve-muscle transmission.",
        "US labels: serious effects in pre-existing neuromuscular disorders.",
        answer("conditions", "other_nerve_muscle", detail="nerve_muscle_disease"),
    ),
    FlagRule(
        "cows_milk_allergy",
        Level.CAUTION,
        "Cow's milk protein allergy: avoid abobotulinumtoxinA (Dysport, Azzalure).",
        _MILK_BASIS,
        answer("cows_milk_allergy", "yes"),
    ),
    FlagRule(
        "possible_cows_milk_allergy",
        Level.CAUTION,
        "Possible cow's milk protein allergy: check before choosing a product.",
        "As above: " + _MILK_BASIS,
        answer("cows_milk_allergy", "not_sure"),
    ),
    FlagRule(
        "bruising",
        Level.CAUTION,
        "Bruising and bleeding risk at injection sites.",
        "Medication Guide and SmPC precautions: bleeding disorders, anticoagulant and "
        "antiplatelet medicines.",
        any_of(
            answer("medicines", "blood_thinners", "anti_inflammatories"),
            answer("conditions", "bleeding_disorder"),
        ),
    ),
    FlagRule(
        "potentiating_medicine",
        Level.CAUTION,
        "Medicine that may increase the effect of botulinum toxin.",
        "US labels, drug interactions: aminoglycosides and other agents interfering with "
        "neuromuscular transmission, muscle relaxants, anticholinergic medicines.",
        answer("medicines", "antibiotic_injection", "muscle_relaxants", "anticholinergics"),
    ),
    FlagRule(
        "facial_weakness_or_surgery",
        Level.CAUTION,
        "Facial weakness, drooping or a previous operation on the face: record before treatment.",
        "Medication Guide: tell the doctor about facial surgery, facial muscle weakness or "
        "drooping eyelids; SmPCs: caution with pre-existing asymmetry or ptosis.",
        answer("face", "weakness_drooping", "operation"),
    ),
    FlagRule(
        "planned_operation",
        Level.CAUTION,
        "Operation planned in the next 3 months.",
        "Medication Guide: tell the doctor about planned surgery; anaesthetic muscle "
        "relaxants interact with botulinum toxin.",
        answer("planned_operation", "yes", "not_sure"),
    ),
    FlagRule(
        "drooping_after_toxin",
        Level.CAUTION,
        "Drooping or an uneven smile after botulinum toxin before.",
        "Product labels: eyelid and brow ptosis and weakness around the mouth are known local "
        "adverse reactions.",
        answer("after_toxin", "drooping", "uneven_smile"),
    ),
    FlagRule(
        "toxin_history_uncertain",
        Level.CAUTION,
        "Botulinum toxin history uncertain.",
        "As for botulinum toxin in the last 4 months: " + _RECENT_TOXIN_BASIS,
        any_of(answer("toxin_ever", "not_sure"), answer("toxin_last", "dont_remember")),
    ),
    FlagRule(
        "fainting",
        Level.CAUTION,
        "Has fainted with injections: consider treating lying down.",
        "SmPCs: needle-related fainting and vasovagal reactions have been reported.",
        answer("fainting", "yes"),
    ),
    FlagRule(
        "under_18",
        Level.CAUTION,
        "Under 18: outside the licensed age. In England only a doctor, or someone acting on a doctor's directions, may give botulinum toxin.",
        "Product labels: use under 18 not established or not recommended; Botulinum Toxin and "
        "Cosmetic Fillers (Children) Act 2021 (England).",
        finding("age", under=18),
    ),
)

_ISOTRETINOIN_BASIS = (
    "Isotretinoin suppresses sebum production. A 2017 consensus (JAMA Dermatology) found "
    "insufficient evidence to delay most procedures after isotretinoin."
)
_ISOTRETINOIN_NOW = answer("treatments_now", "isotretinoin")
_ISOTRETINOIN_RECENT = answer("isotretinoin_stopped", "last_6_months")

CONSIDERATIONS = (
    FlagRule(
        "isotretinoin_now",
        None,
        "Takes isotretinoin now: it already reduces oil, so toxin for oiliness adds little while it is taken.",
        _ISOTRETINOIN_BASIS,
        _ISOTRETINOIN_NOW,
    ),
    FlagRule(
        "isotretinoin_recent",
        None,
        "Stopped isotretinoin in the last 6 months: oil production may still be reduced.",
        "As above: " + _ISOTRETINOIN_BASIS,
        _ISOTRETINOIN_RECENT,
    ),
    FlagRule(
        "isotretinoin_indicated",
        None,
        "Isotretinoin may be indicated: nodules, scarring or severe acne.",
        "AAD 2024 guideline: isotretinoin for severe acne, acne with scarring or psychosocial "
        "burden, or acne not responding to standard therapy.",
        all_of(
            any_of(
                finding("acne_pattern", is_in=("Nodular",)),
                answer("marks", "scars"),
                answer("severity", "severe"),
            ),
            unless(any_of(_ISOTRETINOIN_NOW, _ISOTRETINOIN_RECENT)),
        ),
    ),
    FlagRule(
        "trunk_only",
        None,
        "Acne on the trunk only: studies of botulinum toxin for oil and acne treated the face.",
        "Published studies injected the forehead or cheeks.",
        finding("distribution", is_in=("Trunk only",)),
    ),
    FlagRule(
        "hormonal_features",
        None,
        "Hormonal features: consider assessment for excess androgens.",
        "AAD 2024 guideline: hormonal therapy; look for signs of hyperandrogenism.",
        answer("hormonal_features", "irregular_periods", "unwanted_hair", "thinning_hair"),
    ),
    FlagRule(
        "picking",
        None,
        "Picks or squeezes spots often: scarring risk.",
        "Picking worsens marks and scarring.",
        answer("picking", "often"),
    ),
)

QUESTIONNAIRE = Questionnaire(
    id="acne-botox-preconsult",
    version="2026.2",
    title="Acne and botulinum toxin: before your consultation",
    steps=STEPS,
    findings=FindingsRules(
        nodular="Nodular",
        pattern_label="Acne pattern (patient-described, not a clinical grade)",
        oiliness_step="oily-skin",
        oiliness_label="Oiliness (self-reported, not a sebum measurement)",
        distribution=True,
        treatments_now="treatments_now",
        treatments_before="treatments_before",
        treatments=TREATMENTS,
        isotretinoin_stopped="isotretinoin_stopped",
        isotretinoin_relapse="isotretinoin_relapse",
    ),
    flags=FLAGS,
    considerations=CONSIDERATIONS,
    answer_names=ANSWER_NAMES,
)
