"""The condition language: parsed once by a small recursive-descent parser, never eval'd.

expr    := and ('or' and)*
and     := unary ('and' unary)*
unary   := 'not' unary | '(' expr ')' | 'visited' '(' SCENE ')' | compare
compare := operand OP operand        (one side a meter or ruptures_open, the other an integer)
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Set
from dataclasses import dataclass
from functools import lru_cache

from .model import METERS

OPS: dict[str, Callable[[int, int], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
QUANTITIES = (*METERS, "ruptures_open")
KEYWORDS = {"and", "or", "not", "visited"}
# Bounds that keep a hostile condition from stalling or crashing validation.
MAX_LENGTH = 2000  # characters in one condition
MAX_DEPTH = 32  # nested parentheses and `not`s
MAX_DIGITS = 6  # in one number: meters run 0..100
# tests (comparisons and visited()) in all of one file's conditions, counting each use: play
# tests the top-level rules at every choice (the bundled files have at most 21; 5,000 rules
# of one long condition made each choice 0.2 s and a debrief 24 s)
MAX_FILE_TESTS = 2000
SAT_CASES = 20_000  # cases one satisfiability check may try before it is undecided
SAT_WORK = 250_000  # and condition nodes it may evaluate (cases times size): about 0.1 s
FILE_SAT_WORK = 1_000_000  # all the checks of one file together: well under a second

_TOKEN = re.compile(
    r"\s*(?:(?P<op><=|>=|==|!=|<|>)|(?P<paren>[()])|(?P<int>-?[0-9]+)(?![\w-])"
    r"|(?P<name>[A-Za-z0-9_][A-Za-z0-9_-]*)|(?P<bad>\S))"
)


class ConditionError(ValueError):
    """A condition that does not parse; `offset` is the 0-based column in the text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True)
class Compare:
    quantity: str  # a meter name or "ruptures_open"
    op: str
    value: int


@dataclass(frozen=True)
class Visited:
    scene: str
    offset: int  # where the scene id stands in the text, for error messages


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


Node = Compare | Visited | Not | And | Or


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    offset: int


def _tokens(text: str) -> list[_Token]:
    tokens = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.lastgroup is None:  # only trailing whitespace is left
            break
        kind = match.lastgroup
        start = match.start(kind)
        if kind == "bad":
            raise ConditionError(f"unexpected character {match.group(kind)!r}", start)
        tokens.append(_Token(kind, match.group(kind), start))
        pos = match.end()
    tokens.append(_Token("end", "", len(text.rstrip())))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.depth = 0

    def deeper(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionError(
                f"the condition nests too deeply (more than {MAX_DEPTH} levels of "
                "parentheses or 'not')",
                token.offset,
            )

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expect(self, kind: str, text: str, what: str) -> _Token:
        token = self.peek()
        if token.kind != kind or (text and token.text != text):
            raise ConditionError(f"expected {what}, found {_describe(token)}", token.offset)
        return self.take()

    def parse(self) -> Node:
        node = self.expr()
        token = self.peek()
        if token.kind != "end":
            raise ConditionError(
                f"expected 'and', 'or' or the end, found {_describe(token)}", token.offset
            )
        return node

    def expr(self) -> Node:
        items = [self.conjunction()]
        while self.peek().kind == "name" and self.peek().text == "or":
            self.take()
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def conjunction(self) -> Node:
        items = [self.unary()]
        while self.peek().kind == "name" and self.peek().text == "and":
            self.take()
            items.append(self.unary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self) -> Node:
        token = self.peek()
        if token.kind == "name" and token.text == "not":
            self.take()
            self.deeper(token)
            node: Node = Not(self.unary())
            self.depth -= 1
            return node
        if token.kind == "paren" and token.text == "(":
            self.take()
            self.deeper(token)
            node = self.expr()
            self.expect("paren", ")", "')'")
            self.depth -= 1
            return node
        if token.kind == "name" and token.text == "visited":
            self.take()
            self.expect("paren", "(", "'(' after visited")
            scene = self.peek()
            if scene.kind not in ("name", "int") or scene.text in KEYWORDS:
                raise ConditionError(
                    f"expected a scene id inside visited(), found {_describe(scene)}", scene.offset
                )
            self.take()
            self.expect("paren", ")", "')' after the scene id")
            return Visited(scene.text, scene.offset)
        return self.compare()

    def operand(self) -> tuple[str, str | int, int]:
        token = self.take()
        if token.kind == "int":
            if len(token.text.lstrip("-")) > MAX_DIGITS:
                raise ConditionError(
                    f"the number is too long: use at most {MAX_DIGITS} digits", token.offset
                )
            return "int", int(token.text), token.offset
        if token.kind == "name" and token.text in QUANTITIES:
            return "quantity", token.text, token.offset
        if token.kind == "name" and token.text not in KEYWORDS:
            raise ConditionError(
                f"unknown name {cut_name(token.text)!r}: use a meter ({', '.join(METERS)}), "
                "ruptures_open or visited(scene-id)",
                token.offset,
            )
        raise ConditionError(
            f"expected a meter, ruptures_open, visited() or '(', found {_describe(token)}",
            token.offset,
        )

    def compare(self) -> Node:
        left_kind, left, left_at = self.operand()
        op = self.peek()
        if op.kind != "op":
            what = "a comparison such as '>= 40'"
            raise ConditionError(f"expected {what} after {left}, found {_describe(op)}", op.offset)
        self.take()
        right_kind, right, right_at = self.operand()
        if left_kind == "quantity" and right_kind == "int":
            return Compare(str(left), op.text, int(right))
        if left_kind == "int" and right_kind == "quantity":
            return Compare(str(right), FLIPPED[op.text], int(left))
        where = right_at if left_kind == "quantity" else left_at
        raise ConditionError(
            "a comparison needs a meter or ruptures_open on one side and a whole "
            "number on the other",
            where,
        )


def _describe(token: _Token) -> str:
    return "the end" if token.kind == "end" else repr(cut_name(token.text))


SHOWN_CHARS = 40  # of a name or id repeated in a message


def cut_name(text: str) -> str:
    """A name or id as a message repeats it: cut after SHOWN_CHARS characters, so that a
    message never repeats a whole long line."""
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


@lru_cache(maxsize=4096)
def parse(text: str) -> Node:
    """Parse a condition, raising ConditionError with the offset of the mistake."""
    if not text.strip():
        raise ConditionError("a condition cannot be empty", 0)
    if len(text) > MAX_LENGTH:
        raise ConditionError(f"a condition can be at most {MAX_LENGTH} characters", MAX_LENGTH)
    return _Parser(text).parse()


def evaluate(node: Node, meters: Mapping[str, int], visited: Set[str], ruptures_open: int) -> bool:
    """Whether the condition holds for these values."""
    if isinstance(node, Compare):
        value = ruptures_open if node.quantity == "ruptures_open" else meters[node.quantity]
        return OPS[node.op](value, node.value)
    if isinstance(node, Visited):
        return node.scene in visited
    if isinstance(node, Not):
        return not evaluate(node.item, meters, visited, ruptures_open)
    if isinstance(node, And):
        return all(evaluate(item, meters, visited, ruptures_open) for item in node.items)
    return any(evaluate(item, meters, visited, ruptures_open) for item in node.items)


def holds(text: str, meters: Mapping[str, int], visited: Set[str], ruptures_open: int) -> bool:
    """Whether a condition holds: parsed and compiled once (cached), then evaluated."""
    return compiled(text)(meters, visited, ruptures_open)


Test = Callable[[Mapping[str, int], Set[str], int], bool]


@lru_cache(maxsize=4096)
def compiled(text: str) -> Test:
    """A condition as one function of (meters, visited, ruptures_open), with `evaluate`'s
    answers: play and the path analysis ask the same conditions millions of times, and
    walking the tree again each time was most of a large analysis's work."""
    return _compile(parse(text))


def _compile(node: Node) -> Test:
    if isinstance(node, Compare):
        test, value = OPS[node.op], node.value
        if node.quantity == "ruptures_open":
            return lambda _meters, _visited, ruptures_open: test(ruptures_open, value)
        quantity = node.quantity
        return lambda meters, _visited, _ruptures_open: test(meters[quantity], value)
    if isinstance(node, Visited):
        scene = node.scene
        return lambda _meters, visited, _ruptures_open: scene in visited
    if isinstance(node, Not):
        inner = _compile(node.item)
        return lambda meters, visited, ruptures_open: not inner(meters, visited, ruptures_open)
    items = tuple(_compile(item) for item in node.items)
    if isinstance(node, And):

        def every(meters: Mapping[str, int], visited: Set[str], ruptures_open: int) -> bool:
            for item in items:  # noqa: SIM110 (a loop: all() over a generator is slower)
                if not item(meters, visited, ruptures_open):
                    return False
            return True

        return every

    def some(meters: Mapping[str, int], visited: Set[str], ruptures_open: int) -> bool:
        for item in items:  # noqa: SIM110 (a loop: any() over a generator is slower)
            if item(meters, visited, ruptures_open):
                return True
        return False

    return some


def walk(node: Node) -> Iterator[Node]:
    """Every node of a condition, the node itself first."""
    yield node
    if isinstance(node, Not):
        yield from walk(node.item)
    elif isinstance(node, And | Or):
        for item in node.items:
            yield from walk(item)


@lru_cache(maxsize=4096)
def tests_in(text: str) -> int:
    """How many comparisons and visited() tests a condition holds (it must parse)."""
    return sum(1 for item in walk(parse(text)) if isinstance(item, Compare | Visited))


def scenes_named(node: Node) -> list[Visited]:
    """The visited() references in a condition."""
    return [item for item in walk(node) if isinstance(item, Visited)]


def satisfiable_text(text: str) -> bool | None:
    """`satisfiable` of a condition's text, remembered: a file repeats its conditions, and
    the library checks the same texts again on every reload."""
    if text in _CHECKED:
        return _CHECKED[text]
    found = satisfiable(parse(text))
    if len(_CHECKED) >= 4096:  # bounded: authors' edits bring new texts
        _CHECKED.clear()
    _CHECKED[text] = found
    return found


def known(text: str) -> bool:
    """Whether this condition's satisfiability has been worked out already (it costs nothing)."""
    return text in _CHECKED


_CHECKED: dict[str, bool | None] = {}


def _cases(node: Node, max_ruptures: int) -> tuple[list[str], dict[str, set[int]], list[str], int]:
    """The quantities and values worth trying, the scenes named, and the number of cases."""
    candidates: dict[str, set[int]] = {}
    scenes: set[str] = set()
    for item in walk(node):
        if isinstance(item, Compare):
            top = max_ruptures if item.quantity == "ruptures_open" else 100
            values = candidates.setdefault(item.quantity, {0, top})
            values.update(v for v in (item.value - 1, item.value, item.value + 1) if 0 <= v <= top)
        elif isinstance(item, Visited):
            scenes.add(item.scene)
    names = sorted(candidates)
    scene_list = sorted(scenes)
    cases = 2 ** len(scene_list)
    for name in names:
        cases *= len(candidates[name])
    return names, candidates, scene_list, cases


def _beyond(cases: int, node: Node) -> tuple[bool, int]:
    """Whether a check of these cases would be too much to try, and its work: the cases
    times the condition's size."""
    work = cases * sum(1 for _ in walk(node))
    return cases > SAT_CASES or work > SAT_WORK, work


def check_cost(node: Node, max_ruptures: int = 8) -> int:
    """The work of a satisfiability check (none when there are too many cases to try: it
    is undecided at once)."""
    too_many, work = _beyond(_cases(node, max_ruptures)[3], node)
    return 0 if too_many else work


def satisfiable(node: Node, max_ruptures: int = 8) -> bool | None:
    """Whether some meter values, visits and open-rupture count make the condition hold;
    None when there are too many cases to try (undecided, never a stall).

    Only the thresholds the condition mentions matter, so trying one value on each side
    of every threshold covers every case.
    """
    names, candidates, scene_list, cases = _cases(node, max_ruptures)
    if _beyond(cases, node)[0]:
        return None  # too many to try: undecided
    for combo in itertools.product(*(sorted(candidates[name]) for name in names)):
        chosen = dict(zip(names, combo, strict=True))
        meters = {m: chosen.get(m, 50) for m in METERS}
        open_count = chosen.get("ruptures_open", 0)
        for flags in itertools.product((False, True), repeat=len(scene_list)):
            seen = {scene for scene, flag in zip(scene_list, flags, strict=True) if flag}
            if evaluate(node, meters, seen, open_count):
                return True
    return False
