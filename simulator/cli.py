"""The `rapport` command group."""

from __future__ import annotations

import ipaddress
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from .engine import (
    STRATEGY_WORDS,
    EndlessRuptures,
    NotOffered,
    StateLimit,
    play_through,
    scenario_schema,
    summary,
    to_dot,
    to_mermaid,
)
from .engine import analyze as analyze_scenario
from .engine import lint as lint_scenario
from .scenarios import (
    ANALYSIS_MEGABYTES,
    Loaded,
    Message,
    capped,
    collector_paused,
    load_file,
    locate_all,
    memory_limited,
    passed_over,
    scenario_files,
)


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


def _named(_context: click.Context, _param: click.Parameter, paths: tuple[str, ...]) -> Any:
    """Paths as given; an empty one names no file (read as a path it would be this folder)."""
    if any(not path for path in paths):
        raise click.BadParameter("an empty path names no file or folder")
    return paths


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(), callback=_named)
def validate(paths: tuple[str, ...]) -> None:
    """Check scenario files (or folders of them); exit 1 if any is invalid."""
    files, skipped = _files_or_exit(paths)
    refused = sum(message.severity == "error" for message in skipped)
    invalid = refused
    first: dict[tuple[Path, str], Path] = {}  # per folder and id, the file served
    for file in files:
        loaded = load_file(file)
        if loaded.scenario is not None:
            served = first.setdefault((file.absolute().parent, loaded.scenario.id), file)
            if served != file:
                loaded.warnings.append(_shadowed(loaded, served))
        for message in sorted(loaded.errors + loaded.warnings):
            click.echo(str(message))
        if not loaded.ok:
            invalid += 1
    checked = len(files) + refused
    click.echo(
        f"{checked} file{'s' if checked != 1 else ''} checked: "
        f"{checked - invalid} valid, {invalid} invalid",
        err=True,
    )
    sys.exit(1 if invalid else 0)


def _files_or_exit(paths: tuple[str, ...]) -> tuple[list[Path], list[Message]]:
    """The scenario files named or in the folders named, after a message for each entry of
    those folders that is passed over (the library does not serve it either), and those
    messages; exit 1 when there is nothing at all."""
    skipped = passed_over(paths)
    for message in skipped:
        click.echo(str(message))
    files = scenario_files(paths)
    if not files and not skipped:
        click.echo("no scenario files found", err=True)
        sys.exit(1)
    return files, skipped


def _shadowed(loaded: Loaded, served: Path) -> Message:
    """The warning on a file whose id an earlier file of its folder has: as the library
    serves the first, trainees never play this one."""
    assert loaded.scenario is not None
    mark = loaded.positions.keys.get(("id",)) if loaded.positions else None
    return Message(
        loaded.path,
        mark.line if mark else 1,
        mark.column if mark else 1,
        f"the id '{loaded.scenario.id}' is also used by {served.name}, which comes first in "
        "the folder, so trainees play that file and never this one: give this scenario its "
        "own id",
        "warning",
    )


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
@click.option(
    "--max-memory",
    default=ANALYSIS_MEGABYTES,
    show_default=True,
    type=click.IntRange(min=0),
    help="Stop past this many megabytes of memory (0: no limit).",
)
def analyze(file: str, as_json: bool, max_states: int, max_memory: int) -> None:
    """Explore every reachable state: endings, shortest routes, meter ranges, dead choices."""
    scenario = _load_or_exit(file).scenario
    assert scenario is not None
    result = None
    try:
        with memory_limited(max_memory), collector_paused():
            result = analyze_scenario(scenario, max_states=max_states)
    except EndlessRuptures as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    except StateLimit as error:
        click.echo(f"error: {error} (raise --max-states to go further)", err=True)
        sys.exit(1)
    except MemoryError:
        pass  # said below, once the exploration's memory is free again
    if result is None:
        click.echo(
            f"error: the analysis reached its memory limit ({max_memory:,} MB) before "
            "finishing (raise --max-memory, or lower --max-states)",
            err=True,
        )
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
    for run in result.strategies:
        ends = f"{run.outcome} at {run.ending}" if run.ending else "never ends"
        click.echo(f"  {STRATEGY_WORDS[run.strategy]}: {ends} after {run.choices} choices")
    for run in result.giveaways:
        click.echo(
            f"warning: {STRATEGY_WORDS[run.strategy]} reaches the best outcome ({result.best})",
            err=True,
        )


@main.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format."""
    click.echo(json.dumps(scenario_schema(), indent=2))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(), callback=_named)
def lint(paths: tuple[str, ...]) -> None:
    """Validation warnings plus authoring smells; exit 1 if anything is found."""
    files, skipped = _files_or_exit(paths)
    found = len(skipped)  # the entries passed over are findings too
    for file in files:
        loaded = load_file(file)
        if not loaded.ok:
            for message in loaded.errors:
                click.echo(str(message))
            found += len(loaded.errors)
            continue
        assert loaded.scenario is not None
        messages = locate_all(loaded, lint_scenario(loaded.scenario) + _alike(loaded.scenario))
        for message in capped(messages, str(file), "warning"):  # as validation's are
            click.echo(str(message))
        found += len(messages)
    click.echo(f"{found} finding{'s' if found != 1 else ''}", err=True)
    sys.exit(1 if found else 0)


def _alike(scenario: Any) -> list[Any]:
    """Replies too alike for typed words to tell apart (the model's smell; none without it)."""
    from . import matching

    return matching.alike(matching.matcher(), scenario)


@main.command("match")
@click.argument("file", type=click.Path())
@click.argument("words", nargs=-1)
@click.option("--phrasings", type=click.Path(), help="A labelled paraphrase set to score.")
@click.option("--scene", "scene_id", help="Rank this scene's replies for WORDS.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def match_command(
    file: str, words: tuple[str, ...], phrasings: str | None, scene_id: str | None, as_json: bool
) -> None:
    """Match typed words to replies: a paraphrase set's accuracy, or one phrase's ranking."""
    from . import matching

    scenario = _load_or_exit(file).scenario
    assert scenario is not None
    if (phrasings is None) == (scene_id is None):
        raise click.UsageError('give --phrasings FILE, or --scene ID "typed words"')
    found = matching.matcher()
    if not found.available:
        click.echo(f"error: {found.reason}", err=True)
        sys.exit(1)
    if phrasings is not None:
        try:
            items = matching.load_phrasings(phrasings, scenario)
        except matching.PhrasingsError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)
        _match_report(scenario.id, matching.evaluate(found, scenario, items), as_json)
        return
    assert scene_id is not None
    scene = scenario.scenes.get(scene_id)
    if scene is None or not scene.choices:
        click.echo(f"error: '{scene_id}' is not a choice scene of {scenario.id}", err=True)
        sys.exit(2)
    result = found.match(scene_id, matching.replies(scene_id, scene), " ".join(words))
    _match_ranking(scene_id, result, as_json)


def _match_report(scenario_id: str, accuracy: Any, as_json: bool) -> None:
    report = accuracy.as_json()
    if as_json:
        click.echo(json.dumps({"scenario": scenario_id, **report}))
        return
    click.echo(
        f"{scenario_id}: {accuracy.labelled} phrasings; top-1 {report['top1']:.1%} "
        f"({accuracy.top1}), top-2 {report['top2']:.1%} ({accuracy.top2}); "
        f"close and right {report['close']:.1%}; {accuracy.unrelated} unrelated, "
        f"{accuracy.unrelated_close} called close"
    )
    for miss in accuracy.misses:
        expected = f'"{miss.expected}"' if miss.expected else "nothing close"
        click.echo(
            f'  {miss.scene}: "{miss.text}"\n    expected {expected}\n'
            f'    got "{miss.got}" ({miss.similarity:.2f}{", close" if miss.close else ""})'
        )


def _match_ranking(scene_id: str, result: Any, as_json: bool) -> None:
    if as_json:
        scores = [{**s.__dict__, "similarity": round(s.similarity, 4)} for s in result.scores]
        click.echo(json.dumps({"scene": scene_id, "close": result.close, "scores": scores}))
        return
    verdict = "closest to what you wrote" if result.close else "nothing is close"
    click.echo(f"{scene_id}: {verdict}")
    for score in result.scores:
        click.echo(f"  {score.similarity:.2f}  {score.reply}  {score.say}")


@main.command()
@click.argument("file", type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["svg", "dot", "mermaid"]),
    default="svg",
    show_default=True,
)
def graph(file: str, fmt: str) -> None:
    """Draw the scene graph (svg needs Graphviz's dot; dot and mermaid never do)."""
    scenario = _load_or_exit(file).scenario
    assert scenario is not None
    if fmt == "dot":
        click.echo(to_dot(scenario), nl=False)
    elif fmt == "mermaid":
        click.echo(to_mermaid(scenario), nl=False)
    else:
        from .graphs import GraphvizMissing, render_svg

        try:
            click.echo(render_svg(scenario), nl=False)
        except GraphvizMissing as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)


NEW_SCENARIO = """# yaml-language-server: $schema=scenario.schema.json
format: 1
id: {slug}
title: {title}
summary: A short first session to build on. Replace this with your own.
difficulty: beginner
minutes: 5
tags: [starter]
objectives:
  - Notice a withdrawal marker and name it gently.
client:
  name: Alex
  age: 30
  pronouns: they/them
  concern: Feeling stuck at work.
  background: |
    Alex was referred by their GP and has not been in therapy before.
start: opening
scenes:
  opening:
    cue: Alex sits on the edge of the chair, arms folded.
    client: "I'm not really sure what I'm supposed to say here."
    choices:
      - say: "There's no right way to do this, so start anywhere you like: tell me everything that's been going wrong at work."
        skill: directive
        quality: weak
        effects: {{attentiveness: -5, trust: -5}}
        feedback: Kindly framed, but a broad demand adds pressure just after Alex said they feel unsure.
        rupture: withdrawal
        goto: pulling-back
      - say: "It can feel odd to start. What made today the day you came?"
        skill: open-question
        quality: strong
        effects: {{attentiveness: 5, trust: 5}}
        feedback: Naming the oddness and asking an open question tells Alex there is no script.
        goto: closing
      - say: "Take your time."
        skill: silence
        quality: adequate
        effects: {{attentiveness: 3}}
        feedback: Patient and warm, though it leaves Alex to find a way in alone.
        goto: closing
  pulling-back:
    moment: rupture
    rupture: withdrawal
    cue: Alex shrugs and looks at the floor.
    client: "Dunno. It's fine, I guess."
    thought: I knew this would be a waste of time.
    choices:
      - say: "I think I rushed you just now. Can we slow down?"
        skill: metacommunication
        quality: strong
        repairs: true
        effects: {{authenticity: 10, trust: 5}}
        feedback: Owning your part of the moment invites Alex back without blame.
        goto: closing
      - say: "Okay, no problem, we don't have to go into all of it. So, tell me a bit about work."
        skill: closed-question
        quality: weak
        effects: {{trust: -5, positivity: -5}}
        feedback: Moving on past "it's fine" leaves the withdrawal unspoken.
        goto: closing
  closing:
    next:
      - when: "trust >= 55 and ruptures_open == 0"
        goto: good-end
      - goto: mixed-end
  good-end:
    ending: A first step
    outcome: good
    text: Alex unfolds their arms and agrees to come back next week.
  mixed-end:
    ending: Polite but distant
    outcome: mixed
    text: Alex answers the questions, but leaves without booking again.
"""


@main.command()
@click.argument("slug")
@click.option("--dir", "folder", default="scenarios", show_default=True, type=click.Path())
def new(slug: str, folder: str) -> None:
    """Write a starter scenario SLUG.yaml that validates and plays."""
    import re

    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug):
        click.echo("error: SLUG must use a-z, 0-9 and '-', e.g. first-session", err=True)
        sys.exit(2)
    target = Path(folder) / f"{slug}.yaml"
    if target.exists():
        click.echo(f"error: {target} already exists; choose another slug", err=True)
        sys.exit(1)
    target.parent.mkdir(parents=True, exist_ok=True)
    title = slug.replace("-", " ").capitalize()
    target.write_text(NEW_SCENARIO.format(slug=slug, title=title), encoding="utf-8")
    click.echo(f"wrote {target}: try `rapport play {target} --choose 2 --json`")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option(
    "--workers", default=2, show_default=True, help="Worker processes of the production server."
)
@click.option(
    "--debug",
    is_flag=True,
    help="Flask's development server, reloading on changes (never in production).",
)
@click.option(
    "--access-log",
    is_flag=True,
    help="Log every request to standard output (off by default: a proxy in front usually logs).",
)
def serve(host: str, port: int, workers: int, debug: bool, access_log: bool) -> None:
    """Serve the app with a production server (gunicorn), or Flask's own with --debug."""
    app = _app()
    entries = app.extensions["rapport.library"].entries()
    broken = [entry for entry in entries if not entry.loaded.ok]
    click.echo(
        f"scenarios from {app.config['SCENARIO_DIR']}: {len(entries) - len(broken)} valid, "
        f"{len(broken)} broken (not served)"
    )
    for entry in broken:
        for message in entry.loaded.errors:
            click.echo(f"  {message}")
    problem = app.extensions["rapport.library"].folder_problem()
    if problem:
        click.echo(f"  {problem}")
    click.echo(f"Rapport at http://{host}:{port}/")
    if not _loopback(host):
        click.echo(
            "  note: each worker waits for a whole request, so a few clients that send one "
            "slowly can hold every worker: where others can reach this address, serve it "
            "behind a reverse proxy that buffers requests, such as nginx (docs/operations.md)"
        )
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    app.extensions["rapport.db"].engine.dispose()  # each worker opens its own connections
    _Production(host, port, workers, access_log, app).run()


def _loopback(host: str) -> bool:
    """Whether `host` is this machine only (a name such as localhost, or 127.x / ::1)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


class _Production:
    """gunicorn run from the command line. Each worker is forked with the app built and
    its library validated already (`app`): a worker started or restarted serves at once,
    where a large library took each one longer than gunicorn's timeout to validate again."""

    def __init__(
        self, host: str, port: int, workers: int, access_log: bool = False, app: Any = None
    ) -> None:
        from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

        class App(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                self.cfg.set("bind", f"{host}:{port}")
                self.cfg.set("workers", max(1, workers))
                # a log line costs about 4% of a request's CPU (measured under bench/load.py)
                self.cfg.set("accesslog", "-" if access_log else None)
                self.cfg.set("graceful_timeout", 10)

            def load(self) -> Any:
                import threading

                from . import create_app, matching

                # the open-response model loads (about a second) while the worker starts,
                # not on a trainee's first typed reply; a match meanwhile waits for it
                threading.Thread(target=matching.matcher, daemon=True).start()
                return app if app is not None else create_app()

        self.app = App()

    def run(self) -> None:
        self.app.run()


@click.group("instructor")
def instructor_cli() -> None:
    """Manage instructor accounts."""


@instructor_cli.command("add")
@click.argument("email")
@click.password_option("--password", prompt="Password", help="Asked twice when not given.")
def add_instructor(email: str, password: str) -> None:
    """Create an instructor account (the password is asked twice and stored as a scrypt hash)."""
    from . import auth

    app = _app()
    with app.app_context():
        try:
            made = auth.create(email, password)
        except ValueError as error:
            raise click.ClickException(str(error)) from error
    click.echo(f"instructor {made.email} created")


main.add_command(instructor_cli)


@click.group("db")
def db_cli() -> None:
    """The database's migrations (RAPPORT_DATABASE_URL, or the SQLite file in instance/)."""


def _database() -> Any:
    app = _app({"DATABASE_PREPARE": False})  # opened as it is, not checked
    return app.extensions["rapport.db"]


def _app(config: dict[str, Any] | None = None) -> Any:
    """The app, or a clear message (no traceback) when its database cannot be used as it is
    configured: pending migrations say which command applies them."""
    from sqlalchemy.exc import OperationalError

    from . import create_app
    from .db import BadSetting
    from .instance import BadInstance
    from .migrations import OutOfDate

    try:
        return create_app(config)
    except (OutOfDate, BadSetting, BadInstance) as error:
        raise click.ClickException(str(error)) from error
    except OperationalError as error:  # unreachable, read-only, locked: nothing was changed
        raise click.ClickException(
            f"the database did not answer: {error.orig} (check that it is running, or for "
            "SQLite that the server's user can write the file, its -wal and -shm files and "
            "their folder)"
        ) from error


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration; a database from before migrations is adopted first."""
    from sqlalchemy.exc import OperationalError

    from . import migrations

    database = _database()
    try:
        before, after = migrations.upgrade(database.engine)
    except migrations.OutOfDate as error:
        raise click.ClickException(str(error)) from error
    except OperationalError as error:  # unreachable, locked, read-only: nothing was changed
        raise click.ClickException(f"the database did not answer: {error.orig}") from error
    finally:
        database.engine.dispose()
    if before == after:
        click.echo(f"database already at {after} (the latest)")
    else:
        click.echo(f"database upgraded from {before or 'no migrations'} to {after} (the latest)")


@db_cli.command("current")
def db_current() -> None:
    """Print the database's migration and whether any are pending; exit 1 when some are."""
    from . import migrations

    database = _database()
    found = migrations.current(database.engine)
    database.engine.dispose()
    if found.current:
        click.echo(f"{found.revision} (the latest)")
        return
    if found.empty:
        click.echo(f"empty: the tables are made at {migrations.head()} on first start")
        return
    at = "made before migrations" if found.legacy else str(found.revision)
    click.echo(f"{at}; the latest is {migrations.head()}: run `rapport db upgrade`")
    sys.exit(1)


@db_cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def db_backup(file: Path) -> None:
    """Copy the SQLite database to FILE, a consistent copy made while the server runs."""
    with _copying() as (db, database):
        db.backup(database, file)
    click.echo(f"backed up {database.file} to {file}")


@db_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the database without asking.")
def db_restore(file: Path, yes: bool) -> None:
    """Replace the SQLite database's content with the backup FILE; safe while serving."""
    with _copying() as (db, database):
        if not yes:
            click.confirm(
                f"Replace everything in {database.file} with {file}? Runs and classes since "
                "that backup are lost",
                abort=True,
            )
        db.restore(database, file)
    click.echo(f"restored {database.file} from {file}: run `rapport db current` to check it")


@contextmanager
def _copying() -> Iterator[tuple[Any, Any]]:
    """The db module and the database opened as it is; a refused copy is a clear message."""
    from . import db

    database = _database()
    try:
        yield db, database
    except db.CannotCopy as error:
        raise click.ClickException(str(error)) from error
    finally:
        database.engine.dispose()


main.add_command(db_cli)

if __name__ == "__main__":  # pragma: no cover
    main()
