"""Scenario texts kept once, by digest (scenario_texts), not in every run's row: a run's row
was about 30 KB with its text, so on SQLite each choice's UPDATE rewrote its overflow pages.
runs.scenario_digest and group_runs.scenario_digest now refer to the kept text."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PINNED = ("runs", "group_runs")


def upgrade() -> None:
    op.create_table(
        "scenario_texts",
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name="pk_scenario_texts"),
    )
    # a digest is the hash of its text, so every row with one digest holds the same text
    op.execute(
        "INSERT INTO scenario_texts (digest, source) "
        "SELECT scenario_digest, MIN(scenario_source) FROM ("
        "SELECT scenario_digest, scenario_source FROM runs UNION ALL "
        "SELECT scenario_digest, scenario_source FROM group_runs) AS pinned "
        "GROUP BY scenario_digest"
    )
    for table in PINNED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("scenario_source")
            batch.create_foreign_key(
                f"fk_{table}_scenario_digest_scenario_texts",
                "scenario_texts",
                ["scenario_digest"],
                ["digest"],
            )


def downgrade() -> None:
    for table in PINNED:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_scenario_digest_scenario_texts", type_="foreignkey")
            batch.add_column(sa.Column("scenario_source", sa.Text(), nullable=True))
        op.execute(
            f"UPDATE {table} SET scenario_source = (SELECT source FROM scenario_texts "
            f"WHERE scenario_texts.digest = {table}.scenario_digest)"
        )
        with op.batch_alter_table(table) as batch:
            batch.alter_column("scenario_source", existing_type=sa.Text(), nullable=False)
    op.drop_table("scenario_texts")
