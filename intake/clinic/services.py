"""Every write of the clinic side (staff, sign-in and its second factor, sessions, the account
lock, audit), each in one transaction."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, or_, select, update

from intake import clock
from intake.clinic import second_factor
from intake.database import upsert, write_transaction
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

CODE, ENROL = "code", "enrol"  # what a sign-in whose password was right still waits for
PENDING_LIMIT = timedelta(minutes=5)


@dataclass(frozen=True)
class SignIn:
    # "success"; CODE or ENROL (the password was right: a pending sign-in waits for the
    # authentication code or for enrolment); "failure", "throttled" or "expired"
    outcome: str
    user: User | None = None
    token: str | None = None  # the new session's token: signed in, or pending for CODE and ENROL


@dataclass(frozen=True)
class _Attempt:
    """A sign-in attempt, counted as failed before anything of it is checked."""

    refused: bool  # the account is locked: nothing may be checked
    locks: bool = False  # the fifth in 15 minutes: it locked the account unless it signs in


def sign_in(
    email: str, password: str, code: str | None = None, require_2fa: bool = False
) -> SignIn:
    """The password step: counted, then checked. A right password signs in, or starts a
    sign-in that waits for the authentication code (or, with require_2fa, for enrolment)."""
    email = normalise_email(email)
    now = clock.now()
    attempt = _count_attempt(email, now)
    if attempt.refused:
        return _sign_in_while_locked(email, password, code, now)
    user = db.session.scalar(select(User).where(User.email == email))
    matches = _password_matches(user, password)  # checked for an unknown email too: same time
    if user is None or not matches or not user.is_enabled:
        user_id = user.id if user else None
        with write_transaction() as session:
            session.add(audit_event(email, user_id, "sign_in", None, "failure", now))
            session.add_all(_lock_events(email, user_id, attempt, now))
        return SignIn("failure")
    waits_for = CODE if user.totp_secret else ENROL if require_2fa else None
    with write_transaction() as session:
        if waits_for == CODE:  # still counted: the code is checked next
            session.add_all(_lock_events(email, user.id, attempt, now))
        else:  # signed in, or enrolling a new authenticator: nothing more to guess
            session.execute(delete_throttle(email))
        if _hasher.check_needs_rehash(user.password_hash):
            session.get_one(User, user.id).password_hash = _hasher.hash(password)
        token = _start_session(session, user.id, now, waits_for)
        if waits_for is None:
            session.add(audit_event(email, user.id, "sign_in", None, "success", now))
    return _sign_in_of(user.id, token, waits_for or "success")


def sign_in_with_code(token: str, code: str) -> SignIn:
    """The code step of a pending sign-in: counted like a password, then checked; a right code
    not used before signs in."""
    now = clock.now()
    user = pending_sign_in(token, CODE)
    if user is None:
        return SignIn("expired")
    user_id, email, secret = user.id, user.email, user.totp_secret or ""
    attempt = _count_attempt(email, now)
    if attempt.refused:
        with write_transaction() as session:
            session.execute(_end_session(token, now))
            session.add(audit_event(email, None, "sign_in", None, "throttled", now))
        return SignIn("throttled")
    with write_transaction() as session:
        if not _accept_code(session, user_id, secret, code, now):
            session.add(audit_event(email, user_id, "sign_in_code", None, "failure", now))
            session.add_all(_lock_events(email, user_id, attempt, now))
            return SignIn("failure")
        signed_in = _complete_sign_in(session, token, now)
        if signed_in is None:
            return SignIn("expired")
        session.execute(delete_throttle(email))
        session.add(audit_event(email, user_id, "sign_in", None, "success", now))
    return _sign_in_of(user_id, signed_in)


def _sign_in_while_locked(email: str, password: str, code: str | None, now: datetime) -> SignIn:
    """A locked account signs in only with its password and authentication code together, so a
    stranger cannot keep its owner out. Refused attempts are not counted: they neither need
    nor extend the lock."""
    owner = _owner_with_code(email, password, code)
    with write_transaction() as session:
        throttle = _throttle_row(session, email)  # whatever the password: the same work
        token = _code_while_locked(session, throttle, *owner, now) if owner else None
        user_id, outcome = (owner[0], "success_locked") if owner and token else (None, "throttled")
        session.add(audit_event(email, user_id, "sign_in", None, outcome, now))
    return _sign_in_of(owner[0], token) if owner and token else SignIn("throttled")


def _owner_with_code(email: str, password: str, code: str | None) -> tuple[int, str, str] | None:
    """(user id, TOTP secret, code) when a code came with the right password of an enrolled
    account. Without a code the password is not checked at all: never on its own."""
    if not code:
        return None
    user = db.session.scalar(select(User).where(User.email == email))
    matches = _password_matches(user, password)  # checked for an unknown email too: same time
    if user is None or not matches or not user.is_enabled or not user.totp_secret:
        return None
    return user.id, user.totp_secret, code


def _code_while_locked(
    session, throttle: SignInThrottle, user_id: int, secret: str, code: str, now: datetime
) -> str | None:
    """The code of a locked account whose password was right: a new session's token, or None.
    A wrong one is counted on the account's locked row: five at most while the lock lasts,
    so the password alone does not let anyone guess codes."""
    tried = _recent_failures(throttle, now)
    if len(tried) >= THROTTLE_FAILURES:
        return None
    if not _accept_code(session, user_id, secret, code, now):
        throttle.recent_failures = _as_text([*tried, now])
        return None
    session.delete(throttle)
    return _start_session(session, user_id, now)


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


def _accept_code(session, user_id: int, secret: str, code: str, now: datetime) -> bool:
    """Whether the code is right now and of a later time step than any accepted before for
    the account; the step is recorded by the same statement, so no code is accepted twice,
    even by two workers at once."""
    step = second_factor.matching_step(secret, code, now)
    if step is None:
        return False
    accepted = session.scalar(
        update(User)
        .where(User.id == user_id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .returning(User.id)
        .execution_options(synchronize_session=False)
    )
    return accepted is not None


def _sign_in_of(user_id: int, token: str, outcome: str = "success") -> SignIn:
    """The result for the view, its user loaded in the request's database session."""
    user = db.session.get_one(User, user_id)
    if outcome == "success":
        user.session_token = token
    return SignIn(outcome, user, token)


# The account lock: counted before anything is checked ------------------------


def _count_attempt(email: str, now: datetime) -> _Attempt:
    """Count an attempt (a password or a code) as failed before it is checked; a sign-in that
    completes clears the count. One transaction on the account's locked row, so parallel
    guesses on any number of workers get no more than five checks in 15 minutes."""
    with write_transaction() as session:
        throttle = _throttle_row(session, email)
        if throttle.locked_until and throttle.locked_until > now:
            return _Attempt(refused=True)
        counted = [*_recent_failures(throttle, now), now]
        locks = len(counted) >= THROTTLE_FAILURES
        if locks:
            throttle.locked_until, counted = now + THROTTLE_LOCK, []
        throttle.recent_failures = _as_text(counted)
        return _Attempt(refused=False, locks=locks)


def _lock_events(email: str, user_id: int | None, attempt: _Attempt, now) -> list[AuditEvent]:
    """The audit event of the lock an attempt set, once the attempt has not signed in."""
    return (
        [audit_event(email, user_id, "account_locked", None, "locked", now)]
        if attempt.locks
        else []
    )


def _throttle_row(session, email: str) -> SignInThrottle:
    """The account's throttle row, made if missing, locked until the transaction ends (FOR
    UPDATE on PostgreSQL; on SQLite the write transaction holds the database already)."""
    session.execute(_insert_throttle(email))
    return session.scalars(
        select(SignInThrottle).where(SignInThrottle.email == email).with_for_update()
    ).one()


def _recent_failures(throttle: SignInThrottle, now: datetime) -> list[datetime]:
    earlier = (datetime.fromisoformat(moment) for moment in throttle.recent_failures)
    return [moment for moment in earlier if now - moment <= THROTTLE_WINDOW]


def _as_text(moments: list[datetime]) -> list[str]:
    return [moment.isoformat() for moment in moments]


def _insert_throttle(email: str):
    """INSERT ... ON CONFLICT DO NOTHING, so two workers' first attempts don't collide."""
    return (
        upsert(db.engine.dialect.name, SignInThrottle)
        .values(email=email, recent_failures=[], locked_until=None)
        .on_conflict_do_nothing(index_elements=["email"])
    )


def delete_throttle(email: str):
    return delete(SignInThrottle).where(SignInThrottle.email == email)


# Two-factor sign-in: enrolment and recovery ------------------------------------


def enrolment_secret(user_id: int) -> str:
    """The secret being enrolled: made at the first visit and kept until enrolment, so a
    reload shows the same one (never in a cookie or a URL)."""
    with write_transaction() as session:  # holds the write lock: two tabs make one secret
        user = session.get_one(User, user_id, with_for_update=True)
        if user.totp_pending_secret is None:
            user.totp_pending_secret = second_factor.new_secret()  # sealed (intake.keys)
        return user.totp_pending_secret


def enrol(user_id: int, code: str) -> bool:
    """Turn two-factor sign-in on for a signed-in account whose code proves the secret is in
    its authenticator; refused once it is on (recovery is reset-2fa)."""
    with write_transaction() as session:
        return _enrol(session, user_id, code, clock.now())


def enrol_and_sign_in(token: str, code: str) -> SignIn:
    """Enrolment required at sign-in (INTAKE_REQUIRE_2FA): a right code enrols and signs in."""
    now = clock.now()
    user = pending_sign_in(token, ENROL)
    if user is None:
        return SignIn("expired")
    user_id, email = user.id, user.email
    with write_transaction() as session:
        if not _enrol(session, user_id, code, now):
            return SignIn("failure")
        signed_in = _complete_sign_in(session, token, now)
        if signed_in is None:
            return SignIn("expired")
        session.add(audit_event(email, user_id, "sign_in", None, "success", now))
    return _sign_in_of(user_id, signed_in)


def _enrol(session, user_id: int, code: str, now: datetime) -> bool:
    user = session.scalars(select(User).where(User.id == user_id).with_for_update()).one()
    secret = user.totp_pending_secret
    if user.totp_secret or not secret or not _accept_code(session, user_id, secret, code, now):
        return False
    user.totp_secret, user.totp_pending_secret = secret, None
    session.add(audit_event(user.email, user_id, "2fa_enrolled", None, "success", now))
    return True


def reset_two_factor(email: str) -> None:
    """Recovery of a lost authenticator: the account signs in with its password again (and
    enrols anew where required); its open sessions end. Audited as the operator's."""
    with write_transaction() as session:
        user = _user(session, email)
        user.totp_secret = user.totp_pending_secret = None
        user.totp_last_step = None
        _end_sessions_of(session, user.id)
        session.add(audit_event(user.email, None, "2fa_reset", None, "success", clock.now()))


# Sessions ----------------------------------------------------------------


def load_session_user(token: str) -> User | None:
    """The user of a live, signed-in session, or None; an idle or too-old session is ended here.
    A sign-in still waiting for its code or enrolment signs no one in."""
    now = clock.now()
    staff_session = db.session.scalar(
        select(StaffSession).where(
            StaffSession.token_hash == token_hash(token), StaffSession.pending.is_(None)
        )
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


def pending_sign_in(token: str, waits_for: str) -> User | None:
    """The user of a sign-in still waiting for its code (CODE) or enrolment (ENROL), for five
    minutes at most; one that took longer is ended here."""
    now = clock.now()
    staff_session = db.session.scalar(
        select(StaffSession).where(
            StaffSession.token_hash == token_hash(token),
            StaffSession.pending == waits_for,
            StaffSession.ended_at.is_(None),
        )
    )
    if staff_session is None:
        return None
    if now - staff_session.created_at > PENDING_LIMIT or not staff_session.user.is_enabled:
        with write_transaction() as session:
            session.execute(_end_session(token, now))
        return None
    return staff_session.user


def _start_session(session, user_id: int, now: datetime, pending: str | None = None) -> str:
    """A new sign-in's row; the browser gets the token, the database keeps only its hash."""
    token = new_token()
    session.add(
        StaffSession(
            token_hash=token_hash(token),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            pending=pending,
        )
    )
    return token


def _complete_sign_in(session, token: str, now: datetime) -> str | None:
    """A pending sign-in becomes signed in under a new token (the one the browser held while
    waiting signs no one in); None when it ended or ran out of time meanwhile."""
    signed_in = new_token()
    completed = session.scalar(
        update(StaffSession)
        .where(
            StaffSession.token_hash == token_hash(token),
            StaffSession.pending.is_not(None),
            StaffSession.ended_at.is_(None),
            StaffSession.created_at >= now - PENDING_LIMIT,
        )
        .values(token_hash=token_hash(signed_in), pending=None, created_at=now, last_seen_at=now)
        .returning(StaffSession.id)
        .execution_options(synchronize_session=False)
    )
    return signed_in if completed is not None else None


def _end_session(token: str, now: datetime):
    return (
        update(StaffSession)
        .where(StaffSession.token_hash == token_hash(token))
        .values(ended_at=now)
    )


def sign_out(user: User) -> None:
    if user.session_token is None:  # not loaded for a request: no sign-in to end
        return
    now = clock.now()
    with write_transaction() as session:
        session.execute(_end_session(user.session_token, now))
        session.add(audit_event(user.email, user.id, "sign_out", None, "success", now))


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
        session.add(audit_event(user.email, user.id, "mark_reviewed", reference, "success", now))


def audit(
    user: User | None, action: str, reference: str | None = None, outcome: str = "success"
) -> None:
    """Append one event to the audit log."""
    _audit(user.email if user else "", user.id if user else None, action, reference, outcome)


def _audit(
    email: str, user_id: int | None, action: str, reference: str | None, outcome: str
) -> None:
    with write_transaction() as session:
        session.add(audit_event(email, user_id, action, reference, outcome, clock.now()))


def audit_event(email, user_id, action, reference, outcome, at, appointment_id=None) -> AuditEvent:
    """One event; each text on one line, so no email typed at sign-in can forge another."""
    return AuditEvent(
        at=at,
        email=one_line(email)[:254],
        user_id=user_id,
        action=one_line(action),
        reference=None if reference is None else one_line(reference),
        outcome=one_line(outcome),
        appointment_id=appointment_id,
    )


def appointment_event(
    user: User | None, action: str, appointment_id: int, at, outcome: str = "success"
) -> AuditEvent:
    """An event about an appointment (added, invited, a state change, an email sent or
    refused), by its id only: never the patient's name, date of birth or address."""
    email, user_id = (user.email, user.id) if user else ("", None)
    return audit_event(email, user_id, action, None, outcome, at, appointment_id)
