"""A choice is written by two statements of its own (models.record_choice), not the unit of
work: the step row and the run's new state together or neither, the version checked and
bumped, and the run object left holding what was committed."""

from __future__ import annotations

from simulator import engine
from simulator.db import session as db_session
from simulator.models import Run, StepRow, record_choice

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
