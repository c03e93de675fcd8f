"""Database plumbing: UTC timestamps, SQLite tuning, write transactions and schema upgrades."""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import DateTime, event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

from intake import files, keys
from intake.extensions import db

MIGRATIONS = Path(__file__).parent / "migrations"
_WRITE = "intake_write"
UPGRADE_LOCK = ".upgrade-lock"  # beside the SQLite file: one worker upgrades at a time


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, on every database (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given: use intake.clock.now()")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


def init_app(app: Flask) -> None:
    """Open the key ring, tune SQLite and bring its schema up to date at start, then check
    that the ring holds every ring key the key store names (keys.KeyRingError if not)."""
    keys.install(app, keys.ring_from_config(app.config, app.instance_path))
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _keep_sqlite_files_private(engine)
            _tune_sqlite(engine)
            upgrade_schema(app)
        try:
            check_key_ring(app)
        except keys.KeyRingError:
            engine.dispose()  # the app will not start: its connections are closed, not leaked
            raise


def check_key_ring(app: Flask) -> None:
    """keys.KeyRingError when a stored record key is wrapped by a ring key not in the ring. A
    PostgreSQL database not yet upgraded (no key store) has nothing to check."""
    with app.app_context(), db.engine.connect() as connection:
        if not inspect(connection).has_table(keys.RecordKey.__tablename__, keys.KEY_SCHEMA):
            return
        keys.check_ring(connection, app.extensions["intake_key_ring"])


def _sqlite_file(engine: Engine) -> str | None:
    """The path of a SQLite database kept in a file; None for one in memory, or PostgreSQL."""
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:":
        return None
    return path


def key_store_file(path: str) -> str:
    """The SQLite key store (intake.keys) beside a database file: intake.sqlite3 has
    intake-keys.sqlite3. A data backup is the database file alone."""
    data = Path(path)
    return str(data.with_name(f"{data.stem}-keys{data.suffix}"))


def _keep_sqlite_files_private(engine: Engine) -> None:
    """Make the database file and its key store 0600 before SQLite opens them (SQLite gives
    their -wal and -shm the file's mode), and tighten what an older release left readable."""
    path = _sqlite_file(engine)
    if path is None:
        return
    for database in (path, key_store_file(path)):
        os.close(files.open_private(database))
        for suffix in ("-wal", "-shm"):
            files.tighten(database + suffix)
    files.tighten(path + UPGRADE_LOCK)


def _tune_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout, and write transactions that take the write lock up front."""

    path = _sqlite_file(engine)
    key_store = key_store_file(path) if path else ":memory:"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        # Deleted rows are overwritten with zeros, in the data and in the key store (set before
        # ATTACH, which takes the main database's setting): deleted means gone from the file.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute(f"ATTACH DATABASE ? AS {keys.KEY_SCHEMA}", (key_store,))
        for schema in ("main", keys.KEY_SCHEMA):
            cursor.execute(f"PRAGMA {schema}.journal_mode=WAL")
            cursor.execute(f"PRAGMA {schema}.synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A deferred read-then-write transaction fails with "database is locked" under
        # concurrency whatever the timeout; a writer must queue for the lock at BEGIN.
        immediate = connection.get_execution_options().get(_WRITE)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_transaction():
    """One short transaction that holds the write lock from its start; commits or rolls back."""
    session = db.session
    session.rollback()  # end any read transaction this request has open
    session.connection(execution_options={_WRITE: True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def read_connection():
    """A connection for a read of one statement. On PostgreSQL it runs outside a transaction
    (one SELECT is consistent on its own), saving the BEGIN and ROLLBACK round trips; SQLite
    keeps its own BEGIN (setting AUTOCOMMIT there would undo the connection's tuning)."""
    connection = db.engine.connect()
    if connection.dialect.name == "postgresql":
        connection.execution_options(isolation_level="AUTOCOMMIT")
    return connection


@contextmanager
def write_connection():
    """As write_transaction, for plain statements on a connection of its own: the patient's
    every Continue writes this way, without the ORM session's bookkeeping."""
    with (
        db.engine.connect().execution_options(**{_WRITE: True}) as connection,
        connection.begin(),
    ):
        yield connection


def upsert(dialect_name: str, table):
    """An INSERT that can say ON CONFLICT (SQLite and PostgreSQL each have their own), for
    counts and rows that several workers may create at once."""
    return (postgresql if dialect_name == "postgresql" else sqlite).insert(table)


def alembic_config(app: Flask) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", app.config["SQLALCHEMY_DATABASE_URI"])
    return config


@cache
def _newest_migration() -> str | None:
    """The head of the migration scripts, read once per process."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def _is_up_to_date() -> bool:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_heads() == (_newest_migration(),)


def upgrade_schema(app: Flask) -> None:
    """Apply pending migrations; on SQLite a file lock keeps several workers from racing.
    A database already at the newest migration is left alone: most starts need nothing."""
    with app.app_context():
        if _is_up_to_date():
            return
        path = _sqlite_file(db.engine)
        if path is None:
            before = _current_revision()
            command.upgrade(alembic_config(app), "head")
            if before is not None and before < SEALED_REVISION:
                _rewrite_postgresql_tables()
            return
        with os.fdopen(files.open_private(path + UPGRADE_LOCK), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            before = _current_revision()
            command.upgrade(alembic_config(app), "head")
            if before is not None and before < SEALED_REVISION:
                _rewrite_sqlite_files()


SEALED_REVISION = "0010"
SEALED_TABLES = (
    "submissions",
    "appointments",
    "drafts",
    "users",
)  # from here on, nothing a patient typed is stored in clear


def _current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _rewrite_postgresql_tables() -> None:
    """As _rewrite_sqlite_files, on PostgreSQL: VACUUM FULL writes the tables anew, without
    the old row versions that held the clear values."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM FULL " + ", ".join(SEALED_TABLES))


def _rewrite_sqlite_files() -> None:
    """After an upgrade that sealed rows an older release kept in clear: rebuild the file and
    empty the write-ahead log, so no page of the clear values is left in either (secure_delete
    zeroes what is deleted from now on; VACUUM rewrites what came before it)."""
    _outside_transactions("VACUUM")
    empty_sqlite_logs()


def empty_sqlite_logs() -> None:
    """SQLite: move the write-ahead logs of the data and the key store into their files and
    empty them, so the pages secure_delete overwrote replace the old ones in the files
    themselves. Nothing to do on PostgreSQL. The caller's session's read is ended first: a
    checkpoint waits for every reader of an older snapshot, and meanwhile holds off writers."""
    if db.engine.dialect.name != "sqlite":
        return
    db.session.rollback()
    _outside_transactions(
        *(f"PRAGMA {schema}.wal_checkpoint(TRUNCATE)" for schema in ("main", keys.KEY_SCHEMA))
    )


def _outside_transactions(*statements: str) -> None:
    """Statements SQLite runs only outside a transaction, on a connection of their own (past
    SQLAlchemy's BEGIN)."""
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement in statements:
            cursor.execute(statement).fetchall()
        cursor.close()
    finally:
        raw.close()
