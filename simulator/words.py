"""Every label the pages show for a stored value, once: outcomes, key moments, meters,
scene kinds, progress, and how often live views poll."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask

from .engine import METERS, OUTCOME_WORDS

if TYPE_CHECKING:
    from .standings import Standing

# what a trainee reads for each outcome ("poor" describes the client, never the trainee):
# the debrief's own table, so the pages, the debrief and the exports say the same
OUTCOMES = OUTCOME_WORDS
# the instructor's scenario page names the grade an author gave the ending
OUTCOME_GRADES = {**OUTCOMES, "poor": "Poor"}
MOMENTS = {
    "rupture": "Rupture",
    "self-disclosure": "Self-disclosure dilemma",
    "safety": "Safety check",
}
METER_WORDS = {meter: meter.capitalize() for meter in METERS}
# what each meter stands for, in a trainee's words (docs/authoring.md has the long form)
METER_DEFINITIONS = {
    "authenticity": "Genuineness: honest, here-and-now replies, and owning a mistake without "
    "getting defensive.",
    "attentiveness": "Empathy: tracking what the client feels, including what goes unsaid, and "
    "noticing the signs that the alliance is strained.",
    "positivity": "Positive regard and collaboration: warmth, hope, and respect for the "
    "client's own choices.",
    "trust": "The alliance as a whole: the bond, the client's sense of safety, reliability and "
    "boundaries.",
}
METER_START = 50  # where a meter starts unless the scenario says otherwise
# how a reply's quality reads in practice mode; the mark means the pill never relies on colour
QUALITY_WORDS = {
    "strong": ("✓", "Strong reply"),
    "adequate": ("~", "Adequate reply"),
    "weak": ("!", "Weak reply"),
    "harmful": ("✕", "Harmful reply"),
}
SCENE_KINDS = {"choice": "Choice scene", "pass": "Pass-through", "ending": "Ending"}
POLL_SECONDS = 2
POLL = f"every {POLL_SECONDS}s"  # the hx-trigger of the live views while a class is open


def count_choices(steps: int) -> str:
    """A count of choices in words: '1 choice', '3 choices'."""
    return f"{steps} {'choice' if steps == 1 else 'choices'}"


def run_progress(cell: tuple[bool, int] | None) -> str:
    """One scenario's progress in words, from (finished, choices) or None before a start:
    'Not started', 'Playing · 1 choice', 'Finished · 3 choices'."""
    if cell is None:
        return "Not started"
    finished, steps = cell
    return f"{'Finished' if finished else 'Playing'} · {count_choices(steps)}"


def progress(row: Standing, scenarios: int) -> str:
    """A row's progress in words: 'Playing · 3 choices', '1 of 2 finished · 9 choices'."""
    if not row.runs:
        return "Not started"
    if scenarios > 1:
        return f"{row.finished} of {scenarios} finished · {count_choices(row.steps)}"
    return f"{'Finished' if row.finished else 'Playing'} · {count_choices(row.steps)}"


def init_app(app: Flask) -> None:
    """Offer the words to every template, so no view has to pass them."""
    app.jinja_env.globals.update(
        outcome_words=OUTCOMES,
        outcome_grades=OUTCOME_GRADES,
        moment_words=MOMENTS,
        meter_words=METER_WORDS,
        meter_definitions=METER_DEFINITIONS,
        meter_start=METER_START,
        quality_words=QUALITY_WORDS,
        scene_kinds=SCENE_KINDS,
        poll_seconds=POLL_SECONDS,
        progress=progress,
        count_choices=count_choices,
        run_progress=run_progress,
    )
