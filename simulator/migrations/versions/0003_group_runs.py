"""Playing together: a class session's group runs (one in progress at a time: live_in is
unique), each choice the room made with its votes (group_steps), and the trainees' votes and
own words at each step (group_votes, one per trainee per step)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def moment(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "group_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("classroom_id", sa.Integer(), nullable=False),
        sa.Column("live_in", sa.Integer(), nullable=True),
        sa.Column("scenario_id", sa.String(100), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("scenario_digest", sa.String(64), nullable=False),
        sa.Column("scenario_source", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("scene", sa.String(100), nullable=False),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.Column("revealed", sa.JSON(), nullable=True),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("ending", sa.String(100), nullable=True),
        moment("started_at"),
        moment("finished_at", nullable=True),
        moment("stopped_at", nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["classroom_id"],
            ["classrooms.id"],
            name="fk_group_runs_classroom_id_classrooms",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_group_runs"),
        sa.UniqueConstraint("live_in", name="uq_group_runs_live_in"),
    )
    op.create_index("ix_group_runs_classroom_id", "group_runs", ["classroom_id"])
    op.create_table(
        "group_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_run_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("votes", sa.JSON(), nullable=False),
        sa.Column("decided", sa.String(16), nullable=False),
        moment("created_at"),
        sa.ForeignKeyConstraint(
            ["group_run_id"],
            ["group_runs.id"],
            name="fk_group_steps_group_run_id_group_runs",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_group_steps"),
        sa.UniqueConstraint("group_run_id", "number", name="uq_group_steps_number"),
    )
    op.create_table(
        "group_votes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_run_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("reply", sa.String(16), nullable=True),
        sa.Column("words", sa.Text(), nullable=True),
        moment("updated_at"),
        sa.ForeignKeyConstraint(
            ["group_run_id"],
            ["group_runs.id"],
            name="fk_group_votes_group_run_id_group_runs",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"],
            ["trainees.id"],
            name="fk_group_votes_trainee_id_trainees",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_group_votes"),
        sa.UniqueConstraint("group_run_id", "step", "trainee_id", name="uq_group_votes_one"),
    )


def downgrade() -> None:
    op.drop_table("group_votes")
    op.drop_table("group_steps")
    op.drop_index("ix_group_runs_classroom_id", table_name="group_runs")
    op.drop_table("group_runs")
