"""The `rapport` command group."""

from __future__ import annotations

import json
import sys

import click

from .engine import analysis
from .engine.play import NotOffered, play_through, summary
from .scenarios import Loaded, load_file, scenario_files


def _load_or_exit(file: str) -> Loaded:
    loaded = load_file(file)
    for message in loaded.warnings:
        click.echo(str(message), err=True)
    if not loaded.ok:
        for message in loaded.errors:
            click.echo(str(message), err=True)
        sys.exit(1)
    return loaded


@click.group()
def main() -> None:
    """Rapport: a training simulator for the therapeutic alliance."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def validate(paths: tuple[str, ...]) -> None:
    """Check scenario files (or folders of them); exit 1 if any is invalid."""
    files = scenario_files(paths)
    if not files:
        click.echo("no scenario files found", err=True)
        sys.exit(1)
    invalid = 0
    for file in files:
        loaded = load_file(file)
        for message in sorted(loaded.errors + loaded.warnings):
            click.echo(str(message))
        if not loaded.ok:
            invalid += 1
    valid = len(files) - invalid
    click.echo(
        f"{len(files)} file{'s' if len(files) != 1 else ''} checked: "
        f"{valid} valid, {invalid} invalid",
        err=True,
    )
    sys.exit(1 if invalid else 0)


def _numbers(text: str) -> list[int]:
    try:
        numbers = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError as exc:
        raise click.BadParameter("use numbers separated by commas, e.g. 1,3,2") from exc
    return numbers


@main.command()
@click.argument("file", type=click.Path())
@click.option("--choose", "choose", default="", help="Offered-choice numbers, 1-based, e.g. 1,3,2.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def play(file: str, choose: str, as_json: bool) -> None:
    """Play a scenario by script, choosing the Nth offered choice at each choice scene."""
    scenario = _load_or_exit(file).scenario
    assert scenario is not None
    try:
        state, steps = play_through(scenario, _numbers(choose))
    except NotOffered as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    result = summary(scenario, state)
    if as_json:
        click.echo(json.dumps(result))
        return
    for step in steps:
        click.echo(f"{step.scene}: {step.say}")
    meters = ", ".join(f"{k} {v}" for k, v in state.meters.as_dict().items())
    if state.finished:
        click.echo(f"ending: {state.scene} ({result['outcome']})")
    else:
        click.echo(f"not finished: play stands at '{state.scene}'")
    click.echo(f"meters: {meters}")
    for rupture in state.ruptures:
        repaired = rupture.repaired_at or "not repaired"
        click.echo(f"rupture: {rupture.type} opened at {rupture.opened_at}, repaired: {repaired}")


@main.command()
@click.argument("file", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--max-states", default=200_000, show_default=True, help="Stop past this many states."
)
def analyze(file: str, as_json: bool, max_states: int) -> None:
    """Explore every reachable state: endings, shortest routes, meter ranges, dead choices."""
    scenario = _load_or_exit(file).scenario
    assert scenario is not None
    try:
        result = analysis.analyze(scenario, max_states=max_states)
    except analysis.StateLimit as error:
        click.echo(f"error: {error} (raise --max-states to go further)", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(result.as_json()))
        return
    click.echo(f"{scenario.id}: {result.states} states")
    for name, report in result.endings.items():
        if not report.reachable:
            click.echo(f"  {name}: unreachable")
            continue
        assert report.min is not None and report.max is not None
        paths = report.paths if report.paths is not None else f"more than {result.path_cap}"
        trust = f"trust {report.min['trust']}..{report.max['trust']}"
        route = ",".join(map(str, report.shortest or [])) or "(none)"
        open_note = "; can be reached with a rupture open" if report.unrepaired else ""
        click.echo(f"  {name}: shortest --choose {route}; {trust}; {paths} paths{open_note}")
    for scene, number in result.never_offered:
        click.echo(f"  never offered: {scene} choice {number}")
    for number in result.never_fired:
        click.echo(f"  never fired: rule {number}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Reload on code changes (development only).")
def serve(host: str, port: int, debug: bool) -> None:
    """Serve the app (SQLite and the bundled scenarios unless configured otherwise)."""
    from . import create_app

    app = create_app()
    click.echo(f"Rapport at http://{host}:{port}/ (scenarios from {app.config['SCENARIO_DIR']})")
    app.run(host=host, port=port, debug=debug)


if __name__ == "__main__":  # pragma: no cover
    main()
