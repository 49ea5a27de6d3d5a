"""Server time per choice: POST to response, warm, SQLite. Target: median at most 2 ms.

Baseline in the same run: a trivial route (GET /health) through the same app. The server
time is the app's own Server-Timing header (from before the view to the finished response:
loading the run, the engine, the commit and the rendered fragment), which leaves out the
test client's work; the wall time and the process's CPU time around the whole in-process
call are printed beside it (CPU time moves less when other work shares the machine). Each
choice asks for compression as a browser does (Accept-Encoding), so the server time
includes compressing the fragment.
Run: .venv/bin/python bench/bench_choice.py
"""

from __future__ import annotations

import gzip
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import brotli

from simulator import create_app

LOOP = """format: 1
id: loop
title: Loop
summary: Choices that go round, so a benchmark can choose for ever.
difficulty: beginner
minutes: 1
objectives: [Measure.]
client: {name: Bench, concern: Timing.}
start: a
scenes:
  a:
    cue: The client waits.
    client: "Go on."
    thought: I wonder what comes next.
    choices:
      - say: "Tell me more."
        skill: open-question
        quality: strong
        effects: {trust: 1, attentiveness: 1}
        feedback: An open question keeps the client in the lead.
        goto: b
      - say: "Let's move on."
        quality: weak
        effects: {trust: -1}
        feedback: Moving on skips what the client just said.
        goto: b
  b:
    client: "Well..."
    choices:
      - say: "Take your time."
        quality: adequate
        effects: {trust: -1, attentiveness: -1}
        feedback: Space to think.
        goto: a
      - say: "And?"
        quality: weak
        effects: {positivity: -1}
        feedback: A little abrupt.
        goto: a
      - say: "Let's stop here for today."
        quality: adequate
        feedback: A close.
        goto: end
  end:
    ending: The end
    outcome: mixed
"""


REPLY = re.compile(rb'name="reply" value="(r[0-9a-f]+)".*?<span class="say">(.*?)</span>')


def first_reply(page: bytes) -> str:
    """The first reply on a play page that keeps the loop going (buttons post reply=r...;
    the order is shuffled per run, so the closing reply is skipped by its words)."""
    for identity, say in REPLY.findall(page):
        if b"stop here" not in say:
            return identity.decode()
    raise AssertionError("no reply on the page")


def decoded(response) -> bytes:
    """The body of a response, uncompressed."""
    if response.headers.get("Content-Encoding") == "br":
        return brotli.decompress(response.data)
    if response.headers.get("Content-Encoding") == "gzip":
        return gzip.decompress(response.data)
    return bytes(response.data)


def timed(call) -> tuple[float, float, float]:
    """(server seconds from the Server-Timing header, wall seconds around the call, CPU
    seconds of this process around it)."""
    began, cpu = time.perf_counter(), time.process_time()
    response = call()
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    server = float(response.headers["Server-Timing"].split("dur=")[1]) / 1000
    return server, wall, cpu


def main(choices: int = 400, per_run: int = 16) -> int:
    with tempfile.TemporaryDirectory() as folder:
        scenarios = Path(folder) / "scenarios"
        scenarios.mkdir()
        (scenarios / "loop.yaml").write_text(LOOP)
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{folder}/bench.db",
                "SCENARIO_DIR": str(scenarios),
                "SECRET_KEY": "bench",
                "WTF_CSRF_ENABLED": False,
            }
        )
        client = app.test_client()
        htmx = {"HX-Request": "true", "Accept-Encoding": "gzip, deflate, br"}

        replies: dict[str, str] = {}  # run -> the first reply the page shows now

        def new_run() -> str:
            run = str(client.post("/scenarios/loop/runs", data={"mode": "practice"}).headers["Location"])
            replies[run] = first_reply(client.get(run).data)
            return run

        def choose(run: str, step: int):
            data = {"step": str(step), "reply": replies[run]}
            response = client.post(f"{run}/choose", data=data, headers=htmx)
            body = decoded(response)
            assert response.status_code == 200 and b"What happened" in body
            replies[run] = first_reply(body)
            return response

        def health():
            response = client.get("/health")
            assert response.status_code == 200
            return response

        warm = new_run()
        for step in range(20):  # warm up: caches, connection pool, templates
            choose(warm, step)
            health()
        choice_times, health_times = [], []
        # runs of a realistic length (a bundled scenario takes 8 to 15 choices)
        for _ in range(choices // per_run):
            run = new_run()
            for step in range(per_run):
                choice_times.append(timed(lambda r=run, s=step: choose(r, s)))
                health_times.append(timed(health))
        app.extensions["rapport.db"].engine.dispose()
    def ms(times: list[tuple[float, float, float]], which: int) -> float:
        return statistics.median(t[which] for t in times) * 1000

    choice_ms, health_ms = ms(choice_times, 0), ms(health_times, 0)
    p90 = statistics.quantiles([t[0] for t in choice_times], n=10)[-1] * 1000
    print(f"choices timed: {len(choice_times)} (in runs of {per_run})")
    print(f"baseline GET /health: server median {health_ms:.2f} ms  (wall {ms(health_times, 1):.2f} ms)")
    print(
        f"POST choose (htmx):   server median {choice_ms:.2f} ms  (wall {ms(choice_times, 1):.2f} ms, "
        f"CPU {ms(choice_times, 2):.2f} ms)"
    )
    print(f"                      server p90 {p90:.2f} ms; ratio {choice_ms / health_ms:.0f}x baseline")
    ok = choice_ms <= 2.0
    print(f"target at most 2 ms: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
