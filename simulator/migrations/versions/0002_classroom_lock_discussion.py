"""Class sessions: joins can be locked while play goes on (locked_at), and discussion mode
keeps which key moment the projector shows, and how much of it (discussion)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("classrooms") as batch:
        batch.add_column(sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("discussion", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("classrooms") as batch:
        batch.drop_column("discussion")
        batch.drop_column("locked_at")
