"""Page fragments that are the same for every patient: rendered once per language, then reused.

Most of a step's rendering time goes on its choice questions, whose markup depends only on
the question and the language; which options are ticked is all that changes from one patient
to the next (an error changes more: a question with one is rendered in full). So each option
is rendered once per language in both states, and each choice question's markup around its
options once per language, and kept. The markup itself stays in the template (`question_field`
and `choice_option` in macros/fields.html); with template auto-reload on (debug), nothing is
kept, so an edited template shows at once.

The functions take the language and its words as arguments rather than the template's
context: Jinja hands a context-taking function a copy of the context for every call made in
a loop, which would cost more than the rendering saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app
from markupsafe import Markup

from intake.questionnaire import Question

TEMPLATE = "macros/fields.html"
_OPTIONS_GO_HERE = "\x00options\x00"  # in no template and no translation

_kept: dict[tuple[str, str], list[tuple[str, Markup, Markup]]] = {}
_kept_around: dict[tuple[str, str], tuple[str, str]] = {}


def init_app(app: Flask) -> None:
    app.add_template_global(choice_options)
    app.add_template_global(kept_choice_question)


def choice_options(question: Question, chosen: list, language: str, words: dict) -> Markup:
    """The question's answer options, those whose id is in `chosen` ticked."""
    # Every part is markup the template rendered (patient values never reach it): join as is.
    return Markup(_joined_options(question, chosen, language, words))


def kept_choice_question(question: Question, answer, language: str, words: dict) -> Markup:
    """A choice question without an error, as `question_field` renders it (label, hint and
    options), the options in `answer` (an option id, a list of them, or None) ticked."""
    before, after = _around_options(question, language, words)
    chosen = answer if isinstance(answer, list) else [answer]
    return Markup(before + _joined_options(question, chosen, language, words) + after)


def _joined_options(question: Question, chosen: list, language: str, words: dict) -> str:
    return "\n".join(
        ticked if option_id in chosen else plain
        for option_id, plain, ticked in _options(question, language, words)
    )


def _options(question: Question, language: str, words: dict) -> list[tuple[str, Markup, Markup]]:
    """(option id, markup when not chosen, markup when chosen) for each option, kept."""
    environment = current_app.jinja_env
    if environment.auto_reload:
        return _render_options(environment, question, words)
    key = (language, question.id)
    options = _kept.get(key)
    if options is None:
        options = _kept[key] = _render_options(environment, question, words)
    return options


def _render_options(environment, question: Question, words: dict[str, str]):
    render = environment.get_template(TEMPLATE).module.choice_option
    return [
        (
            option.id,
            render(question, option, index, False, words),
            render(question, option, index, True, words),
        )
        for index, option in enumerate(question.options)
    ]


@dataclass(frozen=True)
class _Unanswered:
    """What `question_field` reads of a form field, for a choice question without an error."""

    id: str
    data: None = None
    errors: list = field(default_factory=list)


def _around_options(question: Question, language: str, words: dict) -> tuple[str, str]:
    """The question's markup before and after its options, kept per language."""
    environment = current_app.jinja_env
    around = None if environment.auto_reload else _kept_around.get((language, question.id))
    if around is None:
        macros = environment.get_template(TEMPLATE).make_module(
            {"words": words, "current_language": language}
        )
        render = macros.question_field  # type: ignore[attr-defined]  # a macro of the template
        whole = render(question, _Unanswered(question.id), Markup(_OPTIONS_GO_HERE))
        before, after = str(whole).split(_OPTIONS_GO_HERE)
        around = (before, after)
        if not environment.auto_reload:
            _kept_around[language, question.id] = around
    return around
