"""A day's list as CSV: the header checked, each bad row reported by its line and the rest
imported, the same file twice adding nothing, UTF-8 with or without a BOM, both languages."""

from __future__ import annotations

import html
import io
import re
from datetime import date, datetime, time, timezone

import pytest
from sqlalchemy import select

from intake.extensions import db
from intake.models import Appointment, AuditEvent
from tests.http.clinic_helpers import (
    CSRF_FIELD,
    FRONTDESK,
    Staff,
    create_user,
    quick_hashing,  # noqa: F401 (an autouse fixture: cheap argon2id)
)

HEADER = "name,date_of_birth,appointment_date,appointment_time,email,language"
GOOD_ROWS = [
    "Ana María López,1990-05-17,2026-12-04,09:30,ana@example.org,es",
    "Bob Smith,1985-01-02,2026-12-04,10:15,,en",
    '"O\'Brien, Niamh",1979-11-30,2026-12-05,14:00,niamh@example.org,en',
]


@pytest.fixture
def desk(app, client, frozen_clock):
    frozen_clock.current = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)
    create_user(app, FRONTDESK, "frontdesk")
    return Staff(client, FRONTDESK).signed_in()


def upload(staff: Staff, content: bytes | str, filename: str = "day.csv"):
    if isinstance(content, str):
        content = content.encode()
    token = CSRF_FIELD.search(staff.page("/clinic/day")).group(1)
    return staff.client.post(
        "/clinic/appointments/import",
        data={"csrf_token": token, "appointments_file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def csv_of(*rows: str, header: str = HEADER) -> str:
    return "\r\n".join([header, *rows]) + "\r\n"


def report_of(response) -> tuple[str, list[str]]:
    page = response.get_data(as_text=True)
    summary = re.search(r"<p>(\d+ added, \d+ already on the list, \d+ with errors)</p>", page)
    errors = re.findall(r"<li>(Line \d+: [^<]*)</li>", page)
    return summary.group(1), [html.unescape(error) for error in errors]


def stored(app) -> list[tuple]:
    """Every appointment as stored, its sealed name, date of birth and email opened."""
    with app.app_context():
        rows = [
            (
                row.patient_name,
                row.date_of_birth,
                row.appointment_date,
                row.appointment_time,
                row.email,
                row.language,
                row.state,
            )
            for row in db.session.scalars(select(Appointment).order_by(Appointment.id))
        ]
        db.session.remove()
    return rows


def test_every_row_is_imported_and_those_with_an_address_invited(app, desk):
    response = upload(desk, csv_of(*GOOD_ROWS))
    assert response.status_code == 200
    assert report_of(response) == ("3 added, 0 already on the list, 0 with errors", [])
    assert stored(app) == [
        ("Ana María López", date(1990, 5, 17), date(2026, 12, 4), time(9, 30),
         "ana@example.org", "es", "invited"),
        ("Bob Smith", date(1985, 1, 2), date(2026, 12, 4), time(10, 15), None, "en",
         "not_invited"),
        ("O'Brien, Niamh", date(1979, 11, 30), date(2026, 12, 5), time(14, 0),
         "niamh@example.org", "en", "invited"),
    ]  # fmt: skip
    with app.app_context():
        added = db.session.scalars(
            select(AuditEvent.appointment_id).where(AuditEvent.action == "appointment_added")
        ).all()
        db.session.remove()
    assert sorted(added) == [1, 2, 3]  # one event per appointment


def test_the_same_file_twice_adds_nothing(app, desk):
    upload(desk, csv_of(*GOOD_ROWS))
    again = upload(desk, csv_of(*GOOD_ROWS))
    assert report_of(again) == ("0 added, 3 already on the list, 0 with errors", [])
    assert len(stored(app)) == 3


def test_bad_rows_are_reported_by_line_and_the_rest_imported(app, desk):
    rows = [
        GOOD_ROWS[0],
        "Carl Bad Date,1990-02-30,2026-12-04,11:00,,en",  # line 3
        "",  # a blank line is skipped, but counted
        "Dora Past,1970-03-03,2026-12-01,11:00,,en",  # line 5
        "Eve Email,1970-03-03,2026-12-04,11:00,eve@,en",  # line 6
        '"Fay\nTwo Lines",1970-03-03,2026-12-04,11:00,,fr',  # lines 7-8
        "Gus Columns,1970-03-03,2026-12-04",  # line 9
        "Hal Time,1970-03-03,2026-12-04,9.30pm,,en",  # line 10
        "Ivy Birth,03/03/1970,2026-12-04,11:00,,en",  # line 11
        GOOD_ROWS[1],  # line 12
    ]
    response = upload(desk, csv_of(*rows))
    summary, errors = report_of(response)
    assert summary == "2 added, 0 already on the list, 7 with errors"
    assert errors == [
        "Line 3: date_of_birth: Date of birth must be a real date",
        "Line 5: appointment_date: Appointment date must be today or in the future",
        "Line 6: email: Enter an email address in the correct format, like name@example.com",
        "Line 7: language must be en or es",
        "Line 9: expected 6 columns, found 3",
        "Line 10: appointment_time: Enter the appointment time on the 24-hour clock, like 14:30",
        "Line 11: date_of_birth must be a date like 1990-05-17",
    ]
    assert [row[0] for row in stored(app)] == ["Ana María López", "Bob Smith"]


@pytest.mark.parametrize(
    "header",
    [
        "name,dob,appointment_date,appointment_time,email,language",
        "name,date_of_birth,appointment_date,appointment_time,email",
        "Ana María López,1990-05-17,2026-12-04,09:30,ana@example.org,es",
    ],
)
def test_a_wrong_header_is_the_fields_error_and_nothing_is_imported(app, desk, header):
    response = upload(desk, csv_of(*GOOD_ROWS, header=header))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(
        r'id="appointments_file-error">.*The first line must be: ' + HEADER, page, re.S
    )
    assert 'href="#appointments_file"' in page and stored(app) == []


def test_a_bom_and_spanish_names_come_through(app, desk):
    content = "\ufeff" + csv_of("Íñigo Núñez,1990-05-17,2026-12-04,09:30,inigo@example.es,es")
    response = upload(desk, content.encode("utf-8"))
    assert report_of(response)[0] == "1 added, 0 already on the list, 0 with errors"
    assert stored(app)[0][0] == "Íñigo Núñez" and stored(app)[0][5] == "es"


def test_a_file_that_is_not_utf8_is_refused(app, desk):
    content = csv_of("Íñigo Núñez,1990-05-17,2026-12-04,09:30,,es").encode("latin-1")
    response = upload(desk, content)
    assert response.status_code == 400
    assert "The file must be saved as CSV UTF-8" in response.get_data(as_text=True)
    assert stored(app) == []


def test_no_file_is_the_fields_error(app, desk):
    token = CSRF_FIELD.search(desk.page("/clinic/day")).group(1)
    response = desk.client.post(
        "/clinic/appointments/import",
        data={"csrf_token": token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Choose a CSV file of appointments" in response.get_data(as_text=True)


def test_cells_are_shown_as_text_never_markup(app, desk):
    upload(desk, csv_of("<script>x()</script>,1990-05-17,2026-12-04,09:30,,en"))
    page = desk.page("/clinic/day?date=2026-12-04")
    assert "&lt;script&gt;x()&lt;/script&gt;" in page and "<script>x()" not in page


def test_a_file_over_the_size_limit_is_refused(app, desk):
    row = "Ana María López,1990-05-17,2026-12-04,09:30,ana@example.org,es"
    response = upload(desk, csv_of(*[row] * 1200))  # about 80 KiB
    assert response.status_code == 413 and stored(app) == []


def test_other_forms_still_refuse_files(app, desk):
    token = CSRF_FIELD.search(desk.page("/clinic/day")).group(1)
    response = desk.client.post(
        "/clinic/appointments",
        data={"csrf_token": token, "patient_name": (io.BytesIO(b"Ana"), "name.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and stored(app) == []
