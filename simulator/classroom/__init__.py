"""Class sessions: an instructor's join code, trainees joining by name, a live scoreboard,
the class's split at each key moment, the instructor's dashboard and exports.

One blueprint, `bp`, whose views are grouped by who uses them: `instructor`, `room` (the
scoreboard and moments) and `trainees`; `codes` holds the pure join-code and name rules."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("classroom", __name__)

# the view modules register their routes on bp, so they are imported once it exists
from . import (  # noqa: E402, F401
    discussion,
    evidence,
    group,
    instructor,
    lifecycle,
    room,
    summary,
    trainees,
)
from .codes import ALPHABET, new_code, normal_code  # noqa: E402


def init_app(app: Flask) -> None:
    """Register the blueprint (its join limit is set in limits.py, with the login's)."""
    app.register_blueprint(bp)


__all__ = ["ALPHABET", "bp", "init_app", "new_code", "normal_code"]
