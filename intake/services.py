"""Every write of the patient side, each in one short transaction."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import date, timedelta

from sqlalchemy import Row, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError

from intake import clock, questionnaire
from intake.database import read_connection, write_connection, write_transaction
from intake.extensions import db
from intake.models import Draft, Submission

# No 0, 1, I or O: a reference read aloud over the phone cannot be misheard.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_PATTERN = re.compile(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")


class DraftChanged(Exception):
    """The draft changed between the last check and Submit (another tab saved a step)."""


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_reference(value: str | None) -> bool:
    return value is not None and REFERENCE_PATTERN.fullmatch(value) is not None


def new_reference() -> str:
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


# The patient side runs these on every page: built once, not per request, and the draft is
# read and written as plain rows (no ORM unit of work on the hot path).
_drafts = Draft.metadata.tables[Draft.__tablename__]
_DRAFT_BY_TOKEN = select(_drafts.c.answers, _drafts.c.updated_at, _drafts.c.expires_at).where(
    _drafts.c.token_hash == bindparam("token_hash")
)
_SUBMISSION_BY_TOKEN = select(Submission).where(
    Submission.draft_token_hash == bindparam("token_hash")
)
_LOCKED_DRAFT = (
    select(_drafts.c.id, _drafts.c.answers, _drafts.c.updated_at, _drafts.c.expires_at)
    .where(_drafts.c.token_hash == bindparam("token_hash"))
    .with_for_update()
)
_UPDATE_DRAFT = (
    update(_drafts)
    .where(_drafts.c.id == bindparam("draft_id"))
    .values(
        answers=bindparam("new_answers"),
        updated_at=bindparam("now"),
        expires_at=bindparam("until"),
    )
)


def find_draft(token: str | None) -> Row | None:
    """The live draft for a browser token (answers, updated_at, expires_at), or None when
    unknown or expired. Read-only: changes go through save_step."""
    if not token:
        return None
    # Every patient page starts here: one read on a connection of its own, without the ORM
    # session's bookkeeping or a transaction around it.
    with read_connection() as connection:
        draft = connection.execute(_DRAFT_BY_TOKEN, {"token_hash": token_hash(token)}).first()
    if draft is None or draft.expires_at <= clock.now():
        return None
    return draft


def find_submission_for(token: str | None) -> Submission | None:
    """The submission a browser made from its draft, if it has submitted."""
    if not token:
        return None
    return db.session.scalar(_SUBMISSION_BY_TOKEN, {"token_hash": token_hash(token)})


def find_submission(reference: str) -> Submission | None:
    return db.session.scalar(select(Submission).where(Submission.reference == reference))


def start_draft(lifetime: timedelta) -> str:
    """A new empty draft; returns the token for the browser. Expired drafts are purged here."""
    token = new_token()
    now = clock.now()
    with write_transaction() as session:
        session.execute(delete(Draft).where(Draft.expires_at <= now))
        session.add(
            Draft(
                token_hash=token_hash(token),
                answers={},
                created_at=now,
                updated_at=now,
                expires_at=now + lifetime,
            )
        )
    return token


def discard_draft(token: str | None) -> None:
    """Delete a browser's draft now (tablet reset or idle): nothing of it is kept."""
    if token:
        with write_transaction() as session:
            session.execute(delete(Draft).where(Draft.token_hash == token_hash(token)))


def touch_draft(token: str, lifetime: timedelta) -> None:
    """The patient is still there: their draft counts as active now."""
    now = clock.now()
    with write_transaction() as session:
        session.execute(
            update(Draft)
            .where(Draft.token_hash == token_hash(token))
            .values(updated_at=now, expires_at=now + lifetime)
        )


def save_step(
    token: str,
    step: questionnaire.Step,
    step_answers: dict,
    lifetime: timedelta,
    idle: timedelta | None = None,
) -> bool:
    """Replace one step's answers in the draft; False when the draft is gone or expired.

    With `idle` (a front-desk tablet), a draft untouched for longer is deleted here and
    counts as gone. The draft is read and written in one write transaction, with plain
    statements: this runs on every Continue a patient presses.
    """
    now = clock.now()
    with write_connection() as connection:
        draft = connection.execute(_LOCKED_DRAFT, {"token_hash": token_hash(token)}).first()
        if draft is None or draft.expires_at <= now:
            return False
        if idle is not None and now - draft.updated_at > idle:
            connection.execute(delete(_drafts).where(_drafts.c.id == draft.id))
            return False
        answers = {k: v for k, v in draft.answers.items() if k not in _step_ids(step)}
        answers.update(step_answers)
        connection.execute(
            _UPDATE_DRAFT,
            {
                "draft_id": draft.id,
                "new_answers": questionnaire.applicable_answers(answers),
                "now": now,
                "until": now + lifetime,
            },
        )
    return True


def fingerprint(answers: dict) -> str:
    """A short digest of a draft's answers: Submit stores only the answers the patient checked."""
    return hashlib.sha256(json.dumps(answers, sort_keys=True).encode()).hexdigest()[:32]


def submit(token: str, checked: str, language: str) -> str:
    """Store the submission and delete the draft in one transaction; returns the reference.

    `checked` is the fingerprint of the answers shown on the check page: if another
    tab changed them since, DraftChanged is raised and nothing is stored.
    Idempotent per draft: a second Submit (double click, resent POST, Back then
    Submit) returns the reference of the first instead of storing another.
    """
    with write_transaction() as session:
        draft = _locked_draft(session, token)
        if draft is None:
            earlier = find_submission_for(token)
            if earlier is None:
                raise LookupError("no draft and no submission for this browser")
            return earlier.reference
        if fingerprint(draft.answers) != checked:
            raise DraftChanged
        reference = _insert_submission(session, token, draft.answers, language)
        session.delete(draft)
    return reference


def _insert_submission(session, token: str, answers: dict, language: str) -> str:
    """Insert with a fresh random reference, drawing again on the (rare) collision."""
    for _ in range(5):
        reference = new_reference()
        try:
            with session.begin_nested():
                session.add(
                    Submission(
                        reference=reference,
                        draft_token_hash=token_hash(token),
                        questionnaire_id=questionnaire.QUESTIONNAIRE_ID,
                        questionnaire_version=questionnaire.QUESTIONNAIRE_VERSION,
                        answers=questionnaire.applicable_answers(answers),
                        language=language,
                        submitted_at=clock.now(),
                        patient_name=answers["full_name"],
                        name_key=answers["full_name"].casefold(),
                        appointment_date=_date_or_none(answers.get("appointment_date")),
                    )
                )
            return reference
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a unique reference")


def _date_or_none(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _locked_draft(session, token: str) -> Draft | None:
    statement = select(Draft).where(Draft.token_hash == token_hash(token)).with_for_update()
    return session.scalar(statement)


def _step_ids(step: questionnaire.Step) -> set[str]:
    return {q.id for q in step.questions}


def store_pdf(reference: str, pdf: bytes) -> bytes:
    """Keep the rendered PDF with its SHA-256, unless one is stored already; returns the stored bytes."""
    with write_transaction() as session:
        submission = session.scalar(
            select(Submission).where(Submission.reference == reference).with_for_update()
        )
        if submission.pdf is None:
            submission.pdf = pdf
            submission.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        stored = submission.pdf
    return stored
