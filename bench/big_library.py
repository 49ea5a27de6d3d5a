"""A large scenario library behind the production server: how long `rapport serve` takes to
answer, and what the catalog costs, with N scenario files against the bundled library.

Each round writes N small, valid scenarios (the contract's example under new ids) to a
temporary folder, starts `rapport serve --workers 2` on loopback with a fresh instance
folder, waits for `GET /health`, then fetches the catalog several times (the first ones
land on each worker in turn). The baseline is the same run with the bundled scenarios,
in the same invocation. Reported: seconds to the first /health, the first and the warm
catalog's seconds and bytes, and the ratios large / bundled.

Run:  .venv/bin/python bench/big_library.py              (5,000 files)
      .venv/bin/python bench/big_library.py --files 1000 --json
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "tests" / "data" / "coat-still-on.yaml"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_library(folder: Path, files: int) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for n in range(files):
        (folder / f"s{n:05d}.yaml").write_text(
            text.replace("id: coat-still-on", f"id: s{n:05d}").replace(
                "title: Coat Still On", f"title: Coat {n:05d}"
            ),
            encoding="utf-8",
        )


def fetch(url: str) -> tuple[float, int]:
    began = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        size = len(response.read())
    return time.perf_counter() - began, size


def measure(scenarios: Path, catalogs: int) -> dict[str, float]:
    port = free_port()
    with tempfile.TemporaryDirectory() as instance:
        env = {
            **os.environ,
            "RAPPORT_SCENARIO_DIR": str(scenarios),
            "RAPPORT_INSTANCE_DIR": instance,
        }
        env.pop("RAPPORT_DATABASE_URL", None)
        began = time.perf_counter()
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "rapport"), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while True:
                try:
                    fetch(f"http://127.0.0.1:{port}/health")
                    break
                except OSError:
                    if server.poll() is not None:
                        sys.exit("the server stopped at start")
                    time.sleep(0.1)
            up = time.perf_counter() - began
            pages = [fetch(f"http://127.0.0.1:{port}/") for _ in range(catalogs)]
            times = [seconds for seconds, _ in pages]
            sizes = [size for _, size in pages]
        finally:
            server.terminate()
            server.wait(timeout=30)
    return {
        "start_s": round(up, 2),
        "first_catalog_s": round(max(times[:2]), 3),  # each of the two workers' first
        "warm_catalog_s": round(min(times[2:]), 3),
        "catalog_bytes": sizes[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--catalogs", type=int, default=6)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        write_library(Path(folder), args.files)
        bundled = measure(ROOT / "scenarios", args.catalogs)
        large = measure(Path(folder), args.catalogs)
    ratios = {key: round(large[key] / bundled[key], 1) for key in bundled if bundled[key]}
    result = {"files": args.files, "bundled": bundled, "large": large, "ratio": ratios}
    if args.json:
        print(json.dumps(result))
        return
    for name in ("bundled", "large"):
        print(name, result[name])
    print("large / bundled", ratios)


if __name__ == "__main__":
    main()
