"""Commands for the keys and the copies of encryption at rest (SPEC section 12, intake.keys):
new-data-key, rotate-keys, and backup (the data, or with --keys the key store, of a SQLite
database; PostgreSQL has pg_dump, as the README says)."""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select, update

from intake import database, files, keys
from intake.extensions import db

ROTATION_BATCH = 500  # record keys re-wrapped per transaction


def init_app(app: Flask) -> None:
    for command in (new_data_key, rotate_keys, backup):
        app.cli.add_command(command)


@click.command("new-data-key")
def new_data_key() -> None:
    """Print a new key for INTAKE_DATA_KEYS (put it first to encrypt with it from now on)."""
    click.echo(keys.new_ring_key())


# Rotation ----------------------------------------------------------------------------------


@click.command("rotate-keys")
@with_appcontext
def rotate_keys() -> None:
    """Re-wrap every record key under the first key of INTAKE_DATA_KEYS, while the app runs.
    Once it reports nothing left, the older keys can leave the ring."""
    key_ring = keys.ring()
    moved = rotate(key_ring)
    for old, count in sorted(moved.items()):
        click.echo(f"re-wrapped from ring key {old}: {count}")
    click.echo(f"record keys re-wrapped under ring key {key_ring.first_id}: {moved.total()}")


def rotate(key_ring: keys.KeyRing, batch: int | None = None) -> Counter[str]:
    """Re-wrap, batch by batch in id order, each batch its own short write transaction, every
    record key (the search key too) not wrapped by the ring's first key; returns how many from
    each older ring key. The record key itself never changes, so every row stays readable with
    either wrapping meanwhile; stopped part-way, a second run carries on. A key re-wrapped or
    destroyed by someone else since it was read (another rotation, a deletion) is left alone:
    the update names the wrapping it read, and never brings a destroyed key back."""
    batch = batch or ROTATION_BATCH
    table = keys.RecordKey.__table__
    moved: Counter[str] = Counter()
    after: int | None = None
    while True:
        with database.write_connection() as connection:
            query = select(table).where(table.c.ring_key_id != key_ring.first_id)
            if after is not None:
                query = query.where(table.c.id > after)
            rows = connection.execute(query.order_by(table.c.id).limit(batch)).all()
            for row in rows:
                key = key_ring.unwrap(row.id, row.ring_key_id, row.wrapped)
                wrapped_by, wrapped = key_ring.wrap(row.id, key)
                changed = connection.execute(
                    update(keys.RecordKey)
                    .where(keys.RecordKey.id == row.id)
                    .where(keys.RecordKey.ring_key_id == row.ring_key_id)
                    .values(ring_key_id=wrapped_by, wrapped=wrapped)
                ).rowcount
                if changed:
                    moved[row.ring_key_id] += 1
        if len(rows) < batch:
            return moved
        after = rows[-1].id


# Backup ------------------------------------------------------------------------------------

PG_DUMP_ADVICE = (
    "backup copies a SQLite database; on PostgreSQL use pg_dump: "
    "`pg_dump --exclude-schema=intake_keys` for the data and "
    "`pg_dump --schema=intake_keys` for the key store, kept apart (see the README)."
)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--keys",
    "key_store",
    is_flag=True,
    help="Copy the key store instead of the data; keep it apart from the data backups.",
)
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@with_appcontext
def backup(file: str, key_store: bool, force: bool) -> None:
    """Write a consistent copy of the SQLite database to FILE while the app runs: the data
    without the record keys, or with --keys the key store alone. A record deleted since a data
    backup was made cannot be read in it: its key is only in the live key store."""
    source = database._sqlite_file(db.engine)
    if source is None:
        raise click.ClickException(
            PG_DUMP_ADVICE if db.engine.dialect.name == "postgresql" else "no database file"
        )
    if key_store:
        source = database.key_store_file(source)
    target = Path(file)
    _refuse_live_files(target, database._sqlite_file(db.engine) or "")
    if target.exists() and not force:
        raise click.ClickException(f"{file} exists; add --force to replace it.")
    try:
        size = copy_sqlite(source, target, replace=force)
    except FileExistsError:
        raise click.ClickException(f"{file} exists; add --force to replace it.") from None
    except OSError as error:
        raise click.ClickException(f"cannot write {file}: {error.strerror or error}") from None
    what = "key store" if key_store else "data (without the key store)"
    click.echo(f"Wrote a copy of the {what} to {file} ({size:,} bytes)")


def _refuse_live_files(target: Path, data_file: str) -> None:
    live = {Path(data_file), Path(database.key_store_file(data_file))}
    live |= {Path(f"{path}{suffix}") for path in list(live) for suffix in ("-wal", "-shm")}
    resolved = target.resolve()
    if any(resolved == path.resolve() for path in live):
        raise click.ClickException(f"{target} is the live database: name another file.")


def copy_sqlite(source: str, target: Path, replace: bool = False) -> int:
    """A consistent copy of a SQLite file that others are writing: SQLite's online backup in
    one step (one read transaction, so one moment's state; in WAL mode it blocks no writer),
    into a new 0600 file beside the target, renamed into place only when it is whole. The copy
    is one file (no write-ahead log to carry along). Returns its size."""
    draft = target.with_name(f".{target.name}.{secrets.token_hex(6)}.partial")
    os.close(files.open_private(draft, os.O_WRONLY | os.O_EXCL))
    try:
        with (
            closing(sqlite3.connect(source, timeout=30)) as live,
            closing(sqlite3.connect(draft)) as copy,
        ):
            live.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
        if replace:
            os.replace(draft, target)
        else:
            os.link(draft, target)  # fails if a file appeared there meanwhile
            draft.unlink()
    finally:
        draft.unlink(missing_ok=True)
    files.tighten(target)
    return target.stat().st_size
