"""`flask --app app backup FILE` (SPEC section 12): a consistent copy of the SQLite data while
the app writes, without the key store (`--keys` copies that alone), 0600 whatever the umask,
never over an existing file without --force. On PostgreSQL it says to use pg_dump, and the
consistency test makes its copy with pg_dump, as the README says."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from intake import database, questionnaire
from intake.extensions import db
from intake.keys import RecordKey
from intake.models import SearchGram, Submission
from intake.wizard import drafts
from tests.backups import Restores, backup_data, backup_keys
from tests.factories import answers
from tests.support import SHARED_DATABASE_URL

sqlite_only = pytest.mark.skipif(
    bool(SHARED_DATABASE_URL), reason="the backup command copies SQLite files"
)


def submit(name: str) -> None:
    lifetime = timedelta(hours=1)
    token = drafts.start(lifetime)
    drafts.save_step(token, questionnaire.STEPS[0], answers(full_name=name), lifetime)
    drafts.submit(token, drafts.fingerprint(drafts.find(token).answers), language="en")


def counts(app) -> tuple[int, int, int]:
    """Submissions, submissions in the search index, and record keys: written together."""
    with app.app_context():
        found = (
            db.session.scalar(select(func.count()).select_from(Submission)),
            db.session.scalar(select(func.count(func.distinct(SearchGram.submission_id)))),
            db.session.scalar(select(func.count()).select_from(RecordKey)),
        )
        db.session.remove()
    return found


@pytest.fixture
def private_umask():
    """The most open umask: the command alone must keep its files private."""
    before = os.umask(0)
    yield
    os.umask(before)


def test_on_postgresql_the_command_says_to_use_pg_dump(runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "copy")])
    if not SHARED_DATABASE_URL:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1
    assert "on PostgreSQL use pg_dump" in result.output
    assert "--exclude-schema=intake_keys" in result.output
    assert not (tmp_path / "copy").exists()


@sqlite_only
def test_the_data_backup_is_private_one_file_and_holds_no_key(app, runner, tmp_path, private_umask):
    with app.app_context():
        submit("Zoë Quillfeather")
        db.session.remove()
    copy = tmp_path / "copy.sqlite3"

    result = runner.invoke(args=["backup", str(copy)])

    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Wrote a copy of the data (without the key store) to {copy} "
        f"({copy.stat().st_size:,} bytes)\n"
    )
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert sorted(path.name for path in tmp_path.iterdir() if "copy" in path.name) == [copy.name]
    with closing(sqlite3.connect(copy)) as opened:
        assert opened.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        tables = {row[0] for row in opened.execute("SELECT name FROM sqlite_master")}
        assert {"submissions", "search_grams", "submission_pdfs"} <= tables
        assert "record_keys" not in tables
        assert opened.execute("SELECT count(*) FROM submissions").fetchone() == (1,)

    keys_copy = tmp_path / "keys.sqlite3"
    result = runner.invoke(args=["backup", "--keys", str(keys_copy)])
    assert result.exit_code == 0, result.output
    assert "key store" in result.output
    assert stat.S_IMODE(keys_copy.stat().st_mode) == 0o600
    with closing(sqlite3.connect(keys_copy)) as opened:
        # the search key and the submission's (its draft's went with the draft)
        assert opened.execute("SELECT count(*) FROM record_keys").fetchone() == (2,)


@sqlite_only
def test_an_existing_file_is_kept_unless_forced_and_the_live_files_never(app, runner, tmp_path):
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(b"an operator's file")

    refused = runner.invoke(args=["backup", str(copy)])
    assert refused.exit_code == 1
    assert "exists; add --force to replace it" in refused.output
    assert copy.read_bytes() == b"an operator's file"

    forced = runner.invoke(args=["backup", "--force", str(copy)])
    assert forced.exit_code == 0, forced.output
    with closing(sqlite3.connect(copy)) as opened:
        assert opened.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600

    with app.app_context():
        live = database._sqlite_file(db.engine)
    assert live is not None
    for target in (live, database.key_store_file(live), f"{live}-wal"):
        before = Path(target).read_bytes()
        refused = runner.invoke(args=["backup", "--force", target])
        assert refused.exit_code == 1
        assert "is the live database" in refused.output
        assert Path(target).read_bytes() == before
    assert not [path for path in tmp_path.iterdir() if path.name.endswith(".partial")]

    nowhere = runner.invoke(args=["backup", str(tmp_path / "no such folder" / "copy")])
    assert nowhere.exit_code == 1
    assert nowhere.output == (
        f"Error: cannot write {tmp_path / 'no such folder' / 'copy'}: No such file or directory\n"
    )


def test_a_backup_made_while_the_app_writes_is_consistent(app, tmp_path):
    """Each copy is one moment's state: it passes SQLite's integrity check, and every
    submission in it is in its search index with its key (one transaction wrote them)."""
    with app.app_context():
        submit("Before Backup")
        db.session.remove()
    writing, failures = threading.Event(), []

    def keep_writing() -> None:
        with app.app_context():
            try:
                number = 0
                while writing.is_set():
                    submit(f"Written During {number:04d}")
                    number += 1
            except Exception as error:  # noqa: BLE001  (asserted below)
                failures.append(error)
            finally:
                db.session.remove()

    writer = threading.Thread(target=keep_writing)
    writing.set()
    writer.start()
    copies = []
    try:
        for number in range(1 if SHARED_DATABASE_URL else 3):
            copies.append(tmp_path / f"during-{number}")
            backup_data(app, copies[-1])
    finally:
        writing.clear()
        writer.join(timeout=60)
    assert failures == []
    written, _, _ = counts(app)
    keys = tmp_path / "keys-after"
    backup_keys(app, keys)  # made last: it holds the key of every submission in the copies

    for copy in copies:
        if not SHARED_DATABASE_URL:
            with closing(sqlite3.connect(copy)) as opened:
                assert opened.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        with Restores(tmp_path) as restores:
            restored = restores.restore(copy, keys)
            submissions, indexed, _ = counts(restored)
            assert 1 <= submissions <= written
            assert indexed == submissions
            with restored.app_context():
                for submission in db.session.scalars(select(Submission)):
                    assert submission.patient_name.startswith(("Before", "Written During"))
                db.session.remove()
    assert written > 1  # the writer did write meanwhile
