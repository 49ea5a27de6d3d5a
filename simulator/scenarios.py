"""The YAML edge: safe loading with line marks -> engine model, every problem as FILE:LINE:COLUMN."""

from __future__ import annotations

import fcntl
import gc
import hashlib
import os
import re
import resource
import stat
import tempfile
import threading
import time
from collections.abc import Collection, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from pydantic import ValidationError

from .engine import Problem, Scenario, check, check_unvalidated, cut_name

MAX_BYTES = 1024 * 1024
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster
MAX_NODES = 100_000  # bounds alias expansion ("billion laughs")
MAX_DEPTH = 32  # levels of nesting; a scenario needs 6, and each value keeps its whole path
SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"
BOOL_TAG = "tag:yaml.org,2002:bool"
STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
# YAML 1.2's integers (the core schema), which JSON Schema tools and editors read
DECIMAL = re.compile(r"[-+]?[0-9]+")
HEX = re.compile(r"0x[0-9a-fA-F]{1,3500}")  # longer: text, as Python reads no longer number
OCTAL = re.compile(r"0o[0-7]{1,4000}")
FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
FLOAT_OR_SPECIAL = re.compile(FLOAT.pattern + r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
FLOAT_TAG = "tag:yaml.org,2002:float"
# YAML 1.2, as editors and JSON Schema tools read it, has only true and false as booleans.
# PyYAML reads YAML 1.1, where yes/no/on/off are booleans too: here they stay text.
YAML11_ONLY_BOOLS = {"yes", "no", "on", "off", "y", "n"}
TAG_NAMES = {
    "tag:yaml.org,2002:int": "a whole number",
    FLOAT_TAG: "a number",
    BOOL_TAG: "true or false",
}
# line breaks in YAML 1.1, which libyaml reads, but ordinary characters in YAML 1.2 (NEL, LS,
# PS): each is read as a private-use character of its own, then put back in the values
BREAKS_11 = "\x85\u2028\u2029"
VALUE_TAG, MERGE_TAG = "tag:yaml.org,2002:value", "tag:yaml.org,2002:merge"  # = and <<, 1.1
ANCHOR = re.compile(r"&[^\s,\[\]{}]+(?:\s|#[^\n]*)*")  # with the spaces, breaks and comments after
TAG = re.compile(r"![^\s,\[\]{}]*")
YAML_DIRECTIVE = re.compile(r"%YAML[ \t]+(\S*)")
LINE_BREAK = re.compile(r"\r\n|\r|\n")  # YAML's line breaks (not Python's many: see BREAKS_11)
MAX_MESSAGES = 200  # problems listed per file: a hostile file cannot make a huge page
MAX_MESSAGE_CHARS = 300


def _in_order(message: Message) -> tuple[str, int, int, str, str]:
    """A message's sort key: the order its dataclass compares in, at a tuple's speed (a file
    with 50,000 problems spent a third of a second in the dataclass's comparisons)."""
    return (message.file, message.line, message.column, message.text, message.severity)


@dataclass(frozen=True, order=True)
class Message:
    """One problem in one file, at a 1-based line and column."""

    file: str
    line: int
    column: int
    text: str
    severity: str = "error"

    def __str__(self) -> str:
        label = "warning: " if self.severity == "warning" else ""
        line = f"{self.file}:{self.line}:{self.column}: {label}{self.text}"
        return _UNPRINTABLE.sub(_escaped, line) if _UNPRINTABLE.search(line) else line


# what would break a message's one line (a newline in a quoted key, in a file's name), or
# hide in it: shown escaped, as Python writes it
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def _escaped(found: re.Match[str]) -> str:
    return repr(found.group())[1:-1]


@dataclass
class Loaded:
    """The result of loading one scenario file."""

    path: str
    scenario: Scenario | None
    errors: list[Message] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)
    source: str = ""
    digest: str = ""
    positions: _Positions | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.scenario is not None and not self.errors


class Mark(NamedTuple):  # a tuple: one is made for every key and value of a file
    line: int  # 1-based
    column: int  # 1-based
    style: str | None = None  # scalar style, for columns inside a condition
    single_line: bool = True


class _Positions:
    """Where every key and value of the loaded data stands in the file."""

    def __init__(self) -> None:
        self.values: dict[tuple[Any, ...], Mark] = {}
        self.keys: dict[tuple[Any, ...], Mark] = {}

    def locate(self, path: tuple[Any, ...], at_key: bool = False) -> Mark:
        """The mark of a path, or of its nearest ancestor that has one."""
        path = tuple(path)
        if at_key and path in self.keys:
            return self.keys[path]
        while path:
            if path in self.values:
                return self.values[path]
            if path in self.keys:
                return self.keys[path]
            path = path[:-1]
        return self.values.get((), Mark(1, 1))


REFUSED = object()  # in the built data, where a value could not be read


class _Refused(Exception):
    def __init__(self, mark: Mark, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


def _mark(node: yaml.Node) -> Mark:
    start, end = node.start_mark, node.end_mark
    style = getattr(node, "style", None)
    return Mark(start.line + 1, start.column + 1, style, start.line == end.line)


class _Builder:
    """Turns a composed node tree into plain data, noting positions and refusing what is unsafe."""

    def __init__(self, text: str = "") -> None:
        self.text = text  # to tell a tag or anchor written before a value from none
        self.positions = _Positions()
        self.problems: list[tuple[Mark, str]] = []
        self.refused: list[tuple[Any, ...]] = []  # the paths of values that could not be read
        self.lines: list[str] | None = None  # the text's lines, split when first needed
        self.count = 0
        self.scalars = yaml.SafeLoader("")

    def _written_tag(self, node: yaml.Node) -> str | None:
        """The tag written before the value (`!!int 10`, `&a !!int 10`, `! 10`, the anchor
        and the tag on lines of their own), or None: the YAML 1.2 readings below are for
        untagged values. An anchor is no tag."""
        index = getattr(node.start_mark, "index", None)
        end = getattr(node.end_mark, "index", None)
        if index is None or end is None:
            return None
        written = ANCHOR.match(self.text, index, end)
        start = written.end() if written else index
        tag = TAG.match(self.text, start, end)
        return tag.group() if tag else None

    def _indented(self, node: yaml.Node, parent: int) -> None:
        """A quoted value over several lines must have each of its later lines indented
        more than its key or dash, as YAML 1.2 and editors read it; libyaml lets it pass."""
        if not isinstance(node, yaml.ScalarNode) or node.style not in ('"', "'"):
            return
        first, last = node.start_mark.line, node.end_mark.line
        if first == last:
            return
        if self.lines is None:
            self.lines = LINE_BREAK.split(self.text)
        for number in range(first + 1, min(last, len(self.lines) - 1) + 1):
            line = self.lines[number]
            if line.strip() and len(line) - len(line.lstrip(" ")) <= parent:
                self.problems.append(
                    (
                        Mark(number + 1, 1),
                        "this line of a quoted value must be indented more than its key "
                        f"(at least {parent + 1} space{'s' if parent else ''}): editors read the quote as unclosed",
                    )
                )
                return

    def _refuse(self, node: yaml.Node, path: tuple[Any, ...], message: str) -> Any:
        """A value that cannot be read: its problem noted, and REFUSED in its place, so the
        rest of the file is still read and checked (validation's messages about this place
        are left out, as this one says it)."""
        self.problems.append((_mark(node), message))
        self.refused.append(path)
        return REFUSED

    def build(self, node: yaml.Node, path: tuple[Any, ...]) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _Refused(
                _mark(node),
                f"the file holds more than {MAX_NODES:,} values, counting every use of an "
                "alias: split it into smaller scenarios, or use fewer aliases",
            )
        self.positions.values.setdefault(path, _mark(node))
        if len(path) > MAX_DEPTH and isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            raise _Refused(_mark(node), f"the file nests too deeply (over {MAX_DEPTH} levels)")
        if isinstance(node, yaml.MappingNode):
            if node.tag != MAP_TAG:
                return self._refuse(node, path, f"tag {node.tag!r} is not allowed")
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == MERGE_TAG:
                    self.problems.append((_mark(key_node), "merge keys (<<) are not supported"))
                    continue
                key = self.build(key_node, ("key",) + path)
                if key is REFUSED:
                    continue  # said where it was built
                if isinstance(key, bool):
                    key = "true" if key else "false"  # `true:` is the key "true", as in editors
                elif isinstance(key, int):
                    key = str(key)  # `123:` is the key "123", as editors read it
                elif key is None:
                    key = ""  # `null:` and `~:` are the empty key, as editors read them
                if not isinstance(key, str):
                    self.problems.append((_mark(key_node), "keys must be plain text"))
                    continue
                if key in result:
                    self.problems.append((_mark(key_node), f"duplicate key '{cut_name(key)}'"))
                    continue
                self.positions.keys[path + (key,)] = _mark(key_node)
                result[key] = self.build(value_node, path + (key,))
                if not node.flow_style:
                    self._indented(value_node, key_node.start_mark.column)
            return result
        if isinstance(node, yaml.SequenceNode):
            if node.tag != SEQ_TAG:
                return self._refuse(node, path, f"tag {node.tag!r} is not allowed")
            items = [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
            if not node.flow_style:
                for item in node.value:
                    self._indented(item, node.start_mark.column)
            return items
        written_tag = self._written_tag(node)
        if written_tag == "!":  # the non-specific tag: text, in YAML 1.2
            return str(node.value)
        plain_scalar = not getattr(node, "style", None) and written_tag is None
        if plain_scalar and node.tag in (VALUE_TAG, MERGE_TAG):
            return str(node.value)  # = and << as values: text in YAML 1.2
        if node.tag == STR_TAG:  # most values: the constructor would return node.value
            if plain_scalar and OCTAL.fullmatch(node.value):
                return int(node.value[2:], 8)  # 0o17: a number in YAML 1.2, text in 1.1
            if plain_scalar and FLOAT.fullmatch(node.value) and len(node.value) <= 400:
                number = float(node.value)  # 1e3: a number in YAML 1.2, text in 1.1
                return int(number) if number.is_integer() and abs(number) < 2**53 else number
            return node.value
        if node.tag == INT_TAG:  # read in YAML 1.2's forms only, as editors do
            written = str(node.value).strip()
            if DECIMAL.fullmatch(written) and len(written) <= 4300:
                return int(written, 10)  # 010 is ten, not YAML 1.1's octal eight
            if HEX.fullmatch(written) or OCTAL.fullmatch(written):
                return int(written[2:], 16 if written[1] == "x" else 8)
            if plain_scalar and not DECIMAL.fullmatch(written):
                return str(node.value)  # 1_000, 0b101, 190:20:30, +0x1F: text in YAML 1.2
            # `!!int 1_000` or `!!int 1:30` (PyYAML's 1.1 forms are no numbers to editors, and
            # its base 60 takes time that grows with the square of the length), or too long
            return self._refuse(
                node, path, f"'{cut_name(written)}' cannot be read as a whole number"
            )
        if node.tag == FLOAT_TAG and plain_scalar and not FLOAT_OR_SPECIAL.fullmatch(node.value):
            return str(node.value)  # 1_000.5, 190:20:30.5: text in YAML 1.2
        if node.tag not in SCALAR_TAGS:
            if node.tag == "tag:yaml.org,2002:timestamp":
                return str(node.value)
            return self._refuse(node, path, f"tag {node.tag!r} is not allowed")
        plain = not getattr(node, "style", None)  # None, or "" from libyaml
        if node.tag == BOOL_TAG and str(node.value).lower() in YAML11_ONLY_BOOLS:
            if plain and written_tag is None:
                return str(node.value)  # yes, no, on, off: text in YAML 1.2
            # `!!bool yes`: no boolean in YAML 1.2
            return self._refuse(
                node, path, f"'{cut_name(str(node.value))}' cannot be read as true or false"
            )
        try:
            value = self.scalars.construct_object(node, deep=True)
        except Exception:  # PyYAML's constructors raise ValueError, IndexError, KeyError...
            what = TAG_NAMES.get(node.tag, "a value of that kind")
            return self._refuse(
                node, path, f"'{cut_name(str(node.value))}' cannot be read as {what}"
            )
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            return int(value)  # 10.0 is the integer 10, as JSON Schema reads it
        return value


def _is_mapping(data: Any, path: tuple[Any, ...]) -> bool:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return False
    return isinstance(data, dict)


def _pydantic_message(error: dict[str, Any], data: Any) -> tuple[tuple[Any, ...], str, bool]:
    """A plain message for one pydantic error, its path, and whether it points at a key."""
    loc = tuple(error["loc"])
    kind = error["type"]
    name = next((str(p) for p in reversed(loc) if isinstance(p, str) and p != "[key]"), "value")
    if kind == "missing":
        return loc[:-1], f"missing required key '{loc[-1]}'", True
    if kind == "extra_forbidden":
        return loc, f"unknown key '{cut_name(str(loc[-1]))}'", True
    if loc and loc[-1] == "[key]":
        if len(loc) >= 3 and loc[-3] == "effects" or "meter" in error.get("msg", ""):
            return (
                loc[:-1],
                f"unknown meter '{cut_name(str(loc[-2]))}': use authenticity, attentiveness, positivity or trust",
                True,
            )
        key = cut_name(str(loc[-2]))
        where = f"a key of '{loc[-3]}'" if len(loc) >= 3 else "a key"
        if kind == "string_too_long":
            limit = error.get("ctx", {}).get("max_length")
            return loc[:-1], f"'{key}', {where}, must be at most {limit} characters", True
        if kind == "string_pattern_mismatch":
            return (
                loc[:-1],
                f"'{key}', {where}, must be a slug: lowercase letters, digits and '-'",
                True,
            )
        return loc[:-1], f"'{key}' is not valid as {where}: {error['msg']}", True
    if loc and loc[-1] == "effects" and kind == "literal_error":
        return loc, error["msg"], False
    msg = str(error["msg"])
    if kind == "value_error":
        msg = msg.removeprefix("Value error, ")
        return loc, msg, _is_mapping(data, loc)
    if kind in ("less_than_equal", "greater_than_equal"):
        limit = error.get("ctx", {}).get("le", error.get("ctx", {}).get("ge"))
        side = "at most" if kind == "less_than_equal" else "at least"
        return loc, f"'{name}' must be {side} {limit}", False
    if kind == "too_short" and loc and loc[-1] == "choices":
        return loc, "`choices` needs at least one choice", False
    if kind == "string_pattern_mismatch":
        return loc, f"'{name}' must be a slug: lowercase letters, digits and '-'", False
    if kind == "literal_error":
        return loc, f"'{name}': {msg[0].lower()}{msg[1:]}", False
    if kind in ("too_short", "string_too_short"):
        return loc, f"'{name}' must not be empty", False
    limit = error.get("ctx", {}).get("max_length")
    if kind == "string_too_long":
        return loc, f"'{name}' must be at most {limit} characters", False
    if kind == "too_long":
        return loc, f"'{name}' can have at most {limit} items", False
    if kind in ("tuple_type", "list_type"):
        return loc, f"'{name}' must be a list (one item a line, each starting '- ')", False
    if kind in ("model_type", "dict_type"):
        return loc, f"'{name}' must be a mapping of keys (key: value, one a line)", False
    if kind == "bool_type":
        return loc, f"'{name}' must be true or false: write true or false", False
    if kind == "string_type" and isinstance(error.get("input"), bool):
        return (
            loc,
            f"'{name}' must be text, and this reads as true or false: put it in quotes",
            False,
        )
    if kind == "string_type" and isinstance(error.get("input"), int | float):
        return loc, f"'{name}' must be text, and this reads as a number: put it in quotes", False
    if kind in ("int_type", "int_parsing", "int_from_float") and isinstance(
        error.get("input"), str
    ):
        return loc, f"'{name}' must be a whole number, written in digits such as 10", False
    return loc, f"'{name}': {msg[0].lower()}{msg[1:]}", False


def _column(mark: Mark, offset: int) -> int:
    """The column of a character inside a one-line scalar."""
    if not mark.single_line or mark.style in ("|", ">"):
        return mark.column
    return mark.column + offset + (1 if mark.style in ("'", '"') else 0)


def locate_all(loaded: Loaded, problems: Iterable[Problem]) -> list[Message]:
    """Engine problems as FILE:LINE:COLUMN messages, sorted."""
    positions = loaded.positions or _Positions()
    messages = []
    for problem in problems:
        mark = positions.locate(problem.path, problem.at_key)
        column = _column(mark, problem.offset) if problem.offset else mark.column
        messages.append(Message(loaded.path, mark.line, column, problem.message, problem.severity))
    return sorted(messages, key=_in_order)


_PAUSE = threading.Lock()
_pausing = 0  # loads under way with the collector paused, across threads
_resume = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a file's tree of values is built: the
    tree holds no garbage, and each collection walked all of it again, which made a large
    file take two to four times as long. The collector resumes when the last load ends."""
    global _pausing, _resume
    with _PAUSE:
        _pausing += 1
        if _pausing == 1:
            _resume = gc.isenabled()  # a process that runs without it keeps it off
            gc.disable()
    try:
        yield
    finally:
        with _PAUSE:
            _pausing -= 1
            if _pausing == 0 and _resume:
                gc.enable()


# memory a path analysis may take (the background job's and `rapport analyze`'s default): a
# 17 KB file of many rules and ruptures once took 5.7 GB to reach the state bound
ANALYSIS_MEGABYTES = 1536


@contextmanager
def memory_limited(megabytes: int | None) -> Iterator[None]:
    """This process's address space limited to `megabytes` (none when None or 0): an
    allocation past it raises MemoryError. The limit that was set before comes back after;
    one already lower is kept."""
    if not megabytes:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = megabytes * 2**20
    if soft != resource.RLIM_INFINITY and soft <= wanted:
        yield
        return
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def load_text(text: str, path: str = "<scenario>") -> Loaded:
    """Load and validate scenario text; every problem is collected, none raises."""
    try:
        with collector_paused():
            loaded = _load_text(text, path)
    except Exception as exc:  # a bug here must not become a traceback or a 500: report it
        digest = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
        loaded = Loaded(path=path, scenario=None, source=text, digest=digest)
        loaded.errors.append(
            Message(path, 1, 1, f"the file could not be checked ({type(exc).__name__})")
        )
    loaded.errors = capped(loaded.errors, path)
    loaded.warnings = capped(loaded.warnings, path, "warning")
    return loaded


def capped(messages: list[Message], path: str, severity: str = "error") -> list[Message]:
    """At most MAX_MESSAGES messages, each at most MAX_MESSAGE_CHARS long, and a last one
    saying how many more there were."""
    kept = [
        m
        if len(m.text) <= MAX_MESSAGE_CHARS
        else Message(m.file, m.line, m.column, m.text[: MAX_MESSAGE_CHARS - 1] + "…", m.severity)
        for m in messages[:MAX_MESSAGES]
    ]
    if len(messages) > MAX_MESSAGES:
        more = len(messages) - MAX_MESSAGES
        last = messages[MAX_MESSAGES]
        kept.append(Message(path, last.line, last.column, f"and {more} more like these", severity))
    return kept


def _load_text(text: str, path: str) -> Loaded:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    loaded = Loaded(path=path, scenario=None, source=text, digest=digest)

    def error(mark: Mark, message: str) -> Loaded:
        loaded.errors.append(Message(path, mark.line, mark.column, message))
        return loaded

    if len(text.encode("utf-8")) > MAX_BYTES:
        return error(Mark(1, 1), f"the file is larger than {MAX_BYTES // 1024} KB")
    for number, version in _yaml_directives(text):
        if version == "1.2":
            continue
        return error(
            Mark(number, 1),
            f"the file declares YAML {version[:20]}: Rapport reads YAML 1.2, as "
            "editors do, so remove this line (or write %YAML 1.2)",
        )
    back = _yaml12_breaks(text)
    try:
        node = yaml.compose(text.translate(back.forward) if back else text, Loader=FAST_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Mark(mark.line + 1, mark.column + 1) if mark else Mark(1, 1)
        return error(where, f"YAML does not parse: {exc.problem or exc.context}")
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, such as NUL
        # found again here: libyaml counts its position in bytes, PyYAML in characters
        bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
        at = bad.start() if bad else 0
        before = text[:at]
        where = Mark(before.count("\n") + 1, at - (before.rfind("\n") + 1) + 1)
        code = f" (#x{exc.character:04x})" if isinstance(exc.character, int) else ""
        return error(where, f"YAML does not parse: {exc.reason}{code}")
    except yaml.YAMLError as exc:
        return error(Mark(1, 1), f"YAML does not parse: {_one_line(exc)}")
    except RecursionError:
        return error(Mark(1, 1), "the file nests too deeply")
    if node is None:
        return error(Mark(1, 1), "the file is empty")
    if back:
        back.restore(node)
    builder = _Builder(text)
    try:
        data = builder.build(node, ())
    except _Refused as refused:  # the problems found before it are kept
        for where_at, problem in builder.problems:
            error(where_at, problem)
        return error(refused.mark, refused.message)
    except RecursionError:
        return error(Mark(1, 1), "the file nests too deeply")
    except yaml.YAMLError as exc:
        return error(Mark(1, 1), f"YAML does not parse: {_one_line(exc)}")
    for where_at, problem in builder.problems:
        error(where_at, problem)
    if data is REFUSED:
        return loaded
    if not isinstance(data, dict):
        return error(_mark(node), "a scenario must be a mapping of keys (format, id, title, ...)")
    positions = builder.positions
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raw = exc.errors()
        # every place that holds a deeper error: a "too short" there is pydantic's echo of a
        # failing item, not a problem of its own (one set: looking through every error for
        # each cost the square of their number)
        holding = {tuple(item["loc"])[:end] for item in raw for end in range(len(item["loc"]))}
        unread = set(builder.refused)
        for item in raw:
            if item["type"] == "too_short" and tuple(item["loc"]) in holding:
                continue
            loc = tuple(item["loc"])
            if unread and any(loc[:end] in unread for end in range(len(loc) + 1)):
                continue  # a value that could not be read: said already
            item_path, text, at_key = _pydantic_message(dict(item), data)
            error(positions.locate(item_path, at_key), text)
        loaded.positions = positions
        loaded.errors += locate_all(loaded, check_unvalidated(data))
        loaded.positions = None
        loaded.errors = sorted(set(loaded.errors), key=_in_order)
        return loaded
    loaded.positions = positions
    for found in locate_all(loaded, check(scenario)):
        (loaded.errors if found.severity == "error" else loaded.warnings).append(found)
    loaded.errors.sort(key=_in_order)
    loaded.warnings.sort(key=_in_order)
    if not loaded.errors:
        loaded.scenario = scenario
    return loaded


def _yaml_directives(text: str) -> Iterator[tuple[int, str]]:
    """The line number and version of each `%YAML` directive before the file's content."""
    for number, line in enumerate(text.lstrip("\ufeff").split("\n", 1000)[:1000], start=1):
        line = line.rstrip("\r")
        if line.startswith("%"):
            written = YAML_DIRECTIVE.match(line)
            if written:
                yield number, written.group(1)
        elif line.strip() and not line.lstrip().startswith("#"):
            return


class _Breaks:
    """YAML 1.1's extra line breaks, each swapped for a private-use character the text does
    not hold while libyaml reads it, and swapped back in every value read."""

    def __init__(self, stand_ins: list[str]) -> None:
        self.forward = str.maketrans(dict(zip(BREAKS_11, stand_ins, strict=True)))
        self.backward = str.maketrans(dict(zip(stand_ins, BREAKS_11, strict=True)))

    def restore(self, root: yaml.Node) -> None:
        seen: set[int] = set()
        nodes = [root]
        while nodes:  # without recursion: nesting is refused later, past MAX_DEPTH
            node = nodes.pop()
            if id(node) in seen:  # an alias's node, met again
                continue
            seen.add(id(node))
            if isinstance(node, yaml.ScalarNode):
                node.value = node.value.translate(self.backward)
            elif isinstance(node, yaml.SequenceNode):
                nodes.extend(node.value)
            elif isinstance(node, yaml.MappingNode):
                nodes.extend(part for pair in node.value for part in pair)


def _yaml12_breaks(text: str) -> _Breaks | None:
    """A swap of NEL, LS and PS for libyaml, when the text holds any of them."""
    if not any(c in text for c in BREAKS_11):
        return None
    free = (chr(c) for c in range(0xE000, 0xF900) if chr(c) not in text)
    return _Breaks([next(free) for _ in BREAKS_11])


def _one_line(exc: Exception) -> str:
    """An error's words on one line, so that each message stays one FILE:LINE:COLUMN line."""
    return " ".join(str(exc).split())


def load_file(path: str | Path) -> Loaded:
    """Load one scenario file; unreadable, huge or non-UTF-8 files become errors too."""
    name = str(path)
    try:
        info = Path(path).stat()
        if not stat.S_ISREG(info.st_mode):
            return Loaded(name, None, [Message(name, 1, 1, "not a regular file")])
        if _leaves_folder(Path(path)):
            return Loaded(name, None, [Message(name, 1, 1, LEAVES_FOLDER)])
        size = info.st_size
        if size > MAX_BYTES:
            return Loaded(
                name, None, [Message(name, 1, 1, f"the file is larger than {MAX_BYTES // 1024} KB")]
            )
        raw = Path(path).read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Loaded(name, None, [Message(name, 1, 1, "the file is not UTF-8 text")])
    except OSError as exc:
        return Loaded(name, None, [Message(name, 1, 1, f"cannot read the file: {exc.strerror}")])
    return load_text(text, name)


LEAVES_FOLDER = "a link that leads out of its folder: the library would not serve it"


def _leaves_folder(path: Path) -> bool:
    """Whether the path is a link to a file outside the folder the link is in."""
    if not path.is_symlink():
        return False
    return not path.resolve().is_relative_to(path.absolute().parent.resolve())


def passed_over(paths: Iterable[str | Path]) -> list[Message]:
    """The .yaml/.yml entries of the folders named that are no scenario files of theirs: a
    FIFO or other special file, or a link that leads out of the folder, is refused (an
    error); a link that leads to nothing or loops (an editor's lock file) is a warning."""
    found = []
    for item in paths:
        folder = Path(item)
        if not folder.is_dir():
            continue
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
        for entry in entries:
            if os.path.splitext(entry.name)[1] not in (".yaml", ".yml") or _own_yaml(
                entry, folder, []
            ):
                continue
            name = str(folder / entry.name)
            found.append(_passed_over(Path(name), name))
    return found


def _passed_over(path: Path, name: str) -> Message:
    try:
        if not path.is_symlink():
            return Message(name, 1, 1, "not a regular file: the library does not serve it")
        if path.exists():
            return Message(name, 1, 1, LEAVES_FOLDER)
    except OSError:  # a link in a loop
        pass
    return Message(name, 1, 1, "skipped: a link to nothing, or in a loop", "warning")


def scenario_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and the .yaml/.yml files inside folders named, sorted."""
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found += sorted(_folder_files(path))
        else:
            found.append(path)
    return found


def _folder_files(folder: Path) -> Iterator[Path]:
    # os.scandir knows each entry's type from the folder listing, so a plain file costs no
    # system call of its own (the library looks at its folder on every catalog request)
    inside: list[Path] = []
    with os.scandir(folder) as listing:
        for item in listing:
            if _own_yaml(item, folder, inside):
                yield folder / item.name


def _own_yaml(item: os.DirEntry[str], folder: Path, inside: list[Path]) -> bool:
    """Whether a folder's entry is one of its scenario files: a .yaml or .yml file, or a link
    to one inside the folder (a link that leads out of it, dangles or loops is not). `inside`
    keeps the folder's resolved path once a link has needed it."""
    if os.path.splitext(item.name)[1] not in (".yaml", ".yml"):
        return False
    try:
        if not item.is_file():
            return False
        if item.is_symlink():
            if not inside:
                inside.append(folder.resolve())
            return Path(item.path).resolve().is_relative_to(inside[0])
    except (OSError, RuntimeError):  # a link in a loop
        return False
    return True


@dataclass
class Entry:
    """One file of the library as last seen."""

    file: Path
    mtime: float
    size: int
    loaded: Loaded


@dataclass(frozen=True)
class Target:
    """Where a scenario is written, the library file it replaces, and whether a file is there."""

    path: Path
    replaces: Entry | None
    exists: bool


@dataclass(frozen=True)
class Source:
    """A file's text as the editor opens it, its digest, or why it cannot be opened."""

    text: str | None
    digest: str
    unreadable: str | None


class Conflict(Exception):
    """The file changed on disk since it was read; `found` is its digest now."""

    def __init__(self, found: str) -> None:
        super().__init__(found)
        self.found = found


# one writer at a time, so a save's digest check and its write see the same file
_write_lock = threading.Lock()


@contextmanager
def _one_writer(folder: Path) -> Iterator[None]:
    """One writer at a time among this process's threads and the server's other worker
    processes: the thread lock, then an exclusive lock on the folder itself (no lock file
    left beside the scenarios; a folder that cannot be opened fails the write on its own)."""
    with _write_lock:
        try:
            handle: int | None = os.open(folder, os.O_RDONLY)
        except OSError:
            handle = None
        try:
            if handle is not None:
                fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            if handle is not None:
                os.close(handle)  # which releases the lock


def digest_of(raw: bytes) -> str:
    """The digest the library gives a file's text (sha256 of its UTF-8 bytes)."""
    return hashlib.sha256(raw).hexdigest()


def write_atomically(path: Path, text: str) -> None:
    """Write a temporary file beside `path`, then rename it into place: readers see the old
    file or the new one, never half of one."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


# seconds a request waits for changed files to be checked, in all (a file of the usual
# size takes milliseconds; the most hostile about a second, and twenty at once took 1.8 s)
RELOAD_WAIT = 0.5


def _checking(file: Path) -> Future[Loaded]:
    """`load_file` on the process's one checking thread: files dropped in together are
    checked one after another, so a request competes with one thread, not with one each."""
    global _checker
    pid = os.getpid()
    with _CHECKER_LOCK:
        if _checker is None or _checker[0] != pid:  # none yet, or the parent's, before a fork
            _checker = pid, ThreadPoolExecutor(max_workers=1, thread_name_prefix="check")
        return _checker[1].submit(load_file, file)


_checker: tuple[int, ThreadPoolExecutor] | None = None
_CHECKER_LOCK = threading.Lock()


class Library:
    """The scenario folder, reloaded file by file when a file changes on disk.

    Every version ever loaded stays available by digest, so a run keeps playing the scenario
    it started with even after the file changes.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._entries: dict[str, Entry] = {}  # by file name
        self._versions: dict[str, Scenario] = {}
        # changed files being validated, by (name, mtime, size): each once, in a thread of
        # its own, so that a request waits for them at most RELOAD_WAIT seconds
        self._checks: dict[tuple[str, float, int], Future[Loaded]] = {}
        self._pid = os.getpid()
        self._lock = threading.Lock()

    def refresh(self, wait: float | None = RELOAD_WAIT) -> list[Entry]:
        """Look at the folder again; reload only the files whose size or mtime changed.

        Each changed file is validated once however many requests see it, on the process's
        checking thread, outside the lock; a request waits for them at most `wait` seconds in
        all (None: until all are checked), then serves the version each had (a new file is
        served once it is checked), so no page waits on a slow file. The new entries are
        swapped in at once. The look itself is one folder listing and one stat per file, by name (it runs
        on every catalog, briefing and start)."""
        if self._pid != os.getpid():  # a forked worker: the parent's checking threads are not here
            self._pid, self._checks = os.getpid(), {}
        known = self._entries
        if not known:  # the first look (a new app): every file is checked before serving
            wait = None
        entries: dict[str, Entry] = {}
        fresh: list[Entry] = []  # the files checked since the last look
        deadline = None if wait is None else time.monotonic() + wait
        for name, info in self._listing():
            entry = known.get(name)
            if entry is not None and entry.mtime == info.st_mtime and entry.size == info.st_size:
                entries[name] = entry
                continue
            file = self.folder / name
            key = (name, info.st_mtime, info.st_size)
            with self._lock:
                check = self._checks.get(key)
                if check is None:
                    check = self._checks[key] = _checking(file)
            try:
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                loaded = check.result(timeout=left)
            except TimeoutError:  # still being checked: serve what was there
                if entry is not None:
                    entries[name] = entry
                continue
            loaded.path = name
            entries[name] = Entry(file, info.st_mtime, info.st_size, loaded)
            fresh.append(entries[name])
        with self._lock:
            for entry in fresh:  # not every file: this runs on every catalog request
                if entry.loaded.scenario is not None:
                    self._versions.setdefault(entry.loaded.digest, entry.loaded.scenario)
                self._checks.pop((entry.file.name, entry.mtime, entry.size), None)
            if len(self._checks) > 2 * len(entries) + 100:  # files changed again meanwhile
                self._checks = {k: c for k, c in self._checks.items() if not c.done()}
            self._entries = entries
        return list(entries.values())

    def _listing(self) -> list[tuple[str, os.stat_result]]:
        """The folder's scenario files by name, sorted, each with its stat: the same files
        as `scenario_files` (a link that leads out of the folder is left out)."""
        found = []
        inside: list[Path] = []
        try:
            listing = os.scandir(self.folder)
        except OSError:  # no folder (yet): no scenarios
            return []
        with listing:
            for item in listing:
                if not _own_yaml(item, self.folder, inside):
                    continue
                try:
                    found.append((item.name, item.stat()))
                except OSError:
                    continue
        found.sort(key=lambda pair: pair[0])
        return found

    def entries(self) -> list[Entry]:
        """Every file, refreshed, each checked however long it takes (the library page, the
        server's start)."""
        return self.refresh(wait=None)

    def scenarios(self) -> list[tuple[Scenario, str]]:
        """Every valid scenario with its digest, by title; on a duplicate id the first file wins."""
        seen: dict[str, tuple[Scenario, str]] = {}
        for entry in self.refresh():
            scenario = entry.loaded.scenario
            if scenario is not None and scenario.id not in seen:
                seen[scenario.id] = (scenario, entry.loaded.digest)
        return sorted(seen.values(), key=lambda pair: pair[0].title.lower())

    def serving(self, scenario_id: str) -> Entry | None:
        """The file that serves a scenario id: the first valid one in file order, as
        trainees see it."""
        for entry in self.refresh():
            scenario = entry.loaded.scenario
            if scenario is not None and scenario.id == scenario_id:
                return entry
        return None

    def get(self, scenario_id: str) -> tuple[Scenario, str] | None:
        """The current valid version of a scenario and its digest."""
        entry = self.serving(scenario_id)
        if entry is None or entry.loaded.scenario is None:
            return None
        return entry.loaded.scenario, entry.loaded.digest

    def named(self, name: str) -> Entry | None:
        """The library file with this name, or None."""
        for entry in self.refresh():
            if entry.file.name == name:
                return entry
        return None

    def file(self, name: str) -> Path | None:
        """A regular file directly in the folder, or None: never a path outside it."""
        folder = self.folder.resolve()
        if not name or name.startswith(".") or "/" in name or "\\" in name or "\0" in name:
            return None
        path = folder / name
        try:
            if not path.is_file() or path.resolve().parent != folder:
                return None
        except OSError:
            return None
        return path

    def has_file(self, name: str) -> bool:
        """Whether the folder holds a file of this name (the schema, offered for download)."""
        try:
            return (self.folder / name).is_file()
        except OSError:  # a folder that cannot be read: folder_problem() says so
            return False

    def folder_problem(self) -> str | None:
        """Why the folder cannot be listed (missing, no folder, unreadable), or None."""
        try:
            with os.scandir(self.folder):
                return None
        except FileNotFoundError:
            return f"The scenario folder {self.folder} does not exist."
        except NotADirectoryError:
            return f"{self.folder} is not a folder, so it holds no scenarios."
        except OSError as error:
            return f"The scenario folder {self.folder} cannot be read ({error.strerror})."

    def check(self, text: str, name: str) -> Loaded:
        """Validate text as the file `name`; an id another file already serves is an error too."""
        loaded = load_text(text, name)
        scenario = loaded.scenario
        if scenario is None:
            return loaded
        for entry in self.refresh():
            other = entry.loaded.scenario
            if entry.file.name != name and other is not None and other.id == scenario.id:
                mark = loaded.positions.keys.get(("id",)) if loaded.positions else None
                line, column = (mark.line, mark.column) if mark else (1, 1)
                loaded.errors.append(
                    Message(
                        name,
                        line,
                        column,
                        f"the id '{scenario.id}' is already used by {entry.file.name}: "
                        "choose another id",
                    )
                )
                loaded.scenario = None
                break
        return loaded

    def target(self, scenario_id: str) -> Target:
        """Where a scenario with this id is written: the file already serving it, else
        `<id>.yaml`; with the entry it would replace, if any."""
        serving = self.serving(scenario_id)
        if serving is not None:
            return Target(serving.file, serving, serving.file.exists())
        path = self.folder / f"{scenario_id}.yaml"
        replaced = next((entry for entry in self.refresh() if entry.file == path), None)
        return Target(path, replaced, path.exists())

    def write(self, path: Path, text: str, expect: Collection[str] | None = None) -> None:
        """Write a file of the folder atomically, one writer at a time. With `expect`, only
        while the file's digest on disk is one of those ('gone' when it was deleted, '' when
        unreadable); else Conflict says what it is now. OSError when it cannot be written.
        A folder not made yet is made (the library page offers an upload into it)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with _one_writer(path.parent):
            if expect is not None:
                try:
                    on_disk = digest_of(path.read_bytes())
                except FileNotFoundError:
                    on_disk = "gone"
                except OSError:
                    on_disk = ""
                if on_disk not in expect:
                    raise Conflict(on_disk)
            write_atomically(path, text)

    def read(self, path: Path) -> Source:
        """A file's text and digest, or why it cannot be edited as text."""
        try:
            raw = path.read_bytes()
        except OSError as error:
            return Source(None, "", f"The file cannot be read ({error.strerror}).")
        if len(raw) > MAX_BYTES:
            return Source(None, digest_of(raw), f"The file is larger than {MAX_BYTES // 1024} KB.")
        try:
            return Source(raw.decode("utf-8"), digest_of(raw), None)
        except UnicodeDecodeError:
            return Source(None, digest_of(raw), "The file is not UTF-8 text.")

    def version(self, digest: str, source: str | None = None) -> Scenario | None:
        """A pinned version by digest; rebuilt from stored source if this process never saw it."""
        found = self._versions.get(digest)
        if found is None and source is not None:
            loaded = load_text(source)
            if loaded.scenario is not None and loaded.digest == digest:
                with self._lock:
                    self._versions[digest] = loaded.scenario
                found = loaded.scenario
        return found
