"""The PDF's answers are built from the questionnaire's steps: every question a patient
answered is printed with its wording and answer, including one the PDF code never names."""

from __future__ import annotations

import dataclasses

import pytest

from intake import questionnaire
from intake.questionnaire import QUESTIONS, STEPS, Kind, Question, answer_text
from tests.factories import answers
from tests.pdf.conftest import render_pdf

# Every question answered, the conditional ones included.
EVERY_QUESTION = answers(treatments=["pharmacy", "isotretinoin"], isotretinoin_last="now")


def flat(text: str) -> str:
    """Without whitespace: a label or answer wrapped over lines in a cell reads as one."""
    return "".join(text.split())


def printed_answers(q: Question, value) -> list[str]:
    """What the PDF prints for an answer: one line per chosen option, else the answer in words."""
    if q.kind is Kind.ANY_OF:
        return [q.option_label(option) for option in value]
    return [answer_text(q, value)]


def test_every_answered_question_of_a_complete_submission_is_in_the_pdf():
    assert set(EVERY_QUESTION) == set(QUESTIONS), "the answers leave a question out"
    pdf = render_pdf(EVERY_QUESTION).flat
    for step in STEPS:
        for q in step.visible_questions(EVERY_QUESTION):
            assert flat(q.label) in pdf, q.id
            for printed in printed_answers(q, EVERY_QUESTION[q.id]):
                assert flat(printed) in pdf, (q.id, printed)


def test_questions_appear_in_the_order_of_the_steps():
    pdf = render_pdf(EVERY_QUESTION).flat
    positions = [pdf.index(flat(q.label)) for step in STEPS for q in step.questions]
    assert positions == sorted(positions)


@pytest.mark.parametrize("index", range(len(STEPS)), ids=[step.slug for step in STEPS])
def test_a_question_added_to_any_step_is_in_the_pdf(monkeypatch, index):
    added = Question("test_added", "A question the PDF code never names", Kind.TEXT, required=False)
    steps = list(STEPS)
    steps[index] = dataclasses.replace(STEPS[index], questions=(*STEPS[index].questions, added))
    monkeypatch.setattr(questionnaire, "STEPS", tuple(steps))
    monkeypatch.setattr(questionnaire, "QUESTIONS", {**QUESTIONS, added.id: added})

    pdf = render_pdf({**EVERY_QUESTION, added.id: "Its answer, typed by the patient"}).words
    assert "A question the PDF code never names" in pdf
    assert "Its answer, typed by the patient" in pdf
    unanswered = render_pdf(EVERY_QUESTION).words  # optional and empty: still listed
    assert "A question the PDF code never names Not provided" in unanswered
