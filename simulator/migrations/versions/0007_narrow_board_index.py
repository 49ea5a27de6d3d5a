"""The board's index on runs names only what it filters on (class, attempt, test run). It
covered the board's columns so the board never read the wide rows; the rows are small since
0006, and every choice changed four of those columns, so each choice rewrote an index entry
(and on PostgreSQL could never update the row in place)."""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COVERING = [
    "classroom_id",
    "attempt",
    "is_test",
    "trainee_id",
    "id",
    "scenario_id",
    "scenario_digest",
    "steps",
    "finished",
    "score",
    "ruptures_opened",
    "ruptures_repaired",
]


def upgrade() -> None:
    op.drop_index("ix_runs_class_attempt", table_name="runs")
    op.create_index("ix_runs_class_attempt", "runs", ["classroom_id", "attempt", "is_test"])


def downgrade() -> None:
    op.drop_index("ix_runs_class_attempt", table_name="runs")
    op.create_index("ix_runs_class_attempt", "runs", COVERING)
