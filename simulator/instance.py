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
        except BadInstance as error:  # a read-only install: count in each process instead
            app.logger.warning("rate limits count per process: %s", error)
            counts = "memory://"
        app.config["RATELIMIT_STORAGE_URI"] = counts


def folder(app: Flask) -> Path:
    """The app's instance folder, made on first need."""
    folder = Path(app.instance_path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BadInstance(
            f"the instance folder {folder} cannot be made ({error.strerror}): set "
            "RAPPORT_INSTANCE_DIR to a folder the server can write, or configure "
            "RAPPORT_DATABASE_URL and RAPPORT_SECRET_KEY"
        ) from error
    return folder


class BadInstance(ValueError):
    """An instance folder, or a kept secret key in it, that cannot be used; the message
    says what to do."""


def persistent_secret(file: Path) -> str:
    """A secret kept in the instance folder, so signed cookies survive restarts. A file
    that is there but empty or not a text key is refused, never replaced: each process
    would make a key of its own, and a browser's cookie would work on one of them only."""
    if file.exists():
        return _kept(file)
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
        key = _kept(file)
    finally:
        temporary.unlink()
    return key


def _kept(file: Path) -> str:
    remedy = (
        "delete it to have a new key made at the next start (browsers then sign in and "
        "start afresh), or set RAPPORT_SECRET_KEY"
    )
    try:
        raw = file.read_bytes()
    except OSError as error:
        raise BadInstance(f"{file} cannot be read ({error.strerror}): {remedy}") from error
    try:
        key = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        raise BadInstance(f"{file} is not a text key: {remedy}") from None
    if not key or not key.isprintable():
        raise BadInstance(f"{file} holds no key: {remedy}")
    return key


def analyses(app: Flask) -> Path:
    """Where background path analyses leave their results: `ANALYSIS_DIR`, else
    `analyses/` in the instance folder, which every process of this server shares."""
    configured = app.config.get("ANALYSIS_DIR")
    found = Path(configured) if configured else Path(app.instance_path) / "analyses"
    try:
        found.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # results are then not kept: each is worked out again
        app.logger.warning("analyses are not kept: %s cannot be made: %s", found, error)
    return found
