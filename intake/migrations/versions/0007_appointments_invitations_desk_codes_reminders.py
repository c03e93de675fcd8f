"""appointments, invitations, desk codes, reminders (SPEC section 11)

- `appointments`: who is expected when, and where their invitation stands (its state);
- `invitations`: an appointment's links (only each token's hash), revoked on resend or
  cancel, with the date-of-birth lock;
- `desk_codes`: codes for a front-desk tablet (only each code's hash), 15 minutes, once;
- `reminders`: each reminder email, claimed by one tick and sent once;
- `drafts.appointment_id`, `submissions.appointment_id`: an invited patient's draft and
  submission join their appointment (one each);
- `audit_events.appointment_id`: what an event is about, by id only. Added in place, not by
  a batch copy, so the audit log's append-only triggers on SQLite stay.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 04:24:09.212093
"""

import sqlalchemy as sa
from alembic import op

import intake.database

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_name", sa.String(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("appointment_date", sa.Date(), nullable=False),
        sa.Column("appointment_time", sa.Time(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("natural_key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_changed_at", intake.database.UTCDateTime(), nullable=False),
        sa.Column("created_at", intake.database.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("email_status", sa.String(length=16), nullable=True),
        sa.Column("email_error", sa.String(length=200), nullable=True),
        sa.CheckConstraint("language IN ('en', 'es')", name="known_language"),
        sa.CheckConstraint(
            "state IN ('not_invited', 'invited', 'opened', 'in_progress', 'submitted', 'reviewed', 'filed', 'expired', 'cancelled')",
            name="known_state",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("natural_key"),
    )
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_appointments_day", ["appointment_date", "appointment_time"], unique=False
        )

    op.create_table(
        "desk_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", intake.database.UTCDateTime(), nullable=False),
        sa.Column("expires_at", intake.database.UTCDateTime(), nullable=False),
        sa.Column("used_at", intake.database.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
    )
    with op.batch_alter_table("desk_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_desk_codes_appointment_id"), ["appointment_id"], unique=False
        )

    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", intake.database.UTCDateTime(), nullable=False),
        sa.Column("expires_at", intake.database.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", intake.database.UTCDateTime(), nullable=True),
        sa.Column("opened_at", intake.database.UTCDateTime(), nullable=True),
        sa.Column("recent_failures", sa.JSON(), nullable=False),
        sa.Column("locked_until", intake.database.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invitations_appointment_id"), ["appointment_id"], unique=False
        )

    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("claimed_at", intake.database.UTCDateTime(), nullable=True),
        sa.Column("sent_at", intake.database.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('due', 'sending', 'sent', 'skipped', 'failed')", name="known_status"
        ),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("appointment_id", "days_before", name="one_reminder_a_day"),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminders_due_on"), ["due_on"], unique=False)

    op.add_column("audit_events", sa.Column("appointment_id", sa.Integer(), nullable=True))

    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("appointment_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint("uq_drafts_appointment_id", ["appointment_id"])
        batch_op.create_foreign_key(
            "fk_drafts_appointment_id", "appointments", ["appointment_id"], ["id"]
        )

    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("appointment_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint("uq_submissions_appointment_id", ["appointment_id"])
        batch_op.create_foreign_key(
            "fk_submissions_appointment_id", "appointments", ["appointment_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_submissions_appointment_id", type_="foreignkey")
        batch_op.drop_constraint("uq_submissions_appointment_id", type_="unique")
        batch_op.drop_column("appointment_id")

    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_constraint("fk_drafts_appointment_id", type_="foreignkey")
        batch_op.drop_constraint("uq_drafts_appointment_id", type_="unique")
        batch_op.drop_column("appointment_id")

    op.drop_column("audit_events", "appointment_id")  # in place: the triggers stay

    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminders_due_on"))

    op.drop_table("reminders")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_appointment_id"))

    op.drop_table("invitations")
    with op.batch_alter_table("desk_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_codes_appointment_id"))

    op.drop_table("desk_codes")
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_index("ix_appointments_day")

    op.drop_table("appointments")
