"""Nothing a patient typed is readable at rest (SPEC section 12): after a whole walk, an invited
patient's visit and a clinician's reading of the record, no name, free text, phone number,
email address or date of birth, and no member of staff's two-factor secret, is in any column
of any table (both databases), nor, on SQLite, anywhere in the bytes of the data file, the key
store file or their write-ahead logs, as typed or JSON-escaped."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from intake import clock
from intake.appointments import services as appointments
from intake.database import key_store_file, write_transaction
from intake.extensions import db
from intake.models import User
from intake.questionnaire import STEPS
from tests.factories import answers
from tests.http.clinic_helpers import (  # noqa: F401  (a fixture)
    CLINICIAN,
    Staff,
    enrolled,
    quick_hashing,
)
from tests.http.invitation_helpers import date_fields
from tests.support import SHARED_DATABASE_URL, Patient, close_connections

WALKER = {
    "full_name": "Zéphyrine Quockerwodger-Ñandú",
    "phone": "+44 7700 918273",
    "date_of_birth": "1941-07-19",
    "treatment_notes": "Tried Snørrevax ointment from Überlingen twice.",
    "other_medicines": "Gribblezine 40 mg “as needed”.",
    "allergies": "Wasp stings & Plümbicillin.",
    "questions_for_dermatologist": "Will the Fennimore-Zştrap laser hurt?",
}
INVITED = {
    "full_name": "Ignatius Brackenthwaite",
    "email": "ignatius.brackenthwaite@example.test",
    "date_of_birth": date(1937, 11, 23),
    "questions_for_dermatologist": "Can Ignatius bring his Vorpalian sunscreen?",
}


# Words of the texts above no other text of the app has: found alone, they would be a leak.
INVENTED = (
    "Zéphyrine",
    "Quockerwodger",
    "Ñandú",
    "918273",
    "Snørrevax",
    "Überlingen",
    "Gribblezine",
    "Plümbicillin",
    "Zştrap",
    "Brackenthwaite",
    "Vorpalian",
)


def needles(texts: list[str]) -> set[bytes]:
    """Each text and each invented word, as stored in clear could hold it: UTF-8 as typed,
    casefolded, and inside JSON (with and without \\u escapes)."""
    found: set[str] = set()
    for part in [*texts, *INVENTED]:
        for form in (part, part.casefold()):
            found |= {form, json.dumps(form)[1:-1], json.dumps(form, ensure_ascii=False)[1:-1]}
    return {text.encode() for text in found}


def walk(app, client, frozen_clock) -> list[str]:
    """The walk, the invited visit and the clinic's part; returns every secret text used."""
    patient = Patient(client)
    walker_reference = patient.complete(answers(**WALKER))

    today = clock.today(app.config["TIMEZONE"])
    with app.app_context():
        appointment_id = appointments.add(
            appointments.NewAppointment(
                patient_name=INVITED["full_name"],
                date_of_birth=INVITED["date_of_birth"],
                appointment_date=today + timedelta(days=5),
                appointment_time=time(11, 40),
                email=INVITED["email"],
                language="en",
            ),
            None,
        )
        token = appointments.issue_invitation(appointment_id, None, app.config["TIMEZONE"])
        db.session.remove()
    invited = Patient(app.test_client())
    link = f"/i/{token}"
    invited.client.post(link)
    opened = invited.client.post(
        f"{link}/date-of-birth", data=date_fields(INVITED["date_of_birth"])
    )
    assert opened.status_code == 302
    invited_answers = answers(
        full_name=INVITED["full_name"],
        date_of_birth=INVITED["date_of_birth"].isoformat(),
        appointment_date=(today + timedelta(days=5)).isoformat(),
        questions_for_dermatologist=INVITED["questions_for_dermatologist"],
    )
    for step in STEPS:
        assert invited.answer_step(step.slug, invited_answers).status_code == 302
    invited_reference = invited.complete_after_answers()

    # A second invited patient stops half-way: a draft stays.
    half_way = Patient(app.test_client())
    half_way.start()
    assert half_way.answer_step(STEPS[0].slug, answers(**WALKER)).status_code == 302

    secret = enrolled(app, CLINICIAN)
    pending = pyotp.random_base32()
    with app.app_context():
        with write_transaction() as session:
            session.scalar(
                select(User).where(User.email == CLINICIAN)
            ).totp_pending_secret = pending
        db.session.remove()
    clinician = Staff(app.test_client()).signed_in_with_code(secret, frozen_clock.current)
    for reference in (walker_reference, invited_reference):
        assert clinician.client.get(f"/clinic/submissions/{reference}").status_code == 200
        pdf = clinician.client.get(f"/clinic/submissions/{reference}/summary.pdf")
        assert pdf.status_code == 200
    day = clinician.client.get(f"/clinic/day?date={(today + timedelta(days=5)).isoformat()}")
    assert INVITED["full_name"] in day.get_data(as_text=True)  # shown, so opened, not stored
    return [*map(str, WALKER.values()), *map(str, INVITED.values()), secret, pending]


def clear_values(app) -> list[tuple[str, str, object]]:
    """Every value of every column of every table (the key store's too) as the database gives
    it: text, bytes, numbers, dates, JSON."""
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)).mappings():
                found += [(table.fullname, name, value) for name, value in row.items()]
        db.session.remove()
    return found


def held(value: object, needle: bytes) -> bool:
    if isinstance(value, bytes | bytearray | memoryview):
        return needle in bytes(value)
    if isinstance(value, date | datetime | time):
        value = value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value) + json.dumps(value, ensure_ascii=False)
    return needle in str(value).encode()


def test_nothing_a_patient_typed_is_in_any_column(app, client, frozen_clock, clinician):
    texts = walk(app, client, frozen_clock)
    found = needles(texts)
    values = clear_values(app)
    assert len(values) > 100  # the walk wrote what we search
    leaks = [(table, column) for table, column, value in values for n in found if held(value, n)]
    assert leaks == []
    assert not [v for _, _, v in values if v == INVITED["date_of_birth"]]  # no Date column either


# PostgreSQL's files are the server's own: its columns are searched above, and the README says
# what its dead tuples keep until VACUUM.
@pytest.mark.skipif(bool(SHARED_DATABASE_URL), reason="SQLite's files")
def test_nothing_a_patient_typed_is_in_the_sqlite_files(app, client, frozen_clock, clinician):
    texts = walk(app, client, frozen_clock)
    with app.app_context():
        data = Path(db.engine.url.database)
    files = [data, Path(key_store_file(str(data)))]
    files += [Path(f"{path}-wal") for path in files]
    found = needles(texts)

    def leaks() -> list[tuple[str, bytes]]:
        contents = {path.name: path.read_bytes() for path in files if path.exists()}
        return [(name, n) for name, content in contents.items() for n in found if n in content]

    assert Path(f"{data}-wal").stat().st_size > 0  # read while the app runs: the log is full
    assert leaks() == []
    close_connections(app)  # the last connection folds the log into the files
    assert not Path(f"{data}-wal").exists()
    assert leaks() == []
    assert sum(path.stat().st_size for path in files if path.exists()) > 100_000
