"""The dot graph's optional scene links, for the instructor's scenario page."""

from __future__ import annotations

from simulator.engine.graph import to_dot

from .helpers import ask, scenario

TWO = scenario(
    {
        "opening": {"client": "Hello.", "choices": [ask("Hi.", "the-end")]},
        "the-end": {"ending": "Done", "outcome": "good"},
    }
)


def test_without_links_the_dot_text_has_no_urls():
    assert to_dot(TWO) == to_dot(TWO, links=False)
    assert "URL=" not in to_dot(TWO) and "tooltip=" not in to_dot(TWO)


def test_with_links_every_scene_links_to_its_anchor_on_the_same_page():
    dot = to_dot(TWO, links=True)
    for scene in ("opening", "the-end"):
        line = next(row for row in dot.splitlines() if row.startswith(f'  "{scene}" ['))
        assert f'URL="#scene-{scene}", target=_self' in line
        assert f'tooltip="Scene {scene}: read its text"' in line
    # the rest of the graph is the same
    plain = to_dot(TWO).splitlines()
    linked = [
        row.split(", URL=")[0] + ("];" if ", URL=" in row else "") for row in dot.splitlines()
    ]
    assert linked == plain
