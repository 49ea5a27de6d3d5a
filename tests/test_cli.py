"""The `rapport` command-line contract."""

import json
from pathlib import Path

from click.testing import CliRunner

from simulator.cli import main

DATA = Path(__file__).parent / "data"
EXAMPLE = str(DATA / "coat-still-on.yaml")


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_play_prints_the_contract_json():
    result = run("play", EXAMPLE, "--choose", "3,2", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "scenario": "coat-still-on",
        "finished": True,
        "ending": "walkout",
        "outcome": "poor",
        "scene": "walkout",
        "meters": {"authenticity": 50, "attentiveness": 40, "positivity": 50, "trust": 15},
        "trail": ["arrival", "shutdown", "check", "walkout"],
        "ruptures": [{"type": "withdrawal", "opened_at": "arrival", "repaired_at": None}],
    }


def test_play_reports_a_repaired_rupture_and_where():
    result = run("play", EXAMPLE, "--choose", "3,1,1", "--json")
    data = json.loads(result.stdout)
    assert data["ending"] == "good-end" and data["outcome"] == "good"
    assert data["ruptures"] == [
        {"type": "withdrawal", "opened_at": "arrival", "repaired_at": "shutdown"}
    ]
    assert data["trail"] == ["arrival", "shutdown", "ambivalence", "good-end"]


def test_play_stops_unfinished_when_choices_run_out():
    data = json.loads(run("play", EXAMPLE, "--choose", "1", "--json").stdout)
    assert data["finished"] is False and data["ending"] is None and data["outcome"] is None
    assert data["scene"] == "ambivalence"


def test_play_ignores_numbers_after_an_ending():
    result = run("play", EXAMPLE, "--choose", "1,1,3,3,3", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["ending"] == "good-end"


def test_a_choice_not_offered_exits_2_naming_the_scene_and_count():
    result = run("play", EXAMPLE, "--choose", "3,5", "--json")
    assert result.exit_code == 2
    assert "scene 'shutdown' offers 2 choices; 5 is not one of them" in result.stderr
    assert result.stdout == ""


def test_play_without_json_reads_as_text():
    result = run("play", EXAMPLE, "--choose", "3,2")
    assert "ending: walkout (poor)" in result.stdout
    assert "rupture: withdrawal opened at arrival, repaired: not repaired" in result.stdout


def test_validate_exits_0_for_valid_files_and_1_listing_every_problem():
    assert run("validate", EXAMPLE).exit_code == 0
    result = run("validate", EXAMPLE, str(DATA / "broken" / "bad-values.yaml"))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert f"{DATA / 'broken' / 'bad-values.yaml'}:16:36: 'trust' must be at most 100" in lines
    assert len(lines) == 3


def test_validate_takes_folders():
    result = run("validate", str(DATA / "broken"))
    assert result.exit_code == 1
    assert "12 files checked: 0 valid, 12 invalid" in result.stderr


def test_validate_prints_warnings_but_passes(tmp_path):
    text = (
        Path(EXAMPLE)
        .read_text()
        .replace("rules:", "  lonely:\n    ending: Never\n    outcome: mixed\nrules:")
    )
    file = tmp_path / "warned.yaml"
    file.write_text(text)
    result = run("validate", str(file))
    assert result.exit_code == 0
    assert result.stdout == f"{file}:80:3: warning: scene 'lonely' is unreachable from start\n"


def test_play_of_an_invalid_file_exits_1_with_its_errors():
    result = run("play", str(DATA / "broken" / "missing-scene.yaml"), "--json")
    assert result.exit_code == 1
    assert "missing-scene.yaml:15:15: `goto` names scene 'elsewhere'" in result.stderr


def test_analyze_reports_the_contract_shape():
    result = run("analyze", EXAMPLE, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["scenario"] == "coat-still-on"
    assert set(data) == {
        "scenario",
        "states",
        "endings",
        "never_offered",
        "never_fired",
        "best_outcome",
        "strategies",
    }
    assert data["best_outcome"] == "good"
    assert set(data["strategies"]) == {"longest", "shortest", "first", "last"}
    assert data["strategies"]["last"] == {
        "ending": "walkout",
        "outcome": "poor",
        "choices": 2,
        "reaches_best": False,
    }
    assert data["strategies"]["first"]["reaches_best"] is True
    good = data["endings"]["good-end"]
    assert good["reachable"] and good["shortest"] == [1, 1] and good["unrepaired"] is False
    assert data["endings"]["walkout"]["shortest"] == [3, 2]
    assert data["endings"]["walkout"]["min"]["trust"] == 15
    assert data["never_fired"] == [1]
    assert data["never_offered"] == []


def test_analyze_stops_at_the_state_bound():
    result = run("analyze", EXAMPLE, "--max-states", "3")
    assert result.exit_code == 1
    assert "more than 3 states" in result.stderr


def test_analyze_stops_at_once_where_ruptures_pile_up_in_a_loop():
    result = run("analyze", str(DATA / "rupture-pile.yaml"))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: on some path more than 50 ruptures are open at once")
    assert "--max-states" not in result.stderr  # more states would not help


def test_analyze_stops_at_its_memory_limit_and_says_what_to_change(monkeypatch):
    import simulator.cli

    def explode(*_args, **_kwargs):
        raise MemoryError

    monkeypatch.setattr(simulator.cli, "analyze_scenario", explode)
    result = run("analyze", EXAMPLE, "--max-memory", "300")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: the analysis reached its memory limit (300 MB) before finishing "
        "(raise --max-memory, or lower --max-states)\n"
    )
    assert "Traceback" not in result.output
    assert run("analyze", EXAMPLE, "--max-memory", "-1").exit_code == 2


def test_a_memory_limit_holds_inside_and_is_lifted_after():
    import subprocess
    import sys

    probe = (
        "from simulator.scenarios import memory_limited\n"
        "try:\n"
        "    with memory_limited(1024):\n"
        "        bytearray(1500 * 2**20)\n"
        "except MemoryError:\n"
        "    print('limited')\n"
        "bytearray(1500 * 2**20)\n"
        "print('lifted')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["limited", "lifted"]


def test_serve_lists_broken_files_and_starts_with_the_rest(tmp_path, monkeypatch):
    import shutil

    from flask import Flask

    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder)
    shutil.copy(DATA / "broken" / "missing-scene.yaml", folder)
    monkeypatch.setenv("RAPPORT_SCENARIO_DIR", str(folder))
    monkeypatch.setenv("RAPPORT_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("RAPPORT_SECRET_KEY", "tests")
    from simulator import cli

    served: list[object] = []
    monkeypatch.setattr(Flask, "run", lambda self, **options: served.append(options))

    def production(self) -> None:  # gunicorn, configured but not started
        cfg = self.app.cfg
        served.append({"bind": cfg.bind, "workers": cfg.workers, "log": cfg.accesslog})
        # a worker gets the app built before the fork, its library validated already
        worker_app = self.app.load()
        assert len(worker_app.extensions["rapport.library"]._entries) == 2
        worker_app.extensions["rapport.db"].engine.dispose()

    monkeypatch.setattr(cli._Production, "run", production)
    from simulator import matching

    monkeypatch.setattr(matching, "matcher", lambda: None)  # not the model, in a test
    result = run("serve", "--port", "5123", "--workers", "3")
    assert result.exit_code == 0, result.output
    # the production server by default, with the workers asked for
    assert served == [{"bind": ["127.0.0.1:5123"], "workers": 3, "log": None}]
    logged = run("serve", "--port", "5125", "--access-log")
    assert logged.exit_code == 0, logged.output
    assert served[-1] == {"bind": ["127.0.0.1:5125"], "workers": 2, "log": "-"}
    debug = run("serve", "--port", "5124", "--debug")
    assert debug.exit_code == 0, debug.output
    assert served[-1] == {"host": "127.0.0.1", "port": 5124, "debug": True}
    assert "1 valid, 1 broken (not served)" in result.stdout
    assert "reverse proxy" not in result.stdout  # 127.0.0.1: this machine only
    public = run("serve", "--host", "0.0.0.0", "--port", "5126")
    assert public.exit_code == 0, public.output
    assert "serve it behind a reverse proxy that buffers requests" in public.stdout
    assert "reverse proxy" not in run("serve", "--host", "::1", "--port", "5127").stdout
    assert "missing-scene.yaml:15:15: `goto` names scene 'elsewhere'" in result.stdout


def test_validate_warns_of_a_second_file_with_an_id_the_folder_already_has(tmp_path):
    import shutil

    for name in ("a.yaml", "b.yaml"):
        shutil.copy(EXAMPLE, tmp_path / name)
    other = tmp_path / "elsewhere"
    other.mkdir()
    shutil.copy(EXAMPLE, other / "c.yaml")  # another folder is another library
    result = run("validate", str(tmp_path), str(other))
    assert result.exit_code == 0  # each file is valid: warnings do not fail it
    assert result.stdout.splitlines() == [
        f"{tmp_path / 'b.yaml'}:2:1: warning: the id 'coat-still-on' is also used by a.yaml, "
        "which comes first in the folder, so trainees play that file and never this one: "
        "give this scenario its own id"
    ]
    assert "3 files checked: 3 valid, 0 invalid" in result.stderr


def test_validate_starts_without_loading_the_web_app():
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from simulator.cli import main\n"
        f"result = CliRunner().invoke(main, ['validate', {EXAMPLE!r}])\n"
        "print(result.exit_code, 'flask' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["0", "False"]  # Flask is a tenth of a second of start
