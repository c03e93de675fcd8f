"""Questionnaire version 2026.1, as it was answered until 2026.2 replaced it.

Kept as data so that every submission answered with it is still shown with its own questions,
findings, flags and passage rules (SPEC section 2, "Versions"). Never edit it: it is the
record of what those patients were asked.
"""

from __future__ import annotations

from intake.questionnaire.model import (
    Condition,
    DateRule,
    FindingsRules,
    FlagRule,
    Kind,
    Level,
    Option,
    Question,
    Questionnaire,
    Step,
    _,
)
from intake.questionnaire.rules import answer, any_of, finding


def _options(*labels: tuple[str, str] | tuple[str, str, int]) -> tuple[Option, ...]:
    return tuple(Option(*item) for item in labels)


ABOUT_YOU = Step(
    "about-you",
    _("About you"),
    (
        Question(
            "full_name",
            _("Full name"),
            Kind.TEXT,
            min_length=1,
            max_length=100,
            required_message=_("Enter your full name"),
            autocomplete="name",
        ),
        Question(
            "date_of_birth",
            _("Date of birth"),
            Kind.DATE,
            hint=_("For example, 27 3 1990"),
            date_rule=DateRule.BIRTH,
            required_message=_("Enter your date of birth"),
            autocomplete="bday",
        ),
        Question(
            "appointment_date",
            _("Appointment date"),
            Kind.DATE,
            required=False,
            hint=_("If you know it. For example, 14 12 2026"),
            date_rule=DateRule.TODAY_OR_LATER,
        ),
        Question(
            "phone",
            _("Phone number"),
            Kind.TEXT,
            required=False,
            hint=_("Digits, spaces, +, - and brackets. For example, 07700 900 982"),
            min_length=6,
            max_length=20,
            pattern=r"[0-9 +\-()]*[0-9][0-9 +\-()]*",
            pattern_message=_("Phone number can only contain digits, spaces, +, - and brackets"),
            autocomplete="tel",
        ),
    ),
)

PREVIOUS_TREATMENT_OPTIONS = _options(
    ("pharmacy", _("Washes or creams from a pharmacy")),
    ("prescription_topical", _("Prescription creams or gels")),
    ("antibiotic_tablets", _("Antibiotic tablets")),
    ("isotretinoin", _("Isotretinoin (Roaccutane, Accutane)")),
    ("hormonal", _("Hormonal treatment (contraceptive pill, spironolactone)")),
    ("procedures", _("Procedures (peels, laser or light therapy)")),
    ("botox", _("Botulinum toxin (Botox) injections for acne")),
)

YOUR_ACNE = Step(
    "your-acne",
    _("Your acne"),
    (
        Question(
            "spot_types",
            _("Which types of spots do you have?"),
            Kind.ANY_OF,
            _options(
                ("blackheads_whiteheads", _("Blackheads or whiteheads")),
                ("red_bumps", _("Red bumps")),
                ("pus_filled", _("Pus-filled spots")),
                ("nodules", _("Large, painful lumps under the skin")),
                ("not_sure", _("I'm not sure")),
            ),
            hint=_("Select all that apply."),
            required_message=_("Select the types of spots you have, or I'm not sure"),
        ),
        Question(
            "locations",
            _("Where do you get acne?"),
            Kind.ANY_OF,
            _options(
                ("forehead", _("Forehead")),
                ("cheeks", _("Cheeks")),
                ("nose", _("Nose")),
                ("chin_jawline", _("Chin and jawline")),
                ("neck", _("Neck")),
                ("chest", _("Chest")),
                ("back", _("Back")),
                ("shoulders", _("Shoulders")),
            ),
            hint=_("Select all that apply."),
            required_message=_("Select where you get acne"),
        ),
        Question(
            "duration",
            _("How long have you had acne?"),
            Kind.ONE_OF,
            _options(
                ("under_6_months", _("Less than 6 months")),
                ("6_to_12_months", _("6 to 12 months")),
                ("1_to_5_years", _("1 to 5 years")),
                ("over_5_years", _("More than 5 years")),
            ),
            required_message=_("Select how long you have had acne"),
        ),
        Question(
            "severity",
            _("How bad is your acne right now?"),
            Kind.ONE_OF,
            _options(
                ("almost_clear", _("Almost clear")),
                ("mild", _("Mild")),
                ("moderate", _("Moderate")),
                ("severe", _("Severe")),
            ),
            required_message=_("Select how bad your acne is right now"),
        ),
        Question(
            "marks",
            _("Does your acne leave marks or scars?"),
            Kind.ONE_OF,
            _options(
                ("no", _("No")),
                ("marks_only", _("Dark or red marks only")),
                ("scars", _("Scars")),
                ("not_sure", _("I'm not sure")),
            ),
            required_message=_("Select whether your acne leaves marks or scars"),
        ),
        Question(
            "flares",
            _("Does your acne flare at particular times?"),
            Kind.ANY_OF,
            _options(
                ("period", _("Around my period")),
                ("stress", _("When stressed")),
                ("hot_humid", _("In hot or humid weather")),
                ("masks_helmets", _("Under masks or helmets")),
                ("no_pattern", _("No pattern I know of")),
            ),
            required=False,
            hint=_("Select all that apply."),
        ),
        Question(
            "impact",
            _("How much does acne affect your daily life?"),
            Kind.ONE_OF,
            _options(
                ("not_at_all", _("Not at all")),
                ("a_little", _("A little")),
                ("a_lot", _("A lot")),
                ("very_much", _("Very much")),
            ),
            required_message=_("Select how much acne affects your daily life"),
        ),
    ),
)

OILY_SKIN = Step(
    "oily-skin",
    _("Oily skin"),
    (
        Question(
            "face_feel",
            _("Two hours after washing, with no products on, how does your face feel?"),
            Kind.ONE_OF,
            _options(
                ("tight_dry", _("Tight or dry"), 0),
                ("normal", _("Normal"), 1),
                ("oily_forehead_nose", _("Oily on the forehead and nose"), 2),
                ("oily_all_over", _("Oily all over"), 3),
            ),
            required_message=_("Select how your face feels two hours after washing"),
        ),
        Question(
            "blotting",
            _("How often do you blot or wash your face because of oil during the day?"),
            Kind.ONE_OF,
            _options(
                ("never", _("Never"), 0),
                ("once", _("Once"), 1),
                ("two_or_three", _("2 or 3 times"), 2),
                ("more_than_three", _("More than 3 times"), 3),
            ),
            required_message=_("Select how often you blot or wash your face because of oil"),
        ),
        Question(
            "pores",
            _("Do your pores look enlarged?"),
            Kind.ONE_OF,
            _options(
                ("no", _("No"), 0),
                ("nose_only", _("On my nose only"), 1),
                ("nose_and_cheeks", _("On my nose and cheeks"), 2),
            ),
            required_message=_("Select whether your pores look enlarged"),
        ),
        Question(
            "makeup_shine",
            _("Does make-up or sunscreen look shiny or slide off within a few hours?"),
            Kind.ONE_OF,
            _options(
                ("yes", _("Yes"), 1),
                ("no", _("No"), 0),
                ("none_worn", _("I don't wear any"), 0),
            ),
            required_message=_("Select whether make-up or sunscreen looks shiny or slides off"),
        ),
    ),
)

PREVIOUS_TREATMENTS = Step(
    "previous-treatments",
    _("Previous treatments"),
    (
        Question(
            "treatments",
            _("Which acne treatments have you tried?"),
            Kind.ANY_OF,
            (*PREVIOUS_TREATMENT_OPTIONS, Option("none", _("None"), exclusive=True)),
            hint=_("Select all that apply, or None."),
            required_message=_("Select the treatments you have tried, or None"),
        ),
        Question(
            "isotretinoin_last",
            _("When did you last take isotretinoin?"),
            Kind.ONE_OF,
            _options(
                ("now", _("I take it now")),
                ("last_6_months", _("In the last 6 months")),
                ("6_to_12_months", _("6 to 12 months ago")),
                ("over_12_months", _("More than 12 months ago")),
            ),
            shown_if=Condition("treatments", ("isotretinoin",)),
            required_message=_("Select when you last took isotretinoin"),
        ),
        Question(
            "treatment_response",
            _("Overall, how well did these treatments work?"),
            Kind.ONE_OF,
            _options(
                ("cleared", _("Cleared my acne")),
                ("helped_somewhat", _("Helped somewhat")),
                ("did_not_help", _("Did not help")),
                ("side_effects", _("I stopped because of side effects")),
            ),
            shown_if=Condition("treatments", tuple(o.id for o in PREVIOUS_TREATMENT_OPTIONS)),
            required_message=_("Select how well the treatments worked"),
        ),
        Question(
            "treatment_notes",
            _("Anything else about your treatments?"),
            Kind.LONG_TEXT,
            required=False,
            hint=_("Up to 1,000 characters."),
            max_length=1000,
        ),
    ),
)

HEALTH_AND_SAFETY = Step(
    "health-and-safety",
    _("Health and safety"),
    (
        Question(
            "pregnancy",
            _("Are you pregnant, breastfeeding, or planning a pregnancy in the next 6 months?"),
            Kind.ONE_OF,
            _options(
                ("yes", _("Yes")),
                ("no", _("No")),
                ("not_sure", _("I'm not sure")),
                ("not_applicable", _("Does not apply to me")),
            ),
            required_message=_(
                "Select whether you are pregnant, breastfeeding or planning a pregnancy"
            ),
        ),
        Question(
            "conditions",
            _("Do you have any of these conditions?"),
            Kind.ANY_OF,
            (
                *_options(
                    ("myasthenia_gravis", _("Myasthenia gravis")),
                    ("lambert_eaton", _("Lambert-Eaton syndrome")),
                    (
                        "nerve_muscle_disease",
                        _("Motor neurone disease (ALS) or another nerve or muscle disease"),
                    ),
                    ("bleeding_disorder", _("A bleeding or clotting disorder")),
                    ("skin_infection", _("A skin infection where you would have injections")),
                ),
                Option("none", _("None of these"), exclusive=True),
            ),
            hint=_("Select all that apply, or None of these."),
            required_message=_("Select the conditions you have, or None of these"),
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
                        _("Aspirin or anti-inflammatory painkillers (for example ibuprofen)"),
                    ),
                    ("aminoglycosides", _("Aminoglycoside antibiotics (for example gentamicin)")),
                    ("muscle_relaxants", _("Muscle relaxants")),
                ),
                Option("none", _("None of these"), exclusive=True),
            ),
            hint=_("Select all that apply, or None of these."),
            required_message=_("Select the medicines you take, or None of these"),
        ),
        Question(
            "recent_toxin",
            _(
                "Have you had botulinum toxin injections (Botox, Dysport, Xeomin) for any reason in the last 3 months?"
            ),
            Kind.ONE_OF,
            _options(("yes", _("Yes")), ("no", _("No")), ("not_sure", _("I'm not sure"))),
            required_message=_(
                "Select whether you have had botulinum toxin injections in the last 3 months"
            ),
        ),
        Question(
            "toxin_allergy",
            _(
                "Have you ever had an allergic reaction to botulinum toxin, or do you have a cow's milk protein allergy?"
            ),
            Kind.ONE_OF,
            _options(("yes", _("Yes")), ("no", _("No")), ("not_sure", _("I'm not sure"))),
            required_message=_(
                "Select whether you have had an allergic reaction to botulinum toxin or have a cow's milk protein allergy"
            ),
        ),
        Question(
            "injection_weakness",
            _(
                "After any injection, have you ever had drooping eyelids or eyebrows, or muscle weakness?"
            ),
            Kind.ONE_OF,
            _options(("yes", _("Yes")), ("no", _("No"))),
            required_message=_(
                "Select whether you have had drooping or muscle weakness after an injection"
            ),
        ),
        Question(
            "other_allergies",
            _("Any other allergies or medicines we should know about?"),
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
    (
        Question(
            "goals",
            _("What would you most like from your visit?"),
            Kind.ANY_OF,
            _options(
                ("fewer_breakouts", _("Fewer breakouts")),
                ("less_oily", _("Less oily skin")),
                ("less_redness", _("Less redness or swelling")),
                ("marks_scars", _("Help with marks or scars")),
                ("learn_botox", _("To learn about Botox for acne")),
            ),
            hint=_("Select all that apply."),
            required_message=_("Select what you would most like from your visit"),
        ),
        Question(
            "questions_for_dermatologist",
            _("Questions for your dermatologist"),
            Kind.LONG_TEXT,
            required=False,
            hint=_("Up to 2,000 characters."),
            max_length=2000,
        ),
    ),
)

STEPS = (
    ABOUT_YOU,
    YOUR_ACNE,
    OILY_SKIN,
    PREVIOUS_TREATMENTS,
    HEALTH_AND_SAFETY,
    YOUR_VISIT,
)

# How flagged answers are named in "Raised by" (the questions' own labels are too long).
ANSWER_NAMES = {
    "marks": "Marks or scars",
    "isotretinoin_last": "Last took isotretinoin",
    "pregnancy": "Pregnant, breastfeeding or planning pregnancy",
    "conditions": "Conditions",
    "medicines": "Medicines",
    "recent_toxin": "Botulinum toxin in the last 3 months",
    "toxin_allergy": "Allergy to botulinum toxin or cow's milk protein",
    "injection_weakness": "Drooping or weakness after an injection",
}

_PREGNANCY_BASIS = (
    "Product labels advise against use in pregnancy and breastfeeding (no adequate data)."
)
_HYPERSENSITIVITY_BASIS = (
    "Product label contraindication: hypersensitivity to botulinum toxin or any ingredient "
    "(some products contain cow's milk protein)."
)

# Contraindications first, then cautions, each in the order of 2026.1's SPEC.
FLAGS = (
    FlagRule(
        "pregnancy",
        Level.CONTRAINDICATION,
        "Pregnant, breastfeeding or planning pregnancy: botulinum toxin is not recommended.",
        _PREGNANCY_BASIS,
        answer("pregnancy", "yes"),
    ),
    FlagRule(
        "neuromuscular",
        Level.CONTRAINDICATION,
        "Neuromuscular disorder: risk of serious effects from botulinum toxin.",
        "Product label warning: neuromuscular disorders raise the risk of serious effects, "
        "including difficulty swallowing and breathing.",
        answer("conditions", "myasthenia_gravis", "lambert_eaton", "nerve_muscle_disease"),
    ),
    FlagRule(
        "hypersensitivity",
        Level.CONTRAINDICATION,
        "Possible hypersensitivity to botulinum toxin or its ingredients.",
        _HYPERSENSITIVITY_BASIS,
        answer("toxin_allergy", "yes"),
    ),
    FlagRule(
        "skin_infection",
        Level.CONTRAINDICATION,
        "Skin infection at the proposed injection site.",
        "Product label contraindication: infection at the proposed injection site.",
        answer("conditions", "skin_infection"),
    ),
    FlagRule(
        "pregnancy_uncertain",
        Level.CAUTION,
        "Pregnancy status uncertain.",
        _PREGNANCY_BASIS,
        answer("pregnancy", "not_sure"),
    ),
    FlagRule(
        "bruising",
        Level.CAUTION,
        "Bruising and bleeding risk at injection sites.",
        "Product label warnings: injection-site bleeding and bruising, more likely with "
        "anticoagulants, antiplatelets or a bleeding disorder.",
        any_of(
            answer("conditions", "bleeding_disorder"),
            answer("medicines", "blood_thinners", "anti_inflammatories"),
        ),
    ),
    FlagRule(
        "potentiating_medicine",
        Level.CAUTION,
        "Medicine that may increase the effect of botulinum toxin.",
        "Product label interaction: aminoglycosides and muscle relaxants may increase the effect "
        "of botulinum toxin.",
        answer("medicines", "aminoglycosides", "muscle_relaxants"),
    ),
    FlagRule(
        "recent_toxin",
        Level.CAUTION,
        "Botulinum toxin in the last 3 months.",
        "Product label warning: a repeat dose within about 3 months may add to the weakness "
        "from the earlier one.",
        answer("recent_toxin", "yes", "not_sure"),
    ),
    FlagRule(
        "possible_allergy",
        Level.CAUTION,
        "Possible allergy: check before treatment.",
        _HYPERSENSITIVITY_BASIS,
        answer("toxin_allergy", "not_sure"),
    ),
    FlagRule(
        "previous_drooping",
        Level.CAUTION,
        "Previous drooping or weakness after an injection.",
        "Product label warning: the toxin can spread beyond the injection site, causing "
        "eyelid or brow drooping (ptosis).",
        answer("injection_weakness", "yes"),
    ),
    FlagRule(
        "recent_isotretinoin",
        Level.CAUTION,
        "Isotretinoin in the last 6 months.",
        "Acne guidelines advise delaying procedures after recent isotretinoin.",
        answer("isotretinoin_last", "now", "last_6_months"),
    ),
    FlagRule(
        "under_18",
        Level.CAUTION,
        "Patient is under 18: guardian consent needed.",
        "Product labels license cosmetic use of botulinum toxin for adults only.",
        finding("age", under=18),
    ),
    FlagRule(
        "nodulocystic_or_scarring",
        Level.CAUTION,
        "Nodulocystic or scarring acne: consider established therapy first.",
        "Acne guidelines of care recommend isotretinoin for severe or scarring acne.",
        any_of(finding("acne_pattern", is_in=("Nodulocystic",)), answer("marks", "scars")),
    ),
)

QUESTIONNAIRE = Questionnaire(
    id="acne-botox-preconsult",
    version="2026.1",
    title="Acne and botulinum toxin: before your consultation",
    steps=STEPS,
    findings=FindingsRules(
        nodular="Nodulocystic",
        pattern_label="Acne pattern",
        oiliness_step="oily-skin",
        oiliness_label="Oiliness",
    ),
    flags=FLAGS,
    answer_names=ANSWER_NAMES,
)
