"""A large scenario's path analysis in a process of its own, started by the scenario page
(`authoring.analysis`): `python -m simulator.analysis_job SOURCE SECONDS [MEGABYTES]` reads
the scenario's text from SOURCE (`<digest>.source`), writes the summary beside it as
`<digest>.json`, and removes SOURCE and the `<digest>.running` marker. Past SECONDS, or
at MEGABYTES of memory, it stops and writes why; its memory is the operating system's
again when it exits."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from types import FrameType

from .authoring import REST_COMPLETE, TOO_MANY_STATES, Summary, store, summarise
from .scenarios import load_text, memory_limited


class _OutOfTime(Exception):
    pass


def _out_of_time(_signal: int, _frame: FrameType | None) -> None:
    raise _OutOfTime


def main(source: Path, seconds: int, megabytes: int | None = None) -> None:
    digest = source.name.removesuffix(".source")
    try:
        signal.signal(signal.SIGALRM, _out_of_time)
        signal.alarm(seconds)
        summary: Summary | None = None
        try:
            with memory_limited(megabytes):  # an allocation past it is a MemoryError
                loaded = load_text(source.read_text(encoding="utf-8"), source.name)
                if loaded.scenario is None:
                    summary = Summary(stopped="The analysis could not run: the file does not load.")
                else:
                    summary = summarise(loaded.scenario, loaded.digest)
        except _OutOfTime:
            summary = Summary(
                stopped=f"The analysis was stopped after {seconds} seconds, before it had "
                f"explored every path. {TOO_MANY_STATES} {REST_COMPLETE}"
            )
        except MemoryError:
            pass  # said below: here the error's frames still hold the exploration's memory
        finally:
            signal.alarm(0)
        if summary is None:
            summary = Summary(
                stopped="The analysis was stopped at its memory limit"
                + (f" ({megabytes:,} MB)" if megabytes else "")
                + f", before it had explored every path. {TOO_MANY_STATES} {REST_COMPLETE}"
            )
        store(summary, source.with_name(f"{digest}.json"))
    finally:  # the marker last: while it stands, the job counts as running
        for leftover in (".source", ".log", ".running"):
            source.with_name(digest + leftover).unlink(missing_ok=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else None)
