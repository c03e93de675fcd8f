"""Tables. Models hold data only; the service modules own every write (intake.services,
intake.wizard.drafts, intake.clinic.services)."""

from __future__ import annotations

from datetime import date, datetime, time

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intake import keys
from intake.database import UTCDateTime
from intake.extensions import Model
from intake.keys import RecordKey, SealedField


def _record_key(model: str):
    """The record's own key in the key store (intake.keys): loaded with the record, by a second
    SELECT for all the records read at once. Not joined: PostgreSQL refuses FOR UPDATE on the
    nullable side of an outer join, and records are read FOR UPDATE to change them. No foreign
    key: on SQLite the key store is another database file."""
    return relationship(
        RecordKey,
        primaryjoin=f"foreign({model}.key_id) == RecordKey.id",
        lazy="selectin",
        viewonly=False,
    )


class Draft(Model):
    """A patient's answers in progress. The browser holds only a random token; we keep its hash."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The version the answers were given in; an older one is carried over when next read.
    questionnaire_version: Mapped[str] = mapped_column(String(16))
    # The answers so far, sealed under the draft's own key (intake.keys).
    key_id: Mapped[int | None] = mapped_column(BigInteger)
    record_key: Mapped[RecordKey | None] = _record_key("Draft")
    answers_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    answers = SealedField("answers_sealed", keys.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Begun on a front-desk tablet: the tablet's idle limit holds whatever cookie comes later.
    on_tablet: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # An invited patient's draft: the same invitation resumes it on any device.
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), unique=True)


class Submission(Model):
    """A submitted questionnaire: what the patient confirmed, kept as the record."""

    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint("length(reference) = 9", name="reference_length"),
        Index("ix_submissions_submitted_at", "submitted_at", "id"),
        Index("ix_submissions_live", "deleted_at", "submitted_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(9), unique=True)
    # The draft this came from: a second Submit from the same browser finds this row.
    draft_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    questionnaire_id: Mapped[str] = mapped_column(String(64))
    questionnaire_version: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8), default="en")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The answers and the name, sealed under the submission's own key (intake.keys); None once
    # deleted, with the key destroyed. The PDF is in SubmissionPdf, sealed under the same key.
    key_id: Mapped[int | None] = mapped_column(BigInteger)
    record_key: Mapped[RecordKey | None] = _record_key("Submission")
    answers_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    answers = SealedField("answers_sealed", keys.JSON)
    patient_name_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    patient_name = SealedField("patient_name_sealed", keys.TEXT)
    # The SHA-256 of the PDF as rendered at submit; kept in the tombstone after deletion.
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    # In clear so the list can filter and sort on it (the README says what stays in clear).
    appointment_date: Mapped[date | None] = mapped_column(Date, index=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    # The appointment it answers (an invited patient's, or one joined by a desk code).
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), unique=True)
    # Hand-off (SPEC section 12): filed in the clinic's patient record, held, deleted. A
    # deleted submission is a tombstone: reference, dates, who filed, why deleted, PDF hash.
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_by: Mapped[User | None] = relationship(foreign_keys=[filed_by_id])
    legal_hold_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    legal_hold_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deletion_reason: Mapped[str | None] = mapped_column(String(500))

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class SubmissionPdf(Model):
    """A submission's PDF, apart from the row the lists read, sealed under the submission's key.
    (No foreign key: on SQLite, a migration rebuilding `submissions` would break it.)"""

    __tablename__ = "submission_pdfs"
    PLACE = "submission_pdfs.pdf"  # the associated data its bytes are sealed with (intake.keys)

    submission_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class SearchGram(Model):
    """The search index of names and references (intake.search): keyed hashes of their
    three-letter pieces and word starts, never the text."""

    __tablename__ = "search_grams"
    __table_args__ = ({"sqlite_with_rowid": False},)

    gram: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    submission_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


ROLES = ("clinician", "frontdesk")


class User(UserMixin, Model):
    """A member of clinic staff. Passwords are kept only as argon2id hashes."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('clinician', 'frontdesk')", name="known_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Two-factor sign-in (TOTP, RFC 6238): the secret once enrolled, the one shown while
    # enrolling, and the time step of the last code accepted (never accepted twice).
    # Both sealed under the account's own key (intake.keys).
    key_id: Mapped[int | None] = mapped_column(BigInteger)
    record_key: Mapped[RecordKey | None] = _record_key("User")
    totp_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_secret = SealedField("totp_secret_sealed", keys.TEXT)
    totp_pending_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_pending_secret = SealedField("totp_pending_secret_sealed", keys.TEXT)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    # Set when loaded for a request: the sign-in this request belongs to (Flask-Login's id).
    # Typed in a comment: SQLAlchemy would take an annotation for a column.
    session_token = None  # type: str | None

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    @property
    def is_clinician(self) -> bool:
        return self.role == "clinician"

    def get_id(self) -> str | None:
        return self.session_token


class StaffSession(Model):
    """One sign-in. Ending it here ends it everywhere, whatever copies of the cookie exist."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The password was right but sign-in waits for the authentication code ("code") or for
    # enrolment ("enrol"); None once signed in. Only a session with None signs anyone in.
    pending: Mapped[str | None] = mapped_column(String(8))


class SignInThrottle(Model):
    """Failed sign-ins per account, in the database so the limit holds across workers and machines."""

    __tablename__ = "sign_in_throttle"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    recent_failures: Mapped[list] = mapped_column(JSON, default=list)  # ISO times, last 15 minutes
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RateLimit(Model):
    """Hits of one action from one client address in one fixed window (SPEC section 7), in the
    database so the limit holds across workers and servers. The key holds the action, a keyed
    hash of the address (never the address) and the window."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


APPOINTMENT_STATES = (
    "not_invited",
    "invited",
    "opened",
    "in_progress",
    "submitted",
    "reviewed",
    "filed",
    "expired",
    "cancelled",
)


class Appointment(Model):
    """A patient expected on a day (SPEC section 11), and where their invitation stands."""

    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint(
            "state IN (" + ", ".join(f"'{state}'" for state in APPOINTMENT_STATES) + ")",
            name="known_state",
        ),
        CheckConstraint("language IN ('en', 'es')", name="known_language"),
        Index("ix_appointments_day", "appointment_date", "appointment_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The patient's name, date of birth and email, sealed under the appointment's own key
    # (intake.keys); None once deleted with its submission.
    key_id: Mapped[int | None] = mapped_column(BigInteger)
    record_key: Mapped[RecordKey | None] = _record_key("Appointment")
    patient_name_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    patient_name = SealedField("patient_name_sealed", keys.TEXT)
    date_of_birth_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    date_of_birth = SealedField("date_of_birth_sealed", keys.DATE)
    email_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    email = SealedField("email_sealed", keys.TEXT)
    # In clear: the Clinic day lists a day's appointments by time.
    appointment_date: Mapped[date] = mapped_column(Date)
    appointment_time: Mapped[time] = mapped_column(Time)
    language: Mapped[str] = mapped_column(String(8))
    # The same appointment added twice (a CSV imported again) is found by this: a keyed hash
    # (the search key, intake.keys) of its normalised name, date of birth, date and time.
    natural_key: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="not_invited")
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The last delivery of its invitation email: None (no address, or not sent yet), "sent"
    # or "refused", with the server's reason for a refusal (never patient data).
    email_status: Mapped[str | None] = mapped_column(String(16))
    email_error: Mapped[str | None] = mapped_column(String(200))


class Invitation(Model):
    """One link of an appointment: the browser's URL holds a random token, we keep its hash.
    Resending or cancelling revokes it; it works until the end of the appointment day."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # purged after
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Wrong dates of birth: five in 15 minutes lock the invitation for 15 minutes.
    recent_failures: Mapped[list] = mapped_column(JSON, default=list)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeskCode(Model):
    """A code front desk gives an invited patient at a tablet: 6 characters, 15 minutes, once."""

    __tablename__ = "desk_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # purged after
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Reminder(Model):
    """A reminder email due on a day (3 and 1 days before): claimed by one tick, sent once."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("appointment_id", "days_before", name="one_reminder_a_day"),
        CheckConstraint(
            "status IN ('due', 'sending', 'sent', 'skipped', 'failed')", name="known_status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"))
    days_before: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(8), default="due")
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(Model):
    """Who did what, to which submission, when: appended to, never changed. Never answer content."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    email: Mapped[str] = mapped_column(String(254))  # as typed, for failed sign-ins
    action: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str | None] = mapped_column(String(9))
    outcome: Mapped[str] = mapped_column(String(16))
    # The appointment an event is about (its state changes, invitations sent), by id only.
    appointment_id: Mapped[int | None] = mapped_column(Integer)
