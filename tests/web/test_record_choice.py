"""A choice is written by two statements of its own (models.record_choice), not the unit of
work: the step row and the run's new state together or neither, the version checked and
bumped, and the run object left holding what was committed. Those statements, and the read
of the run, run on the driver's cursor (db.Direct): read and written as SQLAlchemy would."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from simulator import engine
from simulator.db import session as db_session
from simulator.models import _INSERT_STEP, Run, StepRow, owned_run, record_choice

from .helpers import choose, rows, start


def _loaded(app, run: str) -> tuple[Run, engine.Scenario]:
    found = db_session().get(Run, run.rsplit("/", 1)[-1])
    assert found is not None
    scenario = app.extensions["rapport.library"].version(found.scenario_digest)
    assert scenario is not None
    return found, scenario


def test_a_choice_writes_its_row_and_the_run_and_the_object_matches_the_database(client, app):
    run = start(client)
    with app.app_context():
        found, scenario = _loaded(app, run)
        version = found.version
        state, step = engine.choose(scenario, found.play_state, 0)
        assert record_choice(db_session(), found, state, step)
        # what the page is rendered from is what was committed, and nothing is left to flush
        assert found.steps == 1 and found.scene == state.scene and found.version == version + 1
        assert found.play_state == state and not db_session().dirty
    stored, steps = rows(app, run)
    assert stored.steps == 1 and stored.scene == state.scene and stored.version == version + 1
    assert stored.score == state.meters.alliance and stored.state == state.model_dump(mode="json")
    assert [s.step for s in steps] == [step]
    # and the next choice, through the page, goes on from there
    assert choose(client, run, 1, 0).status_code == 303
    assert rows(app, run)[0].steps == 2


def test_a_stale_version_writes_nothing(client, app):
    run = start(client)
    with app.app_context():
        found, scenario = _loaded(app, run)
        state, step = engine.choose(scenario, found.play_state, 0)
        found.version += 5  # as if this request had read an older row (set, not flushed)
        db_session().expunge(found)
        assert not record_choice(db_session(), found, state, step)
    stored, steps = rows(app, run)
    assert stored.steps == 0 and steps == []


def test_a_step_number_already_taken_rolls_back_the_run_too(client, app):
    """The other request's row is there with the same number: neither statement stays."""
    run = start(client)
    with app.app_context():
        found, scenario = _loaded(app, run)
        state, step = engine.choose(scenario, found.play_state, 0)
        session = db_session()
        session.add(StepRow.of(found, step))
        session.commit()  # the row alone, the run not advanced: only the unique index objects
        assert not record_choice(session, found, state, step)
    stored, steps = rows(app, run)
    assert stored.steps == 0 and len(steps) == 1


def _columns(run: Run) -> dict[str, object]:
    return {column.key: getattr(run, column.key) for column in Run.__table__.columns}


def test_a_run_read_on_the_driver_is_the_run_a_query_loads(client, app):
    """owned_run reads the row on the driver's cursor: every column (text, numbers, flags,
    JSON, times) comes back as the ORM reads it, in the session, with nothing to flush, and
    a change to it is saved as for a loaded row."""
    run = start(client)
    for number in range(2):  # to the end: finished, outcome, ending and finished_at are set
        assert choose(client, run, number, 0).status_code == 303
    run_id = run.rsplit("/", 1)[-1]
    with app.app_context():
        expected = _columns(db_session().get(Run, run_id))
    assert expected["finished"] is True and expected["finished_at"] is not None
    with app.app_context():
        session = db_session()
        found = owned_run(session, run_id, expected["owner"])
        assert found is not None and _columns(found) == expected
        assert found in session and not session.dirty and not session.new
        assert owned_run(session, run_id, "someone else") is None
        found.reaction_rating = 4
        session.commit()
    assert rows(app, run)[0].reaction_rating == 4


def test_a_driver_error_is_raised_as_sqlalchemys_own(client, app):
    """A statement run on the driver raises SQLAlchemy's IntegrityError (which record_choice
    turns into False), not the driver's, on SQLite and PostgreSQL alike."""
    run = start(client)
    assert choose(client, run, 0, 0).status_code == 303
    with app.app_context():
        found, _ = _loaded(app, run)
        data = rows(app, run)[1][0].data
        session = db_session()
        values = {
            "run_id": found.id,
            "number": 1,  # taken
            "scene": found.scene,
            "choice": 0,
            "data": data,
            "created_at": found.updated_at,
            "match": None,
        }
        with pytest.raises(IntegrityError):
            _INSERT_STEP.rowcount(session, values)
        session.rollback()


def test_a_new_run_is_written_as_the_unit_of_work_would_write_it(app):
    from sqlalchemy import select

    from simulator.models import ScenarioText, insert_run, keep_text

    library = app.extensions["rapport.library"]
    with app.app_context():
        db = db_session()
        entry = library.serving("coat-still-on")
        loaded = entry.loaded
        keep_text(db, loaded.digest, loaded.source)
        state = engine.start(loaded.scenario, seed="3")

        def made() -> Run:
            return Run.starting(loaded.scenario, loaded.digest, state, "b" * 22, "assessment")

        by_orm = made()
        db.add(by_orm)
        db.commit()
        direct = insert_run(db, made())
        assert not db.dirty and not db.new  # loaded as written: nothing left to flush
        db.commit()
        assert direct.play_state == state and direct.version == 1 and direct.id != by_orm.id
        ids = (by_orm.id, direct.id)
        db.expunge_all()
        first, second = (db.get(Run, i) for i in ids)
        columns = [c.key for c in Run.__table__.columns]
        different = {"id", "started_at", "updated_at"}
        assert {c: getattr(first, c) for c in columns if c not in different} == {
            c: getattr(second, c) for c in columns if c not in different
        }
        for run in (first, second):  # the default's time, as the unit of work takes it
            assert abs((run.started_at - run.updated_at).total_seconds()) < 5
        assert db.scalar(select(ScenarioText.digest)) == loaded.digest
