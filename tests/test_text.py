"""Scenario text on pages: single newlines join a paragraph, blank lines start the next."""

from __future__ import annotations

from simulator.text import flow, paragraph_texts, paragraphs

BLOCK = "the first in her family to go\nto university.\n\n  She works nights\n  at a pharmacy.\n"


def test_single_newlines_join_and_blank_lines_split() -> None:
    assert paragraph_texts(BLOCK) == [
        "the first in her family to go to university.",
        "She works nights at a pharmacy.",
    ]
    assert paragraph_texts("one\n \n\n\ntwo") == ["one", "two"]  # blank lines with spaces too
    assert paragraph_texts("") == [] and paragraph_texts(None) == []


def test_paragraphs_and_flow_escape_the_text() -> None:
    assert str(paragraphs("a <b>\nc\n\nd & e")) == "<p>a &lt;b&gt; c</p><p>d &amp; e</p>"
    assert str(flow("a <b>\nc\n\nd")) == "a &lt;b&gt; c<br>d"
