"""The command line end to end: check, schema, explore, replay, and how it fails (one line, never a traceback)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from game.scenario.compiled import load
from game.session import saves
from game.session.playthrough import Playthrough

from conftest import MINI, ROOT

FILE_LINE = re.compile(r"^scen/[\w/]+\.yaml:\d+: ")
SECTIONS = {"scenario", "qualities", "flags", "characters", "places", "units", "scenes", "endings", "battles"}
EXPLORE_KEYS = {"scenario", "mode", "runs", "endings", "unreached_endings", "scenes_visited", "scenes_total",
                "choices_taken", "choices_total", "complete", "elapsed_seconds", "playthroughs_per_second",
                "choices_per_second"}
ENDINGS = {"storm_ending", "wise_ending", "win_ending", "loss_ending"}


@pytest.fixture
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    return ROOT


def no_traceback(result):
    assert "Traceback" not in result.err
    assert "Traceback" not in result.out


# -- check -----------------------------------------------------------------------------------------


def test_check_ok(at_root, run_cli):
    result = run_cli("check", "tests/scenarios/mini")
    assert result.code == 0
    assert result.out_lines[-1] == \
        "ok: tests/scenarios/mini: The Ford v1: 3 scenes, 4 endings, 1 battle(s), 6 warning(s)"
    assert all(": warning: " in line for line in result.out_lines[:-1])
    assert result.err == ""


def test_check_broken_exits_1_with_file_line_lines(scenario_copy, run_cli):
    scenario_copy.replace("scenes.yaml", "        if: supply >= 5", "        if: suply >= 5")
    scenario_copy.replace("scenario.yaml", "    men: 30", "    men: 30 men")
    result = run_cli("check", "scen")
    assert result.code == 1
    assert result.out_lines == [
        "scen/scenario.yaml:84: units[enemy_right].men: '30 men' should be a whole number",
    ]
    scenario_copy.replace("scenario.yaml", "    men: 30 men", "    men: 30")
    result = run_cli("check", "scen")
    assert result.code == 1
    assert result.out_lines == [
        "scen/scenes.yaml:28: scenes[camp].choices[feast].if: unknown name 'suply' (did you mean 'supply'?)",
    ]
    assert not any(line.startswith("ok:") for line in result.out_lines)
    no_traceback(result)


def test_check_several_folders(scenario_copy, run_cli, mini_dir):
    scenario_copy.write("empty.yaml", "")
    result = run_cli("check", mini_dir, "scen")
    assert result.code == 1
    assert sum(line.startswith("ok: ") for line in result.out_lines) == 1
    assert "scen/empty.yaml:1: file is empty" in result.out_lines


def test_check_strict(at_root, run_cli):
    result = run_cli("check", "--strict", "tests/scenarios/mini")
    assert result.code == 1
    assert len(result.out_lines) == 6


def test_check_missing_folder_is_one_line(tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", "nowhere")
    assert result.code == 1
    assert (result.out + result.err).splitlines() == ["nowhere: no such scenario folder"]


def test_check_in_a_subprocess(scenario_copy, run_game):
    scenario_copy.write("bad.yaml", "flags:\n  - id: Bad\n")
    result = run_game("check", "scen", cwd=scenario_copy.root)
    assert result.code == 1
    assert result.out_lines == [
        "scen/bad.yaml:2: flags[Bad].id: 'Bad' is not a valid id: use lower_snake_case (a-z, 0-9, _), "
        "starting with a letter"]
    no_traceback(result)
    assert run_game("check", "scen", "--strict", cwd=ROOT / "tests" / "scenarios" / "mini").code == 1


def test_every_broken_line_has_file_and_line(scenario_copy, run_cli):
    s = scenario_copy
    s.write("a.yaml", "flags: [\n")
    s.write("b.yaml", b"\xff\xfe")
    s.write("c.yaml", "- 1\n")
    s.replace("scenes.yaml", "    title: The march", "    title:")
    result = run_cli("check", "scen")
    assert result.code == 1
    assert len(result.out_lines) == 4
    assert all(FILE_LINE.match(line) for line in result.out_lines), result.out
    no_traceback(result)


# -- schema ----------------------------------------------------------------------------------------


def test_schema_is_json_with_the_sections(run_cli):
    result = run_cli("schema")
    assert result.code == 0
    schema = json.loads(result.out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "Callinicum 531 scenario file"
    assert set(schema["properties"]) == SECTIONS
    assert schema["additionalProperties"] is False
    for name in ("Scene", "Choice", "Outcome", "Ending", "Battle", "Quality", "Unit", "Route"):
        assert name in schema["$defs"], name
    choice = schema["$defs"]["Choice"]["properties"]
    assert "if" in choice and "if_" not in choice  # fields by the names a modder writes
    assert schema["$defs"]["Choice"]["additionalProperties"] is False


def test_schema_is_stable(run_cli):
    assert run_cli("schema").out == run_cli("schema").out


# -- explore ---------------------------------------------------------------------------------------


def test_explore_json_keys(mini_dir, run_cli):
    result = run_cli("explore", "--scenario", mini_dir, "--runs", "200", "--seed", "3", "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert EXPLORE_KEYS <= set(report)
    assert report["scenario"] == "mini"
    assert report["mode"] == "random"
    assert report["runs"] == 200
    assert set(report["endings"]) == ENDINGS
    assert sum(report["endings"].values()) == 200
    assert report["unreached_endings"] == [e for e, n in report["endings"].items() if n == 0]
    assert report["scenes_total"] == 3 and 0 < report["scenes_visited"] <= 3
    assert 0 < report["choices_taken"] <= report["choices_total"]
    assert report["complete"] is True
    for key in ("elapsed_seconds", "playthroughs_per_second", "choices_per_second"):
        assert isinstance(report[key], int | float) and report[key] >= 0


def test_explore_exhaustive_json(mini_dir, run_cli):
    result = run_cli("explore", "--scenario", mini_dir, "--exhaustive", "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert EXPLORE_KEYS <= set(report)
    assert report["mode"] == "exhaustive"
    assert report["odds"] is False
    assert report["complete"] is True
    assert report["unreached_endings"] == []
    # without --odds, each ending gets the number of distinct paths that reach it
    assert all(isinstance(v, int) and v > 0 for v in report["endings"].values())
    assert sum(report["endings"].values()) == report["runs"]
    assert report["scenes_visited"] == report["scenes_total"] == 3


def test_explore_odds_json(mini_dir, run_cli):
    result = run_cli("explore", "--scenario", mini_dir, "--odds", "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["mode"] == "exhaustive" and report["odds"] is True and report["complete"] is True
    assert sum(report["endings"].values()) == pytest.approx(1.0)
    assert all(0 < v < 1 for v in report["endings"].values())
    counted = json.loads(run_cli("explore", "--scenario", mini_dir, "--exhaustive", "--json").out)
    assert counted["runs"] == report["runs"]
    assert counted["choices_taken"] == report["choices_taken"]


def test_explore_text_report_counts_paths(mini_dir, run_cli):
    result = run_cli("explore", "--scenario", mini_dir, "--exhaustive")
    assert result.code == 0, result.err
    assert "reachable" in result.out and "paths)" in result.out and "UNREACHED" not in result.out


@pytest.mark.parametrize("args, message", [
    (("--exhaustive", "--max-states", "0"), "--max-states must be 1 or more"),
    (("--odds", "--max-states", "-5"), "--max-states must be 1 or more"),
    (("--exhaustive", "--follow", "x.json"), "cannot be used with --exhaustive or --odds"),
])
def test_explore_rejects_contradictory_options(mini_dir, run_cli, args, message):
    result = run_cli("explore", "--scenario", mini_dir, *args)
    assert result.code != 0
    assert message in result.err
    assert "Traceback" not in result.err


def test_explore_zero_runs(mini_dir, run_cli):
    result = run_cli("explore", "--scenario", mini_dir, "--runs", "0", "--json")
    assert result.code == 0
    report = json.loads(result.out)
    assert report["endings"] == dict.fromkeys(ENDINGS, 0)
    assert sorted(report["unreached_endings"]) == sorted(ENDINGS)


def test_explore_text_report(mini_dir, run_cli):
    result = run_cli("explore", "--scenario", mini_dir, "--runs", "100", "--seed", "7")
    assert result.code == 0
    assert result.out_lines[0] == "mini: random exploration, 100 playthroughs, complete"
    assert sum(any(e in line for e in ENDINGS) for line in result.out_lines) == 4
    assert any(line.startswith("scenes visited ") for line in result.out_lines)


def test_explore_follow(mini_dir, run_cli, tmp_path):
    path = tmp_path / "p.json"
    saves.write_save(path, saves.from_playthrough(Playthrough.new(load(mini_dir), 1, ["scout", "go_home"])))
    result = run_cli("explore", "--scenario", mini_dir, "--runs", "50", "--follow", path, "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["mode"] == "follow"
    assert report["endings"]["wise_ending"] == 50  # scout, then go home: every run


def test_explore_negative_runs(mini_dir, run_cli):
    result = run_cli("explore", "--scenario", mini_dir, "--runs", "-1")
    assert (result.code, result.out, result.err_lines) == (1, "", ["callinicum: --runs must be 0 or more"])


# -- replay ----------------------------------------------------------------------------------------


def finished_save(cs, tmp_path: Path, seed: int = 42, policy=lambda options: options[0]) -> tuple[Path, Playthrough]:
    p = Playthrough.new(cs, seed)
    while not p.ending:
        p.choose(policy([o.id for o in p.options() if o.available]))
    path = tmp_path / "saves" / "game.json"
    saves.write_save(path, saves.from_playthrough(p, "test"))
    return path, p


@pytest.mark.parametrize("seed, pick", [(42, 0), (7, -1), (531, 1)])
def test_replay_prints_a_transcript_ending_with_the_ending(mini_dir, tmp_path, run_cli, seed, pick):
    cs = load(mini_dir)
    path, p = finished_save(cs, tmp_path, seed, lambda options: options[pick % len(options)])
    before = path.read_bytes()
    result = run_cli("replay", path, "--scenario", mini_dir)
    assert result.code == 0, result.err
    assert result.err == ""
    assert result.out_lines[0] == f"The Ford (scenario mini v1), seed {seed}"
    assert result.out_lines[-1] == f"ending: {p.ending}"
    assert result.out.count("\n> ") == len(p.decisions)
    assert "[Brackets] stay as written." in result.out
    assert path.read_bytes() == before
    # and the same again
    assert run_cli("replay", path, "--scenario", mini_dir).out == result.out


def test_replay_until(mini_dir, tmp_path, run_cli):
    path, p = finished_save(load(mini_dir), tmp_path)
    result = run_cli("replay", path, "--scenario", mini_dir, "--until", "1")
    assert result.code == 0
    assert result.out_lines[-1] == "(the playthrough stops at 'The march' after 1 decisions)"
    assert "ending:" not in result.out


def test_replay_in_a_subprocess(mini_dir, tmp_path, run_game):
    path, p = finished_save(load(mini_dir), tmp_path)
    result = run_game("replay", path, "--scenario", mini_dir)
    assert result.code == 0, result.err
    assert result.out_lines[-1] == f"ending: {p.ending}"


def test_replay_of_a_decision_that_no_longer_exists(mini_dir, tmp_path, run_cli):
    path, _ = finished_save(load(mini_dir), tmp_path)
    data = json.loads(path.read_text())
    data["decisions"][1] = "dance"
    path.write_text(json.dumps(data))
    before = path.read_bytes()
    result = run_cli("replay", path, "--scenario", mini_dir)
    assert result.code == 1
    assert result.err_lines == [f"{path}: decision 2 ('dance') no longer exists in this version of the scenario: "
                                "there is no decision 'dance' here"]
    assert "stopped: decision 2 ('dance')" in result.out
    assert path.read_bytes() == before


def _good_save(mini_dir) -> dict:
    p = Playthrough.new(load(mini_dir), 42, ["scout", "go_home"])
    return json.loads(saves.from_playthrough(p).to_json())


def _damaged(mini_dir) -> dict[str, bytes]:
    good = _good_save(mini_dir)
    raw = json.dumps(good, indent=2).encode()
    return {
        "truncated": raw[: len(raw) // 2],
        "garbage": bytes(range(256)) * 8,
        "empty": b"",
        "not_an_object": b"[1, 2, 3]",
        "seed_is_text": json.dumps({**good, "seed": "forty-two"}).encode(),
        "decisions_not_a_list": json.dumps({**good, "decisions": "scout"}).encode(),
        "decision_not_text": json.dumps({**good, "decisions": [1, 2]}).encode(),
        "missing_field": json.dumps({k: v for k, v in good.items() if k != "scenario"}).encode(),
        "unknown_field": json.dumps({**good, "cheat": True}).encode(),
        "negative_seed": json.dumps({**good, "seed": -1}).encode(),
        "future_format": json.dumps({**good, "format": 99}).encode(),
        "nan_seed": raw.replace(b'"seed": 42', b'"seed": NaN'),
        "nested_deep": b"[" * 100_000 + b"]" * 100_000,
        "utf16": json.dumps(good).encode("utf-16"),
        "huge": b" " * 1_100_000 + raw,
        "other_scenario": json.dumps({**good, "scenario": "dara"}).encode(),
    }


DAMAGED_KINDS = list(_damaged(MINI))


@pytest.mark.parametrize("kind", DAMAGED_KINDS)
def test_replay_of_a_damaged_save(kind, mini_dir, tmp_path, run_cli):
    data = _damaged(mini_dir)[kind]
    path = tmp_path / f"{kind}.json"
    path.write_bytes(data)
    stat = path.stat()
    result = run_cli("replay", path, "--scenario", mini_dir)
    assert result.code != 0
    assert result.out == ""
    assert len(result.err_lines) == 1, result.err
    assert result.err_lines[0].startswith(f"callinicum: {path}: ")
    assert "internal error" not in result.err
    no_traceback(result)
    assert path.read_bytes() == data
    assert path.stat().st_mtime_ns == stat.st_mtime_ns
    assert sorted(os.listdir(tmp_path)) == [f"{kind}.json"]


def test_damaged_save_messages(mini_dir, tmp_path, run_cli):
    damaged = _damaged(mini_dir)
    expected = {
        "truncated": "damaged save (not valid JSON); the file was left as it is",
        "not_an_object": "damaged save (not a save record); the file was left as it is",
        "seed_is_text": "damaged save (seed: ",
        "future_format": "save is from a newer version of the game (format 99); update the game to load it",
        "huge": "not a save (file is too large: ",
        "other_scenario": "save is for scenario 'dara', not 'mini'",
    }
    for kind, fragment in expected.items():
        path = tmp_path / f"{kind}.json"
        path.write_bytes(damaged[kind])
        result = run_cli("replay", path, "--scenario", mini_dir)
        assert fragment in result.err, (kind, result.err)


@pytest.mark.parametrize("kind, change", [
    pytest.param("seed_too_long", lambda raw: raw.replace(b'"seed": 42', b'"seed": 1' + b"0" * 5000),
                 id="seed_too_long"),
    pytest.param("seed_is_true", lambda raw: raw.replace(b'"seed": 42', b'"seed": true'), id="seed_is_true"),
    pytest.param("format_as_text", lambda raw: raw.replace(b'"format": 1', b'"format": "99"'), id="format_as_text"),
    pytest.param("format_as_float", lambda raw: raw.replace(b'"format": 1', b'"format": 2.0'), id="format_as_float"),
])
def test_replay_of_a_subtly_damaged_save(kind, change, mini_dir, tmp_path, run_cli):
    raw = change(json.dumps(_good_save(mini_dir), indent=2).encode())
    path = tmp_path / f"{kind}.json"
    path.write_bytes(raw)
    result = run_cli("replay", path, "--scenario", mini_dir)
    assert result.code == 1
    assert result.out == ""
    assert len(result.err_lines) == 1
    assert "damaged save" in result.err or "newer version" in result.err
    assert path.read_bytes() == raw


def test_replay_missing_file(tmp_path, run_cli, mini_dir):
    result = run_cli("replay", tmp_path / "nope.json", "--scenario", mini_dir)
    assert result.code == 1
    assert result.err_lines == [f"callinicum: {tmp_path / 'nope.json'}: cannot read save: No such file or directory"]


def test_replay_a_directory(tmp_path, run_cli, mini_dir):
    result = run_cli("replay", tmp_path, "--scenario", mini_dir)
    assert result.code == 1
    assert len(result.err_lines) == 1
    no_traceback(result)


def test_damaged_save_in_a_subprocess(tmp_path, run_game, mini_dir):
    path = tmp_path / "bad.json"
    path.write_bytes(b'{"format": 1, "scenario": "mini", "seed": ')
    result = run_game("replay", path, "--scenario", mini_dir)
    assert result.code == 1
    assert result.err_lines == [f"callinicum: {path}: damaged save (not valid JSON); the file was left as it is"]
    assert path.read_bytes() == b'{"format": 1, "scenario": "mini", "seed": '


# -- how the command line fails ----------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["check", "--bogus"],
    ["explore", "--frobnicate"],
    ["replay"],
    ["explore", "--runs", "many"],
    ["explore", "--seed", "1.5"],
    ["replay", "x.json", "--until", "two"],
    ["schema", "extra"],
    ["frobnicate"],
    ["--bogus"],
])
def test_usage_errors_are_argparse_errors(args, run_cli):
    result = run_cli(*args)
    assert result.code == 2
    assert result.out == ""
    assert "usage: callinicum" in result.err
    assert "error: " in result.err
    no_traceback(result)


def test_usage_error_in_a_subprocess(run_game):
    result = run_game("check", "--bogus")
    assert result.code == 2
    assert result.err_lines[-1] == "callinicum: error: unrecognized arguments: --bogus"
    no_traceback(result)


def test_version_and_help(run_cli):
    result = run_cli("--version")
    assert (result.code, result.out) == (0, "callinicum 0.1.0\n")
    result = run_cli("--help")
    assert result.code == 0
    for command in ("check", "replay", "explore", "schema"):
        assert command in result.out


@pytest.mark.parametrize("args", [
    pytest.param(["check", "{missing}"], id="check"),
    pytest.param(["explore", "--scenario", "{missing}"], id="explore"),
    pytest.param(["replay", "{save}", "--scenario", "{missing}"], id="replay"),
    pytest.param(["--scenario", "{missing}"], id="play"),
])
def test_missing_scenario_folder_gives_one_line(args, tmp_path, monkeypatch, run_cli, mini_dir):
    monkeypatch.chdir(tmp_path)
    save = tmp_path / "s.json"
    saves.write_save(save, saves.from_playthrough(Playthrough.new(load(mini_dir), 1, ["scout"])))
    result = run_cli(*[a.format(missing="no/such/folder", save=save) for a in args])
    assert result.code == 1
    lines = (result.out + result.err).splitlines()
    assert len(lines) == 1, lines
    assert "no/such/folder" in lines[0] and "no such scenario folder" in lines[0]
    no_traceback(result)


def test_missing_scenario_folder_never_a_traceback(tmp_path, run_game):
    result = run_game("explore", "--scenario", tmp_path / "missing", "--json")
    assert result.code == 1
    assert result.out == ""
    assert "no such scenario folder" in result.err
    no_traceback(result)


def test_broken_scenario_for_explore_lists_its_problems(scenario_copy, run_cli):
    scenario_copy.replace("scenes.yaml", "        if: supply >= 5", "        if: supply ** 5")
    result = run_cli("explore", "--scenario", "scen", "--runs", "5")
    assert result.code == 1
    assert result.out == ""
    assert result.err_lines[0] == \
        "scen/scenes.yaml:28: scenes[camp].choices[feast].if: operator '**' is not allowed (use + - * //)"
    no_traceback(result)


def test_internal_errors_are_one_line(scenario_copy, run_cli, monkeypatch):
    """The last guard: an unexpected exception is one line and exit 70, not a traceback."""
    import game.engine.explore as explore

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(explore, "explore_random", boom)
    result = run_cli("explore", "--scenario", "scen", "--runs", "1")
    assert result.code == 70
    assert result.err_lines == ["callinicum: internal error: RuntimeError: boom (please report this)"]


# -- replay --json and explore --save-runs -----------------------------------------------------------

REPLAY_KEYS = {"scenario", "version", "seed", "decisions", "scenes", "values", "units", "battles", "ending", "stopped"}
BATTLE_KEYS = {"scene", "outcome", "flank", "first_broken", "broken", "fallen", "commander", "roman_losses",
               "enemy_losses"}
UNIT_KEYS = {"name", "men", "morale", "fatigue", "state"}


@pytest.mark.parametrize("name", ["historical", "watchful"])
def test_replay_json_of_the_shipped_playthroughs_keeps_the_contract(name, run_cli):
    path = ROOT / "content" / "callinicum" / "playthroughs" / f"{name}.json"
    result = run_cli("replay", str(path), "--json")
    assert result.code == 0, result.err
    out = json.loads(result.out)
    assert REPLAY_KEYS <= set(out)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert out["scenario"] == "callinicum" and out["seed"] == saved["seed"]
    assert out["decisions"] == saved["decisions"][:len(out["decisions"])]
    assert out["ending"] and out["stopped"] is None
    assert out["scenes"][0] == load(ROOT / "content" / "callinicum").scenario.info.start
    assert all(a != b for a, b in zip(out["scenes"], out["scenes"][1:]))  # each scene once per visit
    assert any(s.startswith("battle") for s in out["scenes"]) and out["ending"] not in out["scenes"]
    assert isinstance(out["values"]["supply"], int) and isinstance(out["values"]["fasting"], bool)
    for uid, unit in out["units"].items():
        assert set(unit) == UNIT_KEYS, uid
        assert unit["state"] in {"with the army", "broken", "fallen", "absent"}
    [battle] = out["battles"]
    assert BATTLE_KEYS <= set(battle)
    assert battle["outcome"] in {"victory", "held", "defeat", "routed"}
    assert battle["flank"] in {"left", "right"}
    assert battle["first_broken"] == (battle["broken"][0] if battle["broken"] else None)
    units = set(out["units"]) | {"reserve_horse"}
    assert set(battle["broken"]) <= units and set(battle["fallen"]) <= units
    for uid in battle["fallen"]:  # a unit cut down is gone
        assert out["units"][uid]["men"] == 0 and out["units"][uid]["state"] == "fallen"
    assert battle["roman_losses"] == sum(battle["lost"].values())


def test_replay_json_of_an_unfinished_playthrough_says_why_it_stopped(mini_dir, tmp_path, run_cli):
    cs = load(mini_dir)
    p = Playthrough.new(cs, 3)
    p.choose(p.options()[0].id)
    path = tmp_path / "s.json"
    saves.write_save(path, saves.from_playthrough(p))
    result = run_cli("replay", str(path), "--json", "--scenario", str(mini_dir))
    out = json.loads(result.out)
    assert out["ending"] is None and "not reached an ending" in out["stopped"]
    assert out["battles"] == [] and out["decisions"] == p.decisions


def test_replay_json_and_markdown_are_one_or_the_other(mini_dir, tmp_path, run_cli):
    path = tmp_path / "s.json"
    saves.write_save(path, saves.from_playthrough(Playthrough.new(load(mini_dir), 3)))
    result = run_cli("replay", str(path), "--json", "--markdown")
    assert result.code == 2 and "not allowed with" in result.err


def test_explore_save_runs_writes_saves_that_replay_to_the_same_endings(mini_dir, tmp_path, run_cli):
    folder = tmp_path / "runs"
    result = run_cli("explore", "--scenario", str(mini_dir), "--runs", "12", "--seed", "4",
                     "--save-runs", str(folder), "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    files = sorted(folder.glob("run-*.json"))
    assert len(files) == 12
    endings: dict[str, int] = {}
    for f in files:
        replayed = run_cli("replay", str(f), "--json", "--scenario", str(mini_dir))
        assert replayed.code == 0, replayed.err
        ending = json.loads(replayed.out)["ending"]
        endings[ending] = endings.get(ending, 0) + 1
        assert saves.read_save(f).ending == ending
    assert endings == {k: v for k, v in report["endings"].items() if v}


@pytest.mark.parametrize("extra", [["--exhaustive"], ["--odds"]])
def test_explore_save_runs_is_for_random_play(mini_dir, tmp_path, run_cli, extra):
    result = run_cli("explore", "--scenario", str(mini_dir), "--save-runs", str(tmp_path / "r"), *extra)
    assert result.code == 1 and "--save-runs" in result.err
    assert not (tmp_path / "r").exists()


# -- nothing from a file reaches the terminal raw --------------------------------------------------


def _raw_controls(text: str) -> list[str]:
    return [ch for ch in text if ch != "\n" and not ch.isprintable()]


def test_check_shows_a_hostile_file_escaped_one_problem_a_line(scenario_copy, run_cli):
    scenario_copy.replace("scenario.yaml", "  - id: scouted\n", '  - id: "\\e]0;pwned-title\\a\\e[2J"\n')
    scenario_copy.write("x\x1b[2J\nname.yaml", "flags: [\n")
    result = run_cli("check", "scen")
    assert result.code == 1
    assert _raw_controls(result.out + result.err) == []
    assert len(result.out_lines) == 2
    assert all(re.match(r"^scen/[^\n]+\.yaml:\d+: ", line) for line in result.out_lines)
    assert any(line.startswith("scen/x\\x1b[2J\\nname.yaml:") for line in result.out_lines)
    assert any("control character U+001B is not allowed in text" in line for line in result.out_lines)


def test_check_ok_line_shows_the_folder_name_escaped(tmp_path, monkeypatch, run_cli, mini_dir):
    import shutil

    monkeypatch.chdir(tmp_path)
    shutil.copytree(mini_dir, tmp_path / "sc\x1b]0;x\x07en")
    result = run_cli("check", "sc\x1b]0;x\x07en")
    assert result.code == 0 and _raw_controls(result.out + result.err) == []
    assert result.out_lines[-1].startswith("ok: sc\\x1b]0;x\\x07en: The Ford")


def test_replay_of_a_save_with_a_hostile_name_is_one_escaped_line(mini_dir, tmp_path, run_cli):
    path = tmp_path / "evil\n\x1b]52;c;cHduZWQ=\x07.json"
    path.write_bytes(b'{"format": 1, "scenario": "mini", "seed": tr')
    result = run_cli("replay", path)
    assert result.code == 1 and result.out == ""
    assert len(result.err_lines) == 1 and _raw_controls(result.err) == []
    assert result.err_lines[0].endswith("evil\\n\\x1b]52;c;cHduZWQ=\\x07.json: damaged save (not valid JSON); "
                                        "the file was left as it is")


def test_explore_impact_json(mini_dir, run_cli):
    result = run_cli("explore", "--scenario", str(mini_dir), "--impact", "--json")
    assert result.code == 0, result.err
    out = json.loads(result.out)
    assert {"impact", "median", "samples", "runs"} <= set(out)
    scenes = {row["scene"].split("#")[0] for row in out["impact"]}
    assert scenes == {"camp", "march", "battle"}
    assert all(0 <= row["points"] <= 100 for row in out["impact"])


def test_explore_impact_is_random_play_from_the_start(mini_dir, run_cli, tmp_path):
    result = run_cli("explore", "--scenario", str(mini_dir), "--impact", "--exhaustive")
    assert result.code == 1 and "--impact" in result.err


# -- a seed no save can hold is refused up front --------------------------------------------------


@pytest.mark.parametrize("seed", ["-1", str(2**63), "abc"])
def test_play_refuses_a_seed_that_saves_cannot_record(seed, capsys):
    """Before the fix `--seed -1` started the game, and every autosave then failed validation."""
    from game.cli import _parser

    for argv in (["play", "--seed", seed], ["--seed", seed]):
        with pytest.raises(SystemExit) as info:
            _parser().parse_args(argv)
        assert info.value.code == 2
        assert "argument --seed" in capsys.readouterr().err


def test_the_largest_seed_a_save_holds_is_accepted():
    from game.cli import _play_seed
    from game.session.saves import MAX_SEED

    assert _play_seed(str(MAX_SEED)) == MAX_SEED
    assert _play_seed("0") == 0


# -- explore --odds --keep: the exact odds from the first scene, kept beside the scenario ---------


@pytest.fixture
def mini_copy(tmp_path) -> Path:
    import shutil

    folder = tmp_path / "mini"
    shutil.copytree(MINI, folder)
    return folder


def test_explore_odds_keep_writes_what_the_game_reads(mini_copy, run_cli):
    from game.session.odds import kept_odds

    result = run_cli("explore", "--scenario", mini_copy, "--odds", "--keep", "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["complete"] is True and Path(report["kept"]) == mini_copy / "odds.json"
    kept = kept_odds(load(mini_copy))
    assert kept is not None and kept.endings == pytest.approx(report["endings"], rel=1e-12)
    text = run_cli("explore", "--scenario", mini_copy, "--odds", "--keep")
    assert text.code == 0 and f"kept: {mini_copy / 'odds.json'}" in text.out


def test_explore_odds_keep_keeps_nothing_from_an_incomplete_walk(mini_copy, run_cli):
    result = run_cli("explore", "--scenario", mini_copy, "--odds", "--keep", "--max-states", "1", "--runs", "0")
    assert result.code == 1
    assert "nothing kept: the walk did not complete" in result.err and "Traceback" not in result.err
    assert not (mini_copy / "odds.json").exists()


@pytest.mark.parametrize("args", [
    ("--keep",), ("--exhaustive", "--keep"), ("--odds", "--keep", "--from", "x.json"),
    ("--odds", "--keep", "--mod", "."),
], ids=["no-odds", "exhaustive", "from", "mod"])
def test_explore_keep_only_from_the_first_scene_of_the_scenario_itself(mini_copy, run_cli, args):
    result = run_cli("explore", "--scenario", mini_copy, *args)
    assert result.code != 0 and "Traceback" not in result.err
    assert "--keep keeps the exact odds from the first scene" in result.err
    assert not (mini_copy / "odds.json").exists()
