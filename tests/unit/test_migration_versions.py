"""Migration 0005 on a database that holds what the 2026.1 release wrote: its submissions keep
their version and are still assessed by 2026.1's rules; its drafts are marked 2026.1 and carried
over to 2026.2 when next read. The same upgrade then seals them (migrations 0008-0010): read
through the models they open as they were written. Runs on SQLite and on PostgreSQL (the suite
runs on both)."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Date, LargeBinary, String, column, select, table, text

from intake import clock, database, questionnaire, services
from intake.clinic import queries
from intake.database import UTCDateTime
from intake.extensions import db
from intake.models import Draft, Submission
from intake.tokens import new_token, token_hash
from intake.wizard import drafts
from tests.factories import answers_2026_1
from tests.http.clinic_helpers import CLINICIAN, create_user, enrolled, user_row


def _at_revision(app, revision: str) -> None:
    with app.app_context():
        db.session.remove()
        command.downgrade(database.alembic_config(app), revision)


def _upgrade(app) -> None:
    with app.app_context():
        command.upgrade(database.alembic_config(app), "head")
        db.session.remove()


# The drafts table as release 2026.1 had it: the model's own has more columns now.
_DRAFTS_OF_2026_1 = table(
    "drafts",
    column("token_hash", String),
    column("answers", JSON),
    *(column(name, UTCDateTime) for name in ("created_at", "updated_at", "expires_at")),
)
# The submissions table as release 2026.1 had it: answers, name and PDF in clear in the row.
_SUBMISSIONS_OF_2026_1 = table(
    "submissions",
    *(
        column(name, String)
        for name in (
            "reference",
            "draft_token_hash",
            "questionnaire_id",
            "questionnaire_version",
            "language",
            "patient_name",
            "name_key",
            "pdf_sha256",
        )
    ),
    column("answers", JSON),
    column("submitted_at", UTCDateTime),
    column("appointment_date", Date),
    column("pdf", LargeBinary),
)
# What 2026.1 kept as a submission's PDF (any bytes do: the upgrade only moves and seals them).
_PDF_OF_2026_1 = b"%PDF-1.4 the summary as release 2026.1 rendered it"


def _write_as_release_2026_1(app, token: str, answers: dict) -> None:
    """A draft and a submission as the 2026.1 code wrote them: the draft has no version."""
    now = clock.now()
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(
            _DRAFTS_OF_2026_1.insert(),
            {
                "token_hash": token_hash(token),
                "answers": answers,
                "created_at": now,
                "updated_at": now,
                "expires_at": now + timedelta(hours=24),
            },
        )
        connection.execute(
            _SUBMISSIONS_OF_2026_1.insert(),
            {
                "reference": "ABCD-2345",
                "draft_token_hash": token_hash(new_token()),
                "questionnaire_id": "acne-botox-preconsult",
                "questionnaire_version": "2026.1",
                "answers": answers,
                "language": "en",
                "submitted_at": now,
                "patient_name": answers["full_name"],
                "name_key": answers["full_name"].casefold(),
                "appointment_date": date.fromisoformat(answers["appointment_date"]),
                "pdf": _PDF_OF_2026_1,
                "pdf_sha256": hashlib.sha256(_PDF_OF_2026_1).hexdigest(),
            },
        )


def _upgraded_from_release_2026_1(app, token: str, answers: dict) -> None:
    """The database taken back to 0004, written as release 2026.1 wrote it, upgraded again."""
    _at_revision(app, "0004")
    try:
        _write_as_release_2026_1(app, token, answers)
    finally:
        _upgrade(app)


def test_upgrading_a_2026_1_database_keeps_its_records_and_marks_its_drafts(app):
    old_answers = answers_2026_1(
        date_of_birth=(date.today() - timedelta(days=16 * 365)).isoformat()
    )
    _upgraded_from_release_2026_1(app, new_token(), old_answers)

    with app.app_context():
        draft = db.session.scalar(select(Draft))
        assert draft.questionnaire_version == "2026.1"
        assert draft.key_id is not None  # sealed by the upgrade
        assert draft.answers == old_answers
        submission = db.session.scalar(select(Submission))
        assert submission.questionnaire_version == "2026.1"
        # sealed by the upgrade under a key of its own, and opened through the model
        assert submission.key_id is not None
        assert submission.answers == old_answers
        assert submission.patient_name == old_answers["full_name"]
        assert services.pdf_of(submission) == _PDF_OF_2026_1
        assert submission.pdf_sha256 == hashlib.sha256(_PDF_OF_2026_1).hexdigest()
        assessment = queries.assessment_of(submission, "Europe/London")
        # 2026.1's own flag for an under-18 patient, not 2026.2's
        assert [flag.text for flag in assessment.flags] == [
            "Patient is under 18: guardian consent needed."
        ]
        assert assessment.questionnaire is questionnaire.find("2026.1")
        # a new draft starts on the current version: the column has no default left over
        db.session.execute(text("DELETE FROM drafts"))
        db.session.commit()
        new = drafts.start(timedelta(hours=1))
        assert drafts.find(new).questionnaire_version == questionnaire.QUESTIONNAIRE_VERSION


def test_a_migrated_2026_1_draft_is_carried_over_when_read(app):
    old_answers = answers_2026_1()
    token = new_token()
    _upgraded_from_release_2026_1(app, token, old_answers)

    with app.test_request_context():
        draft = drafts.find(token)
        ask_again_from = drafts.bring_up_to_date(draft)
        assert ask_again_from is questionnaire.STEPS[0]  # "Sex assigned at birth" is new
        carried = drafts.find(token)
    assert carried.questionnaire_version == "2026.2"
    kept = carried.answers
    for unchanged in ("full_name", "date_of_birth", "spot_types", "locations", "goals"):
        assert kept[unchanged] == old_answers[unchanged]
    for changed in ("severity", "conditions", "medicines", "pregnancy", "makeup_shine"):
        assert changed not in kept
    assert set(kept) <= set(questionnaire.QUESTIONS)


# Migration 0009's data step, stopped part-way and taken back ------------------------------


def test_an_upgrade_stopped_part_way_through_sealing_carries_on_at_the_next_start(app):
    """0009 seals in batches, each committed: one stopped part-way leaves the database at 0008
    with rows still in clear. The next upgrade seals them and records the new version (on
    SQLite, after the batches' commits on connections of their own)."""
    old_answers = answers_2026_1()
    _at_revision(app, "0008")
    try:
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(
                _SUBMISSIONS_OF_2026_1.insert(),
                {
                    "reference": "ABCD-2345",
                    "draft_token_hash": token_hash(new_token()),
                    "questionnaire_id": "acne-botox-preconsult",
                    "questionnaire_version": "2026.1",
                    "answers": old_answers,
                    "language": "en",
                    "submitted_at": clock.now(),
                    "patient_name": old_answers["full_name"],
                    "name_key": old_answers["full_name"].casefold(),
                },
            )
    finally:
        _upgrade(app)

    with app.app_context():
        newest = ScriptDirectory.from_config(database.alembic_config(app)).get_current_head()
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == newest
        submission = db.session.scalar(select(Submission))
        assert submission.key_id is not None
        assert submission.answers == old_answers
        assert submission.patient_name == old_answers["full_name"]
        db.session.remove()


def test_down_to_0008_and_up_again_keeps_a_staff_members_two_factor_secret(app):
    """0009's downgrade opens an account's sealed secrets into the clear columns; the upgrade
    seals them again, or 0010 would drop the only copy."""
    create_user(app, CLINICIAN, "clinician")
    secret = enrolled(app, CLINICIAN)
    _at_revision(app, "0008")
    _upgrade(app)
    assert user_row(app, CLINICIAN).totp_secret == secret
