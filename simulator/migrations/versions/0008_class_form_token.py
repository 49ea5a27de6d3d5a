"""classrooms.form_token: the one-time token of the form that made a class session (new or
duplicated), unique per instructor, so a double click makes one class session."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("classrooms") as batch:
        batch.add_column(sa.Column("form_token", sa.String(40), nullable=True))
    op.create_index(
        "uq_classrooms_instructor_form_token",
        "classrooms",
        ["instructor_id", "form_token"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_classrooms_instructor_form_token", table_name="classrooms")
    with op.batch_alter_table("classrooms") as batch:
        batch.drop_column("form_token")
