"""Responses compressed (brotli or gzip), and static files cached for a year under URLs
that carry a digest of their content, so a deploy never serves a stale stylesheet."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path
from typing import Any

import brotli  # type: ignore[import-untyped]
from flask import Flask, request
from flask_compress import Compress
from werkzeug.datastructures import Accept
from werkzeug.wrappers import Response

TEXT = [
    "text/html",
    "text/css",
    "text/csv",
    "text/javascript",
    "application/javascript",
    "application/json",
    "image/svg+xml",
]
YEAR = 365 * 24 * 3600


def _packed(data: bytes, encoding: str) -> bytes:
    """A static file compressed once at the strongest level (it is cached for a year)."""
    if encoding == "br":
        return bytes(brotli.compress(data, quality=11))
    return gzip.compress(data, compresslevel=9, mtime=0)


def _encoding(accepted: Accept) -> str | None:
    """The encoding to send a static file in: brotli, else gzip, if the browser takes it
    (`br;q=0` is a refusal)."""
    for encoding in ("br", "gzip"):
        if accepted.quality(encoding) > 0:
            return encoding
    return None


def init_app(app: Flask) -> None:
    """Compress text responses; add ?v=DIGEST to static URLs and cache those for a year."""
    app.config.setdefault("COMPRESS_MIMETYPES", TEXT)
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    # the fastest levels: most responses are small htmx fragments made per request, where
    # brotli's default (4, a 4 MB window) cost about 0.4 ms of a 2 ms choice and level 1
    # about 0.05 ms, for some 15% more bytes (a choice: 1.9 KB, not 1.7); static files are
    # cached for a year, so their few extra bytes are paid once
    app.config.setdefault("COMPRESS_BR_LEVEL", 1)
    app.config.setdefault("COMPRESS_LEVEL", 1)
    app.config.setdefault("COMPRESS_STREAMS", False)  # it would not close a streamed file
    Compress(app)
    folder = Path(app.static_folder or "static")
    digests: dict[str, tuple[float, str]] = {}
    packed: dict[tuple[str, str], bytes] = {}  # (content digest, encoding) -> the bytes

    def digest(filename: str) -> str | None:
        path = folder / filename
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return None
        known = digests.get(filename)
        if known is None or known[0] != mtime:  # an edited file gets a new URL
            known = (mtime, hashlib.sha256(path.read_bytes()).hexdigest()[:12])
            digests[filename] = known
        return known[1]

    @app.url_defaults
    def versioned(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = digest(str(values["filename"]))
            if version:
                values["v"] = version

    @app.after_request
    def cache_static(response: Response) -> Response:
        # runs before compression: a small text file is read into memory (and the file
        # closed) so it can be compressed like a page
        if request.endpoint != "static" or response.status_code != 200:
            return response
        if response.mimetype in TEXT and response.is_streamed:
            stream = response.response
            response.direct_passthrough = False
            data = b"".join(c if isinstance(c, bytes) else c.encode() for c in stream)
            close = getattr(stream, "close", None)
            if close is not None:
                close()
            response.set_data(data)
            encoding = _encoding(request.accept_encodings)
            if encoding is not None and len(data) >= 500:
                key = (hashlib.sha256(data).hexdigest(), encoding)
                if key not in packed:
                    packed[key] = _packed(data, encoding)
                response.set_data(packed[key])
                response.headers["Content-Encoding"] = encoding  # so flask-compress passes it by
                response.vary.add("Accept-Encoding")
        if request.args.get("v"):
            response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        return response
