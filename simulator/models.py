"""Rows: a Run per play-through (its state as JSON) and a Step per choice; small queries."""

from __future__ import annotations

import secrets
import weakref
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Row,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    make_transient_to_detached,
    mapped_column,
    relationship,
)
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from .db import Direct
from .engine import Scenario, State, Step

MODES = ("practice", "assessment")


# every constraint and index gets a predictable name, the same on SQLite and PostgreSQL, so
# a migration can name what it alters or drops (simulator/migrations)
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The declarative base of every table."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON}


def now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


def new_seed() -> str:
    """A run's seed for the order its replies are shown in (64 random bits)."""
    return secrets.token_hex(8)


def new_run_id() -> str:
    """An unguessable run id (128 random bits, URL-safe)."""
    return secrets.token_urlsafe(16)


class ScenarioText(Base):
    """A scenario version's whole text, by its digest: what runs of it are pinned to, kept
    once however many runs there are (a run's row stays small, so writing it is cheap)."""

    __tablename__ = "scenario_texts"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(Text)


def keep_text(db: Session, digest: str, source: str) -> None:
    """Keep this version's text (in the session's transaction) unless it is kept already;
    two processes keeping the same text at once both succeed."""
    bind = db.get_bind()
    known = _KEPT.setdefault(bind, set())
    if digest in known:  # seen committed in this database before: texts are never deleted
        return
    if db.execute(_TEXT_KEPT, {"digest": digest}).first() is not None:
        known.add(digest)  # committed by an earlier start (this transaction adds nothing)
        return
    dialect = bind.dialect.name
    statement = _KEEP_TEXT.get(dialect)
    if statement is None:  # built once per dialect: every start keeps its text
        insert_for = sqlite_insert if dialect == "sqlite" else postgresql_insert
        statement = _KEEP_TEXT[dialect] = (
            insert_for(ScenarioText)
            .values(digest=bindparam("digest"), source=bindparam("source"))
            .on_conflict_do_nothing(index_elements=["digest"])
        )
    db.execute(statement, {"digest": digest, "source": source})


def forget_kept(db: Session) -> None:
    """Forget which texts this database holds: a write that needed one failed, so the
    database may not be the one they were seen in (a backup restored, a failover)."""
    _KEPT.pop(db.get_bind(), None)


@event.listens_for(Engine, "handle_error")
def _texts_may_be_gone(context: ExceptionContext) -> None:
    """The same for a write through the session (a playtest's run, a group's)."""
    if isinstance(context.sqlalchemy_exception, IntegrityError) and context.engine is not None:
        _KEPT.pop(context.engine, None)


_KEEP_TEXT: dict[str, Any] = {}
# per database: the digests whose text is known to be committed there, so the many starts of
# a version do not send its whole text again (about a tenth of a start's time)
_KEPT: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
_TEXT_KEPT = select(ScenarioText.digest).where(ScenarioText.digest == bindparam("digest"))


def text_of(db: Session, digest: str) -> str | None:
    """The kept text of the scenario version with this digest."""
    return db.scalar(select(ScenarioText.source).where(ScenarioText.digest == digest))


class Run(Base):
    """One play-through of one pinned scenario version by one browser."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_run_id)
    owner: Mapped[str] = mapped_column(String(64))
    scenario_id: Mapped[str] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # the pinned version: its text is kept once, in scenario_texts
    scenario_digest: Mapped[str] = mapped_column(ForeignKey("scenario_texts.digest"))
    mode: Mapped[str] = mapped_column(String(16), default="practice")
    # open response: the trainee types first at every choice scene, matched to the replies
    open_response: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    scene: Mapped[str] = mapped_column(String(100))
    steps: Mapped[int] = mapped_column(Integer, default=0)
    finished: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)
    ending: Mapped[str | None] = mapped_column(String(100), default=None)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    # stored for the scoreboard and exports, so no query ever replays a run
    score: Mapped[int] = mapped_column(Integer, default=50)
    ruptures_opened: Mapped[int] = mapped_column(Integer, default=0)
    ruptures_repaired: Mapped[int] = mapped_column(Integer, default=0)
    # a playtest run of an instructor's: marked, and never counted in class results
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)
    # "rewind to this moment": the run this one branched from, after that run's step N
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL"), default=None
    )
    branched_at: Mapped[int | None] = mapped_column(Integer, default=None)
    # class sessions: the trainee's run belongs to one
    classroom_id: Mapped[int | None] = mapped_column(
        ForeignKey("classrooms.id", ondelete="CASCADE"), default=None, index=True
    )
    trainee_id: Mapped[int | None] = mapped_column(
        ForeignKey("trainees.id", ondelete="SET NULL"), default=None, index=True
    )
    # the trainee's 1st, 2nd... run of this scenario in the class: the board counts the 1st
    attempt: Mapped[int | None] = mapped_column(Integer, default=None)
    # the start form's one-time token: a double click or a resent form opens the same run
    start_token: Mapped[str | None] = mapped_column(String(40), default=None)
    # the trainee's own reactions, asked first in the debrief and shown to their instructor
    reaction_rating: Mapped[int | None] = mapped_column(Integer, default=None)
    reaction_text: Mapped[str | None] = mapped_column(Text, default=None)
    reacted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # Every UPDATE checks and bumps this, so two requests that read the same state can
    # never both write it (a hint racing a choice, or two tabs): the second one fails.
    version: Mapped[int] = mapped_column(Integer, default=1)

    step_rows: Mapped[list[StepRow]] = relationship(
        back_populates="run", order_by="StepRow.number", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_runs_owner_finished", "owner", "finished"),
        Index("uq_runs_owner_start_token", "owner", "start_token", unique=True),
        # a class's first attempts, for the board. It names no column a choice changes, so
        # writing a choice updates no index (PostgreSQL can then update the row in place)
        Index("ix_runs_class_attempt", "classroom_id", "attempt", "is_test"),
        UniqueConstraint("trainee_id", "scenario_id", "attempt", name="uq_runs_trainee_attempt"),
    )

    @property
    def play_state(self) -> State:
        """The engine state this run stands at (parsed once per loaded row)."""
        cached = self.__dict__.get("_parsed_state")
        if cached is not None and cached[0] is self.state:
            return cached[1]  # type: ignore[no-any-return]
        state = State.model_validate(self.state)
        self.__dict__["_parsed_state"] = (self.state, state)
        return state

    @classmethod
    def starting(
        cls,
        scenario: Scenario,
        digest: str,
        state: State,
        owner: str | None,
        mode: str,
        **links: Any,
    ) -> Run:
        """A new run (not yet added) of the scenario version with this digest (its text kept
        first with keep_text) at this state; `links` sets further columns (a class
        session's, a playtest's, a rewind's parent)."""
        if not owner:
            raise ValueError("a run needs the browser that owns it")
        run = cls(
            owner=owner,
            scenario_id=scenario.id,
            title=scenario.title,
            scenario_digest=digest,
            mode=mode,
            steps=0,
            finished=False,
            **links,
        )
        run.advance(state)
        return run

    def advance(self, state: State) -> None:
        """Store a new engine state and the columns queries need."""
        for name, value in self.columns_after(state).items():
            setattr(self, name, value)
        self.__dict__["_parsed_state"] = (self.state, state)

    def columns_after(self, state: State) -> dict[str, Any]:
        """The columns that storing this engine state sets, by name."""
        values: dict[str, Any] = {
            "state": state.model_dump(mode="json"),
            "scene": state.scene,
            "steps": state.steps,
            "score": state.meters.alliance,
            "ruptures_opened": len(state.ruptures),
            "ruptures_repaired": sum(1 for r in state.ruptures if r.repaired_at is not None),
            "updated_at": now(),
        }
        if state.finished and not self.finished:
            values.update(
                finished=True,
                ending=state.scene,
                outcome=state.outcome,
                finished_at=values["updated_at"],
            )
        return values


class StepRow(Base):
    """One choice made in a run: the engine's Step, stored whole."""

    __tablename__ = "steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    scene: Mapped[str] = mapped_column(String(100))
    choice: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    # open response: the reply the typed words matched ({"reply", "say", "similarity"})
    match: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)

    run: Mapped[Run] = relationship(back_populates="step_rows")

    __table_args__ = (
        UniqueConstraint("run_id", "number", name="uq_steps_run_number"),
        # the class's split at key moments: index-only, by run and scene
        Index("ix_steps_run_scene_choice", "run_id", "scene", "choice"),
    )

    @property
    def step(self) -> Step:
        """The engine's record of this choice."""
        return Step.model_validate(self.data)

    @classmethod
    def of(cls, run: Run, step: Step) -> StepRow:
        """A row for this engine Step of this run."""
        return cls(
            run_id=run.id,
            number=step.number,
            scene=step.scene,
            choice=step.choice,
            data=step.model_dump(mode="json"),
        )


def record_choice(
    db: Session, run: Run, state: State, step: Step | None, match: dict[str, Any] | None = None
) -> bool:
    """Commit one choice: its step row and the run's new state in one transaction, or nothing
    (with `step` None, the new state alone: the trainee's own words, a hint asked for).

    The choice's hot path: two statements on the driver's cursor (db.Direct), not the unit
    of work (which cost a third of the request). The run's version is checked and bumped as
    the mapper does, so False (nothing written, the session rolled back) means another
    request recorded this step or changed the run first; after True the run object holds
    what was committed."""
    values = run.columns_after(state)
    version = run.version
    try:
        changed = _ADVANCE.rowcount(
            db, {**values, "version": version + 1, "b_id": run.id, "b_version": version}
        )
        if changed != 1:
            db.rollback()
            return False
        if step is not None:
            _INSERT_STEP.rowcount(
                db,
                {
                    "run_id": run.id,
                    "number": step.number,
                    "scene": step.scene,
                    "choice": step.choice,
                    "data": step.model_dump(mode="json"),
                    "created_at": values["updated_at"],
                    "match": match,
                },
            )
        db.commit()
    except IntegrityError:  # the step number is taken: recorded by the other request
        db.rollback()
        return False
    for name, value in {**values, "version": version + 1}.items():
        set_committed_value(run, name, value)
    run.__dict__["_parsed_state"] = (run.state, state)
    return True


# built once: the columns set come from each call's parameters
_RUNS, _STEPS = cast(Table, Run.__table__), cast(Table, StepRow.__table__)
_ADVANCE = Direct(
    update(_RUNS).where(_RUNS.c.id == bindparam("b_id"), _RUNS.c.version == bindparam("b_version"))
)
_INSERT_STEP = Direct(insert(_STEPS))


def step_matches(db: Session, run: Run) -> dict[int, dict[str, Any]]:
    """Open response: each step's match of the typed words, by step number."""
    if not run.open_response:
        return {}
    query = select(StepRow.number, StepRow.match).where(
        StepRow.run_id == run.id, StepRow.match.is_not(None)
    )
    return {number: match for number, match in db.execute(query) if match}


def owned_run(db: Session, run_id: str, owner: str | None) -> Run | None:
    """The run with this id if this browser owns it, else None."""
    if owner is None or len(run_id) > 64:
        return None
    if db.identity_map.get(identity_key(Run, run_id)) is not None:  # read again (a retry)
        run = db.execute(_RUN_BY_ID, {"run_id": run_id}).scalar_one_or_none()
    else:  # every request of a run's pages: the row read on the driver, made a loaded Run
        row = _RUN_ROW.first(db, {"run_id": run_id})
        run = _loaded(db, row) if row is not None else None
    return run if run is not None and secrets.compare_digest(run.owner, owner) else None


def _loaded(db: Session, row: dict[str, Any]) -> Run:
    """A Run built from its whole row, made what a query would have loaded: in the session,
    with no changes pending, so changing it is saved as for any loaded row. Its values go
    straight into its dict, as the ORM's loading does: the constructor would record each
    one as a change (about a quarter of reading the run)."""
    run: Run = _RUN_CLASS.new_instance()
    run.__dict__.update(row)
    make_transient_to_detached(run)
    db.add(run)
    return run


_RUN_CLASS = Run.__mapper__.class_manager


def insert_run(db: Session, run: Run) -> Run:
    """Add a new run (made by Run.starting, not yet added) by one INSERT on the driver, in
    the session's transaction, as the unit of work would write it: each column the run does
    not set takes its default. The run as written comes back, loaded. A start's flush of the
    new object cost about a third of the request."""
    given = run.__dict__
    values = {}
    for column in _RUNS.columns:
        if column.key in given:
            values[column.key] = given[column.key]
        elif column.default is not None:  # a value, or a function such as now()
            default = cast(Any, column.default)
            if not (default.is_scalar or default.is_callable):
                raise TypeError(f"runs.{column.key}: only Python defaults are written here")
            values[column.key] = default.arg(None) if default.is_callable else default.arg
        else:
            values[column.key] = None
    try:
        _INSERT_RUN.rowcount(db, values)
    except IntegrityError:
        forget_kept(db)  # its text may be gone (a restored backup): the retry looks again
        raise
    stored = _loaded(db, values)
    if "_parsed_state" in given:  # the engine state it was made from, parsed already
        stored.__dict__["_parsed_state"] = (stored.state, given["_parsed_state"][1])
    return stored


_INSERT_RUN = Direct(insert(_RUNS))


_RUN_BY_ID = select(Run).where(Run.id == bindparam("run_id"))
_RUN_ROW = Direct(select(_RUNS).where(_RUNS.c.id == bindparam("run_id")))


def class_settings(db: Session, run: Run) -> tuple[bool, bool]:
    """For a class run: whether its class session has closed, and whether it asks for the
    trainee's own words first; (False, False) for a run outside a class. Read once per
    loaded run (two columns, not the class row: every choice of a class run asks)."""
    if run.classroom_id is None:
        return False, False
    cached = run.__dict__.get("_class_settings")
    if cached is None:
        row = _CLASS_SETTINGS.first(db, {"id": run.classroom_id})
        cached = (
            row is not None and row["closed_at"] is not None,
            row is not None and bool(row["words_required"]),
        )
        run.__dict__["_class_settings"] = cached
    return cached


def classroom_closed(db: Session, run: Run) -> bool:
    """Whether this run belongs to a class session that has closed (no more choices)."""
    return class_settings(db, run)[0]


def started_with(db: Session, owner: str, token: str) -> str | None:
    """The id of the run this browser already started with this start form, if any."""
    row = _STARTED_WITH.first(db, {"owner": owner, "token": token})
    return str(row["id"]) if row is not None else None


# read on the driver (db.Direct): every start asks, and almost always finds none
_STARTED_WITH = Direct(
    select(Run.id).where(Run.owner == bindparam("owner"), Run.start_token == bindparam("token"))
)


def unfinished_runs(db: Session, owner: str | None, limit: int = 20) -> list[Row[Any]]:
    """This browser's unfinished runs, most recently played first: the columns the catalog
    lists (id, title, is_test, mode, steps, updated_at), not whole runs with their states."""
    if owner is None:
        return []
    return list(db.execute(_UNFINISHED, {"owner": owner, "limit": limit}))


_UNFINISHED = (
    select(Run.id, Run.title, Run.is_test, Run.mode, Run.steps, Run.updated_at)
    .where(Run.owner == bindparam("owner"), Run.finished.is_(False))
    .order_by(Run.updated_at.desc())
    .limit(bindparam("limit"))
)


def last_step(db: Session, run: Run) -> Step | None:
    """The most recent choice of a run, if any."""
    if run.steps == 0:
        return None
    # only the step's data, by a statement built once (the page after own words, a hint
    # or a reload shows the last choice again)
    row = _STEP_DATA.first(db, {"run_id": run.id, "number": run.steps})
    return Step.model_validate(row["data"]) if row is not None else None


def run_steps(db: Session, run: Run) -> list[Step]:
    """Every choice of a run, in order."""
    rows = db.scalars(select(StepRow).where(StepRow.run_id == run.id).order_by(StepRow.number))
    return [row.step for row in rows]


def run_branches(db: Session, run: Run) -> list[Run]:
    """The runs rewound from this one by the same browser, oldest first."""
    query = (
        select(Run)
        .where(Run.parent_id == run.id, Run.owner == run.owner)
        .order_by(Run.started_at, Run.id)
    )
    return list(db.scalars(query))


INSTEAD_CHARS = 500


class InsteadNote(Base):
    """What the trainee might say instead at a key moment, written in the debrief before
    another reply the scenario offered is shown; their instructor can read it."""

    __tablename__ = "instead_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    step: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    __table_args__ = (UniqueConstraint("run_id", "step", name="uq_instead_run_step"),)


def instead_notes(db: Session, run: Run) -> dict[int, str]:
    """What the trainee wrote instead at each key moment of a run, by step number."""
    rows = db.execute(
        select(InsteadNote.step, InsteadNote.text).where(InsteadNote.run_id == run.id)
    )
    return {step: text for step, text in rows}


def keep_instead(db: Session, run: Run, step: int, text: str) -> None:
    """Keep (or replace) what the trainee would say instead at one key moment; not committed."""
    found = db.scalar(
        select(InsteadNote).where(InsteadNote.run_id == run.id, InsteadNote.step == step)
    )
    if found is None:
        db.add(InsteadNote(run_id=run.id, step=step, text=text))
    else:
        found.text, found.written_at = text, now()


class Instructor(Base):
    """An instructor account: an email and a scrypt password hash."""

    __tablename__ = "instructors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    # bumped at logout: a session cookie names the epoch it was made in, so a copy of a
    # cookie from before the logout no longer opens anything
    login_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    # what Flask-Login asks of a user object
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session: the account and its login epoch."""
        return f"{self.id}:{self.login_epoch or 0}"


BOARDS = ("ranked", "anonymous", "aggregate")


class Classroom(Base):
    """A class session: an instructor's join code, chosen scenarios, mode and scoreboard style."""

    __tablename__ = "classrooms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    instructor_id: Mapped[int] = mapped_column(
        ForeignKey("instructors.id", ondelete="CASCADE"), index=True
    )
    scenario_ids: Mapped[list[str]] = mapped_column(JSON)
    mode: Mapped[str] = mapped_column(String(16), default="practice")
    board: Mapped[str] = mapped_column(String(16), default="ranked")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # while frozen the room sees this snapshot; play goes on underneath
    frozen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    frozen_board: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # trainees must write their own words at each key moment before the replies appear
    words_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # open response: trainees type first at every choice scene, matched to the replies
    open_response: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # joins locked while play goes on (closing stops both); unlocked by clearing it
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # discussion mode on the projector: which key moment, and how much of it is shown
    discussion: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # the one-time token of the form that made it: a double click makes one class session
    form_token: Mapped[str | None] = mapped_column(String(40), default=None)

    trainees: Mapped[list[Trainee]] = relationship(
        back_populates="classroom", order_by="Trainee.joined_at", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("uq_classrooms_instructor_form_token", "instructor_id", "form_token", unique=True),
    )

    @property
    def is_open(self) -> bool:
        """Whether trainees may still join and play."""
        return self.closed_at is None

    @property
    def joinable(self) -> bool:
        """Whether new trainees may join: open and not locked."""
        return self.closed_at is None and self.locked_at is None


def class_made_with(db: Session, instructor_id: int, token: str | None) -> Classroom | None:
    """The class session this instructor already made with this form's token, if any."""
    if token is None:
        return None
    return db.scalar(
        select(Classroom).where(
            Classroom.instructor_id == instructor_id, Classroom.form_token == token
        )
    )


class Trainee(Base):
    """A trainee in one class session: a display name and the browser that joined."""

    __tablename__ = "trainees"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classrooms.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    # the name case-folded: display names are unique in a class session regardless of case
    key: Mapped[str] = mapped_column(String(160))
    owner: Mapped[str] = mapped_column(String(64))
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    classroom: Mapped[Classroom] = relationship(back_populates="trainees")

    __table_args__ = (
        UniqueConstraint("classroom_id", "name", name="uq_trainees_classroom_name"),
        UniqueConstraint("classroom_id", "key", name="uq_trainees_classroom_key"),
        Index("ix_trainees_classroom_owner", "classroom_id", "owner"),
        # SQLite would give a removed trainee's id to the next to join (migration 0009)
        {"sqlite_autoincrement": True},
    )


# -- class sessions and instructors: the lookups the blueprints make --------------------------


def instructor_by_email(db: Session, email: str) -> Instructor | None:
    """The instructor with this email (case-insensitive), or None."""
    return db.scalar(select(Instructor).where(Instructor.email == email.strip().lower()))


def classroom_by_code(db: Session, code: str) -> Classroom | None:
    """The class session with this canonical join code, or None."""
    return db.scalar(_CLASS_BY_CODE, {"code": code})


_CLASS_BY_CODE = select(Classroom).where(Classroom.code == bindparam("code"))


def class_member(db: Session, classroom_id: int, owner: str) -> Trainee | None:
    """The trainee this browser joined the class session as, or None."""
    return db.scalar(
        select(Trainee).where(Trainee.classroom_id == classroom_id, Trainee.owner == owner)
    )


def name_taken(db: Session, classroom_id: int, key: str, but: int | None = None) -> bool:
    """Whether someone in the class (other than trainee `but`) has a name with this key."""
    query = select(Trainee.id).where(Trainee.classroom_id == classroom_id, Trainee.key == key)
    if but is not None:
        query = query.where(Trainee.id != but)
    return db.scalar(query.limit(1)) is not None


def trainee_count(db: Session, classroom_id: int) -> int:
    """How many trainees have joined the class session."""
    query = select(func.count(Trainee.id)).where(Trainee.classroom_id == classroom_id)
    return db.scalar(query) or 0


def classes_with_counts(db: Session, instructor_id: int) -> list[tuple[Classroom, int]]:
    """The instructor's class sessions, newest first, with how many have joined each."""
    joined = (
        select(Trainee.classroom_id, func.count(Trainee.id).label("joined"))
        .group_by(Trainee.classroom_id)
        .subquery()
    )
    rows = db.execute(
        select(Classroom, func.coalesce(joined.c.joined, 0))
        .outerjoin(joined, joined.c.classroom_id == Classroom.id)
        .where(Classroom.instructor_id == instructor_id)
        .order_by(Classroom.created_at.desc(), Classroom.id.desc())
    )
    return [(classroom, joined_count) for classroom, joined_count in rows]


def joined_classes(db: Session, owner: str, limit: int = 10) -> list[tuple[Classroom, Trainee]]:
    """The class sessions this browser has joined, newest first."""
    rows = db.execute(
        select(Classroom, Trainee)
        .join(Trainee, Trainee.classroom_id == Classroom.id)
        .where(Trainee.owner == owner)
        .order_by(Trainee.joined_at.desc())
        .limit(limit)
    )
    return [(classroom, trainee) for classroom, trainee in rows]


def trainee_runs(db: Session, trainee_id: int, classroom_id: int) -> list[Run]:
    """A trainee's runs in a class session, oldest first."""
    query = (
        select(Run)
        .where(Run.trainee_id == trainee_id, Run.classroom_id == classroom_id)
        .order_by(Run.started_at, Run.id)
    )
    return list(db.scalars(query))


def next_attempt(db: Session, trainee_id: int, scenario_id: str) -> int:
    """The number the trainee's next run of this scenario gets: 1 for the first."""
    latest = db.scalar(
        select(func.max(Run.attempt)).where(
            Run.trainee_id == trainee_id, Run.scenario_id == scenario_id
        )
    )
    return (latest or 0) + 1


def detach_runs(db: Session, trainee_id: int) -> None:
    """Keep a removed trainee's runs, no longer linked to the name (not committed)."""
    db.execute(
        update(Run)
        .where(Run.trainee_id == trainee_id)
        .values(trainee_id=None)
        .execution_options(synchronize_session=False)
    )


# -- playing a scenario together in class: one shared run, the room's votes -------------------


class GroupRun(Base):
    """A scenario the class plays together: one engine state that the instructor advances
    with the room's vote (or their own pick); pinned to one scenario version like a Run."""

    __tablename__ = "group_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    classroom_id: Mapped[int] = mapped_column(
        ForeignKey("classrooms.id", ondelete="CASCADE"), index=True
    )
    # the class session's id while this group run is going, empty once it ends: unique, so a
    # session has one active group run at a time (a double click finds the one it started)
    live_in: Mapped[int | None] = mapped_column(Integer, default=None, unique=True)
    scenario_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    scenario_digest: Mapped[str] = mapped_column(ForeignKey("scenario_texts.digest"))
    mode: Mapped[str] = mapped_column(String(16), default="practice")
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    scene: Mapped[str] = mapped_column(String(100))
    steps: Mapped[int] = mapped_column(Integer, default=0)  # choices made: the current step
    # the room's votes at this step, counted when the instructor revealed them (None before)
    revealed: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    finished: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)
    ending: Mapped[str | None] = mapped_column(String(100), default=None)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # two instructor tabs can never both advance from the same state (as Run.version)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    # its id is in the instructor's URLs: never reused on SQLite (migration 0009)
    __table_args__ = {"sqlite_autoincrement": True}

    @property
    def play_state(self) -> State:
        """The engine state the group run stands at."""
        return State.model_validate(self.state)

    @property
    def active(self) -> bool:
        """Whether the room is still playing it (not ended, not stopped)."""
        return self.live_in is not None

    def advance(self, state: State) -> None:
        """Store a new engine state: votes start afresh at the new step."""
        self.state = state.model_dump(mode="json")
        self.scene = state.scene
        self.steps = state.steps
        self.revealed = None
        if state.finished and not self.finished:
            self.finished = True
            self.ending = state.scene
            self.outcome = state.outcome
            self.finished_at = now()
            self.live_in = None


class GroupStep(Base):
    """One choice of a group run: the engine's Step, the room's votes and who decided."""

    __tablename__ = "group_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_run_id: Mapped[int] = mapped_column(ForeignKey("group_runs.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the replies offered, in the room's order, with their votes as revealed, and the one chosen
    votes: Mapped[dict[str, Any]] = mapped_column(JSON)
    decided: Mapped[str] = mapped_column(String(16))  # majority | tie | instructor
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    __table_args__ = (UniqueConstraint("group_run_id", "number", name="uq_group_steps_number"),)

    @property
    def step(self) -> Step:
        """The engine's record of this choice."""
        return Step.model_validate(self.data)


class GroupVote(Base):
    """A trainee's vote at one step of a group run (and their own words first, if asked);
    changeable until the reveal."""

    __tablename__ = "group_votes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_run_id: Mapped[int] = mapped_column(ForeignKey("group_runs.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(Integer)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id", ondelete="CASCADE"))
    reply: Mapped[str | None] = mapped_column(String(16), default=None)  # None: words only
    words: Mapped[str | None] = mapped_column(Text, default=None)  # "" when skipped
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    __table_args__ = (
        UniqueConstraint("group_run_id", "step", "trainee_id", name="uq_group_votes_one"),
    )


# read on the driver (db.Direct): every request of a class run's pages, and every page after
# own words, a hint or a reload
_CLASS_SETTINGS = Direct(
    select(Classroom.closed_at, Classroom.words_required).where(Classroom.id == bindparam("id"))
)
_STEP_DATA = Direct(
    select(StepRow.data).where(
        StepRow.run_id == bindparam("run_id"), StepRow.number == bindparam("number")
    )
)
