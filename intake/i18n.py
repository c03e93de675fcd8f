"""Languages of the patient side (Flask-Babel). The clinic side and the PDF stay in English."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from babel import Locale
from babel import dates as babel_dates
from flask import Flask, g, request, session
from flask_babel import Babel, force_locale, get_translations

from intake import languages, questionnaire

SESSION_KEY = "lang"

babel = Babel()


def init_app(app: Flask) -> None:
    # Flask-Babel also installs Jinja's i18n functions (newstyle: %(name)s placeholders);
    # they are replaced by the same functions reading the request's catalogue once: Flask-Babel's
    # look it up again for every message (about 30 a step page, most of a page's time).
    babel.init_app(app, locale_selector=lambda: _locale(current_language()))
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )

    @app.context_processor
    def language_context():
        language = current_language()
        return {
            "languages": languages.LANGUAGES,
            "current_language": language,
            "words": _questionnaire_wording(language),
        }


def _translations():
    """This request's catalogue, looked up once per request."""
    try:
        return g.translations
    except AttributeError:
        g.translations = get_translations()
        return g.translations


@functools.cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)  # once per language, not per request


_wording_by_language: dict[str, dict[str, str]] = {}


def _questionnaire_wording(language: str) -> dict[str, str]:
    """The texts of every questionnaire version in one language, translated once per process,
    not per page: the clinic shows an older submission with its own version's questions."""
    if language not in _wording_by_language:
        translations = get_translations()
        _wording_by_language[language] = {
            text: translations.ugettext(text)
            for version in questionnaire.VERSIONS.values()
            for text in version.wording()
        }
    return _wording_by_language[language]


def current_language() -> str:
    """The patient's choice for this visit; staff pages are always English."""
    if request and request.blueprint == "clinic":
        return languages.SOURCE
    language = languages.find(session.get(SESSION_KEY) or g.get("suggested_language"))
    return languages.SOURCE if language is None else language.code


def suggest(language: str) -> None:
    """This page's language when the patient has chosen none (an invitation's language),
    without writing the session: opening an invitation link must set no cookie."""
    g.suggested_language = language


def choose(language: str) -> bool:
    if languages.find(language) is None:
        return False
    session[SESSION_KEY] = language
    return True


def patient_date(value) -> str:
    """A date in words in the patient's language: 27 March 1990, 27 de marzo de 1990."""
    return date_in_words(questionnaire.parse_date(value), current_language())


def date_in_words(day, code: str) -> str:
    """A date as a language writes it in words (its row of intake.languages); a code not in
    the table is written as the source language writes it."""
    language = languages.find(code) or languages.find(languages.SOURCE)
    assert language is not None  # the source language is always in the table
    return babel_dates.format_date(day, language.date_format, locale=language.code)


@contextmanager
def in_language(code: str) -> Iterator[None]:
    """Wording in one patient's language, whatever the page's (an email or a letter sent from
    the clinic's English pages): the request's catalogue kept in g is put aside meanwhile."""
    saved = g.pop("translations", None)
    try:
        with force_locale(code):
            yield
    finally:
        g.pop("translations", None)
        if saved is not None:
            g.translations = saved
