"""Scene graphs drawn by Graphviz: the engine writes dot text, `dot` lays it out."""

from __future__ import annotations

import shutil
import subprocess

from .engine import Scenario, to_dot


class GraphvizMissing(RuntimeError):
    """Graphviz's `dot` is not installed."""


def render_svg(scenario: Scenario, timeout: float = 20.0, links: bool = False) -> str:
    """The scene graph as SVG text (raises GraphvizMissing when `dot` is not installed);
    with `links`, each scene links to `#scene-ID` on the same page."""
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizMissing(
            "Graphviz is not installed: install it (Debian: apt-get install graphviz) for SVG, "
            "or use --format dot or --format mermaid"
        )
    done = subprocess.run(
        [dot, "-Tsvg"],
        input=to_dot(scenario, links=links),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"dot failed: {done.stderr.strip()}")
    svg = done.stdout
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
