"""The JSON Schema of the scenario format, generated from the model."""

from __future__ import annotations

from typing import Any

from .model import Scenario

DESCRIPTIONS: dict[str, dict[str, str]] = {
    "Scenario": {
        "format": "The format version: 1.",
        "id": "A slug (a-z, 0-9, '-'), at most 100 characters, unique in the library.",
        "title": "Shown in the catalog.",
        "summary": "One or two sentences for the catalog.",
        "difficulty": "beginner, intermediate or advanced.",
        "minutes": "Estimated play time in minutes.",
        "objectives": "What the trainee should practise; shown in the briefing.",
        "therapist": "Who the trainee is in this scenario (role, setting, any fact a dilemma "
        "depends on); shown in the briefing.",
        "jurisdiction": "Where the session takes place in law, e.g. England (UK) or California "
        "(USA); shown in the briefing. Confidentiality, risk and safeguarding guidance in the "
        "file must fit it.",
        "meters": "Starting values, 0..100; each defaults to 50.",
        "start": "The id of the first scene.",
        "scenes": "Scene id -> scene. A scene is a choice scene, a pass-through or an ending.",
        "rules": "Checked after every choice, in order; the first that holds sends play to its goto.",
        "content_warnings": "Shown in the catalog and the briefing before play starts.",
        "references": "The research the scenario draws on.",
    },
    "Scene": {
        "cue": "Narration or a nonverbal cue, shown before the client's words.",
        "client": "What the client says (choice scenes).",
        "choices": "What the trainee can say (choice scenes).",
        "fallback": "Where play goes when no choice is offered.",
        "next": "Pass-through: the first rule whose `when` holds sends play on; the last has no `when`.",
        "ending": "The ending's title: a scene with `ending` ends the run.",
        "outcome": "excellent, good, mixed or poor.",
        "text": "What happens after the ending.",
        "moment": "A key moment: rupture, self-disclosure or safety.",
        "rupture": "withdrawal or confrontation (required with moment: rupture).",
        "thought": "What the client feels but does not say; revealed in the debrief.",
        "hint": "A coaching hint a trainee may ask for in practice mode.",
        "repair_accepted": "true: entering this scene means the client has taken up the repair "
        "invited. Once a scenario has such a scene, `repairs` only invites a repair, and it "
        "is credited here.",
    },
    "Therapist": {
        "role": "Who you are, e.g. a second-year trainee counsellor on placement.",
        "setting": "Where you work, e.g. a university counselling service.",
        "facts": "Any fact about yourself that a dilemma depends on, e.g. whether you are in "
        "recovery.",
    },
    "Choice": {
        "say": "What the trainee says.",
        "goto": "The next scene id.",
        "effects": "Meter deltas, e.g. {trust: -10}.",
        "feedback": "Why this choice helps or hurts, in the language of the field.",
        "quality": "strong, adequate, weak or harmful.",
        "skill": "A free tag: reflection, open-question, self-disclosure, ...",
        "when": "A condition: the choice is offered only while it holds.",
        "rupture": "withdrawal or confrontation: choosing this opens a rupture.",
        "repairs": "true: choosing this repairs the oldest open rupture; withdrawal or "
        "confrontation: the oldest open rupture of that type. Where the scenario has "
        "`repair_accepted` scenes, it invites the repair and the client takes it up there.",
        "disclosure": "How much is shared: decline, deflect, brief, extended or excessive.",
        "disclosure_type": "What kind of disclosure (Hill & Knox): facts (or credentials), "
        "feelings, insight, strategies, reassurance (or support), challenge or immediacy.",
        "also": "Other ways a trainee might put this reply in their own words (1 to 10, each "
        "up to 300 characters): used to match typed words, never shown in play.",
    },
}


def scenario_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) for scenario files, with descriptions for editors."""
    schema = Scenario.model_json_schema()
    defs = schema.setdefault("$defs", {})
    for name, notes in DESCRIPTIONS.items():
        target = schema if name == "Scenario" else defs[name]
        for key, text in notes.items():
            target["properties"][key]["description"] = text
    names = schema["properties"]["scenes"]
    [pattern] = names["patternProperties"]
    # scene ids are slugs: without this, a key such as `Bad Scene` matched no pattern and
    # editors let it pass
    names.setdefault("propertyNames", {})["pattern"] = pattern
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
        "title": "Rapport scenario, format 1",
        "description": "A branching therapy-training scenario for the Rapport simulator.",
    }
