"""Languages of the patient side (Flask-Babel). The clinic side and the PDF stay in English."""

from __future__ import annotations

import functools

from babel import Locale
from flask import Flask, g, request, session
from flask_babel import Babel, format_date, get_translations

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
    day = questionnaire.parse_date(value)
    language = languages.find(current_language())
    assert language is not None  # current_language() returns only codes of the table
    return format_date(day, language.date_format)
