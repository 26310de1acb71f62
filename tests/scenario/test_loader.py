"""The loader and compiler: a good scenario loads; each broken one is reported at its file and line.

Every case below copies the mini scenario, makes ONE mistake, and states the exact problems expected:
(file, line, field, message fragment). Line numbers are those of the broken copy.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from game import DEFAULT_SCENARIO
from game.scenario.compiled import CEnding, CScene, load
from game.scenario.errors import Problem, ScenarioLoadError, escape_controls
from game.scenario import files, loader
from game.scenario.files import scenario_files
from game.scenario.loader import load_scenario
from game.scenario.files import MAX_FILE_BYTES
from game.session.playthrough import Playthrough

from conftest import (
    BILLION_LAUGHS,
    MINI,
    POSIX,
    ROOT,
    Result,
    ScenarioCopy,
    assert_clean_failure,
    game_process,
    mini_variant,
    needs_posix,
    run_main_in,
)

SECTIONS_LIST = "scenario, qualities, flags, characters, places, units, scenes, endings, battles"
MARCH_EXTRA = "    date: Day two\n"


def problems_of(folder: Path | str) -> list[Problem]:
    with pytest.raises(ScenarioLoadError) as info:
        load(folder)
    return info.value.problems


def assert_problems(problems: list[Problem], expected: list[tuple[str, int, str, str]]) -> None:
    """Exactly these problems, in order: (file, line, field, message fragment)."""
    shown = "\n".join(str(p) for p in problems)
    assert len(problems) == len(expected), f"expected {len(expected)} problem(s), got:\n{shown}"
    for p, (file, line, field, fragment) in zip(problems, sorted(expected)):
        assert (p.file, p.line, p.field) == (file, line, field), f"\n{shown}"
        assert fragment in p.message, f"{fragment!r} not in {p.message!r}"
        assert p.severity == "error"


# -- the good scenario ---------------------------------------------------------------------------


def test_mini_loads(mini_dir):
    cs = load(mini_dir)
    assert cs.id == "mini"
    assert cs.scenario.info.title == "The Ford"
    assert [n.model.id for n in cs.nodes if isinstance(n, CScene)] == ["camp", "march", "battle"]
    assert [n.model.id for n in cs.nodes if isinstance(n, CEnding)] == [
        "storm_ending", "wise_ending", "win_ending", "loss_ending"]
    assert cs.node_id(cs.start) == "camp"
    assert set(cs.battles) == {"fight"}
    assert len(cs.scenario.content_hash) == 16
    # prose is kept exactly as written
    assert cs.nodes[0].model.text == "The enemy is at the ford. [Brackets] stay as written.\n"


def test_sources_give_file_and_line(mini_dir, monkeypatch):
    monkeypatch.chdir(mini_dir.parent.parent)
    cs = load("scenarios/mini")
    assert cs.sources.at("scenes", "march") == ("scenarios/mini/scenes.yaml", 31)
    assert cs.sources.at("scenes", "camp", "choices", 2, "if") == ("scenarios/mini/scenes.yaml", 28)
    assert cs.sources.at("battles", "fight", "line") == ("scenarios/mini/battle.yaml", 9)
    assert cs.sources.at("qualities", "courage") == ("scenarios/mini/scenario.yaml", 14)


def test_content_hash_changes_with_content(scenario_copy, mini_dir):
    before = load(mini_dir).scenario.content_hash
    assert load(scenario_copy.path).scenario.content_hash == before
    scenario_copy.replace("scenes.yaml", "Send scouts", "Send the scouts")
    assert load(scenario_copy.path).scenario.content_hash != before


def test_files_in_sorted_order_and_ignored_folders(scenario_copy):
    scenario_copy.write("playthroughs/broken.yaml", "garbage: [")
    scenario_copy.write(".hidden/broken.yaml", "garbage: [")
    scenario_copy.write("notes.txt", "garbage: [")
    scenario_copy.write("acts/extra.yml", "flags:\n  - id: extra_flag\n")
    (scenario_copy.path / "folder.yaml").mkdir()
    names = [rel for rel, _ in scenario_files(scenario_copy.path)]
    assert names == ["acts/extra.yml", "battle.yaml", "scenario.yaml", "scenes.yaml"]
    cs = load(scenario_copy.path)
    assert "extra_flag" in cs.namespace.slots


def test_sections_split_over_files(scenario_copy):
    text = scenario_copy.read("scenes.yaml")
    head, tail = text.split("  - id: battle\n")
    scenario_copy.write("scenes.yaml", head)
    scenario_copy.write("more/battle_scene.yaml", "scenes:\n  - id: battle\n" + tail)
    cs = load(scenario_copy.path)
    assert [n.model.id for n in cs.nodes if isinstance(n, CScene)] == ["battle", "camp", "march"]
    assert cs.sources.at("scenes", "battle") == ("scen/more/battle_scene.yaml", 2)


def test_mod_overlay_replaces_a_file(scenario_copy, tmp_path):
    mod = tmp_path / "mod"
    mod.mkdir()
    text = scenario_copy.read("scenario.yaml").replace("  title: The Ford", "  title: The Ford, modded")
    (mod / "scenario.yaml").write_text(text)
    cs = load(scenario_copy.path, (mod,))
    assert cs.scenario.info.title == "The Ford, modded"
    (mod / "broken.yaml").write_text("flags:\n  - id: Bad\n")
    with pytest.raises(ScenarioLoadError) as info:
        load(scenario_copy.path, (mod,))
    assert [(p.file, p.line) for p in info.value.problems] == [("mod/broken.yaml", 2)]


def test_missing_folder():
    with pytest.raises(ScenarioLoadError) as info:
        load_scenario("does/not/exist")
    assert [str(p) for p in info.value.problems] == ["does/not/exist: no such scenario folder"]


def test_folder_without_yaml(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("hello")
    with pytest.raises(ScenarioLoadError) as info:
        load_scenario("empty")
    assert [str(p) for p in info.value.problems] == ["empty: the folder holds no .yaml scenario files"]


def test_problem_format():
    assert str(Problem("a/b.yaml", 12, "scenes[x].title", "should be text")) == \
        "a/b.yaml:12: scenes[x].title: should be text"
    assert str(Problem("a/b.yaml", 3, "", "file is empty")) == "a/b.yaml:3: file is empty"
    assert str(Problem("a/b.yaml", 3, "flags[x]", "never read", "warning")) == \
        "a/b.yaml:3: warning: flags[x]: never read"


def test_escape_controls_keeps_printable_text_and_escapes_the_rest():
    assert escape_controls("Ἀζαρέθης at Callinicum [sic] \\ 100%") == "Ἀζαρέθης at Callinicum [sic] \\ 100%"
    assert escape_controls("a\x1b]0;t\x07b") == "a\\x1b]0;t\\x07b"
    assert escape_controls("one\ntwo\rthree\tfour") == "one\\ntwo\\rthree\\tfour"
    assert escape_controls("\x9b\x7f\x00") == "\\x9b\\x7f\\x00"
    assert escape_controls("\u202eevil\u2066\u2028\u2029") == "\\u202eevil\\u2066\\u2028\\u2029"
    assert escape_controls(Path("a\x1bb")) == "a\\x1bb"
    every = "".join(chr(i) for i in range(0x250)) + "\u2028\u202e"
    shown = escape_controls(every)
    assert not [ch for ch in shown if unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch == "\u202e"]
    assert "\u00a0" in shown and "é" in shown  # a no-break space and letters are not controls


def test_problem_shows_file_field_and_message_escaped_on_one_line():
    p = Problem("scen/a\nb\x1b.yaml", 3, "flags[\x1b]0;pwned\x07].id", "'\x1b[2J' is not valid\nat all")
    assert str(p) == "scen/a\\nb\\x1b.yaml:3: flags[\\x1b]0;pwned\\x07].id: '\\x1b[2J' is not valid\\nat all"
    assert p.file == "scen/a\nb\x1b.yaml"  # the data keeps the real name; only what is shown is escaped


def test_control_characters_in_scenario_text_are_refused_at_their_line(scenario_copy):
    scenario_copy.replace("scenario.yaml", "  title: The Ford\n", '  title: "The Ford\\e]0;pwned\\a\\e[2J"\n')
    with pytest.raises(ScenarioLoadError) as info:
        load_scenario("scen")
    assert [str(p) for p in info.value.problems] == [
        f"scen/scenario.yaml:{scenario_copy.line_of('scenario.yaml', 'title:')}: control character U+001B is "
        "not allowed in text (newline and tab are the only ones allowed)"]


def test_a_file_name_with_control_characters_is_shown_escaped(scenario_copy):
    scenario_copy.write("bad\x1b]0;x\x07\nname.yaml", "flags: [\n")
    with pytest.raises(ScenarioLoadError) as info:
        load_scenario("scen")
    shown = [str(p) for p in info.value.problems]
    assert len(shown) == 1 and shown[0].startswith("scen/bad\\x1b]0;x\\x07\\nname.yaml:")
    assert all(ch.isprintable() for ch in shown[0])


# -- broken scenarios: one mistake each ----------------------------------------------------------

CASES = []


def case(fn):
    CASES.append(pytest.param(fn, id=fn.__name__))
    return fn


# YAML and files


@case
def yaml_syntax_error(s):
    s.replace("scenes.yaml", "    title: The march", "    title: [The march")
    return [("scenes.yaml", 33, "", "YAML syntax: did not find expected ',' or ']'")]


@case
def yaml_unclosed_quote(s):
    s.write("extra.yaml", 'flags:\n  - id: a\n    description: "open\n  - id: b\n')
    return [("extra.yaml", 5, "", "YAML syntax: found unexpected end of stream")]


@case
def tab_indentation(s):
    s.replace("scenes.yaml", "    date: Day two", "\t  date: Day two")
    return [("scenes.yaml", 33, "", "YAML syntax: found a tab character that violates indentation")]


@case
def duplicate_key(s):
    s.replace("scenes.yaml", MARCH_EXTRA, MARCH_EXTRA + "    title: Again\n")
    return [("scenes.yaml", s.line_of("scenes.yaml", "title: Again"), "", "duplicate key 'title'")]


@case
def unsafe_python_tag(s):
    s.replace("scenes.yaml", "    title: The march", '    title: !!python/object/apply:os.system ["touch PWNED"]')
    return [("scenes.yaml", 32, "",
             "YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed")]


@case
def anchor_and_alias(s):
    s.replace("scenes.yaml", "    title: The march\n    date: Day two", "    title: &t The march\n    date: *t")
    return [("scenes.yaml", 32, "", "anchors and aliases (& and *) are not supported; write the value out")]


@case
def alias_bomb(s):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    s.write("bomb.yaml", "\n".join(lines) + "\n")
    return [("bomb.yaml", 1, "", "anchors and aliases (& and *) are not supported")]


@case
def deep_nesting(s):
    s.write("deep.yaml", "flags: " + "[" * 200 + "]" * 200 + "\n")
    return [("deep.yaml", 1, "", "YAML is nested too deeply (more than 64 levels)")]


@case
def huge_file(s):
    s.write("huge.yaml", "# " + "x" * 2_100_000 + "\n")
    return [("huge.yaml", 1, "", "file is too large (2,100,003 bytes; the limit is 2,000,000)")]


@case
def binary_file(s):
    s.write("picture.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    return [("picture.yaml", 1, "", "file is binary, not YAML text")]


@case
def not_utf8(s):
    text = s.read("scenes.yaml").replace("Send scouts", "Send scouts to the caf\xe9")
    s.write("scenes.yaml", text.encode("latin-1"))
    return [("scenes.yaml", 16, "", "file is not UTF-8 text (save it as UTF-8)")]


@case
def empty_file(s):
    s.write("empty.yaml", "")
    return [("empty.yaml", 1, "", "file is empty")]


@case
def comments_only_file(s):
    s.write("todo.yaml", "# scenes to come\n\n")
    return [("todo.yaml", 1, "", "file is empty")]


@case
def top_level_list(s):
    s.write("list.yaml", "- id: a\n- id: b\n")
    return [("list.yaml", 1, "", f"a scenario file must be a mapping of sections ({SECTIONS_LIST})")]


@case
def top_level_text(s):
    s.write("words.yaml", "just some words\n")
    return [("words.yaml", 1, "", "a scenario file must be a mapping of sections")]


# sections and fields


@case
def unknown_section(s):
    s.write("extra.yaml", "flags:\n  - id: extra\nscenez: [{id: x}]\n")
    return [("extra.yaml", 3, "scenez", "unknown section 'scenez' (did you mean 'scenes'?)")]


@case
def section_not_a_list(s):
    s.write("extra.yaml", "flags:\n  id: extra\n")
    return [("extra.yaml", 2, "flags", "'flags' must be a list of items (each starting with '- ')")]


@case
def item_not_a_mapping(s):
    s.write("extra.yaml", "flags:\n  - extra\n")
    return [("extra.yaml", 2, "flags[0]", "should be a mapping of fields, not 'extra'")]


@case
def unknown_field(s):
    s.replace("scenes.yaml", MARCH_EXTRA, MARCH_EXTRA + "    stag: Act one\n")
    return [("scenes.yaml", 34, "scenes[march].stag", "unknown field 'stag' (did you mean 'stage'?)")]


@case
def unknown_nested_field(s):
    s.replace("scenes.yaml", "            text: Fair weather.", "            txet: Fair weather.")
    return [("scenes.yaml", 44, "scenes[march].choices[gamble].chance[0].txet",
             "unknown field 'txet' (did you mean 'text'?)")]


@case
def unknown_field_in_battle(s):
    s.replace("battle.yaml", "    discipline: courage", "    dicipline: courage")
    return [("battle.yaml", 8, "battles[fight].dicipline", "unknown field 'dicipline' (did you mean 'discipline'?)")]


@case
def missing_required_field(s):
    s.replace("scenes.yaml", MARCH_EXTRA, "")
    return [("scenes.yaml", 31, "scenes[march].date", "required field is missing")]


@case
def missing_scenario_section(s):
    text = s.read("scenario.yaml")
    s.write("scenario.yaml", text.replace('scenario:\n  id: mini\n  title: The Ford\n  version: "1"\n  start: camp\n', ""))
    return [("scen", 1, "scenario", "no file has a 'scenario' section (id, title, version, start)")]


@case
def scenario_section_twice(s):
    s.write("zz.yaml", "flags: []\nscenario: {id: again, title: Again, version: '2', start: camp}\n")
    return [("zz.yaml", 2, "scenario", "the 'scenario' section appears twice")]


@case
def wrong_type_number(s):
    s.replace("scenario.yaml", "    men: 30", "    men: many")
    return [("scenario.yaml", 84, "units[enemy_right].men", "'many' should be a whole number")]


@case
def wrong_type_fraction(s):
    s.replace("scenario.yaml", "    men: 30", "    men: 30.5")
    return [("scenario.yaml", 84, "units[enemy_right].men", "'30.5' should be a whole number")]


@case
def wrong_type_text(s):
    s.replace("scenes.yaml", "    title: The march", "    title: 531")
    return [("scenes.yaml", 32, "scenes[march].title", "should be text, not the number 531")]


@case
def wrong_type_list(s):
    s.replace("scenes.yaml", "        effects: [courage += 2]", "        effects: courage += 2")
    return [("scenes.yaml", 24, "scenes[camp].choices[rush].effects",
             "should be a list (items starting with '- '), not 'courage += 2'")]


@case
def wrong_type_bool(s):
    s.replace("scenes.yaml", "        historical: true", "        historical: maybe")
    return [("scenes.yaml", 17, "scenes[camp].choices[scout].historical", "'maybe' should be true or false")]


@case
def number_out_of_range(s):
    s.replace("scenario.yaml", "    men: 30", "    men: 5000")
    return [("scenario.yaml", 84, "units[enemy_right].men", "less than or equal to 999")]


@case
def bad_literal(s):
    s.replace("scenario.yaml", "    kind: infantry", "    kind: infantry\n    side: ally")
    return [("scenario.yaml", 54, "units[foot].side",
             "'ally' is not allowed here; expected 'roman', 'enemy' or 'persian'")]


@case
def unknown_unit_kind(s):
    """A unit's kind is free, but its battle's tables must say how it fights."""
    s.replace("scenario.yaml", "    kind: infantry", "    kind: archers")
    return [("scenario.yaml", 53, "units[foot].kind",
             "battle 'fight' has no kind 'archers' in its tables (it knows arab_cavalry, cavalry, horse_archers, "
             "infantry)")]


@case
def empty_text(s):
    s.replace("scenes.yaml", "    title: The march", "    title: ''")
    return [("scenes.yaml", 32, "scenes[march].title", "should not be empty")]


@case
def bad_id_pattern(s):
    s.replace("scenario.yaml", "  - id: ford", "  - id: Ford-1")
    return [("scenario.yaml", 45, "places[Ford-1].id",
             "'Ford-1' is not a valid id: use lower_snake_case (a-z, 0-9, _), starting with a letter")]


@case
def duplicate_id_across_files(s):
    s.write("more.yaml", "scenes:\n  - id: camp\n    title: Again\n    date: x\n    place: camp\n"
                         "    text: t\n    choices:\n      - id: a\n        label: A\n        next: march\n")
    # more.yaml is read first, so the copy in scenes.yaml is the duplicate
    return [("scenes.yaml", 2, "scenes[camp]", "duplicate id 'camp' (first defined at scen/more.yaml:2)")]


@case
def duplicate_choice_id(s):
    s.replace("scenes.yaml", "      - id: rush", "      - id: scout")
    return [("scenes.yaml", 22, "scenes[camp].choices[scout].id", "duplicate choice id 'scout' in this scene")]


@case
def quality_start_outside_range(s):
    s.replace("scenario.yaml", "    start: 3", "    start: 9")
    return [("scenario.yaml", 9, "qualities[supply]", "start (9) is outside 0..5")]


@case
def quality_min_above_max(s):
    s.replace("scenario.yaml", "    max: 5\n    start: 3", "    max: -1\n    start: 3")
    return [("scenario.yaml", 9, "qualities[supply]", "min (0) is greater than max (-1)")]


# scenes and choices


@case
def scene_without_choices_or_battle(s):
    s.replace("scenes.yaml", "    battle: fight\n", "")
    return [("scenes.yaml", 56, "scenes[battle]", "a scene needs 'choices' (or a 'battle')")]


@case
def scene_with_choices_and_battle(s):
    s.replace("scenes.yaml", "    battle: fight\n",
              "    battle: fight\n    choices:\n      - id: flee\n        label: Flee\n        next: storm_ending\n")
    return [("scenes.yaml", 56, "scenes[battle]",
             "a battle scene takes its orders from the battle; remove 'choices'")]


@case
def choice_with_next_and_chance(s):
    s.replace("scenes.yaml", "        label: Gamble on the weather\n",
              "        label: Gamble on the weather\n        next: battle\n")
    return [("scenes.yaml", 40, "scenes[march].choices[gamble]", "a choice needs exactly one of 'next' or 'chance'")]


@case
def choice_without_next_or_chance(s):
    s.replace("scenes.yaml", "        text: The scouts ride out.\n        next: march\n", "        text: The scouts ride out.\n")
    return [("scenes.yaml", 15, "scenes[camp].choices[scout]", "a choice needs exactly one of 'next' or 'chance'")]


@case
def chance_with_one_outcome(s):
    text = s.read("scenes.yaml")
    start = text.index("          - weight: 1\n")
    end = text.index("      - id: go_home")
    s.write("scenes.yaml", text[:start] + text[end:])
    return [("scenes.yaml", 43, "scenes[march].choices[gamble].chance", "needs at least 2 items")]


@case
def next_to_missing_scene(s):
    s.replace("scenes.yaml", "        text: The scouts ride out.\n        next: march",
              "        text: The scouts ride out.\n        next: marhc")
    return [("scenes.yaml", 21, "scenes[camp].choices[scout].next",
             "no scene or ending with id 'marhc' (did you mean 'march'?)")]


@case
def chance_next_to_missing_ending(s):
    s.replace("scenes.yaml", "            next: storm_ending", "            next: strom_ending")
    return [("scenes.yaml", 49, "scenes[march].choices[gamble].chance[1].next",
             "no scene or ending with id 'strom_ending' (did you mean 'storm_ending'?)")]


@case
def route_to_missing_ending(s):
    s.replace("scenes.yaml", "            to: wise_ending", "            to: wise_endng")
    return [("scenes.yaml", 54, "scenes[march].choices[go_home].next[0]",
             "no scene or ending with id 'wise_endng' (did you mean 'wise_ending'?)")]


@case
def start_is_missing_scene(s):
    s.replace("scenario.yaml", "  start: camp", "  start: cmap")
    return [("scenario.yaml", 6, "scenario.start", "no scene with id 'cmap' (did you mean 'camp'?)")]


@case
def unknown_place(s):
    s.replace("scenes.yaml", "    date: Day two\n    place: ford", "    date: Day two\n    place: fjord")
    return [("scenes.yaml", 34, "scenes[march].place", "no place with id 'fjord' (did you mean 'ford'?)")]


@case
def unknown_enemy_place(s):
    s.replace("scenes.yaml", "    date: Day two\n    place: ford", "    date: Day two\n    place: ford\n    enemy_at: sura")
    return [("scenes.yaml", 35, "scenes[march].enemy_at", "no place with id 'sura'")]


@case
def unknown_character_in_counsel(s):
    s.replace("scenes.yaml", "      - who: captain", "      - who: captian")
    return [("scenes.yaml", 9, "scenes[camp].counsel[0].who",
             "no character with id 'captian' (did you mean 'captain'?)")]


@case
def unknown_unit_commander(s):
    s.replace("scenario.yaml", "    commander: captain", "    commander: captian")
    return [("scenario.yaml", 58, "units[horse].commander", "no character with id 'captian' (did you mean 'captain'?)")]


@case
def loyalty_is_not_a_quality(s):
    s.replace("scenario.yaml", "    loyalty: courage", "    loyalty: scouted")
    return [("scenario.yaml", 65, "units[allies].loyalty", "no quality with id 'scouted'")]


@case
def route_list_last_entry_has_if(s):
    s.replace("scenes.yaml", "          - to: storm_ending", "          - if: not scouted\n            to: storm_ending")
    return [("scenes.yaml", 53, "scenes[march].choices[go_home].next",
             "the last route needs no 'if', so that there is always a way on")]


@case
def route_list_early_entry_without_if(s):
    s.replace("scenes.yaml", "          - if: scouted\n            to: wise_ending", "          - to: wise_ending")
    return [("scenes.yaml", 53, "scenes[march].choices[go_home].next[0]", "only the last route may leave out 'if'")]


@case
def two_historical_choices(s):
    s.replace("scenes.yaml", "        label: Rush to the ford\n", "        label: Rush to the ford\n        historical: true\n")
    return [("scenes.yaml", 15, "scenes[camp].choices", "2 choices are marked historical; at most one may be")]


@case
def unknown_battle(s):
    s.replace("scenes.yaml", "    battle: fight", "    battle: fihgt")
    return [("scenes.yaml", 60, "scenes[battle].battle", "no battle with id 'fihgt' (did you mean 'fight'?)")]


# expressions


@case
def expression_unknown_name(s):
    s.replace("scenes.yaml", "        if: supply >= 5", "        if: suply >= 5")
    return [("scenes.yaml", 28, "scenes[camp].choices[feast].if", "unknown name 'suply' (did you mean 'supply'?)")]


@case
def expression_power_operator(s):
    s.replace("scenes.yaml", "        if: supply >= 5", "        if: supply ** 2 >= 5")
    return [("scenes.yaml", 28, "scenes[camp].choices[feast].if", "operator '**' is not allowed (use + - * //)")]


@case
def expression_function_call(s):
    s.replace("scenes.yaml", "        if: supply >= 5", "        if: __import__('os')")
    return [("scenes.yaml", 28, "scenes[camp].choices[feast].if",
             "only min(a, b, ...) and max(a, b, ...) may be called")]


@case
def expression_attribute_trick(s):
    s.replace("scenes.yaml", "        if: supply >= 5", "        if: ().__class__")
    return [("scenes.yaml", 28, "scenes[camp].choices[feast].if", "")]


@case
def expression_builtins_name(s):
    s.replace("scenes.yaml", "        if: supply >= 5", "        if: __builtins__")
    return [("scenes.yaml", 28, "scenes[camp].choices[feast].if", "unknown name '__builtins__'")]


@case
def expression_condition_is_a_number(s):
    s.replace("scenes.yaml", "        if: supply >= 5", "        if: supply + 5")
    return [("scenes.yaml", 28, "scenes[camp].choices[feast].if",
             "a condition must be true or false (e.g. 'supply >= 3'); 'supply + 5' is a number")]


@case
def expression_plus_equals_on_flag(s):
    s.replace("scenes.yaml", "scouted = true, supply -= 1", "scouted += 1, supply -= 1")
    return [("scenes.yaml", 19, "scenes[camp].choices[scout].effects[0]",
             "'scouted' is a flag: set it with '= true' or '= false'")]


@case
def expression_flag_compared_with_number(s):
    s.replace("scenes.yaml", "      - if: scouted\n        text", "      - if: scouted == 1\n        text")
    return [("scenes.yaml", 37, "scenes[march].variants[0].if", "cannot compare a true/false with a number")]


@case
def expression_syntax_error(s):
    s.replace("scenes.yaml", "        if: supply >= 5", "        if: supply >= (5")
    return [("scenes.yaml", 28, "scenes[camp].choices[feast].if", "cannot read expression 'supply >= (5'")]


@case
def expression_effect_not_an_assignment(s):
    s.replace("scenes.yaml", "            effects: [supply = 0]", "            effects: [supply == 0]")
    return [("scenes.yaml", 48, "scenes[march].choices[gamble].chance[1].effects[0]",
             "'supply == 0' is not an effect")]


@case
def expression_in_battle_setup(s):
    s.replace("battle.yaml", "      - if: supply <= 1", "      - if: suppyl <= 1")
    return [("battle.yaml", 12, "battles[fight].setup[0].if", "unknown name 'suppyl' (did you mean 'supply'?)")]


@case
def expression_in_ending_variant(s):
    s.replace("scenes.yaml", "      - if: losses >= 10", "      - if: loses >= 10")
    return [("scenes.yaml", 78, "endings[win_ending].variants[0].if", "unknown name 'loses' (did you mean 'losses'?)")]


# battles


@case
def battle_line_length_mismatch(s):
    s.replace("battle.yaml", "    line: [foot, horse, allies]", "    line: [foot, horse]")
    return [("battle.yaml", 2, "battles[fight]",
             "the Roman line has 2 positions and the enemy line 3; they must face each other one to one")]


@case
def battle_unknown_unit_in_line(s):
    s.replace("battle.yaml", "    line: [foot, horse, allies]", "    line: [foot, hrose, allies]")
    return [("battle.yaml", 9, "battles[fight].line[1]", "no unit with id 'hrose' (did you mean 'horse'?)")]


@case
def battle_enemy_unit_in_roman_line(s):
    s.replace("battle.yaml", "    line: [foot, horse, allies]", "    line: [foot, horse, enemy_left]")
    return [("battle.yaml", 9, "battles[fight].line[2]",
             "unit 'enemy_left' is on the enemy side; 'line' needs Roman units")]


@case
def battle_roman_unit_in_enemy_line(s):
    s.replace("battle.yaml", "    enemy_line: [enemy_left, enemy_centre, enemy_right]",
              "    enemy_line: [enemy_left, spare, enemy_right]")
    return [("battle.yaml", 10, "battles[fight].enemy_line[1]",
             "unit 'spare' is on the Roman side; 'enemy_line' needs enemy units")]


@case
def battle_unit_twice_in_line(s):
    s.replace("battle.yaml", "    line: [foot, horse, allies]", "    line: [foot, horse, foot]")
    return [("battle.yaml", 2, "battles[fight]", "a unit stands twice in 'line'")]


@case
def battle_station_out_of_range(s):
    s.replace("battle.yaml", "            label: The allies\n", "            label: The allies\n            station: 7\n")
    return [("battle.yaml", 26, "battles[fight].deployment[flank].options[allies_right].station",
             "station 7 is not a line position (1..3)")]


@case
def battle_detach_without_reserve(s):
    s.replace("battle.yaml", "            reserve: spare\n", "")
    return [("battle.yaml", 39, "battles[fight].deployment[reserve].options[keep_some].detach",
             "'detach' forms a reserve: name the reserve unit in 'reserve'")]


@case
def battle_detach_bad_percent(s):
    s.replace("battle.yaml", "            detach: {horse: 50}", "            detach: {horse: 150}")
    return [("battle.yaml", 40, "battles[fight].deployment[reserve].options[keep_some].detach.horse",
             "150 is not a percentage from 1 to 100")]


@case
def battle_deployment_line_wrong_length(s):
    s.replace("battle.yaml", "            line: [foot, allies, horse]", "            line: [foot, allies]")
    return [("battle.yaml", 29, "battles[fight].deployment[flank].options[horse_right].line",
             "the line has 2 units but the battle has 3 positions")]


@case
def battle_deployment_enemy_in_line(s):
    s.replace("battle.yaml", "            line: [foot, allies, horse]", "            line: [foot, allies, enemy_left]")
    return [("battle.yaml", 29, "battles[fight].deployment[flank].options[horse_right].line[2]",
             "unit 'enemy_left' is an enemy unit")]


@case
def battle_unknown_reserve(s):
    s.replace("battle.yaml", "            reserve: spare\n", "            reserve: spar\n")
    return [("battle.yaml", 39, "battles[fight].deployment[reserve].options[keep_some].reserve",
             "no unit with id 'spar' (did you mean 'spare'?)")]


@case
def battle_unknown_action(s):
    s.replace("battle.yaml", "            action: take_boat", "            action: swim")
    return [("battle.yaml", s.line_of("battle.yaml", "action: swim"),
             "battles[fight].phases[end].orders[boat].action", "'swim' is not allowed here; expected 'hold'")]


@case
def battle_result_not_a_flag(s):
    s.replace("battle.yaml", "      victory: won", "      victory: supply")
    return [("battle.yaml", 105, "battles[fight].results.victory", "no flag with id 'supply'")]


@case
def battle_setup_unknown_phase(s):
    s.replace("battle.yaml", "        phase: arrows", "        phase: arows")
    return [("battle.yaml", 18, "battles[fight].setup[1].phase", "no phase with id 'arows' (did you mean 'arrows'?)")]


@case
def battle_unknown_commander(s):
    s.replace("battle.yaml", "    enemy_commander: rival", "    enemy_commander: rivel")
    return [("battle.yaml", 7, "battles[fight].enemy_commander", "no character with id 'rivel' (did you mean 'rival'?)")]


@pytest.mark.parametrize("mistake", CASES)
def test_broken_scenario(mistake, scenario_copy, run_cli):
    expected = [(scenario_copy.shown(f) if f != "scen" else "scen", line, field, msg)
                for f, line, field, msg in mistake(scenario_copy)]
    problems = problems_of("scen")
    assert_problems(problems, expected)
    # the command line says the same, one `file:line:` line per problem, and exits 1
    result = run_cli("check", "scen")
    assert result.code == 1
    assert result.out_lines == [str(p) for p in problems]
    assert "Traceback" not in result.err + result.out
    assert not (scenario_copy.root / "PWNED").exists()


def test_at_least_thirty_kinds_of_mistake():
    assert len(CASES) >= 30


# -- every problem at once ---------------------------------------------------------------------


def test_three_mistakes_in_one_file_give_three_lines(scenario_copy, run_cli):
    s = scenario_copy
    s.replace("scenes.yaml", MARCH_EXTRA, "")  # march: date missing
    s.replace("scenes.yaml", "      - id: rush", "      - id: Rush")  # a bad id
    s.replace("scenes.yaml", "        historical: true", "        historical: maybe")  # a wrong type
    problems = problems_of("scen")
    assert_problems(problems, [
        ("scen/scenes.yaml", 17, "scenes[camp].choices[scout].historical", "'maybe' should be true or false"),
        ("scen/scenes.yaml", 22, "scenes[camp].choices[Rush].id", "'Rush' is not a valid id"),
        ("scen/scenes.yaml", 31, "scenes[march].date", "required field is missing"),
    ])
    result = run_cli("check", "scen")
    assert result.code == 1
    assert [line.split(": ")[0] for line in result.out_lines] == [
        "scen/scenes.yaml:17", "scen/scenes.yaml:22", "scen/scenes.yaml:31"]


def test_three_reference_and_expression_mistakes_give_three_lines(scenario_copy):
    s = scenario_copy
    s.replace("scenes.yaml", "      - who: captain", "      - who: nobody")
    s.replace("scenes.yaml", "        if: supply >= 5", "        if: supply ** 5")
    s.replace("scenes.yaml", "    date: Day two\n    place: ford", "    date: Day two\n    place: nowhere")
    problems = problems_of("scen")
    assert [(p.line, p.field) for p in problems] == [
        (9, "scenes[camp].counsel[0].who"), (28, "scenes[camp].choices[feast].if"), (34, "scenes[march].place")]


def test_mistakes_in_several_files_are_all_reported(scenario_copy):
    s = scenario_copy
    s.replace("scenario.yaml", "    men: 30", "    men: lots")
    s.replace("battle.yaml", "    terrain_left: river", "    terrain_left: swamp")
    s.write("empty.yaml", "")
    s.write("list.yaml", "- 1\n")
    problems = problems_of("scen")
    assert [(p.file, p.line) for p in problems] == [
        ("scen/battle.yaml", 4), ("scen/empty.yaml", 1), ("scen/list.yaml", 1), ("scen/scenario.yaml", 84)]


def test_many_mistakes_are_all_reported(scenario_copy):
    flags = "".join(f"  - id: Flag{i}\n" for i in range(40))
    scenario_copy.write("flags.yaml", "flags:\n" + flags)
    problems = problems_of("scen")
    assert [p.line for p in problems] == sorted(range(2, 42))
    assert {p.message.split(" is not")[0] for p in problems} == {f"'Flag{i}'" for i in range(40)}


# -- known bugs --------------------------------------------------------------------------------


@pytest.mark.parametrize("file, old, new, field", [
    ("extra.yaml", None, "flags:\n  - id: extra\nscenez:\n  - id: x\n", "scenez"),
    ("scenes.yaml", "    variants:\n      - if: scouted", "    varients:\n      - if: scouted", "scenes[march].varients"),
    ("zz.yaml", None, "flags: []\nscenario:\n  id: again\n  title: Again\n  version: '2'\n  start: camp\n",
     "scenario"),
], ids=["section", "field", "scenario_twice"])
def test_unknown_key_with_block_value_points_at_the_key(scenario_copy, file, old, new, field):
    if old is None:
        scenario_copy.write(file, new)
        line = scenario_copy.line_of(file, field + ":")
    else:
        scenario_copy.replace(file, old, new)
        line = scenario_copy.line_of(file, "varients:")
    problems = problems_of("scen")
    assert [(p.file, p.line, p.field) for p in problems] == [(f"scen/{file}", line, field)]


@pytest.mark.parametrize("broken", [
    '  title: The Ford\n  title: Again',  # duplicate key
    "\ttitle: The Ford",  # a tab
    "  title: &t The Ford\n  subtitle: *t",  # an alias
])
def test_yaml_problem_in_the_scenario_file_is_reported_once(scenario_copy, broken):
    first = '  title: The Ford' if not broken.startswith("\t") else "  title: The Ford"
    scenario_copy.replace("scenario.yaml", first, broken)
    problems = problems_of("scen")
    assert len(problems) == 1, "\n".join(map(str, problems))
    assert problems[0].file == "scen/scenario.yaml"


@pytest.mark.parametrize("mistake, field, fragment", [
    (("scenes.yaml", "          - if: scouted\n", "          - iff: scouted\n"),
     "scenes[march].choices[go_home].next[0].iff", "unknown field 'iff' (did you mean 'if'?)"),
    (("scenes.yaml", "          - to: storm_ending", "          - too: storm_ending"),
     "scenes[march].choices[go_home].next[1].too", "unknown field 'too' (did you mean 'to'?)"),
    (("scenes.yaml", "        text: The scouts ride out.\n        next: march", "        text: The scouts ride out.\n        next: 5"),
     "scenes[camp].choices[scout].next", "5"),
    (("battle.yaml", "            label: The allies\n", "            label: The allies\n            station: hill\n"),
     "battles[fight].deployment[flank].options[allies_right].station", "hill"),
], ids=["route_iff", "route_too", "next_number", "station_word"])
def test_union_field_mistake_gives_one_clear_line(scenario_copy, mistake, field, fragment):
    scenario_copy.replace(*mistake)
    problems = problems_of("scen")
    assert len(problems) == 1, "\n".join(map(str, problems))
    assert problems[0].field == field
    assert fragment in problems[0].message
    assert "constrained" not in str(problems[0])


def test_yaml_boolean_condition_is_the_expression_true_or_false(scenario_copy):
    scenario_copy.replace("scenes.yaml", "        label: Rush to the ford\n",
                          "        label: Rush to the ford\n        if: true\n")
    cs = load("scen")
    assert cs.nodes[0].choices[1].cond is not None


# -- links out of the folder -----------------------------------------------------------------------

needs_links = pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="needs symlinks")


@needs_links
def test_a_link_to_a_file_outside_the_scenario_is_an_error_naming_the_file(scenario_copy, tmp_path):
    secret = tmp_path / "elsewhere" / "secret.yaml"
    secret.parent.mkdir()
    secret.write_text("flags:\n  - id: stolen\n")
    os.symlink(secret, scenario_copy.file("stolen.yaml"))
    with pytest.raises(ScenarioLoadError) as info:
        load_scenario("scen")
    assert [str(p) for p in info.value.problems] == [
        f"scen/stolen.yaml:1: the file is a link to {secret.resolve()}, outside the scenario's folder; "
        "copy the file into the folder instead"]


@needs_links
def test_a_link_that_climbs_out_through_dot_dot_is_an_error(scenario_copy, tmp_path):
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.yaml").write_text("flags:\n  - id: x\n")
    os.symlink("../other/x.yaml", scenario_copy.file("climb.yaml"))
    with pytest.raises(ScenarioLoadError) as info:
        load_scenario("scen")
    assert [(p.file, p.line) for p in info.value.problems] == [("scen/climb.yaml", 1)]
    assert "outside the scenario's folder" in info.value.problems[0].message


@needs_links
def test_a_mod_file_linked_out_of_the_mod_is_an_error(scenario_copy, tmp_path):
    mod = tmp_path / "mod"
    mod.mkdir()
    os.symlink(scenario_copy.file("scenario.yaml"), mod / "scenario.yaml")  # into the scenario, out of the mod
    with pytest.raises(ScenarioLoadError) as info:
        load_scenario("scen", ["mod"])
    assert [(p.file, p.line) for p in info.value.problems] == [("mod/scenario.yaml", 1)]


@needs_links
def test_links_inside_the_folder_are_read(scenario_copy):
    (scenario_copy.path / "real").mkdir()
    scenario_copy.file("scenes.yaml").rename(scenario_copy.path / "real" / "scenes.txt")
    os.symlink("real/scenes.txt", scenario_copy.file("scenes.yaml"))
    scenario, _ = load_scenario("scen")
    assert scenario.scenes
    # a link to a folder is never followed, wherever it points
    os.symlink("/", scenario_copy.path / "root")
    assert load_scenario("scen")[0].scenes == scenario.scenes


@needs_links
def test_a_scenario_folder_that_is_itself_a_link_is_read(scenario_copy, tmp_path):
    os.symlink(scenario_copy.path, tmp_path / "alias")
    assert load_scenario(tmp_path / "alias")[0].info.id == "mini"


# -- limits, checked before anything is validated --------------------------------------------------


def _scenes(start: int, count: int) -> str:
    return "scenes:\n" + "".join(f"  - id: s{i}\n    title: S\n    text: T\n" for i in range(start, start + count))


def _count_validations(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = loader._validate
    monkeypatch.setattr(loader, "_validate", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_a_hundred_thousand_scenes_are_refused_by_the_limit_before_any_validation(scenario_copy, monkeypatch):
    for n in range(50):
        scenario_copy.write(f"flood/part{n:02}.yaml", _scenes(n * 2_000, 2_000))
    calls = _count_validations(monkeypatch)
    parsed: list[int] = []
    real_parse = loader.parse_yaml
    monkeypatch.setattr(loader, "parse_yaml", lambda raw: parsed.append(1) or real_parse(raw))
    with pytest.raises(ScenarioLoadError) as info:
        load_scenario("scen")
    assert [str(p) for p in info.value.problems] == [
        "scen/flood/part01.yaml:2: scenes: too many scenes (more than 2,000; the limit is 2,000)"]
    assert calls == []  # nothing validated, compiled or checked
    assert len(parsed) == 3  # battle.yaml, part00, part01: the reading stopped at the file that broke it


def test_the_scene_limit_counts_across_files(scenario_copy, monkeypatch):
    scenario_copy.write("a.yaml", _scenes(0, 1_500))
    scenario_copy.write("b.yaml", _scenes(1_500, 600))
    calls = _count_validations(monkeypatch)
    with pytest.raises(ScenarioLoadError) as info:
        load_scenario("scen")
    # a.yaml holds 1,500, so the 501st scene of b.yaml is the 2,001st
    assert [(p.file, p.line, p.field) for p in info.value.problems] == [("scen/b.yaml", 2 + 3 * 500, "scenes")]
    assert "the limit is 2,000" in info.value.problems[0].message and calls == []


def test_limits_of_the_other_sections(scenario_copy):
    scenario_copy.write("many.yaml", "flags:\n" + "".join(f"  - id: f{i}\n" for i in range(1_001)))
    with pytest.raises(ScenarioLoadError) as info:
        load_scenario("scen")
    assert [str(p) for p in info.value.problems] == [
        "scen/many.yaml:1002: flags: too many flags (more than 1,000; the limit is 1,000)"]


def test_too_many_choices_and_outcomes(scenario_copy, monkeypatch):
    choices = "".join(f"      - id: c{i}\n        label: C\n        next: camp\n" for i in range(51))
    outcomes = "".join("          - weight: 1\n            next: camp\n" for _ in range(51))
    scenario_copy.write("wide.yaml", "scenes:\n  - id: wide\n    title: W\n    text: T\n    choices:\n" + choices
                        + "  - id: odds\n    title: O\n    text: T\n    choices:\n      - id: roll\n        label: R\n"
                        "        chance:\n" + outcomes)
    calls = _count_validations(monkeypatch)
    with pytest.raises(ScenarioLoadError) as info:
        load_scenario("scen")
    assert [str(p) for p in info.value.problems] == [
        f"scen/wide.yaml:{6 + 3 * 50}: scenes[wide].choices: too many choices (51; at most 50)",
        f"scen/wide.yaml:{6 + 3 * 51 + 7 + 2 * 50}: scenes[odds].choices[0].chance: too many outcomes (51; at most 50)",
    ]
    assert calls == []


def test_files_too_large_together(scenario_copy, monkeypatch):
    monkeypatch.setattr(files, "MAX_TOTAL_BYTES", 3_000)
    scenario_copy.write("padding.yaml", "# " + "x" * 3_000 + "\nflags: []\n")
    parsed: list[int] = []
    monkeypatch.setattr(loader, "parse_yaml", lambda raw: parsed.append(1))
    with pytest.raises(ScenarioLoadError) as info:
        load_scenario("scen")
    [problem] = info.value.problems
    assert str(problem).startswith("scen: the scenario's files are too large together (")
    assert str(problem).endswith("bytes; the limit is 3,000)") and parsed == []


def test_the_shipped_limits_are_the_documented_ones():
    modding = (ROOT / "MODDING.md").read_text(encoding="utf-8")
    for figure in (f"{files.MAX_FILES:,}", f"{files.MAX_TOTAL_BYTES:,}", f"{loader.MAX_ITEMS['scenes']:,}",
                   f"{loader.MAX_ITEMS['endings']:,}", f"{loader.MAX_OTHER_ITEMS:,}", f"{loader.MAX_CHOICES}",
                   f"{loader.MAX_OUTCOMES}", "1,000,000"):
        assert figure in modding.split("## Limits")[1].split("\n## ")[0], figure


# -- mistakes of the format that used to load silently --------------------------------------------


def test_an_enemy_unit_cannot_be_the_roman_reserve(tmp_path):
    folder = mini_variant(tmp_path, ("battle.yaml", "reserve: spare", "reserve: enemy_left"))
    problems = [str(p) for p in problems_of(folder)]
    assert any("options[keep_some].reserve: unit 'enemy_left' is an enemy unit" in p for p in problems), problems


@pytest.mark.parametrize("ident", ["true", "false", "if", "not"])
def test_a_quality_or_flag_cannot_be_named_with_a_reserved_word(tmp_path, ident):
    folder = mini_variant(
        tmp_path,
        ("scenario.yaml", "flags:\n  - id: scouted\n", f"flags:\n  - id: scouted\n  - id: '{ident}'\n"),
        ("scenario.yaml", "qualities:\n", f"qualities:\n  - id: '{ident}_'\n    label: Q\n"),
    )
    problems = [str(p) for p in problems_of(folder)]
    assert any(f"flags[{ident}].id: '{ident}' is a reserved word in expressions" in p for p in problems), problems
    assert not any(f"qualities[{ident}_]" in p for p in problems)  # only the word itself is reserved


@pytest.mark.parametrize("ident", ["true", "yield"])
def test_a_quality_cannot_be_named_with_a_reserved_word(tmp_path, ident):
    folder = mini_variant(tmp_path, ("scenario.yaml", "qualities:\n", f"qualities:\n  - id: '{ident}'\n    label: Q\n"))
    problems = [str(p) for p in problems_of(folder)]
    assert any(f"qualities[{ident}].id: '{ident}' is a reserved word in expressions" in p for p in problems), problems


def test_a_unit_cannot_be_named_with_a_python_keyword(tmp_path):
    extra = "  - id: spare\n    name: x\n    kind: cavalry\n    men: 0\n  - id: class\n"
    folder = mini_variant(tmp_path, ("scenario.yaml", "  - id: spare\n", extra))
    problems = [str(p) for p in problems_of(folder)]
    assert any("units[class].id: 'class' is a reserved word in expressions" in p for p in problems), problems


def test_duplicate_order_option_and_phase_ids_in_a_battle_are_reported(tmp_path):
    folder = mini_variant(
        tmp_path,
        ("battle.yaml", "          - id: press\n            label: Press\n", "          - id: hold\n            label: Press\n"),
        ("battle.yaml", "          - id: horse_right\n", "          - id: allies_right\n"),
        ("battle.yaml", "      - id: blow\n", "      - id: arrows\n"),
    )
    problems = [str(p) for p in problems_of(folder)]
    assert any("phases[arrows].orders[hold].id: duplicate order id 'hold' in this phase" in p for p in problems)
    assert any("deployment[flank].options[allies_right].id: duplicate option id 'allies_right'" in p
               for p in problems)
    assert any("phases[arrows].id: duplicate phase id 'arrows' in this battle" in p for p in problems)


def test_the_shipped_scenarios_still_load():
    for folder in (DEFAULT_SCENARIO, DEFAULT_SCENARIO.parent / "dara"):
        load(folder)


# -- hostile scenario folders ----------------------------------------------------------------------
# YAML alias bombs (billion laughs), deep nesting (flow and block), files just over (and exactly at) the
# size limit, a huge sparse file, binary files, a NUL byte, text that is not UTF-8, control characters,
# symlink loops, FIFOs and devices, 500 and 600 files, expressions of 500 characters, a huge
# hexadecimal number. The API raises only ScenarioLoadError (every problem with file:line); `python -m
# game check DIR` exits non-zero with one line per problem, `file:line:` where there is a line, and
# never a traceback. Each case is a copy of the mini scenario with one thing done to it.


COMMENTS = "# a comment\n# another\n# a third\n"  # so that the interesting line is line 4


def _replace_line(folder: Path, file: str, line_no: int, new: bytes) -> None:
    lines = (folder / file).read_bytes().split(b"\n")
    lines[line_no - 1] = new
    (folder / file).write_bytes(b"\n".join(lines))


def _expression(length: int) -> str:
    """A valid condition of exactly `length` characters."""
    expr = "supply >= 5"
    while len(expr) + len(" and courage >= 0") <= length:
        expr += " and courage >= 0"
    return expr.replace(">=", ">=" + " " * (length - len(expr)), 1)


FEAST_IF_LINE = 28  # `if: supply >= 5` in mini's scenes.yaml


HOSTILE_EXPRESSIONS = {
    "parens_200": "(" * 200 + "supply" + ")" * 200 + " >= 5",
    "not_120": "not " * 120 + "scouted",
    "minus_490": "supply >= " + "-" * 489 + "1",
    "plus_chain": "supply" + " + 1" * 120 + " >= 5",
    "dunder": "supply.__class__.__bases__[0].__subclasses__() >= 5",
    "lambda": "(lambda: 1)() >= 5",
    "walrus": "(x := 5) >= supply",
    "huge_number": "supply >= " + "9" * 480,
    "power": "supply ** 99999999 >= 5",
}


def _links_and_devices(case) -> None:
    """Symlink loops, a dangling link, a FIFO and links to devices, each set in a case of its own."""
    loops = case("symlink_loops")
    (loops / "loop").symlink_to(".")
    (loops / "up").symlink_to("..")
    (loops / "a.yaml").symlink_to("b.yaml")
    (loops / "b.yaml").symlink_to("a.yaml")
    (loops / "dangling.yaml").symlink_to("no_such_file.yaml")
    (loops / "sub").mkdir()
    (loops / "sub" / "back").symlink_to(loops)
    special = case("special_files")
    os.mkfifo(special / "fifo.yaml")
    (special / "zero.yaml").symlink_to("/dev/zero")
    (special / "random.yaml").symlink_to("/dev/urandom")


def build_scenario_cases(root: Path) -> dict[str, Path]:
    """Build every scenario folder; returns name -> folder."""
    cases: dict[str, Path] = {}

    def case(name: str) -> Path:
        folder = ScenarioCopy(root, name).path
        cases[name] = folder
        return folder

    (case("alias_bomb") / "bomb.yaml").write_text(BILLION_LAUGHS)
    (case("flow_nesting") / "deep.yaml").write_text(COMMENTS + "flags: " + "[" * 5000 + "]" * 5000 + "\n")
    (case("flow_nesting_maps") / "deep.yaml").write_text(COMMENTS + "flags: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n")
    (case("block_nesting") / "deep.yaml").write_text(COMMENTS + "- " * 10_000 + "x\n")
    (case("block_key_nesting") / "deep.yaml").write_text(COMMENTS + "? " * 10_000 + "x\n")
    (case("indent_nesting") / "deep.yaml").write_text(
        "".join("  " * i + "a:\n" for i in range(1300)) + "  " * 1300 + "1\n")

    def padded(name: str, size: int) -> None:
        folder = case(name)
        text = (folder / "scenes.yaml").read_bytes()
        pad = size - len(text) - 2
        (folder / "scenes.yaml").write_bytes(text + b"#" + b"x" * pad + b"\n")
        assert (folder / "scenes.yaml").stat().st_size == size

    padded("too_large", MAX_FILE_BYTES + 1)
    padded("at_the_limit", MAX_FILE_BYTES)
    (case("binary") / "data.yaml").write_bytes(bytes(range(256)) * 8)
    _replace_line(case("nul_byte"), "scenes.yaml", 12, b"      text: Nothing\x00 happened here.")
    _replace_line(case("latin1"), "scenes.yaml", 7, "      The enemy is at the ford. Caf\xe9.".encode("latin-1"))
    _replace_line(case("control_char"), "scenes.yaml", 10, b"        says: Scout \x1b[31mfirst\x1b[0m.")
    utf16 = case("utf16")
    (utf16 / "scenario.yaml").write_bytes((utf16 / "scenario.yaml").read_text().encode("utf-16"))

    many = case("files_600")
    for i in range(597):
        (many / f"extra_{i:03}.yaml").write_text(f"flags:\n  - id: extra_{i}\n")
    enough = case("files_500")
    for i in range(497):
        (enough / f"extra_{i:03}.yaml").write_text(f"flags:\n  - id: extra_{i}\n")

    _replace_line(case("expression_500"), "scenes.yaml", FEAST_IF_LINE, f"        if: {_expression(500)}".encode())
    _replace_line(case("expression_501"), "scenes.yaml", FEAST_IF_LINE, f"        if: {_expression(501)}".encode())
    for name, expr in HOSTILE_EXPRESSIONS.items():
        _replace_line(case(f"expr_{name}"), "scenes.yaml", FEAST_IF_LINE, f"        if: '{expr}'".encode())

    hexed = case("hex_number")
    _replace_line(hexed, "scenes.yaml", 3, b"    title: 0x" + b"f" * 4000)

    if POSIX:
        _links_and_devices(case)
    cases["a_file_not_a_folder"] = MINI / "scenes.yaml"
    cases["no_such_folder"] = root / "does_not_exist"
    return cases


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, dict[str, Path]]:
    """Every hostile scenario folder, built once: (their root, name -> folder)."""
    root = tmp_path_factory.mktemp("adversarial")
    return root, build_scenario_cases(root)


# Known crashes stay out of the one `check` subprocess that checks every other folder at once.
NOT_IN_BATCH = {"hex_number"}


@pytest.fixture(scope="module")
def checks(hostile) -> dict[str, Result]:
    """`check` on every hostile folder, by case.

    Each runs `main()` in this process (for its own exit status and output), and also for real: one
    `python -m game check DIR DIR ...` subprocess over every folder, whose output must be the same lines.
    """
    root, scenarios = hostile
    results: dict[str, Result] = {}
    folders = {name: os.path.relpath(folder, root) for name, folder in scenarios.items()}
    with ThreadPoolExecutor(max_workers=2) as pool:
        batch = pool.submit(game_process, ["check", *[f for n, f in folders.items() if n not in NOT_IN_BATCH]], root)
        # a FIFO or /dev/zero read by mistake would block for ever: that case runs only in a child
        special = None
        if "special_files" in folders:
            special = pool.submit(game_process, ["check", folders["special_files"]], root, 30)
        for name, folder in folders.items():
            if name != "special_files":
                results[f"check:{name}"] = run_main_in(["check", folder], root)
        results["batch"] = batch.result(timeout=120)
        if special is not None:
            results["check:special_files"] = special.result(timeout=60)
    return results


def test_the_command_line_for_real(checks):
    """The `check` subprocess: no traceback, no crash, and exactly the lines `main()` printed case by case."""
    batch = checks["batch"]
    assert batch.code == 1 and batch.err == "", batch.err[-3000:]
    expected = [line for key, result in checks.items() if key.startswith("check:") and key[6:] not in NOT_IN_BATCH
                for line in result.out.splitlines()]
    assert sorted(batch.out.splitlines()) == sorted(expected)


def assert_check_lines(result: Result, shown: str, line: int | None, fragment: str) -> None:
    """`check`'s output: every line is `file:line: ...`, one names this file (and line), with the fragment."""
    assert_clean_failure(result)
    lines = result.out.splitlines()
    assert lines, result
    for text in lines:
        assert re.match(r"^[^\n:]+(:\d+)?: ", text), f"not a file:line: (or folder:) line: {text!r}"
    where = f"{shown}:{line}:" if line else f"{shown}:"
    hits = [text for text in lines if text.startswith(where) and fragment in text]
    assert hits, f"no line starting {where!r} with {fragment!r} in:\n{result.out}"
    assert all(len(text) < 1000 for text in lines), "a line too long to read"


def the_problem(folder: Path, file: str, fragment: str) -> Problem:
    """The problem about `file` (relative to the folder) whose message has `fragment`; every problem
    has a message, a line (or names the folder) and a file that exists."""
    problems = problems_of(folder)
    for p in problems:
        assert p.message.strip()
        assert p.line >= 1 or p.line == 0 and ("folder" in p.message or "files" in p.message)
        assert Path(p.file).exists() or p.message == "no such scenario folder"
    target = (folder / file).resolve() if file else folder.resolve()
    hits = [p for p in problems if Path(p.file).resolve() == target and fragment in p.message]
    assert hits, [str(p) for p in problems]
    return hits[0]


#            case                file           line  fragment
REFUSED = [
    ("alias_bomb",         "bomb.yaml",    None, "anchors and aliases"),
    ("flow_nesting",       "deep.yaml",    4,    "nested too deeply"),
    ("flow_nesting_maps",  "deep.yaml",    4,    "nested too deeply"),
    ("block_nesting",      "deep.yaml",    4,    "nested too deeply"),
    ("block_key_nesting",  "deep.yaml",    4,    "nested too deeply"),
    ("indent_nesting",     "deep.yaml",    None, "nested too deeply"),
    ("too_large",          "scenes.yaml",  1,    "too large"),
    ("binary",             "data.yaml",    1,    "binary"),
    ("nul_byte",           "scenes.yaml",  None, "binary"),
    ("latin1",             "scenes.yaml",  7,    "not UTF-8"),
    ("utf16",              "scenario.yaml", 1,   ""),
    ("files_600",          "",             0,    "too many files (600; at most 500)"),
    ("expression_501",     "scenes.yaml",  FEAST_IF_LINE, "500"),
    ("a_file_not_a_folder", "",            0,    "no such scenario folder"),
    ("no_such_folder",     "",             0,    "no such scenario folder"),
]


@pytest.mark.parametrize("name, file, line, fragment", REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_scenario(hostile, checks, name, file, line, fragment):
    root, scenarios = hostile
    folder = scenarios[name]
    problem = the_problem(folder, file, fragment)
    if line is not None:
        assert problem.line == line, str(problem)
    elif file:
        assert 1 <= problem.line <= len((folder / file).read_bytes().splitlines()) + 1, str(problem)
    shown = os.path.relpath(folder / file if file else folder, root)
    assert_check_lines(checks[f"check:{name}"], shown, problem.line, fragment)
    assert checks[f"check:{name}"].code == 1


@pytest.mark.parametrize("name", ["at_the_limit", "files_500", "expression_500"])
def test_accepted_at_the_limits(hostile, checks, name):
    folder = hostile[1][name]
    cs = load(folder)
    p = Playthrough.new(cs, 1)
    assert {o.id for o in p.options()} >= {"scout", "rush"}
    result = checks[f"check:{name}"]
    assert result.code == 0 and "Traceback" not in result.text, result
    assert result.out.splitlines()[-1].startswith("ok: ")


def test_an_expression_of_500_characters_is_evaluated(hostile):
    cs = load(hostile[1]["expression_500"])
    p = Playthrough.new(cs, 1)
    feast = next(o for o in p.options() if o.id == "feast")
    assert not feast.available  # supply 3 < 5
    assert len(cs.scenario.scenes[0].choices[2].if_) == 500


@pytest.mark.parametrize("name", sorted(HOSTILE_EXPRESSIONS))
def test_hostile_expressions(hostile, checks, name):
    """Each is refused with the file and line of the `if:`, or (if harmless) accepted and evaluated."""
    folder = hostile[1][f"expr_{name}"]
    result = checks[f"check:expr_{name}"]
    assert "Traceback" not in result.text and "internal error" not in result.err, result
    try:
        cs = load(folder)
    except ScenarioLoadError as exc:
        lines = {(Path(p.file).resolve(), p.line) for p in exc.problems}
        assert ((folder / "scenes.yaml").resolve(), FEAST_IF_LINE) in lines, [str(p) for p in exc.problems]
        assert_check_lines(result, f"expr_{name}/scenes.yaml", FEAST_IF_LINE, "")
    else:
        Playthrough.new(cs, 1).options()
        assert result.code == 0, result


@needs_posix
@pytest.mark.parametrize("name", ["symlink_loops", "special_files"])
def test_links_loops_fifos_and_devices_never_hang(hostile, checks, name):
    """Symlink loops, a FIFO and links to /dev/zero and /dev/urandom in a scenario folder: the check
    ends at once (no read that never ends), and either ignores them or names them."""
    result = checks[f"check:{name}"]
    # a read that never ends would have stopped the subprocess at its timeout (`game_process`, 30 s)
    assert "Traceback" not in result.text and "internal error" not in result.err, result
    assert result.code in (0, 1)
    if result.code == 1:
        for text in result.out.splitlines():
            assert re.match(r"^[^\n:]+:\d+: ", text), text
    if name == "symlink_loops":  # safe to try in this process: nothing there can block a read
        try:
            load(hostile[1][name])
        except ScenarioLoadError as exc:
            for p in exc.problems:
                assert p.line >= 1 and Path(p.file).name in ("a.yaml", "b.yaml", "dangling.yaml"), str(p)


def test_control_character_is_refused(hostile, checks):
    """(Its line and its two-line message are a known bug: see the xfail below.)"""
    the_problem(hostile[1]["control_char"], "scenes.yaml", "control characters are not allowed")
    result = checks["check:control_char"]
    assert_clean_failure(result)
    assert result.out.startswith("control_char/scenes.yaml:") and result.code == 1


def test_control_character_is_reported_at_its_line_in_one_line(hostile, checks):
    folder = hostile[1]["control_char"]
    problem = the_problem(folder, "scenes.yaml", "control characters are not allowed")
    assert "\n" not in problem.message and "<unicode string>" not in problem.message
    assert problem.line == 10
    result = checks["check:control_char"]
    assert len(result.out.splitlines()) == 1


def test_nul_byte_is_reported_at_its_line(hostile):
    problem = the_problem(hostile[1]["nul_byte"], "scenes.yaml", "")
    assert problem.line == 12


def test_expression_of_501_characters_says_characters(hostile):
    problem = the_problem(hostile[1]["expression_501"], "scenes.yaml", "500")
    assert "items" not in problem.message and "characters" in problem.message


def test_huge_hexadecimal_number_is_a_problem_not_a_crash(hostile, checks):
    folder = hostile[1]["hex_number"]
    problem = the_problem(folder, "scenes.yaml", "")
    assert problem.line == 3
    assert_check_lines(checks["check:hex_number"], "hex_number/scenes.yaml", 3, "")


def _check_in_subprocess(folder: Path, timeout: float = 60) -> tuple[Result, Result]:
    """`load(folder)` in a child (a crash there must not take pytest down), and `python -m game check`."""
    code = textwrap.dedent(f"""
        from game.scenario.compiled import load
        from game.scenario.errors import ScenarioLoadError
        try:
            load({str(folder)!r})
        except ScenarioLoadError as exc:
            print("ScenarioLoadError", exc.problems[0].line, exc.problems[0].message)
        else:
            print("loaded")
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, env=env,
                          timeout=timeout,
                          cwd=folder.parent)
    api = Result(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)
    return api, game_process(["check", folder.name], folder.parent, timeout)


@pytest.mark.parametrize("indicator", ["- ", "? "])
def test_very_deep_block_nesting_is_refused_not_a_crash(tmp_path, indicator):
    folder = ScenarioCopy(tmp_path, "scen").path
    (folder / "deep.yaml").write_text(COMMENTS + indicator * 100_000 + "x\n")
    api, result = _check_in_subprocess(folder)
    assert api.code == 0 and api.out.startswith("ScenarioLoadError 4 "), api
    assert_check_lines(result, "scen/deep.yaml", 4, "nested too deeply")


@needs_posix
def test_a_huge_sparse_file_is_refused_without_reading_it(tmp_path):
    folder = ScenarioCopy(tmp_path, "scen").path
    with open(folder / "huge.yaml", "wb") as f:
        f.truncate(128 * 2**20)
    # VmHWM is this process's own peak (ru_maxrss may carry the forking parent's peak across exec)
    code = ("import re, sys\nfrom game.cli import main\ncode = main(['check', 'scen'])\n"
            "status = open('/proc/self/status').read()\n"
            "print('peak', re.search(r'VmHWM:\\s+(\\d+)', status).group(1), file=sys.stderr)\n"
            "sys.exit(code)\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    env.pop("CALLINICUM_DEBUG", None)
    proc = subprocess.run([sys.executable, "-c", code], check=False, cwd=tmp_path, env=env, capture_output=True,
                          text=True,
                          timeout=60)
    assert proc.returncode == 1 and "scen/huge.yaml:1: file is too large" in proc.stdout, proc
    assert "Traceback" not in proc.stderr
    peak_mb = int(proc.stderr.split("peak ")[-1]) / 1024  # in kilobytes
    assert peak_mb < 100, f"peak memory {peak_mb:.0f} MB to refuse a file by its size"
