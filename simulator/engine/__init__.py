"""The pure core: scenario model, conditions, play, analysis and debrief. No I/O here.

Callers use this front door; the modules behind it are the engine's own business."""

from .analysis import Analysis, EndingReport, Problem, StateLimit, analyze, check, lint
from .conditions import ConditionError
from .conditions import parse as parse_condition
from .debrief import (
    OUTCOME_WORDS,
    Debrief,
    Reactions,
    ScenarioSummary,
    changes_sentence,
    first_name,
    moment_name,
)
from .debrief import build as build_debrief
from .graph import edges_of, to_dot, to_mermaid
from .model import METERS, OUTCOMES, QUALITIES, Choice, Meters, Scenario, Scene
from .play import (
    WORDS_LIMIT,
    NotOffered,
    PlayError,
    Rupture,
    State,
    Step,
    ask_hint,
    asks,
    choose,
    choose_offered,
    choose_reply,
    offered,
    play_through,
    replay,
    reply_id,
    shown,
    start,
    summary,
    write,
)
from .schema import scenario_schema
from .surface import STRATEGY_WORDS, StrategyRun, best_outcome, early_limits, strategies

__all__ = [
    "METERS",
    "OUTCOMES",
    "OUTCOME_WORDS",
    "QUALITIES",
    "STRATEGY_WORDS",
    "WORDS_LIMIT",
    "Analysis",
    "Choice",
    "ConditionError",
    "Debrief",
    "EndingReport",
    "Meters",
    "NotOffered",
    "PlayError",
    "Problem",
    "Reactions",
    "Rupture",
    "Scenario",
    "ScenarioSummary",
    "Scene",
    "State",
    "StateLimit",
    "Step",
    "StrategyRun",
    "analyze",
    "ask_hint",
    "asks",
    "best_outcome",
    "build_debrief",
    "changes_sentence",
    "check",
    "choose",
    "choose_offered",
    "choose_reply",
    "early_limits",
    "first_name",
    "lint",
    "moment_name",
    "offered",
    "parse_condition",
    "play_through",
    "replay",
    "reply_id",
    "scenario_schema",
    "shown",
    "start",
    "strategies",
    "summary",
    "edges_of",
    "to_dot",
    "to_mermaid",
    "write",
]
