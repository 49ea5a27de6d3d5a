"""The scenario model: one frozen definition for validation, the JSON Schema and play."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    field_validator,
    model_validator,
)

METERS: tuple[str, ...] = ("authenticity", "attentiveness", "positivity", "trust")

Meter = Literal["authenticity", "attentiveness", "positivity", "trust"]
# at most 100 characters: ids are stored in columns of that width, and name files and URLs
Slug = Annotated[
    str, Strict(), StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=100)
]
Text = Annotated[str, Strict(), StringConstraints(min_length=1)]
Delta = Annotated[int, Strict(), Field(ge=-100, le=100)]
Level = Annotated[int, Strict(), Field(ge=0, le=100)]
Flag = Annotated[bool, Strict()]
RuptureType = Literal["withdrawal", "confrontation"]
Quality = Literal["strong", "adequate", "weak", "harmful"]
Outcome = Literal["excellent", "good", "mixed", "poor"]
Disclosure = Literal["decline", "deflect", "brief", "extended", "excessive"]
# Hill & Knox's types of therapist self-disclosure: what kind of thing is shared, beside how much
DisclosureType = Literal[
    "facts", "feelings", "insight", "strategies", "reassurance", "challenge", "immediacy"
]
DISCLOSURE_TYPES: tuple[str, ...] = (
    "facts",
    "feelings",
    "insight",
    "strategies",
    "reassurance",
    "challenge",
    "immediacy",
)
RUPTURE_TYPES: tuple[str, ...] = ("withdrawal", "confrontation")
Phrasing = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=300)]
Short = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=80)]
Moment = Literal["rupture", "self-disclosure", "safety"]
Difficulty = Literal["beginner", "intermediate", "advanced"]
Order = Literal["shuffled", "fixed"]
SceneKind = Literal["choice", "pass", "ending"]

OUTCOMES: tuple[str, ...] = ("excellent", "good", "mixed", "poor")
QUALITIES: tuple[str, ...] = ("strong", "adequate", "weak", "harmful")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Choice(_Frozen):
    """One thing the trainee can say."""

    say: Text
    goto: Slug
    effects: dict[Meter, Delta] = Field(default_factory=dict)
    feedback: Text | None = None
    quality: Quality | None = None
    skill: Text | None = None
    when: Text | None = None
    rupture: RuptureType | None = None
    # true repairs the oldest open rupture; a rupture type, the oldest open one of that type
    repairs: bool | RuptureType = False
    disclosure: Disclosure | None = None
    disclosure_type: DisclosureType | None = None
    # other ways a trainee might put this reply, for matching typed words; never shown in play
    also: Annotated[tuple[Phrasing, ...], Field(min_length=1, max_length=10)] | None = None

    @field_validator("repairs", mode="before")
    @classmethod
    def _repairs_value(cls, value: object) -> object:
        if isinstance(value, bool) or value in RUPTURE_TYPES:
            return value
        raise ValueError(
            "`repairs` must be true, false or a rupture type (withdrawal or confrontation): "
            "write true or false, or name the type"
        )

    def mends(self, rupture_type: str) -> bool:
        """Whether this choice addresses an open rupture of this type."""
        return self.repairs is True or self.repairs == rupture_type


class NextRule(_Frozen):
    """A pass-through step: the first whose `when` holds sends play on."""

    when: Text | None = None
    goto: Slug


class Rule(_Frozen):
    """A top-level rule, checked after every choice."""

    when: Text
    goto: Slug
    repeat: Flag = False


class Scene(_Frozen):
    """A choice scene, a pass-through or an ending, decided by its keys."""

    cue: Text | None = None
    client: Text | None = None
    choices: Annotated[tuple[Choice, ...], Field(min_length=1)] | None = None
    fallback: Slug | None = None
    next: tuple[NextRule, ...] | None = None
    ending: Text | None = None
    outcome: Outcome | None = None
    text: Text | None = None
    after: Text | None = None  # on an ending: what the clinician does next (follow-up, a note)
    moment: Moment | None = None
    rupture: RuptureType | None = None
    thought: Text | None = None
    hint: Text | None = None
    order: Order | None = None  # replies are shown shuffled per run unless `fixed`
    ask: Flag = False  # ask for the trainee's own words first, as at every key moment
    repair_accepted: Flag = False  # entering this scene: the client takes up a repair invited

    @property
    def kind(self) -> SceneKind:
        """'choice', 'pass' or 'ending'."""
        if self.ending is not None:
            return "ending"
        if self.next is not None:
            return "pass"
        return "choice"

    @model_validator(mode="after")
    def _one_kind(self) -> Scene:
        kinds = [
            name
            for name, present in (
                ("a choice scene (client, choices)", self.client is not None or self.choices),
                ("a pass-through (next)", self.next is not None),
                ("an ending (ending, outcome)", self.ending is not None or self.outcome),
            )
            if present
        ]
        if len(kinds) > 1:
            raise ValueError(
                "a scene must be exactly one kind, but this looks like " + " and ".join(kinds)
            )
        if not kinds:
            raise ValueError(
                "a scene needs `client` and `choices`, or `next`, or `ending` and `outcome`"
            )
        if self.ending is not None and self.outcome is None:
            raise ValueError("an ending needs `outcome` (excellent, good, mixed or poor)")
        if self.outcome is not None and self.ending is None:
            raise ValueError("an ending needs `ending` (its title)")
        if self.choices is not None and self.client is None:
            raise ValueError("a choice scene needs `client` (what the client says)")
        if self.client is not None and self.choices is None:
            raise ValueError("a choice scene needs `choices`")
        if self.choices is not None and len(self.choices) == 0:
            raise ValueError("`choices` needs at least one choice")
        if self.next is not None:
            if len(self.next) == 0:
                raise ValueError("`next` needs at least one rule")
            if self.next[-1].when is not None:
                raise ValueError(
                    "the last rule in `next` must have no `when`, so play always moves on"
                )
        if self.fallback is not None and self.choices is None:
            raise ValueError("`fallback` is only allowed on a choice scene")
        if self.order is not None and self.choices is None:
            raise ValueError("`order` is only allowed on a choice scene")
        if self.ask and self.choices is None:
            raise ValueError("`ask` is only allowed on a choice scene")
        if self.text is not None and self.ending is None:
            raise ValueError("`text` is only allowed on an ending")
        if self.after is not None and self.ending is None:
            raise ValueError("`after` is only allowed on an ending")
        if self.moment == "rupture" and self.rupture is None:
            raise ValueError(
                "a `moment: rupture` scene needs `rupture` (withdrawal or confrontation)"
            )
        if self.rupture is not None and self.moment != "rupture":
            raise ValueError("`rupture` on a scene needs `moment: rupture`")
        if (
            self.choices
            and self.fallback is None
            and all(choice.when is not None for choice in self.choices)
        ):
            raise ValueError("every choice here has `when`, so the scene needs a `fallback`")
        return self


class Client(_Frozen):
    """Who the trainee is talking to."""

    name: Text
    age: Annotated[int, Strict(), Field(ge=0, le=130)] | None = None
    pronouns: Text | None = None
    concern: Text
    background: Text | None = None


class Therapist(_Frozen):
    """Who the trainee is in this scenario: what a dilemma about the therapist depends on."""

    role: Text
    setting: Text | None = None
    facts: Text | None = None  # any fact about yourself that a dilemma depends on


class Meters(_Frozen):
    """The four meters, each 0..100."""

    authenticity: Level = 50
    attentiveness: Level = 50
    positivity: Level = 50
    trust: Level = 50

    def get(self, name: str) -> int:
        """The value of one meter by name."""
        return int(getattr(self, name))

    def moved(self, effects: dict[str, int]) -> Meters:
        """These meters after `effects`, each clamped to 0..100."""
        values = {m: min(100, max(0, self.get(m) + effects.get(m, 0))) for m in METERS}
        return Meters(**values)

    def as_dict(self) -> dict[str, int]:
        """A plain dict in the canonical meter order."""
        return {m: self.get(m) for m in METERS}

    @property
    def alliance(self) -> int:
        """The alliance score, 0..100: trust counts double beside the other three."""
        return alliance_score(self.as_dict())


def alliance_score(meters: dict[str, int]) -> int:
    """The one definition of the alliance score: (authenticity + attentiveness + positivity
    + 2 x trust) / 5, rounded half up. Trust is the headline, so it weighs twice."""
    total = sum(meters[m] for m in METERS) + meters["trust"]
    return (total * 2 + 5) // 10


class Scenario(_Frozen):
    """A whole scenario file."""

    format: Literal[1]
    id: Slug
    title: Text
    summary: Text
    difficulty: Difficulty
    minutes: Annotated[int, Strict(), Field(ge=1, le=600)]
    tags: tuple[Text, ...] = ()
    objectives: tuple[Text, ...] = Field(min_length=1)
    client: Client
    therapist: Therapist | None = None
    jurisdiction: Short | None = None  # where the session takes place in law
    meters: Meters = Field(default_factory=Meters)
    start: Slug
    scenes: dict[Slug, Scene] = Field(min_length=1)
    rules: tuple[Rule, ...] = ()
    content_warnings: tuple[Text, ...] = ()
    references: tuple[Text, ...] = ()

    @field_validator("format", mode="before")
    @classmethod
    def _format_is_a_number(cls, value: object) -> object:
        if value is not True and value != 1:
            raise ValueError("`format` must be 1 (the only version there is)")
        if value is True:
            raise ValueError("`format` must be the number 1")
        return value

    @property
    def awaits_uptake(self) -> bool:
        """Whether a repair waits for the client to take it up (a `repair_accepted` scene
        exists) rather than completing on the trainee's invitation, as in version 1."""
        return any(scene.repair_accepted for scene in self.scenes.values())

    def scene(self, scene_id: str) -> Scene:
        """The scene with this id (KeyError if there is none)."""
        return self.scenes[scene_id]
