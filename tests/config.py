"""The configuration every test app shares: a SQLite file and a scenario folder of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def app_config(
    folder: Path, scenarios: Path, database: str = "test.db", **extra: Any
) -> dict[str, Any]:
    """A test app's config: its database file in `folder`, its scenarios from `scenarios`;
    `extra` adds or overrides keys (WTF_CSRF_ENABLED, SECRET_KEY...)."""
    return {
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{folder / database}",
        "SCENARIO_DIR": str(scenarios),
        "SECRET_KEY": "tests",
        **extra,
    }
