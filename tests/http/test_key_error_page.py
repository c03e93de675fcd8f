"""A record whose key is gone (SPEC section 12, intake.keys): its pages give a clear page that
says so, in the patient's language on the patient side, never a traceback, an empty page or
what another record holds; the log names the cause. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging

from sqlalchemy import delete, select

from intake import services
from intake.extensions import db
from intake.keys import RecordKey
from intake.models import Draft
from tests.http.clinic_helpers import Staff, quick_hashing, submit  # noqa: F401  (a fixture)
from tests.support import Html

HEADING = "This record cannot be opened"
ADVICE = (
    "Its encryption key is not available: the record was deleted, or INTAKE_DATA_KEYS does "
    "not hold the key it was stored with. The service's log says which."
)


def destroy_key(app, key_id: int) -> None:
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(delete(RecordKey.__table__).where(RecordKey.id == key_id))


def test_a_submission_without_its_key_gives_a_clear_page_and_a_log_line(
    app, client, clinician, caplog
):
    gone = submit(app, pdf=True, full_name="Octavia Thistlewood")
    kept = submit(app, pdf=True, full_name="Cornelius Pennyworth")
    with app.app_context():
        destroy_key(app, services.find_submission(gone).key_id)
        db.session.remove()
    staff = Staff(client).signed_in()

    with caplog.at_level(logging.ERROR):
        responses = [
            staff.client.get(f"/clinic/submissions/{gone}"),
            staff.client.get(f"/clinic/submissions/{gone}/summary.pdf"),
        ]
    for response in responses:
        assert response.status_code == 500
        assert response.mimetype == "text/html"
        page = Html.of(response)
        assert page.find("h1")[0]["text"].strip() == HEADING
        assert ADVICE in page.text
        markup = response.get_data(as_text=True)
        assert "Traceback" not in markup and "Octavia" not in markup
    logged = [r.getMessage() for r in caplog.records if r.name == app.logger.name]
    assert (
        logged
        == ["encryption at rest: The key of this submission was destroyed: its data is gone."] * 2
    )
    assert "Cornelius Pennyworth" in Html.of(staff.client.get(f"/clinic/submissions/{kept}")).text


def test_a_patients_draft_without_its_key_says_so_in_their_language(app, patient):
    patient.client.get("/language/es")
    patient.start()
    with app.app_context():
        (key_id,) = db.session.scalars(select(Draft.key_id)).all()
        db.session.remove()
    destroy_key(app, key_id)

    response = patient.client.get("/questions/about-you")

    assert response.status_code == 500
    page = Html.of(response)
    assert page.lang == "es"
    assert page.find("h1")[0]["text"].strip() == "No se puede abrir este registro"
    assert "Su clave de cifrado no está disponible" in page.text
    assert "Traceback" not in response.get_data(as_text=True)
