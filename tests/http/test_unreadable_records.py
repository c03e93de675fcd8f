"""A record whose key is not in the key store (a backup restored after its key was destroyed,
say: SPEC section 12) is shown as such in the lists, and the rest of each list still works:
one such row never turns the clinic list, a search or the Clinic day into an error page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from intake import clock
from intake.extensions import db
from intake.keys import RecordKey
from intake.models import Appointment, Submission
from tests.http.clinic_helpers import (
    CLINICIAN,
    Staff,
    create_user,
    quick_hashing,  # noqa: F401 (an autouse fixture: cheap argon2id)
    submit,
)
from tests.http.invitation_helpers import invite
from tests.support import Html

UNREADABLE = "Cannot be opened: its key is gone"


def _destroy_key_of(app, model, **where) -> None:
    """Delete the record's key row, as a deletion does, but leave the row as a restored old
    backup would hold it: sealed columns and key_id still there."""
    with app.app_context():
        record = db.session.scalars(select(model).filter_by(**where)).one()
        db.session.execute(delete(RecordKey).where(RecordKey.id == record.key_id))
        db.session.commit()
        db.session.remove()


def test_the_list_and_a_search_show_an_unopenable_row_and_the_others(app, client):
    lost = submit(app, full_name="Ottoline Lostkey")
    kept = submit(app, full_name="Ottoline Keptkey")
    _destroy_key_of(app, Submission, reference=lost)
    create_user(app, CLINICIAN, "clinician")
    doctor = Staff(client).signed_in()

    listed = Html.of(doctor.client.get("/clinic/"))
    assert listed.status == 200
    assert UNREADABLE in listed.markup and "Ottoline Keptkey" in listed.markup
    assert lost in listed.markup and kept in listed.markup

    found = doctor.search(q="ottoline")  # a name search cannot match a name it cannot open
    assert "Ottoline Keptkey" in found and lost not in found

    by_reference = doctor.search(q=lost)
    assert UNREADABLE in by_reference and lost in by_reference


def test_the_clinic_day_shows_an_unopenable_appointment_without_its_name(app, client):
    lost = invite(app, days_ahead=2, name="Perpetua Lostkey")
    invite(app, days_ahead=2, name="Perpetua Keptkey")
    _destroy_key_of(app, Appointment, id=lost.appointment_id)
    create_user(app, CLINICIAN, "clinician")
    doctor = Staff(client).signed_in()

    day = clock.today(app.config["TIMEZONE"]) + timedelta(days=2)
    shown = Html.of(doctor.client.get(f"/clinic/day?date={day.isoformat()}"))
    assert shown.status == 200
    assert "Perpetua Keptkey" in shown.markup and "Perpetua Lostkey" not in shown.markup
