"""The PDF's answers are built from the steps of the questionnaire version the patient answered:
every question they answered is printed with its wording and answer, including one the PDF code
never names."""

from __future__ import annotations

import dataclasses
import re

import pytest

from intake import questionnaire
from intake.questionnaire import Kind, Option, Question, answer_text
from tests.factories import answers, answers_2026_1
from tests.pdf.conftest import render_pdf

TREATMENTS = [
    "pharmacy",
    "prescription_topical",
    "antibiotic_tablets",
    "isotretinoin",
    "hormonal",
    "procedures",
    "botox",
]
# Every question of each version answered, the conditional ones included.
EVERY_QUESTION = {
    "2026.2": answers(
        sex="female",
        hormonal_features=["irregular_periods"],
        treatments_now=TREATMENTS[:3],
        treatments_before=TREATMENTS[3:],
        **{f"response_{t}": "helped_somewhat" for t in TREATMENTS},
        isotretinoin_stopped="over_12_months",
        isotretinoin_relapse="no",
        pregnant_breastfeeding="no",
        planning_pregnancy="no",
        conditions=["other_nerve_muscle"],
        nerve_muscle_disease="Inclusion body myositis",
        toxin_ever="yes",
        toxin_last="over_12_months",
        after_toxin=["none"],
    ),
    "2026.1": answers_2026_1(treatments=["pharmacy", "isotretinoin"], isotretinoin_last="now"),
}
VERSIONS = list(EVERY_QUESTION)


def flat(text: str) -> str:
    """Without whitespace: a label or answer wrapped over lines in a cell reads as one."""
    return "".join(text.split())


def printed_answers(q: Question, value) -> list[str]:
    """What the PDF prints for an answer: one line per chosen option, else the answer in words."""
    if q.kind is Kind.ANY_OF:
        return [q.option_label(option) for option in value]
    return [answer_text(q, value)]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_answered_question_of_a_complete_submission_is_in_the_pdf(version):
    given, q = EVERY_QUESTION[version], questionnaire.find(version)
    assert set(given) == set(q.questions), "the answers leave a question out"
    pdf = flat(render_pdf(given, questionnaire_version=version).all_answers)
    for step in q.steps:
        for question in step.visible_questions(given):
            assert flat(question.label) in pdf, question.id
            for printed in printed_answers(question, given[question.id]):
                assert flat(printed) in pdf, (question.id, printed)


@pytest.mark.parametrize("version", VERSIONS)
def test_questions_appear_in_the_order_of_the_steps(version):
    q = questionnaire.find(version)
    pdf = flat(render_pdf(EVERY_QUESTION[version], questionnaire_version=version).all_answers)
    # Searched from the previous one on: a short label may also be part of an earlier text.
    positions, start = [], 0
    for step in q.steps:
        for question in step.questions:
            start = pdf.index(flat(question.label), start)
            positions.append(start)
    assert positions == sorted(positions)
    assert len(positions) == len(q.questions)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("index", range(6), ids=lambda index: f"step {index + 1}")
def test_a_question_added_to_any_step_is_in_the_pdf(monkeypatch, version, index):
    q = questionnaire.find(version)
    step = q.steps[index]
    oiliness = step.slug == q.findings.oiliness_step  # each question there scores points
    if oiliness:
        added = Question(
            "test_added",
            "A question the PDF code never names",
            Kind.ONE_OF,
            (Option("low", "Its lower answer", 0), Option("high", "Its higher answer", 2)),
        )
        answer, printed = "high", "Its higher answer (2 points)"
    else:
        added = Question(
            "test_added", "A question the PDF code never names", Kind.TEXT, required=False
        )
        answer = printed = "Its answer, typed by the patient"
    steps = list(q.steps)
    steps[index] = dataclasses.replace(step, questions=(*step.questions, added))
    monkeypatch.setitem(questionnaire.VERSIONS, version, dataclasses.replace(q, steps=tuple(steps)))
    given = EVERY_QUESTION[version]

    pdf = render_pdf({**given, added.id: answer}, questionnaire_version=version)
    assert f"A question the PDF code never names {printed}" in pdf.all_answers
    if oiliness:  # its points count in the score on page 1's bar, and in its maximum
        assert re.search(r"Score \d+ of 11: ", pdf.page_1)
        assert "A question the PDF code never names 2" in pdf.page_1
    else:
        unanswered = render_pdf(given, questionnaire_version=version)  # optional, empty
        assert "A question the PDF code never names Not provided" in unanswered.all_answers
