"""Languages of the patient side (Flask-Babel). The clinic side and the PDF stay in English."""

from __future__ import annotations

import functools

from babel import Locale
from flask import Flask, request, session
from flask_babel import Babel, format_date, get_translations
from jinja2 import pass_context
from markupsafe import Markup

from intake import languages, questionnaire

SESSION_KEY = "lang"

babel = Babel()


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=lambda: _locale(current_language()))
    # Jinja's i18n functions (newstyle: %(name)s placeholders, the result autoescaped), each
    # reading the request's catalogue from the template context: a page asks for a dozen.
    app.jinja_env.globals.update(
        _=_gettext, gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext, npgettext=_npgettext
    )
    app.jinja_env.newstyle_gettext = True  # type: ignore[attr-defined]  # jinja2.ext.i18n adds it

    @app.context_processor
    def language_context():
        language = current_language()
        catalogue = _translations(language)
        return {
            "languages": languages.LANGUAGES,
            "current_language": language,
            "catalogue": catalogue,
            "words": _questionnaire_wording(language, catalogue),
        }


@functools.cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)  # once per language, not per request


_catalogues: dict[str, object] = {}


def _translations(language: str | None = None):
    """The catalogue of this request's language: Flask-Babel loads it once per process."""
    language = language or current_language()
    catalogue = _catalogues.get(language)
    if catalogue is None:
        catalogue = _catalogues[language] = get_translations()
    return catalogue


def _translated(context, text: str, variables: dict):
    """As Jinja's newstyle gettext: always a format string; Markup when autoescaping."""
    if context.eval_ctx.autoescape:
        text = Markup(text)
    # Formatting a text with no % sign changes nothing: most messages are skipped here.
    return text % variables if variables or "%" in text else text


def _catalogue(context):
    # Macros rendered outside a page's context (intake.fragments) have no catalogue in it.
    return context.get("catalogue") or _translations()


@pass_context
def _gettext(context, message: str, **variables):
    return _translated(context, _catalogue(context).ugettext(message), variables)


@pass_context
def _ngettext(context, singular: str, plural: str, number: int, **variables):
    variables.setdefault("num", number)
    text = _catalogue(context).ungettext(singular, plural, number)
    return _translated(context, text, variables)


@pass_context
def _pgettext(context, message_context: str, message: str, **variables):
    variables.setdefault("context", message_context)
    text = _catalogue(context).upgettext(message_context, message)
    return _translated(context, text, variables)


@pass_context
def _npgettext(context, message_context: str, singular: str, plural: str, number: int, **variables):
    variables.setdefault("context", message_context)
    variables.setdefault("num", number)
    text = _catalogue(context).unpgettext(message_context, singular, plural, number)
    return _translated(context, text, variables)


_wording_by_language: dict[str, dict[str, str]] = {}


def _questionnaire_wording(language: str, translations) -> dict[str, str]:
    """The questionnaire's texts in one language, translated once per process, not per page."""
    if language not in _wording_by_language:
        _wording_by_language[language] = {
            text: translations.ugettext(text) for text in questionnaire.wording()
        }
    return _wording_by_language[language]


def current_language() -> str:
    """The patient's choice for this visit; staff pages are always English."""
    if request and request.blueprint == "clinic":
        return languages.SOURCE
    chosen = session.get(SESSION_KEY)
    return chosen if chosen in languages.BY_CODE else languages.SOURCE


def choose(language: str) -> bool:
    if language not in languages.BY_CODE:
        return False
    session[SESSION_KEY] = language
    return True


def patient_date(value) -> str:
    """A date in words in the patient's language: 27 March 1990, 27 de marzo de 1990."""
    day = questionnaire.parse_date(value)
    return format_date(day, languages.BY_CODE[current_language()].date_format)
