"""Open response as a class setting: classrooms.open_response (trainees type first at every
choice scene of the session's runs)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("classrooms") as batch:
        batch.add_column(sa.Column("open_response", sa.Boolean(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("classrooms") as batch:
        batch.drop_column("open_response")
