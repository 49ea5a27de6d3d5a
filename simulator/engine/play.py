"""Play: start / offered / choose over an immutable State that the host stores."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

from . import conditions
from .model import METERS, Choice, Meters, Outcome, Quality, Rule, RuptureType, Scenario, Scene

WORDS_LIMIT = 500  # characters of the trainee's own words before the replies appear
# choices one run can hold: a scenario that loops could otherwise be played for ever, and
# every choice writes the whole run's state (17 ms a choice after 4,000; the bundled
# scenarios end within 15)
MAX_CHOICES = 1000


class PlayError(ValueError):
    """A move the rules do not allow (a choice not offered, a finished run...)."""


class RunTooLong(PlayError):
    """The run holds MAX_CHOICES choices already."""

    def __init__(self) -> None:
        super().__init__(f"this run has reached {MAX_CHOICES:,} choices, the most one run holds")


class NotOffered(PlayError):
    """The choice asked for is not among those offered in this scene."""

    def __init__(self, scene: str, number: int, offered: int) -> None:
        super().__init__(
            f"scene '{scene}' offers {offered} choice{'s' if offered != 1 else ''}; "
            f"{number} is not one of them"
        )
        self.scene = scene
        self.number = number
        self.offered = offered


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Rupture(_Value):
    """A rupture of the alliance: its type, where it opened, where a repair was invited (in a
    scenario whose client must take repairs up) and where it was repaired."""

    type: RuptureType
    opened_at: str
    repaired_at: str | None = None
    attempted_at: str | None = None  # the scene of the latest invitation awaiting uptake

    @model_serializer(mode="wrap")
    def _as_before(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        """`attempted_at` only where there was one, so a version-1 run's JSON (the
        contract's, and the state a host stores) is exactly what it always was."""
        found: dict[str, object] = handler(self)
        if found.get("attempted_at") is None:
            found.pop("attempted_at", None)
        return found


class State(_Value):
    """Where a run stands. Round-trips through JSON exactly."""

    scene: str
    meters: Meters
    trail: tuple[str, ...] = ()
    ruptures: tuple[Rupture, ...] = ()
    fired: tuple[int, ...] = ()  # 0-based indexes of top-level rules that have fired
    steps: int = 0  # choices made so far
    hints: tuple[str, ...] = ()  # scenes where the trainee asked for the hint
    finished: bool = False
    outcome: Outcome | None = None  # the ending's outcome, once finished
    seed: str = ""  # orders the replies shown, the same for this run and its rewinds
    written: str | None = None  # the trainee's own words at this scene ("" when skipped)

    @property
    def visited(self) -> frozenset[str]:
        """Every scene play has entered."""
        return frozenset(self.trail)

    @property
    def ruptures_open(self) -> int:
        """How many ruptures are not yet repaired."""
        return sum(1 for r in self.ruptures if r.repaired_at is None)


class Step(_Value):
    """What one choice did: the record a host stores and the debrief reads."""

    number: int  # 1-based count of choices in the run
    scene: str
    choice: int  # 0-based index in the scene's choice list
    say: str
    quality: Quality | None = None
    skill: str | None = None
    disclosure: str | None = None
    feedback: str | None = None
    before: Meters
    after: Meters
    opened: str | None = None  # rupture type opened by the choice itself
    repaired: bool = False  # a rupture was repaired by this choice or the scenes it led to
    attempted: bool = False  # the choice invited a repair that waits for the client's uptake
    disclosure_type: str | None = None  # Hill & Knox type of the disclosure, if tagged
    rule: int | None = None  # 0-based index of the top-level rule that fired
    entered: tuple[str, ...] = ()  # scenes entered after the choice, in order
    written: str | None = None  # what the trainee first wrote in their own words, if asked

    @property
    def changes(self) -> dict[str, int]:
        """How much each meter really moved (after clamping)."""
        return {m: self.after.get(m) - self.before.get(m) for m in METERS}


@dataclass
class _Work:
    """A mutable working copy of a run's state for one move; hosts never see it."""

    meters: dict[str, int]
    trail: list[str] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)
    # [type, opened, repaired, attempted]: the scenes where each rupture opened, was
    # repaired and (awaiting the client's uptake) where a repair was last invited
    ruptures: list[list[str | None]] = field(default_factory=list)
    fired: set[int] = field(default_factory=set)
    invited: bool = False  # this move invited a repair that waits for the client's uptake
    # kept as ruptures open and close, so a long run's conditions do not recount them
    ruptures_open: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.ruptures_open = sum(1 for r in self.ruptures if r[2] is None)

    def open_rupture(self, kind: str | None, scene_id: str) -> None:
        self.ruptures.append([kind, scene_id, None, None])
        self.ruptures_open += 1

    def repair(self, rupture: list[str | None], scene_id: str) -> None:
        rupture[2] = scene_id
        self.ruptures_open -= 1

    @property
    def repaired(self) -> int:
        return len(self.ruptures) - self.ruptures_open

    def holds(self, condition: str | None) -> bool:
        return condition is None or conditions.holds(
            condition, self.meters, self.visited, self.ruptures_open
        )


def invite_repair(work: _Work, choice: Choice, scene_id: str, awaits_uptake: bool) -> bool:
    """A repairing choice addresses the oldest open rupture it fits (any with `repairs:
    true`, else one of its type). Without uptake scenes it is repaired at once. Where the
    client must take repairs up, it is marked as invited at this scene, the oldest not yet
    invited first; one already invited keeps its first invitation. True when the choice
    invited a repair that waits for the client."""
    fitting = [r for r in work.ruptures if r[2] is None and choice.mends(str(r[0]))]
    if not fitting:
        return False
    if not awaits_uptake:
        work.repair(fitting[0], scene_id)
        return False
    waiting = next((r for r in fitting if r[3] is None), None)
    if waiting is not None:
        waiting[3] = scene_id
    return True


def take_up(work: _Work, scene_id: str) -> None:
    """The client takes up every repair invited and still open: each is repaired here."""
    for rupture in work.ruptures:
        if rupture[2] is None and rupture[3] is not None:
            work.repair(rupture, scene_id)


def _offered_in(scenario: Scenario, scene_id: str, work: _Work) -> list[int]:
    """Indexes of the choices a scene offers for this working state."""
    scene = scenario.scenes[scene_id]
    return [i for i, choice in enumerate(scene.choices or ()) if work.holds(choice.when)]


def _enter(scenario: Scenario, scene_id: str, work: _Work) -> str:
    """Enter a scene and pass on until play rests at a choice or an ending; return that scene."""
    for _ in range(4 * len(scenario.scenes) + 4):
        scene = scenario.scenes[scene_id]
        work.trail.append(scene_id)
        work.visited.add(scene_id)
        if scene.repair_accepted:
            take_up(work, scene_id)
        if scene.moment == "rupture" and work.ruptures_open == 0:
            work.open_rupture(scene.rupture, scene_id)
        if scene.next is not None:
            scene_id = next(rule.goto for rule in scene.next if work.holds(rule.when))
            continue
        if scene.choices is not None and not any(work.holds(c.when) for c in scene.choices):
            if scene.fallback is None:
                raise PlayError(f"scene '{scene_id}' offers no choice and has no fallback")
            scene_id = scene.fallback
            continue
        return scene_id
    raise PlayError(f"play passes on for ever from scene '{scene_id}'")


def _may_fire(rule: Rule, index: int, work: _Work) -> bool:
    """Whether the top-level rule at `index` fires now (a once-only rule fires once)."""
    return (rule.repeat or index not in work.fired) and work.holds(rule.when)


def _apply_choice(
    scenario: Scenario, scene_id: str, choice: Choice, work: _Work, known: int | None = -1
) -> tuple[str, int | None]:
    """Apply one choice to a working state; return where play rests and the rule that fired.
    `known`: the rule a recorded step says fired (None: none did), taken without testing
    every rule again (a replay of thousands of choices under thousands of rules), the fired
    one alone tested; -1: test them all."""
    for name, delta in choice.effects.items():
        work.meters[name] = min(100, max(0, work.meters[name] + delta))
    if choice.repairs:
        work.invited = invite_repair(work, choice, scene_id, scenario.awaits_uptake)
    if choice.rupture is not None:
        work.open_rupture(choice.rupture, scene_id)
    rules = scenario.rules
    fired = known
    if known == -1:
        fired = next((i for i, rule in enumerate(rules) if _may_fire(rule, i, work)), None)
    elif known is not None and not _may_fire(rules[known], known, work):
        raise PlayError(f"rule {known + 1} cannot fire here")  # a record it does not fit
    target = choice.goto
    if fired is not None:
        work.fired.add(fired)
        target = rules[fired].goto
    return _enter(scenario, target, work), fired


def _work(state: State) -> _Work:
    return _Work(
        meters=state.meters.as_dict(),
        trail=list(state.trail),
        visited=set(state.trail),
        ruptures=[[r.type, r.opened_at, r.repaired_at, r.attempted_at] for r in state.ruptures],
        fired=set(state.fired),
    )


def _ruptures(work: _Work) -> tuple[Rupture, ...]:
    return tuple(
        Rupture.model_validate(
            {"type": kind, "opened_at": opened, "repaired_at": repaired, "attempted_at": tried}
        )
        for kind, opened, repaired, tried in work.ruptures
    )


def start(
    scenario: Scenario, scene: str | None = None, meters: Meters | None = None, seed: str = ""
) -> State:
    """A new run at `start` (or, for playtesting, at any scene with chosen meters).

    `seed` orders the replies on screen; without one they stay in file order."""
    work = _Work(meters=(meters or scenario.meters).as_dict())
    resting = _enter(scenario, scene or scenario.start, work)
    return _Run(scenario, work, resting, Meters(**work.meters), seed=seed).state()


def offered(scenario: Scenario, state: State) -> list[tuple[int, Choice]]:
    """The choices offered now, as (index in the scene's list, choice); none once finished."""
    if state.finished:
        return []
    scene = scenario.scenes[state.scene]
    work = _work(state)
    return (
        [(i, scene.choices[i]) for i in _offered_in(scenario, state.scene, work)]
        if scene.choices
        else []
    )


@dataclass
class _Run:
    """A run played on one working copy, move after move: a long run costs what its choices
    do, where rebuilding the State at every move cost the square of its length."""

    scenario: Scenario
    work: _Work
    scene: str  # where play rests
    before: Meters  # the meters there
    steps: int = 0  # choices made so far
    hints: tuple[str, ...] = ()
    seed: str = ""

    @classmethod
    def of(cls, scenario: Scenario, state: State) -> _Run:
        return cls(
            scenario, _work(state), state.scene, state.meters, state.steps, state.hints, state.seed
        )

    @property
    def ended(self) -> bool:
        return self.scenario.scenes[self.scene].kind == "ending"

    def offered(self) -> list[int]:
        return _offered_in(self.scenario, self.scene, self.work)

    def move(self, index: int, written: str | None = None, rule: int | None = -1) -> Step:
        """Make the choice at `index` where play rests; return its Step (`rule`: the rule a
        recorded step says fired, as `_apply_choice` takes it)."""
        work = self.work
        choice = (self.scenario.scenes[self.scene].choices or ())[index]
        repaired_before = work.repaired
        trail_before = len(work.trail)
        work.invited = False  # of this move only
        resting, fired = _apply_choice(self.scenario, self.scene, choice, work, rule)
        self.steps += 1
        step = Step(
            number=self.steps,
            scene=self.scene,
            choice=index,
            say=choice.say,
            quality=choice.quality,
            skill=choice.skill,
            disclosure=choice.disclosure,
            feedback=choice.feedback,
            before=self.before,
            after=Meters(**work.meters),
            opened=choice.rupture,
            repaired=work.repaired > repaired_before,
            attempted=work.invited,
            disclosure_type=choice.disclosure_type,
            rule=fired,
            entered=tuple(work.trail[trail_before:]),
            written=written,
        )
        self.scene, self.before = resting, step.after
        return step

    def state(self) -> State:
        """The State where play rests."""
        work, ending = self.work, self.scenario.scenes[self.scene]
        return State(
            scene=self.scene,
            meters=Meters(**work.meters),
            trail=tuple(work.trail),
            ruptures=_ruptures(work),
            fired=tuple(sorted(work.fired)),
            steps=self.steps,
            hints=self.hints,
            finished=ending.kind == "ending",
            outcome=ending.outcome,
            seed=self.seed,
        )


def choose(scenario: Scenario, state: State, index: int) -> tuple[State, Step]:
    """Make the choice at `index` (0-based in the scene's list); return the new state and its Step."""
    if state.finished:
        raise PlayError("this run has already ended")
    if state.steps >= MAX_CHOICES:
        raise RunTooLong()
    run = _Run.of(scenario, state)
    if index not in run.offered():
        raise PlayError(f"choice {index + 1} is not offered in scene '{state.scene}'")
    step = run.move(index, state.written)
    return run.state(), step


def play_by(
    scenario: Scenario,
    pick: Callable[[list[tuple[int, Choice]]], int],
    limit: int,
    budget: int | None = None,
) -> tuple[State, list[Step]]:
    """Play from the start, letting `pick` choose among the offered (index, choice) pairs at
    each scene, for at most `limit` choices and, with `budget`, until that many replies
    looked at, rules tested and scenes entered in all (a scene of thousands of replies,
    thousands of rules, a chain of thousands of pass-throughs). One working copy for the
    whole run, so a long run costs what its choices do, not the square of its length."""
    run = _Run.of(scenario, start(scenario))
    steps: list[Step] = []
    rules = len(scenario.rules)
    while len(steps) < limit and not run.ended:
        options = run.offered()
        if not options:
            break
        choices = scenario.scenes[run.scene].choices or ()
        if budget is not None:
            budget -= len(choices) + rules
            if budget < 0:
                break
        index = pick([(i, choices[i]) for i in options])
        if index not in options:
            raise PlayError(f"choice {index + 1} is not offered in scene '{run.scene}'")
        steps.append(run.move(index))
        if budget is not None:
            budget -= len(steps[-1].entered)
    return run.state(), steps


def choose_offered(scenario: Scenario, state: State, number: int) -> tuple[State, Step]:
    """Make the Nth offered choice (1-based), as `rapport play --choose` counts."""
    available = offered(scenario, state)
    if not 1 <= number <= len(available):
        raise NotOffered(state.scene, number, len(available))
    return choose(scenario, state, available[number - 1][0])


def play_through(scenario: Scenario, numbers: Iterable[int]) -> tuple[State, list[Step]]:
    """Start a run and make these offered-choice numbers in turn, stopping at an ending
    (on one working copy, as in `play_by`)."""
    run = _Run.of(scenario, start(scenario))
    steps: list[Step] = []
    for number in numbers:
        if run.ended:
            break
        available = run.offered()
        if not 1 <= number <= len(available):
            raise NotOffered(run.scene, number, len(available))
        steps.append(run.move(available[number - 1]))
    return run.state(), steps


def reply_id(scene_id: str, index: int, choice: Choice) -> str:
    """A reply's identity on the page: stable for its words and place in the file, and
    never a number, so a form that posts a position instead is refused."""
    return _reply_id(scene_id, index, choice.say)


@lru_cache(maxsize=8192)
def _reply_id(scene_id: str, index: int, say: str) -> str:
    digest = hashlib.sha256(f"{scene_id}\0{index}\0{say}".encode()).hexdigest()
    return "r" + digest[:10]


def shown(scenario: Scenario, state: State) -> list[tuple[str, int, Choice]]:
    """The offered replies in the order the page shows them, as (identity, index, choice):
    shuffled by the run's seed and the scene, so a reload, a second tab, a rewind and the
    instructor's view all agree; file order for `order: fixed` or a run without a seed."""
    replies = [(reply_id(state.scene, i, c), i, c) for i, c in offered(scenario, state)]
    if not state.seed or scenario.scenes[state.scene].order == "fixed":
        return replies

    def rank(reply: tuple[str, int, Choice]) -> str:
        return hashlib.sha256(f"{state.seed}\0{state.scene}\0{reply[0]}".encode()).hexdigest()

    return sorted(replies, key=rank)


def choose_reply(scenario: Scenario, state: State, reply: str) -> tuple[State, Step]:
    """Make the offered choice with this identity (as the play page posts it)."""
    for identity, index, _choice in shown(scenario, state):
        if identity == reply:
            return choose(scenario, state, index)
    raise PlayError(f"no reply '{reply[:20]}' is offered in scene '{state.scene}'")


def asks(scene: Scene) -> bool:
    """Whether the trainee is asked for their own words first: at every key moment and
    wherever the author sets `ask: true`."""
    return scene.choices is not None and (scene.moment is not None or scene.ask)


def write(
    scenario: Scenario, state: State, words: str, anywhere: bool = False, again: bool = False
) -> State:
    """Record the trainee's own words at this scene ("" to skip); the first answer stands.
    `anywhere`: at any choice scene (open response), not only where the scene asks;
    `again`: new words replace the ones written (open response, to say more)."""
    scene = scenario.scenes[state.scene]
    if state.finished or scene.choices is None or not (anywhere or asks(scene)):
        raise PlayError("this scene does not ask for your own words")
    if state.written is not None and not again:
        return state
    words = words.strip()
    if len(words) > WORDS_LIMIT:
        raise PlayError(f"your words can be up to {WORDS_LIMIT} characters")
    return state.model_copy(update={"written": words})


def replay(
    scenario: Scenario, steps: Sequence[Step], seed: str = ""
) -> tuple[State, list[list[int]]] | None:
    """Play recorded steps again from the start: the final state and the choice indexes
    offered before each step, or None when the record does not replay (a playtest begun
    mid-scenario). One working copy for the whole run, as in `play_by`: a run of 2,000
    choices is replayed in what its choices cost, not the square of its length. The rule
    each step records as fired is tested alone, not found by testing every rule again."""
    run = _Run.of(scenario, start(scenario, seed=seed))
    offers: list[list[int]] = []
    try:
        for step in steps:
            scene = scenario.scenes[run.scene]
            if run.ended:
                return None
            written = None
            if step.written is not None:  # words typed there (open response: at any scene)
                written = step.written.strip()
                if scene.choices is None or len(written) > WORDS_LIMIT:
                    return None
            available = run.offered()
            if step.choice not in available:
                return None
            offers.append(available)
            if run.move(step.choice, written, step.rule) != step:  # only its rule tested
                return None
    except (PlayError, KeyError, IndexError):
        return None
    return run.state(), offers


def ask_hint(scenario: Scenario, state: State) -> State:
    """Record that the trainee asked for the current scene's hint."""
    if state.finished or scenario.scenes[state.scene].hint is None or state.scene in state.hints:
        return state
    return state.model_copy(update={"hints": (*state.hints, state.scene)})


def summary(scenario: Scenario, state: State) -> dict[str, object]:
    """The contract's JSON summary of a run (as `rapport play --json` prints it)."""
    scene = scenario.scenes[state.scene]
    return {
        "scenario": scenario.id,
        "finished": state.finished,
        "ending": state.scene if state.finished else None,
        "outcome": scene.outcome if state.finished else None,
        "scene": state.scene,
        "meters": state.meters.as_dict(),
        "trail": list(state.trail),
        "ruptures": [r.model_dump() for r in state.ruptures],
    }
