"""Instructor accounts: login and logout, CSRF on every state-changing request, the decorator."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, g, redirect, request, session, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from werkzeug.exceptions import BadRequest
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from . import db
from .models import Instructor, instructor_by_email
from .web import login_ended, message_page, render

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10
F = TypeVar("F", bound=Callable[..., Any])

# A hash to check against when the email is unknown, so both cases take as long.
_DUMMY_HASH = generate_password_hash("not a real password")


def instructor_required(ended: str) -> Callable[[F], F]:
    """Only a logged-in instructor may use the view; others go to the login page. An htmx
    request whose login has ended (a panel polling, a form checked as it is typed) gets the
    short message `ended` instead: htmx would follow the redirect and swap the whole login
    page into the panel."""

    def decorate(view: F) -> F:
        protected = login_required(view)

        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            stop = login_ended(ended)
            return stop if stop is not None else protected(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate


def current_instructor() -> Instructor | None:
    """The logged-in instructor, or None."""
    user = current_user._get_current_object() if current_user else None
    return user if isinstance(user, Instructor) else None


def find(email: str) -> Instructor | None:
    """The instructor with this email (case-insensitive), or None."""
    return instructor_by_email(db.session(), email)


def create(email: str, password: str) -> Instructor:
    """Create an instructor account (raises ValueError with a reason)."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise ValueError(f"'{email}' does not look like an email address")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password needs at least {MIN_PASSWORD} characters")
    if find(email) is not None:
        raise ValueError(f"an instructor with email {email} already exists")
    instructor = Instructor(email=email, password_hash=generate_password_hash(password))
    session = db.session()
    session.add(instructor)
    session.commit()
    return instructor


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("author.library") if "author.library" in _endpoints() else url_for("play.index")


def _endpoints() -> set[str]:
    from flask import current_app

    return set(current_app.view_functions)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    """The instructor login page."""
    error = None
    email = ""
    if request.method == "POST":
        email = request.form.get("email", "").strip()
        password = request.form.get("password", "")
        instructor = find(email) if email else None
        valid = check_password_hash(
            instructor.password_hash if instructor else _DUMMY_HASH, password
        )
        if instructor is not None and valid:
            login_user(instructor)
            return redirect(_safe_next(request.args.get("next")), code=303)
        error = "That email and password do not match an instructor account."
    return login_page(error, email, 401 if error else 200)


def login_page(error: str | None, email: str, status: int) -> Response:
    """The login form with what was typed and why it did not work."""
    response = render("auth/login.html", status=status, error=error, email=email[:254])
    if status == 429:
        response.headers["Retry-After"] = "60"
    return response


@bp.post("/logout")
def logout() -> Response:
    """Log out and go back to the catalog."""
    if current_user.is_authenticated:
        current_user.login_epoch = (current_user.login_epoch or 0) + 1  # every copy is void
        db.session().commit()
    logout_user()
    return redirect(url_for("play.index"), code=303)


def _csrf_failed(error: CSRFError) -> Response:
    return message_page(
        400,
        "This form has expired",
        "For your safety the form could not be sent. Please reload the page and try again; "
        "nothing was changed.",
    )


def _load(user_id: str) -> Instructor | None:
    """The instructor a session names, if its login epoch is still the account's."""
    if not isinstance(user_id, str):  # only a holder of the secret key could sign another
        return None
    account, _, epoch = user_id.partition(":")
    epoch = epoch or "0"
    if not (account + epoch).isascii() or not account.isdigit() or not epoch.isdigit():
        return None
    if len(account) > 10 or len(epoch) > 12 or int(account) >= 2**31:  # beyond any stored
        return None
    found = db.session().get(Instructor, int(account))
    if found is None or (found.login_epoch or 0) != int(epoch):
        return None  # logged out since this cookie was made
    return found


def _keep_checked_token() -> None:
    """After the CSRF check passed, remember the token it passed with and the session token
    it was checked against (runs after Flask-WTF's own check)."""
    if g.get("csrf_valid") and current_app.config["WTF_CSRF_TIME_LIMIT"] is None:
        sent, secret = csrf._get_csrf_token(), session.get("csrf_token")  # as the check read
        if sent and secret:
            g.checked_csrf = (secret, sent)


SIGNED = "rapport.csrf_signed"  # per app (so per secret key): session secret -> signed token


def _form_token() -> str:
    """The CSRF token for the forms a page draws. Tokens do not expire here (no time limit),
    so one signed before for the session's secret, or the one this request was checked
    with, is as good as a newly signed one: it saves signing one on every page."""
    secret = session.get("csrf_token")
    checked = g.get("checked_csrf")
    if checked is not None and secret == checked[0]:
        return str(checked[1])
    if current_app.config["WTF_CSRF_TIME_LIMIT"] is not None:
        return str(generate_csrf())  # tokens expire: each page signs its own, as Flask-WTF does
    signed: dict[str, str] = current_app.extensions.setdefault(SIGNED, {})
    if isinstance(secret, str) and secret in signed:
        return signed[secret]
    token = str(generate_csrf())
    secret = session.get("csrf_token")  # made by generate_csrf for a new session
    if isinstance(secret, str):
        if len(signed) >= 4096:  # browsers come and go: keep it bounded (a few hundred KB)
            signed.clear()
        signed[secret] = token
    return token


def init_app(app: Flask) -> None:
    """Wire login, CSRF and the instructor commands into the app."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session
    # templates get `current_user` as a proxy resolved only where one asks for it, not the
    # context processor that loads the user for every render (an htmx swap never shows it)
    login_manager.init_app(app, add_context_processor=False)
    app.jinja_env.globals["current_user"] = current_user
    login_manager.user_loader(_load)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in as an instructor to see that page."
    csrf.init_app(app)
    app.register_error_handler(CSRFError, _csrf_failed)
    app.before_request(_keep_checked_token)
    app.jinja_env.globals["csrf_token"] = _form_token
    # Flask-WTF also hands templates its own csrf_token through a context processor, which
    # would hide the global above (and costs a call per render): drop it
    processors = app.template_context_processors[None]
    processors[:] = [p for p in processors if getattr(p, "__module__", "") != "flask_wtf.csrf"]
    app.register_blueprint(bp)


__all__ = ["BadRequest", "bp", "create", "current_instructor", "init_app", "instructor_required"]
