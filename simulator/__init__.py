"""Rapport: a training simulator for the therapeutic alliance."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parents[1]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create the app: configuration, database, scenario library, blueprints, error pages."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(
        DATABASE_URL=os.environ.get("RAPPORT_DATABASE_URL"),
        SECRET_KEY=os.environ.get("RAPPORT_SECRET_KEY"),
        SCENARIO_DIR=os.environ.get("RAPPORT_SCENARIO_DIR") or str(ROOT / "scenarios"),
        SESSION_COOKIE_NAME="rapport",
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=timedelta(days=365),
        SESSION_REFRESH_EACH_REQUEST=False,  # no need to re-sign the cookie on every choice
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        # shared by the app's processes when several serve it (memory:// counts per process)
        RATELIMIT_STORAGE_URI=os.environ.get("RAPPORT_RATELIMIT_STORAGE") or "memory://",
    )
    app.config.update(config or {})
    # the defaults that write files: only when nothing else was configured
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{_instance(app) / 'rapport.db'}"
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _persistent_secret(_instance(app) / "secret_key")

    from . import auth, author, db, play, web, words
    from .scenarios import Library

    db.init_app(app)
    app.extensions["rapport.library"] = Library(app.config["SCENARIO_DIR"])
    app.register_blueprint(play.bp)
    app.register_blueprint(author.bp)
    auth.init_app(app)
    from . import classroom  # class sessions: the blueprint and the join rate limit

    classroom.init_app(app)
    web.init_app(app)
    words.init_app(app)
    return app


def _instance(app: Flask) -> Path:
    folder = Path(app.instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _persistent_secret(file: Path) -> str:
    """A secret kept in the instance folder, so signed cookies survive restarts."""
    if file.exists():
        existing = file.read_text(encoding="ascii").strip()
        if existing:
            return existing
    key = secrets.token_hex(32)
    # write a private temporary file, then link it into place: two processes starting
    # at once agree on whichever key was linked first
    temporary = file.with_name(f".{file.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key + "\n")
    try:
        os.link(temporary, file)
    except FileExistsError:
        key = file.read_text(encoding="ascii").strip() or key
    finally:
        temporary.unlink()
    return key
