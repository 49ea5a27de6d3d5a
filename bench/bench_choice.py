"""Server time per choice: POST to response, warm, SQLite. Target: median under 5 ms.

Baseline in the same run: a trivial route (GET /health) through the same app and client.
Both are timed in-process around the WSGI call, so the numbers are the server's work
without network latency. Run: .venv/bin/python bench/bench_choice.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

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


def timed(call) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


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
        htmx = {"HX-Request": "true"}

        def new_run() -> str:
            return str(client.post("/scenarios/loop/runs", data={"mode": "practice"}).headers["Location"])

        def choose(run: str, step: int) -> None:
            response = client.post(f"{run}/choose", data={"step": str(step), "choice": "0"}, headers=htmx)
            assert response.status_code == 200 and b"What happened" in response.data

        def health() -> None:
            assert client.get("/health").status_code == 200

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
    choice_ms = statistics.median(choice_times) * 1000
    health_ms = statistics.median(health_times) * 1000
    print(f"choices timed: {choices}")
    print(f"baseline GET /health: median {health_ms:.2f} ms")
    print(f"POST choose (htmx):   median {choice_ms:.2f} ms  (ratio {choice_ms / health_ms:.1f}x baseline)")
    print(f"                      p90 {statistics.quantiles(choice_times, n=10)[-1] * 1000:.2f} ms")
    ok = choice_ms < 5.0
    print(f"target under 5 ms: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
