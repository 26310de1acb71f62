"""The Chronicle: the record of 531 kept apart from imagined lines, entries chosen by what happened,
paragraphs that survive the Markdown export, and the compiler's file:line errors for `chronicle`."""

from __future__ import annotations

import pytest

from game.scenario.compiled import load
from game.scenario.errors import ScenarioLoadError
from game.session.chronicle import IMAGINED_LABEL, chronicle, markdown

RECORD_LABEL = "The historical record"  # the mini scenario names no year
from game.session.playthrough import Playthrough

SCOUT = """        text: The scouts ride out.
        next: march
"""
SCOUT_CHRONICLE = SCOUT + """        chronicle:
          record: |
            The captain sent his scouts to the ford before dawn,
            as the source says.

            They came back at noon with the count of the enemy.
          procopius: He, foreseeing everything, sent scouts.
          malalas: And he sent scouts.
"""
RUSH = """        effects: [courage += 2]
        next: march
"""
RUSH_CHRONICLE = RUSH + """        chronicle:
          record: He sent a herald to bury the dead of both sides.
          procopius: |
            He rushed the ford, as a brave man would.

            No one blamed him.
"""
GAMBLE = """            effects: [supply = 0]
            next: storm_ending
"""
GAMBLE_CHRONICLE = GAMBLE + """        chronicle:
          - if: supply == 0
            record: The storm took the baggage, and the army with it.
            malalas: And a great storm fell on them.
          - record: The weather held, and the army came to the ford.
"""
GO_HOME = """            to: wise_ending
          - to: storm_ending
"""
GO_HOME_CHRONICLE = GO_HOME + """        chronicle:
          if: not scouted
          record: He went home without knowing what he had left behind.
"""


@pytest.fixture
def chronicled(scenario_copy):
    scenario_copy.replace("scenes.yaml", SCOUT, SCOUT_CHRONICLE)
    scenario_copy.replace("scenes.yaml", RUSH, RUSH_CHRONICLE)
    scenario_copy.replace("scenes.yaml", GAMBLE, GAMBLE_CHRONICLE)
    scenario_copy.replace("scenes.yaml", GO_HOME, GO_HOME_CHRONICLE)
    return load(scenario_copy.path)


def test_the_record_only_for_the_historical_choice_with_its_sources(chronicled):
    c = chronicle(Playthrough.new(chronicled, 1, ["scout", "go_home"]))
    scout = c.entries[0]
    assert scout.historical and scout.imagined is None
    assert scout.record == ("The captain sent his scouts to the ford before dawn,\nas the source says.\n\n"
                            "They came back at noon with the count of the enemy.")
    assert scout.sources == ("A source",)
    # go_home's entry holds only when the army did not scout: nothing is told of it here
    assert [e.step for e in c.entries] == [1]
    assert [(v.step, v.imagined) for v in c.procopius] == [(1, False)]


def test_a_choice_never_made_in_531_is_imagined_never_the_record(chronicled):
    c = chronicle(Playthrough.new(chronicled, 1, ["rush", "go_home"]))
    rush, home = c.entries
    assert rush.record is None and rush.sources == ()
    assert rush.imagined == "He sent a herald to bury the dead of both sides."
    assert rush.what_happened == "Send scouts"
    assert home.record is None and home.imagined == "He went home without knowing what he had left behind."
    assert [(v.step, v.imagined) for v in c.procopius] == [(1, True)]


def test_a_list_of_entries_is_told_by_the_state_after_the_decision(chronicled):
    # seed 2: the storm (supply 0 after the decision); seed 1: fair weather, on to the battle
    storm = Playthrough.new(chronicled, 2, ["scout", "gamble"])
    assert storm.ending == "storm_ending"
    fair = Playthrough.new(chronicled, 1, ["scout", "gamble"])
    assert fair.ending is None
    told_storm = chronicle(storm).entries[-1]
    told_fair = chronicle(fair).entries[-1]
    assert told_storm.imagined == "The storm took the baggage, and the army with it."
    assert told_storm.malalas == "And a great storm fell on them."
    assert told_fair.imagined == "The weather held, and the army came to the ford."
    assert told_fair.malalas is None
    # the march records no historical choice: neither is the record of 531
    assert told_storm.record is None and told_fair.record is None
    assert [v.imagined for v in chronicle(storm).malalas] == [False, True]


def test_markdown_keeps_the_record_apart_and_the_paragraphs(chronicled):
    md = markdown(Playthrough.new(chronicled, 2, ["scout", "gamble"]))
    lines = md.splitlines()
    at = lines.index(f"**{RECORD_LABEL}** (A source):")
    assert lines[at + 1: at + 6] == [
        "",
        "> The captain sent his scouts to the ford before dawn, as the source says.",
        ">",
        "> They came back at noon with the count of the enemy.",
        "",
    ]
    at = lines.index(f"*{IMAGINED_LABEL}:*")
    assert lines[at + 2] == "> The storm took the baggage, and the army with it."
    assert md.count(RECORD_LABEL) == 1 and md.count(IMAGINED_LABEL) == 2  # the entry, and Malalas' line
    assert "**The record:**" not in md
    assert f"> **2.** *{IMAGINED_LABEL}:* And a great storm fell on them." in lines
    assert "> **1.** And he sent scouts." in lines

    md = markdown(Playthrough.new(chronicled, 1, ["rush", "go_home"]))
    lines = md.splitlines()
    assert RECORD_LABEL not in md
    at = lines.index("### 1. The camp — Day one")
    assert lines[at + 2: at + 8] == [
        "- **You:** Rush to the ford",
        "- **In history:** Send scouts",
        "",
        f"*{IMAGINED_LABEL}:*",
        "",
        "> He sent a herald to bury the dead of both sides.",
    ]
    # a chronicler's imagined line keeps its paragraphs too
    at = lines.index(f"> **1.** *{IMAGINED_LABEL}:* He rushed the ford, as a brave man would.")
    assert lines[at + 1: at + 3] == [">", "> No one blamed him."]


def test_the_ending_keeps_its_paragraphs_in_markdown(scenario_copy):
    scenario_copy.replace("scenes.yaml", "    text: You went home.\n",
                          "    text: |\n      You went home,\n      slowly.\n\n      The end.\n")
    md = markdown(Playthrough.new(load(scenario_copy.path), 1, ["scout", "go_home"]))
    assert md.endswith("## The ending\n\nYou went home, slowly.\n\nThe end.\n\nending: wise_ending\n")


@pytest.mark.parametrize("choice, broken, fragment, field", [
    ("gamble", "nowhere > 1", "nowhere > 1", "scenes[march].choices[gamble].chronicle[0].if"),  # in a list
    ("go_home", "scouted +", "if: scouted +", "scenes[march].choices[go_home].chronicle.if"),  # a single entry
])
def test_a_broken_chronicle_condition_is_reported_at_its_line(scenario_copy, choice, broken, fragment, field):
    original, chronicled, condition = {
        "gamble": (GAMBLE, GAMBLE_CHRONICLE, "supply == 0"),
        "go_home": (GO_HOME, GO_HOME_CHRONICLE, "not scouted"),
    }[choice]
    scenario_copy.replace("scenes.yaml", original, chronicled.replace(condition, broken))
    line = scenario_copy.line_of("scenes.yaml", fragment)
    with pytest.raises(ScenarioLoadError) as err:
        load(scenario_copy.path)
    (problem,) = err.value.problems
    assert str(problem).startswith(f"{scenario_copy.shown('scenes.yaml')}:{line}: {field}: ")
    assert broken.split()[0] in str(problem)


def test_an_empty_list_is_refused(scenario_copy):
    scenario_copy.replace("scenes.yaml", RUSH, RUSH + "        chronicle: []\n")
    with pytest.raises(ScenarioLoadError) as err:
        load(scenario_copy.path)
    assert any("chronicle" in str(p) for p in err.value.problems)


def test_the_checker_counts_what_a_chronicle_condition_reads(scenario_copy):
    """A quality read only by a chronicle condition is read: no 'never read' warning for it."""
    from game.scenario.checker import check_scenario as check

    scenario_copy.replace("scenario.yaml", "    shown: false\n", "    shown: false\n"
                          "  - id: renown\n    label: Renown\n    start: 0\n    shown: false\n")
    rush = RUSH.replace("[courage += 2]", "[courage += 2, renown += 1]")
    scenario_copy.replace("scenes.yaml", RUSH, rush)
    before = [str(f) for f in check(load(scenario_copy.path))]
    assert any("'renown' is changed but never read" in f for f in before)
    scenario_copy.replace("scenes.yaml", rush, rush + "        chronicle:\n          - if: renown > 0\n"
                          "            record: Renowned.\n")
    after = [str(f) for f in check(load(scenario_copy.path))]
    assert not any("renown" in f for f in after)


def test_an_endings_after_page_is_its_own_and_survives_the_export(scenario_copy) -> None:
    scenario_copy.replace("scenes.yaml", "    text: You went home.\n",
                          "    text: You went home.\n    after: |\n      The next year, peace.\n\n"
                          "      And the year after, war again.\n")
    cs = load("scen")
    p = Playthrough.new(cs, 1, ["scout", "go_home"])
    assert p.ending == "wise_ending"
    view = p.view()
    assert view.text == "You went home." and view.after == "The next year, peace.\n\nAnd the year after, war again."
    text = markdown(p)
    after = text.split("## What followed\n", 1)[1]
    assert after.startswith("\nThe next year, peace.\n\nAnd the year after, war again.\n")
    assert "The next year" not in text.split("## What followed")[0]
    # an ending without one has no such page
    other = Playthrough.new(cs, 1, ["rush", "go_home"])
    assert other.view().after is None and "## What followed" not in markdown(other)
