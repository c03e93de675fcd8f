"""rate limits, tablet drafts, two-factor sign-in

- `rate_limits`: hits per client address and action in fixed one-minute windows, shared by
  every worker and server (SPEC section 7). The address is kept only as a keyed hash.
- `drafts.on_tablet`: a draft begun on a front-desk tablet is marked on the server, so the
  tablet's idle limit holds whatever cookie a later request brings.
- `users.totp_*`: the TOTP secret of an enrolled account, the one being enrolled, and the
  time step of the last code accepted (a code is never accepted twice).
- `staff_sessions.pending`: a sign-in whose password was right but which still waits for
  its authentication code ("code") or for enrolment ("enrol"); NULL once signed in.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 03:30:00
"""

import sqlalchemy as sa
from alembic import op

import intake.database

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", intake.database.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_rate_limits_expires_at", "rate_limits", ["expires_at"])
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("on_tablet", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("totp_pending_secret", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending", sa.String(8), nullable=True))


def downgrade():
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.drop_column("pending")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_pending_secret")
        batch_op.drop_column("totp_secret")
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_column("on_tablet")
    op.drop_index("ix_rate_limits_expires_at", table_name="rate_limits")
    op.drop_table("rate_limits")
