"""The patient side in Spanish: SPEC section 1 (language choice), over HTTP with the real forms.

Spanish wording is read from the compiled catalogue where a test walks every message of a
page, and written out in full where a test is about how one page reads.
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import flask_babel
import pytest
from babel.dates import format_date
from babel.support import Translations
from flask import render_template_string, session
from pypdf import PdfReader
from sqlalchemy import select

from intake.extensions import db
from intake.models import Submission
from intake.questionnaire import QUESTIONS, STEPS, Kind
from tests.factories import answers
from tests.http.clinic_helpers import stored_pdf
from tests.support import Html, Patient

TRANSLATIONS = Path(__file__).resolve().parents[2] / "intake" / "translations"
SPANISH = Translations.load(str(TRANSLATIONS), ["es"], domain="messages")
REFERENCE = re.compile(
    r"Su código de referencia es <strong[^>]*>([A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4})<"
)
ABOUT_YOU, YOUR_ACNE, OILY_SKIN, TREATMENTS, HEALTH, VISIT = STEPS


def es(english: str, **values) -> str:
    translated = SPANISH.gettext(english)
    assert translated != english or english in {"No", "Normal", "Error:"}, english
    return translated % values if values else translated


def has_words(text: str, phrase: str) -> bool:
    """The phrase as words of the text: "Intersex" is not in "Intersexual"."""
    before = r"(?<!\w)" if phrase[:1].isalnum() else ""
    after = r"(?!\w)" if phrase[-1:].isalnum() else ""
    return re.search(before + re.escape(phrase) + after, text) is not None


# --- Reading pages ----------------------------------------------------------------------


def page(client, url: str) -> Html:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.location)
    return Html.of(response)


def choose_spanish(client) -> None:
    response = client.get("/language/es")
    assert response.status_code == 302


def stored(app) -> list[Submission]:
    with app.app_context():
        found = list(db.session.scalars(select(Submission).order_by(Submission.id)))
        for submission in found:
            submission.answers, submission.patient_name  # noqa: B018  (opened while in session)
            db.session.expunge(submission)
        return found


def submit_in_spanish(patient: Patient) -> str:
    """Confirm and submit on the Spanish check page; the reference from the Spanish confirmation."""
    response = patient.submit()
    assert response.status_code == 302 and response.location.endswith("/confirmation")
    confirmation = page(patient.client, "/confirmation")
    assert confirmation.lang == "es"
    return REFERENCE.search(confirmation.markup).group(1)


def pdf_text(data: bytes) -> str:
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


# --- Choosing the language --------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_templates_translate_as_jinja_newstyle_gettext_does(app, language):
    added = (
        "We have added a question based on your answer. Please answer it and press Continue.",
        "We have added questions based on your answer. Please answer them and press Continue.",
    )
    source = (
        '{{ _("Continue") }}|{{ _("100%% sure") }}|'
        '{{ _("Step %(number)s of %(total)s", number="<b>", total=6) }}|'
        '{{ ngettext(one, many, 1) }}|{{ ngettext(one, many, 2) }}|{{ pgettext("navigation", "Back") }}'
    )
    with app.test_request_context("/"):
        session["lang"] = language
        rendered = render_template_string(source, one=added[0], many=added[1])
        expected = "|".join(
            (
                flask_babel.gettext("Continue"),
                "100% sure",  # a format string even without variables, as in Jinja
                flask_babel.gettext("Step %(number)s of %(total)s", number="&lt;b&gt;", total=6),
                flask_babel.ngettext(*added, 1),
                flask_babel.ngettext(*added, 2),
                flask_babel.pgettext("navigation", "Back"),
            )
        )
    assert rendered == expected
    assert (rendered.startswith("Continuar|")) == (language == "es")


def test_the_start_page_offers_espanol_in_its_own_language(client):
    start = page(client, "/")
    assert start.lang == "en"
    assert ("/language/es", "Español") in start.links
    assert re.search(r'<a [^>]*href="/language/es"[^>]*lang="es"', start.markup)


def test_choosing_espanol_on_the_start_page_shows_it_in_spanish(client):
    start = page(client, "/")
    href = next(href for href, text in start.links if text == "Español")
    response = client.get(href)
    assert response.status_code == 302
    assert response.location.endswith("/")

    start = page(client, "/")
    assert start.lang == "es"
    assert (
        start.title
        == "Antes de su cita de dermatología – Acné y Bótox: cuestionario antes de la consulta"
    )
    assert "Antes de su cita de dermatología: acné y Bótox" in start.text
    assert "Se tarda unos 5 minutos. Son 6 pasos cortos:" in start.text
    assert "Qué pasa con sus respuestas" in start.text
    assert "Saltar al contenido principal" in start.text
    assert "Sus respuestas solo llegan a su clínica de dermatología." in start.text
    for step in STEPS:
        assert es(step.title) in start.text
    assert re.search(
        r'<button class="button button--start" type="submit">Empezar ahora</button>', start.markup
    )
    # English is offered in English; nothing of the English page is left.
    assert ("/language/en", "English") in start.links
    for english in ("Start now", "About you", "What happens to your answers", "It takes about"):
        assert english not in start.text


def test_the_choice_is_remembered_for_the_rest_of_the_visit(client, patient):
    choose_spanish(client)
    assert page(client, "/").lang == "es"
    assert page(client, "/").lang == "es"
    patient.start()
    assert page(client, f"/questions/{ABOUT_YOU.slug}").lang == "es"
    assert page(client, "/").lang == "es"


def test_the_choice_is_kept_in_the_session_not_guessed_per_request(app, client):
    choose_spanish(client)
    assert page(client, "/").lang == "es"
    other_browser = app.test_client()
    assert page(other_browser, "/").lang == "en"
    # A browser asking for Spanish in its headers still gets English until the patient chooses.
    response = other_browser.get("/", headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert Html.of(response).lang == "en"


def test_switching_back_to_english_works(client):
    choose_spanish(client)
    spanish = page(client, "/")
    href = next(href for href, text in spanish.links if text == "English")
    assert client.get(href).status_code == 302
    english = page(client, "/")
    assert english.lang == "en"
    assert "Start now" in english.text and "Empezar ahora" not in english.text
    assert ("/language/es", "Español") in english.links


def test_an_unknown_language_changes_nothing(client):
    response = client.get("/language/xx")
    assert response.status_code == 302
    assert page(client, "/").lang == "en"

    choose_spanish(client)
    client.get("/language/xx")
    client.get("/language/EN")
    client.get("/language/es-MX")
    start = page(client, "/")
    assert start.lang == "es"
    assert "Empezar ahora" in start.text


def test_switching_on_a_step_returns_to_that_step_with_the_answers_kept(client, patient):
    patient.start()
    patient.answer_step(ABOUT_YOU.slug, answers())
    step_2 = page(client, f"/questions/{YOUR_ACNE.slug}")
    href = next(href for href, text in step_2.links if text == "Español")
    response = client.get(href)
    assert response.status_code == 302
    assert re.search(rf"/questions/{YOUR_ACNE.slug}\??$", response.location)
    step_2 = page(client, f"/questions/{YOUR_ACNE.slug}")
    assert step_2.lang == "es" and "Paso 2 de 6" in step_2.text
    step_1 = page(client, f"/questions/{ABOUT_YOU.slug}")
    assert 'value="Ada Lovelace"' in step_1.markup


def test_the_language_link_does_not_send_the_patient_to_another_site(client):
    for target in ("https://example.com/", "//example.com/", "javascript:alert(1)"):
        response = client.get("/language/es", query_string={"next": target})
        assert response.status_code == 302
        assert "example.com" not in response.location
        assert "javascript" not in response.location


# --- Every step page --------------------------------------------------------------------


@pytest.mark.parametrize("step", STEPS, ids=[s.slug for s in STEPS])
def test_every_step_page_is_in_spanish(client, patient, step):
    choose_spanish(client)
    patient.start()
    # As Female, so that the question asked only then is on step 2 too.
    assert patient.answer_step(ABOUT_YOU.slug, answers(sex="female")).status_code == 302
    shown = page(client, f"/questions/{step.slug}")

    assert shown.lang == "es"
    assert f"Paso {step.number} de 6" in shown.texts("caption")
    assert shown.texts("heading-l") == [es(step.title)]
    assert shown.title == (
        f"{es(step.title)} (paso {step.number} de 6) – Acné y Bótox: cuestionario antes de la consulta"
    )
    assert "Continuar" in shown.texts("button")
    for question in step.questions:  # conditional questions are on the page, hidden
        assert es(question.label) in shown.text, question.id
        if question.hint:
            assert es(question.hint) in shown.texts("hint"), question.id
        for option in question.options:
            assert es(option.label) in shown.texts("choice__label"), (question.id, option.id)
            if option.hint:
                assert es(option.hint) in shown.texts("hint"), (question.id, option.id)
        if not question.required:
            assert "(opcional)" in shown.text
    # No English wording is left on the page.
    english = [step.title, "Step ", "Continue", "Select all that apply", "(optional)", "Back"]
    for question in step.questions:
        english.append(question.label)
        english += [o.label for o in question.options if es(o.label) != o.label]
        english += [o.hint for o in question.options if o.hint]
        english += [question.hint] if question.hint else []
    for text in english:
        assert not has_words(shown.text, text), text


def test_the_back_link_and_the_body_part_back_read_differently(client, patient):
    choose_spanish(client)
    patient.start()
    shown = page(client, f"/questions/{YOUR_ACNE.slug}")
    assert "Espalda" in shown.texts("choice__label")
    assert shown.texts("back-link") in (["Atrás"], ["Volver"])


def test_step_1_reads_as_written_in_spanish(client, patient):
    choose_spanish(client)
    patient.start()
    shown = page(client, f"/questions/{ABOUT_YOU.slug}")
    assert "Paso 1 de 6" in shown.text
    for text in (
        "Sus datos",
        "Nombre completo",
        "Fecha de nacimiento",
        "Por ejemplo, 27 3 1990",
        "Fecha de la cita (opcional)",
        "Número de teléfono (opcional)",
        "Día",
        "Mes",
        "Año",
    ):
        assert text in shown.text, text


def test_medical_terms_on_the_treatment_and_safety_steps(client, patient):
    choose_spanish(client)
    patient.start()
    treatments = page(client, f"/questions/{TREATMENTS.slug}").text
    assert "Isotretinoína (Roaccutane, Accutane)" in treatments
    assert "Inyecciones de toxina botulínica (Bótox) para el acné" in treatments
    assert es("When did you stop isotretinoin?") in treatments
    assert es("How well has isotretinoin worked for you?") in treatments
    health = page(client, f"/questions/{HEALTH.slug}").text
    for text in (
        "Miastenia gravis",
        "Síndrome de Lambert-Eaton",
        "Enfermedad de la motoneurona (ELA)",
        "Anticoagulantes",
        "warfarina, apixabán, clopidogrel",
        "(por ejemplo ibuprofeno)",
        es("An antibiotic injection or drip in the last month (for example gentamicin)"),
        es("Difficulty swallowing, or a breathing problem such as severe asthma or COPD"),
        "Relajantes musculares",
        "Ninguna de las anteriores",
    ):
        assert text in health, text
    acne = page(client, f"/questions/{YOUR_ACNE.slug}").text
    assert "Puntos negros o blancos" in acne


# --- Errors -----------------------------------------------------------------------------


def test_an_empty_first_step_shows_the_error_summary_in_spanish(client, patient):
    choose_spanish(client)
    patient.start()
    response = patient.post_step(ABOUT_YOU.slug, {})
    assert response.status_code == 200
    shown = Html.of(response)

    assert shown.lang == "es"
    assert shown.title.startswith("Error: Sus datos (paso 1 de 6)")
    assert shown.texts("error-summary__title") == ["Hay un problema"]
    summary = [text for href, text in shown.links if href.startswith("#")]
    assert "Escriba su nombre completo" in summary
    assert "Escriba su fecha de nacimiento" in summary
    assert ("#full_name", "Escriba su nombre completo") in shown.links
    assert ("#date_of_birth-day", "Escriba su fecha de nacimiento") in shown.links
    inline = shown.texts("error-message")
    assert "Error: Escriba su nombre completo" in inline
    assert "Error: Escriba su fecha de nacimiento" in inline
    for english in ("There is a problem", "Enter your full name", "Enter your date of birth"):
        assert english not in shown.text


def test_typed_answer_errors_are_in_spanish_and_what_was_typed_stays(client, patient):
    choose_spanish(client)
    patient.start()
    response = patient.post_step(
        ABOUT_YOU.slug,
        {
            "full_name": "José Núñez",
            "date_of_birth-day": "27",
            "date_of_birth-month": "",
            "date_of_birth-year": "1990",
            "appointment_date-day": "31",
            "appointment_date-month": "2",
            "appointment_date-year": "2099",
            "phone": "llámeme",
        },
    )
    shown = Html.of(response)
    assert shown.title.startswith("Error: ")
    inline = shown.texts("error-message")
    assert "Error: Fecha de nacimiento: debe incluir el mes" in inline
    assert "Error: Fecha de la cita: debe ser una fecha que exista" in inline
    assert (
        "Error: El número de teléfono solo puede contener dígitos, espacios, +, - y paréntesis"
        in inline
    )
    assert 'value="José Núñez"' in shown.markup
    assert 'value="llámeme"' in shown.markup


def test_a_date_error_in_spanish(client, patient):
    choose_spanish(client)
    patient.start()
    response = patient.answer_step(ABOUT_YOU.slug, answers(date_of_birth="2099-01-01"))
    assert "Error: Fecha de nacimiento: debe ser una fecha pasada" in Html.of(response).texts(
        "error-message"
    )
    response = patient.answer_step(ABOUT_YOU.slug, answers(appointment_date="2000-01-01"))
    assert "Error: Fecha de la cita: debe ser hoy o una fecha futura" in Html.of(response).texts(
        "error-message"
    )
    too_young = date.today().replace(year=date.today().year - 5, day=1).isoformat()
    response = patient.answer_step(ABOUT_YOU.slug, answers(date_of_birth=too_young))
    assert "Error: Debe tener 12 años o más para usar este formulario" in Html.of(response).texts(
        "error-message"
    )


def test_none_with_another_choice_is_refused_in_spanish(client, patient):
    choose_spanish(client)
    patient.start()
    response = patient.post_step(
        TREATMENTS.slug, {"treatments_now": ["pharmacy", "none"], "treatments_before": ["none"]}
    )
    shown = Html.of(response)
    assert (
        "«Ninguno» no se puede combinar con otras opciones: desmarque «Ninguno» o las demás opciones"
        in shown.texts("error-message")[0]
    )
    response = patient.post_step(HEALTH.slug, {"conditions": ["myasthenia_gravis", "none"]})
    assert any(
        "«Ninguna de las anteriores» no se puede combinar" in text
        for text in Html.of(response).texts("error-message")
    )


def test_every_required_message_is_in_spanish(client, patient):
    """Post each step empty: every required question's message is the catalogue's Spanish."""
    choose_spanish(client)
    patient.start()
    for step in STEPS:
        shown = Html.of(patient.post_step(step.slug, {}))
        inline = shown.texts("error-message")
        for question in step.visible_questions({}):
            if question.required:
                assert f"Error: {es(question.required_message)}" in inline, question.id
                assert question.required_message not in shown.text, question.id


def test_the_revealed_question_notice_is_in_spanish(client, patient):
    choose_spanish(client)
    patient.start()
    # Without JavaScript: the conditional questions were not shown when Continue was pressed.
    response = patient.post_step(
        TREATMENTS.slug, {"treatments_now": ["none"], "treatments_before": ["isotretinoin"]}
    )
    shown = Html.of(response)
    assert shown.status == 200
    assert (
        "Hemos añadido preguntas según su respuesta. Por favor, respóndalas y pulse «Continuar»."
        in shown.text
    )
    for question_id in ("response_isotretinoin", "isotretinoin_stopped", "isotretinoin_relapse"):
        assert es(QUESTIONS[question_id].label) in shown.text, question_id
    response = patient.post_step(
        TREATMENTS.slug, {"treatments_now": ["none"], "treatments_before": ["none"]}
    )
    assert response.status_code == 302  # nothing revealed by "None"


def test_a_page_not_found_is_in_spanish(client):
    choose_spanish(client)
    response = client.get("/questions/no-such-step")
    assert response.status_code == 404
    shown = Html.of(response)
    assert shown.lang == "es"
    assert "No se ha encontrado la página" in shown.text
    assert "Ir a la página de inicio" in shown.text


# --- Check answers and confirmation -----------------------------------------------------


def test_check_answers_is_in_spanish_with_answers_in_spanish_words(client, patient):
    given = answers(
        locations=["cheeks", "chin_jawline", "back"],
        treatments_now=["prescription_topical"],
        treatments_before=["isotretinoin"],
        response_prescription_topical="too_soon",
        response_isotretinoin="helped_somewhat",
        isotretinoin_stopped="6_to_12_months",
        isotretinoin_relapse="no",
        medicines=["blood_thinners", "muscle_relaxants"],
        phone=None,
    )
    choose_spanish(client)
    patient.answer_all(given)
    shown = page(client, "/check-answers")

    assert shown.lang == "es"
    assert shown.title.startswith("Revise sus respuestas – ")
    assert shown.texts("heading-l") == ["Revise sus respuestas"]
    assert [t for t in shown.texts("heading-m") if t != "Ahora envíe sus respuestas"] == [
        es(step.title) for step in STEPS
    ]
    rows = shown.answers_on_check_page()
    assert rows["Nombre completo"] == "Ada Lovelace"
    assert rows["Fecha de nacimiento"] == "27 de marzo de 1990"
    appointment = date.fromisoformat(given["appointment_date"])
    assert rows["Fecha de la cita"] == format_date(appointment, "long", locale="es")
    assert rows["Número de teléfono"] == "Sin respuesta"
    assert rows["¿Qué tipos de granos tiene?"] == "Puntos negros o blancos"
    assert rows["¿Dónde le sale el acné?"] == "Mejillas, Mentón y mandíbula, Espalda"
    assert rows["¿Cuánto tiempo hace que tiene acné?"] == "De 6 a 12 meses"
    assert rows[es("Which acne treatments are you using now?")] == "Cremas o geles con receta"
    assert rows[es("Which acne treatments have you used before and stopped?")] == (
        "Isotretinoína (Roaccutane, Accutane)"
    )
    assert rows[es("When did you stop isotretinoin?")] == "Hace entre 6 y 12 meses"
    assert rows["¿Tiene alguna de estas enfermedades?"] == "Ninguna de las anteriores"
    assert rows["¿Toma alguno de estos medicamentos?"] == (
        "Anticoagulantes u otros medicamentos contra los coágulos "
        "(por ejemplo warfarina, apixabán, clopidogrel), Relajantes musculares"
    )
    # Every answer, in the catalogue's Spanish, under its Spanish question.
    for question_id, value in given.items():
        question = QUESTIONS[question_id]
        label = es(question.label)
        if question.kind in (Kind.ONE_OF, Kind.ANY_OF):
            chosen = value if isinstance(value, list) else [value]
            assert rows[label] == ", ".join(es(question.option_label(v)) for v in chosen)
        elif question.kind is not Kind.DATE:
            assert rows[label] == " ".join(value.split())
    assert shown.texts("link").count("Cambiar " + es(STEPS[0].title).lower()) == 1
    assert "Confirmo que, hasta donde yo sé, estas respuestas son correctas" in shown.text
    assert "Enviar" in shown.texts("button")
    for english in ("Check your answers", "Not provided", "March", "Cheeks", "Change", "Submit"):
        assert english not in shown.text, english


def test_the_confirmation_box_error_is_in_spanish(client, patient):
    choose_spanish(client)
    patient.answer_all(answers())
    response = patient.submit(confirmed=False)
    assert response.status_code == 200
    shown = Html.of(response)
    assert shown.title.startswith("Error: Revise sus respuestas")
    assert shown.texts("error-summary__title") == ["Hay un problema"]
    assert (
        "#confirmed",
        "Confirme que sus respuestas son correctas y que acepta compartirlas",
    ) in shown.links


def test_the_confirmation_page_is_in_spanish(app, client, patient):
    choose_spanish(client)
    patient.answer_all(answers())
    reference = submit_in_spanish(patient)
    shown = page(client, "/confirmation")
    assert shown.lang == "es"
    assert shown.title.startswith("Respuestas enviadas – ")
    assert f"Su código de referencia es {reference}" in shown.text
    assert "Qué ocurre ahora" in shown.text
    assert "Su dermatólogo leerá sus respuestas antes de la cita" in shown.text
    assert "Your reference" not in shown.text and "What happens next" not in shown.text
    assert [s.reference for s in stored(app)] == [reference]


# --- What is stored ---------------------------------------------------------------------

TYPED = {
    "full_name": "José Ñúñez-García d'Alembert",
    "treatment_notes": "Usé peróxido de benzoílo al 5 % durante un año; «no funcionó».\nTambién: ácido azelaico.",
    "allergies": "Alergia a la penicilina (¡grave!) & al látex <no sé>.",
    "questions_for_dermatologist": "¿Cuántas sesiones necesitaría? ¿Duele? ¿Cuánto dura el efecto?",
}


def test_a_whole_walk_in_spanish_stores_ids_language_and_the_text_as_typed(app):
    given = answers(
        **TYPED,
        spot_types=["red_bumps", "pus_filled"],
        treatments_now=["botox"],
        treatments_before=["isotretinoin"],
        response_botox="too_soon",
        response_isotretinoin="did_not_help",
        isotretinoin_stopped="over_12_months",
        isotretinoin_relapse="yes",
        goals=["less_oily", "learn_botox"],
    )
    in_english = Patient(app.test_client())
    in_spanish_client = app.test_client()
    in_spanish = Patient(in_spanish_client)
    choose_spanish(in_spanish_client)

    english_reference = in_english.complete(given)
    in_spanish.answer_all(given)
    assert page(in_spanish_client, "/check-answers").lang == "es"
    spanish_reference = submit_in_spanish(in_spanish)

    by_reference = {s.reference: s for s in stored(app)}
    english, spanish = by_reference[english_reference], by_reference[spanish_reference]
    assert english.language == "en"
    assert spanish.language == "es"
    assert spanish.answers == english.answers == given  # option ids, not words, in any language
    for question_id, text in TYPED.items():
        assert spanish.answers[question_id] == text
    assert spanish.patient_name == TYPED["full_name"]


def test_the_clinicians_pdf_of_a_spanish_submission_is_english_and_says_spanish(
    app, client, patient
):
    choose_spanish(client)
    patient.answer_all(answers(**TYPED, spot_types=["nodules"], marks="scars"))
    reference = submit_in_spanish(patient)
    (submission,) = stored(app)
    assert submission.reference == reference
    pdf = stored_pdf(app, reference)
    assert pdf and pdf.startswith(b"%PDF")

    # The PDF's layout and clinical wording are the PDF tests' (tests/pdf); here, its language.
    text = pdf_text(pdf)
    assert "Pre-consultation summary: acne and botulinum toxin" in text
    assert re.search(r"Language:? Spanish", text), text[:1500]
    assert "Large, painful lumps under the skin" in text
    assert "Which types of spots do you have?" in text
    # The patient's own words, verbatim; nothing of the Spanish interface.
    assert "José Ñúñez-García" in text
    assert "¿Cuántas sesiones necesitaría?" in text
    for spanish in ("Bultos grandes", "¿Qué tipos de granos tiene?", "Cicatrices", "Español"):
        assert spanish not in text, spanish


# --- The clinic side stays English ------------------------------------------------------


def test_the_clinic_pages_stay_in_english_after_choosing_espanol(client):
    choose_spanish(client)
    assert page(client, "/").lang == "es"

    login = page(client, "/clinic/login")
    assert login.lang == "en"
    assert "Sign in" in login.text
    assert "Iniciar" not in login.text and "Idioma" not in login.text

    token = re.search(r'name="csrf_token" value="([^"]+)"', login.markup).group(1)
    refused = Html.of(client.post("/clinic/login", data={"csrf_token": token}))
    assert refused.lang == "en"
    assert "There is a problem" in refused.text
    assert "Hay un problema" not in refused.text
    assert refused.title.startswith("Error: ")

    # ...and the patient's own pages are still Spanish afterwards.
    assert page(client, "/").lang == "es"
