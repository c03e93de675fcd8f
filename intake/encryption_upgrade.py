"""Migration 0009's data step: rows an earlier release kept in clear are sealed in place
(intake.keys), in batches of BATCH rows, each batch its own short transaction, so a large
database is upgraded while staying usable, and an upgrade stopped part-way carries on where
it stopped (a row is done when it has its key). The downgrade opens them again, the same way.

It works on the tables as they are between migrations 0008 and 0009 (both the clear columns
and the sealed ones), so it names them here rather than through the models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Integer,
    LargeBinary,
    String,
    Time,
    column,
    delete,
    insert,
    select,
    table,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from intake import keys, search
from intake.models import Appointment, Draft, Submission, SubmissionPdf, User

BATCH = 500

_submissions = table(
    "submissions",
    column("id", Integer),
    column("reference", String),
    column("answers", JSON),
    column("patient_name", String),
    column("name_key", String),
    column("pdf", LargeBinary),
    column("key_id", BigInteger),
    column("answers_sealed", LargeBinary),
    column("patient_name_sealed", LargeBinary),
)
_appointments = table(
    "appointments",
    column("id", Integer),
    column("patient_name", String),
    column("date_of_birth", Date),
    column("appointment_date", Date),
    column("appointment_time", Time),
    column("email", String),
    column("natural_key", String),
    column("key_id", BigInteger),
    column("patient_name_sealed", LargeBinary),
    column("date_of_birth_sealed", LargeBinary),
    column("email_sealed", LargeBinary),
)
_drafts = table(
    "drafts",
    column("id", Integer),
    column("answers", JSON),
    column("key_id", BigInteger),
    column("answers_sealed", LargeBinary),
)
_users = table(
    "users",
    column("id", Integer),
    column("totp_secret", String),
    column("totp_pending_secret", String),
    column("key_id", BigInteger),
    column("totp_secret_sealed", LargeBinary),
    column("totp_pending_secret_sealed", LargeBinary),
)
_pdfs = table("submission_pdfs", column("submission_id", Integer), column("sealed", LargeBinary))
_grams = table("search_grams", column("gram", BigInteger), column("submission_id", Integer))
_record_keys = table(
    keys.RecordKey.__tablename__,
    column("id", BigInteger),
    column("ring_key_id", String),
    column("wrapped", LargeBinary),
    schema=keys.KEY_SCHEMA,
)


def _sealer(connection: Connection) -> Callable[[], tuple[int, Callable[..., bytes | None]]]:
    """A new record key stored now; returns its id and a function sealing values under it."""

    def new_key():
        row, key = keys.new_record_key()
        connection.execute(
            insert(_record_keys).values(id=row.id, ring_key_id=row.ring_key_id, wrapped=row.wrapped)
        )

        def seal(place: str, value, codec: keys.Codec) -> bytes | None:
            if value is None:
                return None
            return keys.seal(key, place, codec.encode(value))

        return row.id, seal

    return new_key


@contextmanager
def beside(migration: Connection) -> Iterator[None]:
    """Run the batches beside the migration's own connection (0009's). On SQLite its transaction
    is ended for the while and begun afresh after: alembic read its version table in it, and
    in WAL mode a transaction that read before others committed can never write, so alembic's
    writing the new version after the batches failed with "database is locked" (when 0009 was
    the first migration of a run: an upgrade that stopped part-way, carrying on). Nothing is
    written on that connection before the batches, so nothing is committed early."""
    raw = migration.connection.dbapi_connection
    sqlite = migration.dialect.name == "sqlite"
    if sqlite and raw.in_transaction:  # type: ignore[union-attr]
        migration.exec_driver_sql("COMMIT")
    try:
        yield
    finally:
        if sqlite and not raw.in_transaction:  # type: ignore[union-attr]
            migration.exec_driver_sql("BEGIN")


def _in_batches(step: Callable[[Connection], int]) -> int:
    """Run a batch step, each in its own write transaction, until a batch finds nothing."""
    from intake.database import write_connection

    done = 0
    while True:
        with write_connection() as connection:
            count = step(connection)
        done += count
        if count < BATCH:
            return done


def seal_everything() -> dict[str, int]:
    """Seal every row still in clear; returns how many of each table."""
    from intake.database import read_connection, write_transaction

    with read_connection() as connection:
        to_index = any(
            connection.scalar(select(select(records.c.id).where(_not_sealed(records)).exists()))
            for records in (_submissions, _appointments)
        )
    # Made (once) before any batch holds the write lock, and only when there is something to
    # index: a new database holds no key, so the first INTAKE_DATA_KEYS set after it was made
    # (say, after `flask --app app new-data-key` made it) is taken without complaint.
    search_key = b""
    if to_index:
        with write_transaction() as session:
            search_key = keys.search_key(session)
    return {
        "submissions": _in_batches(partial(_seal_submissions, search_key=search_key)),
        "appointments": _in_batches(partial(_seal_appointments, search_key=search_key)),
        "drafts": _in_batches(_seal_drafts),
        "users": _in_batches(_seal_users),
    }


def _not_sealed(records) -> ColumnElement[bool]:
    """A row still to seal: it has no key, or its key is not in the key store. On SQLite the
    key store is a file of its own, which commits after the data: a process that dies between
    the two commits leaves rows naming keys that were never stored, sealed again here."""
    stored = select(_record_keys.c.id).where(_record_keys.c.id == records.c.key_id)
    return records.c.key_id.is_(None) | ~stored.exists()


def _next_batch(connection: Connection, records, *conditions) -> list:
    """The next BATCH rows of a table to seal or open, in id order."""
    return list(
        connection.execute(
            select(records).where(*conditions).order_by(records.c.id).limit(BATCH)
        ).all()
    )


def _seal_submissions(connection: Connection, search_key: bytes) -> int:
    rows = _next_batch(connection, _submissions, _not_sealed(_submissions))
    if not rows:
        return 0
    new_key = _sealer(connection)
    for row in rows:
        key_id, seal = new_key()
        for earlier in (_pdfs, _grams):  # of a seal whose key was lost (see _not_sealed)
            connection.execute(delete(earlier).where(earlier.c.submission_id == row.id))
        connection.execute(
            update(_submissions)
            .where(_submissions.c.id == row.id)
            .values(
                key_id=key_id,
                answers_sealed=seal(keys.place_of(Submission, "answers"), row.answers, keys.JSON),
                patient_name_sealed=seal(
                    keys.place_of(Submission, "patient_name"), row.patient_name, keys.TEXT
                ),
            )
        )
        if row.pdf is not None:
            connection.execute(
                insert(_pdfs).values(
                    submission_id=row.id, sealed=seal(SubmissionPdf.PLACE, row.pdf, keys.BYTES)
                )
            )
        connection.execute(
            insert(_grams), search.index_rows(search_key, row.id, row.patient_name, row.reference)
        )
    return len(rows)


def _seal_appointments(connection: Connection, search_key: bytes) -> int:
    rows = _next_batch(connection, _appointments, _not_sealed(_appointments))
    if not rows:
        return 0
    new_key = _sealer(connection)
    for row in rows:
        key_id, seal = new_key()
        parts = (
            search.normal(row.patient_name),
            row.date_of_birth.isoformat(),
            row.appointment_date.isoformat(),
            row.appointment_time.strftime("%H:%M"),
        )
        connection.execute(
            update(_appointments)
            .where(_appointments.c.id == row.id)
            .values(
                key_id=key_id,
                patient_name_sealed=seal(
                    keys.place_of(Appointment, "patient_name"), row.patient_name, keys.TEXT
                ),
                date_of_birth_sealed=seal(
                    keys.place_of(Appointment, "date_of_birth"), row.date_of_birth, keys.DATE
                ),
                email_sealed=seal(keys.place_of(Appointment, "email"), row.email, keys.TEXT),
                natural_key=keys.keyed_digest(search_key, "appointment", "\x1f".join(parts)),
            )
        )
    return len(rows)


def _seal_drafts(connection: Connection) -> int:
    rows = _next_batch(connection, _drafts, _not_sealed(_drafts))
    new_key = _sealer(connection)
    for row in rows:
        key_id, seal = new_key()
        connection.execute(
            update(_drafts)
            .where(_drafts.c.id == row.id)
            .values(
                key_id=key_id,
                answers_sealed=seal(keys.place_of(Draft, "answers"), row.answers, keys.JSON),
            )
        )
    return len(rows)


def _seal_users(connection: Connection) -> int:
    rows = _next_batch(
        connection,
        _users,
        _not_sealed(_users),
        (_users.c.totp_secret.is_not(None)) | (_users.c.totp_pending_secret.is_not(None)),
    )
    new_key = _sealer(connection)
    for row in rows:
        key_id, seal = new_key()
        connection.execute(
            update(_users)
            .where(_users.c.id == row.id)
            .values(
                key_id=key_id,
                totp_secret_sealed=seal(
                    keys.place_of(User, "totp_secret"), row.totp_secret, keys.TEXT
                ),
                totp_pending_secret_sealed=seal(
                    keys.place_of(User, "totp_pending_secret"), row.totp_pending_secret, keys.TEXT
                ),
            )
        )
    return len(rows)


# The downgrade: open every sealed row into the clear columns again ---------------------------


def _opener(connection: Connection, key_id: int | None):
    """A function opening values sealed under a record key (None: the key was destroyed)."""
    row = (
        connection.execute(select(_record_keys).where(_record_keys.c.id == key_id)).first()
        if key_id is not None
        else None
    )
    key = keys.ring().unwrap(row.id, row.ring_key_id, row.wrapped) if row else None

    def open_(place: str, sealed: bytes | None, codec: keys.Codec, gone):
        if sealed is None or key is None:
            return gone
        return codec.decode(keys.unseal(key, place, sealed))

    return open_


def open_everything() -> None:
    """Put every sealed value back in its clear column (migration 0009's downgrade)."""
    _in_batches(_open_submissions)
    _in_batches(_open_appointments)
    _in_batches(_open_drafts)
    _in_batches(_open_users)


def _open_submissions(connection: Connection) -> int:
    rows = _next_batch(connection, _submissions, _submissions.c.answers.is_(None))
    for row in rows:
        open_ = _opener(connection, row.key_id)
        name = open_(
            keys.place_of(Submission, "patient_name"), row.patient_name_sealed, keys.TEXT, ""
        )
        pdf_row = connection.execute(
            select(_pdfs.c.sealed).where(_pdfs.c.submission_id == row.id)
        ).first()
        connection.execute(
            update(_submissions)
            .where(_submissions.c.id == row.id)
            .values(
                answers=open_(
                    keys.place_of(Submission, "answers"), row.answers_sealed, keys.JSON, {}
                ),
                patient_name=name,
                name_key=name.casefold(),
                pdf=open_(
                    SubmissionPdf.PLACE, pdf_row.sealed if pdf_row else None, keys.BYTES, None
                ),
            )
        )
    return len(rows)


def _open_appointments(connection: Connection) -> int:
    rows = _next_batch(connection, _appointments, _appointments.c.patient_name.is_(None))
    for row in rows:
        open_ = _opener(connection, row.key_id)
        name = open_(
            keys.place_of(Appointment, "patient_name"), row.patient_name_sealed, keys.TEXT, ""
        )
        born = open_(
            keys.place_of(Appointment, "date_of_birth"), row.date_of_birth_sealed, keys.DATE, None
        )
        connection.execute(
            update(_appointments)
            .where(_appointments.c.id == row.id)
            .values(
                patient_name=name,
                date_of_birth=born or row.appointment_date,
                email=open_(keys.place_of(Appointment, "email"), row.email_sealed, keys.TEXT, None),
            )
        )
    return len(rows)


def _open_drafts(connection: Connection) -> int:
    rows = _next_batch(connection, _drafts, _drafts.c.answers.is_(None))
    for row in rows:
        open_ = _opener(connection, row.key_id)
        connection.execute(
            update(_drafts)
            .where(_drafts.c.id == row.id)
            .values(
                answers=open_(keys.place_of(Draft, "answers"), row.answers_sealed, keys.JSON, {})
            )
        )
    return len(rows)


def _open_users(connection: Connection) -> int:
    rows = _next_batch(
        connection,
        _users,
        _users.c.key_id.is_not(None),
        _users.c.totp_secret.is_(None),
        _users.c.totp_pending_secret.is_(None),
        (_users.c.totp_secret_sealed.is_not(None))
        | (_users.c.totp_pending_secret_sealed.is_not(None)),
    )
    for row in rows:
        open_ = _opener(connection, row.key_id)
        # Back in clear as before the upgrade, without its key: an upgrade again seals it anew
        # (it seals the accounts with no key). Kept sealed under a key, it would be skipped
        # with its sealed columns emptied, and the secrets lost when 0010 drops the clear ones.
        connection.execute(
            update(_users)
            .where(_users.c.id == row.id)
            .values(
                totp_secret=open_(
                    keys.place_of(User, "totp_secret"), row.totp_secret_sealed, keys.TEXT, None
                ),
                totp_pending_secret=open_(
                    keys.place_of(User, "totp_pending_secret"),
                    row.totp_pending_secret_sealed,
                    keys.TEXT,
                    None,
                ),
                totp_secret_sealed=None,
                totp_pending_secret_sealed=None,
                key_id=None,
            )
        )
        connection.execute(delete(_record_keys).where(_record_keys.c.id == row.key_id))
    return len(rows)
