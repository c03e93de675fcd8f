"""Hand-off, legal hold and deletion of submissions (SPEC section 12): every write of them, each
in one write transaction, each audited (who, what, when; never answers, never the reason's
text, which stays on the tombstone alone).

The clinic's record system is the record of care; ours is a working copy. Once a clinician
marks a submission as filed in the patient record, `tick` deletes it after
INTAKE_RETAIN_FILED_DAYS; one never filed goes after INTAKE_RETAIN_UNFILED_DAYS; a legal
hold stops both, and a clinician's deletion on request, until it is released.

A deletion keeps a **tombstone**: the row itself with its reference, its dates (submitted,
reviewed, filed, deleted), who filed it, why it was deleted and the PDF's SHA-256. Gone are
the answers and the name (the sealed columns, and the submission's key in the key store, so
copies in old backups no longer open), the PDF, the name's search hashes, and the contact
details of its appointment (name, date of birth, email, and that appointment's key); the
appointment keeps its date, time and state for the Clinic day, its links stop working.

Safe on several machines at once: retention claims submissions in batches (PostgreSQL
`FOR UPDATE SKIP LOCKED`, so two ticks take different rows; SQLite's write lock, taken by
write_transaction at BEGIN), and every deletion re-reads its row under the lock, so nothing
is deleted, or audited, twice.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update

from intake import clock, database, keys, search

# Modules, not names: the clinic blueprint imports this module (through its form) while
# intake.appointments is still being imported.
from intake.appointments import reminders
from intake.appointments import services as appointments
from intake.clinic.services import audit_event
from intake.database import write_transaction
from intake.extensions import db
from intake.models import (
    Appointment,
    DeskCode,
    SearchGram,
    Submission,
    SubmissionPdf,
    User,
)

REASON_MAX: int = Submission.__table__.c.deletion_reason.type.length  # type: ignore[attr-defined]
RETENTION_BATCH = 100  # submissions deleted in one transaction by tick
FILED_REASON = "Retention: filed in the patient record more than {days} days ago"
UNFILED_REASON = "Retention: not filed, more than {days} days after submission"


class RecordError(Exception):
    """A hand-off action that cannot be carried out; the message says why, in words."""


class Held(RecordError):
    """A legal hold stops every deletion."""


class Deleted(RecordError):
    """The submission is a tombstone already: nothing of it is left to file, hold or delete."""


HELD = (
    "This submission is under a legal hold, so it cannot be deleted. Release the legal hold "
    "first if it no longer applies."
)
ALREADY_DELETED = "This submission has been deleted: only its tombstone is left."


# Hand-off and legal hold ---------------------------------------------------------------------


def mark_filed(reference: str, user: User) -> None:
    """The PDF (or FHIR) is in the clinic's patient record: retention counts from now (the
    first filing stands). The appointment it answers becomes filed on the Clinic day."""
    now = clock.now()
    with write_transaction() as session:
        submission = _live_submission(session, reference)
        if submission.filed_at is None:
            submission.filed_at, submission.filed_by_id = now, user.id
        session.add(audit_event(user.email, user.id, "mark_filed", reference, "success", now))
        if submission.appointment_id is not None:
            appointment = session.get_one(
                Appointment, submission.appointment_id, with_for_update=True
            )
            if appointments.is_forward(appointment.state, "filed"):
                appointments.move_to(session, appointment, "filed", user, now)


def place_hold(reference: str, user: User) -> None:
    """Stop every deletion of the submission, by retention or on request (the first hold
    stands until released)."""
    now = clock.now()
    with write_transaction() as session:
        submission = _live_submission(session, reference)
        if submission.legal_hold_at is None:
            submission.legal_hold_at, submission.legal_hold_by_id = now, user.id
        session.add(audit_event(user.email, user.id, "place_legal_hold", reference, "success", now))


def release_hold(reference: str, user: User) -> None:
    """Lift a legal hold: the submission may be deleted again (by the next tick, if due)."""
    now = clock.now()
    with write_transaction() as session:
        submission = _live_submission(session, reference)
        submission.legal_hold_at, submission.legal_hold_by_id = None, None
        session.add(
            audit_event(user.email, user.id, "release_legal_hold", reference, "success", now)
        )


def _live_submission(session, reference: str) -> Submission:
    """The submission, locked until the transaction ends; Deleted for a tombstone."""
    submission = session.scalar(
        select(Submission).where(Submission.reference == reference).with_for_update()
    )
    if submission is None:
        raise LookupError(f"no submission has the reference {reference}")
    if submission.is_deleted:
        raise Deleted(ALREADY_DELETED)
    return submission


# Deletion on request ---------------------------------------------------------------------------


def delete_now(reference: str, user: User, reason: str) -> None:
    """A clinician deletes a submission now, saying why (kept on the tombstone). Held: Held,
    and the refusal is audited; deleted already: Deleted."""
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX:
        raise ValueError(f"a reason of 1 to {REASON_MAX} characters is required")
    now = clock.now()
    refused = False
    with write_transaction() as session:
        submission = _live_submission(session, reference)
        if submission.legal_hold_at is not None:
            session.add(
                audit_event(user.email, user.id, "delete_submission", reference, "held", now)
            )
            refused = True
        else:
            erase(session, submission, now, user, reason)
    if refused:  # raised after the commit, so the refusal stays in the audit log
        raise Held(HELD)
    database.empty_sqlite_logs()


def erase(session, submission: Submission, now: datetime, user: User | None, reason: str) -> None:
    """In the caller's transaction, with the submission locked: delete everything of it but its
    tombstone, and audit the deletion once (user None: retention, by tick)."""
    name = submission.patient_name  # opened while its key is still there
    grams = search.index_rows(
        keys.search_key(session), submission.id, name or "", submission.reference
    )
    session.execute(
        delete(SearchGram).where(
            SearchGram.submission_id == submission.id,
            SearchGram.gram.in_([row["gram"] for row in grams]),
        )
    )
    session.execute(delete(SubmissionPdf).where(SubmissionPdf.submission_id == submission.id))
    _destroy_key(session, submission)
    submission.answers_sealed = None
    submission.patient_name_sealed = None
    submission.deleted_at = now
    submission.deleted_by_id = user.id if user else None
    submission.deletion_reason = reason[:REASON_MAX]
    if submission.appointment_id is not None:
        _erase_contact_details(session, submission.appointment_id, now)
    email, user_id = (user.email, user.id) if user else ("", None)
    session.add(
        audit_event(
            email,
            user_id,
            "delete_submission",
            submission.reference,
            "success" if user else "retention",
            now,
            submission.appointment_id,
        )
    )


def _erase_contact_details(session, appointment_id: int, now: datetime) -> None:
    """The appointment keeps its day, time and state (the Clinic day shows it as deleted); its
    patient's name, date of birth and email go with its key, its links and desk codes stop
    working, and its natural key (a keyed hash of the name and date of birth) is replaced by
    a random value, so it matches no guess any more."""
    appointment = session.get_one(Appointment, appointment_id, with_for_update=True)
    _destroy_key(session, appointment)
    appointment.patient_name_sealed = None
    appointment.date_of_birth_sealed = None
    appointment.email_sealed = None
    appointment.email_status = None
    appointment.email_error = None  # a mail server's refusal may quote the address
    appointment.natural_key = secrets.token_hex(32)
    appointments.revoke_links(session, appointment_id, now)
    session.execute(
        update(DeskCode)
        .where(
            DeskCode.appointment_id == appointment_id,
            DeskCode.used_at.is_(None),
            DeskCode.expires_at > now,
        )
        .values(expires_at=now)
    )


def _destroy_key(session, record) -> None:
    """Delete the record's key from the key store: whatever was sealed under it, here or in
    any backup of the data, no longer opens."""
    if record.record_key is not None:
        session.delete(record.record_key)
    record.record_key = None
    record.key_id = None
    keys.forget_opened(record)


# Retention -----------------------------------------------------------------------------------


@dataclass
class Retention:
    """What one tick's retention did, in counts only (never a patient's details)."""

    filed: list[str] = field(default_factory=list)  # references deleted: filed long ago
    unfiled: list[str] = field(default_factory=list)  # never filed, submitted long ago
    held: int = 0  # due, but under a legal hold


def apply_retention(filed_days: int, unfiled_days: int) -> Retention:
    """Delete every submission filed `filed_days` or more ago, or never filed and submitted
    `unfiled_days` or more ago, unless held; in batches, each its own transaction."""
    now = clock.now()
    filed_before = now - timedelta(days=filed_days)
    unfiled_before = now - timedelta(days=unfiled_days)
    done = Retention()
    while True:
        with write_transaction() as session:
            ids = session.scalars(
                reminders.claimable(
                    select(Submission.id)
                    .where(_due(filed_before, unfiled_before), Submission.legal_hold_at.is_(None))
                    .order_by(Submission.id)
                    .limit(RETENTION_BATCH)
                )
            ).all()
            if not ids:
                break
            claimed = session.scalars(
                select(Submission).where(Submission.id.in_(ids)).order_by(Submission.id)
            ).all()
            for submission in claimed:
                if submission.is_deleted or submission.legal_hold_at is not None:
                    continue  # cannot happen under the lock; never deleted twice all the same
                if submission.filed_at is not None:
                    reason = FILED_REASON.format(days=filed_days)
                    done.filed.append(submission.reference)
                else:
                    reason = UNFILED_REASON.format(days=unfiled_days)
                    done.unfiled.append(submission.reference)
                erase(session, submission, now, None, reason)
    done.held = _held(filed_before, unfiled_before)
    database.empty_sqlite_logs()  # every tick: one that found the files busy last time completes it now
    return done


def _due(filed_before: datetime, unfiled_before: datetime):
    return and_(
        Submission.deleted_at.is_(None),
        or_(
            Submission.filed_at <= filed_before,
            and_(Submission.filed_at.is_(None), Submission.submitted_at <= unfiled_before),
        ),
    )


def _held(filed_before: datetime, unfiled_before: datetime) -> int:
    return (
        db.session.scalar(
            select(func.count(Submission.id)).where(
                _due(filed_before, unfiled_before), Submission.legal_hold_at.is_not(None)
            )
        )
        or 0
    )
