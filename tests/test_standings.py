"""The scoreboard's arithmetic and the moments' labels, without an app or a database."""

from __future__ import annotations

from simulator.scenarios import load_text
from simulator.standings import Standing, moment_split, ranked, summary
from simulator.words import progress

from .web.helpers import ASKED


def row(trainee_id: int, score: int | None, finished: int = 1, steps: int = 3) -> Standing:
    return Standing(
        trainee_id=trainee_id,
        name=f"T{trainee_id}",
        runs=0 if score is None else 1,
        finished=finished if score is not None else 0,
        steps=steps if score is not None else 0,
        score=score,
        ruptures_opened=0,
        ruptures_repaired=0,
    )


def test_ties_share_a_rank_and_those_not_started_come_last_unranked():
    rows = [row(1, 40), row(2, None), row(3, 53), row(4, 53), row(5, 49)]
    assert [(rank, r.trainee_id) for rank, r in ranked(rows)] == [
        (1, 3),
        (1, 4),
        (3, 5),
        (4, 1),
        (None, 2),
    ]


def test_progress_in_words():
    assert progress(row(1, None), 1) == "Not started"
    assert progress(row(1, 50, finished=0, steps=1), 1) == "Playing · 1 choice"
    assert progress(row(1, 50, finished=1, steps=4), 1) == "Finished · 4 choices"
    assert progress(row(1, 50, finished=1, steps=9), 2) == "1 of 2 finished · 9 choices"


def test_the_aggregate_board_counts_bands_and_repairs():
    rows = [row(1, 53), row(2, 49), row(3, 34, finished=0), row(4, None), row(5, 100)]
    totals = summary(rows, scenarios=1)
    assert (totals["joined"], totals["started"], totals["finished"]) == (5, 4, 3)
    assert (totals["mean"], totals["median"]) == (59, 51)
    assert [(b["low"], b["count"], b["percent"]) for b in totals["bands"]] == [
        (0, 0, 0),
        (20, 1, 25),
        (40, 2, 50),
        (60, 0, 0),
        (80, 1, 25),
    ]
    assert summary([], scenarios=1)["mean"] is None


def test_counts_from_an_earlier_version_are_matched_by_the_words_of_the_choice():
    current = load_text(ASKED).scenario
    # the earlier version offered the same two replies the other way round, and a third
    earlier_text = ASKED.replace(
        '      - say: "Let me tell you about my own father."',
        '      - say: "Let me tell you about my own father."\n'
        "        effects: {trust: -15}\n"
        "        goto: end\n"
        '      - say: "That is a very personal question."',
    )
    earlier = load_text(earlier_text).scenario
    assert current is not None and earlier is not None
    counts = [
        ("asked", "new", "question", 0, 3),
        ("asked", "old", "question", 0, 1),  # the same words as choice 0 now
        ("asked", "old", "question", 2, 2),  # a reply the current version no longer has
        ("asked", "new", "end", 0, 9),  # not a key moment: ignored
    ]
    [moment] = moment_split(counts, [current], {"new": current, "old": earlier})
    assert moment.kind == "self-disclosure" and moment.total == 6
    assert [(b.say, b.count, b.percent) for b in moment.bars] == [
        ("I have. I'm wondering what it would mean to you if I had.", 4, 67),
        ("Let me tell you about my own father.", 0, 0),
        ("That is a very personal question.", 2, 33),
    ]
