"""A patient's draft: the answers kept on the server while they fill the questionnaire.

The browser's session cookie holds only an opaque random token (no answer ever goes in it);
the database keeps the token's hash. A draft lives for DRAFT_LIFETIME_HOURS after its last
change; one begun on a front-desk tablet is marked so (`on_tablet`) and lives only
TABLET_IDLE_SECONDS, the tablet's idle rule, whatever cookies later requests bring:
`_kept_for()` sets that, and `_EXPIRED` holds it on every read, even for a row whose
`expires_at` says otherwise. A draft found expired is deleted there and then, so nothing of a
patient outlives it.

Every read and write of drafts is here. The patient side reads a draft on every page and
writes one on every Continue, so those two run as prebuilt plain statements on connections
of their own, without the ORM session's bookkeeping.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, session
from sqlalchemy import Row, and_, bindparam, delete, or_, select, true, update

from intake import clock, keys, questionnaire, services, tablet
from intake.appointments import services as appointments
from intake.database import read_connection, write_connection, write_transaction
from intake.extensions import db
from intake.keys import RecordKey
from intake.models import Appointment, Draft, Submission
from intake.tokens import new_token, token_hash

SESSION_KEY = "draft"

_drafts = Draft.metadata.tables[Draft.__tablename__]
_keys = RecordKey.metadata.tables[f"{keys.KEY_SCHEMA}.{RecordKey.__tablename__}"]
_DRAFT = select(
    _drafts.c.id,
    _drafts.c.questionnaire_version,
    _drafts.c.answers_sealed,
    _drafts.c.updated_at,
    _drafts.c.expires_at,
    _drafts.c.on_tablet,
    _drafts.c.appointment_id,
    _drafts.c.key_id,
    _keys.c.ring_key_id,
    _keys.c.wrapped,
).select_from(_drafts.outerjoin(_keys, _keys.c.id == _drafts.c.key_id))
_DRAFT_BY_TOKEN = _DRAFT.where(_drafts.c.token_hash == bindparam("token_hash"))
_DRAFT_BY_TOKEN_FOR_UPDATE = _DRAFT_BY_TOKEN.with_for_update(of=_drafts)
_UPDATE_DRAFT = (
    update(_drafts)
    .where(_drafts.c.id == bindparam("draft_id"))
    .values(
        questionnaire_version=bindparam("version"),
        answers_sealed=bindparam("new_answers"),
        updated_at=bindparam("now"),
        expires_at=bindparam("until"),
    )
)
_DELETE_DRAFT = delete(_drafts).where(_drafts.c.id == bindparam("draft_id"))
_DELETE_KEY = delete(_keys).where(_keys.c.id == bindparam("key_id"))
# Past its lifetime, or begun on a tablet and left idle for longer than the tablet allows.
_EXPIRED = or_(
    _drafts.c.expires_at <= bindparam("now"),
    and_(_drafts.c.on_tablet.is_(true()), _drafts.c.updated_at <= bindparam("idle_since")),
)
_DELETE_IF_EXPIRED = _DELETE_DRAFT.where(_EXPIRED)
_DELETE_EXPIRED = delete(_drafts).where(_EXPIRED)
# A draft's key goes with it: its answers are then unreadable in any copy of the data.
_DELETE_KEYS_OF_EXPIRED = delete(_keys).where(
    _keys.c.id.in_(select(_drafts.c.key_id).where(_EXPIRED).scalar_subquery())
)
_TOUCH_DRAFT = (
    update(_drafts)
    .where(_drafts.c.id == bindparam("draft_id"))
    .values(updated_at=bindparam("now"), expires_at=bindparam("until"))
)
_SUBMISSION_BY_TOKEN = select(Submission).where(
    Submission.draft_token_hash == bindparam("token_hash")
)
DRAFT_ANSWERS = keys.place_of(Draft, "answers")  # as the model seals them


@dataclass(frozen=True)
class OpenDraft:
    """A draft as read, its answers opened with its own key."""

    id: int
    questionnaire_version: str
    answers: dict
    updated_at: datetime
    expires_at: datetime
    on_tablet: bool
    appointment_id: int | None
    key_id: int | None
    key: bytes | None = field(repr=False, default=None)

    def sealed(self, answers: dict) -> bytes:
        """New answers sealed under this draft's key."""
        if self.key is None:
            raise keys.KeyRingError("this draft has no key")
        return keys.seal(self.key, DRAFT_ANSWERS, keys.JSON.encode(answers))


def _opened(row: Row | None) -> OpenDraft | None:
    if row is None:
        return None
    key = None
    answers: dict = {}
    if row.key_id is not None:
        if row.wrapped is None:
            raise keys.KeyRingError("The key of this draft was destroyed: its data is gone.")
        key = keys.ring().unwrap(row.key_id, row.ring_key_id, row.wrapped)
        if row.answers_sealed is not None:
            answers = keys.JSON.decode(keys.unseal(key, DRAFT_ANSWERS, row.answers_sealed))
    return OpenDraft(
        id=row.id,
        questionnaire_version=row.questionnaire_version,
        answers=answers,
        updated_at=row.updated_at,
        expires_at=row.expires_at,
        on_tablet=row.on_tablet,
        appointment_id=row.appointment_id,
        key_id=row.key_id,
        key=key,
    )


def _delete(connection, draft: OpenDraft | Row, expired_only: bool = False) -> None:
    """Delete a draft and its key (only if expired, when asked)."""
    statement = _DELETE_IF_EXPIRED if expired_only else _DELETE_DRAFT
    parameters = {"draft_id": draft.id, **(_expiry(clock.now()) if expired_only else {})}
    if connection.execute(statement, parameters).rowcount and draft.key_id is not None:
        connection.execute(_DELETE_KEY, {"key_id": draft.key_id})


def _delete_expired(connection, now: datetime) -> int:
    connection.execute(_DELETE_KEYS_OF_EXPIRED, _expiry(now))
    return connection.execute(_DELETE_EXPIRED, _expiry(now)).rowcount


class DraftChanged(Exception):
    """The draft changed between the last check and Submit (another tab saved a step)."""


# This browser's draft --------------------------------------------------------------------


def browser_token() -> str | None:
    """The draft token in this browser's session cookie, if it has one."""
    return session.get(SESSION_KEY)


def lifetime() -> timedelta:
    """How long a draft lives after its last change; one begun on a tablet, less (`_kept_for`)."""
    return timedelta(hours=current_app.config["DRAFT_LIFETIME_HOURS"])


def current() -> OpenDraft | None:
    """This browser's live draft (id, questionnaire_version, answers, updated_at, expires_at,
    on_tablet, appointment_id), or None."""
    return find(browser_token())


def start_for_browser() -> str:
    """A new empty draft whose token this browser's session cookie now holds; begun on a
    front-desk tablet, it keeps the tablet's idle limit for good."""
    token = start(lifetime(), on_tablet=tablet.is_tablet())
    session[SESSION_KEY] = token
    return token


def open_appointment_draft_for_browser(appointment_id: int, prefill: dict) -> None:
    """After the right date of birth: this browser's session holds the appointment's draft,
    begun now or resumed (on a tablet, any earlier patient's draft is forgotten first)."""
    on_tablet = tablet.is_tablet()
    if on_tablet:
        forget_browser_draft()
    session[SESSION_KEY] = open_for_appointment(appointment_id, prefill, lifetime(), on_tablet)


def forget_browser_draft() -> None:
    """Delete this browser's draft now (tablet reset, or every start on a tablet)."""
    discard(browser_token())


def submission_of_browser() -> Submission | None:
    """The submission this browser made from its draft, if it has submitted."""
    return submission_of(browser_token())


# Drafts by token -------------------------------------------------------------------------


def find(token: str | None) -> OpenDraft | None:
    """The live draft for a token (id, questionnaire_version, answers, updated_at, expires_at,
    on_tablet, appointment_id), or None when unknown or expired; an expired draft found here is deleted."""
    if not token:
        return None
    # Every patient page starts here: one read, outside a transaction on PostgreSQL.
    with read_connection() as connection:
        row = connection.execute(_DRAFT_BY_TOKEN, {"token_hash": token_hash(token)}).first()
    if row is None or _is_live(row):
        return _opened(row)
    with write_connection() as connection:  # unless another request has just renewed it
        _delete(connection, row, expired_only=True)
    return None


def start(lifetime: timedelta, on_tablet: bool = False) -> str:
    """A new empty draft; returns the token for the browser. Expired drafts are purged here."""
    token = new_token()
    now = clock.now()
    with write_transaction() as transaction:
        _delete_expired(transaction, now)
        transaction.add(
            Draft(
                token_hash=token_hash(token),
                questionnaire_version=questionnaire.QUESTIONNAIRE_VERSION,
                answers={},
                created_at=now,
                updated_at=now,
                expires_at=now + _kept_for(lifetime, on_tablet),
                on_tablet=on_tablet,
            )
        )
    return token


def open_for_appointment(
    appointment_id: int, prefill: dict, lifetime: timedelta, on_tablet: bool = False
) -> str:
    """The appointment's one draft, for a browser that has just given the right date of birth:
    a new token for it (only its hash kept), so the same link resumes the same answers on
    another device. The token is rotated, not shared: a browser that opened it before loses
    it (no token is ever stored readable). A new draft starts with `prefill`; the tablet's
    idle limit holds for it while a tablet holds it."""
    token = new_token()
    now = clock.now()
    with write_transaction() as transaction:
        # The appointment's row, held: two devices opening it at once make one draft, not two.
        transaction.get_one(Appointment, appointment_id, with_for_update=True)
        _delete_expired(transaction, now)
        draft = transaction.scalar(select(Draft).where(Draft.appointment_id == appointment_id))
        if draft is None:
            draft = Draft(
                questionnaire_version=questionnaire.QUESTIONNAIRE_VERSION,
                answers=prefill,
                created_at=now,
                appointment_id=appointment_id,
            )
            transaction.add(draft)
        draft.token_hash = token_hash(token)
        draft.on_tablet = on_tablet  # the device that now holds it: the other lost its token
        draft.updated_at = now
        draft.expires_at = now + _kept_for(lifetime, draft.on_tablet)
    return token


def purge_expired(now: datetime) -> int:
    """Delete every expired draft; returns how many there were."""
    with write_connection() as connection:
        return _delete_expired(connection, now)


def discard(token: str | None) -> None:
    """Delete a draft now: nothing of it is kept."""
    if token:
        with write_connection() as connection:
            row = connection.execute(
                _DRAFT_BY_TOKEN_FOR_UPDATE, {"token_hash": token_hash(token)}
            ).first()
            if row is not None:
                _delete(connection, row)


def touch(token: str, lifetime: timedelta) -> None:
    """The patient is still there: their live draft counts as changed now."""
    with write_connection() as connection:
        draft = connection.execute(
            _DRAFT_BY_TOKEN_FOR_UPDATE, {"token_hash": token_hash(token)}
        ).first()
        if draft is None or not _is_live(draft):
            return
        now = clock.now()
        connection.execute(
            _TOUCH_DRAFT,
            {"draft_id": draft.id, "now": now, "until": now + _kept_for(lifetime, draft.on_tablet)},
        )


@dataclass(frozen=True)
class Saved:
    """What became of a step's answers: kept or not, and, when the draft was begun on an
    older questionnaire version and carried over just now, the first step to ask again."""

    kept: bool
    ask_again_from: questionnaire.Step | None = None
    appointment_id: int | None = None  # an invited patient's draft: the appointment's id


def save_step(
    token: str, step: questionnaire.Step, step_answers: dict, lifetime: timedelta
) -> Saved:
    """Replace one step's answers in the draft; not kept when the draft is gone or expired (an
    expired one is deleted). Read and written in one write transaction: every Continue.
    A draft of an older questionnaire version is carried over first (`carried_over`)."""
    with write_connection() as connection:
        row = connection.execute(
            _DRAFT_BY_TOKEN_FOR_UPDATE, {"token_hash": token_hash(token)}
        ).first()
        if row is None:
            return Saved(False)
        if not _is_live(row):
            _delete(connection, row, expired_only=True)
            return Saved(False)
        draft = _opened(row)
        assert draft is not None
        earlier, ask_again_from = carried_over(draft)
        step_ids = {q.id for q in step.questions}
        answers = {k: v for k, v in earlier.items() if k not in step_ids}
        answers.update(step_answers)
        now = clock.now()
        connection.execute(
            _UPDATE_DRAFT,
            {
                "draft_id": draft.id,
                "version": questionnaire.QUESTIONNAIRE_VERSION,
                "new_answers": draft.sealed(questionnaire.applicable_answers(answers)),
                "now": now,
                "until": now + _kept_for(lifetime, draft.on_tablet),
            },
        )
    return Saved(True, ask_again_from, draft.appointment_id)


def carried_over(draft: OpenDraft) -> tuple[dict, questionnaire.Step | None]:
    """A draft's answers in the current questionnaire version: as they are for a current
    draft; for one begun on an older version, the answers to unchanged questions, and the
    first step holding a question that is new or changed (SPEC section 2, "Versions")."""
    if draft.questionnaire_version == questionnaire.QUESTIONNAIRE_VERSION:
        return draft.answers, None
    older = questionnaire.find(draft.questionnaire_version)
    return questionnaire.CURRENT.carry_over(older, draft.answers)


def bring_up_to_date(draft: OpenDraft) -> questionnaire.Step | None:
    """Carry a draft begun on an older questionnaire version over to the current one and keep
    it; returns the first step to ask again, or None when the draft was already current."""
    if draft.questionnaire_version == questionnaire.QUESTIONNAIRE_VERSION:
        return None
    answers, ask_again_from = carried_over(draft)
    with write_connection() as connection:
        connection.execute(
            _UPDATE_DRAFT.where(_drafts.c.questionnaire_version == draft.questionnaire_version),
            {
                "draft_id": draft.id,
                "version": questionnaire.QUESTIONNAIRE_VERSION,
                "new_answers": draft.sealed(answers),
                "now": draft.updated_at,
                "until": draft.expires_at,
            },
        )
    return ask_again_from


def fingerprint(answers: dict) -> str:
    """A short digest of a draft's answers: Submit stores only the answers the patient checked."""
    return hashlib.sha256(json.dumps(answers, sort_keys=True).encode()).hexdigest()[:32]


def submit(token: str, checked: str, language: str) -> str:
    """Store the submission and delete the draft in one transaction; returns the reference.
    An invited patient's submission joins their appointment in that transaction.

    `checked` is the fingerprint of the answers shown on the check page: if another
    tab changed them since, DraftChanged is raised and nothing is stored.
    Idempotent per draft: a second Submit (double click, resent POST, Back then
    Submit) returns the reference of the first instead of storing another.
    """
    with write_transaction() as transaction:
        draft = _opened(
            transaction.execute(
                _DRAFT_BY_TOKEN_FOR_UPDATE, {"token_hash": token_hash(token)}
            ).first()
        )
        if draft is None:
            earlier = submission_of(token)
            if earlier is None:
                raise LookupError("no draft and no submission for this browser")
            return earlier.reference
        if (
            fingerprint(draft.answers) != checked
            or draft.questionnaire_version != questionnaire.QUESTIONNAIRE_VERSION
        ):
            raise DraftChanged
        reference = services.add_submission(transaction, token_hash(token), draft.answers, language)
        if draft.appointment_id is not None:
            appointments.join_submission(transaction, draft.appointment_id, reference)
        _delete(transaction, draft)
    return reference


def submission_of(token: str | None) -> Submission | None:
    """The submission made from a draft token's draft, if it was submitted."""
    if not token:
        return None
    return db.session.scalar(_SUBMISSION_BY_TOKEN, {"token_hash": token_hash(token)})


def _is_live(draft: Row | OpenDraft) -> bool:
    """Not `_EXPIRED`, read in Python."""
    now = clock.now()
    if draft.on_tablet and draft.updated_at <= now - tablet.idle_limit():
        return False
    return draft.expires_at > now


def _kept_for(lifetime: timedelta, on_tablet: bool) -> timedelta:
    """A draft begun on a front-desk tablet lives no longer than the tablet's idle limit."""
    return min(lifetime, tablet.idle_limit()) if on_tablet else lifetime


def _expiry(now: datetime) -> dict:
    """The parameters of `_EXPIRED` at a moment."""
    return {"now": now, "idle_since": now - tablet.idle_limit()}
