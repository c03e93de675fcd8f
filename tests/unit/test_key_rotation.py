"""new-data-key and rotate-keys (SPEC section 12): a database written under ring key A, the ring
"B,A", a rotation, and then B alone opens everything while A alone refuses to start. On
SQLite and PostgreSQL (the suite runs on both)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, func, select

from intake import key_commands, keys
from intake.extensions import db
from intake.keys import KeyRing, RecordKey
from tests.sealed_records import (  # noqa: F401  (a fixture)
    read_everything,
    shared_database_emptied_after,
    write_everything,
)
from tests.support import TEST_DATA_KEYS, make_app

A = TEST_DATA_KEYS  # what every test app writes with
B = keys.new_ring_key()
A_ID, B_ID = (KeyRing.parse(key).first_id for key in (A, B))

pytestmark = pytest.mark.usefixtures("shared_database_emptied_after")


def wrapped_by(app) -> dict[str, int]:
    """How many record keys each ring key wraps."""
    with app.app_context():
        rows = db.session.execute(
            select(RecordKey.ring_key_id, func.count()).group_by(RecordKey.ring_key_id)
        ).all()
        db.session.remove()
    return dict(rows)


def test_new_data_key_prints_a_new_key_and_nothing_else(runner):
    printed = [runner.invoke(args=["new-data-key"]).output for _ in range(2)]
    assert printed[0] != printed[1]
    for output in printed:
        (line,) = output.splitlines()
        assert output == line + "\n"
        assert len(line) == 43  # 32 bytes in URL-safe base64, unpadded
        KeyRing.parse(line)  # INTAKE_DATA_KEYS takes it as it is printed


def test_rotation_rewraps_every_key_under_the_first_and_the_old_key_can_go(app, tmp_path):
    written = write_everything(app)
    before = wrapped_by(app)
    assert set(before) == {A_ID}
    # 2 submissions, an appointment, 2 drafts (one submitted, so gone), staff, the search key
    assert before[A_ID] >= 5

    rotating = make_app(tmp_path, DATA_KEYS=f"{B},{A}")
    read_everything(rotating, written)  # the new first key reads what the old one wrapped
    result = rotating.test_cli_runner().invoke(args=["rotate-keys"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"re-wrapped from ring key {A_ID}: {before[A_ID]}",
        f"record keys re-wrapped under ring key {B_ID}: {before[A_ID]}",
    ]
    assert A not in result.output and B not in result.output
    with rotating.app_context():
        assert db.session.get(RecordKey, keys.SEARCH_KEY_ID).ring_key_id == B_ID
    assert wrapped_by(rotating) == {B_ID: before[A_ID]}
    read_everything(make_app(tmp_path, DATA_KEYS=B), written)

    again = rotating.test_cli_runner().invoke(args=["rotate-keys"])
    assert again.output.splitlines() == [f"record keys re-wrapped under ring key {B_ID}: 0"]

    with pytest.raises(SystemExit) as refused:
        make_app(tmp_path, DATA_KEYS=A)
    message = str(refused.value)
    assert message.startswith("Intake cannot start: INTAKE_DATA_KEYS does not hold the ring key")
    assert B_ID in message and B not in message


def test_a_rotation_stopped_part_way_carries_on_where_it_stopped(app, tmp_path, monkeypatch):
    written = write_everything(app)
    total = wrapped_by(app)[A_ID]
    rotating = make_app(tmp_path, DATA_KEYS=f"{B},{A}")
    ring = keys.ring()
    wraps = []
    wrap = KeyRing.wrap

    def failing_in_the_second_batch(self, record_key_id, key):
        wraps.append(record_key_id)
        if len(wraps) == 3:
            raise OSError("the machine went down")
        return wrap(self, record_key_id, key)

    monkeypatch.setattr(KeyRing, "wrap", failing_in_the_second_batch)
    with rotating.app_context(), pytest.raises(OSError):
        key_commands.rotate(ring, batch=2)
    assert wrapped_by(rotating) == {B_ID: 2, A_ID: total - 2}  # the first batch stands
    read_everything(rotating, written)  # halfway is a working state

    monkeypatch.setattr(KeyRing, "wrap", wrap)
    with rotating.app_context():
        assert key_commands.rotate(ring, batch=2) == {A_ID: total - 2}
    assert wrapped_by(rotating) == {B_ID: total}
    read_everything(make_app(tmp_path, DATA_KEYS=B), written)


def test_two_rotations_at_once_while_the_app_reads_leave_every_key_valid(app, tmp_path):
    """Two app instances rotate in small batches at once while a third keeps opening records:
    every key ends wrapped by B and opens to what it was; no read fails meanwhile."""
    written = write_everything(app)
    with app.app_context():
        originals = {}
        for _ in range(120):
            row, key = keys.new_record_key()
            db.session.add(row)
            originals[row.id] = key
        db.session.commit()
        db.session.remove()
    rotators = [make_app(tmp_path, DATA_KEYS=f"{B},{A}") for _ in range(2)]
    reader = make_app(tmp_path, DATA_KEYS=f"{B},{A}")
    counts, failures = [], []
    rotating = threading.Event()

    def rotate(instance):
        with instance.app_context():
            try:
                counts.append(key_commands.rotate(instance.extensions["intake_key_ring"], 7))
            except Exception as error:  # noqa: BLE001  (asserted below)
                failures.append(error)
            finally:
                db.session.remove()

    def read():
        while rotating.is_set():
            try:
                read_everything(reader, written)
            except Exception as error:  # noqa: BLE001  (asserted below)
                failures.append(error)
                return

    threads = [threading.Thread(target=rotate, args=(instance,)) for instance in rotators]
    rotating.set()
    watcher = threading.Thread(target=read)
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    rotating.clear()
    watcher.join(timeout=120)

    assert failures == []
    (total,) = wrapped_by(reader).values()
    assert wrapped_by(reader) == {B_ID: total}
    assert total >= len(originals) + 5
    assert sum(count[A_ID] for count in counts) == total  # each re-wrapped once, by one of them
    only_b = make_app(tmp_path, DATA_KEYS=B)
    with only_b.app_context():
        for key_id, key in originals.items():
            assert keys.open_record_key(db.session.get(RecordKey, key_id)) == key
        db.session.remove()
    read_everything(only_b, written)


def test_a_key_destroyed_during_a_rotation_stays_destroyed(app, tmp_path, monkeypatch):
    """A deletion between the rotation's read and its write: the update finds no row, and
    never writes the key back."""
    write_everything(app)
    rotating = make_app(tmp_path, DATA_KEYS=f"{B},{A}")
    ring = keys.ring()
    with rotating.app_context():
        victim = db.session.scalar(
            select(RecordKey.id).where(RecordKey.id != keys.SEARCH_KEY_ID).order_by(RecordKey.id)
        )
        db.session.remove()
    unwrap = KeyRing.unwrap

    def deleted_meanwhile(self, record_key_id, wrapped_by, wrapped):
        key = unwrap(self, record_key_id, wrapped_by, wrapped)
        if record_key_id == victim:
            with app.app_context(), db.engine.begin() as connection:
                connection.execute(delete(RecordKey.__table__).where(RecordKey.id == victim))
        return key

    monkeypatch.setattr(KeyRing, "unwrap", deleted_meanwhile)
    if db_is_sqlite(rotating):
        # SQLite: the rotation holds the write lock, so the deletion would wait for it: it is
        # made to happen first instead, which is what the lock guarantees.
        monkeypatch.setattr(KeyRing, "unwrap", unwrap)
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(delete(RecordKey.__table__).where(RecordKey.id == victim))
    with rotating.app_context():
        moved = key_commands.rotate(ring)
        assert db.session.get(RecordKey, victim) is None
        db.session.remove()
    assert sum(moved.values()) == sum(wrapped_by(rotating).values())


def db_is_sqlite(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "sqlite"
