"""The hand-off buttons of a submission's page (SPEC section 12), through the real forms:
Mark as filed in the patient record, Place legal hold (and Release legal hold), Delete now
with its Reason and a confirmation; clinicians only, each a POST with the form token, then
the page saying what was done. A deleted submission's page is its tombstone; its PDF and
FHIR export are gone (410); the Clinic day shows its appointment as deleted."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from intake.extensions import db
from intake.models import Appointment, AuditEvent
from tests.http.clinic_helpers import (
    CLINICIAN,
    CSRF_FIELD,
    FRONTDESK,
    Staff,
    audited,
    create_user,
    forms_in,
    quick_hashing,  # noqa: F401 (an autouse fixture: cheap argon2id)
    sent_to_sign_in,
    submit,
)
from tests.records_helpers import NAME, invited_submission
from tests.support import Html

REASON = "Asked by the patient at reception"
BUTTONS = (
    "Mark as filed in the patient record",
    "Place legal hold",
    "Delete now",
)


@pytest.fixture
def doctor(app, client) -> Staff:
    create_user(app, CLINICIAN, "clinician")
    return Staff(client).signed_in()


def page(staff: Staff, reference: str) -> Html:
    response = staff.client.get(f"/clinic/submissions/{reference}")
    assert response.status_code == 200, response.status_code
    return Html.of(response)


def buttons(shown: Html) -> list[str]:
    return [" ".join(b["text"].split()) for b in shown.find("button")]


def token_of(shown: Html) -> str:
    return CSRF_FIELD.search(shown.markup).group(1)


def press(staff: Staff, reference: str, action: str, **data):
    """Press a button of the submission's page, with the page's own form token."""
    token = token_of(page(staff, reference))
    return staff.client.post(
        f"/clinic/submissions/{reference}/{action}", data={"csrf_token": token, **data}
    )


def status_line(shown: Html) -> str:
    (notice,) = shown.find(cls="notice", role="status")
    return " ".join(notice["text"].split())


def test_a_clinician_sees_the_buttons_and_the_reason_field(app, doctor):
    reference = submit(app, pdf=True)
    shown = page(doctor, reference)
    assert all(label in buttons(shown) for label in BUTTONS)
    (label,) = [e for e in shown.find("label") if " ".join(e["text"].split()) == "Reason"]
    assert shown.by_id(label["attrs"]["for"])["attrs"]["name"] == "reason"
    actions = {form.get("action") for form in forms_in(shown.markup)}
    assert {
        f"/clinic/submissions/{reference}/filed",
        f"/clinic/submissions/{reference}/hold",
        f"/clinic/submissions/{reference}/delete",
    } <= actions
    assert all(form.get("method") == "post" for form in forms_in(shown.markup))


@pytest.mark.parametrize("action", ["filed", "hold", "release-hold", "delete"])
def test_front_desk_is_refused_and_signed_out_is_sent_to_sign_in(app, client, action):
    reference = submit(app)
    signed_out = Staff(client).post(f"/clinic/submissions/{reference}/{action}", reason=REASON)
    assert sent_to_sign_in(signed_out)
    create_user(app, FRONTDESK, "frontdesk")
    desk = Staff(client, FRONTDESK).signed_in()
    response = desk.post(f"/clinic/submissions/{reference}/{action}", reason=REASON, confirm="yes")
    assert response.status_code == 403
    assert client.get(f"/clinic/submissions/{reference}").status_code == 403
    with app.app_context():
        assert db.session.scalars(
            select(AuditEvent.outcome).where(AuditEvent.reference == reference)
        ).all() == ["denied", "denied"]
        db.session.remove()


def test_a_post_without_the_form_token_changes_nothing(app, doctor):
    reference = submit(app)
    for action in ("filed", "hold", "delete"):
        response = doctor.client.post(
            f"/clinic/submissions/{reference}/{action}", data={"reason": REASON, "confirm": "yes"}
        )
        assert response.status_code == 400
    shown = page(doctor, reference)
    assert "Mark as filed in the patient record" in buttons(shown)
    assert "Place legal hold" in buttons(shown)
    assert audited(app, "mark_filed", "place_legal_hold", "delete_submission") == []


def test_mark_as_filed_then_the_page_says_so(app, doctor):
    reference = submit(app, pdf=True)
    response = press(doctor, reference, "filed")
    assert response.status_code == 302
    assert response.location == f"/clinic/submissions/{reference}?done=filed"
    shown = Html.of(doctor.client.get(response.location))
    assert status_line(shown).startswith("Marked as filed in the patient record.")
    assert "30 days after filing" in status_line(shown)
    assert "Mark as filed in the patient record" not in buttons(shown)
    (filed,) = shown.find(cls="filed")
    assert filed["text"].startswith(f"Filed in the patient record by {CLINICIAN}")
    assert audited(app, "mark_filed") == [(CLINICIAN, 1, "mark_filed", "success")]


def test_a_filed_invited_submission_is_filed_on_the_clinic_day(app, doctor):
    invited = invited_submission(app)
    press(doctor, invited.reference, "filed")
    day = Html.of(doctor.client.get("/clinic/day?date=" + _day_of(app, invited)))
    assert "Filed" in day.texts("state")


def test_a_legal_hold_stops_delete_now_until_it_is_released(app, doctor):
    reference = submit(app, pdf=True)
    response = press(doctor, reference, "hold")
    assert response.location == f"/clinic/submissions/{reference}?done=held"
    shown = Html.of(doctor.client.get(response.location))
    assert status_line(shown).startswith("Legal hold placed.")
    assert "Delete now" not in buttons(shown) and "Release legal hold" in buttons(shown)
    assert "cannot be deleted" in shown.find(cls="legal-hold")[0]["text"]

    refused = doctor.post(
        f"/clinic/submissions/{reference}/delete",
        token_of(shown),
        reason=REASON,
        confirm="yes",
    )
    assert refused.status_code == 409
    refusal = Html.of(refused)
    assert refusal.find("h1")[0]["text"] == "This submission is under a legal hold"
    assert "Release the legal hold first" in refusal.text
    assert page(doctor, reference).find("h1")[0]["text"] == "Ada Lovelace"  # still there
    assert audited(app, "delete_submission") == [(CLINICIAN, 1, "delete_submission", "held")]

    response = press(doctor, reference, "release-hold")
    assert response.location == f"/clinic/submissions/{reference}?done=released"
    shown = Html.of(doctor.client.get(response.location))
    assert status_line(shown).startswith("Legal hold released.")
    assert "Delete now" in buttons(shown) and "Place legal hold" in buttons(shown)
    assert [row[2] for row in audited(app, "place_legal_hold", "release_legal_hold")] == [
        "place_legal_hold",
        "release_legal_hold",
    ]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the reason for deleting this submission"),
        ("   ", "Enter the reason for deleting this submission"),
        ("x" * 501, "Reason must be 500 characters or fewer"),
        ("Asked\x1b[31m in red", "Reason must not contain line breaks or invisible characters"),
        ("Asked\u202eevil", "Reason must not contain line breaks or invisible characters"),
    ],
)
def test_a_missing_or_refused_reason_is_said_at_its_field_and_what_was_typed_kept(
    app, doctor, typed, message
):
    reference = submit(app)
    response = press(doctor, reference, "delete", reason=typed)
    assert response.status_code == 400
    shown = Html.of(response)
    assert shown.title.startswith("Error: ")
    assert shown.error_links() == [
        (f"#{shown.find('input', name='reason')[0]['attrs']['id']}", message)
    ]
    assert shown.value("reason") == typed
    assert "Delete now" in buttons(shown)
    assert audited(app, "delete_submission") == []
    assert page(doctor, reference).find("h1")[0]["text"] == "Ada Lovelace"


def test_delete_now_asks_to_confirm_then_leaves_the_tombstone(app, doctor):
    reference = submit(app, pdf=True)
    pdf = doctor.client.get(f"/clinic/submissions/{reference}/summary.pdf")
    assert pdf.status_code == 200
    press(doctor, reference, "filed")

    asking = press(doctor, reference, "delete", reason=REASON)
    assert asking.status_code == 200
    confirm = Html.of(asking)
    assert confirm.find("h1")[0]["text"].startswith(f"Delete submission {reference}")
    assert REASON in confirm.text and "cannot be undone" in confirm.text
    assert confirm.value("reason") == REASON and confirm.value("confirm") == "yes"
    assert "Delete now" in buttons(confirm)
    assert audited(app, "delete_submission") == []  # asked, not done
    assert page(doctor, reference).find("h1")[0]["text"] == "Ada Lovelace"

    done = doctor.post(
        f"/clinic/submissions/{reference}/delete",
        token_of(confirm),
        reason=confirm.value("reason"),
        confirm="yes",
    )
    assert done.status_code == 302
    assert done.location == f"/clinic/submissions/{reference}?done=deleted"
    tombstone = Html.of(doctor.client.get(done.location))
    assert status_line(tombstone).startswith("Submission deleted.")
    facts = tombstone.answers_on_check_page()
    assert facts["Reference"] == reference
    assert facts["Why deleted"] == REASON
    assert facts["Filed in the patient record"].endswith(f"by {CLINICIAN}")
    assert facts["Deleted"].endswith(f"by {CLINICIAN}")
    assert re.fullmatch(r"[0-9a-f]{64}", facts["SHA-256 of the PDF"])
    for gone in ("Ada Lovelace", "Penicillin", "Vitamin D", "How many sessions"):
        assert gone not in tombstone.markup
    assert not [b for b in buttons(tombstone) if b != "Sign out"]
    assert "summary.pdf" not in tombstone.markup and "fhir.json" not in tombstone.markup
    assert [row[2:] for row in audited(app, "delete_submission")] == [
        ("delete_submission", "success")
    ]


def test_a_deleted_submissions_pdf_fhir_and_buttons_are_gone(app, doctor):
    reference = submit(app, pdf=True)
    press(doctor, reference, "delete", reason=REASON, confirm="yes")

    pdf = doctor.client.get(f"/clinic/submissions/{reference}/summary.pdf")
    assert pdf.status_code == 410 and pdf.mimetype == "text/html"
    assert Html.of(pdf).find("h1")[0]["text"] == "This submission has been deleted"
    fhir = doctor.client.get(f"/clinic/submissions/{reference}/fhir.json")
    assert fhir.status_code == 410
    assert fhir.get_json()["issue"][0]["code"] == "deleted"
    token = token_of(page(doctor, reference))
    for action in ("filed", "hold", "release-hold", "reviewed", "delete"):
        response = doctor.post(
            f"/clinic/submissions/{reference}/{action}", token, reason=REASON, confirm="yes"
        )
        assert response.status_code == 410, action
    assert len(audited(app, "delete_submission")) == 1
    assert audited(app, "download_pdf", "download_fhir") == []  # nothing was downloaded


def test_the_clinic_day_shows_a_deleted_appointment_without_its_name(app, doctor):
    invited = invited_submission(app)
    other = invited_submission(app, name="Bartholomew Other")
    press(doctor, invited.reference, "delete", reason=REASON, confirm="yes")
    url = "/clinic/day?date=" + _day_of(app, invited)
    day = Html.of(doctor.client.get(url))
    assert day.status == 200
    assert NAME not in day.markup and "Bartholomew Other" in day.markup
    (deleted,) = day.find(cls="deleted")
    assert deleted["text"] == "Deleted"
    assert any(
        href == f"/clinic/submissions/{invited.reference}" and words == "Deleted"
        for href, words in day.links
    )
    assert other.reference in day.markup

    create_user(app, FRONTDESK, "frontdesk")
    desk = Staff(app.test_client(), FRONTDESK).signed_in()
    seen = Html.of(desk.client.get(url))
    assert seen.status == 200 and seen.texts("deleted") == ["Deleted"]


def _day_of(app, invited) -> str:
    with app.app_context():
        day = db.session.get_one(Appointment, invited.appointment_id).appointment_date
        db.session.remove()
    return day.isoformat()


def test_a_deleted_appointments_task_and_the_export_of_a_deleted_pdf_say_so(app, doctor, runner):
    invited = invited_submission(app)
    task_url = f"/clinic/appointments/{invited.appointment_id}/task.json"
    assert doctor.client.get(task_url).status_code == 200
    press(doctor, invited.reference, "delete", reason=REASON, confirm="yes")

    task = doctor.client.get(task_url)
    assert task.status_code == 410
    assert task.get_json()["issue"][0]["code"] == "deleted"
    assert NAME not in task.get_data(as_text=True)

    exported = runner.invoke(args=["export-pdf", invited.reference, "-"])
    assert exported.exit_code == 1
    assert f"Submission {invited.reference} was deleted" in exported.output
    assert "Traceback" not in exported.output
