"""Rapport: a training simulator for the therapeutic alliance."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Flask loads with the app, not for `rapport validate` (0.1 s of its start)
    from flask import Flask

ROOT = Path(__file__).resolve().parents[1]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create the app: configuration, database, scenario library, blueprints, error pages."""
    # the instance folder keeps the files of the defaults (instance.py): the SQLite
    # database, the kept secret key, the rate limits' counts, the background analyses
    instance_dir = os.environ.get("RAPPORT_INSTANCE_DIR")
    from flask import Flask

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(Path(instance_dir).absolute()) if instance_dir else None,
    )
    app.config.from_mapping(
        DATABASE_URL=os.environ.get("RAPPORT_DATABASE_URL"),
        # how long a request waits for a database lock before it is a 503 (db.LOCK_SECONDS)
        DATABASE_LOCK_SECONDS=os.environ.get("RAPPORT_DATABASE_LOCK_SECONDS"),
        SECRET_KEY=os.environ.get("RAPPORT_SECRET_KEY"),
        SCENARIO_DIR=os.environ.get("RAPPORT_SCENARIO_DIR") or str(ROOT / "scenarios"),
        SESSION_COOKIE_NAME="rapport",
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        # Secure cookies travel over HTTPS only: set RAPPORT_SECURE_COOKIES=1 behind HTTPS
        SESSION_COOKIE_SECURE=os.environ.get("RAPPORT_SECURE_COOKIES", "") in ("1", "true", "yes"),
        REMEMBER_COOKIE_SECURE=os.environ.get("RAPPORT_SECURE_COOKIES", "") in ("1", "true", "yes"),
        PERMANENT_SESSION_LIFETIME=timedelta(days=365),
        SESSION_REFRESH_EACH_REQUEST=False,  # no need to re-sign the cookie on every choice
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        # where rate limits count: by default a file in the instance folder that every
        # process of this machine shares (instance.fill_defaults); redis:// for several
        RATELIMIT_STORAGE_URI=os.environ.get("RAPPORT_RATELIMIT_STORAGE"),
        # how many reverse proxies in front set X-Forwarded-For/-Proto/-Host; 0 trusts none
        TRUSTED_PROXIES=int(os.environ.get("RAPPORT_TRUSTED_PROXIES") or 0),
    )
    app.config.update(config or {})
    from .web import CookieSessions

    app.session_interface = CookieSessions()
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:  # only then is a client's address read from the proxy's headers
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    from . import auth, author, db, instance, play, portrait, text, web, words

    app.wsgi_app = web.RawQueryBytes(app.wsgi_app)  # type: ignore[method-assign]
    app.url_map.converters["id"] = web.RowId  # before any blueprint adds its routes

    instance.fill_defaults(app)  # the defaults that write files, for what is not configured
    from .scenarios import Library

    db.init_app(app)
    app.extensions["rapport.library"] = Library(app.config["SCENARIO_DIR"])
    app.register_blueprint(play.bp)
    app.register_blueprint(author.bp)
    auth.init_app(app)
    from . import classroom  # class sessions: the blueprint and the join rate limit

    classroom.init_app(app)
    from . import limits

    limits.init_app(app)
    web.init_app(app)
    words.init_app(app)
    text.init_app(app)
    portrait.init_app(app)
    from . import assets

    assets.init_app(app)
    return app
