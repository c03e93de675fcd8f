"""A submission's PDF is always rendered with the questionnaire version it was answered in: its
questions, findings, flags and passage rules (SPEC section 2, "Versions"), and its footer says
which version that was."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pypdf
import pytest

from intake import questionnaire, summaries
from intake.pdf.summary import SummaryInput
from tests.factories import answers, answers_2026_1
from tests.pdf.conftest import REFERENCE, SUBMITTED_AT, render_pdf

OLD, NEW = "2026.1", "2026.2"
FOOTER = "Questionnaire acne-botox-preconsult {}"

# 2026.1's wording, findings and flags, none of which 2026.2 has.
OLD_SHINE = "Does make-up or sunscreen look shiny or slide off within a few hours?"
OLD_PREGNANCY = "Are you pregnant, breastfeeding, or planning a pregnancy in the next 6 months?"
OLD_TREATMENTS = "Which acne treatments have you tried?"
OLD_PREGNANT_FLAG = (
    "Contraindication Pregnant, breastfeeding or planning pregnancy: botulinum toxin is not "
    "recommended."
)
OLD_NODULAR_FLAG = "Caution Nodulocystic or scarring acne: consider established therapy first."
OLD_UNDER_18_FLAG = "Caution Patient is under 18: guardian consent needed."
OLD_PASSAGES_HEADING = "From 'Can Botox Injections Reduce Acne?'"
OLD_NOTE = (
    "Evidence note Use of botulinum toxin for acne is off-label; published studies are small."
)

# The same patient, as they would answer 2026.2.
NEW_SHINE = "A few hours after washing, does your face look shiny?"
NEW_PREGNANCY = "Are you pregnant or breastfeeding?"
NEW_PREGNANT_FLAG = "Defer Pregnant or breastfeeding: defer elective off-label treatment."
NEW_PASSAGES_HEADING = "Relevant passages of 'Can Botox Injections Reduce Acne?'"


def old_submission(**overrides) -> dict:
    return answers_2026_1(spot_types=["nodules"], pregnancy="yes", makeup_shine="yes", **overrides)


def new_submission(**overrides) -> dict:
    return answers(spot_types=["nodules"], pregnant_breastfeeding="yes", shine="yes", **overrides)


def test_a_2026_1_submission_is_shown_with_2026_1s_questions_findings_flags_and_passages():
    pdf = render_pdf(old_submission(), questionnaire_version=OLD)
    words = pdf.words

    # Page 1: 2026.1's findings and flags, its evidence note; no sex (2026.1 did not ask it),
    # no treatments table (it asked no question per treatment), no considerations.
    for expected in (
        "Age 36 at appointment Submitted at",
        "Before any injection: Contraindication 1, Caution 1",
        OLD_PREGNANT_FLAG,
        OLD_NODULAR_FLAG,
        "The acne at a glance Acne pattern Nodulocystic Severity now Mild",
        "Score 4 of 9: Slightly oily",
        "Face feel 1 \u00b7 Blotting 1 \u00b7 Pores 1 \u00b7 Make-up shine 1",
        "Distribution: Not derived in this version Goals and questions",
        OLD_NOTE,
    ):
        assert expected in pdf.page_1, expected
    # All answers: 2026.1's steps and wording; then its passages.
    for expected in (
        f"{OLD_SHINE} Yes (1 point)",
        f"{OLD_PREGNANCY} Yes",
        f"Previous treatments {OLD_TREATMENTS} Washes or creams from a pharmacy",
        f"{OLD_PASSAGES_HEADING} {OLD_NOTE}",
        "Included because: spots: Large, painful lumps under the skin",
    ):
        assert expected in pdf.all_answers, expected
    for absent in (
        "patient-described",
        "Distribution: Face",
        "Clinical considerations",  # 2026.1 had none: no box at all
        "Treatment Now Before",
        "Defer",
        "Age and sex",
        "Sex assigned at birth",
        NEW_SHINE,
        NEW_PASSAGES_HEADING,
        "Evidence:",  # 2026.1's passages carry no evidence marks
        "Evidence note (updated",
    ):
        assert absent not in words, absent
    for page in pdf.pages:
        assert FOOTER.format(OLD) in page
        assert NEW not in page


def test_a_2026_2_submission_is_shown_with_2026_2s():
    pdf = render_pdf(new_submission(), questionnaire_version=NEW)
    words = pdf.words

    for expected in (
        "Age and sex 36 at appointment, Male",
        "Acne pattern (patient-described, not a clinical grade) Nodular",
        NEW_PREGNANT_FLAG,
        "Distribution: Face only",
        "Treatments Treatment Now Before How well it worked",
        "Isotretinoin may be indicated: nodules, scarring or severe acne.",
        "Evidence note (updated 30 November 2026)",
    ):
        assert expected in pdf.page_1, expected
    for expected in (
        f"{NEW_SHINE} Yes (1 point)",
        f"{NEW_PREGNANCY} Yes",
        NEW_PASSAGES_HEADING,
    ):
        assert expected in pdf.all_answers, expected
    for absent in (OLD_SHINE, OLD_PREGNANCY, "Nodulocystic", OLD_PASSAGES_HEADING):
        assert absent not in words, absent
    for page in pdf.pages:
        assert FOOTER.format(NEW) in page
        assert OLD not in page


def test_the_current_version_is_the_default():
    assert SummaryInput("R", {}, SUBMITTED_AT, "UTC", "English").questionnaire_version == NEW
    assert questionnaire.QUESTIONNAIRE_VERSION == NEW
    pdf = render_pdf(new_submission())

    assert all(FOOTER.format(NEW) in page for page in pdf.pages)


def test_an_under_18_flag_says_what_its_version_said():
    teenager = dict(date_of_birth="2010-06-01", appointment_date="2026-12-10")

    old = render_pdf(answers_2026_1(**teenager), questionnaire_version=OLD).words
    new = render_pdf(answers(**teenager), questionnaire_version=NEW).words

    assert OLD_UNDER_18_FLAG in old
    assert "Under 18: outside the licensed age." not in old
    assert "Caution Under 18: outside the licensed age. In England only a doctor" in new
    assert "guardian consent" not in new


def test_a_version_never_used_is_refused():
    with pytest.raises(KeyError, match="2025.9"):
        render_pdf(answers(), questionnaire_version="2025.9")


@pytest.mark.parametrize(
    "version, given, wording",
    [(OLD, old_submission(), OLD_SHINE), (NEW, new_submission(), NEW_SHINE)],
    ids=[OLD, NEW],
)
def test_a_stored_submission_is_rendered_again_with_its_own_version(version, given, wording):
    submission = SimpleNamespace(
        reference=REFERENCE,
        answers=given,
        submitted_at=SUBMITTED_AT,
        language="en",
        questionnaire_version=version,
    )

    reader = pypdf.PdfReader(io.BytesIO(summaries.render(submission, "Europe/London")))
    pages = [page.extract_text() for page in reader.pages]

    assert wording in " ".join(" ".join(pages).split())
    assert all(FOOTER.format(version) in page for page in pages)
