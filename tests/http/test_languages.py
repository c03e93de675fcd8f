"""One table names the patient side's languages (intake.languages): a language added to it
shows up everywhere a language is offered, chosen, written or named, with no other change."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from intake import languages, summaries
from intake.extensions import db
from intake.fhir.resources import DEVELOPMENT_BASE, questionnaire_resource
from intake.languages import Language
from intake.models import Submission
from tests.factories import answers
from tests.support import Html

FRENCH = Language("fr", "Français", "French")


@pytest.fixture
def french(monkeypatch):
    """French added to the table, as a new row would add it (it has no catalogue yet)."""
    monkeypatch.setattr(languages, "LANGUAGES", (*languages.LANGUAGES, FRENCH))
    return FRENCH


def test_every_language_of_the_table_is_offered_by_its_own_name(client):
    start = Html.of(client.get("/"))
    for language in languages.LANGUAGES:
        if language.code != languages.SOURCE:  # the page is in English: English is current
            assert (f"/language/{language.code}", language.own_name) in start.links


def test_a_language_added_to_the_table_is_offered_chosen_and_named(app, client, patient, french):
    start = Html.of(client.get("/"))
    assert ("/language/fr", "Français") in start.links

    assert client.get("/language/fr").status_code == 302
    patient.answer_all(answers(date_of_birth="1990-03-27"))
    check = Html.of(client.get("/check-answers"))
    assert check.lang == "fr"
    assert "27 mars 1990" in check.text  # a date in words in French, from Babel's own data
    patient.complete_after_answers()

    with app.app_context():
        submission = db.session.scalar(select(Submission))
        assert submission.language == "fr"
        assert languages.english_name(submission.language) == "French"
        assert summaries.render(submission, app.config["TIMEZONE"])  # renders with it
        db.session.remove()


def test_the_clinic_and_the_pdf_name_the_language_in_english(app):
    with app.test_request_context():
        name = app.jinja_env.filters["language_name"]
        assert [name(language.code) for language in languages.LANGUAGES] == [
            language.english_name for language in languages.LANGUAGES
        ]
        assert name("xx") == "xx"  # an unknown code is shown as it is, never hidden


def test_fhir_offers_translations_for_every_translated_language_with_a_catalogue(french):
    first_step = questionnaire_resource(base=DEVELOPMENT_BASE)["item"][0]
    offered = {
        part["valueCode"]
        for extension in first_step["_text"]["extension"]
        for part in extension["extension"]
        if part["url"] == "lang"
    }
    assert offered == {"es"}  # French is in the table, but has no catalogue to translate with
