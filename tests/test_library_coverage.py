"""The bundled library covers what a training programme needs (issue 14): one jurisdiction
per file, safety moments, several kinds of disclosure, clients across the lifespan, and
repairs credited only when the client takes them up."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from simulator.engine.model import Scenario
from simulator.scenarios import load_file

FOLDER = Path(__file__).parents[1] / "scenarios"
FILES = sorted(FOLDER.glob("*.yaml"))


@cache
def library() -> dict[str, Scenario]:
    found = {}
    for file in FILES:
        loaded = load_file(file)
        assert loaded.scenario is not None, [str(m) for m in loaded.errors]
        found[file.name] = loaded.scenario
    return found


@pytest.mark.parametrize("file", FILES, ids=[f.stem for f in FILES])
def test_every_bundled_file_states_one_jurisdiction(file):
    scenario = library()[file.name]
    assert scenario.jurisdiction, f"{file.name} has no `jurisdiction`"


def test_at_least_two_scenarios_have_a_safety_moment():
    with_safety = [
        name
        for name, s in library().items()
        if any(scene.moment == "safety" for scene in s.scenes.values())
    ]
    assert len(with_safety) >= 2, with_safety


def test_at_least_three_disclosure_types_across_the_library():
    kinds = {
        choice.disclosure_type
        for s in library().values()
        for scene in s.scenes.values()
        for choice in scene.choices or ()
        if choice.disclosure_type
    }
    assert len(kinds) >= 3, kinds


def test_immediacy_is_tagged_as_its_own_type_somewhere():
    assert any(
        choice.disclosure_type == "immediacy"
        for s in library().values()
        for scene in s.scenes.values()
        for choice in scene.choices or ()
    )


def test_at_least_two_clients_are_under_18_or_over_70():
    ages = {name: s.client.age for name, s in library().items()}
    outside = [name for name, age in ages.items() if age is not None and (age < 18 or age > 70)]
    assert len(outside) >= 2, ages


def test_at_least_sixteen_scenarios():
    assert len(library()) >= 16, sorted(library())


def test_disclosure_scenarios_fix_the_therapist_and_vary_the_deflection():
    """Where the client asks about the therapist, the file says who the therapist is, and
    the library does not answer every such question with the same deflection."""
    deflections = []
    for name, s in library().items():
        asked = any(scene.moment == "self-disclosure" for scene in s.scenes.values())
        if asked:
            assert s.therapist is not None, f"{name} asks about the therapist without `therapist`"
        deflections += [
            choice.say
            for scene in s.scenes.values()
            for choice in scene.choices or ()
            if choice.disclosure == "deflect"
        ]
    assert len(set(deflections)) == len(deflections), deflections
    assert sum("why do you ask" in d.lower() for d in deflections) <= 1, deflections
