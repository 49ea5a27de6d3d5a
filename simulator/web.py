"""Small helpers shared by the blueprints: full page or htmx block, the browser's id."""

from __future__ import annotations

import functools
import secrets
import time
from datetime import datetime
from typing import Any
from urllib.parse import quote

from flask import (
    Flask,
    Response,
    abort,
    g,
    make_response,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import current_user
from itsdangerous import BadSignature
from jinja2_fragments.flask import render_block
from markupsafe import Markup, escape
from werkzeug.exceptions import BadHost, HTTPException, MethodNotAllowed
from werkzeug.routing import IntegerConverter

BROWSER_KEY = "browser"


def is_htmx() -> bool:
    """Whether htmx sent this request (it always sends `HX-Request: true`)."""
    return request.headers.get("HX-Request") == "true"


def render(template: str, block: str | None = None, status: int = 200, **context: Any) -> Response:
    """The full page, or only `block` of the same template when htmx asked for it."""
    context.setdefault("htmx", is_htmx())
    if block is not None and context["htmx"]:
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    return make_response(body, status)  # Vary: HX-Request is added to every response


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, remembering the cookies it has verified already: a
    browser sends the same cookie with every choice, and checking its signature and decoding
    it again cost more than the choice's own reads. Only a cookie that passed the check is
    remembered (with when it was signed, so it still expires), and only if its values are
    plain strings, numbers and flags, which the session a request gets cannot share by
    mistake (it is a copy). One per app, so a changed secret key starts afresh."""

    KEEP = 4096  # cookies remembered; then it starts over (a few hundred bytes each)

    def __init__(self) -> None:
        self._seen: dict[str, tuple[dict[str, Any], float]] = {}

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:
        if not app.secret_key:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = app.permanent_session_lifetime.total_seconds()
        seen = self._seen.get(value)
        if seen is not None and time.time() - seen[1] <= max_age:
            return self.session_class(seen[0])
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        try:
            data, signed = serializer.loads(value, max_age=int(max_age), return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if not isinstance(data, dict):  # only a holder of the secret key could sign that
            return self.session_class()
        flashes = data.get("_flashes")
        if flashes is not None and not (
            isinstance(flashes, list)
            and all(isinstance(f, list | tuple) and len(f) == 2 for f in flashes)
        ):
            data = {key: value for key, value in data.items() if key != "_flashes"}
        if all(type(v) in _PLAIN for v in data.values()):
            if len(self._seen) >= self.KEEP:
                self._seen.clear()
            self._seen[value] = (dict(data), signed.timestamp())
        return self.session_class(data)


_PLAIN = (str, int, float, bool, type(None))


def browser_id(create: bool = False) -> str | None:
    """This browser's random id from the signed session cookie; made on first need."""
    current = session.get(BROWSER_KEY)
    if isinstance(current, str) and current and current.isascii() and len(current) <= 64:
        return current
    if not create:
        return None
    session[BROWSER_KEY] = current = secrets.token_urlsafe(16)
    session.permanent = True
    return current


def focus_attrs(element_id: str, focus: str | None, htmx: bool) -> Markup:
    """An element's id, focusable by script, and autofocus when an htmx swap should move
    focus to it (a function, not a macro: it is called several times per play block)."""
    return _focus_markup(element_id, htmx and focus == element_id)


@functools.lru_cache(maxsize=64)
def _focus_markup(element_id: str, autofocus: bool) -> Markup:
    wanted = " autofocus" if autofocus else ""
    return Markup(f'id="{escape(element_id)}" tabindex="-1"{wanted}')


def page_link(endpoint: str, **kept: str) -> functools.partial[str]:
    """The URL of page N of a paged list, keeping the filters that are set."""
    return functools.partial(_page_url, endpoint, {k: v for k, v in kept.items() if v})


def _page_url(endpoint: str, kept: dict[str, Any], number: int) -> str:
    return url_for(endpoint, **kept, page=number)


def form_int(name: str) -> int | None:
    """A form field as a non-negative integer, or None when missing or not one."""
    raw = request.form.get(name, "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        return None
    return int(raw)


ERRORS: dict[int, tuple[str, str]] = {
    400: (
        "We couldn't use that request",
        "Something in the form didn't make sense to us, so nothing was changed.",
    ),
    404: (
        "We couldn't find that page",
        "The address may be mistyped, or the page may have moved. A session can only be "
        "opened in the browser that started it.",
    ),
    405: ("That page can't be used that way", "Try going back and using the buttons on the page."),
    413: ("That was too much to send", "Nothing was changed."),
    500: (
        "Something went wrong on our side",
        "We're sorry. Your session is saved up to your last choice: try again in a moment.",
    ),
}


def message_page(
    status: int,
    heading: str,
    message: str,
    back: str | None = None,
    back_label: str | None = None,
) -> Response:
    """A friendly page in our own words (for htmx, only its message block)."""
    return render(
        "errors/error.html",
        block="message",
        status=status,
        code=status,
        heading=heading,
        message=message,
        back=back,
        back_label=back_label,
    )


def login_ended(message: str) -> Response | None:
    """For an htmx request whose instructor login has ended, a short message to swap in
    (htmx would otherwise follow the redirect and swap the whole login page into a panel)."""

    if is_htmx() and not current_user.is_authenticated:
        return message_page(401, "Please log in again", message, url_for("auth.login"), "Log in")
    return None


def error_page(error: HTTPException) -> Response:
    """A friendly page (or, for htmx, a fragment) for any HTTP error; never a traceback."""
    if isinstance(error, BadHost):  # no URLs can be built for this Host, so no page either
        return Response(
            "Bad request: the Host header is not a valid host name.\n", 400, mimetype="text/plain"
        )
    code = error.code or 500
    heading, message = ERRORS.get(code, ("Something went wrong", "Try again in a moment."))
    if error.description and error.description != type(error).description and code < 500:
        message = error.description  # our own words, from abort(400, "...")
    response = message_page(code, heading, message)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


NUL_SENT = (
    "What was sent holds a NUL character (U+0000), which Rapport cannot keep: nothing was "
    "saved. Remove it and send again."
)


def refuse_nul() -> None:
    """No NUL character reaches a view: PostgreSQL cannot store one in text (it was a 500
    there, from a login's email to a class's name), and no person types one. In the path it
    names nothing (404); in a query or a form it is refused in words (400)."""
    if "\x00" in request.path:
        abort(404)
    for values in (request.args, request.form if request.method == "POST" else None):
        if values and any("\x00" in key or "\x00" in value for key, value in values.items(True)):
            abort(400, NUL_SENT)


# No inline script or style anywhere: bars use width classes (static/css/app.css), and the
# saved debrief's one inline stylesheet is allowed by its hash (see play.debrief_html).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = tuple(
    (name, name.lower(), value)
    for name, value in (
        ("Content-Security-Policy", CSP),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("X-Content-Type-Options", "nosniff"),
    )
)


def init_app(app: Flask) -> None:
    """Friendly error pages, `Vary: HX-Request` on every response (one URL, two forms),
    and the security headers."""
    app.register_error_handler(HTTPException, error_page)

    def start_clock() -> None:
        g.started = time.perf_counter()

    # first of all the checks before a view, so the time includes the CSRF check's
    app.before_request_funcs.setdefault(None, []).insert(0, start_clock)
    app.before_request(refuse_nul)

    @app.after_request
    def vary_on_htmx(response: Response) -> Response:
        headers = response.headers
        present = {name.lower() for name, _ in headers.items()}  # one pass, not one per name
        if "vary" in present:
            response.vary.add("HX-Request")
        else:  # most responses: no need to parse and rebuild a Vary header
            headers.add("Vary", "HX-Request")
        for name, lowered, value in SECURITY_HEADERS:
            if lowered not in present:
                headers.add(name, value)
        started = g.get("started")
        if started is not None:  # the server's own time, shown in the browser's dev tools
            headers.set("Server-Timing", f"app;dur={(time.perf_counter() - started) * 1000:.2f}")
        return response

    app.jinja_env.globals["focus_attrs"] = focus_attrs
    # a start form's one-time token: the form starts one run however often it is sent
    app.jinja_env.globals["new_start_token"] = lambda: secrets.token_urlsafe(12)

    @app.template_filter("refill")
    def refill(value: str | None, limit: int) -> str:
        """A sent value put back in its form field, at most twice the field's maxlength: a
        browser never sends more, and a client that does gets no page the size of its text."""
        return (value or "")[: 2 * limit]

    @app.template_filter("day")
    def day(value: datetime | None) -> str:
        return value.strftime("%-d %b %Y") if value else ""

    @app.get("/health")
    def health() -> dict[str, str]:
        """For load balancers and benchmarks: the process answers."""
        return {"status": "ok"}


class RawQueryBytes:
    """WSGI middleware: raw bytes over 127 in a query string are percent-encoded, as a
    browser sends them. Werkzeug reads such a byte that is not UTF-8 as an error, which was a
    500 on every page and static file (`/?q=\\xff`); now it reads as `%ff` does."""

    SAFE = "".join(chr(c) for c in range(33, 127))  # printable ASCII stays as it was sent

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        query = environ.get("QUERY_STRING", "")
        if query and not query.isascii():
            try:  # WSGI strings carry the raw bytes as latin-1
                raw = query.encode("latin-1")
            except UnicodeEncodeError:
                raw = query.encode("utf-8", "surrogateescape")
            environ["QUERY_STRING"] = quote(raw, safe=self.SAFE)
        return self.app(environ, start_response)


class RowId(IntegerConverter):
    """`<id:name>` in a route: a row's id, a whole number the database can hold (up to
    2**31 - 1, PostgreSQL's integer); a larger one is a 404 before any query, not an
    overflow in the driver."""

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, max=2**31 - 1)
