"""Open response: match a trainee's own words to the replies a scene offers, offline.

The model is WordLlama (the `match` extra): static token embeddings, averaged, that ship
inside the wheel. It is optional. Without it `matcher().available` is False and every
`Match` says so, and callers show the replies after the typed words as before.

    found = matcher().match(state.scene, shown(scenario, state), words)
    found.best.reply     # the identity `choose_reply` takes, or None when unavailable
    found.close          # False: say nothing is close and ask for more or a choice

No Flask here: the play route, the instructor's page and the command line all call this.
"""

from __future__ import annotations

import logging
import math
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .engine import Choice, Problem, Scenario, Scene, reply_id

# Both chosen on the calibration phrasings (tests/data/phrasings/, all scenarios pooled,
# never one scenario); the held-out set (tests/data/phrasings-heldout/) was not used.
# CLOSE: words that mean none of the replies (small talk, off-topic questions) scored under
# 0.30 but for two in 55 (0.32, 0.37), while nine in ten phrasings of a reply scored over
# 0.35 against it. At 0.32: 94% of right matches are called close, 2-4% of unrelated words
# are, and a wrong best reply is called close about once in 400 phrasings. Calling words
# close wrongly costs little (the trainee still confirms or picks); failing to costs a
# "say more" prompt, so the threshold sits low in the gap.
CLOSE = 0.32  # a best score below this is "nothing is close"
# TOO_ALIKE: three in four phrasings score under 0.77 against the reply they mean (the
# median is 0.64), so two replies over 0.75 are nearer each other than typed words usually
# get to either. The bundled pairs typed words confused were at 0.66 and below, once in ten
# phrasings; the most alike bundled pair is 0.73.
TOO_ALIKE = 0.75  # two replies of one scene above this cannot be told apart by typed words
ALIKE_CHOICES = 40  # replies of a scene compared for that (a real scene has two to five)
ALIKE_PAIRS = 20_000  # pairs compared in one scenario, at most (about a second)
ALIKE_SHOWN = 20  # such smells named, at most

Offered = Sequence[tuple[str, int, Choice]] | Sequence[tuple[int, Choice]]


@dataclass(frozen=True)
class Score:
    """How close the typed words are to one reply."""

    reply: str  # the reply's identity ("r" + 10 hex), as `shown` and `choose_reply` use
    index: int  # 0-based in the scene's list of choices
    say: str
    similarity: float  # 0..1


@dataclass(frozen=True)
class Match:
    """Every offered reply's score, most similar first, and whether the best is close."""

    available: bool
    scores: tuple[Score, ...] = ()
    close: bool = False

    @property
    def best(self) -> Score | None:
        return self.scores[0] if self.scores else None

    @property
    def runner_up(self) -> Score | None:
        return self.scores[1] if len(self.scores) > 1 else None

    def similarity(self, reply: str) -> float | None:
        """The score of the reply with this identity, if it was offered."""
        return next((s.similarity for s in self.scores if s.reply == reply), None)


def phrasings(choice: Choice) -> tuple[str, ...]:
    """A reply's words and its optional `also:` example phrasings."""
    return (choice.say, *(getattr(choice, "also", None) or ()))


def replies(scene_id: str, scene: Scene) -> list[tuple[str, int, Choice]]:
    """Every reply of a scene with its identity, in file order (for tools with no run)."""
    return [(reply_id(scene_id, i, c), i, c) for i, c in enumerate(scene.choices or ())]


@dataclass(eq=False)
class Matcher:
    """The model, loaded once; `available` is False when it is not installed."""

    model: Any = None
    reason: str = ""  # why it is unavailable
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def available(self) -> bool:
        return self.model is not None

    def match(self, scene: str, offered: Offered, text: str) -> Match:
        """Score the typed words against each offered reply (the engine's `shown` or
        `offered` list for scene id `scene`)."""
        if self.model is None:
            return Match(available=False)
        items = [_identified(scene, item) for item in offered]
        words = text.strip()
        if not words or not items:
            scored = [Score(r, i, c.say, 0.0) for r, i, c in items]
            return Match(available=True, scores=tuple(scored), close=False)
        typed = self._embed((words,))[0]  # typed words are never cached
        scored = []
        for identity, index, choice in items:
            if index >= MATCHED_REPLIES:  # past the cache: each match would embed them all
                scored.append(Score(identity, index, choice.say, 0.0))
                continue
            texts = phrasings(choice)
            similarity = _score(typed, _cached(self, texts), words, texts)
            scored.append(Score(identity, index, choice.say, similarity))
        scored.sort(key=lambda s: (-s.similarity, s.index))
        return Match(available=True, scores=tuple(scored), close=scored[0].similarity >= CLOSE)

    def similarity(self, first: str, second: str) -> float:
        """How alike two texts are, 0..1 (0 when the model is unavailable)."""
        if self.model is None:
            return 0.0
        a, b = _cached(self, (first,))[0], _cached(self, (second,))[0]
        return _cosine(a, b)

    def _embed(self, texts: tuple[str, ...]) -> Any:
        """Unit vectors for these texts, one row each."""
        with self._lock:  # the tokenizer pads in place: one batch at a time
            return self.model.embed([_normal(t) for t in texts], norm=True)


CACHED_REPLIES = 4096  # replies whose vectors a process keeps
# a scene's replies, in file order, that typed words are matched with (the bundled scenes
# have at most 6): a scene of 5,000 pushed its own replies out of the cache, and every
# match embedded them all again (0.7 s)
MATCHED_REPLIES = 500


@lru_cache(maxsize=CACHED_REPLIES)
def _cached(matcher: Matcher, texts: tuple[str, ...]) -> Any:
    """A reply's vectors, cached by its words: embedded once per process, and an edited
    scenario's new words (a new version) get new vectors while the old ones age out."""
    return matcher._embed(texts)


def _identified(scene: str, item: tuple[Any, ...]) -> tuple[str, int, Choice]:
    if len(item) == 3:
        return item[0], item[1], item[2]
    index, choice = item
    return reply_id(scene, index, choice), index, choice


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def _cosine(a: Any, b: Any) -> float:
    value = float(a @ b)
    return max(0.0, min(1.0, value)) if math.isfinite(value) else 0.0


def _score(typed: Any, vectors: Any, words: str, texts: tuple[str, ...]) -> float:
    """The best similarity over a reply's words and its `also:` phrasings, nudged by
    whether the typed words and the reply agree in form (a question or a statement).

    Measured on the calibration set (docs/performance.md): the best of the phrasings beat
    their mean, their centroid and a half-and-half mix with the reply's own words; form
    agreement adds a point of top-1; negation words, second-person blame words ("your
    fault", "you always") and word overlap did not help (the embedding already carries
    "not" and shared words, and the replies about fault say "not" and "fault" on both
    sides), so they are left out."""
    best = max(_cosine(typed, vector) for vector in vectors)
    agree = _asks(words) == _asks(texts[0])
    return max(0.0, min(1.0, best + (FORM if agree else -FORM)))


FORM = 0.03  # the nudge for a question answered by a question, or a statement by a statement
_QUESTION_WORD = re.compile(
    r"^(are|is|do|does|did|what|what's|how|how's|why|when|where|who|can|could|would|will"
    r"|have|has|shall|should|r u|any|anything)\b"
)


def _asks(text: str) -> bool:
    """Whether the words end in a question (a trainee may leave off the question mark)."""
    last = re.split(r"(?<=[.!?])\s+", text.strip().lower())[-1]
    return last.endswith("?") or bool(_QUESTION_WORD.match(last))


_matcher: Matcher | None = None
_loading = threading.Lock()


def matcher() -> Matcher:
    """The process's one matcher, loading the model on first use (thread-safe)."""
    global _matcher
    if _matcher is None:
        with _loading:
            if _matcher is None:
                _matcher = _load()
    return _matcher


def _load() -> Matcher:
    """WordLlama from the files inside its own package, never from the network."""
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ.setdefault(name, "1")
    # one short text at a time needs no thread pool, and a pool would not survive a fork
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    root = logging.getLogger()
    kept = (list(root.handlers), root.level)
    try:
        import wordllama
    except ImportError:
        return Matcher(reason="the matching model is not installed (pip install 'rapport[match]')")
    finally:  # importing wordllama calls logging.basicConfig(); undo that
        root.handlers[:], root.level = kept[0], kept[1]
    folder = Path(wordllama.__file__).parent
    try:
        # The wheel ships weights/ and tokenizers/; load() looks for the tokenizer in a
        # "tokenizer/" folder first, so the package folder is passed as the cache.
        model = wordllama.WordLlama.load(cache_dir=folder, disable_download=True)
    except (OSError, ValueError) as error:
        return Matcher(reason=f"the matching model could not be loaded: {error}")
    return Matcher(model=model)


# The paraphrase sets: tests/data/phrasings/<scenario-id>.yaml (calibration) and
# tests/data/phrasings-heldout/ (held out). Each names replies by their exact `say`, so a
# changed scenario fails loudly instead of scoring against the wrong reply.


class PhrasingsError(ValueError):
    """A phrasings file that does not fit its scenario."""


@dataclass(frozen=True)
class Phrasing:
    """One labelled trainee phrasing: the reply it means, or None for "nothing is close"."""

    scene: str
    text: str
    expected: int | None


def load_phrasings(path: str | Path, scenario: Scenario) -> list[Phrasing]:
    """Read a phrasings file and check every scene and reply it names against `scenario`."""
    import yaml

    where = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise PhrasingsError(f"{where}: cannot be read: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("scenes"), dict):
        raise PhrasingsError(f"{where}: needs `scenario` and a mapping of `scenes`")
    if data.get("scenario") != scenario.id:
        raise PhrasingsError(f"{where}: is for '{data.get('scenario')}', not '{scenario.id}'")
    found: list[Phrasing] = []
    for scene_id, entry in data["scenes"].items():
        found += _scene_phrasings(where, scenario, str(scene_id), entry)
    return found


def _scene_phrasings(where: str, scenario: Scenario, scene_id: str, entry: Any) -> list[Phrasing]:
    scene = scenario.scenes.get(scene_id)
    if scene is None or not scene.choices:
        raise PhrasingsError(f"{where}: scene '{scene_id}' is not a choice scene of the scenario")
    if not isinstance(entry, dict) or not isinstance(entry.get("replies"), list):
        raise PhrasingsError(f"{where}: scene '{scene_id}' needs a list of `replies`")
    says = {choice.say: i for i, choice in enumerate(scene.choices)}
    found = []
    for reply in entry["replies"]:
        say = reply.get("say") if isinstance(reply, dict) else None
        if say not in says:
            raise PhrasingsError(
                f"{where}: scene '{scene_id}' has no reply saying {str(say)[:60]!r}"
            )
        found += [Phrasing(scene_id, _text(where, t), says[say]) for t in reply["phrasings"]]
    found += [Phrasing(scene_id, _text(where, t), None) for t in entry.get("none") or ()]
    return found


def _text(where: str, text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise PhrasingsError(f"{where}: every phrasing must be non-empty text, not {text!r}")
    return text


@dataclass(frozen=True)
class Miss:
    """A phrasing the matcher got wrong: what it was, what it meant, what it matched."""

    scene: str
    text: str
    expected: str | None  # the reply's words, or None for "nothing is close"
    got: str
    similarity: float
    close: bool


@dataclass(frozen=True)
class Accuracy:
    """How a matcher did on a paraphrase set."""

    labelled: int  # phrasings that mean a reply
    top1: int
    top2: int
    close: int  # of the labelled, how many the matcher called close
    unrelated: int  # phrasings that mean no reply
    unrelated_close: int  # of those, how many it wrongly called close
    misses: tuple[Miss, ...]

    def as_json(self) -> dict[str, Any]:
        share = self.labelled or 1
        return {
            "phrasings": self.labelled,
            "top1": round(self.top1 / share, 4),
            "top2": round(self.top2 / share, 4),
            "close": round(self.close / share, 4),
            "unrelated": self.unrelated,
            "unrelated_close": self.unrelated_close,
            "confusions": [
                {**m.__dict__, "similarity": round(m.similarity, 4)} for m in self.misses
            ],
        }


def evaluate(found: Matcher, scenario: Scenario, items: Sequence[Phrasing]) -> Accuracy:
    """Match every phrasing against all of its scene's replies and count the hits."""
    top1 = top2 = close = unrelated_close = 0
    misses = []
    for item in items:
        scene = scenario.scenes[item.scene]
        result = found.match(item.scene, replies(item.scene, scene), item.text)
        best = result.best
        assert best is not None
        ranked = [s.index for s in result.scores]
        expected = None if item.expected is None else (scene.choices or ())[item.expected].say
        if item.expected is None:
            unrelated_close += result.close
            wrong = result.close
        else:
            top1 += ranked[0] == item.expected
            top2 += item.expected in ranked[:2]
            close += result.close and ranked[0] == item.expected
            wrong = ranked[0] != item.expected
        if wrong:
            misses.append(
                Miss(item.scene, item.text, expected, best.say, best.similarity, result.close)
            )
    labelled = sum(1 for item in items if item.expected is not None)
    return Accuracy(
        labelled, top1, top2, close, len(items) - labelled, unrelated_close, tuple(misses)
    )


def alike(found: Matcher, scenario: Scenario) -> list[Problem]:
    """A lint smell for each pair of replies in one scene so alike in meaning that typed
    words cannot tell them apart (none when the model is unavailable). Bounded: a scene's
    first ALIKE_CHOICES replies are compared, at most ALIKE_PAIRS pairs in all, and the
    first ALIKE_SHOWN smells named (a file of 10,000 replies in one scene was 50 million
    comparisons, and tens of thousands of warnings)."""
    smells: list[Problem] = []
    if not found.available:
        return smells
    pairs = 0
    for scene_id, scene in scenario.scenes.items():
        choices = list(scene.choices or ())[:ALIKE_CHOICES]
        for j, later in enumerate(choices):
            for i, earlier in enumerate(choices[:j]):
                if earlier.say == later.say:
                    continue  # the engine's lint already names identical words
                pairs += 1
                if pairs > ALIKE_PAIRS or len(smells) >= ALIKE_SHOWN:
                    return smells
                similarity = found.similarity(earlier.say, later.say)
                if similarity > TOO_ALIKE:
                    smells.append(
                        Problem(
                            ("scenes", scene_id, "choices", j, "say"),
                            f"choices {i + 1} and {j + 1} of this scene are so alike in "
                            f"meaning (similarity {similarity:.2f}, over {TOO_ALIKE}) that "
                            "typed words cannot tell them apart: reword one",
                            severity="warning",
                        )
                    )
    return smells
