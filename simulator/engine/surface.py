"""Surface tells: whether a reply can be picked by its length or place instead of judgment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from statistics import median

from .model import METERS, OUTCOMES, QUALITIES, Choice, Scenario, Scene
from .play import State, Step, play_by

LENGTH_TELL = 1.3  # a strong reply longer than every other by more than 30% gives itself away
MAX_STEPS = 500  # a naive strategy may loop; stop it rather than play for ever
# ... or once this many replies have been on offer to it and scenes entered: a valid scene
# of 5,500 replies kept the scenario page's lint busy for 4.5 s, a loop through 2,000
# pass-throughs 15 s
MAX_WORK = 50_000

Pick = Callable[[list[tuple[int, Choice]]], int]


def _longest(options: list[tuple[int, Choice]]) -> int:
    return max(options, key=lambda item: (len(item[1].say), -item[0]))[0]


def _shortest(options: list[tuple[int, Choice]]) -> int:
    return min(options, key=lambda item: (len(item[1].say), item[0]))[0]


def _best_rated(options: list[tuple[int, Choice]]) -> int:
    rank = {q: i for i, q in enumerate(QUALITIES)}
    return min(options, key=lambda item: (rank.get(item[1].quality or "", len(rank)), item[0]))[0]


STRATEGIES: dict[str, Pick] = {
    "longest": _longest,
    "shortest": _shortest,
    "first": lambda options: options[0][0],
    "last": lambda options: options[-1][0],
}
STRATEGY_WORDS = {
    "longest": "always the longest reply",
    "shortest": "always the shortest reply",
    "first": "always the first reply in the file",
    "last": "always the last reply in the file",
}


@dataclass(frozen=True)
class StrategyRun:
    """Where one naive strategy ends: its ending and outcome (None when it never ends)."""

    strategy: str
    ending: str | None
    outcome: str | None
    choices: int

    def as_json(self) -> dict[str, object]:
        return {
            "strategy": self.strategy,
            "ending": self.ending,
            "outcome": self.outcome,
            "choices": self.choices,
        }


def follow(scenario: Scenario, pick: Pick) -> tuple[State, list[Step]]:
    """Play from the start, letting `pick` choose among the offered replies at each scene."""
    return play_by(scenario, pick, MAX_STEPS, MAX_WORK)


def strategies(scenario: Scenario) -> list[StrategyRun]:
    """What each naive strategy (longest, shortest, first, last) ends with."""
    runs = []
    for name, pick in STRATEGIES.items():
        state, steps = follow(scenario, pick)
        scene = scenario.scenes[state.scene]
        runs.append(
            StrategyRun(
                strategy=name,
                ending=state.scene if state.finished else None,
                outcome=scene.outcome if state.finished else None,
                choices=len(steps),
            )
        )
    return runs


def best_outcome(scenario: Scenario) -> str | None:
    """The best outcome any ending of the scenario has; None when every ending has the same
    one, since then no strategy can give anything away."""
    outcomes = {scene.outcome for scene in scenario.scenes.values() if scene.outcome}
    if len(outcomes) < 2:
        return None
    return next(o for o in OUTCOMES if o in outcomes)


def strong_path(scenario: Scenario) -> tuple[State, list[Step]]:
    """The run that always picks the best-rated offered reply (the first, on a tie)."""
    return follow(scenario, _best_rated)


@dataclass(frozen=True)
class Limit:
    """A meter at 0 or 100 on the strong path while three or more choices are still to come."""

    meter: str
    level: int
    step: Step
    choices: int  # in the whole strong path


def early_limits(scenario: Scenario) -> list[Limit]:
    """On the strong path, the first time each meter reaches 0 or 100 before the last three
    choices: after that, the replies that should move it cannot."""
    _state, steps = strong_path(scenario)
    found: list[Limit] = []
    for meter in METERS:
        for step in steps[: max(0, len(steps) - 3)]:
            level = step.after.get(meter)
            if level in (0, 100):
                found.append(Limit(meter, level, step, len(steps)))
                break
    return found


def length_tell(scene: Scene) -> tuple[int, float] | None:
    """(index, ratio) when the scene's strong reply is its longest by more than 30%."""
    choices = scene.choices or ()
    if len(choices) < 2:
        return None
    # the longest other reply of each is the longest of all, or for the longest the second
    lengths = sorted(((len(c.say), i) for i, c in enumerate(choices)), reverse=True)
    (longest, first), (second, _) = lengths[0], lengths[1]
    for index, choice in enumerate(choices):
        if choice.quality != "strong":
            continue
        ratio = len(choice.say) / (second if index == first else longest)
        if ratio > LENGTH_TELL:
            return index, ratio
    return None


def strong_is_longest(scene: Scene) -> bool:
    """Whether the scene's unique longest reply is rated strong."""
    choices = sorted(scene.choices or (), key=lambda c: len(c.say), reverse=True)
    return (
        len(choices) > 1
        and len(choices[0].say) > len(choices[1].say)
        and choices[0].quality == "strong"
    )


def length_medians(scenario: Scenario) -> tuple[float, float] | None:
    """Median length of the strong replies and of all the others (None without both)."""
    strong: list[int] = []
    other: list[int] = []
    for scene in scenario.scenes.values():
        for choice in scene.choices or ():
            (strong if choice.quality == "strong" else other).append(len(choice.say))
    if not strong or not other:
        return None
    return median(strong), median(other)


def largest_effects(scenario: Scenario) -> dict[str, int]:
    """Each meter's largest single effect, by size, over every choice."""
    largest = dict.fromkeys(METERS, 0)
    for scene in scenario.scenes.values():
        for choice in scene.choices or ():
            for meter, delta in choice.effects.items():
                largest[meter] = max(largest[meter], abs(delta))
    return largest
