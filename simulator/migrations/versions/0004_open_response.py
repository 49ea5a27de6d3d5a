"""Open response: a run may ask for the trainee's words at every choice scene
(runs.open_response), and each step keeps the reply those words matched (steps.match)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("open_response", sa.Boolean(), nullable=False, server_default="0"))
    with op.batch_alter_table("steps") as batch:
        batch.add_column(sa.Column("match", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("steps") as batch:
        batch.drop_column("match")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("open_response")
