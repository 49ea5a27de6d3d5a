"""Every sentence of a bundled scenario's debrief is true of the run: checked against the
run itself on the all-strong path, the all-weakest path and twenty seeded random paths."""

from __future__ import annotations

import random
import re
from functools import cache
from pathlib import Path

import pytest

from simulator.engine import Scenario, choose, offered, start
from simulator.engine.debrief import (
    CHECKIN_FALL,
    CHECKIN_RISE,
    CONFRONTATION_MARKERS,
    SKILL_LESSONS,
    WITHDRAWAL_MARKERS,
    Debrief,
    build,
    sentences,
)
from simulator.engine.model import QUALITIES
from simulator.scenarios import load_file

FOLDER = Path(__file__).parents[1] / "scenarios"
FILES = sorted(FOLDER.glob("*.yaml"))
IDS = [f.stem for f in FILES]
QUOTE = re.compile(r"“([^”]*)”")


@cache
def scenario(name: str) -> Scenario:
    loaded = load_file(FOLDER / f"{name}.yaml")
    assert loaded.scenario is not None
    return loaded.scenario


def play(s: Scenario, pick):
    state, steps = start(s), []
    while not state.finished:
        options = offered(s, state)
        state, step = choose(s, state, pick(options))
        steps.append(step)
    return state, steps


def runs(s: Scenario):
    rank = {q: i for i, q in enumerate(QUALITIES)}
    yield "strong", play(s, lambda o: min(o, key=lambda p: (rank.get(p[1].quality, 9), p[0]))[0])
    yield "weakest", play(s, lambda o: max(o, key=lambda p: (rank.get(p[1].quality, -1), p[0]))[0])
    for seed in range(20):
        generator = random.Random(seed)
        yield f"seed {seed}", play(s, lambda o, g=generator: g.choice(o)[0])


def texts_of(s: Scenario) -> list[str]:
    """Every line the scenario gives the client or the trainee, which a debrief may quote."""
    found = []
    for scene in s.scenes.values():
        found += [t for t in (scene.client, scene.cue, scene.thought, scene.text) if t]
        found += [c.say for c in scene.choices or ()]
    return found


def whole_sentences(quoted: str, texts: list[str]) -> bool:
    """Whether a quote is one or more whole, consecutive sentences of some scenario text
    (a final full stop may be left for the sentence around it to supply)."""
    for text in texts:
        parts = sentences(text)
        for i in range(len(parts)):
            for j in range(i + 1, len(parts) + 1):
                joined = " ".join(parts[i:j])
                if quoted in (joined, joined.removesuffix(".")):
                    return True
    return False


@pytest.mark.parametrize("file", FILES, ids=IDS)
def test_every_debrief_sentence_is_true_of_its_run(file):
    s = scenario(file.stem)
    texts = texts_of(s)
    name = s.client.name.split()[0]
    for label, (state, steps) in runs(s):
        report: Debrief = build(s, steps, state)
        where = f"{s.id}, {label}"
        prose = report.prose()

        # no claim that the client stayed when they disengaged or left
        if state.outcome == "poor":
            for text in prose:
                assert not re.search(r"\bstay(ed)?\b.*\bend\b|reached the end", text), (where, text)

        # the growth edge is the reply that did most harm, and the take-away answers it
        growth = report.growth
        assert growth is not None, where
        safety = [t for t in steps if s.scenes[t.scene].moment == "safety"]
        has_safety = any(scene.moment == "safety" for scene in s.scenes.values())
        passed = [t for t in safety if t.quality not in ("strong", "adequate")]
        if has_safety and (passed or not safety):
            # a missed safety step leads, with what it would have been and the unsaid risk
            assert growth.safety and growth.model is not None, where
            assert growth.step == (passed[0].number if passed else None), where
            assert report.takeaway is not None and report.takeaway.text == growth.lesson
        else:
            worst = min(
                steps, key=lambda t: (sum(t.changes.values()), t.changes.get("trust", 0), t.number)
            )
            assert growth.step == worst.number, where
            assert report.takeaway is not None and report.takeaway.text == growth.lesson, where
            scene = s.scenes[worst.scene]
            plain = not scene.moment and not worst.disclosure and not worst.opened
            if growth.harmed and plain and worst.skill in SKILL_LESSONS:
                assert growth.lesson == SKILL_LESSONS[worst.skill], where
            assert report.summary is not None and report.summary.growth is not None
            assert report.summary.growth.step == worst.number, where
        # a safety moment reached is always a key moment
        keyed = {r.step for r in report.key_moments if r.reason == "safety"}
        assert {t.number for t in safety[:3]} <= keyed, where

        # quotes are whole sentences of what was said
        for text in prose:
            for quoted in QUOTE.findall(text):
                assert whole_sentences(quoted, texts), (where, quoted)

        # a named marker comes with the sentence that carries it
        for review in report.key_moments:
            if review.reason == "rupture" and "marker:" in review.name:
                phrases = [p for _, ps in (*WITHDRAWAL_MARKERS, *CONFRONTATION_MARKERS) for p in ps]
                if any(p in (review.client or "").lower() for p in phrases):
                    assert review.marker and review.marker in (review.client or ""), where
                    assert any(p in review.marker.lower() for p in phrases), where

        # the check-in reads each meter against where the scenario started it
        assert report.checkin is not None
        for line in report.checkin.lines:
            moved = line.value - s.meters.get(line.meter)
            expected = (
                "high" if moved >= CHECKIN_RISE else "middle" if moved >= CHECKIN_FALL else "low"
            )
            assert line.level == expected, (where, line)

        # a rupture the client opened on reaching a moment is said to be the client's
        chosen_opened = {t.number for t in steps if t.opened}
        for rupture in report.ruptures:
            by_reply = rupture.opened_step in chosen_opened and not rupture.by_client
            moment = s.scenes[rupture.opened_at].moment == "rupture"
            assert rupture.by_client == (moment and not by_reply), (where, rupture)
        for review in report.key_moments:
            if review.status and review.status.startswith("Opened by your reply at choice"):
                number = int(re.search(r"choice (\d+)", review.status).group(1))
                assert number in chosen_opened, (where, review.status)
            if review.status and re.match(rf"Opened by {name}\b", review.status):
                assert any(r.by_client for r in report.ruptures), where
