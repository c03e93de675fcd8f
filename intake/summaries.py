"""The clinician's PDF for a stored submission: rendered at submit, kept, re-rendered on demand."""

from __future__ import annotations

import logging

from intake import languages, services
from intake.models import Submission
from intake.pdf.summary import SummaryInput, render_summary

log = logging.getLogger(__name__)


def render(submission: Submission, clinic_timezone: str) -> bytes:
    """The PDF bytes for a submission, read with the questionnaire version it was answered in;
    deterministic, so the same answers give the same bytes."""
    return render_summary(
        SummaryInput(
            reference=submission.reference,
            answers=submission.answers,
            submitted_at=submission.submitted_at,
            timezone=clinic_timezone,
            language=languages.english_name(submission.language),
            questionnaire_version=submission.questionnaire_version,
        )
    )


def store_after_submit(reference: str, clinic_timezone: str) -> None:
    """Render and keep the PDF; a failure is logged (reference only) and never loses the submission."""
    try:
        find_pdf(reference, clinic_timezone)
    except Exception as error:
        # The error's type only: a renderer's message or traceback could quote the patient's text.
        log.error(
            "PDF rendering failed for submission %s (%s); it will be rendered on demand",
            reference,
            type(error).__name__,
        )


class Deleted(LookupError):
    """The submission is a tombstone: its answers and PDF are gone (SPEC section 12)."""


def find_pdf(reference: str, clinic_timezone: str) -> bytes | None:
    """The stored PDF of the submission with this reference (see stored_pdf); None if unknown,
    Deleted if it was deleted."""
    submission = services.find_submission(reference)
    if submission is None:
        return None
    if submission.is_deleted:
        raise Deleted(f"Submission {reference} was deleted: its answers and PDF are gone.")
    return stored_pdf(submission, clinic_timezone)


def stored_pdf(submission: Submission, clinic_timezone: str) -> bytes:
    """A submission's stored PDF; if rendering failed at submit, it is rendered and kept now."""
    stored = services.pdf_of(submission)
    if stored is not None:
        return stored
    pdf = render(submission, clinic_timezone)  # outside any write transaction
    return services.store_pdf(submission.reference, pdf)
