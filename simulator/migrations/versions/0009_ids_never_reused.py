"""trainees and group_runs: on SQLite, AUTOINCREMENT, so the id of a removed trainee (or of a
group run removed with its class session) is never given to a new one. Without it SQLite
reuses the highest id: a dashboard left open on a removed trainee could rename or remove
the next one to join. PostgreSQL's sequences never reuse an id: nothing to do there."""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("trainees", "group_runs")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:  # copied into a new table made with AUTOINCREMENT, rows and ids kept
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ):
            pass


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always"):
            pass
