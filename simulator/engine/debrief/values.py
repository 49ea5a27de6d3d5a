"""The debrief's values: frozen pydantic models the host only displays."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ..model import Therapist
from .words import CHART_KEY, CHECKIN_CAVEAT, SAFE_NOTE, first_name, rewound_note


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
    attempted: bool = False  # a repair invited here waits for the client's uptake
    disclosure: str | None = None
    disclosure_type: str | None = None  # Hill & Knox type, where tagged
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
    # where the scenario waits for the client to take a repair up: where it was invited
    invited_at: str | None = None
    invited_step: int | None = None  # the first reply that invited the repair
    invitations: tuple[int, ...] = ()  # every reply that invited it, in order

    @property
    def repaired(self) -> bool:
        """Whether a later choice repaired this rupture (and the client took it up, where
        the scenario asks for that)."""
        return self.repaired_at is not None

    @property
    def credited_step(self) -> int | None:
        """The reply credited with the repair: the (last) invitation the client took up, else
        the repairing choice; None while the rupture is open."""
        if self.repaired_step is None:
            return None
        return self.invitations[-1] if self.invitations else self.repaired_step


class DisclosureReport(_Value):
    """A choice at a self-disclosure dilemma, with its category."""

    step: int
    scene: str
    client: str | None = None
    say: str
    category: str
    kind: str | None = None  # Hill & Knox type, where tagged
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


class Notes(_Value):
    """The sentences the page puts around the report's content, in the debrief's words."""

    safe: str  # under the outcome
    chart: str  # the chart's caption
    client_side: str  # opens "Through the client's eyes"
    checkin: str  # opens the check-in
    checkin_caveat: str  # closes it

    @staticmethod
    def rewound(branched_at: int) -> str:
        """The note on a session rewound from an earlier one."""
        return rewound_note(branched_at)


class Debrief(_Value):
    """Everything a debrief page shows, computed once from a run."""

    scenario: str
    title: str
    client: str
    therapist: Therapist | None = None  # who the trainee was in this scenario
    jurisdiction: str | None = None  # where the session took place in law
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
    def notes(self) -> Notes:
        """The page's own notes (not a field: the JSON export stays as it was)."""
        name = first_name(self.client)
        return Notes(
            safe=SAFE_NOTE,
            chart=CHART_KEY,
            client_side=f"What {name} was thinking but did not say.",
            checkin=f"Sketched from where the meters ended, in {name}'s voice:",
            checkin_caveat=CHECKIN_CAVEAT,
        )

    @property
    def repaired(self) -> int:
        """How many ruptures were repaired."""
        return sum(1 for r in self.ruptures if r.repaired)

    def prose(self) -> list[str]:
        """Every sentence the debrief itself writes (not the scenario's or the trainee's
        words, which stay inside curly quotes): what a language check reads."""
        notes = self.notes
        texts: list[str | None] = [self.outcome_words, *self.opener, notes.safe, notes.chart]
        if self.client_side:
            texts.append(notes.client_side)
        if self.checkin:
            texts += [self.checkin.note, *(line.words for line in self.checkin.lines)]
            texts += [notes.checkin, notes.checkin_caveat]
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
