"""Backups and restores as the README tells an operator to make them: on SQLite with
`flask --app app backup` (the data) and `backup --keys` (the key store), on PostgreSQL with
pg_dump of the data without the schema intake_keys and of that schema alone, and pg_restore
into a new database. Each restore is a new app, closed (and its database dropped) when the
`Restores` it came from ends (`with Restores(tmp_path) as restores:`)."""

from __future__ import annotations

import secrets
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from intake import database
from tests.support import SHARED_DATABASE_URL, app_on, close_connections


def _libpq(url: str) -> str:
    """A SQLAlchemy URL as pg_dump takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def backup_data(app, file: Path) -> None:
    if SHARED_DATABASE_URL:
        _pg_dump(["--exclude-schema=intake_keys"], file)
        return
    result = app.test_cli_runner().invoke(args=["backup", str(file)])
    assert result.exit_code == 0, result.output


def backup_keys(app, file: Path) -> None:
    if SHARED_DATABASE_URL:
        _pg_dump(["--schema=intake_keys"], file)
        return
    result = app.test_cli_runner().invoke(args=["backup", "--keys", str(file)])
    assert result.exit_code == 0, result.output


def _pg_dump(what: list[str], file: Path) -> None:
    assert SHARED_DATABASE_URL
    subprocess.run(
        ["pg_dump", "--format=custom", *what, f"--file={file}", _libpq(SHARED_DATABASE_URL)],
        check=True,
        capture_output=True,
    )


class Restores:
    """Restores into new places, undone at the end of the test."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.apps: list = []
        self.databases: list[str] = []

    def restore(self, data: Path, keys: Path, **settings):
        """A new app on the data backup and the key-store backup given."""
        if SHARED_DATABASE_URL:
            url = self._new_postgresql_database()
            for dump in (data, keys):
                subprocess.run(
                    [
                        "pg_restore",
                        "--no-owner",
                        "--exit-on-error",
                        f"--dbname={_libpq(url)}",
                        dump,
                    ],
                    check=True,
                    capture_output=True,
                )
        else:
            folder = self.tmp_path / f"restored-{secrets.token_hex(4)}"
            folder.mkdir()
            file = folder / "intake.sqlite3"
            shutil.copyfile(data, file)
            shutil.copyfile(keys, database.key_store_file(str(file)))
            url = f"sqlite:///{file}"
        app = app_on(url, **settings)
        self.apps.append(app)
        return app

    def _new_postgresql_database(self) -> str:
        assert SHARED_DATABASE_URL
        name = f"intake_restore_{secrets.token_hex(4)}"
        engine = create_engine(SHARED_DATABASE_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        engine.dispose()
        self.databases.append(name)
        return make_url(SHARED_DATABASE_URL).set(database=name).render_as_string(False)

    def __enter__(self) -> Restores:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for app in self.apps:
            close_connections(app)
        if self.databases:
            assert SHARED_DATABASE_URL
            engine = create_engine(SHARED_DATABASE_URL, isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                for name in self.databases:
                    connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            engine.dispose()
