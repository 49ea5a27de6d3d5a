"""Class sessions: an instructor's join code, trainees joining by name, a live scoreboard,
the class's split at each key moment, the instructor's dashboard and exports.

One blueprint, `bp`, whose views are grouped by who uses them: `instructor`, `room` (the
scoreboard and moments) and `trainees`; `codes` holds the pure join-code and name rules."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

bp = Blueprint("classroom", __name__)

# the view modules register their routes on bp, so they are imported once it exists
from . import instructor, room, trainees  # noqa: E402, F401
from .codes import ALPHABET, new_code, normal_code  # noqa: E402

# Only failed join attempts count toward the first limit, so a whole class behind one
# address can join at once while guessing codes stays slow; the second caps floods.
JOIN_FAILURES = "10 per minute"
JOIN_ATTEMPTS = "60 per minute"


def init_app(app: Flask) -> None:
    """Register the blueprint and rate-limit join attempts per client address."""
    storage = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    limiter = Limiter(get_remote_address, app=app, storage_uri=storage, default_limits=[])
    app.extensions["rapport.limiter"] = limiter
    app.register_blueprint(bp)
    # a limiter per app (each has its own counts), so its limits wrap this app's view only
    limited = limiter.limit(JOIN_FAILURES, deduct_when=lambda response: response.status_code != 303)
    app.view_functions["classroom.join"] = limited(limiter.limit(JOIN_ATTEMPTS)(trainees.join))
    app.register_error_handler(429, trainees.too_many)


__all__ = ["ALPHABET", "bp", "init_app", "new_code", "normal_code"]
