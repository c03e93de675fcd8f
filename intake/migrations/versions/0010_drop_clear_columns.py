"""drop the clear columns the sealed ones replaced (SPEC section 12)

Every row was sealed by migration 0009. The downgrade puts the clear columns back, empty, for
0009's downgrade to fill, and then a last step makes them required again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 06:42:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    # Present unless this database came down only to 0009 (0008's downgrade puts it back).
    checks = {c["name"] for c in sa.inspect(op.get_bind()).get_check_constraints("submissions")}
    with op.batch_alter_table("submissions", recreate="always") as batch_op:
        if "pdf_with_its_hash" in checks:
            batch_op.drop_constraint("pdf_with_its_hash", type_="check")
        batch_op.drop_index("ix_submissions_name_key")
        for name in ("pdf", "name_key", "patient_name", "answers"):
            batch_op.drop_column(name)
    for name in ("email", "date_of_birth", "patient_name"):
        op.drop_column("appointments", name)
    op.drop_column("drafts", "answers")
    for name in ("totp_pending_secret", "totp_secret"):
        op.drop_column("users", name)


def downgrade():
    op.add_column("drafts", sa.Column("answers", sa.JSON(), nullable=True))
    op.add_column("users", sa.Column("totp_secret", sa.String(length=64), nullable=True))
    op.add_column("users", sa.Column("totp_pending_secret", sa.String(length=64), nullable=True))
    op.add_column("appointments", sa.Column("patient_name", sa.String(length=100), nullable=True))
    op.add_column("appointments", sa.Column("date_of_birth", sa.Date(), nullable=True))
    op.add_column("appointments", sa.Column("email", sa.String(length=254), nullable=True))
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.add_column(sa.Column("answers", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("patient_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("name_key", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("pdf", sa.LargeBinary(), nullable=True))
        batch_op.create_index("ix_submissions_name_key", ["name_key"])
