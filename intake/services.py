"""Submissions: references, the stored record and its PDF. Drafts are in intake.wizard.drafts."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from intake import clock, keys, questionnaire, search
from intake.database import write_transaction
from intake.extensions import db
from intake.models import SearchGram, Submission, SubmissionPdf

# No 0, 1, I or O: a reference read aloud over the phone cannot be misheard.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_PATTERN = re.compile(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")


def is_reference(value: str | None) -> bool:
    return value is not None and REFERENCE_PATTERN.fullmatch(value) is not None


def new_reference() -> str:
    """Eight characters, each uniform over the 32 of the alphabet (a random byte's low 5 bits):
    one read of the system's randomness, quick enough for `demo --count`'s millions."""
    chars = "".join(REFERENCE_ALPHABET[byte & 31] for byte in secrets.token_bytes(8))
    return f"{chars[:4]}-{chars[4:]}"


def find_submission(reference: str) -> Submission | None:
    return db.session.scalar(select(Submission).where(Submission.reference == reference))


def add_submission(session, draft_token_hash: str, answers: dict, language: str) -> str:
    """Add a submission to the caller's transaction with a fresh random reference, drawing
    again on the (rare) collision; returns the reference."""
    for _ in range(5):
        reference = new_reference()
        try:
            with session.begin_nested():
                submission = Submission(
                    reference=reference,
                    draft_token_hash=draft_token_hash,
                    questionnaire_id=questionnaire.QUESTIONNAIRE_ID,
                    questionnaire_version=questionnaire.QUESTIONNAIRE_VERSION,
                    answers=questionnaire.applicable_answers(answers),
                    language=language,
                    submitted_at=clock.now(),
                    patient_name=answers["full_name"],
                    appointment_date=_date_or_none(answers.get("appointment_date")),
                )
                session.add(submission)
                session.flush()
            index(session, submission)
            return reference
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a unique reference")


def _date_or_none(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def index(session, submission: Submission) -> None:
    """Add a submission's name and reference to the search index (intake.search)."""
    rows = search.index_rows(
        keys.search_key(session), submission.id, submission.patient_name, submission.reference
    )
    session.execute(insert(SearchGram), rows)


def pdf_of(submission: Submission) -> bytes | None:
    """A submission's stored PDF, opened with the submission's key; None if none is stored."""
    sealed = db.session.scalar(
        select(SubmissionPdf.sealed).where(SubmissionPdf.submission_id == submission.id)
    )
    if sealed is None:
        return None
    return keys.unseal(keys.record_key_of(submission), SubmissionPdf.PLACE, sealed)


def store_pdf(reference: str, pdf: bytes) -> bytes:
    """Keep the rendered PDF, sealed, with its SHA-256, unless one is stored already; returns
    the stored bytes."""
    with write_transaction() as session:
        submission = session.scalar(
            select(Submission).where(Submission.reference == reference).with_for_update()
        )
        if submission is None or submission.is_deleted:
            raise LookupError(f"submission {reference} is not stored")
        key = keys.record_key_of(submission)
        sealed = session.scalar(
            select(SubmissionPdf.sealed).where(SubmissionPdf.submission_id == submission.id)
        )
        if sealed is not None:
            return keys.unseal(key, SubmissionPdf.PLACE, sealed)
        session.add(
            SubmissionPdf(
                submission_id=submission.id, sealed=keys.seal(key, SubmissionPdf.PLACE, pdf)
            )
        )
        submission.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    return pdf
