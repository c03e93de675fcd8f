"""Tables. Models hold data only; intake.services owns every write transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from intake.database import UTCDateTime
from intake.extensions import db


class Draft(db.Model):
    """A patient's answers in progress. The browser holds only a random token; we keep its hash."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Submission(db.Model):
    """A submitted questionnaire: what the patient confirmed, kept as the record."""

    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint("length(reference) = 9", name="reference_length"),
        Index("ix_submissions_submitted_at", "submitted_at"),
        CheckConstraint("(pdf IS NULL) = (pdf_sha256 IS NULL)", name="pdf_with_its_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(9), unique=True)
    # The draft this came from: a second Submit from the same browser finds this row.
    draft_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    questionnaire_id: Mapped[str] = mapped_column(String(64))
    questionnaire_version: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(8), default="en")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The clinician's PDF as rendered at submit: the record of what was seen. Empty only
    # when rendering failed; it is then rendered again on demand.
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
