"""key store, sealed columns, hand-off, PDFs apart, search index (SPEC section 12)

- `intake_keys.record_keys`: each record's own key, wrapped by the key ring (intake.keys). On
  PostgreSQL a schema of its own; on SQLite a database file of its own, attached as
  `intake_keys` (intake.database), so that a data backup never holds a record's key;
- the sealed columns beside the clear ones they replace (migration 0009 seals the rows and
  drops the clear columns), and each record's `key_id`;
- `submissions`: filed, legal hold and deletion (the tombstone's who, when and why);
- `submission_pdfs`: a submission's PDF, out of the rows the lists read;
- `search_grams`: keyed hashes of the pieces of names and references (intake.search);
- the list's indexes: newest first, and newest first among those not deleted.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 06:40:00
"""

import sqlalchemy as sa
from alembic import op

import intake.database

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

KEYS = "intake_keys"
UTC = intake.database.UTCDateTime


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE SCHEMA IF NOT EXISTS {KEYS}")
    op.create_table(
        "record_keys",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("ring_key_id", sa.String(length=16), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        schema=KEYS,
    )
    op.create_index(
        "ix_intake_keys_record_keys_ring_key_id", "record_keys", ["ring_key_id"], schema=KEYS
    )
    for name in ("drafts", "appointments", "users", "submissions"):
        op.add_column(name, sa.Column("key_id", sa.BigInteger(), nullable=True))
    op.add_column("drafts", sa.Column("answers_sealed", sa.LargeBinary(), nullable=True))
    for name in ("patient_name_sealed", "date_of_birth_sealed", "email_sealed"):
        op.add_column("appointments", sa.Column(name, sa.LargeBinary(), nullable=True))
    for name in ("totp_secret_sealed", "totp_pending_secret_sealed"):
        op.add_column("users", sa.Column(name, sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.add_column(sa.Column("answers_sealed", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("patient_name_sealed", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("filed_at", UTC(), nullable=True))
        batch_op.add_column(sa.Column("filed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("legal_hold_at", UTC(), nullable=True))
        batch_op.add_column(sa.Column("legal_hold_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("deleted_at", UTC(), nullable=True))
        batch_op.add_column(sa.Column("deleted_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("deletion_reason", sa.String(length=500), nullable=True))
        batch_op.create_foreign_key("fk_submissions_filed_by", "users", ["filed_by_id"], ["id"])
        batch_op.create_foreign_key(
            "fk_submissions_legal_hold_by", "users", ["legal_hold_by_id"], ["id"]
        )
        batch_op.create_foreign_key("fk_submissions_deleted_by", "users", ["deleted_by_id"], ["id"])
        batch_op.drop_index("ix_submissions_submitted_at")
        batch_op.create_index("ix_submissions_submitted_at", ["submitted_at", "id"])
        batch_op.create_index("ix_submissions_live", ["deleted_at", "submitted_at", "id"])
    op.create_table(
        "submission_pdfs",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("submission_id"),
    )
    # tick purges stale links and desk codes by their end (intake.housekeeping)
    op.create_index("ix_invitations_expires_at", "invitations", ["expires_at"])
    op.create_index("ix_desk_codes_expires_at", "desk_codes", ["expires_at"])
    op.create_table(
        "search_grams",
        sa.Column("gram", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("submission_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("gram", "submission_id"),
        sqlite_with_rowid=False,
    )


def downgrade():
    # The clear columns, put back by 0010's downgrade and filled by 0009's, required again.
    with op.batch_alter_table("submissions", recreate="always") as batch_op:
        batch_op.alter_column("answers", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("patient_name", existing_type=sa.String(length=100), nullable=False)
        batch_op.alter_column("name_key", existing_type=sa.String(length=100), nullable=False)
        batch_op.create_check_constraint(
            "pdf_with_its_hash", "(pdf IS NULL) = (pdf_sha256 IS NULL)"
        )
    # (appointments' stay nullable: on SQLite, rebuilding a table others refer to would
    # break their references.)
    with op.batch_alter_table("drafts") as batch_op:
        batch_op.alter_column("answers", existing_type=sa.JSON(), nullable=False)
    op.drop_table("search_grams")
    op.drop_index("ix_desk_codes_expires_at", "desk_codes")
    op.drop_index("ix_invitations_expires_at", "invitations")
    op.drop_table("submission_pdfs")
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.drop_index("ix_submissions_live")
        batch_op.drop_index("ix_submissions_submitted_at")
        batch_op.create_index("ix_submissions_submitted_at", ["submitted_at"])
        batch_op.drop_constraint("fk_submissions_deleted_by", type_="foreignkey")
        batch_op.drop_constraint("fk_submissions_legal_hold_by", type_="foreignkey")
        batch_op.drop_constraint("fk_submissions_filed_by", type_="foreignkey")
        for name in (
            "deletion_reason",
            "deleted_by_id",
            "deleted_at",
            "legal_hold_by_id",
            "legal_hold_at",
            "filed_by_id",
            "filed_at",
            "patient_name_sealed",
            "answers_sealed",
            "key_id",
        ):
            batch_op.drop_column(name)
    for name in ("totp_pending_secret_sealed", "totp_secret_sealed", "key_id"):
        op.drop_column("users", name)
    for name in ("email_sealed", "date_of_birth_sealed", "patient_name_sealed", "key_id"):
        op.drop_column("appointments", name)
    for name in ("answers_sealed", "key_id"):
        op.drop_column("drafts", name)
    op.drop_index("ix_intake_keys_record_keys_ring_key_id", "record_keys", schema=KEYS)
    op.drop_table("record_keys", schema=KEYS)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP SCHEMA IF EXISTS {KEYS}")
