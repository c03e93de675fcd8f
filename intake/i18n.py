"""Languages of the patient side (Flask-Babel). The clinic side and the PDF stay in English."""

from __future__ import annotations

from babel import Locale
from flask import Flask, g, request, session
from flask_babel import Babel, format_date, get_translations

from intake import questionnaire

LANGUAGES = {"en": "English", "es": "Español"}  # each named in its own language
SESSION_KEY = "lang"

babel = Babel()
_LOCALES = {code: Locale.parse(code) for code in LANGUAGES}  # parsed once, not per request


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=lambda: _LOCALES[current_language()])
    # A page asks for some fifty translations: look the catalogue up once per request.
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: _translations().ugettext(text),
        ngettext=lambda one, many, n: _translations().ungettext(one, many, n),
        pgettext=lambda context, text: _translations().upgettext(context, text),
        npgettext=lambda context, one, many, n: _translations().unpgettext(context, one, many, n),
        newstyle=True,
    )

    @app.context_processor
    def languages():
        language = current_language()
        return {
            "languages": LANGUAGES,
            "current_language": language,
            "words": _questionnaire_wording(language, _translations()),
        }


def _translations():
    cached = g.get("translations")
    if cached is None:
        cached = g.translations = get_translations()
    return cached


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
        return "en"
    chosen = session.get(SESSION_KEY)
    return chosen if chosen in LANGUAGES else "en"


def choose(language: str) -> bool:
    if language not in LANGUAGES:
        return False
    session[SESSION_KEY] = language
    return True


def patient_date(value) -> str:
    """A date in words in the patient's language: 27 March 1990, 27 de marzo de 1990."""
    day = questionnaire.parse_date(value)
    return format_date(day, "d MMMM y") if current_language() == "en" else format_date(day, "long")
