"""The checker: what validation cannot see (reachability, loops, dead conditions, unused values...)."""

from __future__ import annotations

import pytest

from game.scenario.checker import check_scenario
from game.scenario.compiled import load
from game.scenario.errors import Problem, ScenarioLoadError

from conftest import ROOT

# What the checker says of the unchanged mini scenario: advice only.
MINI_FINDINGS = [
    ("battle.yaml", 105, "battles[fight].results",
     "a withdrawal that keeps its order sets none of the outcomes these results receive (victory, held, defeat, "
     "routed): give 'withdrew' a flag of its own, and 'after' a road for it"),
    ("scenario.yaml", 30, "flags[lost]", "flag 'lost' is set but never read"),
    ("scenario.yaml", 31, "flags[routed]", "flag 'routed' is set but never read"),
    ("scenario.yaml", 32, "flags[stood]", "flag 'stood' is set but never read"),
    ("scenes.yaml", 31, "scenes[march]", "the scene has no history note"),
    ("scenes.yaml", 56, "scenes[battle]", "the scene has no history note"),
]

NEW_SCENE = """  - id: {id}
    title: {title}
    date: Day two
    place: camp
    text: Somewhere else.
    history:
      text: Nothing.
    choices:
      - id: go
        label: Go
        next: {next}
"""


def findings(folder="scen") -> list[Problem]:
    return check_scenario(load(folder))


def new_findings(problems: list[Problem]) -> list[Problem]:
    """The findings beyond the mini scenario's own warnings (compared without their lines)."""
    base = {(field, message) for _, _, field, message in MINI_FINDINGS}
    return [p for p in problems if (p.field, p.message) not in base]


def expect(problems, expected):
    """expected: (file, line, field, message fragment, severity), in the checker's sorted order."""
    shown = "\n".join(map(str, problems))
    assert len(problems) == len(expected), shown
    for p, (file, line, field, fragment, severity) in zip(problems, expected):
        assert (p.file, p.line, p.field, p.severity) == (f"scen/{file}", line, field, severity), shown
        assert fragment in p.message, shown


def add_scene(s, ident, title="Elsewhere", nxt="wise_ending"):
    s.replace("scenes.yaml", "  - id: battle\n", NEW_SCENE.format(id=ident, title=title, next=nxt) + "  - id: battle\n")


def test_mini_has_only_warnings(scenario_copy):
    problems = findings()
    assert [(p.file, p.line, p.field, p.message) for p in problems] == [
        (f"scen/{f}", line, field, message) for f, line, field, message in MINI_FINDINGS]
    assert all(p.severity == "warning" for p in problems)


def test_findings_are_sorted_and_unique(scenario_copy):
    problems = findings()
    assert problems == sorted(set(problems))


# -- errors ----------------------------------------------------------------------------------------


def test_unreachable_scene(scenario_copy):
    add_scene(scenario_copy, "lonely")
    line = scenario_copy.line_of("scenes.yaml", "- id: lonely")
    expect(new_findings(findings()), [
        ("scenes.yaml", line, "scenes[lonely]",
         "no path reaches this scene from the start (point a choice's 'next' here, or remove it)", "error"),
    ])


def test_unreachable_ending(scenario_copy):
    scenario_copy.replace("battle.yaml", "      - to: loss_ending", "      - to: win_ending")
    expect(new_findings(findings()), [
        ("scenes.yaml", 80, "endings[loss_ending]",
         "this ending cannot be reached: no choice leads to it (add a 'next' that points here)", "error"),
    ])


def test_scene_with_no_way_to_an_ending(scenario_copy):
    s = scenario_copy
    add_scene(s, "circle", nxt="circle")
    s.replace("scenes.yaml", "        effects: [courage += 2]\n        next: march",
              "        effects: [courage += 2]\n        next: circle")
    line = s.line_of("scenes.yaml", "- id: circle")
    expect(new_findings(findings()), [
        ("scenes.yaml", line, "scenes[circle]",
         "no ending can be reached from this scene: the story loops here forever", "error"),
    ])


def test_two_scenes_looping_into_each_other(scenario_copy):
    s = scenario_copy
    add_scene(s, "ping", nxt="pong")
    add_scene(s, "pong", nxt="ping")
    s.replace("scenes.yaml", "        effects: [courage += 2]\n        next: march",
              "        effects: [courage += 2]\n        next: ping")
    ping, pong = s.line_of("scenes.yaml", "- id: ping"), s.line_of("scenes.yaml", "- id: pong")
    expect(new_findings(findings()), [
        ("scenes.yaml", ping, "scenes[ping]", "the story loops here forever", "error"),
        ("scenes.yaml", pong, "scenes[pong]", "the story loops here forever", "error"),
    ])


def test_always_false_condition(scenario_copy):
    scenario_copy.replace("scenes.yaml", "        if: supply >= 5", "        if: 1 > 2")
    expect(new_findings(findings()), [
        ("scenes.yaml", 28, "scenes[camp].choices[feast].if",
         "this condition is always false: the choice can never be taken", "error"),
    ])


def test_no_choice_can_ever_be_taken(scenario_copy):
    s = scenario_copy
    s.replace("scenes.yaml", "        label: Gamble on the weather\n",
              "        label: Gamble on the weather\n        if: false == true\n        unavailable: Never.\n")
    s.replace("scenes.yaml", "        label: Go home\n",
              "        label: Go home\n        if: 0 > 1\n        unavailable: Never.\n")
    expect(new_findings(findings()), [
        ("scenes.yaml", 40, "scenes[march].choices", "no choice here can ever be taken", "error"),
        ("scenes.yaml", 42, "scenes[march].choices[gamble].if", "this condition is always false", "error"),
        ("scenes.yaml", 54, "scenes[march].choices[go_home].if", "this condition is always false", "error"),
    ])


def test_chance_with_all_weights_zero(scenario_copy):
    s = scenario_copy
    s.replace("scenes.yaml", "          - weight: courage + 1", "          - weight: 0")
    s.replace("scenes.yaml", "          - weight: 1\n", "          - weight: 2 - 2\n")
    expect(new_findings(findings()), [
        ("scenes.yaml", 43, "scenes[march].choices[gamble].chance",
         "every weight is zero or less, so no outcome has a chance", "error"),
    ])


def test_battle_with_a_river_on_both_flanks(scenario_copy):
    scenario_copy.replace("battle.yaml", "    terrain_right: rise", "    terrain_right: river")
    expect(new_findings(findings()), [
        ("battle.yaml", 4, "battles[fight].terrain_left",
         "a river on both flanks leaves nowhere to attack from: the line does not fit its terrain", "error"),
    ])


def test_battle_discipline_is_not_a_quality(scenario_copy):
    scenario_copy.replace("battle.yaml", "    discipline: courage", "    discipline: scouted")
    expect(new_findings(findings()), [
        ("battle.yaml", 8, "battles[fight].discipline", "no quality with id 'scouted'", "error"),
    ])


# -- warnings --------------------------------------------------------------------------------------


def test_flag_set_but_never_read(scenario_copy):
    s = scenario_copy
    s.replace("scenario.yaml", "  - id: stood\n", "  - id: stood\n  - id: drilled\n")
    s.replace("scenes.yaml", "        effects: [courage += 2]", "        effects: [courage += 2, drilled = true]")
    expect(new_findings(findings()), [
        ("scenario.yaml", 33, "flags[drilled]", "flag 'drilled' is set but never read", "warning"),
    ])


def test_flag_never_set(scenario_copy):
    s = scenario_copy
    s.replace("scenario.yaml", "  - id: stood\n", "  - id: stood\n  - id: omen\n    start: true\n")
    s.replace("scenes.yaml", "      - if: scouted\n        text", "      - if: omen and scouted\n        text")
    expect(new_findings(findings()), [
        ("scenario.yaml", 33, "flags[omen]", "flag 'omen' is never set: it is always true", "warning"),
    ])


def test_quality_changed_but_never_read(scenario_copy):
    s = scenario_copy
    s.replace("scenario.yaml", "qualities:\n", "qualities:\n  - id: glory\n    label: Glory\n")
    s.replace("scenes.yaml", "        effects: [courage += 2]", "        effects: [courage += 2, glory += 1]")
    expect(new_findings(findings()), [
        ("scenario.yaml", 9, "qualities[glory]",
         "'glory' is changed but never read by any condition, weight or text variant", "warning"),
    ])


def test_quality_read_but_never_changed(scenario_copy):
    s = scenario_copy
    s.replace("scenario.yaml", "qualities:\n", "qualities:\n  - id: piety\n    label: Piety\n    start: 4\n")
    s.replace("scenes.yaml", "      - if: scouted\n        text", "      - if: scouted and piety > 2\n        text")
    expect(new_findings(findings()), [
        ("scenario.yaml", 9, "qualities[piety]", "'piety' is read but never changed: it is always 4", "warning"),
    ])


def test_hidden_quality_never_used(scenario_copy):
    scenario_copy.replace("scenario.yaml", "qualities:\n", "qualities:\n  - id: secret\n    label: S\n    shown: false\n")
    expect(new_findings(findings()), [
        ("scenario.yaml", 9, "qualities[secret]", "'secret' is never used", "warning"),
    ])


def test_negative_weight(scenario_copy):
    scenario_copy.replace("scenes.yaml", "          - weight: 1\n", "          - weight: -1\n")
    expect(new_findings(findings()), [
        ("scenes.yaml", 46, "scenes[march].choices[gamble].chance[1].weight",
         "a negative weight counts as 0: this outcome can never happen", "warning"),
    ])


def test_condition_without_reason(scenario_copy):
    scenario_copy.replace("scenes.yaml", "        unavailable: There is not enough food.\n", "")
    expect(new_findings(findings()), [
        ("scenes.yaml", 28, "scenes[camp].choices[feast].unavailable",
         "a choice with a condition should say why it is closed ('unavailable: ...')", "warning"),
    ])


def test_battle_with_a_rise_but_no_shift_phase(scenario_copy):
    scenario_copy.replace("battle.yaml", "        kind: shift", "        kind: archery")
    expect(new_findings(findings()), [
        ("battle.yaml", 51, "battles[fight].phases",  # the first phase
         "the battle has a rise but no 'shift' phase: nothing can ever be hidden behind it", "warning"),
    ])


# -- check on the command line ---------------------------------------------------------------------


def clean(s):
    """Make the mini scenario free of warnings."""
    s.replace("scenario.yaml", "  - id: lost\n  - id: routed\n  - id: stood\n", "")
    s.replace("battle.yaml", "      defeat: lost\n      routed: routed\n      stood: stood\n", "")
    s.replace("battle.yaml", "          - id: back\n            label: Fall back\n            action: withdraw\n", "")
    s.replace("scenes.yaml", "    text: The road to the ford.\n",
              "    text: The road to the ford.\n    history:\n      text: It rained.\n")
    s.replace("scenes.yaml", "    text: The battle at the ford.\n",
              "    text: The battle at the ford.\n    history:\n      text: They fought.\n")


def test_check_reports_warnings_but_passes(scenario_copy, run_cli):
    result = run_cli("check", "scen")
    assert result.code == 0
    assert result.out_lines[:-1] == [
        f"scen/{f}:{line}: warning: {field}: {message}" for f, line, field, message in MINI_FINDINGS]
    assert result.out_lines[-1] == "ok: scen: The Ford v1: 3 scenes, 4 endings, 1 battle(s), 6 warning(s)"
    assert result.err == ""


def test_check_strict_fails_on_warnings(scenario_copy, run_cli):
    result = run_cli("check", "--strict", "scen")
    assert result.code == 1
    assert len(result.out_lines) == len(MINI_FINDINGS)
    assert all(": warning: " in line for line in result.out_lines)
    assert not any(line.startswith("ok:") for line in result.out_lines)


def test_check_strict_passes_a_clean_scenario(scenario_copy, run_cli):
    clean(scenario_copy)
    assert findings() == []
    result = run_cli("check", "--strict", "scen")
    assert (result.code, result.out_lines) == (0, ["ok: scen: The Ford v1: 3 scenes, 4 endings, 1 battle(s)"])


def test_check_fails_on_a_checker_error(scenario_copy, run_cli):
    clean(scenario_copy)
    scenario_copy.replace("battle.yaml", "      - to: loss_ending", "      - to: win_ending")
    result = run_cli("check", "scen")
    assert result.code == 1
    assert result.out_lines == [
        "scen/scenes.yaml:84: endings[loss_ending]: this ending cannot be reached: no choice leads to it "
        "(add a 'next' that points here)"]


# -- division by zero ------------------------------------------------------------------------------


def test_division_by_a_constant_zero_is_an_error_at_its_line(scenario_copy):
    scenario_copy.replace("scenes.yaml", "          - weight: courage + 1", "          - weight: 1 + supply // 0")
    line = scenario_copy.line_of("scenes.yaml", "supply // 0")
    with pytest.raises(ScenarioLoadError) as info:
        load("scen")
    assert [str(p) for p in info.value.problems] == [
        f"scen/scenes.yaml:{line}: scenes[march].choices[gamble].chance[0].weight: division by zero: '0' is always 0"]


def test_division_by_what_can_be_zero_is_a_warning_wherever_it_is(scenario_copy):
    s = scenario_copy
    s.replace("scenes.yaml", "          - weight: courage + 1", "          - weight: 1 + supply // courage")
    s.replace("scenes.yaml", "        effects: [courage += 2]", "        effects: [courage += 10 // (supply - 2)]")
    s.replace("scenes.yaml", "        if: supply >= 5", "        if: supply // (supply - supply // 2) >= 5")
    s.replace("scenes.yaml", "      - if: scouted\n        text: The scouts report.", "      - if: courage // max(supply, 1) > 1\n        text: The scouts report.")
    problems = [p for p in findings() if "dividing by 0" in p.message]
    assert all(p.severity == "warning" for p in problems)
    assert [(p.line, p.field, p.message) for p in problems] == [
        (s.line_of("scenes.yaml", "effects: [courage += 10"), "scenes[camp].choices[rush].effects[0]",
         "'supply - 2' can be 0 here (-2 to 3), and dividing by 0 gives 0"),
        (s.line_of("scenes.yaml", "if: supply // (supply"), "scenes[camp].choices[feast].if",
         "'supply - supply // 2' can be 0 here (-2 to 5), and dividing by 0 gives 0"),
        (s.line_of("scenes.yaml", "supply // courage"), "scenes[march].choices[gamble].chance[0].weight",
         "'courage' can be 0 here (0 to 5), and dividing by 0 gives 0"),
    ]
    assert str(problems[0]).startswith(f"scen/scenes.yaml:{problems[0].line}: warning: scenes[camp]")


def test_division_by_what_cannot_be_zero_is_quiet(scenario_copy):
    scenario_copy.replace("scenes.yaml", "          - weight: courage + 1",
                          "          - weight: 1 + supply // (courage + 1) + courage // -2 + supply // (1 + (supply > 2))")
    assert new_findings(findings()) == []


# -- the shipped scenarios are held to --strict ----------------------------------------------------

SHIPPED = sorted(p.name for p in (ROOT / "content").iterdir() if (p / "scenario.yaml").is_file())


def test_the_three_scenarios_are_shipped():
    assert {"callinicum", "dara", "satala"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_passes_check_strict(name, run_cli):
    folder = ROOT / "content" / name
    assert [str(p) for p in check_scenario(load(folder))] == []  # not even a warning
    result = run_cli("check", "--strict", folder)
    assert result.code == 0, result.out
    assert len(result.out_lines) == 1 and result.out_lines[0].startswith("ok: ")


def test_ci_runs_the_readme_test_command_and_check_strict_on_every_shipped_scenario():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = readme.split("## Test")[1].split("```sh\n")[1].split("\n```")[0].strip()
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert command in ci
    assert ci.index(".venv/bin/callinicum check --strict content/*/") > ci.index(command)


INERT = """  - id: fork
    title: A fork in the road
    date: Day two
    place: camp
    text: Two roads.
    history:
      text: Nothing.
    choices:
      - id: left
        label: Take the left road
        text: You go left.
        effects: [{left}]
        next: march
      - id: right
        label: Take the right road
        text: You go right.
        effects: [{right}]
        next: march
"""


@pytest.mark.parametrize("left, right, inert", [
    ("supply += 1", "supply += 1", True),          # only the words differ
    ("courage += 1", "courage += 2", False),       # courage is read later (the storm's weight)
    ("supply += 0", "supply += 0", True),
])
def test_choices_that_differ_in_nothing_later_read_are_flagged(scenario_copy, left, right, inert):
    scenario_copy.replace("scenes.yaml", "scenes:\n", "scenes:\n" + INERT.format(left=left, right=right))
    scenario_copy.replace("scenario.yaml", "start: camp", "start: fork")
    flagged = [f for f in findings() if "differ in nothing that anything later reads" in f.message]
    assert [f.field for f in flagged] == (["scenes[fork].choices"] if inert else [])
    assert all(f.severity == "warning" for f in flagged)


def test_a_withdrawal_with_no_outcome_of_its_own_is_a_warning_until_withdrew_is_mapped(scenario_copy):
    """The mini battle has a withdrawal and maps victory, held, defeat and routed: a withdrawal that
    keeps its order would set none of them. Mapped to a flag of its own, or with no withdrawal to
    give, the battle has nothing to warn of."""
    about = "a withdrawal that keeps its order"
    assert [p.field for p in findings() if about in p.message] == ["battles[fight].results"]
    scenario_copy.replace("battle.yaml", "      routed: routed\n", "      routed: routed\n      withdrew: lost\n")
    assert not [p for p in findings() if about in p.message]
    scenario_copy.replace("battle.yaml", "      withdrew: lost\n", "")
    scenario_copy.replace("battle.yaml", "          - id: back\n            label: Fall back\n            action: withdraw\n", "")
    assert not [p for p in findings() if about in p.message]
