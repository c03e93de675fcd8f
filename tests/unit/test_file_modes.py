"""F1: everything the app and its commands write is readable by the service's user only (0600
files, 0700 folders), whatever the umask, and files an older release left open are tightened."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from intake import config
from intake.app import create_app
from tests.factories import answers
from tests.support import Patient, apps_made

DATABASE_FILES = ("intake.sqlite3", "intake.sqlite3-wal", "intake.sqlite3-shm")


@pytest.fixture
def open_umask():
    """The usual umask of a service, under which new files are 0644 and folders 0755."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def instance(tmp_path, monkeypatch, open_umask) -> Path:
    """An instance folder with the settings of a fresh checkout: nothing set in the environment."""
    for name in ("INTAKE_DATABASE_URL", "INTAKE_SECRET_KEY", "INTAKE_DATA_KEYS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "instance"


def start_app(instance: Path):
    """The app as `flask run` starts it, on the SQLite file and secret key of its instance folder."""
    settings = {"TESTING": True, **config.from_environment(str(instance))}
    app = create_app(settings, instance_path=str(instance))
    apps_made.append(app)
    return app


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def modes_under(folder: Path) -> dict[str, int]:
    """The mode of the folder and of everything in it, by path relative to it."""
    found = {".": mode(folder)}
    for path in folder.rglob("*"):
        found[str(path.relative_to(folder))] = mode(path)
    return found


def test_every_file_and_folder_the_app_and_its_commands_write_is_private(instance, tmp_path):
    app = start_app(instance)
    reference = Patient(app.test_client()).complete(answers())  # stores a submission and its PDF
    runner = app.test_cli_runner()
    demo = runner.invoke(args=["demo"])
    exported = runner.invoke(args=["export-pdf", reference, str(instance / "exported.pdf")])
    assert demo.exit_code == 0 and exported.exit_code == 0, demo.output + exported.output

    found = modes_under(instance)
    # The database's write-ahead log and shared memory exist while the app holds connections:
    # SQLite made them with the database file's own mode. So for the key store beside it, and
    # the key ring generated into the instance folder when INTAKE_DATA_KEYS is not set.
    expected_files = {
        *DATABASE_FILES,
        *(f"intake-keys.sqlite3{suffix}" for suffix in ("", "-wal", "-shm")),
        "secret_key",
        "data_keys",
    }
    assert expected_files <= found.keys(), sorted(found)
    assert len(list((instance / "demo-pdfs").glob("*.pdf"))) == 4
    wrong = {
        name: oct(value)
        for name, value in found.items()
        if value != (0o700 if (instance / name).is_dir() else 0o600)
    }
    assert wrong == {}


def test_export_pdf_tightens_a_file_that_was_readable_by_others(instance, tmp_path):
    app = start_app(instance)
    reference = Patient(app.test_client()).complete(answers())
    existing = tmp_path / "printing" / "summary.pdf"
    existing.parent.mkdir()
    existing.write_bytes(b"an older export")
    assert mode(existing) == 0o644
    result = app.test_cli_runner().invoke(args=["export-pdf", reference, str(existing)])
    assert result.exit_code == 0, result.output
    assert mode(existing) == 0o600 and existing.read_bytes().startswith(b"%PDF")


def test_demo_makes_a_new_out_folder_private_and_leaves_an_existing_one_as_it_is(
    instance, tmp_path
):
    runner = start_app(instance).test_cli_runner()
    new, existing = tmp_path / "new-demo", tmp_path / "shared"
    existing.mkdir()
    for folder in (new, existing):
        result = runner.invoke(args=["demo", "--out", str(folder)])
        assert result.exit_code == 0, result.output
        assert {mode(pdf) for pdf in folder.glob("*.pdf")} == {0o600}
    assert mode(new) == 0o700 and mode(existing) == 0o755


def test_an_instance_folder_left_open_by_an_older_release_is_tightened_at_start(instance):
    instance.mkdir(mode=0o755)
    (instance / "secret_key").write_text("an older release's key\n")
    (instance / "intake.sqlite3.upgrade-lock").touch()
    # A database that another process holds open: its -wal and -shm files are there, 0644 too.
    older = sqlite3.connect(instance / "intake.sqlite3")
    try:
        older.execute("PRAGMA journal_mode=WAL")
        older.execute("CREATE TABLE older_release (id INTEGER)")
        assert mode(instance) == 0o755
        assert {mode(path) for path in instance.iterdir()} == {0o644}
        assert {"intake.sqlite3-wal", "intake.sqlite3-shm"} <= {p.name for p in instance.iterdir()}

        start_app(instance)

        assert mode(instance) == 0o700
        assert {path.name: mode(path) for path in instance.iterdir()} == dict.fromkeys(
            (
                *DATABASE_FILES,
                "intake.sqlite3.upgrade-lock",
                "secret_key",
                # New in this release, made at this start: the key ring and the key store.
                "data_keys",
                "intake-keys.sqlite3",
                "intake-keys.sqlite3-wal",
                "intake-keys.sqlite3-shm",
            ),
            0o600,
        )
    finally:
        older.close()
