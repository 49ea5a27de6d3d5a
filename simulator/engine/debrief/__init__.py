"""The debrief: a run's steps and final state -> one Debrief value the host only displays.

The structure follows PEARLS and advocacy-inquiry as clinical-grounding.md describes: a safe
opener, the trainee's reactions, the session at a glance, the client's side, two or three key
moments chosen by rule, a strength, one pattern, one take-away and a next scenario. Every
sentence here describes behaviour, pairs an observation with a question, and never grades the
person; words the client or the trainee said are always inside curly quotes.

The modules, by kind of content: `values` (the frozen report values), `words` (phrase tables
and text helpers), `replay` (the offers at each step, where ruptures opened and closed),
`overview` (the session at a glance), `review` (key moments chosen and reviewed, the client's
side) and `coaching` (strengths, pattern, growth edge, take-away, next scenario).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..model import Scenario
from ..play import State, Step
from .coaching import coach, suggest
from .overview import (
    check_in,
    disclosures,
    hints,
    moments,
    opener,
    path_steps,
    skills_used,
    timeline,
)
from .replay import replayed_offers, rupture_reports
from .review import client_side, reviews
from .values import (
    Alternative,
    CheckIn,
    CheckInItem,
    ClientView,
    Debrief,
    DisclosureReport,
    Growth,
    HintReport,
    KeyMoment,
    Notes,
    PathStep,
    Pattern,
    Point,
    Reactions,
    Review,
    RuptureReport,
    ScenarioSummary,
    SkillCount,
    Skills,
    Strength,
    Suggestion,
    Summary,
    Takeaway,
)
from .words import (
    CHECKIN_FALL,
    CHECKIN_RISE,
    CHECKIN_WORDS,
    CONFRONTATION_MARKERS,
    DIRECTIONS,
    DISCLOSURE_LESSONS,
    DISCLOSURE_NAMES,
    DISCLOSURE_NOTES,
    DISCLOSURE_TYPE_WORDS,
    EFFECTS,
    EXPLAINING,
    FIXING,
    FOCUS_WORDS,
    LEVELS,
    MOMENT_LABELS,
    MOVING_ON,
    OUTCOME_WORDS,
    QUALITY_RANK,
    REPAIR_NAMES,
    RUPTURE_LESSONS,
    SAFETY_LESSON,
    SKILL_LESSONS,
    SKILL_PHRASES,
    WITHDRAWAL_MARKERS,
    changes_sentence,
    disclosure_type_sentence,
    effect_of,
    first_name,
    marker_name,
    marker_sentence,
    moment_name,
    net,
    question_in,
    quote,
    sentences,
    skill_phrase,
    stop,
    weight,
    whole,
)

# the names the single-module debrief had: every import of them keeps working
__all__ = [
    "Alternative",
    "CHECKIN_FALL",
    "CHECKIN_RISE",
    "CHECKIN_WORDS",
    "CONFRONTATION_MARKERS",
    "CheckIn",
    "CheckInItem",
    "ClientView",
    "DIRECTIONS",
    "DISCLOSURE_LESSONS",
    "DISCLOSURE_NAMES",
    "DISCLOSURE_NOTES",
    "DISCLOSURE_TYPE_WORDS",
    "Debrief",
    "DisclosureReport",
    "EFFECTS",
    "EXPLAINING",
    "FIXING",
    "FOCUS_WORDS",
    "Growth",
    "HintReport",
    "KeyMoment",
    "LEVELS",
    "MOMENT_LABELS",
    "MOVING_ON",
    "Notes",
    "OUTCOME_WORDS",
    "PathStep",
    "Pattern",
    "Point",
    "QUALITY_RANK",
    "REPAIR_NAMES",
    "RUPTURE_LESSONS",
    "Reactions",
    "Review",
    "RuptureReport",
    "SAFETY_LESSON",
    "SKILL_LESSONS",
    "SKILL_PHRASES",
    "ScenarioSummary",
    "SkillCount",
    "Skills",
    "Strength",
    "Suggestion",
    "Summary",
    "Takeaway",
    "WITHDRAWAL_MARKERS",
    "build",
    "changes_sentence",
    "disclosure_type_sentence",
    "check_in",
    "effect_of",
    "first_name",
    "marker_name",
    "marker_sentence",
    "moment_name",
    "net",
    "question_in",
    "quote",
    "sentences",
    "skill_phrase",
    "skills_used",
    "stop",
    "suggest",
    "weight",
    "whole",
]


def build(
    scenario: Scenario,
    steps: Sequence[Step],
    state: State,
    library: Sequence[ScenarioSummary] = (),
    reactions: Reactions | None = None,
) -> Debrief:
    """The debrief of a run: everything from the opener to the next scenario, as one value."""
    ordered = sorted(steps, key=lambda s: s.number)
    offers = replayed_offers(scenario, ordered, state)
    ruptures = rupture_reports(scenario, ordered, state)
    key_moments = reviews(scenario, ordered, ruptures, offers)
    key_of = {review.step: review.number for review in key_moments}
    skills = skills_used(ordered)
    advice = coach(scenario, ordered, state, ruptures, skills, offers, library)
    ending = scenario.scenes[state.scene] if state.finished else None
    outcome = ending.outcome if ending else None
    return Debrief(
        scenario=scenario.id,
        title=scenario.title,
        client=scenario.client.name,
        therapist=scenario.therapist,
        jurisdiction=scenario.jurisdiction,
        finished=state.finished,
        ending=state.scene if ending else None,
        ending_title=ending.ending if ending else None,
        outcome=outcome,
        outcome_words=OUTCOME_WORDS.get(outcome) if outcome else None,
        ending_text=ending.text if ending else None,
        opener=opener(scenario, ruptures),
        reactions=reactions,
        path=path_steps(scenario, ordered, state, offers, key_of),
        timeline=timeline(ordered, state),
        moments=moments(scenario, ordered, ruptures),
        checkin=check_in(scenario, state.meters.as_dict()),
        skills=skills,
        client_side=client_side(scenario, ordered, key_of),
        key_moments=key_moments,
        ruptures=ruptures,
        disclosures=disclosures(scenario, ordered),
        hints=hints(scenario, state),
        strengths=advice.strengths,
        pattern=advice.pattern,
        takeaway=advice.takeaway,
        next=advice.next,
        growth=advice.growth,
        summary=advice.summary,
        after=ending.after if ending else None,
    )
