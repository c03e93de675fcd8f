"""A wrong key ring (SPEC section 12, intake.keys): without the ring key the data was written
with, with a malformed key or with an empty INTAKE_DATA_KEYS the app refuses to start with a
message naming INTAKE_DATA_KEYS, never a traceback, and never a key in the message. On SQLite
and PostgreSQL."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys

import pytest

from intake import keys
from intake.app import PROJECT_ROOT
from intake.extensions import db
from intake.keys import KeyRing, KeyRingError, RecordKey
from tests.sealed_records import shared_database_emptied_after  # noqa: F401  (a fixture)
from tests.support import SHARED_DATABASE_URL, TEST_DATA_KEYS, make_app

OTHER = keys.new_ring_key()
WRITTEN_WITH = KeyRing.parse(TEST_DATA_KEYS).first_id


@pytest.fixture
def written(app):
    """The test's database holds a record key wrapped by the suite's ring key (the search key)."""
    with app.app_context():
        keys.search_key(db.session)
        db.session.commit()
        db.session.remove()
    return app


def refusal(tmp_path, data_keys: str) -> str:
    with pytest.raises(SystemExit) as stopped:
        make_app(tmp_path, DATA_KEYS=data_keys)
    return str(stopped.value)


def test_a_ring_without_the_key_the_data_was_written_with_stops_the_app(written, tmp_path):
    message = refusal(tmp_path, OTHER)
    assert message == (
        f"Intake cannot start: INTAKE_DATA_KEYS does not hold the ring key {WRITTEN_WITH}, "
        "which wraps stored records. Set INTAKE_DATA_KEYS to the keys this database was "
        "written with (the newest first); without them its patients' data cannot be read."
    )
    assert OTHER not in message
    make_app(tmp_path, DATA_KEYS=f"{OTHER},{TEST_DATA_KEYS}")  # with it anywhere in the ring


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("not-a-key", 1),
        (TEST_DATA_KEYS[:-3], 1),  # cut short
        (TEST_DATA_KEYS + "AAAA", 1),  # too long
        (TEST_DATA_KEYS[:-1] + "!", 1),  # not base64
        (f"{TEST_DATA_KEYS},{OTHER[:20]}", 2),
    ],
)
def test_a_malformed_key_stops_the_app_and_says_which(written, tmp_path, value, number):
    message = refusal(tmp_path, value)
    assert message == (
        f"Intake cannot start: INTAKE_DATA_KEYS: key {number} is not a key printed by "
        "`flask --app app new-data-key` (32 bytes in URL-safe base64)."
    )


@pytest.mark.parametrize("value", ["", " ", ",", " , ,"])
def test_a_ring_set_but_empty_stops_the_app(written, tmp_path, value):
    assert refusal(tmp_path, value) == "Intake cannot start: INTAKE_DATA_KEYS holds no key."


def test_unset_a_ring_is_generated_once_into_the_instance_folder(tmp_path):
    instance = tmp_path / "instance"
    ring = keys.ring_from_config({"DATA_KEYS": None}, str(instance))
    again = keys.ring_from_config({}, str(instance))
    assert ring.ids == again.ids
    assert oct((instance / keys.INSTANCE_RING).stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (OTHER, f"INTAKE_DATA_KEYS does not hold the ring key {WRITTEN_WITH}"),
        ("not-a-key", "INTAKE_DATA_KEYS: key 1 is not a key printed by"),
        ("", "INTAKE_DATA_KEYS holds no key."),
    ],
)
def test_the_command_line_says_so_without_a_traceback(written, tmp_path, value, says):
    """A real `flask --app app ...` in a new process, as an operator runs it (an app module of
    the test's own, so the instance folder is the test's)."""
    (tmp_path / "app.py").write_text(
        "from intake.app import create_app as _create_app\n\n\n"
        "def create_app():\n"
        f"    return _create_app(instance_path={str(tmp_path / 'instance')!r})\n"
    )
    with written.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    environment = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "INTAKE_DATABASE_URL": url,
        "INTAKE_SECRET_KEY": "test-secret",
        "INTAKE_DATA_KEYS": value,
    }
    for command in (["rotate-keys"], ["backup", str(tmp_path / "copy")], ["routes"]):
        ran = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", *command],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ran.returncode == 1, (command, ran.stdout, ran.stderr)
        assert ran.stderr.startswith("Intake cannot start: "), ran.stderr
        assert says in ran.stderr
        assert "Traceback" not in ran.stderr + ran.stdout
        assert OTHER not in ran.stderr + ran.stdout
    assert not (tmp_path / "copy").exists()


@pytest.mark.usefixtures("shared_database_emptied_after")
def test_the_check_walks_to_every_ring_key_the_key_store_names(written):
    """Keys wrapped by six ring keys: a ring lacking any of them is refused, naming exactly the
    ones it lacks."""
    raw = [secrets.token_bytes(32) for _ in range(6)]
    ids = [keys.ring_key_id(key) for key in raw]
    suite = base64.urlsafe_b64decode(TEST_DATA_KEYS + "=")  # wraps the search key
    with written.app_context():
        for number, key in enumerate(raw):
            for copy in range(number + 1):  # 1 to 6 record keys each: the walk skips repeats
                key_id = 1000 * (number + 1) + copy
                wrapped_by, wrapped = KeyRing([key]).wrap(key_id, secrets.token_bytes(32))
                db.session.add(RecordKey(id=key_id, ring_key_id=wrapped_by, wrapped=wrapped))
        db.session.commit()
        with db.engine.connect() as connection:
            keys.check_ring(connection, KeyRing([*raw, suite]))  # nothing missing
            for held in ([0, 5], [1, 2, 3], [4], []):
                ring = KeyRing([suite, *(raw[index] for index in held)])
                with pytest.raises(KeyRingError) as refused:
                    keys.check_ring(connection, ring)
                missing = [ids[index] for index in range(6) if index not in held]
                assert str(refused.value) == keys.missing_key_message(missing)
            with pytest.raises(KeyRingError) as refused:
                keys.check_ring(connection, KeyRing(raw))
            assert str(refused.value) == keys.missing_key_message([WRITTEN_WITH])
        db.session.remove()


def test_a_key_printed_on_a_new_installation_is_then_taken(app, tmp_path):
    """`flask --app app new-data-key` starts the app, which on SQLite makes the new database
    (and, with no INTAKE_DATA_KEYS yet, a ring in the instance folder): the database holds no
    key, so the app then starts with the printed key."""
    (tmp_path / "app.py").write_text(
        "from intake.app import create_app as _create_app\n\n\n"
        "def create_app():\n"
        f"    return _create_app(instance_path={str(tmp_path / 'instance')!r})\n"
    )
    with app.app_context():
        shared = db.engine.url.render_as_string(hide_password=False)
    environment = {key: value for key, value in os.environ.items() if not key.startswith("INTAKE_")}
    environment |= {
        "PYTHONPATH": str(PROJECT_ROOT),
        "INTAKE_SECRET_KEY": "test-secret",
        "INTAKE_DATABASE_URL": shared if SHARED_DATABASE_URL else f"sqlite:///{tmp_path}/new.db",
    }

    def flask(*command: str, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", *command],
            cwd=tmp_path,
            env=environment | extra,
            capture_output=True,
            text=True,
            timeout=60,
        )

    printed = flask("new-data-key")
    assert printed.returncode == 0, printed.stderr
    key = printed.stdout.strip()
    assert (tmp_path / "instance" / keys.INSTANCE_RING).exists()  # made, and not used below
    rotated = flask("rotate-keys", INTAKE_DATA_KEYS=key)
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.endswith(": 0\n")
