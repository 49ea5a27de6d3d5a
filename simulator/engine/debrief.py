"""The debrief: a run's steps and final state -> one Debrief value the host only displays.

The structure follows PEARLS and advocacy-inquiry as clinical-grounding.md describes: a safe
opener, the trainee's reactions, the session at a glance, the client's side, two or three key
moments chosen by rule, a strength, one pattern, one take-away and a next scenario. Every
sentence here describes behaviour, pairs an observation with a question, and never grades the
person; words the client or the trainee said are always inside curly quotes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict, Field

from .model import METERS, Choice, Scenario, Scene
from .play import State, Step, offered, replay

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


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Alternative(_Value):
    """A reply that was on offer at a step but not chosen."""

    say: str
    feedback: str | None = None
    quality: str | None = None
    skill: str | None = None


class PathStep(_Value):
    """One choice as the debrief tells it: where, what was said, how it landed."""

    number: int
    scene: str
    cue: str | None = None
    client: str | None = None
    moment: str | None = None
    say: str
    written: str | None = None  # what the trainee first wrote in their own words
    quality: str | None = None
    skill: str | None = None
    feedback: str | None = None
    changes: dict[str, int]
    after: dict[str, int]
    thought: str | None = None
    opened: str | None = None
    repaired: bool = False
    disclosure: str | None = None
    hinted: bool = False
    stronger: tuple[Alternative, ...] = ()
    key: int | None = None  # the number of the key moment this step is, if it is one
    effect: str = "mixed"  # what the reply did, never a grade: see `effect_of`


class KeyMoment(_Value):
    """An event on the timeline: after which step, of what kind, and its label."""

    step: int
    kind: str  # rupture | repair | self-disclosure
    label: str


class RuptureReport(_Value):
    """One rupture: its type, where it opened and where (or whether) it was repaired."""

    type: str
    opened_at: str
    opened_line: str | None = None
    opened_step: int | None = None
    by_client: bool = False  # opened as the client reached a rupture moment, not by a reply
    repaired_at: str | None = None
    repaired_line: str | None = None
    repaired_step: int | None = None

    @property
    def repaired(self) -> bool:
        """Whether a later choice repaired this rupture."""
        return self.repaired_at is not None


class DisclosureReport(_Value):
    """A choice at a self-disclosure dilemma, with its category."""

    step: int
    scene: str
    client: str | None = None
    say: str
    category: str
    note: str
    quality: str | None = None
    feedback: str | None = None


class HintReport(_Value):
    """A hint the trainee asked for."""

    scene: str
    client: str | None = None
    hint: str


class CheckInItem(_Value):
    """One line of the client's end-of-session check-in, in the client's voice."""

    meter: str
    value: int
    level: str  # high | middle | low
    words: str


class CheckIn(_Value):
    """What the client might say at the end, written from the final meters by rule."""

    lines: tuple[CheckInItem, ...]
    note: str


class SkillCount(_Value):
    """How often one skill tag was used."""

    skill: str
    count: int


class Skills(_Value):
    """Counts of the skills used, from the choices' `skill` tags."""

    counts: tuple[SkillCount, ...] = ()
    reflections: int = 0
    questions: int = 0
    open_questions: int = 0
    closed_questions: int = 0
    untagged: int = 0
    ratio: str
    note: str


class ClientView(_Value):
    """The client's side of one moment: what they said beside what they thought."""

    step: int
    cue: str | None = None
    said: str | None = None
    thought: str | None = None
    reply: str
    then_said: str | None = None  # the client's next words, after the trainee's reply
    then_thought: str | None = None


class Review(_Value):
    """One key moment analysed: what happened, its name, an observation and a question,
    the meter impact and why, and the strongest other reply the scenario offered there."""

    number: int  # 1, 2 or 3, in the order of the session
    step: int
    reason: str  # rupture | self-disclosure | swing: the rule that chose it
    name: str  # in the field's terms, e.g. "Withdrawal marker: denial"
    client: str | None = None
    cue: str | None = None
    say: str
    written: str | None = None  # what the trainee first wrote in their own words
    marker: str | None = None  # the sentence of the client's line that carries the marker
    skill: str | None = None
    quality: str | None = None
    happened: str
    observation: str
    question: str
    impact: str
    why: str | None = None
    changes: dict[str, int]
    status: str | None = None  # for a rupture: repaired here, repaired later, or still open
    repaired: bool | None = None
    alternative: Alternative | None = None
    alternative_label: str | None = None


class Strength(_Value):
    """Something done well, named specifically."""

    step: int | None = None
    title: str
    detail: str
    said: str | None = None  # the detail's first sentence: what the client said, what you said


class Pattern(_Value):
    """One observation across the whole session, linked to a principle."""

    kind: str
    title: str
    detail: str
    principle: str


class Takeaway(_Value):
    """One thing to carry into the next session."""

    kind: str  # change | keep
    text: str


class Growth(_Value):
    """The growth edge: the reply that did the most harm (the lowest sum of meter changes,
    then the larger fall in trust), with what it did and the lesson to take from it."""

    step: int | None  # None for a safety moment the session never reached
    scene: str
    client: str | None = None
    say: str | None = None
    harmed: bool  # False when even this reply did the alliance no harm
    text: str  # what the reply did, in a sentence or two
    lesson: str  # the take-away, drawn from this step's moment or skill
    safety: bool = False  # a safety step was missed: it leads the first screen
    thought: str | None = None  # for a missed safety step, the client's unspoken thoughts
    model: Alternative | None = None  # for a missed safety step, what it would have been


class Point(_Value):
    """One line of the summary: the step it is about (None for the whole run) and its words."""

    step: int | None = None
    text: str


class Summary(_Value):
    """The debrief's first screen as data: the outcome, one strength, one growth edge."""

    outcome: str | None = None
    outcome_words: str | None = None
    strength: Point
    growth: Point | None = None


class ScenarioSummary(_Value):
    """What the debrief needs to know of another scenario in the library."""

    id: str
    title: str
    difficulty: str
    tags: tuple[str, ...] = ()
    summary: str = ""


class Suggestion(_Value):
    """The scenario to try next, and why."""

    id: str
    title: str
    difficulty: str
    reason: str


class Reactions(_Value):
    """The trainee's own reactions, asked for first."""

    rating: int = Field(ge=1, le=5)
    text: str | None = None
    at: str | None = None  # ISO 8601, set by the host


class Debrief(_Value):
    """Everything a debrief page shows, computed once from a run."""

    scenario: str
    title: str
    client: str
    finished: bool
    ending: str | None = None
    ending_title: str | None = None
    outcome: str | None = None
    outcome_words: str | None = None
    ending_text: str | None = None
    opener: tuple[str, ...] = ()
    reactions: Reactions | None = None
    path: tuple[PathStep, ...] = ()
    timeline: tuple[dict[str, int], ...] = ()  # start, then after each step
    moments: tuple[KeyMoment, ...] = ()  # ruptures, repairs and disclosures on the timeline
    checkin: CheckIn | None = None
    skills: Skills | None = None
    client_side: tuple[ClientView, ...] = ()
    key_moments: tuple[Review, ...] = ()
    ruptures: tuple[RuptureReport, ...] = ()
    disclosures: tuple[DisclosureReport, ...] = ()
    hints: tuple[HintReport, ...] = ()
    strengths: tuple[Strength, ...] = ()
    pattern: Pattern | None = None
    takeaway: Takeaway | None = None
    next: Suggestion | None = None
    growth: Growth | None = None
    summary: Summary | None = None
    after: str | None = None  # the ending's `after`: what the clinician does next

    @property
    def repaired(self) -> int:
        """How many ruptures were repaired."""
        return sum(1 for r in self.ruptures if r.repaired)

    def prose(self) -> list[str]:
        """Every sentence the debrief itself writes (not the scenario's or the trainee's
        words, which stay inside curly quotes): what a language check reads."""
        texts: list[str | None] = [self.outcome_words, *self.opener]
        if self.checkin:
            texts += [self.checkin.note, *(line.words for line in self.checkin.lines)]
        if self.skills:
            texts += [self.skills.ratio, self.skills.note]
        for review in self.key_moments:
            texts += [
                review.name,
                review.happened,
                review.observation,
                review.question,
                review.impact,
                review.status,
                review.alternative_label,
            ]
        texts += [d.note for d in self.disclosures]
        for strength in self.strengths:
            texts += [strength.title, strength.detail]
        if self.pattern:
            texts += [self.pattern.title, self.pattern.detail, self.pattern.principle]
        if self.takeaway:
            texts.append(self.takeaway.text)
        if self.growth:
            texts += [self.growth.text, self.growth.lesson]
        if self.after:
            texts.append(self.after)
        if self.next:
            texts.append(self.next.reason)
        texts += [m.label for m in self.moments]
        return [text for text in texts if text]


# -- small helpers -------------------------------------------------------------------------


def _line(scenario: Scenario, scene_id: str | None) -> str | None:
    if scene_id is None or scene_id not in scenario.scenes:
        return None
    return scenario.scenes[scene_id].client


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


def _plural(count: int, word: str, many: str | None = None) -> str:
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


# -- replaying the run ---------------------------------------------------------------------


def _replayed_offers(
    scenario: Scenario, steps: Sequence[Step], state: State
) -> list[list[int]] | None:
    """The choice indexes offered before each step, by replaying the run from its start;
    None when the replay does not match the record (a playtest started mid-scenario)."""
    replayed = replay(scenario, steps, state.seed)
    if replayed is None or replayed[0].meters != state.meters:
        return None
    return [[index for index, _ in offered(scenario, before)] for before in replayed[1]]


def _on_offer(scenario: Scenario, step: Step, offers: list[int] | None) -> list[tuple[int, Choice]]:
    """The other choices on offer when this step was made (best guess without a replay)."""
    choices = scenario.scenes[step.scene].choices or ()
    return [
        (index, choice)
        for index, choice in enumerate(choices)
        if index != step.choice and (index in offers if offers is not None else choice.when is None)
    ]


def _stronger(scenario: Scenario, step: Step, offers: list[int] | None) -> tuple[Alternative, ...]:
    if step.quality == "strong":
        return ()
    found = [
        Alternative(say=c.say, feedback=c.feedback, quality=c.quality, skill=c.skill)
        for _, c in _on_offer(scenario, step, offers)
        if c.quality == "strong"
    ]
    return tuple(found[:2])


def _best_other(
    scenario: Scenario, step: Step, offers: list[int] | None, rupture_open: bool
) -> Alternative | None:
    """The highest-quality other choice on offer: with a rupture open a repair comes first
    among equals, then the one that moves the meters most, then the scenario's order."""
    others = _on_offer(scenario, step, offers)
    if not others:
        return None
    _, best = max(
        others,
        key=lambda pair: (
            QUALITY_RANK.get(pair[1].quality, 2),
            rupture_open and pair[1].repairs,
            net({str(k): v for k, v in pair[1].effects.items()}),
            -pair[0],
        ),
    )
    return Alternative(say=best.say, feedback=best.feedback, quality=best.quality, skill=best.skill)


def _rupture_steps(
    scenario: Scenario, steps: Sequence[Step], state: State
) -> list[tuple[int | None, int | None, bool]]:
    """For each rupture of the state, the step numbers that opened and repaired it, and
    whether the client opened it (on reaching a rupture moment) rather than a reply.

    Follows the order of play for one choice: repairs, then the choice's own rupture,
    then rupture moments on entering scenes. A rupture open from the start has step 0.
    """
    marks: list[list[int | None]] = []
    by_client: list[bool] = []

    def enter(scene_ids: Sequence[str], number: int) -> None:
        for scene_id in scene_ids:
            scene = scenario.scenes.get(scene_id)
            opening = scene is not None and scene.moment == "rupture"
            if opening and not any(m[1] is None for m in marks):
                marks.append([number, None])
                by_client.append(True)

    # the trail is the start's scenes, then each step's `entered` in turn
    start_length = len(state.trail) - sum(len(step.entered) for step in steps)
    enter(state.trail[: max(0, start_length)], 0)
    for step in steps:
        if step.repaired:
            for mark in marks:
                if mark[1] is None:
                    mark[1] = step.number
                    break
        if step.opened:
            marks.append([step.number, None])
            by_client.append(False)
        enter(step.entered, step.number)
    if len(marks) != len(state.ruptures):
        return [(None, None, False)] * len(state.ruptures)
    return [(m[0], m[1], client) for m, client in zip(marks, by_client, strict=True)]


def _open_during(ruptures: Sequence[RuptureReport], number: int) -> list[RuptureReport]:
    """The ruptures open when step `number` was chosen."""
    return [
        r
        for r in ruptures
        if r.opened_step is not None
        and r.opened_step < number
        and (r.repaired_step is None or r.repaired_step >= number)
    ]


# -- the parts of a debrief ----------------------------------------------------------------


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


def _opener(scenario: Scenario, ruptures: Sequence[RuptureReport]) -> tuple[str, ...]:
    name = first_name(scenario.client.name)
    lines = [
        f"This debrief looks back at your session with {name}: what happened, how it may have "
        "felt from the other chair, and what you might try next. It is here to help you think, "
        "not to grade you.",
        "Ruptures happen in real sessions, even for experienced therapists, and noticing and "
        "repairing them is the skill this simulator practises. Often more than one reply would "
        "have worked.",
    ]
    if ruptures:
        words = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
        n = len(ruptures)
        count = f"{words[n - 1] if n <= 9 else n} rupture{'s' if n != 1 else ''}"
        lines.append(f"This session had {count}: that is part of the work, not a verdict on it.")
    return tuple(lines)


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


def check_in(scenario: Scenario, meters: dict[str, int]) -> CheckIn:
    """The client's end-of-session check-in, by rule from how far each meter moved from
    where the scenario started it."""
    lines = []
    for meter, (high, middle, low) in CHECKIN_WORDS.items():
        value = meters[meter]
        moved = value - scenario.meters.get(meter)
        level = "high" if moved >= CHECKIN_RISE else "middle" if moved >= CHECKIN_FALL else "low"
        words = {"high": high, "middle": middle, "low": low}[level]
        lines.append(CheckInItem(meter=meter, value=value, level=level, words=words))
    name = first_name(scenario.client.name)
    note = (
        f"Written by simple rules from where the meters ended, in {name}'s voice. It is a "
        "teaching sketch, not a measure, and it does not predict how a real client would do."
    )
    return CheckIn(lines=tuple(lines), note=note)


def skills_used(steps: Sequence[Step]) -> Skills:
    """Counts of the skills in this path, with the reflections-to-questions ratio."""
    tags = Counter(step.skill for step in steps if step.skill)
    reflections = sum(n for tag, n in tags.items() if "reflection" in tag)
    open_q = sum(n for tag, n in tags.items() if "question" in tag and "closed" not in tag)
    closed_q = sum(n for tag, n in tags.items() if "question" in tag and "closed" in tag)
    questions = open_q + closed_q
    if reflections == 0 and questions == 0:
        ratio = "No reflections or questions were tagged on this path."
    elif questions == 0:
        ratio = f"{_plural(reflections, 'reflection')} and no questions."
    elif reflections == 0:
        ratio = f"No reflections and {_plural(questions, 'question')}."
    else:
        ratio = f"{_plural(reflections, 'reflection')} to {_plural(questions, 'question')}."
    note = (
        "In motivational-interviewing coding, about one reflection per question is a common "
        "starting benchmark and two per question a stronger one. Here it is context for "
        "reflection, not a grade."
    )
    counts = tuple(
        SkillCount(skill=tag, count=n)
        for tag, n in sorted(tags.items(), key=lambda item: (-item[1], item[0]))
    )
    return Skills(
        counts=counts,
        reflections=reflections,
        questions=questions,
        open_questions=open_q,
        closed_questions=closed_q,
        untagged=sum(1 for step in steps if not step.skill),
        ratio=ratio,
        note=note,
    )


def _choose_key_steps(
    scenario: Scenario, steps: Sequence[Step], ruptures: Sequence[RuptureReport]
) -> list[tuple[int, str, RuptureReport | None]]:
    """At most three steps, by rule: ruptures first (the reply to each rupture's marker),
    then disclosure dilemmas, then the largest meter swings."""
    by_number = {step.number: step for step in steps}
    chosen: list[tuple[int, str, RuptureReport | None]] = []

    def add(number: int, reason: str, rupture: RuptureReport | None = None) -> None:
        if len(chosen) < 3 and all(n != number for n, _, _ in chosen):
            chosen.append((number, reason, rupture))

    # a safety moment, handled or passed by, is always a key moment
    for step in steps:
        if scenario.scenes[step.scene].moment == "safety":
            add(step.number, "safety")

    for rupture in ruptures:
        if rupture.opened_step is None:
            continue
        # the trainee's reply to the marker: the first step after the rupture opened
        after = [n for n in by_number if n > rupture.opened_step]
        if after:
            add(min(after), "rupture", rupture)
        elif rupture.opened_step in by_number:
            add(rupture.opened_step, "rupture", rupture)
    for step in steps:
        if step.disclosure or scenario.scenes[step.scene].moment == "self-disclosure":
            add(step.number, "self-disclosure")
    swings = sorted(steps, key=lambda s: (-weight(s.changes), s.number))
    for step in swings:
        if weight(step.changes) > 0:
            add(step.number, "swing")
    return sorted(chosen)


def _review(
    scenario: Scenario,
    step: Step,
    number: int,
    reason: str,
    rupture: RuptureReport | None,
    offers: list[int] | None,
    open_now: bool,
    rank: int = 1,
) -> Review:
    name = first_name(scenario.client.name)
    scene = scenario.scenes[step.scene]
    line = scene.client or ""
    happened = (f"{name} said {whole(line)} " if line else "") + f"You replied {whole(step.say)}"
    # the page quotes the client's line once, beside this review or at the top of the page,
    # so the review's own sentences refer to it rather than quote it again
    heard = "those words" if line else "nothing"
    marker = None
    if reason == "rupture" and rupture is not None:
        marker = marker_sentence(rupture.type, line)  # the sentence carrying the named marker
    skill = skill_phrase(step.skill)
    short = f": {skill_phrase(step.skill).split(',')[0]}" if step.skill else ""
    status: str | None = None
    repaired: bool | None = None

    if reason == "safety":
        handled = step.quality in ("strong", "adequate")
        title = "Safety check: " + ("made" if handled else "passed by")
        if handled:
            observation = f"When {name} said those words, your reply checked on {name}'s safety."
            question = "What told you it was time to ask, and how was it to ask directly?"
        else:
            observation = (
                f"Those words carried a risk cue, and the reply moved on without checking on "
                f"{name}'s safety."
            )
            question = "What might have made it hard to ask directly just then?"
    elif reason == "rupture" and rupture is not None:
        title = marker_name(rupture.type, line)
        if rupture.opened_step is not None and rupture.opened_step >= step.number:
            # the reply opened the rupture and the session ended before any answer to it
            title = f"{rupture.type.capitalize()} rupture: opened by this reply"
            observation = (
                f"Your reply came right after {name} said {heard}, and it opened a "
                f"{rupture.type} rupture as the session drew to a close."
            )
            question = f"What were you hoping that reply would do for {name}?"
        elif rupture.repaired_step == step.number:
            observation = (
                f"When {name} said {heard}, your reply was {skill}, and the rupture was "
                "repaired at this point."
            )
            question = "What did you notice that told you something had shifted between you?"
        elif rupture.repaired_step is not None:
            observation = (
                f"After {name} said {heard}, your reply was {skill}. The rupture stayed open "
                f"until choice {rupture.repaired_step}, when you came back to it."
            )
            question = f"What did you make of {heard} when you first heard it?"
        else:
            observation = (
                f"After {name} said {heard}, your reply was {skill}, and the rupture was "
                "still open when the session ended."
            )
            question = (
                f"What did you make of {heard} at that point, and what were you hoping "
                "your reply would do?"
            )
        repaired = rupture.repaired
        if rupture.repaired_step == step.number:
            how = REPAIR_NAMES.get(step.skill or "")
            status = f"Repaired here: {how}." if how else "Repaired here."
        elif rupture.repaired_step is not None:
            status = f"Repaired later, at choice {rupture.repaired_step}."
        else:
            status = "Still open when the session ended."
        if rupture.by_client and rupture.opened_step is not None:
            when = (
                "at the start"
                if rupture.opened_step == 0
                else f"before choice {rupture.opened_step + 1}"
            )
            status = f"Opened by {name} {when}. {status}"
        elif rupture.opened_step and rupture.opened_step < step.number:
            status = f"Opened by your reply at choice {rupture.opened_step}. {status}"
        elif rupture.opened_step == 0:
            status = f"Open from the start. {status}"
    elif reason == "self-disclosure":
        category = step.disclosure
        title = "Self-disclosure dilemma" + (
            f": {DISCLOSURE_NAMES.get(category, category)}" if category else short
        )
        asked = f"When {name} asked that question"
        if category == "brief":
            observation = f"{asked}, you answered briefly and turned the focus back to {name}."
            question = f"How do you think it landed for {name}, and how might you check?"
        elif category == "decline":
            observation = f"{asked}, you declined to answer and said why, keeping the door open."
            question = f"What did you imagine was behind {name}'s question?"
        elif category == "deflect":
            observation = f"{asked}, the question was set aside without an answer or a reason."
            question = f"What was going on for you as {name} asked, and what might {name} have needed to hear?"
        elif category == "extended":
            observation = (
                f"{asked}, your answer told more of your own story than the moment needed."
            )
            question = (
                f"Whose need did the longer answer meet, and how might it have come back to {name}?"
            )
        elif category == "excessive":
            observation = f"{asked}, the focus moved to your own experience."
            question = f"Whose need did this answer meet: {name}'s, or yours?"
        else:
            observation = f"{asked}, your reply was {skill}."
            question = f"What did you think {name} was asking for underneath the question?"
    else:
        largest = (
            "moved the meters more than any other in the session."
            if rank == 1
            else "brought one of the largest shifts in the meters in this session."
        )
        rising = net(step.changes) > 0
        title = ("Alliance-building moment" if rising else "Strain on the alliance") + short
        if rising:
            observation = stop(f"This reply {largest} It came right after {name} said {heard}")
            question = f"What did you pick up in {name}'s words that led you to it?"
        else:
            observation = stop(
                f"This reply {largest} It came right after {name} said {heard}, and "
                f"{name}'s trust {'did not grow' if step.changes.get('trust', 0) >= 0 else 'fell'}"
            )
            question = (
                f"What were you hoping the reply would do, and what did you notice in "
                f"{name}'s response?"
            )

    alternative = _best_other(scenario, step, offers, open_now)
    label = None
    if alternative is not None:
        mine = QUALITY_RANK.get(step.quality, 2)
        theirs = QUALITY_RANK.get(alternative.quality, 2)
        if theirs > mine:
            label = "A stronger reply the scenario offered here"
        elif theirs == mine:
            label = "Another reply that could also work here"
        else:
            label = "For contrast, another reply on offer here"
    return Review(
        number=number,
        step=step.number,
        reason=reason,
        name=title,
        client=scene.client,
        cue=scene.cue,
        say=step.say,
        written=step.written or None,
        marker=marker,
        skill=step.skill,
        quality=step.quality,
        happened=happened,
        observation=observation,
        question=question,
        impact=changes_sentence(step.changes, step.after.as_dict()),
        why=step.feedback,
        changes=step.changes,
        status=status,
        repaired=repaired,
        alternative=alternative,
        alternative_label=label,
    )


def _client_side(
    scenario: Scenario, steps: Sequence[Step], keys: Iterable[int]
) -> tuple[ClientView, ...]:
    """What the client said beside what they thought: at the key moments first, then (to
    show at least two) where trust fell most, since clients often hide negative reactions."""

    def view(step: Step) -> ClientView | None:
        scene = scenario.scenes[step.scene]
        rest = scenario.scenes.get(step.entered[-1]) if step.entered else None
        then_said = rest.client if rest is not None and rest.kind == "choice" else None
        then_thought = rest.thought if rest is not None and rest.kind == "choice" else None
        if not scene.thought and not then_thought:
            return None
        return ClientView(
            step=step.number,
            cue=scene.cue,
            said=scene.client,
            thought=scene.thought,
            reply=step.say,
            then_said=then_said,
            then_thought=then_thought,
        )

    by_number = {step.number: step for step in steps}
    views = [v for n in keys if n in by_number and (v := view(by_number[n])) is not None]
    if len(views) < 2:
        taken = {v.step for v in views}
        rest = sorted(
            (s for s in steps if s.number not in taken),
            key=lambda s: (s.changes.get("trust", 0), s.number),
        )
        for step in rest:
            if len(views) >= 2:
                break
            if (found := view(step)) is not None:
                views.append(found)
    views.sort(key=lambda v: v.step)
    # when the next view starts where this one's "then" would be, say it only once
    for i in range(len(views) - 1):
        if views[i + 1].step == views[i].step + 1:
            views[i] = views[i].model_copy(update={"then_said": None, "then_thought": None})
    return tuple(views)


def _strengths(
    scenario: Scenario, steps: Sequence[Step], ruptures: Sequence[RuptureReport], stayed: bool
) -> tuple[Strength, ...]:
    """One or two things done well, specifically; always at least one."""
    name = first_name(scenario.client.name)
    found: list[Strength] = []
    used: set[int] = set()

    def add(step: Step, title: str, own_words: bool = False) -> None:
        """Name the step; a strong reply keeps the scenario's feedback, a partial one gets
        only what was true of it (its feedback may weigh its limits, too)."""
        if len(found) < 2 and step.number not in used:
            used.add(step.number)
            line = scenario.scenes[step.scene].client
            # a marker in the line is what the reply answered: quote the sentence carrying it
            carrying = marker_sentence("withdrawal", line) if line else None
            heard = quote(carrying, None) if carrying else quote(line) if line else ""
            before = f"After {name} said {heard}, you" if line else "You"
            detail = said = f"{before} replied {whole(step.say)}"
            if own_words:
                rose = [f"{m} rose by {d}" for m, d in step.changes.items() if d > 0]
                what = f"That reply was {skill_phrase(step.skill)}" if step.skill else ""
                gain = " and ".join(rose)
                if what and gain:
                    detail += f" {what}, and {gain}."
                elif what or gain:
                    detail += f" {what or 'After it, ' + gain}."
            elif step.feedback:
                detail += f" {step.feedback}"
            found.append(Strength(step=step.number, title=title, detail=detail, said=said))

    for step in steps:
        if step.repaired:
            kinds = [r.type for r in ruptures if r.repaired_step == step.number]
            kind = f"{kinds[0]} " if kinds else ""
            add(step, f"Repairing the {kind}rupture at choice {step.number}")
    strong = sorted(
        (s for s in steps if s.quality == "strong"), key=lambda s: (-net(s.changes), s.number)
    )
    for step in strong:
        if step.disclosure in DISCLOSURE_NAMES:
            what = f"A {DISCLOSURE_NAMES[step.disclosure]}"
        else:
            what = skill_phrase(step.skill).split(",")[0].capitalize()
        add(step, f"{what} at choice {step.number}")
    for step in steps:
        if step.disclosure in ("brief", "decline") and step.quality in ("strong", "adequate"):
            add(step, f"A {DISCLOSURE_NAMES[step.disclosure]} at choice {step.number}")
    if not found:
        helpful = sorted(
            (s for s in steps if net(s.changes) > 0 or s.changes.get("trust", 0) > 0),
            key=lambda s: (-QUALITY_RANK.get(s.quality, 2), -net(s.changes), s.number),
        )
        for step in helpful[:1]:
            add(step, f"A step toward {name} at choice {step.number}", own_words=True)
    if not found:
        listening = [
            s for s in steps if s.skill and ("reflection" in s.skill or "question" in s.skill)
        ]
        for step in listening[:1]:
            add(step, f"Making room for {name} to talk, at choice {step.number}", own_words=True)
    if not found:
        if stayed:
            detail = (
                f"You and {name} reached the end of the session together, through the hard "
                "moments as well as the easy ones. That persistence is where repair starts."
            )
        else:
            detail = f"You kept working with {name} for {_plural(len(steps), 'choice')}."
        found.append(Strength(title="Staying with the session", detail=detail))
    return tuple(found)


def _pattern(
    scenario: Scenario, steps: Sequence[Step], ruptures: Sequence[RuptureReport], skills: Skills
) -> Pattern:
    """One pattern across the session, by rule, with the principle behind it."""
    name = first_name(scenario.client.name)

    def during(kind: str, skills_of: set[str]) -> list[Step]:
        return [
            s
            for s in steps
            if s.skill in skills_of
            and any(r.type == kind for r in _open_during(ruptures, s.number))
        ]

    def choices(found: Sequence[Step]) -> str:
        numbers = [str(s.number) for s in found]
        if len(numbers) == 1:
            return f"choice {numbers[0]}"
        return "choices " + ", ".join(numbers[:-1]) + " and " + numbers[-1]

    explained = during("confrontation", EXPLAINING)
    open_confrontation = any(r.type == "confrontation" and not r.repaired for r in ruptures)
    if explained and (open_confrontation or len(explained) >= 2):
        return Pattern(
            kind="explained-after-confrontation",
            title="After a confrontation, your replies tended to explain.",
            detail=(
                f"At {choices(explained)}, {name} was pushing back and your reply gave "
                "information or an explanation of your side."
            ),
            principle=(
                "With a confrontation, finding the grain of truth in the complaint and "
                "acknowledging your part before explaining tends to lower the temperature "
                "(Safran and Muran's rupture-repair work)."
            ),
        )
    moved_on = during("withdrawal", MOVING_ON)
    open_withdrawal = any(r.type == "withdrawal" and not r.repaired for r in ruptures)
    if moved_on and (open_withdrawal or len(moved_on) >= 2):
        return Pattern(
            kind="moved-on-after-withdrawal",
            title=f"When {name} pulled back, your replies tended to move on.",
            detail=(
                f"At {choices(moved_on)}, a withdrawal was still open and your reply moved "
                "to the plan, to advice or to reassurance."
            ),
            principle=(
                "Withdrawal markers such as a quick yes or a change of subject are easy to "
                "take at face value; naming them tentatively and inviting the client's reaction (metacommunication) "
                "gives the client a way back in."
            ),
        )
    if ruptures and all(r.repaired for r in ruptures):
        return Pattern(
            kind="returned-to-ruptures",
            title="When the alliance strained, you went back to it.",
            detail=(
                "The one rupture in this session was repaired."
                if len(ruptures) == 1
                else f"All {len(ruptures)} ruptures in this session were repaired."
            ),
            principle=(
                "Across studies, repaired ruptures go with better outcomes (a correlation of "
                "about .29); noticing a rupture and returning to it is the skill."
            ),
        )
    fixing = [s for s in steps if s.skill in FIXING]
    if len(fixing) >= 2 and len(fixing) > skills.reflections:
        return Pattern(
            kind="reached-for-fixing",
            title="You reached for reassurance or advice more often than reflection.",
            detail=(
                f"Reassurance or advice came at {choices(fixing)}; "
                f"{_plural(skills.reflections, 'reflection')} in all."
            ),
            principle=(
                "Exploring before acting (Hill's helping-skills model) gives the client room "
                "to say more before solutions arrive."
            ),
        )
    if skills.reflections >= 2 and skills.reflections > skills.questions:
        return Pattern(
            kind="reflections-outnumbered-questions",
            title="Reflections outnumbered questions.",
            detail=f"Your replies included {skills.ratio[0].lower()}{skills.ratio[1:]}",
            principle=(
                "More reflections than questions is a common marker of skilled listening in "
                "motivational-interviewing coding: the client hears that they were understood "
                "before being asked for more."
            ),
        )
    if skills.questions >= 2 and skills.questions > skills.reflections:
        return Pattern(
            kind="questions-outnumbered-reflections",
            title="Questions outnumbered reflections.",
            detail=f"Your replies included {skills.ratio[0].lower()}{skills.ratio[1:]}",
            principle=(
                "A reflection of the answer before the next question lets the client know "
                "they were heard; a run of questions can feel like an interview."
            ),
        )
    meta = [s for s in steps if s.skill in ("metacommunication", "immediacy")]
    if len(meta) >= 2:
        return Pattern(
            kind="talked-about-the-relationship",
            title="You talked about what was happening between you.",
            detail=f"At {choices(meta)}, your reply named the here-and-now of the session.",
            principle=(
                "Metacommunication, used tentatively, is the core of exploratory rupture "
                "repair (Safran and Muran)."
            ),
        )
    if steps:
        first, last = steps[0].before.as_dict(), steps[-1].after.as_dict()
        meter = max(METERS, key=lambda m: (abs(last[m] - first[m]), m == "trust"))
        return Pattern(
            kind="meter-moved-most",
            title=f"{meter.capitalize()} moved most over the session.",
            detail=f"It went from {first[meter]} to {last[meter]}.",
            principle=(
                "The meters are a teaching sketch: they show where the session turned, not a "
                "score of the person in the chair."
            ),
        )
    return Pattern(
        kind="no-choices",
        title="No choices were made in this session.",
        detail="There is no path to look back on yet.",
        principle="Play the scenario to see how the meters move with each reply.",
    )


def _takeaway(
    scenario: Scenario,
    steps: Sequence[Step],
    ruptures: Sequence[RuptureReport],
    pattern: Pattern,
    strengths: Sequence[Strength],
) -> Takeaway:
    """One take-away: what went less well first, else what to keep doing."""
    open_types = [r.type for r in ruptures if not r.repaired]
    if "withdrawal" in open_types or pattern.kind == "moved-on-after-withdrawal":
        return Takeaway(
            kind="change",
            text=(
                "When a client's words say “fine” and everything else says otherwise, try "
                "naming the gap tentatively and inviting their reaction before going back to "
                "the plan."
            ),
        )
    if "confrontation" in open_types or pattern.kind == "explained-after-confrontation":
        return Takeaway(
            kind="change",
            text=(
                "When a client pushes back, look for the grain of truth in what they say and "
                "acknowledge your part before you explain."
            ),
        )
    categories = {s.disclosure for s in steps}
    if categories & {"extended", "excessive"}:
        return Takeaway(
            kind="change",
            text=(
                "Keep a disclosure to a sentence or two, then turn the focus back to the "
                "client and check how it landed."
            ),
        )
    if "deflect" in categories:
        return Takeaway(
            kind="change",
            text=(
                "When a client asks something personal, a brief answer or a warm decline that "
                "says why both keep the door open; either works better than setting it aside."
            ),
        )
    if pattern.kind == "reached-for-fixing":
        return Takeaway(
            kind="change",
            text="Before offering reassurance or advice, try one reflection of what the client just said.",
        )
    if pattern.kind == "questions-outnumbered-reflections":
        return Takeaway(
            kind="change", text="Try following each question with a reflection of the answer."
        )
    best = strengths[0]
    where = f" ({best.title[0].lower()}{best.title[1:]})" if best.step is not None else ""
    return Takeaway(
        kind="keep",
        text=(f"Keep what worked here{where}, and try it next with a client who makes it harder."),
    )


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


SAFETY_LESSON = (
    "At a hint of risk, ask directly and calmly (thoughts, plans, what keeps them safe), then "
    "plan for safety together and agree follow-up."
)


def _missed_safety(scenario: Scenario, steps: Sequence[Step]) -> Growth | None:
    """A safety step that was missed: a safety moment passed by (any one, even after another
    was handled), or none reached, in a scenario that has one. None otherwise."""
    safety = [scene_id for scene_id, scene in scenario.scenes.items() if scene.moment == "safety"]
    if not safety:
        return None
    at = [s for s in steps if scenario.scenes[s.scene].moment == "safety"]
    passed = [s for s in at if s.quality not in ("strong", "adequate")]
    if at and not passed:
        return None
    name = first_name(scenario.client.name)
    step = passed[0] if passed else None
    scene_id = step.scene if step else safety[0]
    scene = scenario.scenes[scene_id]
    model = next(
        (
            Alternative(say=c.say, feedback=c.feedback, quality=c.quality, skill=c.skill)
            for c in scene.choices or ()
            if c.quality == "strong"
        ),
        None,
    )
    if step is not None:
        text = f"At choice {step.number} the reply moved past {name}'s cue about risk."
    else:
        text = f"The session ended before anyone checked on {name}'s safety."
    return Growth(
        step=step.number if step else None,
        scene=scene_id,
        client=scene.client,
        say=step.say if step else None,
        harmed=True,
        text=text,
        lesson=SAFETY_LESSON,
        safety=True,
        thought=scene.thought,
        model=model,
    )


def _growth(
    scenario: Scenario,
    steps: Sequence[Step],
    ruptures: Sequence[RuptureReport],
    offers: list[list[int]] | None,
) -> Growth | None:
    """The reply that did the most harm, what it did, and the lesson matched to it."""
    if not steps:
        return None
    step = min(steps, key=lambda s: (sum(s.changes.values()), s.changes.get("trust", 0), s.number))
    name = first_name(scenario.client.name)
    scene = scenario.scenes[step.scene]
    harmed = sum(step.changes.values()) < 0 or step.changes.get("trust", 0) < 0
    impact = changes_sentence(step.changes, step.after.as_dict())
    if harmed:
        text = f"At choice {step.number} this reply strained the alliance most. {impact}"
    else:
        text = (
            f"Every reply helped or held steady; the one that did least was at choice "
            f"{step.number}. {impact}"
        )
    open_then = _open_during(ruptures, step.number)
    opened_here = [r for r in ruptures if r.opened_step == step.number and not r.by_client]
    found = opened_here or open_then
    kind = found[0] if found else None
    lesson: str | None = None
    if harmed and (scene.moment == "self-disclosure" or step.disclosure):
        lesson = DISCLOSURE_LESSONS.get(step.disclosure or "")
    if harmed and lesson is None and (scene.moment == "rupture" or opened_here):
        rupture_type = opened_here[0].type if opened_here else (scene.rupture or "withdrawal")
        lesson = RUPTURE_LESSONS.get(rupture_type)
    if harmed and lesson is None and step.skill in SKILL_LESSONS:
        lesson = SKILL_LESSONS[step.skill]
    if harmed and lesson is None and kind is not None:  # a rupture was still open
        lesson = RUPTURE_LESSONS.get(kind.type)
    if not harmed:
        # the least helpful reply still helped: the lesson is what to keep, in its own terms
        what = skill_phrase(step.skill).split(",")[0] if step.skill else "a reply like this one"
        lesson = f"Keep {what} in reach, and try it next with a client who makes it harder."
    if lesson is None:
        position = [i for i, s in enumerate(steps) if s.number == step.number][0]
        other = _best_other(scenario, step, offers[position] if offers else None, bool(open_then))
        if other is not None and other.skill and other.skill != step.skill:
            lesson = (
                f"At a moment like choice {step.number}, try {skill_phrase(other.skill)} "
                f"where you chose {skill_phrase(step.skill)}."
            )
        else:
            lesson = (
                f"Go back to choice {step.number} and try another reply: watch what changes "
                f"in the meters and in {name}'s words."
            )
    return Growth(
        step=step.number,
        scene=step.scene,
        client=scene.client,
        say=step.say,
        harmed=harmed,
        text=text,
        lesson=lesson,
    )


def _focus(
    scenario: Scenario,
    steps: Sequence[Step],
    ruptures: Sequence[RuptureReport],
    pattern: Pattern,
) -> tuple[set[str], bool]:
    """The tags to practise next and whether the focus comes from something that went less well."""
    open_types = {r.type for r in ruptures if not r.repaired}
    if pattern.kind == "moved-on-after-withdrawal":
        open_types.add("withdrawal")
    if pattern.kind == "explained-after-confrontation":
        open_types.add("confrontation")
    if any(s.disclosure in ("deflect", "extended", "excessive") for s in steps):
        open_types.add("self-disclosure")
    if open_types:
        return open_types, True
    own = {tag for tag in scenario.tags if tag in FOCUS_WORDS}
    own |= {r.type for r in ruptures}
    if any(s.disclosure for s in steps):
        own.add("self-disclosure")
    return own, False


def suggest(
    scenario: Scenario,
    library: Sequence[ScenarioSummary],
    outcome: str | None,
    focus: set[str],
    growth: bool,
) -> Suggestion | None:
    """The next scenario: by what to practise, then by difficulty (a step up after a session
    that went well, the same level otherwise, a step down after the client disengaged)."""
    level = LEVELS.index(scenario.difficulty)
    if outcome in ("excellent", "good") and not growth:
        target = min(level + 1, len(LEVELS) - 1)
    elif outcome == "poor":
        target = max(level - 1, 0)
    else:
        target = level
    candidates = [s for s in library if s.id != scenario.id and s.difficulty in LEVELS]
    if not candidates:
        return None

    def score(item: tuple[int, ScenarioSummary]) -> tuple[int, int]:
        position, summary = item
        shared = len(focus & set(summary.tags))
        distance = abs(LEVELS.index(summary.difficulty) - target)
        return (3 * shared - 2 * distance, -position)

    _, best = max(enumerate(candidates), key=score)
    shared = sorted(
        focus & set(best.tags), key=lambda t: list(FOCUS_WORDS).index(t) if t in FOCUS_WORDS else 9
    )
    practice = [FOCUS_WORDS[t] for t in shared if t in FOCUS_WORDS]
    step = LEVELS.index(best.difficulty) - level
    where = {1: "one step up from this one", 0: "at the same level", -1: "one step gentler"}.get(
        step, "at a different level"
    )
    what = (
        f"practises {' and '.join(practice)}"
        if practice
        else "practises the alliance with a new client"
    )
    reason = f"An {best.difficulty} scenario, {where}, that {what}."
    if best.difficulty == "beginner":
        reason = "A" + reason[2:]
    return Suggestion(id=best.id, title=best.title, difficulty=best.difficulty, reason=reason)


# -- the whole debrief ---------------------------------------------------------------------


def build(
    scenario: Scenario,
    steps: Sequence[Step],
    state: State,
    library: Sequence[ScenarioSummary] = (),
    reactions: Reactions | None = None,
) -> Debrief:
    """The debrief of a run: everything from the opener to the next scenario, as one value."""
    ordered = sorted(steps, key=lambda s: s.number)
    offers = _replayed_offers(scenario, ordered, state)
    hinted = set(state.hints)

    first = ordered[0].before if ordered else state.meters
    timeline = (first.as_dict(), *(step.after.as_dict() for step in ordered))

    ruptures = tuple(
        RuptureReport(
            type=rupture.type,
            opened_at=rupture.opened_at,
            opened_line=_line(scenario, rupture.opened_at),
            opened_step=opened_step,
            by_client=by_client,
            repaired_at=rupture.repaired_at,
            repaired_line=_line(scenario, rupture.repaired_at),
            repaired_step=repaired_step,
        )
        for rupture, (opened_step, repaired_step, by_client) in zip(
            state.ruptures, _rupture_steps(scenario, ordered, state), strict=True
        )
    )

    by_number = {step.number: (position, step) for position, step in enumerate(ordered)}
    reviews = []
    for number, (step_number, reason, rupture) in enumerate(
        _choose_key_steps(scenario, ordered, ruptures), start=1
    ):
        position, step = by_number[step_number]
        reviews.append(
            _review(
                scenario,
                step,
                number,
                reason,
                rupture,
                offers[position] if offers else None,
                bool(_open_during(ruptures, step.number)),
                rank=1 + sum(1 for s in ordered if weight(s.changes) > weight(step.changes)),
            )
        )
    key_of = {review.step: review.number for review in reviews}

    path = []
    for position, step in enumerate(ordered):
        scene = scenario.scenes[step.scene]
        path.append(
            PathStep(
                number=step.number,
                scene=step.scene,
                cue=scene.cue,
                client=scene.client,
                moment=scene.moment,
                say=step.say,
                written=step.written or None,
                quality=step.quality,
                skill=step.skill,
                feedback=step.feedback,
                changes=step.changes,
                after=step.after.as_dict(),
                thought=scene.thought,
                opened=step.opened,
                repaired=step.repaired,
                disclosure=step.disclosure,
                hinted=step.scene in hinted,
                stronger=_stronger(scenario, step, offers[position] if offers else None),
                key=key_of.get(step.number),
                effect=effect_of(step.changes),
            )
        )

    moments = [
        KeyMoment(step=step.number, kind="self-disclosure", label=MOMENT_LABELS["self-disclosure"])
        for step in ordered
        if scenario.scenes[step.scene].moment == "self-disclosure" or step.disclosure
    ]
    for rupture in ruptures:
        if rupture.opened_step is not None:
            label = f"{MOMENT_LABELS['rupture']}: {rupture.type}"
            moments.append(KeyMoment(step=rupture.opened_step, kind="rupture", label=label))
        if rupture.repaired_step is not None:
            label = MOMENT_LABELS["repair"]
            moments.append(KeyMoment(step=rupture.repaired_step, kind="repair", label=label))
    moments.sort(key=lambda m: m.step)

    disclosures = tuple(
        DisclosureReport(
            step=step.number,
            scene=step.scene,
            client=scenario.scenes[step.scene].client,
            say=step.say,
            category=str(step.disclosure),
            note=DISCLOSURE_NOTES.get(str(step.disclosure), str(step.disclosure)),
            quality=step.quality,
            feedback=step.feedback,
        )
        for step in ordered
        if step.disclosure
    )

    hints = tuple(
        HintReport(scene=scene_id, client=_line(scenario, scene_id), hint=hint)
        for scene_id in state.hints
        if scene_id in scenario.scenes and (hint := scenario.scenes[scene_id].hint)
    )

    skills = skills_used(ordered)
    # the client stayed to the end only on an ending that is not a disengagement
    stayed = state.finished and state.outcome in ("excellent", "good", "mixed")
    strengths = _strengths(scenario, ordered, ruptures, stayed)
    pattern = _pattern(scenario, ordered, ruptures, skills)
    ending = scenario.scenes[state.scene] if state.finished else None
    outcome = ending.outcome if ending else None
    focus, growth = _focus(scenario, ordered, ruptures, pattern)
    edge = _missed_safety(scenario, ordered) or _growth(scenario, ordered, ruptures, offers)
    takeaway = (
        Takeaway(kind="change" if edge.harmed else "keep", text=edge.lesson)
        if edge is not None
        else _takeaway(scenario, ordered, ruptures, pattern, strengths)
    )
    best = strengths[0]
    summary = Summary(
        outcome=outcome,
        outcome_words=OUTCOME_WORDS.get(outcome) if outcome else None,
        strength=Point(step=best.step, text=f"{best.title}. {best.detail}"),
        growth=Point(step=edge.step, text=f"{edge.text} {edge.lesson}") if edge else None,
    )
    return Debrief(
        scenario=scenario.id,
        title=scenario.title,
        client=scenario.client.name,
        finished=state.finished,
        ending=state.scene if ending else None,
        ending_title=ending.ending if ending else None,
        outcome=outcome,
        outcome_words=OUTCOME_WORDS.get(outcome) if outcome else None,
        ending_text=ending.text if ending else None,
        opener=_opener(scenario, ruptures),
        reactions=reactions,
        path=tuple(path),
        timeline=timeline,
        moments=tuple(moments),
        checkin=check_in(scenario, state.meters.as_dict()),
        skills=skills,
        client_side=_client_side(scenario, ordered, key_of),
        key_moments=tuple(reviews),
        ruptures=ruptures,
        disclosures=disclosures,
        hints=hints,
        strengths=strengths,
        pattern=pattern,
        takeaway=takeaway,
        next=suggest(scenario, library, outcome, focus, growth),
        growth=edge,
        summary=summary,
        after=ending.after if ending else None,
    )
