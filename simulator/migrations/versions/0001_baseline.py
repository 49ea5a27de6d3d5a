"""Baseline: the tables as Rapport made them before migrations (commit 179eeb0).

A database made by that build, or by one after the start-token columns came, is stamped
at this revision by `rapport db upgrade` (simulator.migrations.adopt) instead of running it.
Constraint names follow simulator.models.NAMING, so later revisions can name what they drop.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def moment(name: str, nullable: bool = False) -> sa.Column[datetime]:
    """A point in time, with its time zone (PostgreSQL keeps it; SQLite stores UTC text)."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "instructors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        moment("created_at"),
        sa.Column("login_epoch", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_instructors"),
        sa.UniqueConstraint("email", name="uq_instructors_email"),
    )
    op.create_table(
        "classrooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(6), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("instructor_id", sa.Integer(), nullable=False),
        sa.Column("scenario_ids", sa.JSON(), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("board", sa.String(16), nullable=False),
        moment("created_at"),
        moment("closed_at", nullable=True),
        moment("frozen_at", nullable=True),
        sa.Column("frozen_board", sa.JSON(), nullable=True),
        sa.Column("words_required", sa.Boolean(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["instructor_id"],
            ["instructors.id"],
            name="fk_classrooms_instructor_id_instructors",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_classrooms"),
        sa.UniqueConstraint("code", name="uq_classrooms_code"),
    )
    op.create_index("ix_classrooms_instructor_id", "classrooms", ["instructor_id"])
    op.create_table(
        "trainees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("classroom_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("key", sa.String(160), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        moment("joined_at"),
        sa.ForeignKeyConstraint(
            ["classroom_id"],
            ["classrooms.id"],
            name="fk_trainees_classroom_id_classrooms",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_trainees"),
        sa.UniqueConstraint("classroom_id", "key", name="uq_trainees_classroom_key"),
        sa.UniqueConstraint("classroom_id", "name", name="uq_trainees_classroom_name"),
    )
    op.create_index("ix_trainees_classroom_owner", "trainees", ["classroom_id", "owner"])
    create_runs()
    op.create_table(
        "steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("scene", sa.String(100), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        moment("created_at"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name="fk_steps_run_id_runs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_steps"),
        sa.UniqueConstraint("run_id", "number", name="uq_steps_run_number"),
    )
    op.create_index("ix_steps_run_scene_choice", "steps", ["run_id", "scene", "choice"])
    op.create_table(
        "instead_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        moment("written_at"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name="fk_instead_notes_run_id_runs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_instead_notes"),
        sa.UniqueConstraint("run_id", "step", name="uq_instead_run_step"),
    )
    op.create_index("ix_instead_notes_run_id", "instead_notes", ["run_id"])


def create_runs() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("scenario_id", sa.String(100), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("scenario_digest", sa.String(64), nullable=False),
        sa.Column("scenario_source", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("scene", sa.String(100), nullable=False),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("ending", sa.String(100), nullable=True),
        moment("started_at"),
        moment("finished_at", nullable=True),
        moment("updated_at"),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("ruptures_opened", sa.Integer(), nullable=False),
        sa.Column("ruptures_repaired", sa.Integer(), nullable=False),
        sa.Column("is_test", sa.Boolean(), nullable=False),
        sa.Column("parent_id", sa.String(32), nullable=True),
        sa.Column("branched_at", sa.Integer(), nullable=True),
        sa.Column("classroom_id", sa.Integer(), nullable=True),
        sa.Column("trainee_id", sa.Integer(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=True),
        sa.Column("start_token", sa.String(40), nullable=True),
        sa.Column("reaction_rating", sa.Integer(), nullable=True),
        sa.Column("reaction_text", sa.Text(), nullable=True),
        moment("reacted_at", nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["classroom_id"],
            ["classrooms.id"],
            name="fk_runs_classroom_id_classrooms",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["runs.id"], name="fk_runs_parent_id_runs", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["trainees.id"], name="fk_runs_trainee_id_trainees", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
        sa.UniqueConstraint("trainee_id", "scenario_id", "attempt", name="uq_runs_trainee_attempt"),
    )
    op.create_index("ix_runs_scenario_id", "runs", ["scenario_id"])
    op.create_index("ix_runs_classroom_id", "runs", ["classroom_id"])
    op.create_index("ix_runs_trainee_id", "runs", ["trainee_id"])
    op.create_index("ix_runs_owner_finished", "runs", ["owner", "finished"])
    op.create_index("uq_runs_owner_start_token", "runs", ["owner", "start_token"], unique=True)
    # the class scoreboard reads this index alone, never the wide rows
    board = ["classroom_id", "attempt", "is_test", "trainee_id", "id", "scenario_id"]
    board += ["scenario_digest", "steps", "finished", "score"]
    board += ["ruptures_opened", "ruptures_repaired"]
    op.create_index("ix_runs_class_attempt", "runs", board)


def downgrade() -> None:
    for table in ("instead_notes", "steps", "runs", "trainees", "classrooms", "instructors"):
        op.drop_table(table)
