"""The debrief's words: phrase tables and the small text helpers every part writes with.

Every sentence here describes behaviour and never grades the person; words the client or
the trainee said are always inside curly quotes.
"""

from __future__ import annotations

import re

from ..model import METERS, Scenario, Scene

DISCLOSURE_NOTES: dict[str, str] = {
    "decline": "a warm, transparent decline: the question is honoured without an answer",
    "deflect": "a deflection: the question is set aside without saying why",
    "brief": "a brief, purposeful disclosure that returns the focus to the client",
    "extended": "a longer or more personal disclosure than the moment needed",
    "excessive": "a disclosure in which the therapist's own needs take over",
}

DISCLOSURE_NAMES: dict[str, str] = {
    "decline": "warm decline",
    "deflect": "deflection",
    "brief": "brief disclosure",
    "extended": "extended disclosure",
    "excessive": "over-disclosure",
}

# Hill & Knox's types of disclosure, in plain words: what kind of thing was shared
DISCLOSURE_TYPE_WORDS: dict[str, str] = {
    "facts": "facts about yourself or your credentials (your training, experience or life)",
    "feelings": "your own feelings, now or in the past",
    "insight": "something you came to understand through your own experience",
    "strategies": "something that has worked for you, offered as a possible way forward",
    "reassurance": "reassurance or support: that you understand or share the client's view",
    "challenge": "your own view, offered to question the client's",
    "immediacy": "immediacy: your here-and-now reaction to the client and what is "
    "happening between you",
}


def disclosure_type_sentence(kind: str | None) -> str:
    """The Hill & Knox type of a disclosure as a sentence, or "" for an untagged one."""
    words = DISCLOSURE_TYPE_WORDS.get(kind or "")
    return f"Of the kinds of disclosure Hill and Knox describe, it shared {words}." if words else ""


MOMENT_LABELS: dict[str, str] = {
    "rupture": "Rupture",
    "repair": "Repair",
    "self-disclosure": "Self-disclosure dilemma",
}

# What everyone reads for an ending's outcome, the same on the ending page, the debrief,
# the class views and the exports: "poor" describes the client, never the trainee.
OUTCOME_WORDS: dict[str, str] = {
    "excellent": "Excellent",
    "good": "Good",
    "mixed": "Mixed",
    "poor": "The client disengaged",
}

LEVELS: tuple[str, ...] = ("beginner", "intermediate", "advanced")
QUALITY_RANK: dict[str | None, int] = {"strong": 4, "adequate": 3, None: 2, "weak": 1, "harmful": 0}

# Skill tags as noun phrases for prose ("your reply was a reflection").
SKILL_PHRASES: dict[str, str] = {
    "reflection": "a reflection",
    "open-question": "an open question",
    "closed-question": "a closed question",
    "metacommunication": "metacommunication, talking about what was happening between you",
    "reassurance": "reassurance",
    "advice": "advice",
    "structuring": "a move to structure the session",
    "justification": "an explanation of your side",
    "interpretation": "an interpretation",
    "validation": "validation",
    "affirmation": "an affirmation",
    "self-disclosure": "a self-disclosure",
    "collaboration": "an invitation to work on it together",
    "information": "information",
    "rationale": "a rationale",
    "boundary": "a boundary",
    "confrontation": "a challenge",
    "closing": "a move to close",
    "immediacy": "immediacy",
    "apology": "an apology",
    "request": "a request",
    "persuasion": "persuasion",
    "defending": "a defence of your position",
    "risk-assessment": "a check on safety",
    "safety-planning": "safety planning",
    "frame-check": "a check on the setting",
    "summary": "a summary",
    "psychoeducation": "psychoeducation",
    "normalising": "normalising",
    "goal-setting": "goal setting",
    "conceptualisation": "a formulation",
}

# Replies that explain or argue, and replies that move on: the two habits worth naming
# after a confrontation and a withdrawal (3RS: "defending", "redirecting without acknowledgement").
EXPLAINING = {"justification", "information", "defending", "persuasion", "confrontation"}
MOVING_ON = {"structuring", "advice", "reassurance", "closed-question", "closing"}
FIXING = {"advice", "reassurance"}

# Rupture markers named as the 3RS does, found by phrases in the client's line. A line that
# matches nothing is named by the rupture's direction alone.
WITHDRAWAL_MARKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "denial",
        (
            "it's fine",
            "i'm fine",
            "it doesn't matter",
            "doesn't matter",
            "not a big deal",
            "no big deal",
            "i'm not upset",
            "course not",
            "forget i said",
            "forget it",
            "never mind",
            "been fine",
        ),
    ),
    (
        "giving up",
        ("what's the point", "isn't going to help", "won't help", "no point", "down the drain"),
    ),
    (
        "deferential agreement",
        (
            "whatever you think",
            "you're right",
            "if you say so",
            "you know best",
            "sounds really good",
            "i'll try",
        ),
    ),
    (
        "caretaking the therapist",
        (
            "are you alright",
            "are you okay",
            "are you... okay",
            "i'm so sorry",
            "sounds really rough",
        ),
    ),
    ("topic shift", ("anyway.", "can we just talk about")),
    ("abstract talk", ("you know how it is", "people in general", "stuff like that")),
)
CONFRONTATION_MARKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("defending against the therapist", ("my fault", "so you're saying", "blame", "labelled")),
    (
        "complaint about the therapist",
        (
            "you don't get it",
            "you don't care",
            "you're paid",
            "you'll forget me",
            "you're telling me this now",
            "you're just",
            "what do you know",
            "there you go again",
            "when you say",
        ),
    ),
    (
        "complaint about the activities of therapy",
        ("worksheet", "homework", "waste of time", "pointless", "check the box"),
    ),
    ("control and pressure", ("just tell me", "tell me what to do", "fix this")),
)
DIRECTIONS = {"withdrawal": "moving away", "confrontation": "moving against"}

REPAIR_NAMES: dict[str, str] = {
    "metacommunication": "exploratory repair through metacommunication",
    "immediacy": "exploratory repair through immediacy",
    "reflection": "repair by reflecting the client's experience",
    "validation": "repair by validating the client's experience",
    "apology": "repair by acknowledging your part",
    "rationale": "immediate repair: giving a rationale",
    "collaboration": "immediate repair: renegotiating the task",
}

FOCUS_WORDS: dict[str, str] = {
    "withdrawal": "noticing and repairing withdrawal",
    "confrontation": "staying with a client's confrontation",
    "self-disclosure": "answering a client's personal question",
}


CHECKIN_WORDS: dict[str, tuple[str, str, str]] = {
    # high, middle, low: the client's words, never an instrument's items
    "attentiveness": (
        "I felt heard.",
        "I felt heard some of the time.",
        "I'm not sure you got it.",
    ),
    "trust": (
        "I felt safe enough to say what mattered.",
        "I held some things back.",
        "I didn't feel safe saying much.",
    ),
    "positivity": (
        "It felt like we were working on it together.",
        "I'm not sure where this is going.",
        "It felt like things were being decided for me.",
    ),
    "authenticity": (
        "You seemed real with me.",
        "Sometimes it felt a bit like a script.",
        "I couldn't tell what you really thought.",
    ),
}


CHECKIN_RISE = 10  # a meter this far above where the scenario started reads "high"
CHECKIN_FALL = (
    -5
)  # and further below than this, "low": scenarios start their clients in different places


# Lessons for a growth edge, by the kind of moment it was, then by the reply's skill.
RUPTURE_LESSONS: dict[str, str] = {
    "withdrawal": (
        "When a client's words and manner pull apart, try naming the gap tentatively and "
        "inviting their reaction before going back to the plan."
    ),
    "confrontation": (
        "When a client pushes back, look for the grain of truth in what they say and "
        "acknowledge your part before you explain."
    ),
}
DISCLOSURE_LESSONS: dict[str, str] = {
    "extended": (
        "Keep a disclosure to a sentence or two, then turn the focus back to the client and "
        "check how it landed."
    ),
    "excessive": (
        "Before answering a personal question, ask whose need the answer would meet; keep it "
        "brief and bring the focus back to the client."
    ),
    "deflect": (
        "When a client asks something personal, a brief answer or a warm decline that says "
        "why both keep the door open; either works better than setting it aside."
    ),
}
SKILL_LESSONS: dict[str, str] = {
    "advice": "Before offering advice, try one reflection of what the client just said.",
    "reassurance": "Before offering reassurance, try one reflection of what the client just said.",
    "closed-question": "Where a closed question would narrow the answer, try an open question or a reflection.",
    "justification": "Before explaining your side, acknowledge what the client heard and your part in it.",
    "defending": "Before explaining your side, acknowledge what the client heard and your part in it.",
    "persuasion": "Before persuading, ask what the client makes of it; a choice they own lasts longer.",
    "interpretation": "Offer an interpretation only once the client feels heard, and tentatively.",
    "structuring": "Before moving the session on, check what the client makes of where you are.",
    "closing": "Before closing, check how the session was for the client.",
    "psychoeducation": (
        "Before explaining what a feeling means, reflect it: the explanation can wait until "
        "the client feels heard."
    ),
    "information": "Before giving information, reflect what the client just told you.",
    "normalising": (
        "Normalising can make a feeling sound smaller than it is; try reflecting what it is "
        "like for the client first."
    ),
    "self-disclosure": (
        "Before sharing something of your own, ask whose need it meets, and bring the focus "
        "back to the client."
    ),
}


# the page's own notes: the safe frame under the outcome, the chart's key, the check-in's frame
SAFE_NOTE = "Ruptures are part of real sessions, and often more than one reply would work."
CHART_KEY = "Dashed lines: ruptures (red), repairs (green), personal questions (blue)."
CHECKIN_CAVEAT = "A teaching sketch: it does not predict how a real client would do."


def rewound_note(branched_at: int) -> str:
    """The note on a session rewound from an earlier one after `branched_at` choices."""
    choices = "choice" if branched_at == 1 else "choices"
    return (
        f"This session was rewound from an earlier one: it replays that session's first "
        f"{branched_at} {choices}, then follows a new path from choice {branched_at + 1}."
    )


SAFETY_LESSON = (
    "At a hint of risk, ask directly and calmly (thoughts, plans, what keeps them safe), then "
    "plan for safety together and agree follow-up."
)


# -- small helpers -------------------------------------------------------------------------


def first_name(name: str) -> str:
    """The name to use in prose: the first word of the client's name."""
    return name.split()[0] if name.split() else name


def sentences(text: str) -> list[str]:
    """A line split into sentences; an ellipsis ("Can I ask... are you") does not end one."""
    return [
        part for part in re.split(r"(?<=[?!])\s+|(?<=[^.]\.)\s+", " ".join(text.split())) if part
    ]


def quote(text: str, limit: int | None = 90) -> str:
    """A client's or trainee's words in curly quotes for the middle of a sentence: a long
    line is cut to its opening whole sentences (never inside one); a final full stop goes."""
    text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        kept = ""
        for sentence in sentences(text):
            joined = f"{kept} {sentence}".strip()
            if kept and len(joined) > limit:
                break
            kept = joined
            if len(kept) >= 12:
                break
        text = kept or text
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    return f"“{text}”"


def question_in(text: str, limit: int = 90) -> str:
    """The question a client asked, quoted: the longest sentence of the line that asks one."""
    asked = [s for s in sentences(text) if s.endswith("?") and len(s) <= limit]
    return quote(max(asked, key=len) if asked else text, limit)


def stop(text: str) -> str:
    """End a sentence with a full stop unless a quote inside it already ended with ? or !."""
    return text if re.search(r"[?!…]”$", text) else text + "."


def whole(text: str) -> str:
    """A whole line in curly quotes that ends a sentence, keeping its own final punctuation."""
    text = " ".join(text.split())
    return f"“{text}”" + ("" if text[-1:] in ".?!…" else ".")


def skill_phrase(skill: str | None) -> str:
    """A skill tag as a noun phrase for a sentence."""
    if skill is None:
        return "a reply without a skill tag"
    return SKILL_PHRASES.get(skill, f"a reply tagged {skill.replace('-', ' ')}")


def weight(changes: dict[str, int]) -> int:
    """How much a step moved the meters, trust counting twice (as in the alliance score)."""
    return sum(abs(v) for v in changes.values()) + abs(changes.get("trust", 0))


def net(changes: dict[str, int]) -> int:
    """The signed movement of a step, trust counting twice."""
    return sum(changes.values()) + changes.get("trust", 0)


def plural(count: int, word: str, many: str | None = None) -> str:
    """A count with its noun, e.g. '1 choice', '3 choices'."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


EFFECTS = ("helped", "mixed", "strained the alliance")


def effect_of(changes: dict[str, int]) -> str:
    """What a reply did, in words that describe the reply and never grade the person:
    'helped' (meters only rose), 'strained the alliance' (they only fell), else 'mixed'."""
    rose = any(delta > 0 for delta in changes.values())
    fell = any(delta < 0 for delta in changes.values())
    if rose and not fell:
        return "helped"
    if fell and not rose:
        return "strained the alliance"
    return "mixed"


def changes_sentence(changes: dict[str, int], after: dict[str, int]) -> str:
    """Meter changes in words, e.g. 'Trust rose by 5 to 40. Attentiveness fell by 5 to 45.'"""
    parts = []
    for meter in METERS:
        delta = changes.get(meter, 0)
        if delta:
            verb = "rose" if delta > 0 else "fell"
            parts.append(f"{meter.capitalize()} {verb} by {abs(delta)} to {after[meter]}.")
    return " ".join(parts) or "The meters did not move."


def marker_sentence(rupture_type: str, line: str | None) -> str | None:
    """The sentence of a client's line that carries its rupture marker, if a phrase names one."""
    for sentence in sentences(line or ""):
        lowered = sentence.lower()
        for markers in (WITHDRAWAL_MARKERS, CONFRONTATION_MARKERS):
            if any(phrase in lowered for _, phrases in markers for phrase in phrases):
                return sentence
    return None


def marker_name(rupture_type: str, line: str | None) -> str:
    """A rupture marker in 3RS terms from the client's words, e.g. 'withdrawal marker: denial'."""
    text = (line or "").lower().replace("’", "'")
    words = len(re.findall(r"[a-z']+", text))
    lists = (
        (
            rupture_type,
            WITHDRAWAL_MARKERS if rupture_type == "withdrawal" else CONFRONTATION_MARKERS,
        ),
        (
            "confrontation" if rupture_type == "withdrawal" else "withdrawal",
            CONFRONTATION_MARKERS if rupture_type == "withdrawal" else WITHDRAWAL_MARKERS,
        ),
    )
    for kind, markers in lists:
        for name, phrases in markers:
            if any(phrase in text for phrase in phrases):
                return f"{kind.capitalize()} marker: {name}"
    # a few words are a minimal response; in a confrontation only a very few (it may have
    # turned into withdrawal), since a short line can also be a sharp complaint
    if 0 < words <= (6 if rupture_type == "withdrawal" else 3):
        return "Withdrawal marker: minimal response"
    direction = DIRECTIONS.get(rupture_type, "a strain in the alliance")
    return f"{rupture_type.capitalize()} rupture: the client {direction}"


def moment_name(scene: Scene | None, scenario: Scenario) -> str | None:
    """What a key moment was, named once the trainee has answered it (never before), e.g.
    "That was a withdrawal marker: denial." None for a scene that is no key moment."""
    if scene is None or scene.moment is None:
        return None
    if scene.moment == "rupture" and scene.rupture is not None:
        name = marker_name(scene.rupture, scene.client)
        return f"That was a {name[0].lower()}{name[1:]}."
    return (
        f"That was a self-disclosure dilemma: {first_name(scenario.client.name)} asked "
        "about you, and how you answer changes whose needs the session meets."
    )
