"""Scenario text as the pages show it. YAML block text keeps the author's line breaks; on a
page a single newline joins the lines of one paragraph, and a blank line starts the next."""

from __future__ import annotations

import functools
import re

from flask import Flask
from markupsafe import Markup, escape

_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")


def paragraph_texts(text: str | None) -> list[str]:
    """The paragraphs of a text, each on one line with its spaces collapsed."""
    if not text:
        return []
    return [" ".join(part.split()) for part in _BLANK_LINE.split(text.strip()) if part.strip()]


@functools.lru_cache(maxsize=4096)  # the same scene texts on every page that shows them
def paragraphs(text: str | None) -> Markup:
    """Block text as <p> elements, one per paragraph."""
    return Markup("").join(Markup("<p>%s</p>") % part for part in paragraph_texts(text))


@functools.lru_cache(maxsize=4096)
def flow(text: str | None) -> Markup:
    """Text inside a line (a quote, a list item): paragraphs joined by a line break."""
    return Markup("<br>").join(escape(part) for part in paragraph_texts(text))


def init_app(app: Flask) -> None:
    app.add_template_filter(paragraphs, "paragraphs")
    app.add_template_filter(flow, "flow")
