"""Scenarios built in code for engine tests: no files, no YAML."""

from __future__ import annotations

from typing import Any

from simulator.engine.model import Scenario


def scenario(scenes: dict[str, Any], start: str | None = None, **top: Any) -> Scenario:
    """A valid scenario around these scenes; top-level keys may be overridden."""
    data: dict[str, Any] = {
        "format": 1,
        "id": "test",
        "title": "Test",
        "summary": "A scenario built in a test.",
        "difficulty": "beginner",
        "minutes": 5,
        "objectives": ["Practise."],
        "client": {"name": "Sam", "concern": "Testing."},
        "start": start or next(iter(scenes)),
        "scenes": scenes,
    }
    data.update(top)
    return Scenario.model_validate(data)


def ask(say: str, goto: str, **extra: Any) -> dict[str, Any]:
    """A choice dict."""
    return {"say": say, "goto": goto, **extra}


def talk(*choices: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A choice scene dict."""
    return {"client": "Hm.", "choices": list(choices), **extra}


def end(outcome: str = "good", **extra: Any) -> dict[str, Any]:
    """An ending scene dict."""
    return {"ending": f"A {outcome} ending", "outcome": outcome, **extra}
