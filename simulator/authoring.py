"""Authoring without Flask: the path analysis as the scenario page shows it, the scene graph
drawn by Graphviz, both cached by digest, and the small text helpers of the editor."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import engine, matching
from .engine import METERS, STRATEGY_WORDS, Scenario, edges_of
from .graphs import GraphvizMissing, render_svg
from .scenarios import (
    ANALYSIS_MEGABYTES,
    LINE_BREAK,
    Loaded,
    Message,
    capped,
    collector_paused,
    locate_all,
    write_atomically,
)

MAX_STATES = 200_000
TOO_MANY_STATES = (
    "Meters and visited scenes multiply the states: fewer conditions on `visited()` or "
    "coarser meter steps make the scenario analysable."
)
REST_COMPLETE = "The graph and the scene texts below are complete."
CACHED = 16  # scenario versions whose analysis and drawing stay in memory


@dataclass
class EndingRow:
    """One ending in the analysis summary."""

    scene: str
    title: str
    outcome: str
    reachable: bool
    route: list[tuple[int, str, str]]  # (offered number, scene, words said)
    numbers: str
    low: dict[str, int] | None
    high: dict[str, int] | None
    unrepaired: bool
    paths: str
    choices: int = 0  # in the whole route (`route` spells out its first ROUTE_STEPS at most)


ROUTE_STEPS = 50  # choices of a shortest route spelled out on the page
ROUTES_SPELLED = 200  # endings whose routes are spelled out (then their numbers only)
ROUTE_NUMBERS = 200  # choices of a route listed as --choose numbers at most
# (4,000 endings each at the end of a line of scenes made the analysis block 36 MB and
# longer than a worker's timeout to build)


@dataclass
class Summary:
    """The path analysis as the scenario page shows it, or why there is none."""

    states: int = 0
    endings: list[EndingRow] = field(default_factory=list)
    never_offered: list[tuple[str, int, str]] = field(default_factory=list)
    never_fired: list[tuple[int, str, str]] = field(default_factory=list)
    stopped: str | None = None
    # what naive strategies reach: (strategy in words, ending title, outcome, reaches the best)
    strategies: list[tuple[str, str, str, bool]] = field(default_factory=list)
    best: str | None = None


@dataclass
class Drawing:
    """The scene graph as inline SVG, or why there is none."""

    svg: str | None = None
    problem: str | None = None
    pending: bool = False  # still being drawn, in the background: the page asks again


class _Cache:
    """A few scenario versions' analysis and drawing, by digest: both depend only on the text."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> Any:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, key: tuple[str, str], value: Any) -> None:
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_cache = _Cache(CACHED)


def summarise(scenario: Scenario, digest: str) -> Summary:
    """The analysis summary of a scenario version (cached by digest)."""
    found = _summarise(scenario, digest, MAX_STATES)
    assert found is not None
    return found


def _summarise(scenario: Scenario, digest: str, limit: int, quick: bool = False) -> Summary | None:
    """The summary, exploring at most `limit` states; with `quick`, None past them or past
    QUICK_SECONDS (nothing is cached then: the whole analysis is still to be made)."""
    cached = _cache.get(("summary", digest))
    if isinstance(cached, Summary):
        return cached
    deadline = time.monotonic() + QUICK_SECONDS
    try:
        with collector_paused():  # the states it keeps are no garbage: a tenth to a fifth faster
            found = engine.analyze(
                scenario,
                max_states=limit,
                stop=(lambda: time.monotonic() > deadline) if quick else None,
            )
    except engine.EndlessRuptures as error:  # known at once: no background analysis needed
        summary = Summary(stopped=f"The analysis stopped: {error}. {REST_COMPLETE}")
    except engine.StateLimit:
        if quick:
            return None
        summary = Summary(
            stopped=f"The analysis stopped after exploring {MAX_STATES:,} states, so it cannot "
            f"report on every path. {TOO_MANY_STATES} {REST_COMPLETE}"
        )
    except engine.PlayError as error:
        summary = Summary(stopped=f"The analysis could not run: {error}.")
    else:
        summary = Summary(states=found.states)
        for spelled, (scene_id, report) in enumerate(found.endings.items()):
            scene = scenario.scenes[scene_id]
            route: list[tuple[int, str, str]] = []
            shortest = report.shortest or []
            if shortest and spelled < ROUTES_SPELLED:
                try:  # the route spelled out: where each reply is chosen and its words
                    start = shortest[:ROUTE_STEPS]
                    _, steps = engine.play_through(scenario, start)
                    route = [
                        (number, step.scene, step.say)
                        for number, step in zip(start, steps, strict=True)
                    ]
                except (engine.PlayError, ValueError):
                    route = []
            summary.endings.append(
                EndingRow(
                    scene=scene_id,
                    title=scene.ending or scene_id,
                    outcome=scene.outcome or "",
                    reachable=report.reachable,
                    route=route,
                    numbers=",".join(map(str, shortest)) if len(shortest) <= ROUTE_NUMBERS else "",
                    choices=len(shortest),
                    low=report.min,
                    high=report.max,
                    unrepaired=report.unrepaired,
                    paths=f"{report.paths:,}"
                    if report.paths is not None
                    else f"more than {found.path_cap:,}",
                )
            )
        summary.never_offered = [
            (scene_id, number, (scenario.scenes[scene_id].choices or ())[number - 1].say)
            for scene_id, number in found.never_offered
        ]
        summary.never_fired = [
            (number, scenario.rules[number - 1].when, scenario.rules[number - 1].goto)
            for number in found.never_fired
        ]
        summary.best = found.best
        summary.strategies = [
            (
                STRATEGY_WORDS[run.strategy],
                scenario.scenes[run.ending].ending or run.ending if run.ending else "never ends",
                run.outcome or "",
                run in found.giveaways,
            )
            for run in found.strategies
        ]
    _cache.put(("summary", digest), summary)
    return summary


# -- a large scenario's analysis, in its own process ---------------------------------------

QUICK_STATES = 20_000  # explored within the page's request (about a second); more elsewhere
# ... and for 0.5 s at most (the largest bundled one that fits takes 0.36 s): 20,000 states
# of a 17 KB file of many rules and ruptures took 3.7 s
QUICK_SECONDS = 0.5
JOB_SECONDS = 120  # a background analysis is stopped after this long
JOB_MEGABYTES = ANALYSIS_MEGABYTES  # ... or when it would use more memory than this
KEPT_RESULTS = 200  # finished analyses kept on disk, shared by the server's processes
MAX_JOBS = 2  # analyses running at once on this machine: each may use a core and 1.5 GB


@dataclass(frozen=True)
class Exploring:
    """A path analysis under way in a process of its own (or waiting for one of the
    MAX_JOBS to end); the page asks again shortly."""

    seconds: int  # since it started
    queued: bool = False


logger = logging.getLogger(__name__)
_jobs: list[subprocess.Popen[bytes]] = []  # this process's children, reaped as they end


def analysis(scenario: Scenario, digest: str, source: str, folder: Path) -> Summary | Exploring:
    """The summary of a version if it is known or quick to make; else the state of its
    analysis in a background process, which `folder` (shared by the server's processes)
    receives. A large scenario's analysis took up to 12 s and 700 MB inside a request, and
    two such pages held both workers of a small server."""
    for job in list(_jobs):
        if job.poll() is not None:
            _jobs.remove(job)
    found = known_summary(digest, folder)
    if found is not None:
        _cache.put(("summary", digest), found)
        return found
    marker = folder / f"{digest}.running"
    if _cache.get(("large", digest)) is None and not marker.exists():
        limit = min(QUICK_STATES, MAX_STATES)
        quick = _summarise(scenario, digest, limit, quick=limit < MAX_STATES)
        if quick is not None:
            return quick
        _cache.put(("large", digest), True)  # the page's next asks skip the quick try
    for _ in range(2):
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            if _alive(marker):
                with suppress(OSError):
                    return Exploring(int(time.time() - marker.stat().st_mtime))
                continue
            return _died(folder, digest)
        except OSError as error:
            return _cannot_start(folder, error)
        # counted with this one, so two pages starting at once cannot both pass the cap
        if len([m for m in folder.glob("*.running") if _alive(m)]) > MAX_JOBS:
            marker.unlink(missing_ok=True)
            return Exploring(0, queued=True)  # the page asks again, and starts it later
        try:
            _start(folder, digest, source, marker)
        except OSError as error:  # the disk full, the folder made read-only meanwhile
            _clear(folder, digest)
            return _cannot_start(folder, error)
        return Exploring(0)
    return Exploring(0)


def _cannot_start(folder: Path, error: OSError) -> Summary:
    logger.warning("a background analysis cannot start: %s: %s", folder, error)
    return Summary(
        stopped=f"The background analysis cannot start: its folder {folder} cannot be "
        f"written ({error.strerror}): make it one the server's user can write. "
        f"{REST_COMPLETE}"
    )


def _died(folder: Path, digest: str) -> Summary:
    """A job that ended without a result (killed, out of memory, or failing to start): say
    so once, with its last error in the server's log, and clear its files, so the page stops
    asking and a reload runs it again."""
    log = folder / f"{digest}.log"
    with suppress(OSError):
        said = log.read_text(encoding="utf-8", errors="replace").strip()
        if said:
            logger.warning("the path analysis of %s failed: %s", digest, said[-2000:])
    _clear(folder, digest)
    return Summary(
        stopped="The background analysis ended without a result (it may have run out of "
        f"memory or time). Reload the page to run it again. {REST_COMPLETE}"
    )


def _clear(folder: Path, digest: str) -> None:
    """A job's marker, text and log, gone (its result, if any, stays)."""
    for suffix in (".running", ".log", ".source"):
        with suppress(OSError):
            (folder / f"{digest}{suffix}").unlink(missing_ok=True)


def _alive(marker: Path) -> bool:
    """Whether the job a marker stands for still runs: its process exists (the marker holds
    its id) and it is within its time. A marker just made, without an id yet, counts."""
    try:
        age = time.time() - marker.stat().st_mtime
        written = marker.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return False
    if age > JOB_SECONDS + 30:
        return False
    if not written.isdigit():
        return age < 30
    try:
        os.kill(int(written), 0)  # no signal: only whether the process is there
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _start(folder: Path, digest: str, source: str, marker: Path) -> None:
    """Start the analysis job: its own Python process, which writes `<digest>.json`."""
    text = folder / f"{digest}.source"
    text.write_text(source, encoding="utf-8")
    results = sorted(folder.glob("*.json"), key=lambda path: path.stat().st_mtime)
    for old in results[: max(len(results) - KEPT_RESULTS, 0)]:
        old.unlink(missing_ok=True)
    with open(folder / f"{digest}.log", "wb") as log:  # its errors, for the server's log
        job = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "simulator.analysis_job",
                str(text),
                str(JOB_SECONDS),
                str(JOB_MEGABYTES),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,  # not stopped by a signal meant for the server's worker
        )
    _jobs.append(job)
    with suppress(OSError):  # so every process can tell a job that died from one that runs
        if marker.exists():  # (a job may end before this)
            marker.write_text(str(job.pid), encoding="ascii")


def _stored(path: Path) -> Summary | None:
    """A finished analysis from disk, or None."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = [EndingRow(**row) for row in data.pop("endings")]
        return Summary(endings=rows, **data)
    except (OSError, ValueError, TypeError, KeyError):
        return None


def store(summary: Summary, path: Path) -> None:
    """Write a finished analysis where `analysis` finds it (atomically)."""
    write_atomically(path, json.dumps(asdict(summary)))


MAX_DRAWN = 500  # scenes; 200 draw in a quarter of a second
MAX_ARROWS = 1500  # arrows between scenes (choices and rules); 2,500 took Graphviz 5 s
DRAW_SECONDS = 5.0  # then Graphviz is stopped and the page says it could not draw the graph
SVG_ID = re.compile(r'(<[^>]*\s)id="')
SVG_LINK = re.compile(r'<a xlink:href="#scene-([a-z0-9-]+)"')


QUICK_DRAW = 1.0  # seconds a page waits for a new drawing; then it shows it is on its way
_drawing: dict[str, threading.Thread] = {}  # digest -> the thread drawing it
_drawing_lock = threading.Lock()


def draw(
    scenario: Scenario, digest: str, wait: float | None = None, folder: Path | None = None
) -> Drawing:
    """The scene graph as inline SVG whose scenes link to their text (cached by digest).
    With `wait`, a graph not drawn yet is drawn in the background and waited for that many
    seconds at most: past them it is a pending Drawing, so no request waits on Graphviz for
    long (a large graph can keep it busy for its whole timeout). With `folder`, a drawing
    made in the background is kept there too, for the server's other processes."""
    cached = _cache.get(("drawing", digest))
    if isinstance(cached, Drawing):
        return cached
    if wait is None:
        return _draw_now(scenario, digest)
    with _drawing_lock:
        worker = _drawing.get(digest)
        if worker is None:
            kept = _kept_drawing(folder, digest) if folder is not None else None
            if kept is not None:
                _cache.put(("drawing", digest), kept)
                return kept
            worker = threading.Thread(
                target=_draw_in_background, args=(scenario, digest, folder), daemon=True
            )
            _drawing[digest] = worker
            worker.start()
    worker.join(wait)
    cached = _cache.get(("drawing", digest))
    return cached if isinstance(cached, Drawing) else Drawing(pending=True)


def _draw_in_background(scenario: Scenario, digest: str, folder: Path | None) -> None:
    try:
        drawing = _draw_now(scenario, digest)
        if folder is not None and drawing.svg is not None:  # a failure may not last: redrawn
            with suppress(OSError):  # a folder not writable: this process has it still
                _keep_drawing(folder, digest, drawing)
    except Exception:  # the page would ask for ever: say so instead
        logger.exception("drawing the graph of %s failed", digest)
        _cache.put(("drawing", digest), Drawing(problem="The graph could not be drawn."))
    finally:
        with _drawing_lock:
            _drawing.pop(digest, None)


def _kept_drawing(folder: Path, digest: str) -> Drawing | None:
    """A drawing another process of this server made, or None."""
    try:
        data = json.loads((folder / f"{digest}.graph").read_text(encoding="utf-8"))
        return Drawing(svg=data.get("svg"), problem=data.get("problem"))
    except (OSError, ValueError, AttributeError):
        return None


def _keep_drawing(folder: Path, digest: str, drawing: Drawing) -> None:
    """Keep a drawing for the other processes (the newest KEPT_RESULTS, as analyses); only
    drawn ones are kept, so a failure (Graphviz missing, its timeout) is tried again."""
    write_atomically(
        folder / f"{digest}.graph", json.dumps({"svg": drawing.svg, "problem": drawing.problem})
    )
    kept = sorted(folder.glob("*.graph"), key=lambda path: path.stat().st_mtime)
    for old in kept[: max(len(kept) - KEPT_RESULTS, 0)]:
        old.unlink(missing_ok=True)


def _draw_now(scenario: Scenario, digest: str) -> Drawing:
    # Graphviz takes over 20 s at 3,000 scenes, and 5 s at 2,500 arrows, for no use
    arrows = len(edges_of(scenario)) + len(scenario.rules)  # a top rule is drawn with one
    too_many = None
    if len(scenario.scenes) > MAX_DRAWN:
        too_many = f"{len(scenario.scenes):,} scenes", f"{MAX_DRAWN}"
    elif arrows > MAX_ARROWS:
        too_many = f"{arrows:,} arrows between scenes", f"{MAX_ARROWS:,}"
    if too_many is not None:
        counted, most = too_many
        drawing = Drawing(
            problem=f"This scenario has {counted}, too many to draw as one legible graph "
            f"(at most {most}). The scenes are all listed below."
        )
        _cache.put(("drawing", digest), drawing)
        return drawing
    try:
        svg = render_svg(scenario, timeout=DRAW_SECONDS, links=True)
    except GraphvizMissing:
        drawing = Drawing(
            problem="The graph cannot be drawn because Graphviz is not installed on the server "
            "(Debian: apt-get install graphviz). The scenes are all listed below."
        )
    except (RuntimeError, OSError, subprocess.TimeoutExpired):
        drawing = Drawing(
            problem="Graphviz could not draw this graph. The scenes are all listed below."
        )
    else:
        # Graphviz names its groups after the scenes: prefix them so no id clashes with the page
        svg = SVG_ID.sub(r'\1id="graph-', svg)
        # a plain href (SVG 2) makes Chromium expose each scene as a link, not as image text;
        # role=group does the same for the drawing as a whole
        svg = SVG_LINK.sub(r'<a href="#scene-\1" aria-label="Scene \1"', svg)
        svg = svg.replace(
            "<svg ", '<svg class="graph-svg" role="group" aria-label="Scene graph" ', 1
        )
        drawing = Drawing(svg=svg)
    _cache.put(("drawing", digest), drawing)
    return drawing


def suggestions(loaded: Loaded) -> list[Message]:
    """`rapport lint`'s warnings and authoring smells for a valid file (cached by digest)."""
    cached = _cache.get(("lint", loaded.digest))
    if isinstance(cached, list):
        return cached
    assert loaded.scenario is not None
    # the same findings as the command line, the model's too-alike replies included
    smells = engine.lint(loaded.scenario) + matching.alike(matching.matcher(), loaded.scenario)
    found = capped(locate_all(loaded, smells), loaded.path, "warning")
    _cache.put(("lint", loaded.digest), found)
    return found


def cached_summary(digest: str) -> Summary | None:
    """The analysis summary of a version if it has been made already, else None."""
    cached = _cache.get(("summary", digest))
    return cached if isinstance(cached, Summary) else None


def draw_and_summarise(
    scenario: Scenario, digest: str, source: str, folder: Path
) -> tuple[Drawing, Summary | Exploring]:
    """The drawing and the analysis side by side: Graphviz works in its own process while
    the analysis runs here, so a first view costs the slower of the two, not their sum (and
    the drawing is waited for QUICK_DRAW seconds more at most)."""
    draw(scenario, digest, wait=0, folder=folder)  # started, if it is to be drawn
    summary = analysis(scenario, digest, source, folder)
    return draw(scenario, digest, wait=QUICK_DRAW, folder=folder), summary


def known_summary(digest: str, folder: Path) -> Summary | None:
    """The analysis summary of a version if it has been made already (here or by a
    background job), else None."""
    return cached_summary(digest) or _stored(folder / f"{digest}.json")


def read_meters(form: dict[str, str], errors: dict[str, str]) -> dict[str, int]:
    """The four meter fields as 0..100 integers, noting a clear error for each bad one."""
    values: dict[str, int] = {}
    for meter in METERS:
        raw = form.get(meter, "").strip()
        if re.fullmatch(r"[+-]?\d{1,6}", raw) and 0 <= int(raw) <= 100:
            values[meter] = int(raw)
        elif raw == "":
            errors[meter] = f"Enter a value for {meter}, a whole number from 0 to 100."
        else:
            errors[meter] = f"{meter.capitalize()} must be a whole number from 0 to 100."
    return values


def normalise(text: str) -> str:
    """Text from a form or an upload as stored: no byte-order mark, Unix line ends."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


EXCERPT_CHARS = 60  # of a line, either side of the column a message points at


def excerpts(text: str, messages: list[Message]) -> list[tuple[Message, str, int]]:
    """Each message with the part of its line around the column it points at, and how far
    into that part the column is (for the caret). A long line is cut, never repeated whole:
    a one-line file with hundreds of messages would otherwise make a page of hundreds of MB."""
    lines = LINE_BREAK.split(text)  # as the loader counts lines
    shown: list[tuple[Message, str, int]] = []
    for message in messages:
        line = lines[message.line - 1] if 0 < message.line <= len(lines) else ""
        at = min(max(message.column - 1, 0), len(line))
        start, end = max(at - EXCERPT_CHARS, 0), at + EXCERPT_CHARS
        part = ("…" if start else "") + line[start:end] + ("…" if end < len(line) else "")
        shown.append((message, part, at - start + (1 if start else 0)))
    return shown


def count(number: int, noun: str) -> str:
    """A number with its noun: '1 error', '2 warnings'."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def check_summary(loaded: Loaded | None) -> str:
    """One sentence on the editor's text, for the status line a screen reader announces."""
    if loaded is None:
        return ""
    errors, warnings = len(loaded.errors), len(loaded.warnings)
    if errors:
        also = f" and {count(warnings, 'warning')}" if warnings else ""
        return f"{count(errors, 'error')}{also}: fix before saving."
    if warnings:
        return f"No errors, {count(warnings, 'warning')}: ready to save."
    return "No problems: ready to save."
