"""The catalog's order, filters and search: plain functions over the library's scenarios,
so the same query string gives the same list with or without JavaScript."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from .engine import Scenario

DIFFICULTIES = ("beginner", "intermediate", "advanced")
QUERY_LIMIT = 100  # characters of search text kept; longer is cut, never an error
T = TypeVar("T")
PAGE_SIZE = 48  # cards on one page of the catalog: a large library is read page by page


@dataclass(frozen=True)
class Filters:
    """What the trainee asked for: search words, a difficulty and a tag, each optional."""

    text: str = ""
    difficulty: str = ""
    tag: str = ""
    problems: tuple[str, ...] = field(default=())
    page: int = 1

    @property
    def active(self) -> bool:
        return bool(self.text or self.difficulty or self.tag)


def read_filters(args: dict[str, str], tags: list[str]) -> Filters:
    """The filters from a query string; an unknown difficulty or tag is dropped and named."""
    problems = []
    text = " ".join(args.get("q", "").split())[:QUERY_LIMIT]
    difficulty = args.get("difficulty", "").strip().lower()
    if difficulty and difficulty not in DIFFICULTIES:
        problems.append(f"There is no difficulty “{difficulty[:40]}”: showing every difficulty.")
        difficulty = ""
    tag = args.get("tag", "").strip().lower()
    if tag and tag not in tags:
        problems.append(f"No scenario has the tag “{tag[:40]}”: showing every tag.")
        tag = ""
    page, problem = read_page(args.get("page", ""))
    if problem:
        problems.append(problem)
    return Filters(text, difficulty, tag, tuple(problems), page)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a long list (the catalog's matching scenarios, the library's files)."""

    items: list[T]
    number: int
    pages: int
    first: int  # 1-based position of the page's first item in the whole list
    of: int  # how many in all


def page_of(found: list[T], wanted: int, size: int | None = None) -> Page[T]:
    """The page asked for (`size` items a page, PAGE_SIZE unless given); past the last,
    the last."""
    size = size or PAGE_SIZE
    pages = max(1, -(-len(found) // size))
    number = min(wanted, pages)
    start = (number - 1) * size
    return Page(found[start : start + size], number, pages, start + 1, len(found))


def read_page(raw: str) -> tuple[int, str | None]:
    """A page number from a query string (1 when none is asked for), and what was wrong
    with one that is no page number."""
    raw = raw.strip()
    if not raw:
        return 1, None
    if raw.isascii() and raw.isdigit() and len(raw) <= 6 and int(raw) > 0:
        return int(raw), None
    return 1, f"There is no page “{raw[:40]}”: showing the first."


def ordered(scenarios: list[Scenario]) -> list[Scenario]:
    """Beginner first, then intermediate, then advanced; by title within each."""
    return sorted(scenarios, key=lambda s: (DIFFICULTIES.index(s.difficulty), s.title.lower()))


def all_tags(scenarios: list[Scenario]) -> list[str]:
    """Every tag in the library, the most used first, then alphabetically."""
    counts = Counter(tag.lower() for s in scenarios for tag in s.tags)
    return sorted(counts, key=lambda tag: (-counts[tag], tag))


TAGS_OFFERED = 60  # in the tag filter: a file of 22,000 tags made every catalog 800 KB


def offered_tags(tags: list[str], chosen: str) -> list[str]:
    """The tags the filter lists: the most used, and the one chosen (any tag in the library
    can still be asked for by its link)."""
    offered = tags[:TAGS_OFFERED]
    return offered if not chosen or chosen in offered else [*offered, chosen]


def _haystack(scenario: Scenario) -> str:
    client = scenario.client
    parts = [scenario.title, scenario.summary, client.name, client.concern, *scenario.tags]
    return " ".join(parts).lower()


def matching(scenarios: list[Scenario], filters: Filters) -> list[Scenario]:
    """The scenarios that meet every filter; the search needs each word somewhere."""
    words = filters.text.lower().split()
    found = []
    for scenario in ordered(scenarios):
        if filters.difficulty and scenario.difficulty != filters.difficulty:
            continue
        if filters.tag and filters.tag not in (t.lower() for t in scenario.tags):
            continue
        haystack = _haystack(scenario)
        if all(word in haystack for word in words):
            found.append(scenario)
    return found


def one_line(text: str, limit: int = 140) -> str:
    """A summary cut to one line for a card: its first sentence, or a cut at a word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"
