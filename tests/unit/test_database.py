"""Storage: migrations agree with the models, SQLite is tuned for concurrent writers, settings."""

from __future__ import annotations

import os
import stat
import threading
from datetime import datetime, timedelta

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text

from intake import config, database, keys, questionnaire
from intake.extensions import db
from intake.models import Draft, Submission
from intake.wizard import drafts
from tests.support import SHARED_DATABASE_URL, app_on, make_app


def revision_of(app) -> str | None:
    with app.app_context():
        revision = db.session.scalar(text("SELECT version_num FROM alembic_version"))
        db.session.remove()
    return revision


def newest_migration(app) -> str | None:
    return ScriptDirectory.from_config(database.alembic_config(app)).get_current_head()


def test_the_migrations_build_exactly_the_models(app):
    with app.app_context():
        command.check(database.alembic_config(app))  # raises when a model change lacks a migration


def test_db_upgrade_works_from_the_command_line_and_is_repeatable(app, runner):
    first = runner.invoke(args=["db", "upgrade"])
    second = runner.invoke(args=["db", "upgrade"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {"drafts", "submissions"} <= tables
    assert revision_of(app) == newest_migration(app)


def test_the_app_migrates_a_new_sqlite_file_when_it_starts(tmp_path):
    """Tests copy a file migrated once per run (tests/support.make_app); this is the real start."""
    app = app_on(f"sqlite:///{tmp_path}/new.sqlite3")
    with app.app_context():
        inspector = inspect(db.engine)
        tables = set(inspector.get_table_names())
        key_store = inspector.get_table_names(schema=keys.KEY_SCHEMA)
    # The record keys are in the key store, a file of its own beside the data, never in it.
    assert tables | {f"{keys.KEY_SCHEMA}.{table}" for table in key_store} == set(
        db.metadata.tables
    ) | {"alembic_version"}
    assert key_store == ["record_keys"]
    assert (tmp_path / "new-keys.sqlite3").is_file()
    assert revision_of(app) == newest_migration(app)


def test_a_database_behind_the_migrations_is_upgraded_when_the_app_starts(tmp_path, monkeypatch):
    """A release with a new migration: the first start after it upgrades the file."""
    url = f"sqlite:///{tmp_path}/older.sqlite3"
    older = app_on(url)
    with older.app_context():
        command.downgrade(database.alembic_config(older), "-1")
    assert revision_of(older) not in (None, newest_migration(older))
    upgrades = []
    upgrade = command.upgrade
    monkeypatch.setattr(command, "upgrade", lambda *args: upgrades.append(args) or upgrade(*args))

    restarted = app_on(url)
    assert len(upgrades) == 1
    assert revision_of(restarted) == newest_migration(restarted)
    with restarted.app_context():
        command.check(database.alembic_config(restarted))  # the schema is the models' again


def test_a_database_at_the_newest_migration_is_left_alone(app, monkeypatch):
    """Alembic is not even started (its start costs more than the check): most starts."""

    def upgrade(*args):
        raise AssertionError("Alembic started on a database already up to date")

    monkeypatch.setattr(command, "upgrade", upgrade)
    database.upgrade_schema(app)
    assert revision_of(app) == newest_migration(app)


def test_each_database_is_tuned_for_many_workers(app):
    """SQLite: WAL and a busy timeout. PostgreSQL: dropped connections are noticed, not used."""
    with app.app_context():
        if SHARED_DATABASE_URL is None:
            assert db.session.scalar(text("PRAGMA journal_mode")) == "wal"
            assert db.session.scalar(text("PRAGMA busy_timeout")) == 10000
        else:
            assert db.engine.dialect.name == "postgresql"
            assert db.engine.pool._pre_ping is True


def test_a_draft_read_gives_back_its_connection_as_the_app_tuned_it(app):
    """The read runs outside a transaction on PostgreSQL only; either way the pooled
    connection comes back as every other query expects it."""
    with app.app_context():
        token = drafts.start(timedelta(hours=1))
        assert drafts.find(token).answers == {}
        raw = db.engine.raw_connection()
        try:
            if SHARED_DATABASE_URL is None:
                # We issue BEGIN ourselves (isolation_level None): savepoints depend on it.
                assert raw.driver_connection.isolation_level is None
            else:
                assert raw.driver_connection.autocommit is False
        finally:
            raw.close()


def test_concurrent_writers_never_see_database_is_locked(app):
    lifetime = timedelta(hours=1)
    with app.app_context():
        tokens = [drafts.start(lifetime) for _ in range(4)]
    failures = []

    def patient(token: str) -> None:
        with app.app_context():
            try:
                for number in range(15):
                    drafts.save_step(
                        token, questionnaire.STEPS[0], {"full_name": f"Writer {number}"}, lifetime
                    )
            except Exception as error:  # noqa: BLE001  (collected and asserted below)
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=patient, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    with app.app_context():
        names = {d.answers["full_name"] for d in db.session.scalars(select(Draft))}
    assert names == {"Writer 14"}


def test_timestamps_must_be_timezone_aware(app):
    with app.app_context():
        naive = datetime(2026, 1, 1, 12, 0)
        db.session.add(
            Draft(
                token_hash="x" * 64,
                answers={},
                created_at=naive,
                updated_at=naive,
                expires_at=naive,
            )
        )
        with pytest.raises(Exception, match="naive datetime"):
            db.session.flush()
        db.session.rollback()


def test_the_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("INTAKE_SECRET_KEY", raising=False)
    first = config.from_environment(str(tmp_path))["SECRET_KEY"]
    second = config.from_environment(str(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600


def test_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("INTAKE_SECRET_KEY", "from-env")
    monkeypatch.setenv("INTAKE_TIMEZONE", "America/New_York")
    monkeypatch.setenv("INTAKE_TABLET_IDLE_SECONDS", "42")
    monkeypatch.setenv("INTAKE_DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite3")
    settings = config.from_environment(str(tmp_path))
    assert settings["SECRET_KEY"] == "from-env"
    assert settings["TIMEZONE"] == "America/New_York"
    assert settings["TABLET_IDLE_SECONDS"] == 42
    assert settings["DATABASE_URL"].endswith("env.sqlite3")
    assert not (tmp_path / "secret_key").exists()


def test_an_unknown_time_zone_stops_the_app_at_start(tmp_path):
    with pytest.raises(Exception, match="Mars/Olympus"):
        make_app(tmp_path, TIMEZONE="Mars/Olympus")


@pytest.mark.skipif(bool(SHARED_DATABASE_URL), reason="SQLite's own files")
def test_starting_on_a_database_from_before_sealing_leaves_no_clear_page_in_its_files(tmp_path):
    """The upgrade at start seals the rows, then rewrites the file and empties its write-ahead
    log (database._rewrite_sqlite_files): no page of the clear values is left, even while the
    app is still running with the log open."""
    url = f"sqlite:///{tmp_path}/older.sqlite3"
    older = app_on(url)
    with older.app_context():
        command.downgrade(database.alembic_config(older), "0007")
        db.session.execute(
            text(
                "INSERT INTO submissions (reference, draft_token_hash, questionnaire_id,"
                " questionnaire_version, answers, language, submitted_at, patient_name, name_key)"
                " VALUES ('ABCD-2345', 'x', 'q', '2026.2', '{\"full_name\": \"Zebulon"
                " Quartermaine\"}', 'en', '2026-01-01', 'Zebulon Quartermaine',"
                " 'zebulon quartermaine')"
            )
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

    restarted = app_on(url)
    with restarted.app_context():
        assert db.session.scalar(select(Submission.reference)) == "ABCD-2345"
        db.session.remove()
    files = [path for path in tmp_path.iterdir() if path.is_file()]
    assert any(path.name.endswith("-wal") for path in files)  # the app still has them open
    for path in files:
        assert b"Quartermaine" not in path.read_bytes(), path.name
