"""Step forms built from the definition: validation rules, messages and cleaned answers."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from werkzeug.datastructures import MultiDict

from forms.questionnaire import (
    ConfirmForm,
    as_formdata,
    first_invalid_step,
    form_for,
    stored_step_form,
)
from intake.extensions import db
from intake.questionnaire import QUESTIONS, STEPS, Kind
from intake.questionnaire import step as step_named
from tests.factories import answers, answers_with_follow_ups, formdata
from tests.support import make_app

ABOUT_YOU = step_named("about-you")
YOUR_ACNE = step_named("your-acne")
TREATMENTS = step_named("your-treatments")
HEALTH = step_named("health-and-safety")
VISIT = step_named("your-visit")

# A fixed "now": 15 June 2026, 12:00 UTC (13:00 in London, 00:00 on 16 June in Auckland).
NOON_UTC = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)
TODAY = date(2026, 6, 15)


@pytest.fixture
def request_context(app):
    with app.test_request_context():
        yield


@pytest.fixture
def pinned(frozen_clock):
    frozen_clock.current = NOON_UTC
    return frozen_clock


def post(step, data) -> tuple[object, bool]:
    """The step's form filled as a browser posts it, validated; returns (form, valid)."""
    form = form_for(step)(formdata=MultiDict(data), meta={"csrf": False})
    return form, form.validate()


def step_data(step, **overrides) -> dict:
    """The valid factory answers of one step as posted fields, with fields replaced or removed."""
    data = formdata(step, answers())
    for name, value in overrides.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def about_you(**overrides) -> dict:
    return step_data(ABOUT_YOU, **overrides)


def dob(day, month, year) -> dict:
    return {
        "date_of_birth-day": str(day),
        "date_of_birth-month": str(month),
        "date_of_birth-year": str(year),
    }


def appointment(day, month, year) -> dict:
    return {
        "appointment_date-day": str(day),
        "appointment_date-month": str(month),
        "appointment_date-year": str(year),
    }


def errors_of(form) -> dict:
    return {name: field.errors for name, field in form._fields.items() if field.errors}


# --- Round trip ---------------------------------------------------------------------------


@pytest.mark.parametrize("step", STEPS, ids=[s.slug for s in STEPS])
def test_stored_answers_validate_and_come_back_unchanged(request_context, step):
    full = answers_with_follow_ups()
    form = stored_step_form(step, full)
    assert form.validate(), errors_of(form)
    assert form.answers() == {q.id: full[q.id] for q in step.questions if q.id in full}


@pytest.mark.parametrize("step", STEPS, ids=[s.slug for s in STEPS])
def test_an_empty_step_fails_with_the_required_message_of_each_required_question(
    request_context, step
):
    form, valid = post(step, {})
    assert not valid
    expected = {q.id: [q.required_message] for q in step.questions if q.required and not q.shown_if}
    assert errors_of(form) == expected


def test_first_invalid_step_finds_the_first_unanswered_step(request_context):
    full = answers()
    assert first_invalid_step(STEPS, full) is None
    assert first_invalid_step(STEPS, {}) is STEPS[0]
    without_goals = {k: v for k, v in full.items() if k != "goals"}
    assert first_invalid_step(STEPS, without_goals) is VISIT
    assert first_invalid_step(STEPS, {**full, "treatments_before": ["isotretinoin"]}) is TREATMENTS
    # a question that depends on an earlier step's answer is asked once that answer asks for it
    assert first_invalid_step(STEPS, {**full, "sex": "female"}) is YOUR_ACNE


def test_as_formdata_posts_dates_in_parts_and_checkboxes_as_repeated_fields():
    data = as_formdata(ABOUT_YOU, {"date_of_birth": "1990-03-07", "full_name": "Ada"})
    assert data["date_of_birth-day"] == "7"  # as a patient types it, the same as a normal visit
    assert data["date_of_birth-month"] == "3"
    assert data["date_of_birth-year"] == "1990"
    assert data["appointment_date-day"] == "" and "phone" not in data
    assert as_formdata(YOUR_ACNE, {"locations": ["nose", "back"]}).getlist("locations") == [
        "nose",
        "back",
    ]


# --- Full name ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["A", "x" * 100, "Ζωή Ngụy-Ivanova", "Ō" * 100])
def test_full_name_of_1_to_100_characters_passes(request_context, name):
    form, valid = post(ABOUT_YOU, about_you(full_name=name))
    assert valid, errors_of(form)
    assert form.answers()["full_name"] == name


def test_full_name_of_101_characters_fails(request_context):
    form, valid = post(ABOUT_YOU, about_you(full_name="x" * 101))
    assert not valid
    assert form.full_name.errors == ["Full name must be 100 characters or fewer"]


def test_full_name_length_is_counted_after_trimming(request_context):
    form, valid = post(ABOUT_YOU, about_you(full_name="  " + "x" * 100 + "  "))
    assert valid, errors_of(form)
    assert form.answers()["full_name"] == "x" * 100


@pytest.mark.parametrize("name", ["", "   ", "\t \n"])
def test_full_name_empty_or_only_whitespace_fails(request_context, name):
    form, valid = post(ABOUT_YOU, about_you(full_name=name))
    assert not valid
    assert form.full_name.errors == ["Enter your full name"]


def test_full_name_missing_from_the_post_fails(request_context):
    form, valid = post(ABOUT_YOU, about_you(full_name=None))
    assert not valid
    assert form.full_name.errors == ["Enter your full name"]


# --- Date of birth ------------------------------------------------------------------------


def test_date_of_birth_missing_entirely_asks_for_it(request_context):
    form, valid = post(ABOUT_YOU, about_you(**dict.fromkeys(dob(1, 1, 1), "")))
    assert not valid
    assert form.date_of_birth.errors == ["Enter your date of birth"]


@pytest.mark.parametrize(
    ("parts", "missing"),
    [
        (("", 3, 1990), "day"),
        ((27, "", 1990), "month"),
        ((27, 3, ""), "year"),
        ((27, "", ""), "month"),
    ],
)
def test_a_missing_date_part_is_named(request_context, parts, missing):
    form, valid = post(ABOUT_YOU, about_you(**dob(*parts)))
    assert not valid
    assert form.date_of_birth.errors == [f"Date of birth must include a {missing}"]


@pytest.mark.parametrize(
    "parts",
    [(31, 2, 1990), (29, 2, 1990), (31, 4, 1990), (0, 1, 1990), (1, 13, 1990), ("x", 1, 1990)],
)
def test_a_date_that_does_not_exist_fails(request_context, parts):
    form, valid = post(ABOUT_YOU, about_you(**dob(*parts)))
    assert not valid
    assert form.date_of_birth.errors == ["Date of birth must be a real date"]


def test_29_february_of_a_leap_year_is_a_real_date(request_context):
    form, valid = post(ABOUT_YOU, about_you(**dob(29, 2, 1992)))
    assert valid, errors_of(form)
    assert form.answers()["date_of_birth"] == "1992-02-29"


@pytest.mark.parametrize("year", ["90", "990", "19900", "199x"])
def test_a_year_without_4_digits_fails(request_context, year):
    form, valid = post(ABOUT_YOU, about_you(**dob(27, 3, year)))
    assert not valid
    assert form.date_of_birth.errors == ["Year must include 4 numbers"]


def test_a_date_keeps_what_was_typed_when_it_fails(request_context):
    form, _ = post(ABOUT_YOU, about_you(**dob(" 31 ", "2", "1990")))
    assert form.date_of_birth.parts == {"day": "31", "month": "2", "year": "1990"}
    assert form.date_of_birth.data is None


def test_a_date_with_leading_zeros_is_stored_as_iso(request_context):
    form, valid = post(
        ABOUT_YOU, about_you(**dob("07", "03", "1990"), **appointment("1", "2", "2099"))
    )
    assert valid, errors_of(form)
    assert form.answers()["date_of_birth"] == "1990-03-07"
    assert form.answers()["appointment_date"] == "2099-02-01"


def test_date_of_birth_in_the_future_fails(request_context, pinned):
    form, valid = post(ABOUT_YOU, about_you(**dob(16, 6, 2026)))
    assert not valid
    assert form.date_of_birth.errors == ["Date of birth must be in the past"]


def test_date_of_birth_today_fails(request_context, pinned):
    form, valid = post(ABOUT_YOU, about_you(**dob(15, 6, 2026)))
    assert not valid
    assert form.date_of_birth.errors == ["Date of birth must be in the past"]


@pytest.mark.parametrize(
    ("born", "passes"),
    [
        (date(2014, 6, 15), True),  # 12th birthday today
        (date(2014, 6, 16), False),  # 12th birthday tomorrow: 11 today
        (date(2014, 6, 14), True),
        (date(2020, 1, 1), False),
        (date(1916, 6, 15), True),  # 110th birthday today
        (date(1915, 6, 16), True),  # 111th birthday tomorrow: still 110
        (date(1915, 6, 15), False),  # 111th birthday today
        (date(1900, 1, 1), False),
    ],
)
def test_age_today_must_be_12_to_110(request_context, pinned, born, passes):
    form, valid = post(ABOUT_YOU, about_you(**dob(born.day, born.month, born.year)))
    assert valid is passes, errors_of(form)
    if not passes:
        assert form.date_of_birth.errors in (
            ["You must be 12 or older to use this form"],
            ["Date of birth must be no more than 110 years ago"],
        )


def test_too_young_and_too_old_have_their_own_messages(request_context, pinned):
    young, _ = post(ABOUT_YOU, about_you(**dob(16, 6, 2014)))
    old, _ = post(ABOUT_YOU, about_you(**dob(15, 6, 1915)))
    assert young.date_of_birth.errors == ["You must be 12 or older to use this form"]
    assert old.date_of_birth.errors == ["Date of birth must be no more than 110 years ago"]


# --- Appointment date ---------------------------------------------------------------------


def test_appointment_date_is_optional(request_context, pinned):
    form, valid = post(ABOUT_YOU, about_you(**dict.fromkeys(appointment(1, 1, 1), "")))
    assert valid, errors_of(form)
    assert "appointment_date" not in form.answers()


def test_appointment_date_absent_from_the_post_is_fine(request_context, pinned):
    data = {k: v for k, v in about_you().items() if not k.startswith("appointment_date")}
    form, valid = post(ABOUT_YOU, data)
    assert valid, errors_of(form)
    assert "appointment_date" not in form.answers()


@pytest.mark.parametrize(
    ("when", "passes"),
    [
        (date(2026, 6, 14), False),
        (date(2026, 6, 15), True),
        (date(2026, 6, 16), True),
        (date(2025, 6, 15), False),
    ],
)
def test_appointment_date_is_today_or_later(request_context, pinned, when, passes):
    form, valid = post(ABOUT_YOU, about_you(**appointment(when.day, when.month, when.year)))
    assert valid is passes, errors_of(form)
    if passes:
        assert form.answers()["appointment_date"] == when.isoformat()
    else:
        assert form.appointment_date.errors == ["Appointment date must be today or in the future"]


def test_a_partly_typed_appointment_date_names_the_missing_part(request_context, pinned):
    form, valid = post(ABOUT_YOU, about_you(**appointment(20, "", 2026)))
    assert not valid
    assert form.appointment_date.errors == ["Appointment date must include a month"]


def test_an_unreal_appointment_date_fails(request_context, pinned):
    form, valid = post(ABOUT_YOU, about_you(**appointment(31, 6, 2026)))
    assert not valid
    assert form.appointment_date.errors == ["Appointment date must be a real date"]


def test_today_is_the_clinics_today_not_the_servers(tmp_path, frozen_clock):
    """20:00 UTC on 15 June is already 16 June in Auckland (UTC+12)."""
    frozen_clock.current = datetime(2026, 6, 15, 20, 0, tzinfo=timezone.utc)
    london, auckland = make_app(tmp_path), make_app(tmp_path, TIMEZONE="Pacific/Auckland")
    try:
        outcomes = {}
        for name, app in (("london", london), ("auckland", auckland)):
            with app.test_request_context():
                on_15 = post(ABOUT_YOU, about_you(**appointment(15, 6, 2026)))[1]
                on_16 = post(ABOUT_YOU, about_you(**appointment(16, 6, 2026)))[1]
                # 12th birthday on 16 June: 12 in Auckland already, still 11 in London.
                twelve = post(ABOUT_YOU, about_you(**dob(16, 6, 2014)))[1]
            outcomes[name] = (on_15, on_16, twelve)
        assert outcomes == {"london": (True, True, False), "auckland": (False, True, True)}
    finally:
        for app in (london, auckland):
            with app.app_context():
                db.engine.dispose()


# --- Phone ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "123456",
        "+44 (0)20 7946 0000",
        "020-7946-0000",
        "1" * 20,
        "+1 (555) 123-4567",
        "  0123456  ",
    ],
)
def test_a_phone_number_of_allowed_characters_and_6_to_20_long_passes(request_context, phone):
    form, valid = post(ABOUT_YOU, about_you(phone=phone))
    assert valid, errors_of(form)
    assert form.answers()["phone"] == phone.strip()


def test_phone_of_5_characters_fails(request_context):
    form, valid = post(ABOUT_YOU, about_you(phone="12345"))
    assert not valid
    assert form.phone.errors == ["Phone number must be 6 characters or more"]


def test_phone_of_21_characters_fails(request_context):
    form, valid = post(ABOUT_YOU, about_you(phone="1" * 21))
    assert not valid
    assert form.phone.errors == ["Phone number must be 20 characters or fewer"]


@pytest.mark.parametrize(
    "phone",
    ["0207 946 OOOO", "call me 0123", "0123456#", "+44.20.7946", "()-+ ()-+", "０１２３４５６"],
)
def test_phone_with_other_characters_fails(request_context, phone):
    form, valid = post(ABOUT_YOU, about_you(phone=phone))
    assert not valid
    assert form.phone.errors == ["Phone number can only contain digits, spaces, +, - and brackets"]


@pytest.mark.parametrize("phone", ["", "   "])
def test_phone_is_optional(request_context, phone):
    form, valid = post(ABOUT_YOU, about_you(phone=phone))
    assert valid, errors_of(form)
    assert "phone" not in form.answers()


# --- Long texts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "question_id", "limit"),
    [
        (TREATMENTS, "treatment_notes", 1000),
        (HEALTH, "allergies", 1000),
        (VISIT, "questions_for_dermatologist", 2000),
    ],
)
def test_long_texts_pass_at_their_limit_and_fail_one_over(
    request_context, step, question_id, limit
):
    at_limit = ("é<b>" * limit)[:limit]
    form, valid = post(step, step_data(step, **{question_id: at_limit}))
    assert valid, errors_of(form)
    assert form.answers()[question_id] == at_limit

    form, valid = post(step, step_data(step, **{question_id: at_limit + "x"}))
    assert not valid
    label = QUESTIONS[question_id].label.rstrip("?")
    assert form[question_id].errors == [f"{label} must be {limit:,} characters or fewer"]


def test_a_line_break_counts_as_one_character(request_context):
    text = "ab\r\n" * 250  # 1,000 characters typed; 750 once line breaks are one each
    form, valid = post(TREATMENTS, step_data(TREATMENTS, treatment_notes=text))
    assert valid, errors_of(form)
    assert form.answers()["treatment_notes"] == ("ab\n" * 250).strip()


@pytest.mark.parametrize("question_id", ["treatment_notes"])
def test_long_text_is_optional(request_context, question_id):
    form, valid = post(TREATMENTS, step_data(TREATMENTS, treatment_notes=" \r\n "))
    assert valid, errors_of(form)
    assert question_id not in form.answers()


# --- Choices ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "question_id", "other"),
    [
        (TREATMENTS, "treatments_now", "pharmacy"),
        (HEALTH, "conditions", "bleeding_disorder"),
        (HEALTH, "medicines", "muscle_relaxants"),
    ],
)
def test_none_cannot_be_combined_with_another_choice(request_context, step, question_id, other):
    form, valid = post(step, step_data(step, **{question_id: [other, "none"]}))
    assert not valid
    label = QUESTIONS[question_id].exclusive_option.label
    assert len(form[question_id].errors) == 1
    message = form[question_id].errors[0]
    assert "cannot be combined with another choice" in message
    assert f'"{label}"' in message


@pytest.mark.parametrize(
    ("step", "question_id"),
    [(TREATMENTS, "treatments_now"), (HEALTH, "conditions"), (HEALTH, "medicines")],
)
def test_none_alone_passes(request_context, step, question_id):
    form, valid = post(step, step_data(step, **{question_id: ["none"]}))
    assert valid, errors_of(form)
    assert form.answers()[question_id] == ["none"]


def test_several_ordinary_choices_pass(request_context):
    form, valid = post(
        HEALTH, step_data(HEALTH, conditions=["bleeding_disorder", "skin_infection"])
    )
    assert valid, errors_of(form)


@pytest.mark.parametrize(
    ("question_id", "message"),
    [
        ("spot_types", "Select the types of spots you have, or I'm not sure"),
        ("locations", "Select where you get acne"),
        ("duration", "Select how long you have had acne"),
        ("impact", "Select how much acne affects your daily life"),
    ],
)
def test_required_choices_say_what_to_select(request_context, question_id, message):
    form, valid = post(YOUR_ACNE, step_data(YOUR_ACNE, **{question_id: None}))
    assert not valid
    assert errors_of(form) == {question_id: [message]}


def test_optional_checkboxes_may_be_left_empty(request_context):
    form, valid = post(YOUR_ACNE, step_data(YOUR_ACNE, flares=None))
    assert valid, errors_of(form)
    assert "flares" not in form.answers()


@pytest.mark.parametrize(
    ("question_id", "value"),
    [
        ("duration", "forever"),
        ("locations", ["nose", "elbow"]),
        ("flares", ["full_moon"]),
        ("severity", ""),
    ],
)
def test_unknown_option_ids_are_rejected(request_context, question_id, value):
    form, valid = post(YOUR_ACNE, step_data(YOUR_ACNE, **{question_id: value}))
    assert not valid
    if value == "":
        assert form[question_id].errors == [QUESTIONS[question_id].required_message]
    else:
        assert form[question_id].errors == [
            f"Select from the options for: {QUESTIONS[question_id].label}"
        ]


def test_an_unknown_option_id_is_never_kept(request_context):
    form, _ = post(YOUR_ACNE, step_data(YOUR_ACNE, locations=["elbow"]))
    assert form.locations.errors
    # Even a caller that ignores the result never stores an id the questionnaire lacks.
    assert form.answers().get("locations", []) == []


# --- Cleaned answers ------------------------------------------------------------------


def test_answers_are_cleaned(request_context, pinned):
    data = {
        "full_name": "  Ada  Lovelace \t",
        **dob(" 7 ", "3", "1990"),
        **appointment("", "", ""),
        "sex": "intersex",
        "phone": "   ",
    }
    form, valid = post(ABOUT_YOU, data)
    assert valid, errors_of(form)
    # Outer whitespace goes; what the patient typed inside stays.
    assert form.answers() == {
        "full_name": "Ada  Lovelace",
        "date_of_birth": "1990-03-07",
        "sex": "intersex",
    }


def test_long_text_line_breaks_become_newlines_and_outer_space_goes(request_context):
    form, valid = post(
        VISIT, step_data(VISIT, questions_for_dermatologist="\r\n  One\r\nTwo\rThree\n\n ")
    )
    assert valid, errors_of(form)
    assert form.answers()["questions_for_dermatologist"] == "One\nTwo\nThree"


def test_checkbox_answers_follow_the_questionnaire_order(request_context):
    form, valid = post(
        YOUR_ACNE, step_data(YOUR_ACNE, locations=["shoulders", "forehead", "chin_jawline"])
    )
    assert valid, errors_of(form)
    assert form.answers()["locations"] == ["forehead", "chin_jawline", "shoulders"]


def test_answers_are_in_questionnaire_order_and_only_this_steps(request_context):
    form, valid = post(YOUR_ACNE, step_data(YOUR_ACNE))
    assert valid
    assert list(form.answers()) == [
        "spot_types",
        "locations",
        "duration",
        "severity",
        "marks",
        "flares",
        "impact",
        "picking",
    ]


def test_empty_optional_answers_are_left_out(request_context):
    form, valid = post(
        TREATMENTS,
        step_data(
            TREATMENTS,
            treatments_now=["none"],
            treatments_before=["none"],
            treatment_notes="",
            response_pharmacy=None,
        ),
    )
    assert valid, errors_of(form)
    assert form.answers() == {"treatments_now": ["none"], "treatments_before": ["none"]}


# --- Conditional questions ------------------------------------------------------------


def test_hidden_conditional_questions_are_not_validated_and_not_kept(request_context):
    data = step_data(
        TREATMENTS,
        treatments_now=["pharmacy"],
        isotretinoin_stopped="not-an-option",  # left over from a page where it showed
        response_isotretinoin="cleared",
    )
    form, valid = post(TREATMENTS, data)
    assert valid, errors_of(form)
    assert "isotretinoin_stopped" not in form.answers()
    assert "response_isotretinoin" not in form.answers()
    assert form.visible_ids() == {
        "treatments_now",
        "treatments_before",
        "response_pharmacy",
        "treatment_notes",
    }


def test_a_valid_leftover_answer_to_a_hidden_question_is_dropped_too(request_context):
    data = step_data(
        TREATMENTS,
        treatments_now=["none"],
        treatments_before=["none"],
        isotretinoin_stopped="over_12_months",
        response_pharmacy="cleared",
    )
    form, valid = post(TREATMENTS, data)
    assert valid, errors_of(form)
    assert form.answers() == {
        "treatments_now": ["none"],
        "treatments_before": ["none"],
        "treatment_notes": answers()["treatment_notes"],
    }


def test_a_shown_conditional_question_is_required(request_context):
    data = step_data(
        TREATMENTS,
        treatments_now=["none"],
        treatments_before=["isotretinoin"],
        response_pharmacy=None,
        response_isotretinoin="cleared",
        isotretinoin_relapse="no",
    )
    form, valid = post(TREATMENTS, data)
    assert not valid
    assert errors_of(form) == {"isotretinoin_stopped": ["Select when you stopped isotretinoin"]}


@pytest.mark.parametrize("chosen_in", ["treatments_now", "treatments_before"])
def test_a_treatment_chosen_in_either_question_asks_how_well_it_worked(request_context, chosen_in):
    data = step_data(TREATMENTS, treatments_now=["none"], treatments_before=["none"])
    data[chosen_in] = ["antibiotic_tablets"]
    data.pop("response_pharmacy", None)
    form, valid = post(TREATMENTS, data)
    assert not valid
    assert errors_of(form) == {
        "response_antibiotic_tablets": ["Select how well this treatment worked for you"]
    }


def test_a_shown_conditional_answer_is_kept(request_context):
    data = step_data(
        TREATMENTS,
        treatments_now=["antibiotic_tablets"],
        treatments_before=["isotretinoin"],
        response_pharmacy=None,
        response_antibiotic_tablets="helped_somewhat",
        response_isotretinoin="cleared",
        isotretinoin_stopped="over_12_months",
        isotretinoin_relapse="not_sure_yet",
    )
    form, valid = post(TREATMENTS, data)
    assert valid, errors_of(form)
    assert form.answers()["isotretinoin_stopped"] == "over_12_months"
    assert form.answers()["treatments_before"] == ["isotretinoin"]
    assert form.answers()["response_antibiotic_tablets"] == "helped_somewhat"


def test_stored_form_shows_a_hidden_question_only_when_its_trigger_is_stored(request_context):
    shown = stored_step_form(
        TREATMENTS,
        answers(
            treatments_before=["isotretinoin"],
            response_isotretinoin="cleared",
            isotretinoin_stopped="last_6_months",
            isotretinoin_relapse="no",
        ),
    )
    hidden = stored_step_form(TREATMENTS, answers(treatments_now=["none"]))
    assert {"isotretinoin_stopped", "isotretinoin_relapse"} <= shown.visible_ids()
    assert hidden.visible_ids() == {"treatments_now", "treatments_before", "treatment_notes"}


@pytest.mark.parametrize(("sex", "asked"), [("female", True), ("male", False), ("intersex", False)])
def test_a_question_that_depends_on_an_earlier_step_reads_that_steps_answer(
    request_context, sex, asked
):
    """The hormonal question (step 2) is asked by step 1's answer, which is not on its page."""
    data = step_data(YOUR_ACNE)
    form = form_for(YOUR_ACNE)(formdata=MultiDict(data), meta={"csrf": False})
    form.other_answers = answers(sex=sex)
    assert form.validate() is not asked
    assert ("hormonal_features" in form.visible_ids()) is asked
    if asked:
        assert errors_of(form) == {
            "hormonal_features": ["Select any of these you have, or None of these"]
        }


# --- Confirmation -----------------------------------------------------------------------


def test_the_confirmation_box_is_required(request_context):
    unticked = ConfirmForm(formdata=MultiDict({}), meta={"csrf": False})
    ticked = ConfirmForm(formdata=MultiDict({"confirmed": "y"}), meta={"csrf": False})
    assert not unticked.validate()
    assert unticked.confirmed.errors == [
        "Confirm that your answers are correct and that you agree to share them"
    ]
    assert ticked.validate()
    assert ConfirmForm.confirmed.args[0] == (
        "I confirm these answers are correct to the best of my knowledge and agree to share "
        "them with my dermatologist."
    )


@pytest.mark.parametrize("posted", ["", "false"])
def test_a_confirmation_that_is_not_ticked_is_refused(request_context, posted):
    # WTForms reads "false" (and "") in a BooleanField as unticked: that is no consent.
    form = ConfirmForm(formdata=MultiDict({"confirmed": posted}), meta={"csrf": False})
    assert form.confirmed.data is False
    assert not form.validate()
    assert form.confirmed.errors == [
        "Confirm that your answers are correct and that you agree to share them"
    ]


def test_every_field_kind_is_built(request_context):
    form = form_for(ABOUT_YOU)(formdata=MultiDict(), meta={"csrf": False})
    kinds = {q.id: type(form[q.id]).__name__ for q in ABOUT_YOU.questions}
    assert kinds == {
        "full_name": "StringField",
        "date_of_birth": "DatePartsField",
        "sex": "RadioField",
        "appointment_date": "DatePartsField",
        "phone": "StringField",
    }
    for step in STEPS:
        built = form_for(step)(formdata=MultiDict(), meta={"csrf": False})
        for q in step.questions:
            if q.kind is Kind.ANY_OF:
                assert type(built[q.id]).__name__ == "MultiCheckboxField", q.id
            elif q.kind is Kind.ONE_OF:
                assert type(built[q.id]).__name__ == "RadioField", q.id
            elif q.kind is Kind.LONG_TEXT:
                assert type(built[q.id]).__name__ == "TextAreaField", q.id
