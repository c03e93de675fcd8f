"""sliding window for sign-in failures

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 04:12:10.272409
"""

import sqlalchemy as sa
from alembic import op

import intake.database

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    # Counters of failed sign-ins are short-lived: start them afresh rather than convert them.
    op.execute("DELETE FROM sign_in_throttle")
    with op.batch_alter_table("sign_in_throttle", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recent_failures", sa.JSON(), nullable=False))
        batch_op.drop_column("failures")
        batch_op.drop_column("window_started_at")


def downgrade():
    op.execute("DELETE FROM sign_in_throttle")
    with op.batch_alter_table("sign_in_throttle", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("window_started_at", intake.database.UTCDateTime(), nullable=False)
        )
        batch_op.add_column(sa.Column("failures", sa.Integer(), nullable=False))
        batch_op.drop_column("recent_failures")
