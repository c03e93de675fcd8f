"""One of every sealed record (intake.keys) written through the app's own services, and read
back through the models: for the tests of key rotation, backups and restores."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, time, timedelta
from unittest.mock import patch

import pyotp
import pytest
from sqlalchemy import create_engine, func, select, text

from intake import clock, keys, questionnaire, search, services, summaries
from intake.appointments import services as appointments
from intake.clinic import services as staff
from intake.database import write_transaction
from intake.extensions import db
from intake.models import Appointment, SearchGram, Submission, User
from intake.wizard import drafts
from tests.factories import answers
from tests.support import SHARED_DATABASE_URL, quick_password_hasher

NAMES = ("Zoë Quillfeather", "Bartholomew Ashgrove")
APPOINTMENT_NAME = "Perpetua Wolstenholme"
APPOINTMENT_EMAIL = "perpetua.wolstenholme@example.test"
BORN = date(1944, 6, 6)
STAFF = "keys.test@clinic.test"
DRAFT_NOTE = "A draft about a vanishingly rare rash."


@dataclass(frozen=True)
class Written:
    references: tuple[str, ...]
    appointment_id: int
    draft_token: str
    totp_secret: str


def write_everything(app) -> Written:
    """Two submissions with their PDFs, an appointment with an email, a draft, and a member of
    staff's two-factor secret; the search key is made on the way."""
    with app.app_context():
        references = []
        for name in NAMES:
            token = drafts.start(timedelta(hours=1))
            drafts.save_step(
                token, questionnaire.STEPS[0], answers(full_name=name), timedelta(hours=1)
            )
            found = drafts.find(token)
            reference = drafts.submit(token, drafts.fingerprint(found.answers), language="en")
            summaries.store_after_submit(reference, app.config["TIMEZONE"])
            references.append(reference)
        appointment_id = appointments.add(
            appointments.NewAppointment(
                patient_name=APPOINTMENT_NAME,
                date_of_birth=BORN,
                appointment_date=clock.today(app.config["TIMEZONE"]) + timedelta(days=3),
                appointment_time=time(10, 15),
                email=APPOINTMENT_EMAIL,
                language="en",
            ),
            None,
        )
        assert appointment_id is not None
        draft_token = drafts.start(timedelta(hours=1))
        drafts.save_step(
            draft_token,
            questionnaire.STEPS[-1],
            {"questions_for_dermatologist": DRAFT_NOTE},
            timedelta(hours=1),
        )
        secret = pyotp.random_base32()
        with patch.object(staff, "_hasher", quick_password_hasher()):
            staff.create_user(STAFF, "correct horse battery", "clinician")
        with write_transaction() as session:
            session.scalar(select(User).where(User.email == STAFF)).totp_secret = secret
        db.session.remove()
    return Written(tuple(references), appointment_id, draft_token, secret)


def read_everything(app, written: Written, gone: tuple[str, ...] = ()) -> None:
    """Every record of write_everything opens through the models and the search finds it;
    the submissions in `gone` have lost their key and raise keys.KeyRingError instead."""
    with app.app_context():
        for reference, name in zip(written.references, NAMES, strict=True):
            submission = services.find_submission(reference)
            if reference in gone:
                try:
                    submission.answers  # noqa: B018
                except keys.KeyRingError:
                    continue
                raise AssertionError(f"{reference} opened without its key")
            assert submission.patient_name == name
            assert submission.answers["full_name"] == name
            pdf = services.pdf_of(submission)
            assert pdf is not None and pdf.startswith(b"%PDF")
            assert hashlib.sha256(pdf).hexdigest() == submission.pdf_sha256
            assert found_by_name(name.split()[-1]) == {submission.id}
        appointment = db.session.get_one(Appointment, written.appointment_id)
        assert (appointment.patient_name, appointment.date_of_birth, appointment.email) == (
            APPOINTMENT_NAME,
            BORN,
            APPOINTMENT_EMAIL,
        )
        draft = drafts.find(written.draft_token)
        assert draft is not None
        assert draft.answers["questions_for_dermatologist"] == DRAFT_NOTE
        user = db.session.scalar(select(User).where(User.email == STAFF))
        assert user.totp_secret == written.totp_secret
        db.session.remove()


def found_by_name(query: str) -> set[int]:
    """The submissions whose keyed search pieces all match the query's (intake.search)."""
    grams = search.hashed(keys.search_key(db.session), search.NAME, search.query_pieces(query))
    return set(
        db.session.scalars(
            select(SearchGram.submission_id)
            .where(SearchGram.gram.in_(grams))
            .group_by(SearchGram.submission_id)
            .having(func.count() == len(grams))
        )
    )


def submission_ids(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(select(Submission.reference, Submission.id)).all()
        db.session.remove()
    return dict(rows)


@pytest.fixture
def shared_database_emptied_after():
    """A test that leaves keys wrapped by a ring other than the suite's on the shared database
    (PostgreSQL) empties it when it ends: the next app made there would refuse to start."""
    yield
    if SHARED_DATABASE_URL:
        engine = create_engine(SHARED_DATABASE_URL)
        tables = ", ".join(table.fullname for table in db.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
