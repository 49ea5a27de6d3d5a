"""Alembic's environment, run by simulator.migrations with a connection it has opened
and locked: no alembic.ini, the database URL is the app's own."""

from __future__ import annotations

from alembic import context

from simulator.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only simulator.migrations runs this file
    raise RuntimeError("run migrations through `rapport db upgrade`, not the alembic command")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite alters a table by copying it: batch mode does that, with the names above
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
