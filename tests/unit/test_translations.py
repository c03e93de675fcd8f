"""Every language's catalogue complete, placeholders kept, compiled and in step with the code;
and the Spanish reading well.

See intake/translations/README.md for the extract / update / compile commands these
tests stand behind.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from intake import languages
from intake.questionnaire import STEPS, Kind

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "intake" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
ANY_PERCENT = re.compile(r"%(?:\(\w+\))?.")  # every %-sequence, to catch a mangled placeholder


def _po(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def _read_po(language: str):
    with _po(language).open("rb") as f:
        return read_po(f, locale=language)


@pytest.fixture(scope="module", params=languages.translated())
def catalog(request):
    """Each translated language's catalogue in turn."""
    return _read_po(request.param)


@pytest.fixture(scope="module")
def spanish_catalog():
    return _read_po("es")


def _messages(catalog):
    return [message for message in catalog if message.id]


def _ids(message) -> tuple[str, ...]:
    return tuple(message.id) if message.pluralizable else (message.id,)


def _strings(message) -> tuple[str, ...]:
    return tuple(message.string) if message.pluralizable else (message.string,)


def _label(message) -> str:
    return _ids(message)[0][:70]


def spanish(catalog, english: str) -> str:
    message = catalog.get(english)
    assert message is not None, f"not in the catalogue: {english!r}"
    return message.string


# --- Complete ---------------------------------------------------------------------------


def test_every_catalogue_is_a_language_of_the_table_and_every_language_has_one():
    folders = {path.parent.parent.name for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")}
    assert folders == set(languages.translated())
    assert languages.SOURCE not in languages.translated()


def test_the_spanish_catalogue_has_two_plural_forms(spanish_catalog):
    assert str(spanish_catalog.locale) == "es"
    assert spanish_catalog.num_plurals == 2
    assert spanish_catalog.plural_expr.replace(" ", "") in {"(n!=1)", "n!=1"}


def test_every_message_has_a_translation(catalog):
    untranslated = [
        _label(message)
        for message in _messages(catalog)
        if not all(s and s.strip() for s in _strings(message))
    ]
    assert not untranslated


def test_plural_messages_have_every_form_of_the_language(catalog):
    plurals = [message for message in _messages(catalog) if message.pluralizable]
    assert plurals, "the step page's 'We have added questions' notice is a plural message"
    for message in plurals:
        assert len(message.string) == catalog.num_plurals, _label(message)
        assert all(message.string), _label(message)
        assert len(set(message.string)) > 1, _label(message)


def test_no_message_is_fuzzy(catalog):
    assert not catalog.fuzzy, "the header is marked fuzzy"
    assert not [_label(message) for message in _messages(catalog) if message.fuzzy]


def test_no_obsolete_messages_are_left_in_the_catalogue(catalog):
    assert not catalog.obsolete


# --- Placeholders -----------------------------------------------------------------------


def test_every_placeholder_is_kept_in_translation(catalog):
    for message in _messages(catalog):
        ids, strings = _ids(message), _strings(message)
        if message.pluralizable:
            # The first form goes with the English singular, every other form with the plural.
            singular, plural = ids
            pairs = [(singular, strings[0]), *((plural, form) for form in strings[1:])]
        else:
            pairs = [(ids[0], strings[0])]
        for english, translated in pairs:
            assert set(PLACEHOLDER.findall(translated)) == set(PLACEHOLDER.findall(english)), (
                english,
                translated,
            )


def test_no_stray_percent_sign_that_would_break_formatting(catalog):
    for message in _messages(catalog):
        for english, translated in zip(_ids(message), _strings(message), strict=False):
            allowed = set(ANY_PERCENT.findall(english)) | {"%%"}
            assert set(ANY_PERCENT.findall(translated)) <= allowed, (english, translated)


def test_python_format_flag_matches_the_english(catalog):
    for message in _messages(catalog):
        if any(PLACEHOLDER.search(s) for s in _ids(message)):
            assert message.python_format, _label(message)


# --- Compiled ---------------------------------------------------------------------------


def test_the_committed_mo_is_the_compiled_po(catalog):
    """A .po edited without running `pybabel compile` fails here."""
    mo = _po(str(catalog.locale)).with_suffix(".mo")
    assert mo.exists(), "run: pybabel compile -d intake/translations --statistics"
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    fresh = read_mo(buffer)
    with mo.open("rb") as f:
        committed = read_mo(f)

    def frozen(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value

    def table(compiled) -> dict:
        return {frozen(message.id): frozen(message.string) for message in compiled if message.id}

    assert table(committed) == table(fresh)


# --- In step with the code --------------------------------------------------------------


def test_the_catalogue_holds_exactly_the_messages_marked_in_the_code(catalog, tmp_path):
    """Extract again as the README says: the .po holds every marked message and no other."""
    pot = tmp_path / "messages.pot"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(TRANSLATIONS / "babel.cfg"),
            "-k",
            "lazy_gettext",
            "--no-location",
            "--sort-by-file",
            "--project",
            "Intake",
            "--copyright-holder",
            "Intake",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    with pot.open("rb") as f:
        extracted = {_ids(message) for message in read_po(f) if message.id}
    in_po = {_ids(message) for message in _messages(catalog)}
    assert extracted - in_po == set(), "new wording: run pybabel extract and update, translate"
    assert in_po - extracted == set(), "wording no longer used: run pybabel extract and update"


def _questionnaire_wording() -> list[str]:
    texts = []
    for step in STEPS:
        texts.append(step.title)
        for question in step.questions:
            texts.append(question.label)
            texts.extend(
                text
                for text in (question.hint, question.required_message, question.pattern_message)
                if text
            )
            texts.extend(option.label for option in question.options)
    return texts


def test_every_questionnaire_text_is_translated(catalog):
    wording = _questionnaire_wording()
    assert len(wording) > 150
    missing = [text for text in wording if not (catalog.get(text) and catalog.get(text).string)]
    assert not missing


def test_required_questions_have_a_required_message_to_translate():
    """Without one, the patient would see an empty error message in any language."""
    for step in STEPS:
        for question in step.questions:
            if question.required:
                assert question.required_message, question.id


# --- Wording that must read well in Spanish ---------------------------------------------


def test_every_spanish_question_opens_with_an_inverted_question_mark(spanish_catalog):
    for message in _messages(spanish_catalog):
        for translated in _strings(message):
            assert translated.count("¿") == translated.count("?"), translated
            assert translated.count("¡") == translated.count("!"), translated


def test_typed_answer_labels_can_start_an_error_message(spanish_catalog):
    """Validators start messages with the label minus a trailing "?" ("%(name)s: debe ...").

    A Spanish question would keep its opening "¿" there, so these labels are not questions.
    """
    for step in STEPS:
        for question in step.questions:
            if question.kind in (Kind.TEXT, Kind.LONG_TEXT, Kind.DATE):
                assert not spanish(spanish_catalog, question.label).startswith("¿"), question.id


def test_usted_throughout_never_tu(spanish_catalog):
    """A clinic form: the patient is addressed as usted, never with tú forms."""
    # Only unambiguous tú forms: "revisa", "indica" and the like are also usted's indicative.
    tu = re.compile(
        r"\b(tú|tu|tus|te|ti|contigo|tienes|puedes|has|eres|estás|sabes|quieres|usas|tomas)\b",
        re.IGNORECASE,
    )
    for message in _messages(spanish_catalog):
        for translated in _strings(message):
            assert not tu.search(translated), translated


def test_error_prefix_and_key_terms(spanish_catalog):
    catalog = spanish_catalog
    assert spanish(catalog, "Error:") == "Error:"
    assert spanish(catalog, "Step %(number)s of %(total)s") == "Paso %(number)s de %(total)s"
    assert "isotretinoína" in spanish(catalog, "Isotretinoin (Roaccutane, Accutane)").lower()
    assert "toxina botulínica" in spanish(catalog, "Botulinum toxin (Botox) injections for acne")
    assert "miastenia gravis" in spanish(catalog, "Myasthenia gravis").lower()
    assert "Lambert-Eaton" in spanish(catalog, "Lambert-Eaton syndrome")
    assert "ELA" in spanish(
        catalog, "Motor neurone disease (ALS) or another nerve or muscle disease"
    )
    assert "gentamicina" in spanish(catalog, "Aminoglycoside antibiotics (for example gentamicin)")
    # "None" (of the treatments) and "None of these" read differently, and the hints
    # and messages that quote them quote the same words.
    none, none_of_these = spanish(catalog, "None"), spanish(catalog, "None of these")
    assert none != none_of_these
    assert f"«{none}»" in spanish(catalog, "Select all that apply, or None.")
    assert f"«{none}»" in spanish(catalog, "Select the treatments you have tried, or None")
    for english in (
        "Select all that apply, or None of these.",
        "Select the conditions you have, or None of these",
        "Select the medicines you take, or None of these",
    ):
        assert f"«{none_of_these}»" in spanish(catalog, english)
    not_sure = spanish(catalog, "I'm not sure")
    assert f"«{not_sure}»" in spanish(
        catalog, "Select the types of spots you have, or I'm not sure"
    )
