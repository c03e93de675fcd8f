"""Alembic environment: runs inside the Flask app context (flask db ..., or upgrade at start)."""

from alembic import context
from flask import current_app

from intake import keys, models  # noqa: F401  (registers the tables on the metadata)
from intake.extensions import db

config = context.config


def _ours(name, type_, parent_names) -> bool:
    if type_ == "schema":
        return name in (None, "public", "main", keys.KEY_SCHEMA)
    return True


def run_migrations_online() -> None:
    with db.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=db.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            # Each migration commits on its own: 0009 seals rows in batches on connections of
            # its own, which must see 0008's columns (intake.encryption_upgrade).
            transaction_per_migration=True,
            # The key store is a schema of its own (intake.keys): compared too, nothing else.
            include_schemas=True,
            include_name=_ours,
        )
        with context.begin_transaction():
            context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(
        url=current_app.config["SQLALCHEMY_DATABASE_URI"],
        target_metadata=db.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
