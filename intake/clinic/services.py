"""Every write of the clinic side (staff, sign-in sessions, throttling, audit), each in one transaction."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from intake import clock
from intake.database import write_transaction
from intake.extensions import db
from intake.models import ROLES, AuditEvent, SignInThrottle, StaffSession, Submission, User
from intake.printable import one_line
from intake.tokens import new_token, token_hash

MIN_PASSWORD_LENGTH = 12
IDLE_LIMIT = timedelta(minutes=15)
ABSOLUTE_LIMIT = timedelta(hours=12)
LAST_SEEN_PRECISION = timedelta(seconds=10)  # fewer writes; the idle limit is exact to this
THROTTLE_FAILURES = 5
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_LOCK = timedelta(minutes=15)

# argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): a worker that checks a
# password stays small; hashes made with other parameters still verify and are upgraded
# at the next sign-in (check_needs_rehash).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class AccountError(ValueError):
    """A staff account command that cannot be carried out, with a message for the operator."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


# Accounts ----------------------------------------------------------------


def create_user(email: str, password: str, role: str) -> User:
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError(f"role must be one of: {', '.join(ROLES)}")
    if "@" not in email:
        raise AccountError("give the user's email address")
    _check_password(password)
    with write_transaction() as session:
        if session.scalar(select(User).where(User.email == email)):
            raise AccountError(f"a user with the email {email} already exists")
        user = User(
            email=email,
            password_hash=_hasher.hash(password),
            role=role,
            is_enabled=True,
            created_at=clock.now(),
        )
        session.add(user)
    return user


def set_enabled(email: str, enabled: bool) -> None:
    """Disable (or enable again) an account; disabling ends its open sessions at once."""
    with write_transaction() as session:
        user = _user(session, email)
        user.is_enabled = enabled
        if not enabled:
            _end_sessions_of(session, user.id)


def reset_password(email: str, password: str) -> None:
    """Set a new password and end every open session of the account."""
    _check_password(password)
    with write_transaction() as session:
        user = _user(session, email)
        user.password_hash = _hasher.hash(password)
        _end_sessions_of(session, user.id)
        session.execute(delete_throttle(user.email))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")


def _user(session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise AccountError(f"no user has the email {normalise_email(email)}")
    return user


def _end_sessions_of(session, user_id: int) -> None:
    session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.ended_at.is_(None))
        .values(ended_at=clock.now())
    )


# Sign-in -----------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    outcome: str  # "success", "failure" or "throttled"
    user: User | None = None
    token: str | None = None  # the new session's token, on success


def sign_in(email: str, password: str) -> SignIn:
    """Check a sign-in against the account's throttle and password; start a session on success."""
    email = normalise_email(email)
    now = clock.now()
    if _locked_until(email, now):
        _audit(email, None, "sign_in", None, "throttled")
        return SignIn("throttled")
    user = db.session.scalar(select(User).where(User.email == email))
    matches = _password_matches(user, password)  # checked for an unknown email too: same time
    if user is None or not matches or not user.is_enabled:
        _count_failure(email, now)
        _audit(email, user.id if user else None, "sign_in", None, "failure")
        return SignIn("failure")
    token = new_token()
    with write_transaction() as session:
        session.execute(delete_throttle(email))
        if _hasher.check_needs_rehash(user.password_hash):
            session.get(User, user.id).password_hash = _hasher.hash(password)
        session.add(
            StaffSession(
                token_hash=token_hash(token), user_id=user.id, created_at=now, last_seen_at=now
            )
        )
        session.add(_event(email, user.id, "sign_in", None, "success", now))
    user = db.session.get_one(User, user.id)
    user.session_token = token
    return SignIn("success", user, token)


@functools.cache
def _unknown_user_hash() -> str:
    """Verified against when the email is unknown, so a wrong email costs as long as a wrong
    password. Made on first use, not at import: a worker that never checks one stays small."""
    return _hasher.hash("an unknown user's password is never this")


def _password_matches(user: User | None, password: str) -> bool:
    try:
        return (
            _hasher.verify(user.password_hash if user else _unknown_user_hash(), password)
            and user is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def _locked_until(email: str, now: datetime) -> datetime | None:
    locked_until = db.session.scalar(
        select(SignInThrottle.locked_until).where(SignInThrottle.email == email)
    )
    return locked_until if locked_until and locked_until > now else None


def _count_failure(email: str, now: datetime) -> None:
    """Count a failed sign-in in a sliding 15-minute window; the fifth locks the account.

    The account's row is locked while it is counted, so workers and machines agree.
    """
    with write_transaction() as session:
        session.execute(_insert_throttle(email))
        throttle = session.scalar(
            select(SignInThrottle).where(SignInThrottle.email == email).with_for_update()
        )
        earlier = (datetime.fromisoformat(moment) for moment in throttle.recent_failures)
        recent = [moment for moment in earlier if now - moment <= THROTTLE_WINDOW] + [now]
        if len(recent) >= THROTTLE_FAILURES:
            throttle.locked_until = now + THROTTLE_LOCK
            recent = []
        throttle.recent_failures = [moment.isoformat() for moment in recent]


def _insert_throttle(email: str):
    """INSERT ... ON CONFLICT DO NOTHING, so two workers' first failures don't collide."""
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    return (
        insert(SignInThrottle)
        .values(email=email, recent_failures=[], locked_until=None)
        .on_conflict_do_nothing(index_elements=["email"])
    )


def delete_throttle(email: str):
    return delete(SignInThrottle).where(SignInThrottle.email == email)


# Sessions ----------------------------------------------------------------


def load_session_user(token: str) -> User | None:
    """The user of a live session, or None; an idle or too-old session is ended here."""
    now = clock.now()
    staff_session = db.session.scalar(
        select(StaffSession).where(StaffSession.token_hash == token_hash(token))
    )
    if staff_session is None or staff_session.ended_at is not None:
        return None
    expired = (
        now - staff_session.last_seen_at > IDLE_LIMIT
        or now - staff_session.created_at > ABSOLUTE_LIMIT
        or not staff_session.user.is_enabled
    )
    if expired or now - staff_session.last_seen_at > LAST_SEEN_PRECISION:
        session_id, user_id = staff_session.id, staff_session.user_id
        change = {"ended_at": now} if expired else {"last_seen_at": now}
        with write_transaction() as session:
            session.execute(
                update(StaffSession).where(StaffSession.id == session_id).values(change)
            )
        if expired:
            return None
        user = db.session.get_one(User, user_id)
    else:
        user = staff_session.user
    user.session_token = token
    return user


def sign_out(user: User) -> None:
    if user.session_token is None:  # not loaded for a request: no sign-in to end
        return
    with write_transaction() as session:
        session.execute(
            update(StaffSession)
            .where(StaffSession.token_hash == token_hash(user.session_token))
            .values(ended_at=clock.now())
        )
        session.add(_event(user.email, user.id, "sign_out", None, "success", clock.now()))


# Submissions and audit ---------------------------------------------------


def mark_reviewed(reference: str, user: User) -> None:
    """Record who reviewed a submission and when (the first review stands)."""
    now = clock.now()
    with write_transaction() as session:
        submission = session.scalar(
            select(Submission).where(Submission.reference == reference).with_for_update()
        )
        if submission.reviewed_at is None:
            submission.reviewed_at, submission.reviewed_by_id = now, user.id
        session.add(_event(user.email, user.id, "mark_reviewed", reference, "success", now))


def audit(
    user: User | None, action: str, reference: str | None = None, outcome: str = "success"
) -> None:
    """Append one event to the audit log."""
    _audit(user.email if user else "", user.id if user else None, action, reference, outcome)


def _audit(
    email: str, user_id: int | None, action: str, reference: str | None, outcome: str
) -> None:
    with write_transaction() as session:
        session.add(_event(email, user_id, action, reference, outcome, clock.now()))


def _event(email, user_id, action, reference, outcome, at) -> AuditEvent:
    """One event; each text on one line, so no email typed at sign-in can forge another."""
    return AuditEvent(
        at=at,
        email=one_line(email)[:254],
        user_id=user_id,
        action=one_line(action),
        reference=None if reference is None else one_line(reference),
        outcome=one_line(outcome),
    )
