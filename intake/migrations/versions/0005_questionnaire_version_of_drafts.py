"""questionnaire version of drafts

Every draft holds the questionnaire version it was answered in, so that a draft begun on an
older version is carried over (SPEC section 2, "Versions"). Drafts that exist when this runs
were begun on 2026.1, the only version before it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 01:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "questionnaire_version", sa.String(16), nullable=False, server_default="2026.1"
            )
        )
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.alter_column("questionnaire_version", server_default=None)


def downgrade():
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_column("questionnaire_version")
