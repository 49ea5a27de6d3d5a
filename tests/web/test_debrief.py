"""The debrief page, the trainee's reactions, rewinding to a moment, and the two downloads."""

from __future__ import annotations

import html as markup
import json
import re
import shutil
from pathlib import Path

import pytest

from simulator.db import session as db_session
from simulator.engine.debrief import Debrief
from simulator.engine.play import choose as engine_choose
from simulator.engine.play import offered
from simulator.engine.play import start as engine_start
from simulator.models import Run, StepRow
from simulator.scenarios import load_file

from .helpers import ASKED, HTMX, WITH_THOUGHT, choose, rows, start

ROOT = Path(__file__).parents[2]
BANNED = re.compile(
    r"\b(wrong|bad|badly|fail|fails|failed|failing|failure|mistakes?|poor performance|poor)\b",
    re.I,
)


def play(client, run, *choices):
    for step, choice in enumerate(choices):
        assert choose(client, run, step, choice).status_code == 303


def text_of(page: str) -> str:
    """The words a reader sees, without markup."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return markup.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def finished(client, mode="practice", choices=(2, 0, 0)) -> str:
    run = start(client, mode=mode)
    play(client, run, *choices)
    return run


# -- the page ------------------------------------------------------------------------------


def test_an_unfinished_run_has_no_debrief_yet(client):
    run = start(client)
    for headers in ({}, HTMX):
        response = client.get(f"{run}/debrief", headers=headers)
        assert response.status_code == 303
        assert response.headers["Location"] == run


def test_the_debrief_tells_the_whole_session(client, folder):
    (folder / "coat-still-on.yaml").write_text(WITH_THOUGHT, encoding="utf-8")
    run = start(client, mode="assessment")
    client.post(f"{run}/hint", data={"step": "0"})  # refused in assessment: not recorded
    play(client, run, 2, 0, 0)  # rupture at arrival, repaired in shutdown, good ending
    page = client.get(f"{run}/debrief")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.text
    assert "Debrief: Coat Still On" in html
    assert "Outcome: Good" in html and "A first foothold" in html
    assert "/static/css/debrief.css" in html
    # one screen first: the outcome, the chart, one strength, one growth edge
    first = html[: html.index('<details class="more"')]
    assert "What went well" in first and "One thing to work on" in first
    assert "Well, you&#39;re here now, so let&#39;s get started on your goals." in first
    assert "At choice 1 this reply strained the alliance most." in first
    assert "To try next time:" in first
    # the rest in sections that start closed
    sections = re.findall(r'<details class="more" id="([\w-]+)"( open)?>', html)
    assert [name for name, _ in sections] == [
        "reactions-section",
        "key-moments",
        "client-side",
        "ruptures",
        "path",
        "checkin",
    ]
    assert all(opened == "" for _, opened in sections)
    # the path says what each reply did, not a grade of the person
    assert html.count('class="path-step"') == 3
    assert "This reply strained the alliance" in html and "This reply helped" in html
    assert "Harmful reply" not in html and "Strong reply" not in html
    assert "Pushing on to goals ignores the withdrawal marker." in html
    assert "If this goes badly I can say I tried." in html  # through Maya's eyes
    assert "Attentiveness fell by 10 to 40. Trust fell by 10 to 25." in html
    # each client line is quoted once on the page
    for line in ("My sister thinks I need this", "Whatever you think"):
        assert text_of(html).count(line) == 1, line
    # the rupture and its repair
    assert "Withdrawal rupture: repaired." in html
    assert "Opened by your reply at choice 1." in html and "Repaired at choice 2." in html
    # the chart, with the key moments marked, a legend, and its table
    svg = re.search(r'<svg viewBox.*?</svg>', html, re.S)
    assert svg is not None
    chart = svg.group(0)
    assert 'role="img"' in chart and 'width="340"' in chart
    assert '<title id="chart-title">' in chart and '<desc id="chart-desc">' in chart
    assert "Trust went from 35 to 45." in chart
    assert 'stroke-dasharray="8 4"' in chart  # lines differ by dash, not colour alone
    assert "moment-rupture" in chart and "moment-repair" in chart
    assert chart.count("<circle cx=") >= 4 + 1  # the trust markers and a key-moment badge
    legend = re.search(r'<ul class="legend.*?</ul>', html, re.S)
    assert legend is not None and "Trust 45" in text_of(legend.group(0))
    # the numbers after each choice, for a screen reader, in the chart's description
    assert "After choice 1: authenticity 50, attentiveness 40, positivity 50, trust 25." in chart
    # the client check-in and the skills
    assert "does not predict how a real client would do" in html
    # the key moments: the first swing, the reply to the rupture marker, the second swing
    moments = re.findall(r'<article class="review.*?</article>', html, re.S)
    assert len(moments) == 3
    # the trainee's own attempt first: the other reply waits until they have written theirs
    assert html.count("What might you say instead?") == 3
    assert "It sounds like coming here wasn&#39;t entirely your idea." not in html
    assert "Another reply that could also work here" not in html
    for step in (1, 2):
        saved = client.post(f"{run}/instead", data={"step": str(step), "text": f"Try {step}"})
        assert saved.status_code == 303
        assert saved.headers["Location"] == f"{run}/debrief#key-moment-{step}"
    html = client.get(f"{run}/debrief").text
    moments = re.findall(r'<article class="review.*?</article>', html, re.S)
    assert html.count("What might you say instead?") == 1
    assert "You would say instead" in text_of(moments[0]) and "Try 1" in text_of(moments[0])
    words = text_of(moments[1])
    assert "Key moment 2, choice 2: Withdrawal marker: deferential agreement" in words
    assert "Opened by your reply at choice 1. Repaired here." in words
    assert "the rupture was repaired at this point" in words
    # the repair is the strength, quoted at the top; the alternative follows here
    assert words.index("quoted at the top") < words.index("Another reply that could also work here")
    assert "Great. So, what would you like to work on?" in words
    first_moment = text_of(moments[0])
    assert "Key moment 1, choice 1: Strain on the alliance" in first_moment
    assert "quoted at the top of the page" in first_moment  # the growth edge, quoted once
    assert "A stronger reply the scenario offered here" in first_moment
    assert "A reflection names the ambivalence without judging it." in first_moment
    # assessment mode: play again, but no rewind, and why
    assert "Play again" in html
    assert 'action="/scenarios/coat-still-on/runs"' in html
    assert 'name="mode" value="assessment"' in html
    assert "Rewind to" not in html
    assert "Rewinding is part of practice mode. In an assessment each session stands" in html
    assert "Hints you asked for" not in html
    # one page either way (CSRF tokens carry a timestamp, so they may differ)
    tokens = re.compile(r"[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}")
    starts = re.compile(r'name="start" value="[^"]+"')  # a fresh one-time token per render

    def same(page: str) -> str:
        return starts.sub("START", tokens.sub("TOKEN", page))

    again = client.get(f"{run}/debrief", headers=HTMX).text
    assert same(again) == same(html)


def test_an_instructor_and_a_saved_copy_keep_the_author_s_quality(client):
    run = finished(client)
    saved = client.get(f"{run}/debrief.html").text
    assert "Harmful reply" in saved and "This reply strained the alliance" not in saved


def test_a_practice_debrief_offers_a_rewind_at_every_choice_and_each_key_moment(client):
    run = finished(client)
    html = client.get(f"{run}/debrief").text
    forms = re.findall(r'<form class="rewind".*?</form>', html, re.S)
    steps = sorted({int(re.search(r'name="step" value="(\d+)"', f).group(1)) for f in forms})
    assert steps == [0, 1, 2]
    assert all(f'action="{run}/rewind"' in f for f in forms)
    assert '<button type="submit" aria-label="Rewind to this moment: choice 2">' in html
    assert "Rewinding is part of practice mode" not in html


def test_an_unrepaired_rupture_is_named_gently(client):
    run = finished(client, choices=(2, 1))  # rupture, then trust falls to the walkout
    html = client.get(f"{run}/debrief").text
    assert "Withdrawal rupture: not repaired" in html
    assert "Maya leaves early" in html
    assert "Outcome: The client disengaged" in html
    assert "Still open when the session ended." in html
    assert not BANNED.search(text_of(html).replace("Maya leaves early", ""))


def test_disclosures_and_hints_are_in_the_debrief(client, folder):
    (folder / "asked.yaml").write_text(ASKED, encoding="utf-8")
    run = start(client, scenario="asked")
    client.post(f"{run}/hint", data={"step": "0"})
    play(client, run, 1)
    html = client.get(f"{run}/debrief").text
    assert "Self-disclosure" in html
    assert "Choice 1: Excessive" in html
    assert "the therapist&#39;s own needs take over" in html
    assert "Whose need did this answer meet" in html
    assert "Self-disclosure dilemma: over-disclosure" in html
    assert "Hints you asked for" in html
    assert "A brief answer can help if it comes back to him." in html
    assert "Hint used" in html
    assert "I have. I&#39;m wondering what it would mean to you if I had." not in html  # yet
    client.post(f"{run}/instead", data={"step": "1", "text": ""})  # shown without writing
    html = client.get(f"{run}/debrief").text
    assert "I have. I&#39;m wondering what it would mean to you if I had." in html  # stronger
    assert "<strong>Suggested next:</strong> <a href=\"/scenarios/coat-still-on\">Coat Still On</a>" in html


def test_play_again_starts_a_new_run_in_the_same_mode(client, app):
    run = finished(client, mode="assessment", choices=(0, 0))
    assert "Play again" in client.get(f"{run}/debrief").text
    again = client.post("/scenarios/coat-still-on/runs", data={"mode": "assessment"})
    assert again.status_code == 303 and again.headers["Location"] != run
    found, steps = rows(app, again.headers["Location"])
    assert found.mode == "assessment" and steps == []


@pytest.fixture
def bundled(folder: Path) -> Path:
    for file in (ROOT / "scenarios").glob("*.yaml"):
        shutil.copy(file, folder / file.name)
    return folder


def test_no_bundled_debrief_page_grades_the_person(client, bundled):
    """Every bundled scenario, along its least skilled path: the page's own words (everything
    but the scenario's and the trainee's words) never say wrong, bad, failed or the like."""
    for file in sorted(bundled.glob("*.yaml")):
        scenario = load_file(file).scenario
        if scenario is None or file.stem == "coat-still-on":
            continue
        run, state, step = start(client, scenario=scenario.id), engine_start(scenario), 0
        while not state.finished:
            index = min(
                offered(scenario, state), key=lambda pair: (pair[1].quality != "harmful", pair[0])
            )[0]
            assert choose(client, run, step, index).status_code == 303
            state, _ = engine_choose(scenario, state, index)
            step += 1
        words = text_of(client.get(f"{run}/debrief").text)
        verbatim = [scenario.client.name, scenario.title, *scenario.objectives]
        for scene in scenario.scenes.values():
            verbatim += [
                scene.client,
                scene.thought,
                scene.cue,
                scene.hint,
                scene.ending,
                scene.text,
            ]
            verbatim += [c.say for c in scene.choices or ()]
            verbatim += [c.feedback for c in scene.choices or ()]
        for line in sorted((v for v in verbatim if v), key=len, reverse=True):
            words = words.replace(" ".join(line.split()), " ")
        words = re.sub(r"“[^”]*”", " ", words)
        assert not BANNED.search(words), (scenario.id, BANNED.search(words))


# -- reactions ------------------------------------------------------------------------------


def test_reactions_are_saved_shown_back_and_can_be_changed(client, app):
    run = finished(client)
    html = client.get(f"{run}/debrief").text
    assert 'action="' + run + '/reactions"' in html and 'hx-post="' + run + '/reactions"' in html
    assert 'name="csrf_token"' in html
    response = client.post(
        f"{run}/reactions", data={"rating": "2", "text": "I froze when she said\r\nwhatever."}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"{run}/debrief#reactions"
    found, _ = rows(app, run)
    assert (found.reaction_rating, found.reaction_text) == (2, "I froze when she said\nwhatever.")
    assert found.reacted_at is not None
    html = client.get(f"{run}/debrief").text
    shown = re.search(r'<section id="reactions".*?</section>', html, re.S)
    assert shown is not None
    assert "2 out of 5" in shown.group(0)
    assert "I froze when she said\nwhatever." in shown.group(0)
    assert "Change your reactions" in shown.group(0)
    client.post(f"{run}/reactions", data={"rating": "4", "text": ""})
    found, _ = rows(app, run)
    assert (found.reaction_rating, found.reaction_text) == (4, None)


def test_reactions_with_htmx_swap_the_section_in_place(client, app):
    run = finished(client)
    response = client.post(
        f"{run}/reactions", data={"rating": "5", "text": "Relief."}, headers=HTMX
    )
    assert response.status_code == 200
    body = response.text
    assert body.lstrip().startswith('<section id="reactions"')
    assert "<html" not in body
    assert 'role="status"' in body and "Your reactions are saved." in body
    assert "5 out of 5" in body and "Relief." in body
    assert "autofocus" in body
    assert rows(app, run)[0].reaction_rating == 5


@pytest.mark.parametrize(
    "form, message",
    [
        ({"text": "No rating."}, "Choose a number from 1 to 5."),
        ({"rating": "0"}, "Choose a number from 1 to 5."),
        ({"rating": "6"}, "Choose a number from 1 to 5."),
        ({"rating": "three"}, "Choose a number from 1 to 5."),
        ({"rating": "3", "text": "x" * 2001}, "Please keep this to 2000 characters; it has 2001."),
    ],
)
def test_reactions_that_cannot_be_saved_are_explained_and_nothing_is_saved(
    client, app, form, message
):
    run = finished(client)
    for headers in ({}, HTMX):
        response = client.post(f"{run}/reactions", data=form, headers=headers)
        assert response.status_code == 400
        assert message in response.text
        assert 'role="alert"' in response.text
        assert (form.get("text") or "") in response.text  # what they wrote is kept for them
    assert rows(app, run)[0].reaction_rating is None


def test_two_thousand_characters_are_accepted(client, app):
    run = finished(client)
    assert (
        client.post(f"{run}/reactions", data={"rating": "1", "text": "y" * 2000}).status_code == 303
    )
    assert rows(app, run)[0].reaction_text == "y" * 2000


def test_only_the_trainee_who_played_may_give_reactions(client, other, app):
    run = finished(client)
    response = other.post(f"{run}/reactions", data={"rating": "1", "text": "Not mine."})
    assert response.status_code == 404
    assert rows(app, run)[0].reaction_rating is None


def test_an_unfinished_run_takes_no_reactions_yet(client, app):
    run = start(client)
    response = client.post(f"{run}/reactions", data={"rating": "3"})
    assert response.status_code == 303 and response.headers["Location"] == run
    assert rows(app, run)[0].reaction_rating is None


# -- rewind ---------------------------------------------------------------------------------


def test_rewinding_starts_a_new_linked_run_from_the_moment_before_that_choice(client, app):
    run = finished(client)  # choices 1, 2 and 3
    original, original_steps = rows(app, run)
    before = (dict(original.state), original.steps, original.version, original.outcome)
    response = client.post(f"{run}/rewind", data={"step": "1"})  # keep choice 1, redo choice 2
    assert response.status_code == 303
    branch_url = response.headers["Location"]
    assert branch_url != run and re.fullmatch(r"/runs/[A-Za-z0-9_-]{22}", branch_url)
    branch, branch_steps = rows(app, branch_url)
    assert (branch.parent_id, branch.branched_at, branch.mode) == (original.id, 1, "practice")
    assert branch.owner == original.owner and not branch.finished
    assert branch.scenario_digest == original.scenario_digest
    # the state after replaying the first choice: at the rupture scene with its meters
    scenario = load_file(ROOT / "tests" / "data" / "coat-still-on.yaml").scenario
    seed = original.play_state.seed
    assert seed  # the branch shows its replies in the same order as the run it came from
    expected, _ = engine_choose(scenario, engine_start(scenario, seed=seed), 2)
    assert branch.play_state == expected
    assert branch.scene == "shutdown" and branch.steps == 1
    assert [s.number for s in branch_steps] == [1]
    assert branch_steps[0].data == original_steps[0].data
    # the original is untouched
    again, again_steps = rows(app, run)
    assert (dict(again.state), again.steps, again.version, again.outcome) == before
    assert len(again_steps) == 3
    # the branch plays on from there, down a different path
    assert choose(client, branch_url, 1, 1).status_code == 303
    branch, _ = rows(app, branch_url)
    assert branch.finished and branch.ending == "walkout"


def test_the_two_debriefs_link_to_each_other(client, app):
    run = finished(client)
    branch_url = client.post(f"{run}/rewind", data={"step": "1"}).headers["Location"]
    play_on = choose(client, branch_url, 1, 1)
    assert play_on.status_code == 303
    branch = client.get(f"{branch_url}/debrief").text
    assert "This session was rewound from an earlier one" in branch
    assert (
        "it replays that session&#39;s first 1 choice, then follows a new path from choice 2"
        in branch
    )
    assert f'href="{run}/debrief">Read the earlier debrief</a>' in branch
    assert branch.count('class="path-step replayed"') == 1  # the whole path, copied step marked
    assert branch.count('class="path-step"') == 1
    original = client.get(f"{run}/debrief").text
    assert "Rewound from this session" in original
    assert f'href="{branch_url}/debrief">From choice 2' in original
    assert "ended: the client disengaged" in original


def test_rewinding_to_the_first_choice_starts_at_the_beginning_with_a_link(client, app):
    run = finished(client)
    branch_url = client.post(f"{run}/rewind", data={"step": "0"}).headers["Location"]
    branch, steps = rows(app, branch_url)
    assert (branch.steps, branch.scene, branch.branched_at, steps) == (0, "arrival", 0, [])


def test_a_rewound_run_keeps_the_hints_asked_before_that_moment(client, app, folder):
    (folder / "coat-still-on.yaml").write_text(WITH_THOUGHT, encoding="utf-8")
    run = start(client)
    client.post(f"{run}/hint", data={"step": "0"})
    play(client, run, 2, 0, 0)
    kept = client.post(f"{run}/rewind", data={"step": "1"}).headers["Location"]
    assert rows(app, kept)[0].play_state.hints == ("arrival",)
    fresh = client.post(f"{run}/rewind", data={"step": "0"}).headers["Location"]
    assert rows(app, fresh)[0].play_state.hints == ()


def runs_count(app) -> int:
    with app.app_context():
        return db_session().query(Run).count()


def test_an_assessment_cannot_be_rewound_and_says_why(client, app):
    run = finished(client, mode="assessment")
    count = runs_count(app)
    response = client.post(f"{run}/rewind", data={"step": "1"})
    assert response.status_code == 400
    assert "Rewinding is part of practice mode" in response.text
    assert "Back to your debrief" in response.text
    assert runs_count(app) == count


@pytest.mark.parametrize("step", ["", "x", "3", "99", "-1"])
def test_a_rewind_to_a_moment_that_is_not_in_the_run_is_refused(client, app, step):
    run = finished(client)
    count = runs_count(app)
    response = client.post(f"{run}/rewind", data={"step": step})
    assert response.status_code == 400
    assert "Please use one of the rewind buttons on the debrief." in response.text
    assert runs_count(app) == count


def test_only_the_trainee_who_played_may_rewind(client, other, app):
    run = finished(client)
    count = runs_count(app)
    assert other.post(f"{run}/rewind", data={"step": "1"}).status_code == 404
    assert runs_count(app) == count


def test_an_unfinished_run_is_not_rewound(client, app):
    run = start(client)
    choose(client, run, 0, 2)
    count = runs_count(app)
    response = client.post(f"{run}/rewind", data={"step": "0"})
    assert response.status_code == 303 and response.headers["Location"] == run
    assert runs_count(app) == count


# -- downloads ------------------------------------------------------------------------------


def test_the_debrief_downloads_as_json(client, app):
    run = finished(client)
    client.post(f"{run}/reactions", data={"rating": "3", "text": "Mixed."})
    response = client.get(f"{run}/debrief.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(
        r'attachment; filename="rapport-debrief-coat-still-on-\d{4}-\d{2}-\d{2}\.json"', disposition
    )
    assert response.headers["Cache-Control"] == "no-store"
    document = json.loads(response.text)
    found, _steps = rows(app, run)
    assert document.pop("run_id") == found.id
    assert document.pop("instead") == {}
    assert document.pop("mode") == "practice"
    assert document.pop("scenario_version") == found.scenario_digest
    started, ended = document.pop("started_at"), document.pop("finished_at")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+\+00:00", started) and ended >= started
    summary = document["summary"]
    assert summary["outcome"] == "good"
    assert set(summary["strength"]) == {"step", "text"} and summary["strength"]["text"]
    assert summary["growth"]["step"] in (1, 2, 3) and summary["growth"]["text"]
    report = Debrief.model_validate(document)
    assert report.scenario == "coat-still-on" and report.outcome == "good"
    assert [k.step for k in report.key_moments] == [1, 2, 3]
    assert report.reactions is not None and (report.reactions.rating, report.reactions.text) == (
        3,
        "Mixed.",
    )
    assert len(report.timeline) == 4


def test_the_debrief_downloads_as_one_self_contained_web_page(client):
    run = finished(client)
    response = client.get(f"{run}/debrief.html")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="rapport-debrief-coat-still-on-'
    )
    page = response.text
    assert "<style>" in page and ".chart svg" in page and ".review" in page  # both stylesheets
    assert "<svg" in page and "Trust went from 35 to 45." in page
    assert "Key moment 1" in page and "A first foothold" in page
    assert "default-src &#39;none&#39;" in page or "default-src 'none'" in page
    # nothing that would load anything, and nothing that points back into the app
    assert "<script" not in page and '<link rel="stylesheet"' not in page
    assert not re.search(r'\b(src|href|action)="(?!data:|#)', page), re.findall(
        r'\b(?:src|href|action)="[^"]*"', page
    )
    assert "<form" not in page and "Rewind to this moment" not in page
    assert "<iframe" not in page and "@import" not in page and "url(" not in page


@pytest.mark.parametrize("suffix", ["debrief.json", "debrief.html"])
def test_the_downloads_are_only_for_the_trainee_and_only_once_the_run_ends(client, other, suffix):
    run = finished(client)
    assert other.get(f"{run}/{suffix}").status_code == 404
    assert client.get(f"/runs/nobody-knows-this/{suffix}").status_code == 404
    unfinished = start(client)
    assert client.get(f"{unfinished}/{suffix}").status_code == 404


def test_the_debrief_is_404_for_another_browser(client, other):
    run = finished(client)
    assert other.get(f"{run}/debrief").status_code == 404


def test_step_rows_of_a_branch_belong_to_the_branch(client, app):
    run = finished(client)
    branch_url = client.post(f"{run}/rewind", data={"step": "2"}).headers["Location"]
    with app.app_context():
        db = db_session()
        branch_id = branch_url.rsplit("/", 1)[-1]
        numbers = [
            r.number for r in db.query(StepRow).filter_by(run_id=branch_id).order_by(StepRow.number)
        ]
        assert numbers == [1, 2]


def test_the_instructor_reads_the_debrief_with_the_trainee_s_reactions_and_no_controls(
    client, other, app
):
    from .classes import REPAIRED, create_class, joined, log_in, make_instructor
    from .classes import play as play_class
    from .classes import start as start_class

    make_instructor(app, "ada@example.org")
    log_in(client, "ada@example.org")
    code = create_class(client)
    joined(other, code, "Ben")
    run = start_class(other, code)
    play_class(other, run, REPAIRED)
    mine = other.get(f"{run}/debrief").text
    assert "Your instructor can read what you write here." in mine
    other.post(f"{run}/reactions", data={"rating": "2", "text": "Rushed the <goals>."})
    page = client.get(f"/classes/{code}/runs/{run.rsplit('/', 1)[-1]}/debrief")
    assert page.status_code == 200
    html = page.text
    assert "You are reading Ben&#39;s debrief" in html or "You are reading Ben's debrief" in html
    reactions = re.search(r'<section id="reactions".*?</section>', html, re.S)
    assert reactions is not None
    assert "Self-rating" in reactions.group(0) and "2 out of 5" in reactions.group(0)
    assert "Rushed the &lt;goals&gt;." in reactions.group(0)
    assert "<form" not in reactions.group(0)
    assert "Rewind to this moment" not in html and "Play again" not in html
    assert "Download as" not in html  # the downloads are the trainee's own


def test_a_repeated_rewind_reuses_the_branch_not_yet_played_on(client, app):
    run = finished(client)
    first = client.post(f"{run}/rewind", data={"step": "1"}).headers["Location"]
    count = runs_count(app)
    again = client.post(f"{run}/rewind", data={"step": "1"})  # a double click, a resent form
    assert again.status_code == 303 and again.headers["Location"] == first
    assert runs_count(app) == count
    # once that branch has moved on, rewinding to the same moment starts another
    assert choose(client, first, 1, 1).status_code == 303
    third = client.post(f"{run}/rewind", data={"step": "1"}).headers["Location"]
    assert third not in (first, run) and runs_count(app) == count + 1


SAFETY = """\
format: 1
id: risk
title: Some Days
summary: A client hints at risk.
difficulty: intermediate
minutes: 3
objectives: [Notice a risk cue and check on safety directly.]
content_warnings: [Thoughts of suicide]
client: {name: Sam Reed, concern: Low mood.}
start: cue
scenes:
  cue:
    moment: safety
    client: "Some days I wonder what the point of any of it is."
    thought: I haven't told anyone about the pills in the drawer.
    choices:
      - say: "When you say that, I want to ask directly: are you having thoughts of ending your life?"
        quality: strong
        feedback: A calm, direct question about suicide is the safety step.
        goto: held
      - say: "Everyone feels like that sometimes. Shall we look at your week?"
        quality: weak
        effects: {trust: -5}
        feedback: Normalising moves past the cue.
        goto: gone
  held:
    ending: Sam keeps talking
    outcome: good
  gone:
    ending: Sam leaves early
    outcome: poor
    after: Phone Sam the same day, note the risk cue, and tell your supervisor.
"""


def test_a_missed_safety_step_leads_the_first_screen(client, folder):
    (folder / "risk.yaml").write_text(SAFETY, encoding="utf-8")
    run = start(client, scenario="risk")
    choose(client, run, 0, 1)
    html = client.get(f"{run}/debrief").text
    first = html[: html.index('<details class="more"')]
    assert first.index("A safety step to take") < first.index("What went well")
    assert "I haven&#39;t told anyone about the pills in the drawer." in first
    assert "are you having thoughts of ending your life?" in first  # the safety step
    assert "What a clinician does next:</strong> Phone Sam the same day" in first
    assert "Safety check: passed by" in html


def test_what_the_trainee_would_say_instead_is_kept_once_refused_when_long_and_shown_to_htmx(
    client, app
):
    run = finished(client)
    too_long = client.post(f"{run}/instead", data={"step": "1", "text": "x" * 501})
    assert too_long.status_code == 400 and "Please keep this to 500 characters" in too_long.text
    assert client.post(f"{run}/instead", data={"step": "9", "text": "hi"}).status_code == 400
    page = client.post(f"{run}/instead", data={"step": "1", "text": "First."}, headers=HTMX)
    assert page.status_code == 200 and 'id="key-moment-1"' in page.text
    client.post(f"{run}/instead", data={"step": "1", "text": "Second thoughts."})  # replaces it
    data = json.loads(client.get(f"{run}/debrief.json").text)
    assert data["instead"] == {"1": "Second thoughts."}


def test_two_rewinds_at_once_make_one_branch(client, app, monkeypatch):
    from simulator import play as play_view
    from simulator.models import Run

    run = finished(client)
    first = client.post(f"{run}/rewind", data={"step": "1"}).headers["Location"]
    # the second click read the branches before the first committed: it saw none
    monkeypatch.setattr(play_view, "run_branches", lambda session, found: [])
    second = client.post(f"{run}/rewind", data={"step": "1"})
    assert second.status_code == 303 and second.headers["Location"] == first
    with app.app_context():
        parent = rows(app, run)[0]
        branches = db_session().query(Run).filter_by(parent_id=parent.id).all()
    assert len(branches) == 1
    monkeypatch.undo()
    # once played on, rewinding to the same step again makes a second branch, as before
    assert choose(client, first, 1, 1).status_code == 303
    again = client.post(f"{run}/rewind", data={"step": "1"}).headers["Location"]
    assert again not in (first, run)
