"""Every response is locked down: a Content-Security-Policy with nothing inline, no framing,
no sniffing, a same-origin referrer; and no page relies on an inline script or style."""

from __future__ import annotations

import base64
import hashlib
import html
import re

import pytest

from .helpers import choose, start


def assert_locked(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_errors_and_fragments_carry_the_headers_and_nothing_inline(client):
    run = start(client)
    pages = [
        client.get("/"),
        client.get("/scenarios/coat-still-on"),
        client.get(run),
        client.get(run, headers={"HX-Request": "true"}),
        client.get("/no-such-page"),
        client.get("/health"),
    ]
    choose(client, run, 0, 0)
    choose(client, run, 1, 0)
    pages.append(client.get(f"{run}/debrief"))
    for page in pages:
        assert_locked(page)
        assert not re.search(r"\sstyle=\"", page.text), page.request.path
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", page.text), page.request.path


def test_the_saved_debrief_allows_only_its_own_stylesheet_by_hash(client):
    run = start(client)
    choose(client, run, 0, 0)
    choose(client, run, 1, 0)
    saved = client.get(f"{run}/debrief.html")
    css = re.search(r"<style>(.*?)</style>", saved.text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    policy = saved.headers["Content-Security-Policy"]
    assert f"style-src 'sha256-{digest}'" in policy and "default-src 'none'" in policy
    assert f"'sha256-{digest}'" in html.unescape(saved.text)  # the same policy, offline
    assert "unsafe-inline" not in saved.text


def test_oversized_ids_in_urls_are_404s(client):
    long = "x" * 5000
    for url in (f"/scenarios/{long}", f"/runs/{long}", f"/runs/{long}/debrief"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/classes/{long.upper()}/board").status_code == 404
    assert client.post(f"/scenarios/{long}/runs", data={"mode": "practice"}).status_code == 404
    joining = client.get(f"/join?code={long}")  # the join form again, the code not kept
    assert joining.status_code == 200 and long not in joining.text


@pytest.mark.parametrize("path", ["/", "/static/css/app.css", "/join"])
def test_raw_bytes_in_a_query_string_read_as_percent_escapes_not_a_500(client, path):
    raw = client.get(path, environ_overrides={"QUERY_STRING": "q=\xff\xfe&x=caf\xc3\xa9"})
    escaped = client.get(path + "?q=%ff%fe&x=caf%C3%A9")
    assert raw.status_code == escaped.status_code != 500
    assert _without_csrf(raw.data) == _without_csrf(escaped.data)


def _without_csrf(page: bytes) -> bytes:
    # a CSRF token carries the second it was signed: two requests may straddle one
    return re.sub(rb'(csrf-token" content="|name="csrf_token" value=")[^"]+', rb"\1", page)


@pytest.mark.parametrize("host", [".", "a..b", "a" * 64, "x." + "b" * 64 + ".com"])
def test_a_host_header_that_is_no_host_name_is_a_plain_400(client, host):
    for path in ("/", "/health"):
        response = client.get(path, headers={"Host": host})
        assert response.status_code == 400
        assert "Host header is not a valid host name" in response.get_data(as_text=True)


def test_a_huge_value_sent_back_in_its_form_is_cut_not_echoed_whole(app, client):
    from .classes import create_class, log_in, make_instructor

    make_instructor(app, "big@example.org")
    teacher = app.test_client()
    log_in(teacher, "big@example.org")
    huge = "N" * 1_500_000
    form = {"name": huge, "scenarios": ["coat-still-on"], "mode": "practice",
            "board": "ranked", "words": "optional"}  # fmt: skip
    made = teacher.post("/classes", data=form)
    assert made.status_code == 400 and "at most 120 characters" in made.text
    assert len(made.data) < 50_000 and "N" * 240 in made.text and "N" * 241 not in made.text
    code = create_class(teacher)
    joined = client.post("/join", data={"code": code, "name": huge})
    assert joined.status_code == 400 and len(joined.data) < 50_000
    found = client.get("/?q=" + "q" * 100_000)
    assert len(found.data) < 100_000
