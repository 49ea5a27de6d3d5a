"""The debrief of every bundled scenario is short: at most 400 words as the page opens and
1,800 with every section open, each client line and reply quoted once, one rewind per step."""

from __future__ import annotations

import random
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask

from simulator import create_app
from simulator.engine import QUALITIES, offered

from ..config import app_config
from .helpers import reply

BUNDLED = Path(__file__).parents[2] / "scenarios"
FILES = sorted(BUNDLED.glob("*.yaml"))
RANK = {q: i for i, q in enumerate(QUALITIES)}


class Words(HTMLParser):
    """Counts the words a reader sees: with the page as it opens, and with every section open."""

    def __init__(self) -> None:
        super().__init__()
        self.closed: list[bool] = []
        self.hidden = 0
        self.at_open = 0
        self.all = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "title", "desc", "template"):
            self.hidden += 1
        if tag == "details":
            self.closed.append("open" not in dict(attrs))
        if tag == "summary" and self.closed:
            self.closed.append(False)  # a closed section's summary is on screen

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title", "desc", "template"):
            self.hidden -= 1
        if tag in ("details", "summary") and self.closed:
            self.closed.pop()

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        count = len(data.split())
        self.all += count
        # inside a closed section only its summary shows: the innermost flag decides
        if not self.closed or not self.closed[-1]:
            self.at_open += count


@pytest.fixture(scope="module")
def bundled_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    folder = tmp_path_factory.mktemp("length")
    scenarios = folder / "scenarios"
    shutil.copytree(BUNDLED, scenarios, ignore=shutil.ignore_patterns("*.json"))
    return create_app(app_config(folder, scenarios, WTF_CSRF_ENABLED=False))


def play(app: Flask, scenario_id: str, pick) -> tuple[str, str]:
    """Play a bundled scenario through the pages; return the run's URL and its debrief."""
    client = app.test_client()
    run = client.post(f"/scenarios/{scenario_id}/runs", data={"mode": "practice"}).headers[
        "Location"
    ]
    library = app.extensions["rapport.library"]
    for step in range(80):
        with app.app_context():
            from simulator.db import session
            from simulator.models import Run, text_of

            found = session().get(Run, run.rsplit("/", 1)[-1])
            assert found is not None
            if found.finished:
                break
            scenario = library.version(found.scenario_digest, text_of(session(), found.scenario_digest))
            index = pick(offered(scenario, found.play_state))
        response = client.post(
            f"{run}/choose", data={"step": str(step), "reply": reply(client, run, index)}
        )
        assert response.status_code == 303
    return run, client.get(f"{run}/debrief").text


def paths():
    yield "strong", lambda o: min(o, key=lambda p: (RANK.get(p[1].quality, 9), p[0]))[0]
    yield "weakest", lambda o: max(o, key=lambda p: (RANK.get(p[1].quality, -1), p[0]))[0]
    for seed in range(3):
        generator = random.Random(seed)
        yield f"seed {seed}", lambda o, g=generator: g.choice(o)[0]


@pytest.mark.parametrize("file", FILES, ids=[f.stem for f in FILES])
def test_the_debrief_is_short_and_quotes_each_line_once(bundled_app, file):
    for label, pick in paths():
        run, html = play(bundled_app, file.stem, pick)
        where = f"{file.stem}, {label}"
        main = html[html.index("<main") : html.index("</main>")]
        words = Words()
        words.feed(html[html.index("<body") :])  # the site's header and footer count too
        steps = main.count('class="path-step')
        assert words.at_open <= 400, (where, words.at_open)
        assert words.all <= 1800 * max(steps, 12) / 12, (where, words.all, steps)
        # each client line and each reply is quoted at most once
        quotes = [re.sub(r"<[^>]+>", "", q) for q in re.findall(r"<q>(.*?)</q>", main, re.S)]
        repeated = {q for q in quotes if quotes.count(q) > 1}
        assert not repeated, (where, repeated)
        # at most one rewind control per step
        rewinds = re.findall(
            r'name="step" value="(\d+)">\s*<button type="submit" aria-label="Rewind', main
        )
        assert len(rewinds) == len(set(rewinds)) <= steps, (where, rewinds)
        # no sentence ends twice ("..") where a title that ends in a stop gets another
        prose = re.sub(r"<[^>]+>", " ", main)
        assert not re.search(r"(?<![.])\.\s*\.(?![.])", prose), where
