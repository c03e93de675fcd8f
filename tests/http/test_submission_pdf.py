"""The PDF is rendered at submit and kept with its SHA-256; export-pdf and demo write it."""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from intake import content, questionnaire, services, summaries
from intake.extensions import db
from intake.models import Submission
from tests.documents import folder_with_second_document
from tests.factories import answers


def pdf_text(data: bytes) -> str:
    """The PDF's text with line breaks and runs of spaces as single spaces."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def stored(app, reference: str) -> Submission:
    """The stored row, its sealed answers and name opened while the session is open."""
    with app.app_context():
        submission = db.session.scalar(select(Submission).where(Submission.reference == reference))
        submission.answers, submission.patient_name  # noqa: B018
        db.session.expunge(submission)
        return submission


def stored_pdf(app, reference: str) -> bytes | None:
    """The PDF kept for the submission, opened with its key."""
    with app.app_context():
        return services.pdf_of(services.find_submission(reference))


def test_submit_stores_the_pdf_with_its_sha256(app, patient):
    reference = patient.complete(answers(full_name="Grace Hopper"))
    submission, pdf = stored(app, reference), stored_pdf(app, reference)
    assert pdf.startswith(b"%PDF")
    assert submission.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    text = pdf_text(pdf)
    assert "Grace Hopper" in text
    assert reference in text


def test_the_stored_pdf_is_what_rendering_again_gives(app, patient):
    reference = patient.complete(answers())
    submission = stored(app, reference)
    again = summaries.render(submission, app.config["TIMEZONE"])
    assert hashlib.sha256(again).hexdigest() == submission.pdf_sha256


def test_a_rendering_failure_keeps_the_submission_and_logs_no_patient_data(
    app, patient, monkeypatch, caplog
):
    def broken(_data, documents=None):
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr(summaries, "render_summary", broken)
    with caplog.at_level(logging.ERROR):
        reference = patient.complete(answers(full_name="Sentinel Patientname"))
    submission = stored(app, reference)
    assert stored_pdf(app, reference) is None and submission.pdf_sha256 is None
    assert reference in caplog.text
    assert "Sentinel" not in caplog.text

    monkeypatch.undo()
    with app.app_context():
        pdf = summaries.find_pdf(reference, app.config["TIMEZONE"])
    assert "Sentinel Patientname" in pdf_text(pdf)
    assert stored_pdf(app, reference) == pdf


def test_export_pdf_writes_the_stored_bytes(app, patient, runner, tmp_path):
    reference = patient.complete(answers())
    target = tmp_path / "out.pdf"
    result = runner.invoke(args=["export-pdf", reference, str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == stored_pdf(app, reference)


def test_export_pdf_of_an_unknown_reference_fails_clearly(runner, tmp_path):
    target = tmp_path / "out.pdf"
    result = runner.invoke(args=["export-pdf", "ABCD-2345", str(target)])
    assert result.exit_code == 1
    assert "No submission has the reference 'ABCD-2345'" in result.output
    assert not target.exists()


def test_demo_creates_submissions_and_writes_their_pdfs(app, runner, tmp_path):
    result = runner.invoke(args=["demo", "--out", str(tmp_path / "pdfs")])
    assert result.exit_code == 0, result.output
    paths = [line for line in result.output.splitlines() if line.endswith(".pdf")]
    assert len(paths) == 4
    texts = [pdf_text(Path(path).read_bytes()) for path in paths]
    with app.app_context():
        assert db.session.query(Submission).count() == 4
    # Each sample patient's PDF holds what sets them apart (the wording is the PDF tests').
    flags = {rule.id: rule.text for rule in questionnaire.CURRENT.flags}
    assert "No safety flags from the patient's answers." in texts[0]
    assert flags["pregnancy"] in texts[1]
    assert flags["under_18"] in texts[2]
    assert flags["neuromuscular"] in texts[3]


def test_a_document_a_clinic_drops_into_the_folder_is_quoted_in_the_stored_pdf(
    app, patient, tmp_path, monkeypatch
):
    folder = tmp_path / "documents"
    folder.mkdir()
    monkeypatch.setattr(content, "FOLDER", folder_with_second_document(folder))
    reference = patient.complete(answers(spot_types=["nodules"], severity="severe"))
    text = pdf_text(stored_pdf(app, reference))
    # Both documents quoted; how the PDF heads and lays them out is tests/pdf's.
    assert "'Can Botox Injections Reduce Acne?'" in text
    assert "'Aftercare'" in text
    assert "Clinic leaflet." in text  # the leaflet's evidence note
    assert "For severe nodular acne." in text  # its passage chosen for this patient
