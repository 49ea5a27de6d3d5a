"""Server time per choice on the bundled scenarios, as trainees play them (target: median
at most 2 ms, warm, SQLite).

bench_choice.py times a small looping scenario with CSRF off; this plays every bundled
scenario in process with CSRF on, as a browser does: the run page, then htmx choices picked
at random by reply identity, own words written or skipped where a scene asks first, to an
ending, scenario after scenario (practice and assessment, some runs in a class session).
Server time is the app's Server-Timing header; baseline: GET /health in the same run.
The other pages of a run are timed beside the choices: the catalog (read again before each
run, as a trainee goes back to it), the briefing, Start and the run page.
With --gap S the process sleeps S seconds before each request, as between a trainee's
choices: on an idle machine a request then takes longer (caches cooled, the core clocked
down), and the /health baseline shows by how much.
Run: .venv/bin/python bench/bench_play.py [--choices 600] [--gap 0.02] [--profile 30]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from bench_choice import decoded  # noqa: E402

from simulator import create_app  # noqa: E402

INPUT = re.compile(r'<input type="hidden" name="(csrf_token|step|start)" value="([^"]*)"')
REPLY = re.compile(r'name="reply" value="([^"]+)"')
BRIEFING = re.compile(r'href="(/scenarios/[a-z0-9-]+)"')
HTMX = {"HX-Request": "true", "Accept-Encoding": "gzip, deflate, br"}
PAGE = {"Accept-Encoding": "gzip, deflate, br"}  # a whole page, as a browser asks for it
KINDS = {  # what is timed, as printed
    "choice": "POST choice (htmx):",
    "words": "POST words (htmx):",
    "catalog": "GET catalog:",
    "briefing": "GET briefing:",
    "start": "POST start:",
    "run page": "GET run page:",
    "health": "GET /health:",
}


def text(response: Any) -> str:
    return decoded(response).decode("utf-8")


def server_ms(response: Any) -> float:
    return float(response.headers["Server-Timing"].split("dur=")[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--choices", type=int, default=600)
    parser.add_argument("--profile", type=int, default=0, help="print the top N of a profile")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--gap",
        type=float,
        default=0.0,
        help="seconds idle before each request, as a trainee thinks",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{folder}/bench.db",
                "SCENARIO_DIR": str(ROOT / "scenarios"),
                "SECRET_KEY": "bench",
            }
        )
        client = app.test_client()
        links = sorted(set(BRIEFING.findall(text(client.get("/")))))
        times: dict[str, list[float]] = {kind: [] for kind in KINDS}

        def play_one(measure: bool) -> int:
            def timed(kind: str, response: Any) -> Any:
                if measure:
                    times[kind].append(server_ms(response))
                return response

            timed("catalog", client.get("/", headers=PAGE))
            briefing = text(timed("briefing", client.get(rng.choice(links), headers=PAGE)))
            fields = dict(INPUT.findall(briefing))
            mode = rng.choice(["practice", "practice", "assessment"])
            form = {"mode": mode, "csrf_token": fields["csrf_token"], "start": fields["start"]}
            started = timed("start", client.post(briefing_action(briefing), data=form))
            assert started.status_code == 303, started.status_code
            run = started.headers["Location"]
            page = text(timed("run page", client.get(run, headers=PAGE)))
            made = 0
            while made < 60:
                fields = dict(INPUT.findall(page))
                if 'id="own-words"' in page:
                    data = {**fields, "words": rng.choice(["", "That sounds hard."])}
                    if not data["words"]:
                        data["skip"] = "1"
                    kind, path = "words", f"{run}/words"
                elif (offered := REPLY.findall(page)) and "step" in fields:
                    data = {**fields, "reply": rng.choice(offered)}
                    kind, path = "choice", f"{run}/choose"
                else:
                    return made
                time.sleep(args.gap)
                response = client.post(path, data=data, headers=HTMX)
                assert response.status_code == 200, (response.status_code, kind)
                page = text(response)
                time.sleep(args.gap)
                health = client.get("/health")
                if measure:
                    times[kind].append(server_ms(response))
                    times["health"].append(server_ms(health))
                made += kind == "choice"
            return made

        for _ in range(10):  # warm up: templates, caches, the pool
            play_one(measure=False)
        profile = cProfile.Profile(time.process_time) if args.profile else None
        if profile:
            profile.enable()
        while len(times["choice"]) < args.choices:
            play_one(measure=True)
        if profile:
            profile.disable()
        app.extensions["rapport.db"].engine.dispose()
    if profile:
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(args.profile)
        stats.sort_stats("tottime").print_stats(args.profile)
    health = statistics.median(times["health"])
    print(f"bundled scenarios, {len(times['choice'])} choices, {len(times['words'])} own words")
    print(f"baseline GET /health: server median {health:.2f} ms")
    for kind, label in KINDS.items():
        found = times[kind]
        if found and kind != "health":
            median, p90 = statistics.median(found), statistics.quantiles(found, n=10)[-1]
            print(
                f"{label:<22} server median {median:.2f} ms, p90 {p90:.2f} ms; "
                f"{median / health:.0f}x baseline ({len(found)})"
            )
    met = statistics.median(times["choice"]) <= 2.0
    print(f"target at most 2 ms per choice: {'met' if met else 'MISSED'}")
    return 0 if met else 1


def briefing_action(page: str) -> str:
    found = re.search(r'<form[^>]*action="(/scenarios/[a-z0-9-]+/runs)"', page)
    assert found is not None, "no start form on the briefing"
    return found.group(1)


if __name__ == "__main__":
    sys.exit(main())
