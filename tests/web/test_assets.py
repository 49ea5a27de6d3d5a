"""Text is compressed, and static files are cached for a year under versioned URLs."""

from __future__ import annotations

import gzip
import re


def test_pages_are_compressed_for_a_browser_that_asks(client):
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page.headers["Vary"]
    assert b"<!doctype html>" in gzip.decompress(page.data)
    plain = client.get("/")
    assert "Content-Encoding" not in plain.headers and b"<!doctype html>" in plain.data


def test_static_urls_carry_a_digest_and_are_cached_for_a_year(client):
    html = client.get("/").text
    link = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', html)
    assert link is not None
    with client.get(link.group(1)) as cached:  # a file response: closed when read
        assert cached.status_code == 200
        assert cached.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    with client.get("/static/css/app.css") as unversioned:
        assert "immutable" not in unversioned.headers.get("Cache-Control", "")


def test_stylesheets_and_scripts_are_compressed_and_their_files_closed(client):
    # filterwarnings=error turns an unclosed file into a failure
    for path in ("/static/css/app.css", "/static/js/play.js"):
        with client.get(path, headers={"Accept-Encoding": "gzip"}) as response:
            assert response.status_code == 200
            assert response.headers["Content-Encoding"] == "gzip"
            assert len(gzip.decompress(response.data)) > len(response.data)


def test_static_text_is_compressed_once_at_the_strongest_level(client):
    import brotli

    plain = client.get("/static/vendor/htmx-4.0.1.min.js").data
    packed = client.get("/static/vendor/htmx-4.0.1.min.js", headers={"Accept-Encoding": "br"})
    assert packed.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert brotli.decompress(packed.data) == plain
    assert len(packed.data) < 0.33 * len(plain)  # quality 11, not the pages' fast level 1
    again = client.get("/static/vendor/htmx-4.0.1.min.js", headers={"Accept-Encoding": "br"})
    assert again.data == packed.data
    assert int(packed.headers["Content-Length"]) == len(packed.data)


def test_a_static_file_is_sent_only_in_an_encoding_the_browser_takes(client):
    path = "/static/vendor/htmx-4.0.1.min.js"
    plain = client.get(path).data
    for accepted, sent in [
        ("br;q=0, gzip", "gzip"),  # q=0 refuses brotli
        ("nobr", None),  # not a name that holds "br"
        ("*", "br"),
    ]:
        response = client.get(path, headers={"Accept-Encoding": accepted})
        assert response.headers.get("Content-Encoding") == sent, accepted
        if sent is None:
            assert response.data == plain
