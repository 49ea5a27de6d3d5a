"""An instructor in a real Chromium: library, graph, playtest, upload and the live editor."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .helpers import assert_no_violations, say

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parents[2]
COAT = (ROOT / "tests" / "data" / "coat-still-on.yaml").read_text(encoding="utf-8")
BROKEN = (ROOT / "tests" / "data" / "broken" / "bad-values.yaml").read_bytes()


def copy_of_coat(scenario_id: str, title: str) -> str:
    return COAT.replace("id: coat-still-on", f"id: {scenario_id}", 1).replace(
        "title: Coat Still On", f"title: {title}", 1
    )


def folder(live_app) -> Path:
    """The live server's scenario folder: a temporary copy, so tests may write to it."""
    return Path(live_app.config["SCENARIO_DIR"])


def log_in(page: Page, account: tuple[str, str]) -> None:
    page.goto("/author/")
    expect(page.get_by_role("heading", name="Instructor login")).to_be_visible()
    page.get_by_label("Email").fill(account[0])
    page.get_by_label("Password").fill(account[1])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scenario library")


def editing(page: Page, live_app, account: tuple[str, str], scenario_id: str, title: str) -> Path:
    """A copy of the example as `scenario_id`, open in the editor, logged in; its path."""
    path = folder(live_app) / f"{scenario_id}.yaml"
    path.write_text(copy_of_coat(scenario_id, title), encoding="utf-8")
    log_in(page, account)
    page.goto(f"/author/files/{scenario_id}.yaml/edit")
    return path


def file_card(page: Page, name: str):
    return (
        page.get_by_role("listitem")
        .filter(has=page.get_by_text(name, exact=True))
        .filter(has=page.get_by_role("article"))
    )


def test_the_library_shows_each_file_and_its_status(page: Page, live_app, author_account):
    (folder(live_app) / "browser-broken.yaml").write_bytes(BROKEN)
    log_in(page, author_account)
    expect(page.get_by_role("link", name="Library")).to_have_attribute("aria-current", "page")
    coat = file_card(page, "coat-still-on.yaml")
    expect(coat).to_contain_text("Valid")
    expect(coat.get_by_role("link", name="Coat Still On", exact=True)).to_be_visible()
    broken = file_card(page, "browser-broken.yaml")
    expect(broken).to_contain_text("3 errors: not playable")
    expect(broken).to_contain_text("line 16, column 19: unknown meter 'trsut'")
    expect(broken.get_by_role("link", name="Edit browser-broken.yaml")).to_be_visible()
    # trainees never see it
    page.goto("/")
    expect(page.get_by_role("link", name="Coat Still On")).to_be_visible()
    expect(page.get_by_text("A file with a mistake in it.")).to_have_count(0)


def test_the_graph_links_each_scene_to_its_text(page: Page, author_account):
    log_in(page, author_account)
    page.get_by_role("link", name="Graph, analysis and playtest for Coat Still On").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Coat Still On")
    graph = page.locator("figure.graph svg")
    expect(graph).to_be_visible()
    expect(graph).to_contain_text("RUPTURE (withdrawal)")
    page.get_by_role("link", name="Scene walkout").click()
    expect(page).to_have_url(re.compile(r"#scene-walkout$"))
    walkout = page.locator("#scene-walkout")
    expect(walkout).to_be_in_viewport()
    expect(walkout).to_contain_text("Maya leaves early")
    # the analysis is on the same page
    endings = page.get_by_role("table", name="Endings")
    expect(endings).to_contain_text("A first foothold")
    expect(endings).to_contain_text("--choose 3,2")


def test_a_playtest_starts_at_the_chosen_scene_with_the_chosen_meters(page: Page, author_account):
    log_in(page, author_account)
    page.goto("/author/scenarios/coat-still-on")
    page.locator("#scene-shutdown").get_by_role(
        "link", name=re.compile("Playtest from here")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Playtest Coat Still On")
    expect(page.get_by_label("Start at scene")).to_have_value("shutdown")
    expect(page.get_by_label("Trust")).to_have_value("35")
    page.get_by_label("Trust").fill("22")
    page.get_by_label("Positivity").fill("64")
    page.get_by_label("Authenticity").fill("150")
    page.get_by_role("button", name="Start the test run").click()
    # a value out of range is refused with a clear message, and the rest is kept
    expect(page.get_by_role("alert")).to_contain_text(
        "Authenticity must be a whole number from 0 to 100."
    )
    expect(page.get_by_label("Trust")).to_have_value("22")
    assert_no_violations(page)
    page.get_by_label("Authenticity").fill("71")
    page.get_by_role("button", name="Start the test run").click()

    expect(
        page.get_by_role("heading", name=re.compile("Sure. Whatever you think."))
    ).to_be_visible()
    expect(page.get_by_text("Playtest: not counted in class results")).to_be_visible()
    meters = page.get_by_role("region", name="Alliance meters")
    expect(meters.get_by_role("meter", name="Trust")).to_have_attribute("aria-valuenow", "22")
    expect(meters.get_by_role("meter", name="Positivity")).to_have_attribute("aria-valuenow", "64")
    expect(meters.get_by_role("meter", name="Authenticity")).to_have_attribute(
        "aria-valuenow", "71"
    )
    say(page, "I think I rushed ahead just now. Can we go back to how it felt to come in today?")
    expect(page.locator("details.happened > summary")).to_be_visible()
    expect(meters.get_by_role("meter", name="Trust")).to_have_attribute("aria-valuenow", "32")


def test_uploading_a_good_file_and_a_bad_one(page: Page, live_app, author_account, tmp_path):
    (folder(live_app) / "browser-upload.yaml").unlink(missing_ok=True)
    good = tmp_path / "my-scenario.yaml"
    good.write_text(copy_of_coat("browser-upload", "Uploaded In Chromium"), encoding="utf-8")
    bad = tmp_path / "bad-values.yaml"
    bad.write_bytes(BROKEN)
    log_in(page, author_account)

    page.get_by_label("Scenario file (YAML)").set_input_files(bad)
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The upload was not saved")
    problems = page.get_by_role("list", name="Problems in bad-values.yaml")
    expect(problems.get_by_role("listitem")).to_have_count(3)
    expect(problems).to_contain_text("line 16, column 36: 'trust' must be at most 100")
    expect(page.get_by_text("bad-values.yaml:19:14: 'outcome'")).to_be_visible()
    assert_no_violations(page)

    page.get_by_label("Scenario file (YAML)").set_input_files(good)
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uploaded In Chromium")
    expect(page.locator(".flash")).to_contain_text("Uploaded browser-upload.yaml")
    assert (folder(live_app) / "browser-upload.yaml").exists()

    # the same id again asks first
    page.goto("/author/")
    page.get_by_label("Scenario file (YAML)").set_input_files(good)
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Replace browser-upload.yaml?")
    assert_no_violations(page)
    page.get_by_role("button", name="Replace browser-upload.yaml").click()
    expect(page.locator(".flash")).to_contain_text("Replaced browser-upload.yaml")


def test_the_live_editor_flags_a_mistake_while_typing_and_saves_the_fix(
    page: Page, live_app, author_account
):
    path = folder(live_app) / "browser-editor.yaml"
    path.write_text(copy_of_coat("browser-editor", "Edited In Chromium"), encoding="utf-8")
    log_in(page, author_account)
    page.goto("/author/scenarios/browser-editor/edit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit browser-editor.yaml")
    source = page.get_by_label("YAML of browser-editor.yaml")
    status = page.locator("#check-status")
    expect(status).to_have_text(re.compile("ready to save"))

    lines = len(COAT.split("\n"))  # the file ends with a newline: the cursor starts a new line
    source.focus()
    page.keyboard.press("Control+End")
    page.keyboard.type("content_warnigns: [Typed in a test]")
    expect(status).to_have_text("1 error: fix before saving.")
    problem = page.locator("#problems").get_by_role("listitem")
    expect(problem).to_contain_text(f"line {lines}, column 1: unknown key 'content_warnigns'")
    assert_no_violations(page)

    # the problem's line link puts the cursor on that line
    problem.get_by_role("link", name=f"line {lines}, column 1").click()
    expect(source).to_be_focused()
    expect(page.locator("#cursor")).to_have_text(f"Line {lines}, column 1")

    # fix the typo: the problem clears
    page.keyboard.press("End")
    for _ in range(len("nigns: [Typed in a test]")):
        page.keyboard.press("Backspace")
    page.keyboard.type("nings: [Typed in a test]")
    expect(status).to_have_text("No problems: ready to save.")
    expect(page.locator("#problems")).to_contain_text("No problems found.")

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("Saved browser-editor.yaml.")
    assert path.read_text(encoding="utf-8").endswith("content_warnings: [Typed in a test]")
    page.goto("/scenarios/browser-editor")
    expect(page.get_by_role("region", name="Content warnings")).to_contain_text("Typed in a test")


def test_each_problem_fits_the_editors_panel_however_long_its_line(
    page: Page, live_app, author_account
):
    long_goto = "        goto: nowhere- " + "ambivalence " * 6 + "\n"
    text = COAT.replace("        goto: ambivalence\n", long_goto, 1)
    (folder(live_app) / "browser-long-line.yaml").write_text(text, encoding="utf-8")
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, author_account)
    page.goto("/author/files/browser-long-line.yaml/edit")
    problem = page.locator("#problems .problem").first
    expect(problem).to_contain_text("must be a slug")
    panel = page.locator("#problems").bounding_box()
    box = problem.locator("p").first.bounding_box()
    assert panel and box and box["x"] + box["width"] <= panel["x"] + panel["width"] + 1
    excerpt = problem.locator(".excerpt").bounding_box()  # scrolls inside, not past the panel
    assert excerpt and excerpt["x"] + excerpt["width"] <= panel["x"] + panel["width"] + 1


def test_saving_a_file_changed_on_disk_keeps_the_typed_text(page: Page, live_app, author_account):
    path = editing(page, live_app, author_account, "browser-conflict", "Conflict In Chromium")
    source = page.get_by_label("YAML of browser-conflict.yaml")
    expect(source).to_have_value(re.compile("Conflict In Chromium"))
    path.write_text(copy_of_coat("browser-conflict", "Changed Elsewhere"), encoding="utf-8")
    source.fill(copy_of_coat("browser-conflict", "Mine"))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("was changed by someone else")
    expect(page.get_by_label("YAML of browser-conflict.yaml")).to_have_value(
        re.compile("title: Mine")
    )
    assert "Changed Elsewhere" in path.read_text(encoding="utf-8")
    page.get_by_role("button", name="Replace the file on disk with my text").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved browser-conflict.yaml.")
    assert "title: Mine" in path.read_text(encoding="utf-8")


def test_a_check_that_fails_says_so_in_the_status_line_too(page: Page, live_app, author_account):
    editing(page, live_app, author_account, "browser-expired", "Expired In Chromium")
    status = page.locator("#check-status")
    expect(status).to_have_text("No problems: ready to save.")
    page.context.clear_cookies()  # the login and the form's token end
    page.get_by_label("YAML of browser-expired.yaml").press("End")
    page.keyboard.type(" ")
    expect(page.locator("#problems")).to_contain_text("This form has expired")
    expect(status).to_have_text("Not checked: see the message below.")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_instructor_page_passes_axe(page: Page, live_app, author_account, scheme: str):
    (folder(live_app) / "browser-broken.yaml").write_bytes(BROKEN)
    page.emulate_media(color_scheme=scheme)
    log_in(page, author_account)
    assert_no_violations(page)
    page.goto("/author/scenarios/coat-still-on")
    expect(page.locator("figure.graph svg")).to_be_visible()
    expect(page.get_by_role("table", name="Endings")).to_be_visible()  # fetched after the page
    assert_no_violations(page)
    page.goto("/author/scenarios/coat-still-on/playtest?scene=check")
    expect(page.get_by_label("Start at scene")).to_have_value("check")
    assert_no_violations(page)
    page.goto("/author/files/browser-broken.yaml/edit")
    expect(page.locator("#check-status")).to_have_text("3 errors: fix before saving.")
    assert_no_violations(page)


def test_a_large_scenarios_analysis_fills_in_from_the_background(
    page: Page, author_account, monkeypatch
):
    from simulator import authoring

    monkeypatch.setattr(authoring, "QUICK_STATES", 3)  # coat-still-on counts as large
    authoring._cache.items.clear()
    log_in(page, author_account)
    page.goto("/author/scenarios/coat-still-on")
    status = page.locator("#analysis [role=status]")
    expect(status).to_contain_text("Still exploring every path of this large scenario")
    expect(page.locator("figure.graph svg")).to_be_visible()  # the rest of the page is there
    endings = page.get_by_role("table", name="Endings")
    expect(endings).to_contain_text("A first foothold", timeout=60_000)  # asked again, swapped in
    expect(status).to_have_count(0)
    authoring._cache.items.clear()
    for job in authoring._jobs:  # the background process has ended; reap it
        job.wait(30)
    authoring._jobs.clear()


def test_a_graph_slow_to_draw_fills_in_from_the_background(
    page: Page, live_app, author_account, monkeypatch
):
    import threading

    from simulator import authoring, instance

    with live_app.app_context():  # drawn by earlier tests, and kept for other processes
        for kept in instance.analyses(live_app).glob("*.graph"):
            kept.unlink()

    release = threading.Event()
    real = authoring.render_svg

    def slow(*args, **kwargs):  # Graphviz busy with a large graph, until released
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(authoring, "render_svg", slow)
    monkeypatch.setattr(authoring, "QUICK_DRAW", 0.1)
    authoring._cache.items.clear()
    log_in(page, author_account)
    page.goto("/author/scenarios/coat-still-on")
    status = page.get_by_role("status").filter(has_text="Drawing the scene graph")
    expect(status).to_be_visible()
    expect(page.locator("#scene-arrival")).to_be_visible()  # the rest of the page is there
    assert_no_violations(page)
    release.set()
    graph = page.locator("figure.graph svg")
    expect(graph).to_be_visible(timeout=15_000)  # asked again, swapped in
    expect(graph).to_contain_text("RUPTURE (withdrawal)")
    expect(status).to_have_count(0)
    authoring._cache.items.clear()
