"""Playing a scenario together in class: the group run's rules, apart from the web.

The room votes on the current scene's replies; the instructor reveals the split and goes on
with the majority or with a reply of their own choosing. The engine applies that reply
exactly as in solo play (`engine.choose_reply`); this module only counts votes and keeps
the rows. No Flask here: the routes are in `simulator/classroom/group.py`."""

from __future__ import annotations

from dataclasses import dataclass
from string import ascii_uppercase

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import engine
from .engine import Choice, Scenario, State
from .models import GroupRun, GroupStep, GroupVote, Trainee, now

# how the room's choice at a step was decided, in the words the pages show
DECIDED = {
    "majority": "the room's majority",
    "tie": "a tie, broken by the instructor",
    "instructor": "the instructor's choice, for discussion",
}


class GroupError(ValueError):
    """A move the group run does not allow now; its message is for the instructor."""


@dataclass(frozen=True)
class Reply:
    """A reply on offer, as the room sees it: a letter, its identity, the choice."""

    letter: str
    id: str
    choice: Choice


@dataclass(frozen=True)
class Bar:
    """One reply's share of the room's votes."""

    reply: Reply
    count: int
    percent: int
    leading: bool  # has the most votes (with others, in a tie)


def replies(scenario: Scenario, state: State) -> list[Reply]:
    """The offered replies in one fixed order for the room: the file's (a group run has no
    seed, so `engine.shown` keeps file order), lettered A, B, C..."""
    return [
        Reply(ascii_uppercase[n % 26], identity, choice)
        for n, (identity, _index, choice) in enumerate(engine.shown(scenario, state))
    ]


def active_group(db: Session, classroom_id: int) -> GroupRun | None:
    """The class session's group run in progress, if any."""
    return db.scalar(select(GroupRun).where(GroupRun.live_in == classroom_id))


def class_group(db: Session, classroom_id: int, group_id: int) -> GroupRun | None:
    """The group run with this id if it belongs to this class session."""
    found = db.get(GroupRun, group_id) if group_id < 2**31 else None
    return found if found is not None and found.classroom_id == classroom_id else None


def new_group(classroom_id: int, scenario: Scenario, digest: str, mode: str) -> GroupRun:
    """A group run (not yet added) of the scenario version with this digest (its text kept
    first with keep_text), at its start, in file order."""
    state = engine.start(scenario)  # no seed: the replies stay in the file's order
    group = GroupRun(
        classroom_id=classroom_id,
        live_in=classroom_id,
        scenario_id=scenario.id,
        title=scenario.title,
        scenario_digest=digest,
        mode=mode,
        steps=0,
        finished=False,
    )
    group.advance(state)
    return group


def vote_of(db: Session, group: GroupRun, trainee_id: int) -> GroupVote | None:
    """This trainee's vote (or own words) at the group run's current step."""
    return db.scalar(
        select(GroupVote).where(
            GroupVote.group_run_id == group.id,
            GroupVote.step == group.steps,
            GroupVote.trainee_id == trainee_id,
        )
    )


def tally(db: Session, group: GroupRun) -> dict[str, int]:
    """The votes at the current step, by reply id: as revealed, or live before the reveal."""
    if group.revealed is not None:
        return {str(key): int(value) for key, value in group.revealed.items()}
    rows = db.execute(
        select(GroupVote.reply, func.count())
        .where(
            GroupVote.group_run_id == group.id,
            GroupVote.step == group.steps,
            GroupVote.reply.is_not(None),
        )
        .group_by(GroupVote.reply)
    )
    return {str(reply): int(count) for reply, count in rows}


def written(db: Session, group: GroupRun) -> list[str]:
    """The own words written at the current step, oldest first, without names."""
    rows = db.scalars(
        select(GroupVote.words)
        .where(
            GroupVote.group_run_id == group.id,
            GroupVote.step == group.steps,
            GroupVote.words.is_not(None),
            GroupVote.words != "",
        )
        .order_by(GroupVote.updated_at, GroupVote.id)
    )
    return [words for words in rows if words]


def split(offered: list[Reply], counts: dict[str, int]) -> list[Bar]:
    """Each offered reply with its votes and share, in the room's order."""
    total = sum(counts.get(reply.id, 0) for reply in offered)
    top = max((counts.get(reply.id, 0) for reply in offered), default=0)
    return [
        Bar(
            reply,
            counts.get(reply.id, 0),
            round(100 * counts.get(reply.id, 0) / total) if total else 0,
            top > 0 and counts.get(reply.id, 0) == top,
        )
        for reply in offered
    ]


def leaders(offered: list[Reply], counts: dict[str, int]) -> list[Reply]:
    """The replies with the most votes: one is a majority, several a tie, none if no votes."""
    return [bar.reply for bar in split(offered, counts) if bar.leading]


def decide(offered: list[Reply], counts: dict[str, int], pick: str) -> tuple[str, str]:
    """The reply to go on with and how it was decided: `pick` is "majority" or a reply id."""
    top = leaders(offered, counts)
    if pick == "majority":
        if not top:
            raise GroupError("No one has voted at this scene: choose a reply to go on with.")
        if len(top) > 1:
            letters = " and ".join(reply.letter for reply in top)
            raise GroupError(f"It's a tie between {letters}: you pick the reply to go on with.")
        return top[0].id, "majority"
    if all(reply.id != pick for reply in offered):
        raise GroupError("That reply isn't on offer at this scene. Please pick one of those shown.")
    if len(top) == 1 and top[0].id == pick:
        return pick, "majority"
    if any(reply.id == pick for reply in top):
        return pick, "tie"
    return pick, "instructor"


def cast(
    db: Session, group: GroupRun, trainee_id: int, reply: str | None, words: str | None
) -> None:
    """Record (or change) a trainee's vote, or their own words first; not committed."""
    vote = vote_of(db, group, trainee_id)
    if vote is None:
        vote = GroupVote(group_run_id=group.id, step=group.steps, trainee_id=trainee_id)
        db.add(vote)
    if reply is not None:
        vote.reply = reply
    if words is not None and vote.words is None:  # the first answer stands, as in solo play
        vote.words = words
    vote.updated_at = now()


def words_error(text: str, skip: bool, required: bool) -> str | None:
    """What is wrong with a trainee's own words, by the same rules and words as solo play."""
    if len(text) > engine.WORDS_LIMIT:
        return (
            f"Please keep this to {engine.WORDS_LIMIT} characters; it has {len(text)}. "
            "Nothing was saved yet."
        )
    if skip and required:
        return "In this class your own words come first: please write what you would say."
    if not text and required:
        return "Please write what you would say; in this class the replies appear after that."
    return None


def asking(scenario: Scenario, group: GroupRun, vote: GroupVote | None) -> bool:
    """Whether the trainee is asked for their own words before the replies (as in solo play:
    at key moments and where the author set `ask`), and has not answered yet."""
    state = group.play_state
    return (
        not state.finished
        and engine.asks(scenario.scenes[state.scene])
        and (vote is None or vote.words is None)
    )


def reveal(db: Session, group: GroupRun) -> None:
    """Close the votes at the current step and keep their count; not committed."""
    if group.revealed is None:
        group.revealed = tally(db, group)


def advance(db: Session, group: GroupRun, scenario: Scenario, pick: str) -> GroupStep:
    """Go on with `pick` ("majority" or a reply id) after the reveal: the engine applies the
    reply as in solo play; the step, its votes and how it was decided are kept. Not committed."""
    if group.revealed is None:
        raise GroupError("Reveal the votes first; then go on with the majority or your choice.")
    state = group.play_state
    counts = tally(db, group)
    offered = replies(scenario, state)
    reply, how = decide(offered, counts, pick)
    try:
        state, step = engine.choose_reply(scenario, state, reply)
    except engine.RunTooLong as error:
        raise GroupError(
            f"This scenario has reached {engine.MAX_CHOICES:,} choices, the most one run keeps."
        ) from error
    except engine.PlayError as error:  # cannot happen for an offered reply; said kindly if so
        raise GroupError("That reply isn't on offer at this scene.") from error
    row = GroupStep(
        group_run_id=group.id,
        number=step.number,
        data=step.model_dump(mode="json"),
        votes=record(offered, counts, reply),
        decided=how,
    )
    db.add(row)
    group.advance(state)
    return row


def chosen_letter(row: GroupStep) -> str:
    """The letter the room knew the chosen reply by at that step."""
    chosen = row.votes.get("chosen")
    return next((str(r["letter"]) for r in row.votes.get("replies", []) if r["id"] == chosen), "")


def stop(group: GroupRun) -> None:
    """End the group run where it stands (the instructor's choice); not committed."""
    if group.live_in is not None:
        group.live_in = None
        group.stopped_at = now()


def group_steps(db: Session, group: GroupRun) -> list[GroupStep]:
    """The group run's choices, in order."""
    return list(
        db.scalars(
            select(GroupStep).where(GroupStep.group_run_id == group.id).order_by(GroupStep.number)
        )
    )


def latest_group(db: Session, classroom_id: int) -> GroupRun | None:
    """The class session's most recent group run (in progress, ended or stopped), if any."""
    return db.scalar(
        select(GroupRun)
        .where(GroupRun.classroom_id == classroom_id)
        .order_by(GroupRun.id.desc())
        .limit(1)
    )


def record(offered: list[Reply], counts: dict[str, int], chosen: str) -> dict[str, object]:
    """What a step keeps of the room's votes: every reply offered, in the room's order."""
    return {
        "chosen": chosen,
        "replies": [
            {"id": r.id, "letter": r.letter, "say": r.choice.say, "votes": counts.get(r.id, 0)}
            for r in offered
        ],
    }


def class_votes(
    db: Session, classroom_id: int
) -> tuple[list[GroupRun], dict[tuple[int, int], GroupStep], list[tuple[GroupVote, str]]]:
    """A class session's group runs (in the order they started), their steps by (group run,
    number), and every vote with its trainee's name (by group run, step, joining order)."""
    runs = list(
        db.scalars(
            select(GroupRun)
            .where(GroupRun.classroom_id == classroom_id)
            .order_by(GroupRun.started_at, GroupRun.id)
        )
    )
    ids = [group.id for group in runs]
    if not ids:
        return [], {}, []
    steps = {
        (row.group_run_id, row.number): row
        for row in db.scalars(select(GroupStep).where(GroupStep.group_run_id.in_(ids)))
    }
    votes = db.execute(
        select(GroupVote, Trainee.name)
        .join(Trainee, Trainee.id == GroupVote.trainee_id)
        .where(GroupVote.group_run_id.in_(ids))
        .order_by(GroupVote.group_run_id, GroupVote.step, Trainee.id)
    ).all()
    return runs, steps, [(vote, name) for vote, name in votes]
