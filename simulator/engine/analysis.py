"""Graph checks for validation, and path analysis over every reachable state."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from . import conditions, surface
from .model import METERS, Scenario
from .play import _apply_choice, _enter, _offered_in, _Work

Path = tuple[str | int, ...]
N = TypeVar("N", bound=Hashable)


@dataclass(frozen=True)
class Problem:
    """A validation finding, located by its path in the scenario data."""

    path: Path
    message: str
    severity: str = "error"  # "error" or "warning"
    offset: int = 0  # column offset inside a condition string
    at_key: bool = False  # point at the key itself rather than its value


def _conditions(scenario: Scenario) -> Iterator[tuple[Path, str]]:
    for scene_id, scene in scenario.scenes.items():
        for i, choice in enumerate(scene.choices or ()):
            if choice.when is not None:
                yield ("scenes", scene_id, "choices", i, "when"), choice.when
        for i, rule in enumerate(scene.next or ()):
            if rule.when is not None:
                yield ("scenes", scene_id, "next", i, "when"), rule.when
    for i, top in enumerate(scenario.rules):
        yield ("rules", i, "when"), top.when


def _targets(scenario: Scenario) -> Iterator[tuple[Path, str]]:
    yield ("start",), scenario.start
    for scene_id, scene in scenario.scenes.items():
        for i, choice in enumerate(scene.choices or ()):
            yield ("scenes", scene_id, "choices", i, "goto"), choice.goto
        if scene.fallback is not None:
            yield ("scenes", scene_id, "fallback"), scene.fallback
        for i, rule in enumerate(scene.next or ()):
            yield ("scenes", scene_id, "next", i, "goto"), rule.goto
    for i, top in enumerate(scenario.rules):
        yield ("rules", i, "goto"), top.goto


def _missing(path: Path, target: str) -> Problem:
    """`start`, `goto` or `fallback` naming a scene that does not exist."""
    what = "`start`" if path == ("start",) else f"`{path[-1]}`"
    return Problem(
        path, f"{what} names scene '{conditions.cut_name(target)}', which does not exist"
    )


def _missing_visited(path: Path, ref: conditions.Visited) -> Problem:
    message = f"visited() names scene '{conditions.cut_name(ref.scene)}', which does not exist"
    return Problem(path, message, offset=ref.offset)


def _loop(cycle: list[str]) -> str:
    """A cycle of scenes as a message writes it: a -> b -> a."""
    return " -> ".join(conditions.cut_name(scene) for scene in [*cycle, cycle[0]])


def check_unvalidated(data: dict[str, object]) -> list[Problem]:
    """What `check` reports first, found in raw data whose shape failed validation: conditions
    that do not parse, and `start`, `goto`, `fallback` and visited() naming a scene that does
    not exist. So every problem is listed at once, not only once the shape is fixed. Values
    of the wrong shape are skipped here: validation reports them."""
    found: list[Problem] = []
    scenes = data.get("scenes")
    ids = set(scenes) if isinstance(scenes, dict) else None  # None: no scenes to name
    named: dict[str, list[conditions.Visited]] = {}

    def target(path: Path, value: object) -> None:
        if ids is not None and isinstance(value, str) and value and value not in ids:
            found.append(_missing(path, value))

    def condition(path: Path, text: object) -> None:
        if not isinstance(text, str) or not text.strip():
            return
        try:
            node = conditions.parse(text)
        except conditions.ConditionError as error:
            found.append(Problem(path, f"bad condition: {error.message}", offset=error.offset))
            return
        if ids is None:
            return
        if text not in named:
            named[text] = [ref for ref in conditions.scenes_named(node) if ref.scene not in ids]
        found.extend(_missing_visited(path, ref) for ref in named[text])

    def items(value: object) -> list[tuple[int, dict[str, object]]]:
        listed = value if isinstance(value, list) else []
        return [(i, item) for i, item in enumerate(listed) if isinstance(item, dict)]

    target(("start",), data.get("start"))
    for scene_id, scene in scenes.items() if isinstance(scenes, dict) else ():
        if not isinstance(scene, dict) or not isinstance(scene_id, str):
            continue
        for key in ("choices", "next"):
            for i, item in items(scene.get(key)):
                condition(("scenes", scene_id, key, i, "when"), item.get("when"))
                target(("scenes", scene_id, key, i, "goto"), item.get("goto"))
        target(("scenes", scene_id, "fallback"), scene.get("fallback"))
    for i, rule in items(data.get("rules")):
        condition(("rules", i, "when"), rule.get("when"))
        target(("rules", i, "goto"), rule.get("goto"))
    return found


def _falls_back(scenario: Scenario, scene_id: str) -> bool:
    """Whether the scene's fallback can ever be taken (every choice is conditional)."""
    scene = scenario.scenes[scene_id]
    return (
        bool(scene.choices)
        and scene.fallback is not None
        and all(c.when is not None for c in scene.choices or ())
    )


RULES = ""  # in edges(): the one node every choice scene points to, when there are rules


def edges(scenario: Scenario) -> dict[str, list[str]]:
    """Every scene to the scenes play can go to next from it. The scenario's rules can fire
    after any choice, so every choice scene points to one node, RULES (no scene's id), that
    points to the rules' targets: a copy of them for each scene cost scenes times rules."""
    rule_targets = [
        t for t in dict.fromkeys(r.goto for r in scenario.rules) if t in scenario.scenes
    ]
    through_rules = [RULES] if rule_targets else []
    graph: dict[str, list[str]] = {}
    for scene_id, scene in scenario.scenes.items():
        out: list[str] = []
        if scene.choices:
            out += [c.goto for c in scene.choices]
            if _falls_back(scenario, scene_id) and scene.fallback:
                out.append(scene.fallback)
        out += [rule.goto for rule in scene.next or ()]
        targets = [t for t in dict.fromkeys(out) if t in scenario.scenes]
        graph[scene_id] = targets + through_rules if scene.choices else targets
    if rule_targets:
        graph[RULES] = rule_targets
    return graph


def _reach(graph: dict[str, list[str]], roots: list[str]) -> set[str]:
    seen = set(roots)
    queue = deque(roots)
    while queue:
        for target in graph.get(queue.popleft(), ()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


MAX_PASSES = 200  # scenes play may pass through after one choice (the bundled: at most 3)


def _longest_pass(passing: dict[str, list[str]], order: list[str]) -> str | None:
    """The first scene (in file order) from which play can pass through more than
    MAX_PASSES scenes without a choice, or None. `passing` has no cycle."""
    depth: dict[str, int] = {}
    for root in order:
        stack = [root]
        while stack:  # depth-first, without recursion: a chain may be thousands long
            scene = stack[-1]
            if scene in depth:
                stack.pop()
                continue
            waiting = [t for t in passing.get(scene, ()) if t not in depth]
            if waiting:
                stack.extend(waiting)
                continue
            stack.pop()
            depth[scene] = 1 + max((depth[t] for t in passing.get(scene, ())), default=0)
        if depth[root] > MAX_PASSES + 1:
            return root
    return None


def _reversed(graph: dict[str, list[str]]) -> dict[str, list[str]]:
    """The same arrows, each pointing back."""
    reverse: dict[str, list[str]] = {}
    for source, targets in graph.items():
        for target in targets:
            reverse.setdefault(target, []).append(source)
    return reverse


def _components(graph: Mapping[N, list[N]]) -> list[list[N]]:
    """Strongly connected components (Tarjan's algorithm, iterative)."""
    index: dict[N, int] = {}
    low: dict[N, int] = {}
    stack: list[N] = []
    on_stack: set[N] = set()
    result: list[list[N]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(component)
    return result


def _cycles(graph: dict[str, list[str]], order: list[str]) -> list[list[str]]:
    """The components of a graph that contain a cycle, each in file order."""
    position = {scene: i for i, scene in enumerate(order)}
    found = []
    for component in _components(graph):
        if len(component) > 1 or component[0] in graph[component[0]]:
            scenes = [node for node in component if node != RULES]  # a rule is no scene
            found.append(sorted(scenes, key=position.__getitem__))
    return sorted(found, key=lambda c: position[c[0]])


def check(scenario: Scenario) -> list[Problem]:
    """Reference, condition and graph checks on a scenario whose shape is already valid."""
    problems: list[Problem] = []
    scenes = scenario.scenes
    problems.extend(
        _missing(path, target) for path, target in _targets(scenario) if target not in scenes
    )
    budget = conditions.FILE_SAT_WORK
    tests = 0
    named: dict[str, list[conditions.Visited]] = {}
    for path, text in _conditions(scenario):
        try:
            node = conditions.parse(text)
        except conditions.ConditionError as error:
            problems.append(Problem(path, f"bad condition: {error.message}", offset=error.offset))
            continue
        before, tests = tests, tests + conditions.tests_in(text)
        if before <= conditions.MAX_FILE_TESTS < tests:
            problems.append(
                Problem(
                    path,
                    f"this file's conditions hold more than {conditions.MAX_FILE_TESTS:,} "
                    "comparisons and visited() tests in all, counting each use, and play "
                    "tests them at every choice: use fewer or shorter conditions",
                )
            )
        if text not in named:  # a file may repeat one long condition thousands of times
            named[text] = [ref for ref in conditions.scenes_named(node) if ref.scene not in scenes]
        problems.extend(_missing_visited(path, ref) for ref in named[text])
        if path[-3:-1][0] == "choices":
            cost = 0 if conditions.known(text) else conditions.check_cost(node)
            if cost > budget:  # the file's checks together are bounded, not only each one
                problems.append(
                    Problem(
                        path,
                        "this condition was not checked for whether it can ever hold: the "
                        "file's conditions have too many cases in all (shorten the longest)",
                        severity="warning",
                    )
                )
                continue
            budget -= cost
            possible = conditions.satisfiable_text(text)
            if possible is False:
                problems.append(
                    Problem(
                        path,
                        f"this choice is never offered: `{text}` can never hold",
                        severity="warning",
                    )
                )
            elif possible is None:
                problems.append(
                    Problem(
                        path,
                        "this condition has too many cases to check whether it can ever hold",
                        severity="warning",
                    )
                )
    # the cycles of pass-throughs are found among the scenes that exist; the graph checks
    # after them need sound references
    sound = not any(p.severity == "error" for p in problems)
    order = list(scenes)
    passing = {
        scene_id: [
            target
            for target in (
                [rule.goto for rule in scene.next]
                if scene.next is not None
                else (
                    [scene.fallback] if _falls_back(scenario, scene_id) and scene.fallback else []
                )
            )
            if target in scenes
        ]
        for scene_id, scene in scenes.items()
    }
    for cycle in _cycles(passing, order):
        loop = _loop(cycle)
        problems.append(
            Problem(
                ("scenes", cycle[0]),
                f"scenes pass on to each other without a choice ({loop}): "
                "play could pass on for ever",
                at_key=True,
            )
        )
    if not sound:
        return problems
    if not any(p.severity == "error" for p in problems):
        longest = _longest_pass(passing, order)
        if longest is not None:
            problems.append(
                Problem(
                    ("scenes", longest),
                    f"play can pass on through more than {MAX_PASSES} scenes from here without "
                    "a choice: a run keeps every scene it enters, so each choice would write "
                    "them all again; shorten the chain",
                    at_key=True,
                )
            )

    graph = edges(scenario)
    reachable = _reach(graph, [scenario.start])
    endings = [s for s in order if scenes[s].kind == "ending"]
    if not any(s in reachable for s in endings):
        problems.append(
            Problem(
                ("start",),
                f"no ending is reachable from start scene '{conditions.cut_name(scenario.start)}'",
            )
        )
        return problems
    for scene_id in order:
        if scene_id not in reachable:
            problems.append(
                Problem(
                    ("scenes", scene_id),
                    f"scene '{conditions.cut_name(scene_id)}' is unreachable from start",
                    severity="warning",
                    at_key=True,
                )
            )
    finishing = _reach(_reversed(graph), endings)
    stuck = {
        s: [t for t in graph[s] if t in reachable and t not in finishing]
        for s in [*order, RULES]
        if s in reachable and s not in finishing
    }
    for cycle in _cycles(stuck, order):
        problems.append(
            Problem(
                ("scenes", cycle[0]),
                f"no ending can be reached from the cycle {_loop(cycle)}",
                severity="warning",
                at_key=True,
            )
        )
    if any(scene.moment == "safety" for scene in scenes.values()):
        for scene_id in endings:
            if scenes[scene_id].outcome == "poor" and scenes[scene_id].after is None:
                problems.append(
                    Problem(
                        ("scenes", scene_id),
                        f"ending '{conditions.cut_name(scene_id)}' is poor in a scenario with a safety moment: add "
                        "`after` to say what the clinician does next (follow-up contact, a "
                        "note, supervision)",
                        severity="warning",
                        at_key=True,
                    )
                )
    return problems


# --- path analysis ---------------------------------------------------------------------------


class StateLimit(RuntimeError):
    """The state space grew past the bound."""


MAX_OPEN = 50  # ruptures open at once in one state (the bundled scenarios: at most 3)


class EndlessRuptures(StateLimit):
    """Ruptures pile up on some path with no end: the states can never all be explored."""


# the open ruptures in order, each as (type, invited): the type only where a choice repairs
# one type, the invitation only where repairs wait for uptake, so a version-1 file has as
# many states as it always had
Opened = tuple[tuple[str, bool], ...]
Key = tuple[str, tuple[int, ...], Opened, frozenset[str], frozenset[int]]


@dataclass
class EndingReport:
    """What the analysis found about one ending."""

    reachable: bool = False
    shortest: list[int] | None = None
    min: dict[str, int] | None = None
    max: dict[str, int] | None = None
    unrepaired: bool = False
    paths: int | None = 0  # distinct choice sequences; None when more than the cap

    def as_json(self) -> dict[str, object]:
        return {
            "reachable": self.reachable,
            "shortest": self.shortest,
            "min": self.min,
            "max": self.max,
            "unrepaired": self.unrepaired,
        }


@dataclass
class Analysis:
    """Everything `rapport analyze` reports."""

    scenario: str
    states: int
    endings: dict[str, EndingReport]
    never_offered: list[tuple[str, int]]  # (scene, 1-based choice position)
    never_fired: list[int]  # 1-based rule numbers
    path_cap: int
    edges: dict[Key, list[Key]] = field(default_factory=dict, repr=False)
    best: str | None = None  # the best outcome any ending has
    strategies: list[surface.StrategyRun] = field(default_factory=list)

    @property
    def giveaways(self) -> list[surface.StrategyRun]:
        """The naive strategies that reach the scenario's best outcome."""
        return [run for run in self.strategies if self.best and run.outcome == self.best]

    def as_json(self) -> dict[str, object]:
        """The contract's JSON, plus path counts per ending."""
        return {
            "scenario": self.scenario,
            "states": self.states,
            "endings": {
                name: {
                    **report.as_json(),
                    "paths": report.paths
                    if report.paths is not None
                    else f"more than {self.path_cap}",
                }
                for name, report in self.endings.items()
            },
            "never_offered": [{"scene": s, "choice": n} for s, n in self.never_offered],
            "never_fired": self.never_fired,
            "best_outcome": self.best,
            "strategies": {
                run.strategy: {
                    "ending": run.ending,
                    "outcome": run.outcome,
                    "choices": run.choices,
                    "reaches_best": run in self.giveaways,
                }
                for run in self.strategies
            },
        }


def _typed(scenario: Scenario) -> bool:
    """Whether some choice repairs one rupture type only, so open ruptures' types matter."""
    return any(
        choice.repairs not in (True, False)
        for scene in scenario.scenes.values()
        for choice in scene.choices or ()
    )


def _key(
    scenario: Scenario,
    scene: str,
    work: _Work,
    tracked: frozenset[str],
    once: frozenset[int],
    typed: bool,
) -> Key:
    return (
        scene,
        tuple(work.meters[m] for m in METERS),
        tuple(
            (str(r[0]) if typed else "", r[3] is not None) for r in work.ruptures if r[2] is None
        ),
        frozenset(work.visited & tracked),
        frozenset(work.fired & once),
    )


def _work(key: Key) -> _Work:
    scene, meters, opened, visited, fired = key
    return _Work(
        meters=dict(zip(METERS, meters, strict=True)),
        visited=set(visited),
        ruptures=[
            [kind or "withdrawal", scene, None, scene if invited else None]
            for kind, invited in opened
        ],
        fired=set(fired),
    )


STOP_EVERY = 16  # moves explored between two asks of `stop` (a move may test 2,000 conditions)


def analyze(
    scenario: Scenario,
    max_states: int = 200_000,
    path_cap: int = 1_000_000,
    stop: Callable[[], bool] | None = None,
) -> Analysis:
    """Explore every reachable state breadth-first. Raises StateLimit past `max_states`, or
    when `stop` (asked every few moves: the host's clock, say) returns True."""
    tracked = frozenset(
        ref.scene
        for _, text in _conditions(scenario)
        for ref in conditions.scenes_named(conditions.parse(text))
    )
    once = frozenset(i for i, rule in enumerate(scenario.rules) if not rule.repeat)
    typed = _typed(scenario)
    begin = _Work(meters=scenario.meters.as_dict())
    resting = _enter(scenario, scenario.start, begin)
    first = _key(scenario, resting, begin, tracked, once, typed)
    parent: dict[Key, tuple[Key, int] | None] = {first: None}
    same: dict[Key, Key] = {first: first}
    graph: dict[Key, list[Key]] = {}
    offered_ever: set[tuple[str, int]] = set()
    fired_ever: set[int] = set()
    queue = deque([first])
    moves = 0
    while queue:
        key = queue.popleft()
        scene_id = key[0]
        scene = scenario.scenes[scene_id]
        graph[key] = []
        if scene.kind == "ending":
            continue
        numbers = _offered_in(scenario, scene_id, _work(key))
        for number, index in enumerate(numbers, start=1):
            moves += 1
            if stop is not None and moves % STOP_EVERY == 0 and stop():
                raise StateLimit(f"stopped after {len(parent)} states, before finishing")
            offered_ever.add((scene_id, index))
            work = _work(key)
            rests, fired = _apply_choice(scenario, scene_id, (scene.choices or ())[index], work)
            if fired is not None:
                fired_ever.add(fired)
            target = _key(scenario, rests, work, tracked, once, typed)
            known = same.get(target)
            if known is None:
                if len(target[2]) > MAX_OPEN:
                    raise EndlessRuptures(
                        f"on some path more than {MAX_OPEN} ruptures are open at once, so the "
                        "analysis stops: a loop that opens ruptures without repairing them "
                        "makes the states endless; let it repair them, or end it"
                    )
                if len(parent) >= max_states:
                    raise StateLimit(
                        f"more than {max_states} states: the analysis stopped before finishing"
                    )
                same[target] = target
                parent[target] = (key, number)
                queue.append(target)
            else:
                target = known  # one object per state: arrows to it do not copy it
            graph[key].append(target)

    endings = {s: EndingReport() for s, scene in scenario.scenes.items() if scene.kind == "ending"}
    routes = 0
    for key in parent:  # insertion order is BFS order, so the first arrival is a shortest one
        report = endings.get(key[0])
        if report is None:
            continue
        meters = dict(zip(METERS, key[1], strict=True))
        if not report.reachable:
            report.reachable = True
            routes += 1  # each as long as its ending is deep: thousands of deep endings cost
            if stop is not None and routes % STOP_EVERY == 0 and stop():
                raise StateLimit(f"stopped after {len(parent)} states, before finishing")
            report.shortest = _route(parent, key)
            report.min, report.max = dict(meters), dict(meters)
        else:
            assert report.min is not None and report.max is not None
            for m in METERS:
                report.min[m] = min(report.min[m], meters[m])
                report.max[m] = max(report.max[m], meters[m])
        report.unrepaired = report.unrepaired or len(key[2]) > 0
    counts = _count_paths(graph, first, path_cap)
    for name, report in endings.items():
        report.paths = counts.get(name, 0)

    never_offered = [
        (scene_id, i + 1)
        for scene_id, scene in scenario.scenes.items()
        for i in range(len(scene.choices or ()))
        if (scene_id, i) not in offered_ever
    ]
    never_fired = [i + 1 for i in range(len(scenario.rules)) if i not in fired_ever]
    return Analysis(
        scenario.id,
        len(parent),
        endings,
        never_offered,
        never_fired,
        path_cap,
        graph,
        best=surface.best_outcome(scenario),
        strategies=surface.strategies(scenario),
    )


def _route(parent: dict[Key, tuple[Key, int] | None], key: Key) -> list[int]:
    numbers: list[int] = []
    link = parent[key]
    while link is not None:
        key, number = link
        numbers.append(number)
        link = parent[key]
    return numbers[::-1]


def _count_paths(graph: dict[Key, list[Key]], first: Key, cap: int) -> dict[str, int | None]:
    """Distinct choice sequences from the start to each ending; None when above `cap` or unbounded."""
    # States on a cycle that can still reach an ending make the count unbounded.
    scene_of = {key: key[0] for key in graph}
    cyclic: set[Key] = set()
    for component in _components(graph):
        if len(component) > 1 or component[0] in graph[component[0]]:
            cyclic.update(component)
    order = _topological(graph, first, cyclic)
    ways: dict[Key, int | None] = {first: 1}
    for key in order:
        count = ways.get(key, 0)
        for target in graph[key]:
            current = ways.get(target, 0)
            if key in cyclic or target in cyclic or count is None or current is None:
                ways[target] = None
            else:
                total = current + count
                ways[target] = None if total > cap else total
    result: dict[str, int | None] = {}
    for key, count in ways.items():
        if not graph[key] and key in scene_of:
            name = scene_of[key]
            previous = result.get(name, 0)
            if count is None or previous is None:
                result[name] = None
            else:
                total = previous + count
                result[name] = None if total > cap else total
    return result


def _topological(graph: dict[Key, list[Key]], first: Key, cyclic: set[Key]) -> list[Key]:
    """States in an order where each comes before those it leads to (cycles collapsed)."""
    seen: set[Key] = set()
    order: list[Key] = []
    stack: list[tuple[Key, Iterator[Key]]] = [(first, iter(graph[first]))]
    seen.add(first)
    while stack:
        node, children = stack[-1]
        for child in children:
            if child not in seen:
                seen.add(child)
                stack.append((child, iter(graph[child])))
                break
        else:
            stack.pop()
            order.append(node)
    order.reverse()
    return order


# --- lint ------------------------------------------------------------------------------------


def lint(scenario: Scenario) -> list[Problem]:
    """The validation warnings plus authoring smells, each located by path."""
    found = [p for p in check(scenario) if p.severity == "warning"]

    def smell(path: Path, message: str, at_key: bool = False) -> None:
        found.append(Problem(path, message, severity="warning", at_key=at_key))

    graph = edges(scenario)
    reverse = _reversed(graph)
    typed = _typed(scenario)
    mendable: dict[str, set[str]] = {}  # by rupture type: the scenes a repair of it is ahead of
    moved: set[str] = set()
    for scene_id, scene in scenario.scenes.items():
        choices = scene.choices or ()
        for i, choice in enumerate(choices):
            moved.update(name for name, delta in choice.effects.items() if delta)
            if choice.feedback is None:
                smell(
                    ("scenes", scene_id, "choices", i),
                    "choice has no feedback: say why it helps or hurts",
                )
        if scene.choices is not None and len(choices) == 1:
            smell(
                ("scenes", scene_id),
                f"scene '{conditions.cut_name(scene_id)}' offers a single choice",
                at_key=True,
            )
        seen: dict[str, int] = {}
        for i, choice in enumerate(choices):
            if choice.say in seen:
                smell(
                    ("scenes", scene_id, "choices", i, "say"),
                    f"the same words as choice {seen[choice.say] + 1} of this scene",
                )
            seen.setdefault(choice.say, i)
        if scene.moment == "self-disclosure" and not any(c.disclosure for c in choices):
            smell(
                ("scenes", scene_id),
                "self-disclosure moment whose choices have no `disclosure` category",
                at_key=True,
            )
        if scene.moment == "safety" and not any(
            c.quality in ("strong", "adequate") for c in choices
        ):
            smell(
                ("scenes", scene_id),
                "safety moment with no reply rated strong or adequate: which reply is the safety step?",
                at_key=True,
            )
        if scene.moment == "rupture":
            kind = str(scene.rupture)
            if kind not in mendable:  # once per type, backwards from every repair of it
                mending = [
                    s
                    for s, other in scenario.scenes.items()
                    if any(c.mends(kind) for c in other.choices or ())
                ]
                mendable[kind] = _reach(reverse, mending)
            if scene_id not in mendable[kind]:
                smell(
                    ("scenes", scene_id),
                    "no repairing choice (`repairs: true`) is reachable from this rupture moment"
                    + (f" (nor `repairs: {kind}`)" if typed else ""),
                    at_key=True,
                )
    for meter in METERS:
        if meter not in moved:
            smell(("scenes",), f"no choice ever moves {meter}", at_key=True)
    found.extend(repair_smells(scenario))
    found.extend(surface_smells(scenario))
    return found


def repair_smells(scenario: Scenario) -> list[Problem]:
    """Repairs that can never be credited: a type no rupture of the scenario has, a repair
    awaiting uptake from which no `repair_accepted` scene can be reached, and uptake scenes
    no repairing choice exists for."""
    found = []
    kinds = {
        kind
        for scene in scenario.scenes.values()
        for kind in (scene.rupture, *(c.rupture for c in scene.choices or ()))
        if kind is not None
    }
    accepting = {s for s, scene in scenario.scenes.items() if scene.repair_accepted}
    graph = edges(scenario)
    uptake_ahead = _reach(_reversed(graph), list(accepting))  # scenes an uptake is ahead of
    rules_lead_to_uptake = RULES in uptake_ahead
    repairing = 0
    for scene_id, scene in scenario.scenes.items():
        for i, choice in enumerate(scene.choices or ()):
            if not choice.repairs:
                continue
            repairing += 1
            path = ("scenes", scene_id, "choices", i, "repairs")
            if choice.repairs is not True and choice.repairs not in kinds:
                found.append(
                    Problem(
                        path,
                        f"no {choice.repairs} rupture ever opens in this scenario, so this "
                        "choice repairs nothing",
                        severity="warning",
                    )
                )
            ahead = choice.goto in scenario.scenes and (
                choice.goto in uptake_ahead or rules_lead_to_uptake
            )
            if accepting and not ahead:
                found.append(
                    Problem(
                        path,
                        "this repair waits for the client to take it up, but no "
                        "`repair_accepted` scene can be reached after it, so it is never "
                        "credited",
                        severity="warning",
                    )
                )
    if accepting and not repairing:
        first = next(iter(accepting))
        found.append(
            Problem(
                ("scenes", first, "repair_accepted"),
                "no choice has `repairs`, so there is no repair for the client to take up here",
                severity="warning",
            )
        )
    return found


def surface_smells(scenario: Scenario) -> list[Problem]:
    """Replies a trainee could pick by their surface: a length tell, a meter that tops out
    early on the strong path, a naive strategy that reaches the best outcome."""
    found = []
    for scene_id, scene in scenario.scenes.items():
        tell = surface.length_tell(scene)
        if tell is not None:
            index, ratio = tell
            found.append(
                Problem(
                    ("scenes", scene_id, "choices", index, "say"),
                    f"length tell: the strong reply is the longest here by {ratio - 1:.0%}; "
                    "a trainee can pick it by its length",
                    severity="warning",
                )
            )
    for limit in surface.early_limits(scenario):
        step = limit.step
        found.append(
            Problem(
                ("scenes", step.scene, "choices", step.choice),
                f"on the all-strong path {limit.meter} reaches {limit.level} at choice "
                f"{step.number} of {limit.choices}, so later replies cannot move it",
                severity="warning",
            )
        )
    best = surface.best_outcome(scenario)
    for run in surface.strategies(scenario):
        if best is not None and run.outcome == best:
            found.append(
                Problem(
                    ("start",),
                    f"{surface.STRATEGY_WORDS[run.strategy]} reaches the best outcome "
                    f"({best}, at '{run.ending}')",
                    severity="warning",
                )
            )
    return found
