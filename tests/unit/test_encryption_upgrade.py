"""Migrations 0008-0010 on a database that holds what release 2026.2 wrote before encryption at
rest (revision 0007): submissions with their PDFs, appointments, drafts and a two-factor
secret, all in clear. Upgraded, every one opens through the models, the search finds them,
the clear columns are gone, and on SQLite no clear text is left in the file. An upgrade that
stops part-way carries on where it stopped, sealing each row once. Runs on SQLite and on
PostgreSQL (the suite runs on both)."""

from __future__ import annotations

import hashlib
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Integer,
    LargeBinary,
    String,
    Time,
    column,
    func,
    inspect,
    select,
    table,
    text,
)

from intake import clock, database, encryption_upgrade, keys, search, services
from intake.appointments import services as appointments
from intake.database import UTCDateTime
from intake.extensions import db
from intake.keys import RecordKey
from intake.models import Appointment, Draft, SearchGram, Submission, SubmissionPdf, User
from intake.pdf.summary import SummaryInput, render_summary
from intake.tokens import new_token, token_hash
from intake.wizard import drafts
from tests.factories import answers
from tests.sealed_records import found_by_name
from tests.support import SHARED_DATABASE_URL, close_connections

# The tables as revision 0007 has them (the models' own have changed since).
SUBMISSIONS_0007 = table(
    "submissions",
    column("reference", String),
    column("draft_token_hash", String),
    column("questionnaire_id", String),
    column("questionnaire_version", String),
    column("answers", JSON),
    column("language", String),
    column("submitted_at", UTCDateTime),
    column("patient_name", String),
    column("name_key", String),
    column("appointment_date", Date),
    column("pdf", LargeBinary),
    column("pdf_sha256", String),
    column("appointment_id", Integer),
)
APPOINTMENTS_0007 = table(
    "appointments",
    column("id", Integer),
    column("patient_name", String),
    column("date_of_birth", Date),
    column("appointment_date", Date),
    column("appointment_time", Time),
    column("email", String),
    column("language", String),
    column("natural_key", String),
    column("state", String),
    column("state_changed_at", UTCDateTime),
    column("created_at", UTCDateTime),
)
DRAFTS_0007 = table(
    "drafts",
    column("token_hash", String),
    column("questionnaire_version", String),
    column("answers", JSON),
    column("created_at", UTCDateTime),
    column("updated_at", UTCDateTime),
    column("expires_at", UTCDateTime),
    column("on_tablet", Boolean),
)
USERS_0007 = table(
    "users",
    column("email", String),
    column("password_hash", String),
    column("role", String),
    column("is_enabled", Boolean),
    column("created_at", UTCDateTime),
    column("totp_secret", String),
    column("totp_pending_secret", String),
)

NAMES = [
    "Wilhelmina Featherstonehaugh",
    "Ōtautahi Ngārimu",
    "Per Åkesson",
    "Lu Xi",
    "Agnes Featherstonehaugh",
]
TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
BORN = date(1952, 2, 29)


def at_revision(app, revision: str) -> None:
    with app.app_context():
        db.session.remove()
        command.downgrade(database.alembic_config(app), revision)
        db.session.remove()


def upgrade(app) -> None:
    with app.app_context():
        command.upgrade(database.alembic_config(app), "head")
        db.session.remove()


def revision(app) -> str:
    with app.app_context():
        found = db.session.scalar(text("SELECT version_num FROM alembic_version"))
        db.session.remove()
    return found


def pdf_for(reference: str, given: dict) -> bytes:
    return render_summary(
        SummaryInput(
            reference=reference,
            answers=given,
            submitted_at=clock.now(),
            timezone="Europe/London",
            language="English",
            questionnaire_version="2026.2",
        )
    )


def write_as_release_2026_2(app, names: list[str]) -> dict:
    """What release 2026.2 kept before encryption: everything in clear. Returns it."""
    now = clock.now()
    kept: dict = {"submissions": {}, "drafts": {}}
    with app.app_context(), db.engine.begin() as connection:
        appointment_id = connection.execute(
            APPOINTMENTS_0007.insert().returning(APPOINTMENTS_0007.c.id),
            {
                "patient_name": names[0],
                "date_of_birth": BORN,
                "appointment_date": date(2026, 12, 14),
                "appointment_time": time(9, 5),
                "email": "w.featherstonehaugh@example.test",
                "language": "en",
                "natural_key": hashlib.sha256(b"what 0007 kept").hexdigest(),
                "state": "submitted",
                "state_changed_at": now,
                "created_at": now,
            },
        ).scalar_one()
        kept["appointment"] = (appointment_id, names[0])
        for number, name in enumerate(names):
            reference = services.new_reference()
            given = answers(full_name=name)
            pdf = pdf_for(reference, given) if number % 2 == 0 else None  # some failed
            connection.execute(
                SUBMISSIONS_0007.insert(),
                {
                    "reference": reference,
                    "draft_token_hash": token_hash(new_token()),
                    "questionnaire_id": "acne-botox-preconsult",
                    "questionnaire_version": "2026.2",
                    "answers": given,
                    "language": "en",
                    "submitted_at": now - timedelta(minutes=number),
                    "patient_name": name,
                    "name_key": name.casefold(),
                    "appointment_date": date.fromisoformat(given["appointment_date"]),
                    "pdf": pdf,
                    "pdf_sha256": hashlib.sha256(pdf).hexdigest() if pdf else None,
                    "appointment_id": appointment_id if number == 0 else None,
                },
            )
            kept["submissions"][reference] = (name, given, pdf)
        for number in range(3):
            token = new_token()
            connection.execute(
                DRAFTS_0007.insert(),
                {
                    "token_hash": token_hash(token),
                    "questionnaire_version": "2026.2",
                    "answers": {"full_name": f"Draft Patient {number}", "phone": "01632 960001"},
                    "created_at": now,
                    "updated_at": now,
                    "expires_at": now + timedelta(hours=24),
                    "on_tablet": False,
                },
            )
            kept["drafts"][token] = f"Draft Patient {number}"
        connection.execute(
            USERS_0007.insert(),
            [
                {
                    "email": email,
                    "password_hash": "argon2-hash",
                    "role": "clinician",
                    "is_enabled": True,
                    "created_at": now,
                    "totp_secret": secret,
                    "totp_pending_secret": None,
                }
                for email, secret in (("enrolled@clinic.test", TOTP), ("plain@clinic.test", None))
            ],
        )
    return kept


def check_everything_opens(app, kept: dict) -> None:
    with app.app_context():
        for reference, (name, given, pdf) in kept["submissions"].items():
            submission = services.find_submission(reference)
            assert (submission.patient_name, submission.answers) == (name, given)
            assert services.pdf_of(submission) == pdf
            assert submission.id in found_by_name(name)
            grams = search.hashed(
                keys.search_key(db.session),
                search.REFERENCE,
                search.query_pieces(reference.replace("-", "")),
            )
            assert db.session.scalar(
                select(func.count(func.distinct(SearchGram.gram))).where(
                    SearchGram.submission_id == submission.id, SearchGram.gram.in_(grams)
                )
            ) == len(grams)
        assert found_by_name("featherstonehaugh") == {
            services.find_submission(ref).id
            for ref, (name, _, _) in kept["submissions"].items()
            if "Featherstonehaugh" in name
        }
        appointment_id, appointment_name = kept["appointment"]
        appointment = db.session.get_one(Appointment, appointment_id)
        assert (appointment.patient_name, appointment.date_of_birth, appointment.email) == (
            appointment_name,
            BORN,
            "w.featherstonehaugh@example.test",
        )
        # The natural key is the new code's: the same appointment added again is found.
        again = appointments.NewAppointment(
            patient_name=f"  {appointment_name.upper()} ",
            date_of_birth=BORN,
            appointment_date=date(2026, 12, 14),
            appointment_time=time(9, 5),
            email=None,
            language="en",
        )
        assert appointment.natural_key == appointments.natural_key(db.session, again)
        for token, name in kept["drafts"].items():
            assert drafts.find(token).answers == {"full_name": name, "phone": "01632 960001"}
        users = {user.email: user for user in db.session.scalars(select(User))}
        assert users["enrolled@clinic.test"].totp_secret == TOTP
        assert users["plain@clinic.test"].totp_secret is None
        assert users["plain@clinic.test"].key_id is None  # nothing to seal, no key drawn
        db.session.remove()


def sealed_once(app, kept: dict) -> None:
    """Each record has a key of its own, every key belongs to a record (or is the search
    key), and each submission's PDF and search rows are there once."""
    with app.app_context():
        owners = [
            *db.session.scalars(select(Submission.key_id)),
            *db.session.scalars(select(Appointment.key_id)),
            *db.session.scalars(select(Draft.key_id)),
            *db.session.scalars(select(User.key_id).where(User.key_id.is_not(None))),
        ]
        stored = set(db.session.scalars(select(RecordKey.id)))
        assert None not in owners
        assert len(owners) == len(set(owners))  # no record shares a key
        assert stored == set(owners) | {keys.SEARCH_KEY_ID}  # no orphan key
        pdfs = db.session.scalar(select(func.count()).select_from(SubmissionPdf))
        assert pdfs == sum(1 for _, _, pdf in kept["submissions"].values() if pdf)
        db.session.remove()


@pytest.fixture
def back_to_head(app):
    """Whatever happens in the test, the shared database ends at the newest revision."""
    yield
    if revision(app) != database._newest_migration():
        with app.app_context():
            db.session.remove()
        upgrade(app)


def test_a_database_of_release_2026_2_is_sealed_and_reads_as_before(app, back_to_head):
    at_revision(app, "0007")
    kept = write_as_release_2026_2(app, NAMES)

    upgrade(app)

    assert revision(app) == database._newest_migration()
    check_everything_opens(app, kept)
    sealed_once(app, kept)
    with app.app_context():
        inspector = inspect(db.engine)
        columns = {
            name: {c["name"] for c in inspector.get_columns(name)}
            for name in ("submissions", "appointments", "drafts", "users")
        }
        db.session.remove()
    assert not columns["submissions"] & {"answers", "patient_name", "name_key", "pdf"}
    assert not columns["appointments"] & {"patient_name", "date_of_birth", "email"}
    assert "answers" not in columns["drafts"]
    assert not columns["users"] & {"totp_secret", "totp_pending_secret"}

    if not SHARED_DATABASE_URL:
        # Gone from the file too: the old rows' pages were zeroed (secure_delete), not freed.
        with app.app_context():
            file = Path(db.engine.url.database)
        close_connections(app)
        content = file.read_bytes()
        for secret in ("Featherstonehaugh", "w.featherstonehaugh", TOTP, "Draft Patient"):
            assert secret.encode() not in content, secret
        assert "Ngārimu".encode() not in content


def test_an_upgrade_stopped_part_way_carries_on_and_seals_each_row_once(
    app, back_to_head, monkeypatch
):
    at_revision(app, "0007")
    names = [f"{first} Featherstonehaugh" for first in ("Ann", "Bo", "Cy", "Di", "Ed", "Flo")]
    names += NAMES[1:]
    kept = write_as_release_2026_2(app, names)
    monkeypatch.setattr(encryption_upgrade, "BATCH", 3)
    batches = []
    seal_submissions = encryption_upgrade._seal_submissions

    def the_second_batch_fails(connection, search_key):
        batches.append(len(batches) + 1)
        done = seal_submissions(connection, search_key)  # written, then the batch fails
        if len(batches) == 2:
            raise OSError("the server went down during the second batch")
        return done

    monkeypatch.setattr(encryption_upgrade, "_seal_submissions", the_second_batch_fails)
    with pytest.raises(OSError):
        upgrade(app)

    assert revision(app) == "0008"  # 0009 did not finish
    with app.app_context():
        sealed = db.session.scalar(
            text("SELECT count(*) FROM submissions WHERE key_id IS NOT NULL")
        )
        in_clear = db.session.scalar(text("SELECT count(*) FROM submissions WHERE key_id IS NULL"))
        stored = db.session.scalar(select(func.count()).select_from(RecordKey))
        db.session.remove()
    assert (sealed, in_clear) == (3, len(names) - 3)  # the first batch stands, the second not
    assert stored == 3 + 1  # its keys and the search key: the failed batch left none

    monkeypatch.setattr(encryption_upgrade, "_seal_submissions", seal_submissions)
    upgrade(app)

    assert revision(app) == database._newest_migration()
    check_everything_opens(app, kept)
    sealed_once(app, kept)


def test_rows_whose_keys_never_reached_the_key_store_are_sealed_again(
    app, back_to_head, monkeypatch
):
    """On SQLite the data commits before the key store (another file): a process that dies
    between the two leaves rows naming keys that were never stored. Run again, the upgrade
    seals them anew (their clear columns are still there until 0010)."""
    at_revision(app, "0007")
    kept = write_as_release_2026_2(app, NAMES)
    monkeypatch.setattr(encryption_upgrade, "BATCH", 2)
    seal_submissions = encryption_upgrade._seal_submissions
    calls = []

    def dies_in_the_second_batch(connection, search_key):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("killed")
        return seal_submissions(connection, search_key)

    monkeypatch.setattr(encryption_upgrade, "_seal_submissions", dies_in_the_second_batch)
    with pytest.raises(OSError):
        upgrade(app)
    with app.app_context(), db.engine.begin() as connection:  # the key store's commit, lost
        lost = connection.execute(
            RecordKey.__table__.delete().where(RecordKey.id != keys.SEARCH_KEY_ID)
        ).rowcount
        db.session.remove()
    assert lost == 2

    monkeypatch.setattr(encryption_upgrade, "_seal_submissions", seal_submissions)
    upgrade(app)

    check_everything_opens(app, kept)
    sealed_once(app, kept)
