"""What the debrief says about repairs and disclosure types is true of the run, on the same
paths as test_debrief_truth (all-strong, all-weakest, twenty seeded): a repair is credited
only where the client took it up, an invitation is placed where one was made, and a
disclosure's Hill & Knox type is named only where the reply carries one."""

from __future__ import annotations

import re

import pytest

from simulator.engine.debrief import DISCLOSURE_TYPE_WORDS, build

from .test_debrief_truth import FILES, IDS, runs, scenario

INVITED = re.compile(r"You invited repair (here|at choice (\d+))")
TAKEN = re.compile(r"took it up (at once|after choice (\d+))")


@pytest.mark.parametrize("file", FILES, ids=IDS)
def test_repairs_and_disclosure_types_are_told_as_they_happened(file):
    s = scenario(file.stem)
    accepting = {name for name, scene in s.scenes.items() if scene.repair_accepted}
    for label, (state, steps) in runs(s):
        where = f"{s.id}, {label}"
        report = build(s, steps, state)
        by_number = {step.number: step for step in steps}
        for rupture in report.ruptures:
            if rupture.invited_step is None:
                continue
            # an invitation only in a scenario that waits for uptake, at a reply that made one
            assert accepting, where
            assert rupture.invitations[0] == rupture.invited_step, (where, rupture)
            assert all(by_number[n].attempted for n in rupture.invitations), (where, rupture)
            if rupture.repaired:
                # taken up on entering a repair_accepted scene after that reply
                taken = by_number[rupture.repaired_step]
                assert rupture.repaired_step >= rupture.invited_step, (where, rupture)
                assert set(taken.entered) & accepting, (where, rupture)
                assert rupture.repaired_at in accepting, (where, rupture)
        for review in report.key_moments:
            status = review.status or ""
            invited = INVITED.search(status)
            if invited is None:
                continue
            number = int(invited.group(2)) if invited.group(2) else review.step
            assert by_number[number].attempted, (where, status)
            taken = TAKEN.search(status)
            if taken is None:
                assert "did not take it up" in status, (where, status)
                assert any(r.invited_step == number and not r.repaired for r in report.ruptures), (
                    where,
                    status,
                )
            else:
                after = int(taken.group(2)) if taken.group(2) else number
                assert any(
                    r.invited_step == number and r.repaired_step == after for r in report.ruptures
                ), (where, status)
        # a repair strength is named only for a repair the client took up (or made at once)
        credited = {r.credited_step for r in report.ruptures if r.repaired}
        for strength in report.strengths:
            if strength.title.startswith(("Repairing", "Inviting a repair")):
                assert strength.step in credited, (where, strength.title)
        # a disclosure's type is named only where the reply carries that type
        for disclosure in report.disclosures:
            step = by_number[disclosure.step]
            assert disclosure.kind == step.disclosure_type, where
            for kind, words in DISCLOSURE_TYPE_WORDS.items():
                assert (words in disclosure.note) == (kind == step.disclosure_type), where
        for review in report.key_moments:
            if review.reason == "self-disclosure":
                named = "Hill and Knox" in review.observation
                assert named == bool(by_number[review.step].disclosure_type), where
