"""Page fragments that are the same for every patient: rendered once per language, then reused.

Most of a step's rendering time goes on its answer options, whose markup depends only on
the question and the language; whether an option is chosen is all that changes from one
patient to the next. So each option is rendered once per language in both states and kept.
The markup itself stays in the template (`choice_option` in macros/fields.html); with
template auto-reload on (debug), nothing is kept, so an edited template shows at once.
"""

from __future__ import annotations

from flask import Flask
from jinja2 import pass_context
from markupsafe import Markup

from intake.questionnaire import Question

TEMPLATE = "macros/fields.html"

_kept: dict[tuple[str, str], list[tuple[str, Markup, Markup]]] = {}


def init_app(app: Flask) -> None:
    app.add_template_global(choice_options)


@pass_context
def choice_options(context, question: Question, chosen: list) -> Markup:
    """The question's answer options, those whose id is in `chosen` ticked."""
    # Every part is markup the template rendered (patient values never reach it): join as is.
    return Markup(
        "\n".join(
            ticked if option_id in chosen else plain
            for option_id, plain, ticked in _options(context, question)
        )
    )


def _options(context, question: Question) -> list[tuple[str, Markup, Markup]]:
    """(option id, markup when not chosen, markup when chosen) for each option, kept."""
    key = (context["current_language"], question.id)
    environment = context.environment
    if environment.auto_reload:
        return _render_options(environment, question, context["words"])
    options = _kept.get(key)
    if options is None:
        options = _kept[key] = _render_options(environment, question, context["words"])
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
