"""The languages of the patient side: the one table that names them.

Adding a language is a row here and its catalogue in intake/translations/ (see the README
there); everything else (the language links, the session's choice, dates in words, the
clinic's and the PDF's "Language", FHIR's translations) reads this table. The clinic side
and the PDF stay in English.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # BCP 47: the link, the session's choice, the catalogue's folder, FHIR's code
    own_name: str  # how the language link names it: in the language itself
    english_name: str  # how the clinic side and the PDF name it
    date_format: str = "long"  # a date in words, as Babel formats it (a named format or pattern)


SOURCE = "en"  # the language the questionnaire is written in: it has no catalogue of its own

LANGUAGES = (
    Language("en", "English", "English", date_format="d MMMM y"),  # 27 March 1990
    Language("es", "Español", "Spanish"),  # 27 de marzo de 1990
)


def find(code: str | None) -> Language | None:
    """The table's row for a language code, or None for a code the patient side does not offer."""
    return next((language for language in LANGUAGES if language.code == code), None)


def translated() -> tuple[str, ...]:
    """The codes of the languages with a catalogue: every one but the source's."""
    return tuple(language.code for language in LANGUAGES if language.code != SOURCE)


def english_name(code: str) -> str:
    """The language in English words, as the clinic reads it; an unknown code as it is."""
    language = find(code)
    return code if language is None else language.english_name
