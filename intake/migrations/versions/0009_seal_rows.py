"""seal every row kept in clear (SPEC section 12)

A data step only, with no change of schema in its own transaction: intake.encryption_upgrade
seals the rows in batches, each committed on its own connection, so the step can stop and
start again where it stopped, and a large database stays usable meanwhile. Migration 0010 then
drops the clear columns. The downgrade opens the rows again into the clear columns (which
0010's downgrade has put back).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 06:41:00
"""

from alembic import op

from intake import encryption_upgrade

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with encryption_upgrade.beside(op.get_bind()):
        encryption_upgrade.seal_everything()


def downgrade():
    with encryption_upgrade.beside(op.get_bind()):
        encryption_upgrade.open_everything()
