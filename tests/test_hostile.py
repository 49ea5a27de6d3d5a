"""Hostile files are refused with FILE:LINE:COLUMN messages, quickly, and never crash."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import scenarios
from simulator.cli import main
from simulator.engine import conditions
from simulator.scenarios import MAX_MESSAGES, load_file, load_text, scenario_files

EXAMPLE = (Path(__file__).parent / "data" / "coat-still-on.yaml").read_text(encoding="utf-8")


def replaced(old: str, new: str) -> str:
    assert old in EXAMPLE
    return EXAMPLE.replace(old, new, 1)


def errors(text: str) -> list[str]:
    return [str(m) for m in load_text(text, "f.yaml").errors]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!!int", "'' cannot be read as a whole number"),
        ("!!int abc", "'abc' cannot be read as a whole number"),
        ("!!float", "'' cannot be read as a number"),
        ("!!bool", "'' cannot be read as true or false"),
        ("1" * 5000, "cannot be read as a whole number"),
    ],
)
def test_a_scalar_that_cannot_be_built_is_an_error_at_its_place(value, message):
    found = errors(replaced("minutes: 8", f"minutes: {value}"))
    assert len(found) == 1 and found[0].startswith("f.yaml:6:10: ")
    assert message in found[0]


@pytest.mark.parametrize(
    ("value", "minutes"), [("!!int 8", 8), ("!!int 0o10", 8), ("!!int 0x8", 8), ("!!int 010", 10)]
)
def test_a_tagged_whole_number_is_read_in_yaml_1_2_s_forms(value, minutes):
    loaded = load_text(replaced("minutes: 8", f"minutes: {value}"))
    assert loaded.errors == [] and loaded.scenario is not None
    assert loaded.scenario.minutes == minutes


@pytest.mark.parametrize(
    "value", ["!!int 1_000", "!!int 0b101", "!!int " + ":".join(["59"] * 30_000)]
)
def test_a_tagged_whole_number_in_yaml_1_1_s_forms_only_is_refused(value):
    # base 60 (59:59) cost PyYAML time that grows with the square of its length: 37 s for 1 MB
    found = errors(replaced("minutes: 8", f"minutes: {value}"))
    assert len(found) == 1 and found[0].startswith("f.yaml:6:10: ")
    assert "cannot be read as a whole number" in found[0] and len(found[0]) < 200


@pytest.mark.parametrize(("opening", "closing"), [("[", "]"), ("{a: ", "}")])
def test_values_nested_deeper_than_a_scenario_needs_are_refused_at_their_place(opening, closing):
    # each value keeps its whole path: 450 levels of 100,000 values took 2 s and 400 MB
    deep = opening * 40 + ", ".join(["1"] * 1000) + closing * 40
    found = errors(EXAMPLE + f"extra: {deep}\n")
    assert len(found) == 1 and "nests too deeply (over 32 levels)" in found[0]
    assert found[0].startswith(f"f.yaml:{EXAMPLE.count(chr(10)) + 1}:")


def test_a_character_yaml_does_not_allow_is_located_on_one_line():
    text = replaced("title: Coat Still On", "title: Coat Still Ön\x00")
    found = errors(text)
    assert found == [
        "f.yaml:3:21: YAML does not parse: control characters are not allowed (#x0000)"
    ]


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("(" * 400 + "trust > 1" + ")" * 400, "nests too deeply"),
        ("not " * 300 + "trust > 1", "nests too deeply"),
        ("trust > " + "9" * 400, "the number is too long"),
        (" or ".join(["trust > 1"] * 300), "at most 2000 characters"),
        ("trust > \u0661\u0660", "unexpected character"),  # digits, but not ASCII ones
    ],
)
def test_a_hostile_condition_is_a_located_error(condition, message):
    found = errors(replaced('when: "positivity >= 50"', f'when: "{condition}"'))
    assert len(found) == 1 and found[0].startswith("f.yaml:") and message in found[0]


def test_a_condition_with_too_many_cases_is_a_warning_not_a_stall():
    wide = " and ".join(
        f"{meter} != {n}"
        for meter in ("trust", "positivity", "authenticity", "attentiveness")
        for n in range(10, 100, 10)
    )
    assert conditions.satisfiable(conditions.parse(wide)) is None
    loaded = load_text(replaced('when: "positivity >= 50"', f'when: "{wide}"'), "f.yaml")
    assert loaded.errors == []
    assert any("too many cases" in m.text for m in loaded.warnings)


def test_thousands_of_problems_are_capped():
    scenes = "".join(f"  extra{n}:\n    bogus: 1\n" for n in range(3000))
    found = errors(EXAMPLE.replace("scenes:\n", "scenes:\n" + scenes, 1))
    assert len(found) == MAX_MESSAGES + 1
    assert found[-1].endswith("more like these")
    assert sum(len(m) for m in found) < 100_000


def test_every_problem_at_once_a_bad_condition_beside_a_missing_fallback():
    text = replaced(
        """      - say: "Part of you wonders whether this is worth your time."
        effects: {authenticity: 5, trust: 10}
        goto: good-end""",
        """      - say: "Part of you wonders whether this is worth your time."
        when: "trust >>> 3"
        effects: {authenticity: 5, trust: 10}
        goto: good-end""",
    )
    found = errors(text)
    assert any("needs a `fallback`" in m for m in found), found
    assert any("bad condition" in m for m in found), found


def test_yaml_is_read_as_editors_read_it():
    # "Yes" is text, as in YAML 1.2; "yes" for a flag is refused; 10.0 is the integer 10
    said = load_text(replaced('say: "Great. So, what would you like to work on?"', "say: Yes"))
    assert said.errors == [] and said.scenario is not None
    assert said.scenario.scenes["shutdown"].choices[1].say == "Yes"
    found = errors(replaced("repairs: true", "repairs: yes"))
    assert len(found) == 1 and "write true or false" in found[0]
    minutes = load_text(replaced("minutes: 8", "minutes: 8.0"))
    assert minutes.errors == [] and minutes.scenario is not None and minutes.scenario.minutes == 8


def test_validate_refuses_a_fifo_and_a_link_that_leaves_the_folder_and_names_each(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    result = CliRunner().invoke(main, ["validate", str(fifo)])
    assert result.exit_code == 1 and "pipe.yaml:1:1: not a regular file" in result.output
    folder = tmp_path / "library"
    folder.mkdir()
    outside = tmp_path / "secret.yaml"
    outside.write_text(EXAMPLE, encoding="utf-8")
    (folder / "link.yaml").symlink_to(outside)
    (folder / "inside.yaml").write_text(EXAMPLE, encoding="utf-8")
    (folder / "alias.yaml").symlink_to(folder / "inside.yaml")
    assert [p.name for p in scenario_files([folder])] == ["alias.yaml", "inside.yaml"]
    assert load_file(folder / "inside.yaml").errors == []
    # links in a loop lead to no file, as a dangling link (an editor's lock file): left out,
    # no traceback
    (folder / "loop1.yaml").symlink_to(folder / "loop2.yaml")
    (folder / "loop2.yaml").symlink_to(folder / "loop1.yaml")
    assert [p.name for p in scenario_files([folder])] == ["alias.yaml", "inside.yaml"]
    assert [name for name, _ in scenarios.Library(folder)._listing()] == [
        "alias.yaml",
        "inside.yaml",
    ]
    # what a folder's check passes over is named, each with why: the link out of the folder
    # and a FIFO are refused, the links to nothing are skipped with a warning
    os.mkfifo(folder / "pipe.yaml")
    result = CliRunner().invoke(main, ["validate", str(folder)])
    lines = [line.split(":1:1: ") for line in result.stdout.splitlines() if ":1:1: " in line]
    named = dict(lines)
    assert named[str(folder / "link.yaml")].startswith("a link that leads out of its folder")
    assert named[str(folder / "pipe.yaml")].startswith("not a regular file")
    assert named[str(folder / "loop1.yaml")].startswith("warning: skipped: a link to nothing")
    assert result.exit_code == 1 and "4 files checked: 2 valid, 2 invalid" in result.output
    result = CliRunner().invoke(main, ["validate", str(folder / "link.yaml")])  # named alone
    assert result.exit_code == 1
    assert "link.yaml:1:1: a link that leads out of its folder" in result.stdout
    for name in ("link.yaml", "pipe.yaml"):
        (folder / name).unlink()
    result = CliRunner().invoke(main, ["validate", str(folder)])  # the warnings alone
    assert result.exit_code == 0 and "2 files checked: 2 valid, 0 invalid" in result.output
    (tmp_path / "empty").mkdir()  # lint finds no file as validate does: exit 1
    assert CliRunner().invoke(main, ["lint", str(tmp_path / "empty")]).exit_code == 1


def test_an_empty_path_is_refused_not_read_as_this_folder():
    for command in ("validate", "lint"):
        result = CliRunner().invoke(main, [command, ""])
        assert result.exit_code == 2 and "an empty path names no file or folder" in result.output


@settings(
    max_examples=300, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck)
)
@given(st.text(max_size=400))
def test_the_loader_never_raises_on_any_text(text):
    loaded = load_text(text, "fuzz.yaml")
    assert loaded.errors or loaded.scenario is not None


TOKENS = st.sampled_from(
    ["trust", "positivity", ">=", "<", "==", "!=", "and", "or", "not", "(", ")", "visited",
     "visited(a)", "ruptures_open", "40", "-3", "99999999", "@", " "]
)  # fmt: skip


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.lists(TOKENS, max_size=60).map(" ".join))
def test_the_condition_parser_raises_only_condition_errors(text):
    try:
        node = conditions.parse(text)
    except conditions.ConditionError:
        return
    assert conditions.satisfiable(node) in (True, False, None)
    conditions.evaluate(
        node, {"authenticity": 50, "attentiveness": 50, "positivity": 50, "trust": 50}, set(), 0
    )


@settings(
    max_examples=150, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck)
)
@given(
    st.sampled_from(["minutes", "trust", "say", "goto", "when", "repairs", "difficulty"]),
    st.one_of(
        st.text(max_size=30),
        st.integers(),
        st.sampled_from(
            ["!!int", "!!bool x", "[1, [2", "{a: b}", "*x", "&a 1", "!!python/object:os.system x"]
        ),
    ),
)
def test_any_value_at_any_key_is_a_message_not_a_crash(key, value):
    text = EXAMPLE.replace("minutes: 8", f"{key}: {value}", 1)
    load_text(text, "fuzz.yaml")  # returns, whatever the value


def library_of_one(tmp_path: Path) -> tuple[scenarios.Library, Path]:
    """A library of the contract's example alone, looked at once; and the example's file."""
    folder = tmp_path / "library"
    folder.mkdir()
    file = folder / "coat-still-on.yaml"
    file.write_text(EXAMPLE, encoding="utf-8")
    library = scenarios.Library(folder)
    assert [e.loaded.ok for e in library.refresh()] == [True]
    return library, file


def test_a_slow_file_never_holds_up_another_request(tmp_path, monkeypatch):
    import threading

    library, file = library_of_one(tmp_path)
    release, started = threading.Event(), threading.Event()
    real = scenarios.load_file

    def slow(path):
        started.set()
        release.wait(10)  # a file that takes long to validate
        return real(path)

    monkeypatch.setattr(scenarios, "load_file", slow)
    file.write_text(EXAMPLE.replace("title: Coat Still On", "title: Coat Off"), encoding="utf-8")
    loading = threading.Thread(target=library.refresh)
    loading.start()
    assert started.wait(5)
    # meanwhile another request is answered at once, with the version it had
    assert [e.loaded.scenario.title for e in library.refresh()] == ["Coat Still On"]
    release.set()
    loading.join(5)
    monkeypatch.setattr(scenarios, "load_file", real)
    assert [e.loaded.scenario.title for e in library.refresh()] == ["Coat Off"]


def test_a_megabyte_of_small_scenes_is_refused_by_its_count_of_values():
    scenes = "".join(
        f"  s{i}:\n    client: hi\n    choices:\n      - say: a\n        goto: s{i + 1}\n"
        for i in range(14_000)
    )
    text = EXAMPLE.split("scenes:")[0] + "scenes:\n" + scenes
    assert len(text.encode()) < scenarios.MAX_BYTES
    found = errors(text)
    assert len(found) == 1 and "more than 100,000 values" in found[0]
    assert "alias" in found[0] and "split it" in found[0]


def test_the_garbage_collector_is_paused_while_a_file_is_built_and_resumes(monkeypatch):
    import gc

    seen = []
    original = scenarios._Builder.build

    def watching(self, node, path):
        seen.append(gc.isenabled())
        return original(self, node, path)

    monkeypatch.setattr(scenarios._Builder, "build", watching)
    assert gc.isenabled()
    assert load_text(EXAMPLE, "f.yaml").errors == []
    assert seen and not any(seen)  # paused for every value of the file
    assert gc.isenabled()
    with scenarios.collector_paused():  # two loads at once: the first to end does not resume it
        with scenarios.collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()  # a process that runs without the collector keeps it off
    try:
        load_text(EXAMPLE, "f.yaml")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_file_whose_conditions_hold_too_many_tests_in_all_is_refused_at_the_crossing():
    long = " or ".join(f"trust > {101 + i}" for i in range(100))  # 100 tests, each use
    rules = "".join("  - when: *long\n    goto: walkout\n" for _ in range(30))
    head = f'rules:                                     # checked after every choice, in order\n  - when: &long "{long}"\n    goto: walkout\n'
    text = replaced(
        "rules:                                     # checked after every choice, in order\n",
        head + rules,
    )
    found = errors(text)
    crossing = [m for m in found if "comparisons and visited() tests in all" in m]
    assert len(crossing) == 1 and len(found) == 1
    # at the use that passes 2,000; an alias is located where its anchored text stands
    line = text[: text.index("&long")].count("\n") + 1
    assert crossing[0].startswith(f"f.yaml:{line}:")
    assert f"more than {conditions.MAX_FILE_TESTS:,}" in crossing[0]
    fewer = replaced(
        "rules:                                     # checked after every choice, in order\n",
        head + "".join("  - when: *long\n    goto: walkout\n" for _ in range(10)),
    )
    assert errors(fewer) == []  # 1,100 tests and the file's own: play tests them all, fast


@pytest.mark.parametrize(("passes", "refused"), [(200, False), (201, True)])
def test_a_chain_of_pass_throughs_longer_than_200_is_refused_where_it_starts(passes, refused):
    chain = "".join(
        f"  p{i}:\n    next:\n      - goto: {f'p{i + 1}' if i + 1 < passes else 'arrival'}\n"
        for i in range(passes)
    )
    text = replaced("scenes:\n", "scenes:\n" + chain).replace("start: arrival", "start: p0")
    found = errors(text)
    if not refused:
        assert found == []
        return
    line = text[: text.index("  p0:")].count("\n") + 1
    assert found == [
        f"f.yaml:{line}:3: play can pass on through more than 200 scenes from here without a "
        "choice: a run keeps every scene it enters, so each choice would write them all "
        "again; shorten the chain"
    ]


def test_the_satisfiability_checks_of_one_file_share_a_bounded_budget(monkeypatch):
    def never(k: int) -> str:  # distinct, unsatisfiable, and each worth checking on its own
        return " or ".join(
            f"({m} > {10 + j + k} and {m} < {10 + j + k})"
            for m in ("trust", "positivity", "authenticity")
            for j in range(0, 12, 3)
        )

    cost = conditions.check_cost(conditions.parse(never(0)))
    assert 0 < cost <= conditions.SAT_WORK
    many = "".join(
        f'      - say: "Option {k}."\n        when: "{never(k)}"\n        goto: good-end\n'
        for k in range(40)
    )
    anchor = '      - say: "Talking helps most people, you\'ll see."\n'
    text = replaced(anchor, many + anchor)
    checked = []
    original = conditions.satisfiable
    monkeypatch.setattr(conditions, "satisfiable", lambda node: checked.append(1) or original(node))
    monkeypatch.setattr(conditions, "_CHECKED", {})
    loaded = load_text(text, "f.yaml")
    assert loaded.errors == []
    never_offered = [w for w in loaded.warnings if "is never offered" in w.text]
    not_checked = [w for w in loaded.warnings if "was not checked" in w.text]
    # the checks run (the file's own "positivity >= 50" among them) stayed within the budget
    assert len(never_offered) + 1 == len(checked) <= conditions.FILE_SAT_WORK // cost + 1
    assert len(never_offered) + len(not_checked) == 40 and not_checked
    assert "too many cases in all" in not_checked[0].text
    assert str(not_checked[0]).startswith("f.yaml:")


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("010", 10),  # YAML 1.1 read this as octal 8
        ("0o17", 15),  # and this as text
        ("1e1", 10),  # and this as text
        (".5e2", 50),
        ("0x1F", 31),
        ("+5", 5),
    ],
)
def test_numbers_read_as_yaml_1_2_reads_them_as_editors_do(written, read):
    loaded = load_text(replaced("minutes: 8", f"minutes: {written}"), "f.yaml")
    assert loaded.errors == [] and loaded.scenario is not None
    assert loaded.scenario.minutes == read


@pytest.mark.parametrize("written", ["1_0", "0b101", "0:10", "1_0.0", '"10"'])
def test_yaml_1_1_only_numbers_are_text_and_refused_as_a_number_would_be_in_an_editor(written):
    found = errors(replaced("minutes: 8", f"minutes: {written}"))
    assert found == ["f.yaml:6:10: 'minutes' must be a whole number, written in digits such as 10"]


def test_a_number_where_text_belongs_says_to_quote_it_and_a_tag_keeps_its_meaning():
    found = errors(replaced('say: "Great. So, what would you like to work on?"', "say: 1e3"))
    assert found == [
        "f.yaml:64:14: 'say' must be text, and this reads as a number: put it in quotes"
    ]
    tagged = load_text(
        replaced('say: "Great. So, what would you like to work on?"', "say: !!str 1e3"), "f.yaml"
    )
    assert tagged.errors == [] and tagged.scenario is not None
    assert tagged.scenario.scenes["shutdown"].choices[1].say == "1e3"


def test_each_message_stays_one_line_whatever_the_file_holds_or_is_called(tmp_path):
    text = replaced("minutes: 8", '"mi\\nnutes\\r\\u2028x": 8')
    file = tmp_path / "two\nlines.yaml"
    file.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(file)])
    lines = result.output.splitlines()
    assert f"{tmp_path}/two\\nlines.yaml:6:1: unknown key 'mi\\nnutes\\r\\u2028x'" in lines
    assert all(line.startswith(f"{tmp_path}/two\\nlines.yaml:") for line in lines[:-1])


@pytest.mark.parametrize(
    ("old", "new", "read"),
    [
        ("minutes: 8", "minutes: &m 0o12", ("minutes", 10)),  # an anchor is no tag: YAML 1.2
        ("minutes: 8", "minutes: &m 1e1", ("minutes", 10)),
        ("title: Coat Still On", "title: &t 1_000", ("title", "1_000")),
        ("title: Coat Still On", "title: &t yes", ("title", "yes")),
        ("title: Coat Still On", "title: =", ("title", "=")),  # 1.1's value and merge tags
        ("title: Coat Still On", "title: <<", ("title", "<<")),
        ("title: Coat Still On", "title: ! 10.5", ("title", "10.5")),  # `!`: text
        ("minutes: 8", "minutes: &m !!int 9", ("minutes", 9)),  # a tag after an anchor holds
        ("format: 1", "%YAML 1.2\n---\nformat: 1", ("format", 1)),
        (
            "title: Coat Still On",
            "title: 'Coat\u2028Still\x85On'",
            ("title", "Coat\u2028Still\x85On"),
        ),
    ],
)
def test_values_read_as_yaml_1_2_reads_them(old, new, read):
    loaded = load_text(replaced(old, new), "f.yaml")
    assert loaded.errors == [] and loaded.scenario is not None
    key, value = read
    assert getattr(loaded.scenario, key) == value


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("minutes: 8", "minutes: ! 10", "6:10: 'minutes' must be a whole number"),
        ("title: Coat Still On", "title: &t 1e2", "3:8: 'title' must be text"),
        ("minutes: 8", "minutes: !!bool yes", "6:10: 'yes' cannot be read as true or false"),
        ("format: 1", "%YAML 1.1\n---\nformat: 1", "1:1: the file declares YAML 1.1"),
    ],
)
def test_values_refused_as_yaml_1_2_and_the_schema_refuse_them(old, new, message):
    found = errors(replaced(old, new))
    assert len(found) == 1 and found[0].startswith(f"f.yaml:{message}"), found


def test_nel_ls_and_ps_are_no_line_breaks_so_every_line_number_stays_true():
    # YAML 1.1 (libyaml) reads them as line breaks: a comment holding one failed to parse,
    # and one in a quoted value moved every later message down a line
    text = replaced("title: Coat Still On", 'title: "Coat\u2028Still On"  # a\x85b\u2029c')
    assert load_text(text, "f.yaml").ok
    broken = text.replace("minutes: 8", "minutes: eight")
    assert errors(broken) == [
        "f.yaml:6:10: 'minutes' must be a whole number, written in digits such as 10"
    ]


@pytest.mark.parametrize(
    ("written", "read"), [("123", "123"), ("true", "true"), ("False", "false")]
)
def test_a_scene_id_written_as_a_number_or_a_boolean_is_that_text_as_editors_read_it(written, read):
    text = replaced("  arrival:", f"  {written}:").replace("start: arrival", f"start: '{read}'")
    loaded = load_text(text)
    assert loaded.errors == [], loaded.errors
    assert read in loaded.scenario.scenes


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (  # a shape problem (an unknown key) beside a missing scene
            [("    cue: She keeps", "    cuee: She keeps"), ("goto: walkout", "goto: nowhere")],
            ["23:5: unknown key 'cuee'", "70:15: `goto` names scene 'nowhere', which does not"],
        ),
        (  # a meter misspelt beside a start that names no scene
            [("start: arrival", "start: ghost"), ("{attentiveness: 10,", "{atentiveness: 10,")],
            ["20:8: `start` names scene 'ghost'", "29:19: unknown meter 'atentiveness'"],
        ),
        (  # a value that cannot be read beside both of those
            [
                ("minutes: 8", "minutes: !!binary aGk="),
                ("start: arrival", "start: ghost"),
                ("    cue: She keeps", "    cuee: She keeps"),
            ],  # fmt: skip
            [
                "6:10: tag 'tag:yaml.org,2002:binary' is not allowed",
                "20:8: `start` names",
                "23:5: unknown key 'cuee'",
            ],  # fmt: skip
        ),
        (  # a missing scene beside a cycle of pass-throughs
            [
                ("goto: walkout", "goto: nowhere"),
                ("      - goto: ambivalence", "      - goto: check"),
            ],
            ["70:15: `goto` names scene 'nowhere'", "67:3: scenes pass on to each other"],
        ),
        (  # a merge key beside a missing scene
            [
                ("    cue: She keeps", "    <<: {}\n    cue: She keeps"),
                ("start: arrival", "start: ghost"),
            ],
            ["20:8: `start` names scene 'ghost'", "23:5: merge keys (<<) are not supported"],
        ),
    ],
)
def test_every_problem_is_listed_at_once_not_only_the_first_kind(changes, expected):
    text = EXAMPLE
    for old, new in changes:
        assert old in text
        text = text.replace(old, new, 1)
    found = errors(text)
    assert len(found) == len(expected), found
    for message in expected:
        assert any(m.startswith(f"f.yaml:{message}") for m in found), (message, found)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("format: 1", "format: 1\n" + "k" * 250 + ": 1"),  # an unknown key
        ("format: 1", "format: 1\ntitle: Again\n" + "t" * 250 + ": 1"),
        ("{attentiveness: 10,", "{" + "m" * 250 + ": 10,"),  # an unknown meter
        ("start: arrival", "start: " + "g" * 99),  # a scene that does not exist
        ('when: "positivity >= 50"', 'when: "visited(' + "v" * 250 + ')"'),
        ('when: "positivity >= 50"', 'when: "' + "n" * 250 + ' > 3"'),  # an unknown name
        ("minutes: 8", "minutes: !!int " + "x" * 250),
    ],
)
def test_a_message_repeats_at_most_40_characters_of_a_name(old, new):
    found = errors(replaced(old, new))
    assert found
    for message in found:
        assert len(message) < 200, message


def test_text_written_as_true_or_false_says_so():
    found = errors(replaced('when: "positivity >= 50"', "when: true"))
    assert found == [
        "f.yaml:50:15: 'when' must be text, and this reads as true or false: put it in quotes"
    ]


@pytest.mark.parametrize(
    ("indent", "refused"), [("", True), (" ", False), (" " * 8, True), (" " * 10, False)]
)
def test_a_quoted_value_over_lines_is_indented_past_its_key_as_editors_require(indent, refused):
    # libyaml reads `say: "...` continued at the key's own column; YAML 1.2 and editors do not
    old = '      - say: "It sounds like coming here wasn\'t entirely your idea."'
    new = f'      - say: "It sounds like coming here\n{indent}wasn\'t entirely your idea."'
    if not indent:
        old, new = "title: Coat Still On", 'title: "Coat\nStill On"'
    elif len(indent) == 1:
        old, new = "title: Coat Still On", 'title: "Coat\n Still On"'
    found = errors(replaced(old, new))
    assert bool(found) == refused, found
    if refused:
        [message] = found
        assert "must be indented more than its key" in message


@pytest.mark.parametrize(
    ("new", "read"),
    [
        ("title: &t\n  !!str 1e3", "1e3"),  # the tag on the next line still holds
        ("title: &t # the title\n  !!str 0o12", "0o12"),
        ("title: &t\n  Coat Still On", "Coat Still On"),
    ],
)
def test_a_tag_after_an_anchor_holds_across_a_line_break_or_a_comment(new, read):
    loaded = load_text(replaced("title: Coat Still On", new), "f.yaml")
    assert loaded.errors == [] and loaded.scenario is not None
    assert loaded.scenario.title == read


def test_problems_found_before_a_refusal_that_stops_the_file_are_kept():
    text = replaced("title: Coat Still On", "title: !!binary Q29hdA==")
    text = text.replace("tags: [first-session, withdrawal]", "tags: " + "[" * 40 + "]" * 40)
    found = errors(text)
    assert [m.split(": ", 1)[1] for m in found] == [
        "tag 'tag:yaml.org,2002:binary' is not allowed",
        "the file nests too deeply (over 32 levels)",
    ]


def test_a_warning_repeats_at_most_40_characters_of_a_scene_id():
    lost = "l" * 99
    text = replaced(
        "rules:",
        f"  {lost}:\n    client: Hm.\n    choices:\n      - {{say: a, goto: {lost}}}\nrules:",
    )
    loaded = load_text(text, "f.yaml")
    assert loaded.errors == []
    assert loaded.warnings and all(len(str(m)) < 120 for m in loaded.warnings), loaded.warnings
    assert any("is unreachable from start" in m.text for m in loaded.warnings)


def test_the_request_that_finds_a_slow_file_is_not_held_up_by_it_either(tmp_path, monkeypatch):
    import threading
    from concurrent.futures import Future

    library, file = library_of_one(tmp_path)
    folder = file.parent
    release = threading.Event()
    real = scenarios.load_file

    def slow(path):
        release.wait(30)  # a file that takes long to validate
        return real(path)

    monkeypatch.setattr(scenarios, "load_file", slow)
    monkeypatch.setattr(scenarios, "RELOAD_WAIT", 0.05)
    file.write_text(EXAMPLE.replace("title: Coat Still On", "title: Coat Off"), encoding="utf-8")
    (folder / "second.yaml").write_text(EXAMPLE.replace("id: coat-still-on", "id: second"))
    seen = []
    finding = threading.Thread(target=lambda: seen.append(library.refresh()))
    finding.start()
    finding.join(10)  # answered while both files are still being checked
    assert not finding.is_alive()
    assert [e.loaded.scenario.title for e in seen[0]] == ["Coat Still On"]  # the new one: later
    release.set()
    assert [e.loaded.scenario.title for e in library.entries()] == ["Coat Off", "Coat Still On"]
    # a forked worker does not wait on its parent's checks, whose threads it has not got
    file.write_text(EXAMPLE.replace("title: Coat Still On", "title: Forked"), encoding="utf-8")
    info = file.stat()
    stuck: Future = Future()
    library._checks[(file.name, info.st_mtime, info.st_size)] = stuck
    library._pid = -1
    monkeypatch.setattr(scenarios, "load_file", real)
    assert library.entries()[0].loaded.scenario.title == "Forked"
