"""Load: T trainees play through the real HTTP interface while S scoreboards poll a class board.

The script starts the production server (`rapport serve --workers N`, gunicorn) on loopback
on a fresh temporary database, makes an instructor (through the CLI) and a class session
(through its pages), and stops the server at the end. Each simulated trainee has its own
cookies and plays as a browser does: the catalog, a briefing, Start (with the form's CSRF
token and its one-time start token), the run page, then htmx choices (`HX-Request: true`,
replies picked by the identities on the page) to an ending; where a scene asks for their own
words first they write a few or skip, as the form allows. Then another scenario. Some
trainees join the class session first and start their runs from their class page, so the
board has something to show. Each scoreboard is the instructor's board, polled by htmx every
two seconds as the page does.

Phases, one server, in this order (each with its own warm-up, left out of the figures):
  think       T trainees with an exponential think time before each action (--think, mean)
  saturation  the same trainees with no think time: the server's choice throughput
  health      T + S clients calling GET /health without pause: the baseline, same server,
              same concurrency
Reported per phase: choices/s, choice latency p50/p95/p99, errors, the server's own time per
choice (its Server-Timing header), the server's CPU per request, and this generator's CPU
(if it nears one core, the generator, not the server, is the bottleneck; it says so).

Run:  .venv/bin/python bench/load.py                  (300 trainees, 5 s think, 2 workers)
      .venv/bin/python bench/load.py --repeat 3 --json
      .venv/bin/python bench/load.py --database-url postgresql+psycopg://USER@127.0.0.1:PORT/DB
Needs aiohttp (the `test` extra). Only loopback is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
RAPPORT = ROOT / ".venv" / "bin" / "rapport"
POLL_SECONDS = 2.0  # the board's htmx poll (simulator/words.py POLL_SECONDS)
MAX_CHOICES = 80  # a run longer than this is abandoned (bundled scenarios take 8 to 15)
WORDS = ["I hear that this is hard.", "Can you say more?", "That sounds like a lot.", ""]
TICKS = os.sysconf("SC_CLK_TCK")

# -- pages: the fields a browser would send back --------------------------------------------

TAG = re.compile(r"<(input|button|form|a|meta)\b([^>]*)>", re.I)
ATTR = re.compile(r'([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*"([^"]*)")?')


def tags(page: str, name: str) -> list[dict[str, str]]:
    """The attributes of every `name` tag on a page."""
    found = []
    for kind, attributes in TAG.findall(page):
        if kind.lower() == name:
            found.append({k.lower(): v for k, v in ATTR.findall(attributes)})
    return found


def value(page: str, name: str) -> str | None:
    """The value of the first input called `name`."""
    return next((t.get("value") for t in tags(page, "input") if t.get("name") == name), None)


FIELD = re.compile(r"<(input|button)\b([^>]*)>", re.I)


def play_fields(page: str) -> tuple[dict[str, str | None], list[str]]:
    """A play page's inputs (the first value of each name) and its reply identities, read
    in one pass: the generator shares the server's two cores, so it parses each page once."""
    inputs: dict[str, str | None] = {}
    offered = []
    for kind, attributes in FIELD.findall(page):
        found = {k.lower(): v for k, v in ATTR.findall(attributes)}
        name = found.get("name")
        if kind.lower() == "input" and name:
            inputs.setdefault(name, found.get("value"))
        elif name == "reply" and "value" in found:
            offered.append(found["value"])
    return inputs, offered


# -- measurements ---------------------------------------------------------------------------


@dataclass
class Record:
    """Everything one phase saw, kept only after its warm-up."""

    since: float = 0.0  # the monotonic time the measured window opened
    until: float = float("inf")
    latency: dict[str, list[float]] = field(default_factory=dict)
    server_ms: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    runs_finished: int = 0

    def measuring(self, at: float) -> bool:
        return self.since <= at < self.until

    def add(self, kind: str, began: float, seconds: float, server: str | None) -> None:
        if not self.measuring(began):
            return
        self.latency.setdefault(kind, []).append(seconds)
        if server and "dur=" in server:
            self.server_ms.setdefault(kind, []).append(float(server.split("dur=")[1]))

    def error(self, kind: str, began: float, what: str) -> None:
        if self.measuring(began):
            self.errors[f"{kind}: {what}"] += 1


class Failed(Exception):
    """A response a browser would not expect; the trainee starts over."""


class Client:
    """One browser: its own cookies; every request timed into the phase's record."""

    def __init__(self, base: str, connector: aiohttp.BaseConnector, record: Record) -> None:
        self.base = base
        self.record = record
        self.playing: tuple[str, str] | None = None  # a run under way: its path and page
        self.http = aiohttp.ClientSession(
            connector=connector,
            connector_owner=False,
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # cookies for 127.0.0.1
            timeout=aiohttp.ClientTimeout(total=60),
            headers={"Accept-Encoding": "gzip, deflate, br"},
        )

    async def call(
        self, kind: str, method: str, path: str, expect: int = 200, htmx: bool = False, **kw: Any
    ) -> tuple[str, str]:
        """(body, Location) of a request that gave `expect`; else Failed, counted as an error."""
        headers = {"HX-Request": "true"} if htmx else {}
        began = time.monotonic()
        try:
            async with self.http.request(
                method, self.base + path, headers=headers, allow_redirects=False, **kw
            ) as response:
                body = await response.text()
                status, location = response.status, response.headers.get("Location", "")
                server = response.headers.get("Server-Timing")
        except (TimeoutError, aiohttp.ClientError) as error:
            self.record.error(kind, began, type(error).__name__)
            raise Failed(kind) from error
        self.record.add(kind, began, time.monotonic() - began, server)
        if status != expect:
            self.record.error(kind, began, f"HTTP {status}")
            raise Failed(kind)
        return body, location

    async def close(self) -> None:
        await self.http.close()


# -- the people -----------------------------------------------------------------------------


@dataclass
class Plan:
    """What every simulated person shares in one phase."""

    base: str
    think: float  # mean seconds before each action; 0 for none
    ends: float  # the monotonic time the phase stops
    record: Record
    connector: aiohttp.BaseConnector
    rng: random.Random


async def pause(plan: Plan) -> None:
    if plan.think > 0:
        await asyncio.sleep(plan.rng.expovariate(1 / plan.think))


async def trainee(plan: Plan, browser: Client, class_code: str | None) -> None:
    """Play scenario after scenario until the phase ends; after an error, start over. A run
    left unfinished at the end of a phase goes on in the next, so a phase measures play in
    its steady mix, not a crowd of new starts."""
    while time.monotonic() < plan.ends:
        try:
            if browser.playing is None:
                browser.playing = await start_run(plan, browser, class_code)
            browser.playing = await play(plan, browser, browser.playing)
        except Failed:
            browser.playing = None
            await asyncio.sleep(0.5)


async def start_run(plan: Plan, browser: Client, class_code: str | None) -> tuple[str, str]:
    """Open a new run as a browser does; (its path, its play page)."""
    if class_code is None:
        catalog, _ = await browser.call("catalog", "GET", "/")
        links = [
            a["href"] for a in tags(catalog, "a") if a.get("href", "").startswith("/scenarios/")
        ]
        if not links:
            raise Failed("catalog")
        await pause(plan)
        briefing, _ = await browser.call("briefing", "GET", plan.rng.choice(links))
        form = {"mode": plan.rng.choice(["practice", "practice", "assessment"])}
        action = next(f["action"] for f in tags(briefing, "form") if "/runs" in f.get("action", ""))
        page = briefing
    else:  # a class trainee starts from their class page, in the class's mode
        page, _ = await browser.call("class page", "GET", f"/classes/{class_code}/me")
        scenarios = [t["value"] for t in tags(page, "input") if t.get("name") == "scenario"]
        if not scenarios:
            raise Failed("class page")
        form = {"scenario": plan.rng.choice(scenarios)}
        action = f"/classes/{class_code}/runs"
    form["csrf_token"] = value(page, "csrf_token") or ""
    form["start"] = value(page, "start") or ""
    await pause(plan)
    _, location = await browser.call("start", "POST", action, expect=303, data=form)
    run = location.removeprefix(plan.base)
    page, _ = await browser.call("run page", "GET", run)
    return run, page


async def play(plan: Plan, browser: Client, started: tuple[str, str]) -> tuple[str, str] | None:
    """Choose replies (writing or skipping own words where asked) until the run ends (None)
    or the phase does (the run and its page, to go on with)."""
    run, page = started
    for _ in range(MAX_CHOICES):
        if time.monotonic() >= plan.ends:
            return run, page
        inputs, offered = play_fields(page)
        step, token = inputs.get("step"), inputs.get("csrf_token") or ""
        await pause(plan)
        if 'id="own-words"' in page and step is not None:
            words = plan.rng.choice(WORDS)
            form = {"csrf_token": token, "step": step, "words": words}
            if not words and 'name="skip"' in page:
                form["skip"] = "1"
            elif not words:
                form["words"] = WORDS[0]
            page, _ = await browser.call("words", "POST", f"{run}/words", htmx=True, data=form)
        elif offered and step is not None:
            form = {"csrf_token": token, "step": step, "reply": plan.rng.choice(offered)}
            page, _ = await browser.call("choice", "POST", f"{run}/choose", htmx=True, data=form)
        elif "/debrief" in page:
            plan.record.runs_finished += plan.record.measuring(time.monotonic())
            return None
        else:
            plan.record.error("play", time.monotonic(), "a page with nothing to do")
            return None
    return None


async def scoreboard(plan: Plan, browser: Client, code: str) -> None:
    """The class board on a projector: the page once, then an htmx poll every two seconds."""
    with suppress(Failed):
        await browser.call("board page", "GET", f"/classes/{code}/board")
    while time.monotonic() < plan.ends:
        await asyncio.sleep(POLL_SECONDS)
        with suppress(Failed):
            await browser.call("board poll", "GET", f"/classes/{code}/board", htmx=True)


async def health(plan: Plan, browser: Client) -> None:
    while time.monotonic() < plan.ends:
        try:
            await browser.call("health", "GET", "/health")
        except Failed:
            await asyncio.sleep(0.1)


# -- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def fresh_database(url: str | None, folder: Path) -> Iterator[str]:
    """A new empty database: a file in `folder`, or a new database on the PostgreSQL server
    that `url` names (dropped at the end)."""
    if not url:
        yield f"sqlite:///{folder / 'load.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"rapport_load_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def production_server(database_url: str, workers: int, folder: Path) -> Iterator[Server]:
    """`rapport serve --workers N` (gunicorn) on a free loopback port; stopped at the end."""
    port = free_port()
    env = {
        **os.environ,
        "RAPPORT_DATABASE_URL": database_url,
        "RAPPORT_SECRET_KEY": secrets.token_hex(16),
    }
    log = (folder / "server.log").open("w")
    command = [str(RAPPORT), "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped together, workers included
    )
    server = Server(f"http://127.0.0.1:{port}", process, env, folder / "server.log")
    try:
        server.wait_ready()
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    log: Path

    def wait_ready(self, seconds: float = 60) -> None:
        import urllib.request

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server stopped at start:\n{self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.base + "/health", timeout=2) as response:
                    if response.status == 200 and len(self.workers()) > 0:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"the server did not answer within {seconds:.0f} s")

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def cpu_seconds(self) -> float:
        """CPU time used so far by the master and its workers (user + system)."""
        total = 0
        for pid in [self.process.pid, *self.workers()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / TICKS


def make_instructor(server: Server, email: str, password: str) -> None:
    """The instructor account, made with the CLI as an operator would."""
    subprocess.run(
        [str(RAPPORT), "instructor", "add", email, "--password", password],
        env=server.env,
        check=True,
        capture_output=True,
    )


async def log_in(browser: Client, email: str, password: str) -> None:
    page, _ = await browser.call("setup", "GET", "/login")
    form = {"csrf_token": value(page, "csrf_token") or "", "email": email, "password": password}
    await browser.call("setup", "POST", "/login", expect=303, data=form)


async def make_class(browser: Client, scenarios: int = 3) -> str:
    """A class session on the first few scenarios (practice, ranked board); its join code."""
    page, _ = await browser.call("setup", "GET", "/classes/new")
    ids = [t["value"] for t in tags(page, "input") if t.get("name") == "scenarios"][:scenarios]
    form = [("csrf_token", value(page, "csrf_token") or ""), ("name", "Load test")]
    form += [("scenarios", s) for s in ids]
    form += [("mode", "practice"), ("board", "ranked"), ("words", "optional")]
    _, location = await browser.call("setup", "POST", "/classes", expect=303, data=form)
    return location.rstrip("/").rsplit("/", 1)[1]


async def join(browser: Client, code: str, name: str) -> None:
    page, _ = await browser.call("setup", "GET", f"/join?code={code}")
    form = {"csrf_token": value(page, "csrf_token") or "", "code": code, "name": name}
    await browser.call("setup", "POST", "/join", expect=303, data=form)


# -- phases ---------------------------------------------------------------------------------


@dataclass
class People:
    trainees: list[tuple[Client, str | None]]  # each with the class code if they joined
    boards: list[Client]
    code: str
    connector: aiohttp.BaseConnector


async def setup(server: Server, connector: aiohttp.BaseConnector, args: Any) -> People:
    record = Record(since=float("inf"))  # nothing here is measured
    email, password = "load@example.org", secrets.token_urlsafe(12)
    make_instructor(server, email, password)
    instructor = Client(server.base, connector, record)
    await log_in(instructor, email, password)
    code = await make_class(instructor)
    await instructor.close()
    boards = [Client(server.base, connector, record) for _ in range(args.scoreboards)]
    for board in boards:  # one projector each, every one logged in as the instructor
        await log_in(board, email, password)
    trainees: list[tuple[Client, str | None]] = []
    for number in range(args.trainees):
        browser = Client(server.base, connector, record)
        joined = number < args.class_trainees
        if joined:  # one at a time, as a room does: the join limit counts per address
            await join(browser, code, f"Trainee {number + 1}")
        trainees.append((browser, code if joined else None))
    return People(trainees, boards, code, connector)


async def phase(name: str, server: Server, people: People, args: Any, seed: int) -> dict[str, Any]:
    """Run one phase; its figures over the measured window (after the warm-up)."""
    think = args.think if name == "think" else 0.0
    measured = args.duration if name != "health" else min(args.duration, args.health_seconds)
    warmup = args.warmup if name != "health" else 2.0
    began = time.monotonic()
    record = Record(since=began + warmup, until=began + warmup + measured)
    plan = Plan(server.base, think, record.until, record, people.connector, random.Random(seed))
    everyone = [browser for browser, _ in people.trainees] + people.boards
    for browser in everyone:
        browser.record = record
    if name == "health":
        tasks = [health(plan, browser) for browser in everyone]
    else:
        spread = min(warmup, think or 1.0)  # arrivals spread out, not one burst

        async def later(delay: float, work: Any) -> None:
            await asyncio.sleep(delay)
            await work

        tasks = [
            later(plan.rng.uniform(0, spread), trainee(plan, browser, code))
            for browser, code in people.trainees
        ]
        tasks += [
            later(plan.rng.uniform(0, POLL_SECONDS), scoreboard(plan, board, people.code))
            for board in people.boards
        ]
    usage = asyncio.ensure_future(cpu_over(record, server))
    await asyncio.gather(*tasks)
    return summarise(name, record, measured, *(await usage))


async def cpu_over(record: Record, server: Server) -> tuple[float, float]:
    """(generator CPU, server CPU) in seconds over the measured window."""
    await asyncio.sleep(max(0.0, record.since - time.monotonic()))
    mine, theirs = time.process_time(), server.cpu_seconds()
    await asyncio.sleep(max(0.0, record.until - time.monotonic()))
    return time.process_time() - mine, server.cpu_seconds() - theirs


def percentiles(seconds: list[float]) -> dict[str, float | None]:
    if len(seconds) < 2:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None}
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {"p50_ms": cuts[49] * 1000, "p95_ms": cuts[94] * 1000, "p99_ms": cuts[98] * 1000}


def summarise(
    name: str, record: Record, seconds: float, generator_cpu: float, server_cpu: float
) -> dict[str, Any]:
    kind = "health" if name == "health" else "choice"
    done = record.latency.get(kind, [])
    requests = sum(len(v) for v in record.latency.values())
    server = record.server_ms.get(kind, [])
    return {
        "phase": name,
        "seconds": seconds,
        f"{kind}s": len(done),
        f"{kind}s_per_s": len(done) / seconds,
        **percentiles(done),
        "server_ms_median": statistics.median(server) if server else None,
        "requests": requests,
        "requests_per_s": requests / seconds,
        "requests_by_kind": {k: len(v) for k, v in sorted(record.latency.items())},
        "server_ms_by_kind": {k: statistics.median(v) for k, v in sorted(record.server_ms.items())},
        "board_poll_p95_ms": percentiles(record.latency.get("board poll", []))["p95_ms"],
        "runs_finished": record.runs_finished,
        "errors": sum(record.errors.values()),
        "error_kinds": dict(record.errors),
        "generator_cpu": generator_cpu / seconds,  # cores (1.0 = one core busy)
        "server_cpu": server_cpu / seconds,
        "server_cpu_ms_per_request": server_cpu * 1000 / requests if requests else None,
    }


# -- the whole run --------------------------------------------------------------------------


async def measure(server: Server, args: Any) -> list[dict[str, Any]]:
    """Every phase, `--runs` times over, on one server."""
    connector = aiohttp.TCPConnector(limit=0)
    people = await setup(server, connector, args)
    results = []
    try:
        for number in range(args.runs):
            for index, name in enumerate(args.phases):
                result = await phase(name, server, people, args, seed=number * 10 + index)
                result["run"] = number + 1
                results.append(result)
                if not args.json:
                    print(line(result), flush=True)
    finally:
        for browser in [b for b, _ in people.trainees] + people.boards:
            await browser.close()
        await connector.close()
    return results


def median_of(results: list[dict[str, Any]], name: str, key: str) -> float | None:
    values = [r[key] for r in results if r["phase"] == name and r.get(key) is not None]
    return statistics.median(values) if values else None


def line(r: dict[str, Any]) -> str:
    def ms(key: str) -> str:
        return f"{r[key]:7.1f}" if r.get(key) is not None else "      -"

    server = f"{r['server_ms_median']:6.2f}" if r.get("server_ms_median") is not None else "     -"
    rate = r.get("choices_per_s", r.get("healths_per_s", 0.0))
    what = "health/s" if r["phase"] == "health" else "choices/s"
    return (
        f"run {r['run']} {r['phase']:<10} {rate:8.1f} {what:<9} p50 {ms('p50_ms')} "
        f"p95 {ms('p95_ms')} p99 {ms('p99_ms')} ms  server {server} ms  "
        f"errors {r['errors']:<4} {r['requests_per_s']:7.1f} req/s  "
        f"CPU: generator {r['generator_cpu']:.2f}, server {r['server_cpu']:.2f} cores"
    )


def verdict(results: list[dict[str, Any]], args: Any) -> dict[str, Any]:
    """The medians over runs, the ratio to /health, and the targets."""
    summary: dict[str, Any] = {}
    for name in args.phases:
        key = "healths_per_s" if name == "health" else "choices_per_s"
        summary[name] = {
            k: median_of(results, name, k)
            for k in (
                key,
                "p50_ms",
                "p95_ms",
                "p99_ms",
                "server_ms_median",
                "errors",
                "requests_per_s",
                "generator_cpu",
                "server_cpu",
                "board_poll_p95_ms",
            )
        }
        summary[name]["errors_total"] = sum(r["errors"] for r in results if r["phase"] == name)
    if "saturation" in summary and "health" in summary:
        choices, healths = (
            summary["saturation"]["choices_per_s"],
            summary["health"]["healths_per_s"],
        )
        ratios = [
            s["choices_per_s"] / h["healths_per_s"]
            for s, h in zip(
                [r for r in results if r["phase"] == "saturation"],
                [r for r in results if r["phase"] == "health"],
                strict=True,
            )
            if h["healths_per_s"]
        ]
        summary["ratio"] = statistics.median(ratios) if ratios else None
        summary["ratio_of_medians"] = choices / healths if healths else None
    busy = [r for r in results if r["generator_cpu"] > 0.9]
    summary["generator_saturated"] = bool(busy)
    return summary


def report(summary: dict[str, Any], args: Any, database: str) -> None:
    print(
        f"\nmedians of {args.runs} run(s): {args.trainees} trainees ({args.class_trainees} in a class), "
        f"{args.scoreboards} scoreboards, gunicorn {args.workers} workers, {database}; "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end"
    )
    think = summary.get("think")
    if think and think["p95_ms"] is not None:
        ok = think["p95_ms"] < 50 and think["errors_total"] == 0
        print(
            f"  think {args.think:g} s: p95 choice {think['p95_ms']:.1f} ms, "
            f"{think['errors_total']} errors (target p95 < 50 ms, 0 errors): {'met' if ok else 'MISSED'}"
        )
    if summary.get("ratio") is not None:
        ok = summary["ratio"] >= 0.25
        print(
            f"  saturation: {summary['saturation']['choices_per_s']:.0f} choices/s against "
            f"{summary['health']['healths_per_s']:.0f} /health/s: ratio {summary['ratio']:.2f} "
            f"(target >= 0.25): {'met' if ok else 'MISSED'}"
        )
    for name in ("think", "saturation"):
        if summary.get(name) and summary[name]["server_ms_median"] is not None:
            print(
                f"  server time per choice ({name}), median: {summary[name]['server_ms_median']:.2f} ms"
            )
    if summary["generator_saturated"]:
        print(
            "  NOTE: the load generator used over 90% of a core in some phase: it may be the bottleneck"
        )


def options(argv: list[str] | None = None) -> Any:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=300)
    parser.add_argument("--think", type=float, default=5.0, help="mean think time, seconds")
    parser.add_argument("--scoreboards", type=int, default=4)
    parser.add_argument(
        "--class-trainees",
        type=int,
        default=None,
        help="how many trainees join the class (default: a third, at most 100)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL server to make a fresh database on (default SQLite)",
    )
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=10.0, help="unmeasured seconds first")
    parser.add_argument("--health-seconds", type=float, default=15.0)
    parser.add_argument("--runs", type=int, default=1, help="repeat the phases; medians reported")
    parser.add_argument("--phases", default="think,saturation,health")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    args.phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = set(args.phases) - {"think", "saturation", "health"}
    if unknown:
        parser.error(f"unknown phase {', '.join(sorted(unknown))}: use think, saturation, health")
    if args.class_trainees is None:
        args.class_trainees = min(100, args.trainees // 3)
    args.class_trainees = min(args.class_trainees, args.trainees)
    return args


def main(argv: list[str] | None = None) -> int:
    args = options(argv)
    database = "PostgreSQL" if args.database_url else "SQLite"
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        with (
            fresh_database(args.database_url, folder) as url,
            production_server(url, args.workers, folder) as server,
        ):
            results = asyncio.run(measure(server, args))
    summary = verdict(results, args)
    if args.json:
        print(
            json.dumps(
                {
                    "options": vars(args) | {"database_url": database},
                    "runs": results,
                    "summary": summary,
                },
                indent=2,
            )
        )
    else:
        report(summary, args, database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
