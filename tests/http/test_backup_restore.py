"""A backup restored into a new app (SPEC section 12), on SQLite with the backup command and on
PostgreSQL with pg_dump and pg_restore, as the README says: a clinician reads a submission and
its PDF there. And the point of keeping the keys apart: a record deleted after a backup was
made (its key destroyed) cannot be opened from that backup, while the others can."""

from __future__ import annotations

from sqlalchemy import delete

from intake import services
from intake.extensions import db
from intake.keys import RecordKey
from tests.backups import Restores, backup_data, backup_keys
from tests.http.clinic_helpers import CLINICIAN, Staff, create_user, quick_hashing  # noqa: F401
from tests.sealed_records import NAMES, read_everything, write_everything
from tests.support import Html


def pdf_of(app, reference: str) -> bytes:
    with app.app_context():
        pdf = services.pdf_of(services.find_submission(reference))
        db.session.remove()
    assert pdf is not None
    return pdf


def test_a_backup_restored_into_a_new_app_shows_a_submission_and_its_pdf(app, tmp_path):
    create_user(app, CLINICIAN, "clinician")
    written = write_everything(app)
    backup_data(app, tmp_path / "data.backup")
    backup_keys(app, tmp_path / "keys.backup")

    with Restores(tmp_path) as restores:
        restored = restores.restore(tmp_path / "data.backup", tmp_path / "keys.backup")
        read_everything(restored, written)
        clinician = Staff(restored.test_client()).signed_in()
        reference = written.references[0]
        page = clinician.client.get(f"/clinic/submissions/{reference}")
        download = clinician.client.get(f"/clinic/submissions/{reference}/summary.pdf")

    assert page.status_code == 200
    assert NAMES[0] in Html.of(page).text
    assert download.status_code == 200
    assert download.data == pdf_of(app, reference)  # the very bytes stored before the backup


def test_a_record_deleted_after_a_backup_cannot_be_opened_from_it(app, tmp_path):
    create_user(app, CLINICIAN, "clinician")
    written = write_everything(app)
    backup_data(app, tmp_path / "data.backup")
    deleted, kept = written.references
    with app.app_context():
        key_id = services.find_submission(deleted).key_id
        with db.engine.begin() as connection:  # as a deletion does: the record's key destroyed
            connection.execute(delete(RecordKey.__table__).where(RecordKey.id == key_id))
        db.session.remove()
    backup_keys(app, tmp_path / "live-keys.backup")

    # The old data with the key store as it is now: the app starts (every ring key is there)
    with Restores(tmp_path) as restores:
        restored = restores.restore(tmp_path / "data.backup", tmp_path / "live-keys.backup")
        read_everything(restored, written, gone=(deleted,))
        clinician = Staff(restored.test_client()).signed_in()
        refused = [
            clinician.client.get(f"/clinic/submissions/{deleted}"),
            clinician.client.get(f"/clinic/submissions/{deleted}/summary.pdf"),
        ]
        shown = clinician.client.get(f"/clinic/submissions/{kept}")
        downloaded = clinician.client.get(f"/clinic/submissions/{kept}/summary.pdf")

    for response in refused:
        assert response.status_code == 500
        assert Html.of(response).title.startswith("This record cannot be opened")
        assert NAMES[0] not in response.get_data(as_text=True)
        assert "Traceback" not in response.get_data(as_text=True)
    assert shown.status_code == 200
    assert downloaded.data == pdf_of(app, kept)
