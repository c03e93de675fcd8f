"""Hand-off, legal hold and deletion on request (intake.records, SPEC section 12): what each
writes and audits; what a deletion leaves (the tombstone) and what it takes (answers, name,
PDF, search hashes, the record's key, its appointment's contact details and key); a key
destroyed is data no backup can open; a hold stops it; on SQLite nothing deleted is left in
the database files, their write-ahead logs or the key store."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from intake import clock, database, keys, records, services
from intake.database import write_transaction
from intake.extensions import db
from intake.models import AuditEvent, Submission, SubmissionPdf, User
from tests.http.clinic_helpers import (  # noqa: F401  (quick_hashing is an autouse fixture)
    CLINICIAN,
    create_user,
    quick_hashing,
    submit,
)
from tests.records_helpers import (
    NAME,
    appointment_row,
    grams_of,
    invited_submission,
    key_row,
    live_links,
    pdf_rows_of,
    submission_row,
    usable_desk_codes,
)
from tests.support import SHARED_DATABASE_URL, make_app

REASON = "The patient asked for their data to be deleted (email of 3 December)."


@pytest.fixture
def clinician(in_app) -> User:
    create_user(in_app, CLINICIAN, "clinician")
    return db.session.scalars(select(User).where(User.email == CLINICIAN)).one()


def events(action: str) -> list[AuditEvent]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_filing_records_who_and_when_files_the_appointment_and_is_audited(in_app, clinician):
    invited = invited_submission(in_app)
    records.mark_filed(invited.reference, clinician)
    filed = submission_row(invited.reference)
    assert filed.filed_by_id == clinician.id
    assert abs(filed.filed_at - clock.now()) < timedelta(seconds=5)
    assert appointment_row(invited.appointment_id).state == "filed"
    (event,) = events("mark_filed")
    assert (event.user_id, event.email, event.reference, event.outcome) == (
        clinician.id,
        CLINICIAN,
        invited.reference,
        "success",
    )
    (moved,) = events("appointment_filed")
    assert moved.appointment_id == invited.appointment_id

    first = filed.filed_at
    records.mark_filed(invited.reference, clinician)  # the first filing stands
    assert submission_row(invited.reference).filed_at == first
    assert len(events("mark_filed")) == 2


def test_a_hold_is_placed_and_released_each_audited(in_app, clinician):
    reference = submit(in_app)
    records.place_hold(reference, clinician)
    held = submission_row(reference)
    assert held.legal_hold_at is not None and held.legal_hold_by_id == clinician.id
    records.release_hold(reference, clinician)
    released = submission_row(reference)
    assert released.legal_hold_at is None and released.legal_hold_by_id is None
    assert [(e.action, e.reference, e.user_id) for e in events("place_legal_hold")] == [
        ("place_legal_hold", reference, clinician.id)
    ]
    assert [(e.action, e.reference, e.user_id) for e in events("release_legal_hold")] == [
        ("release_legal_hold", reference, clinician.id)
    ]


def test_a_deletion_leaves_the_tombstone_and_takes_everything_else(in_app, clinician):
    invited = invited_submission(in_app)
    other = submit(in_app, full_name="Somebody Else")
    records.mark_filed(invited.reference, clinician)
    before = submission_row(invited.reference)
    submission_id, key_id, pdf_sha256 = before.id, before.key_id, before.pdf_sha256
    submitted_at, filed_at = before.submitted_at, before.filed_at
    assert before.patient_name == NAME and pdf_sha256
    assert grams_of(submission_id) > 0 and pdf_rows_of(submission_id) == 1
    appointment_key_id = appointment_row(invited.appointment_id).key_id
    assert key_row(key_id) is not None and key_row(appointment_key_id) is not None
    assert live_links(invited.appointment_id) == 1
    assert usable_desk_codes(invited.appointment_id) == 1

    records.delete_now(invited.reference, clinician, REASON)

    tombstone = submission_row(invited.reference)
    assert tombstone.is_deleted
    assert (tombstone.reference, tombstone.submitted_at, tombstone.filed_at) == (
        invited.reference,
        submitted_at,
        filed_at,
    )
    assert tombstone.filed_by_id == clinician.id
    assert tombstone.deleted_by_id == clinician.id
    assert tombstone.deletion_reason == REASON
    assert tombstone.pdf_sha256 == pdf_sha256
    assert (tombstone.answers_sealed, tombstone.patient_name_sealed, tombstone.key_id) == (
        None,
        None,
        None,
    )
    assert tombstone.answers is None and tombstone.patient_name is None
    assert key_row(key_id) is None  # the record's key is destroyed
    assert pdf_rows_of(submission_id) == 0
    assert grams_of(submission_id) == 0
    assert services.pdf_of(tombstone) is None

    appointment = appointment_row(invited.appointment_id)
    assert (appointment.patient_name, appointment.date_of_birth, appointment.email) == (
        None,
        None,
        None,
    )
    assert appointment.key_id is None and key_row(appointment_key_id) is None
    assert appointment.state == "filed" and appointment.appointment_date is not None
    assert live_links(invited.appointment_id) == 0
    assert usable_desk_codes(invited.appointment_id) == 0

    # The other submission is untouched, and still found by its name's hashes.
    untouched = submission_row(other)
    assert untouched.patient_name == "Somebody Else" and grams_of(untouched.id) > 0

    (event,) = events("delete_submission")
    assert (event.user_id, event.email, event.reference, event.outcome) == (
        clinician.id,
        CLINICIAN,
        invited.reference,
        "success",
    )
    assert event.appointment_id == invited.appointment_id
    audit_text = " ".join(
        str(getattr(row, column.key))
        for row in events("delete_submission") + events("mark_filed")
        for column in AuditEvent.__table__.columns
    )
    assert "asked for their data" not in audit_text and NAME not in audit_text


def test_a_row_restored_from_an_old_backup_no_longer_opens(in_app, clinician):
    """Deleting destroys the key: a copy of the sealed row, as any backup of the data holds
    it, is unreadable (the key store is not in the data backup, and its row is gone)."""
    reference = submit(in_app, pdf=True)
    before = submission_row(reference)
    backup = {
        "key_id": before.key_id,
        "answers_sealed": before.answers_sealed,
        "patient_name_sealed": before.patient_name_sealed,
    }
    sealed_pdf = db.session.get_one(SubmissionPdf, before.id).sealed
    records.delete_now(reference, clinician, REASON)

    with write_transaction() as session:  # the old backup's row, put back
        session.execute(
            update(Submission).where(Submission.reference == reference).values(**backup)
        )
    restored = submission_row(reference)
    with pytest.raises(keys.KeyRingError, match="destroyed"):
        restored.patient_name  # noqa: B018
    with pytest.raises(keys.KeyRingError):
        restored.answers  # noqa: B018
    with pytest.raises(keys.KeyRingError):
        keys.unseal(keys.record_key_of(restored), services.PDF_PLACE, sealed_pdf)


def test_a_hold_stops_a_deletion_on_request_and_the_refusal_is_audited(in_app, clinician):
    reference = submit(in_app, pdf=True)
    records.place_hold(reference, clinician)
    with pytest.raises(records.Held, match="legal hold"):
        records.delete_now(reference, clinician, REASON)
    kept = submission_row(reference)
    assert not kept.is_deleted and kept.patient_name == "Ada Lovelace"
    assert key_row(kept.key_id) is not None and pdf_rows_of(kept.id) == 1
    assert [e.outcome for e in events("delete_submission")] == ["held"]

    records.release_hold(reference, clinician)
    records.delete_now(reference, clinician, REASON)
    assert submission_row(reference).is_deleted
    assert [e.outcome for e in events("delete_submission")] == ["held", "success"]


def test_a_tombstone_cannot_be_deleted_filed_or_held_again(in_app, clinician):
    reference = submit(in_app)
    records.delete_now(reference, clinician, REASON)
    deleted_at = submission_row(reference).deleted_at
    for action, arguments in (
        (records.delete_now, (REASON,)),
        (records.mark_filed, ()),
        (records.place_hold, ()),
    ):
        with pytest.raises(records.Deleted):
            action(reference, clinician, *arguments)
    tombstone = submission_row(reference)
    assert tombstone.deleted_at == deleted_at and tombstone.filed_at is None
    assert tombstone.legal_hold_at is None
    assert len(events("delete_submission")) == 1


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_a_deletion_needs_a_reason_of_at_most_500_characters(in_app, clinician, reason):
    reference = submit(in_app)
    with pytest.raises(ValueError, match="reason"):
        records.delete_now(reference, clinician, reason)
    assert not submission_row(reference).is_deleted


def _files(app) -> dict[str, bytes]:
    """The raw bytes of the database file, its key store, and their write-ahead logs."""
    data = Path(db.engine.url.database)
    found = {}
    for path in (data, Path(database.key_store_file(str(data)))):
        for name in (path, Path(f"{path}-wal")):
            found[name.name] = name.read_bytes() if name.exists() else b""
    return found


@pytest.mark.skipif(
    bool(SHARED_DATABASE_URL),
    reason="SQLite's files; on PostgreSQL the destroyed key is what counts",
)
def test_on_sqlite_nothing_deleted_is_left_in_the_files_or_their_logs(in_app, clinician):
    invited = invited_submission(in_app)
    before = submission_row(invited.reference)
    wrapped = key_row(before.key_id).wrapped
    appointment_wrapped = key_row(appointment_row(invited.appointment_id).key_id).wrapped
    before = submission_row(invited.reference)  # read again: appointment_row rolled back
    sealed = {
        "the answers": before.answers_sealed,
        "the name": before.patient_name_sealed,
        "the PDF": db.session.get_one(SubmissionPdf, before.id).sealed,
    }
    pdf_hash = before.pdf_sha256
    db.session.rollback()  # no read left open: the checkpoint may empty the logs
    secrets_ = {
        "the submission's wrapped key": wrapped,
        "the appointment's wrapped key": appointment_wrapped,
        **{name: value[-48:] for name, value in sealed.items()},  # the ciphertext's end
    }
    everything = b"".join(_files(in_app).values())
    assert all(value in everything for value in secrets_.values())  # or the test proves nothing

    records.delete_now(invited.reference, clinician, REASON)

    files = _files(in_app)
    assert files["intake.sqlite3-wal"] == b"" and files["intake-keys.sqlite3-wal"] == b""
    for file, content in files.items():
        for what, value in secrets_.items():
            assert value not in content, f"{what} is still in {file}"
        assert NAME.encode() not in content
        assert b"Quillfeather" not in content
    assert pdf_hash.encode() in files["intake.sqlite3"]  # the tombstone's hash stays


def test_two_clinicians_deleting_at_once_delete_once(in_app, clinician, tmp_path):
    """Two deletions of one submission at once, from two app instances (two servers): one
    deletes, the other is told it is deleted already; one audit event."""
    reference = submit(in_app, pdf=True)
    db.session.remove()
    apps = [make_app(tmp_path) for _ in range(2)]
    start = threading.Barrier(len(apps))
    outcomes: list[str] = []

    def run(app):
        with app.app_context():
            user = db.session.scalars(select(User).where(User.email == CLINICIAN)).one()
            start.wait()
            try:
                records.delete_now(reference, user, REASON)
                outcomes.append("deleted")
            except records.Deleted:
                outcomes.append("already")
            except Exception as error:  # surfaced below
                outcomes.append(repr(error))
            db.session.remove()

    threads = [threading.Thread(target=run, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already", "deleted"]
    assert [e.outcome for e in events("delete_submission")] == ["success"]
