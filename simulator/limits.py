"""Rate limits: join attempts and instructor logins, counted per address and per target."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from . import limit_store  # noqa: F401  (registers the rapport-sqlite:// store)

# Only failed join attempts count toward the first limit, so a whole class behind one
# address can join at once, and a room of 40 each making a typo can still get in. Guessing
# stays slow: 45 tries a minute against 25^6 (about 2.4 x 10^8) codes is one hit in about
# ten years per open class. The second limit caps floods from one address, above what a
# lecture hall of 300 behind one address needs to join in the same minute (now that the
# workers count together, it is the real limit, not one per worker).
JOIN_FAILURES = "45 per minute"
JOIN_ATTEMPTS = "300 per minute"
# Wrong passwords: a few per account (whoever tries), more per address (a shared network).
LOGIN_FAILURES_PER_ACCOUNT = "5 per minute"
LOGIN_FAILURES_PER_ADDRESS = "20 per minute"
LOGIN_SLOW = (
    "Too many wrong passwords for this account or from your network. Please wait a minute, "
    "then try again."
)


def _account() -> str:
    return "login:" + request.form.get("email", "").strip().lower()[:254]


def _only_on(
    endpoints: set[str], hook: Callable[[Response], Response]
) -> Callable[[Response], Response]:
    def on_limited_views(response: Response) -> Response:
        return hook(response) if request.endpoint in endpoints else response

    return on_limited_views


def init_app(app: Flask) -> None:
    """Wrap the join and login views in their limits, with friendly 429 pages."""
    from . import auth
    from .classroom import trainees

    storage = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    limiter = Limiter(get_remote_address, app=app, storage_uri=storage, default_limits=[])
    app.extensions["rapport.limiter"] = limiter
    # Every limit here wraps its view, and a wrapped view checks its own limits; the check
    # the limiter also runs before every request finds nothing to do (no default limits)
    # and cost about 2.5% of a request's CPU under load, so it is taken out.
    checks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in checks:  # not there with RATELIMIT_ENABLED off
        checks.remove(limiter._check_request_limit)
    # Its after-request hook (deductions for failed attempts, headers) likewise has work only
    # on the limited views: the others skip it.
    limited = {"classroom.join", "auth.login"}
    hooks = app.after_request_funcs[None]
    for index, hook in enumerate(hooks):
        if isinstance(hook, partial) and hook.args == (limiter,):
            hooks[index] = _only_on(limited, hook)
    # a limiter per app (each has its own counts), so its limits wrap this app's views only
    failed_join = limiter.limit(JOIN_FAILURES, deduct_when=lambda r: r.status_code != 303)
    app.view_functions["classroom.join"] = failed_join(limiter.limit(JOIN_ATTEMPTS)(trainees.join))

    def wrong_password(response: Response) -> bool:
        return response.status_code == 401

    per_account = limiter.limit(
        LOGIN_FAILURES_PER_ACCOUNT,
        key_func=_account,
        deduct_when=wrong_password,
        methods=["POST"],
    )
    per_address = limiter.limit(
        LOGIN_FAILURES_PER_ADDRESS, deduct_when=wrong_password, methods=["POST"]
    )
    app.view_functions["auth.login"] = per_address(per_account(auth.login))

    @app.errorhandler(429)
    def too_many(error: HTTPException) -> Response:
        if request.endpoint == "auth.login":
            return auth.login_page(LOGIN_SLOW, request.form.get("email", ""), 429)
        return trainees.too_many(error)
