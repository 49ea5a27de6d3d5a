"""The instance folder: where the defaults that write files keep them when nothing else
was configured (the SQLite database, the secret key and the rate limits' counts)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from .limit_store import SCHEME


def fill_defaults(app: Flask) -> None:
    """A database file and a kept secret in the instance folder, for what is not configured."""
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{folder(app) / 'rapport.db'}"
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = persistent_secret(folder(app) / "secret_key")
    if not app.config.get("RATELIMIT_STORAGE_URI"):  # shared by this machine's processes
        try:
            counts = f"{SCHEME}://{folder(app) / 'rate-limits.db'}"
        except OSError as error:  # a read-only install: count in each process instead
            app.logger.warning("rate limits count per process: %s", error)
            counts = "memory://"
        app.config["RATELIMIT_STORAGE_URI"] = counts


def folder(app: Flask) -> Path:
    """The app's instance folder, made on first need."""
    folder = Path(app.instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def persistent_secret(file: Path) -> str:
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


def analyses(app: Flask) -> Path:
    """Where background path analyses leave their results: `ANALYSIS_DIR`, else
    `analyses/` in the instance folder, which every process of this server shares."""
    configured = app.config.get("ANALYSIS_DIR")
    found = Path(configured) if configured else folder(app) / "analyses"
    found.mkdir(parents=True, exist_ok=True)
    return found
