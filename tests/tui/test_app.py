"""The Textual app driven through a Pilot, as a player would drive it: keys, clicks and resizes.

Every test runs on a temporary saves folder with a fixed seed, so it is deterministic.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from textual.command import CommandPalette
from textual.widgets import Input, OptionList, Static, Tree
from textual.widgets._toast import Toast

from game.tui.keys import CHOOSE, KEYS, all_help_keys
from game.tui.screens.base import PlayScreen
from game.tui.screens.battle import BattleScreen
from game.tui.screens.branches import BranchesScreen, Point
from game.tui.screens.campaign import CampaignScreen
from game.tui.screens.chronicle import ChronicleScreen
from game.tui.screens.ending import EndingScreen
from game.tui.screens.endings import EndingsScreen
from game.tui.screens.error import ErrorScreen
from game.tui.screens.help import HelpScreen, help_text
from game.tui.screens.history import HistoryScreen
from game.tui.screens.saves import LoadScreen, SaveScreen
from game.tui.screens.title import TitleScreen
from game.tui.themes import DARK, LIGHT
from game.tui.widgets.choices import ChoiceList
from game.tui.widgets.narrative import Story
from game.tui.widgets.prose import Prose

from .conftest import MINI, ROOT, make_app, open_number, play_to_end


def plain(widget: Static) -> str:
    return widget.visual.plain if hasattr(widget.visual, "plain") else str(widget.content)


def story_part(app, part_id: str) -> str | None:
    """The text of a part of the campaign screen's story (the scene, the verdict...), or None
    when the story does not show that part now."""
    part = app.screen.query_one(Story).part(part_id)
    return None if part is None else part.content.plain


async def start(pilot) -> None:
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


# -- a whole campaign -------------------------------------------------------------------------


async def test_title_to_ending_with_the_keyboard_mini(mini, tmp_path):
    app = make_app(mini, tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        await start(pilot)
        assert isinstance(app.screen, CampaignScreen)
        seen = await play_to_end(pilot, app)
        assert "BattleScreen" in seen and "CampaignScreen" in seen
        assert isinstance(app.screen, EndingScreen)
        ending = app.session.current.ending
        assert ending in app.store.endings_found()
        title = next(e.title for e in mini.scenario.endings if e.id == ending)
        assert title in plain(app.screen.query_one("#ending-title", Static))
        assert app.errors == []


async def test_title_to_ending_with_the_keyboard_campaign(campaign, tmp_path):
    app = make_app(campaign, tmp_path, seed=3)
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        seen = await play_to_end(pilot, app)
        assert {"CampaignScreen", "BattleScreen"} <= set(seen)
        assert isinstance(app.screen, EndingScreen)
        assert app.session.current.ending in app.store.endings_found()
        # the autosave holds the whole campaign
        saved = json.loads((tmp_path / campaign.id / "autosave.json").read_text())
        assert saved["decisions"] == app.session.current.decisions
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ChronicleScreen)
        assert app.errors == []


async def test_branch_from_the_easter_assembly_and_take_the_other_road(campaign, tmp_path):
    """The issue's test: finish, branch from the assembly, take another road, see both endings."""
    app = make_app(campaign, tmp_path, seed=3)
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await play_to_end(pilot, app)
        first_ending = app.session.current.ending
        first = list(app.session.current.decisions)
        record = app.session.current.record
        # the Easter assembly; should the campaign rename it, any decision half-way will do
        at = next((i for i, d in enumerate(record) if "assembly" in d.node_id), len(record) // 2)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, BranchesScreen)
        tree = app.screen.query_one("#branch-tree", Tree)
        target = next(
            n
            for n in _tree_nodes(tree.root)
            if isinstance(n.data, Point) and n.data.option_id and len(n.data.node.path) == at
        )
        tree.move_cursor(target)
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, CampaignScreen)
        assert app.session.current.decisions == first[:at]
        taken = first[at]
        await play_to_end(pilot, app, avoid={taken}, historical=False)
        second_ending = app.session.current.ending
        assert second_ending and app.session.current.decisions[:at] == first[:at]
        assert app.session.current.decisions[at] != taken
        tree_model = app.store.tree()
        assert len(tree_model.root.playthroughs) == 2
        assert {first_ending, second_ending} <= tree_model.root.endings
        await pilot.press("b")
        await pilot.pause()
        labels = [
            str(n.label) for n in _tree_nodes(app.screen.query_one("#branch-tree", Tree).root)
        ]
        assert any("2 roads from" in label for label in labels)
        titles = {e.id: e.title for e in campaign.scenario.endings}
        assert any(titles[first_ending] in label for label in labels)
        assert any(titles[second_ending] in label for label in labels)
        assert app.errors == []


def _tree_nodes(node):
    yield node
    for child in node.children:
        yield from _tree_nodes(child)


# -- every screen -----------------------------------------------------------------------------


async def test_every_screen_opens_and_closes(mini, tmp_path):
    app = make_app(mini, tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for key, screen in (
            ("e", EndingsScreen),
            ("question_mark", HelpScreen),
            ("l", LoadScreen),
            ("b", BranchesScreen),
        ):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen), key
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, TitleScreen)
        await start(pilot)
        await pilot.press("1")
        await pilot.pause()
        for key, screen in (
            ("h", HistoryScreen),
            ("s", SaveScreen),
            ("l", LoadScreen),
            ("b", BranchesScreen),
            ("e", EndingsScreen),
            ("question_mark", HelpScreen),
        ):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen), key
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, CampaignScreen), key
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        await pilot.pause()
        await play_to_end(pilot, app)
        assert isinstance(app.screen, EndingScreen)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ChronicleScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        await pilot.press("c")  # continue the campaign in hand
        await pilot.pause()
        assert isinstance(app.screen, EndingScreen)
        assert app.errors == []


async def test_history_reveals_the_historical_choice_only_there(mini, tmp_path):
    app = make_app(mini, tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await start(pilot)
        choices = app.screen.query_one(ChoiceList).render().plain
        assert "Send scouts" in choices
        assert "531" not in choices and "★" not in choices
        await pilot.press("h")
        await pilot.pause()
        note = plain(app.screen.query_one("#history-text", Static))
        assert "Nothing happened here." in note and "★ Send scouts" in note and "A source" in note
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("1")  # scout: the historical choice
        await pilot.pause()
        assert "As in history: this is what the real commander did." in story_part(app, "outcome-verdict")


async def test_scenario_prose_shows_brackets_as_written(mini, tmp_path):
    app = make_app(mini, tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await start(pilot)
        assert "[Brackets] stay as written." in story_part(app, "scene-text")
        assert "[Brackets]" in app.export_screenshot().replace("&#160;", " ")


# -- decisions --------------------------------------------------------------------------------


async def test_unavailable_choice_is_dimmed_with_its_reason_and_not_taken(mini, tmp_path):
    app = make_app(mini, tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await start(pilot)
        choices = app.screen.query_one(ChoiceList)
        closed = [n for n, o in enumerate(choices.options, 1) if not o.available]
        assert closed == [3]
        drawn = choices.render()
        assert "There is not enough food." in drawn.plain
        reason_line = next(line for line in drawn.split() if "not enough food" in line.plain)
        assert any(
            "disabled" in str(span.style) or "italic" in str(span.style)
            for span in reason_line.spans
        )
        await pilot.press("3")
        await pilot.pause()
        assert app.session.current.decisions == []
        assert any("not enough food" in n.message for n in app._notifications)
        await pilot.press("9")  # no ninth choice: nothing is taken, and the player is told why
        await pilot.pause()
        assert app.session.current.decisions == []
        messages = [n.message for n in app._notifications]
        assert messages == ["There is no choice 9 here: the choices are 1 to 3."]


async def test_mouse_click_takes_a_choice(mini, tmp_path):
    app = make_app(mini, tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await start(pilot)
        choices = app.screen.query_one(ChoiceList)
        lines = choices.render().plain.splitlines()
        row = next(i for i, line in enumerate(lines) if line.startswith(" 2 "))
        await pilot.click(choices, offset=(choices.gutter.left + 8, choices.gutter.top + row))
        await pilot.pause()
        assert app.session.current.decisions == ["rush"]
        assert app.session.current.record[0].label == "Rush to the ford"


async def test_undo_takes_back_a_decision_and_an_ending(mini, tmp_path):
    app = make_app(mini, tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await start(pilot)
        await pilot.press("1")
        await pilot.pause()
        assert len(app.session.current.decisions) == 1
        assert story_part(app, "outcome-label") is not None
        await pilot.press("u")
        await pilot.pause()
        assert app.session.current.decisions == []
        assert story_part(app, "outcome-label") is None
        await pilot.press("u")  # nothing left to undo: a notice, no change
        await pilot.pause()
        assert app.session.current.decisions == []
        await play_to_end(pilot, app)
        assert isinstance(app.screen, EndingScreen)
        n = len(app.session.current.decisions)
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, BattleScreen)
        assert len(app.session.current.decisions) == n - 1
        saved = json.loads((tmp_path / "mini" / "autosave.json").read_text())
        assert len(saved["decisions"]) == n - 1
        assert app.errors == []


async def test_battle_screen_draws_the_line_hidden_enemy_and_log(mini, tmp_path):
    app = make_app(mini, tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await start(pilot)
        for _ in range(2):
            await pilot.press(str(open_number(app)))
            await pilot.pause()
        assert isinstance(app.screen, BattleScreen)
        for _ in range(4):  # the deployment, then the archery
            await pilot.press(str(open_number(app)))
            await pilot.pause()
        shot = app.export_screenshot().replace("&#160;", " ")
        assert "the foot" in shot or "foot" in shot
        log = app.screen.query_one("#log-text", Prose).content.plain
        assert "Arrows" in log  # the phase heading, brackets and all, from the engine's narration
        assert "Now:" in log
        battle = app.session.current.view().battle
        if any(p.enemy_men is None for p in battle.positions):
            assert "?" in shot


# -- saves ------------------------------------------------------------------------------------


async def test_save_and_load_a_named_slot(mini, tmp_path):
    app = make_app(mini, tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await start(pilot)
        await pilot.press("1")
        await pilot.pause()
        saved_decisions = list(app.session.current.decisions)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SaveScreen)
        assert app.screen.query_one(Input).has_focus
        await pilot.press(*"before the ford")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CampaignScreen)
        slot = tmp_path / "mini" / "slots" / "before the ford.json"
        assert slot.exists()
        await pilot.press(str(open_number(app)))
        await pilot.pause()
        assert app.session.current.decisions != saved_decisions
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, LoadScreen)
        options = app.screen.query_one(OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert ids[0] == "@autosave" and "before the ford" in ids
        while (
            options.highlighted is None
            or options.get_option_at_index(options.highlighted).id != "before the ford"
        ):
            await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CampaignScreen)
        assert app.session.current.decisions == saved_decisions
        assert app.errors == []


async def test_a_damaged_save_is_reported_and_left_untouched(mini, tmp_path):
    slots = tmp_path / "mini" / "slots"
    slots.mkdir(parents=True)
    damaged = slots / "broken.json"
    damaged.write_bytes(b'{"format": 1, "scenario": "mini", "seed": "not a number"')
    autosave = tmp_path / "mini" / "autosave.json"
    autosave.write_bytes(b"\x00garbage\xff")
    before = (damaged.read_bytes(), autosave.read_bytes())
    app = make_app(mini, tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("c")  # continue: the autosave is damaged
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        assert any("damaged" in n.message for n in app._notifications)
        await pilot.press("l")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        broken = [options.get_option_at_index(i) for i in range(options.option_count)]
        assert [o.disabled for o in broken if o.id == "!broken"] == [True]
        await pilot.press("escape")
        await pilot.pause()
        await start(pilot)
        await pilot.press("1")
        await pilot.pause()
    assert damaged.read_bytes() == before[0]
    assert app.errors == []


async def test_a_saves_folder_that_cannot_be_written_is_said_once_and_play_goes_on(mini, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    app = make_app(mini, blocker / "saves", seed=1)  # a folder inside a file: nothing can be saved
    async with app.run_test(size=(100, 30)) as pilot:
        await start(pilot)
        for _ in range(3):
            await pilot.press(str(open_number(app)))
            await pilot.pause()
        said = [n.message for n in app._notifications if "not being saved" in n.message]
        assert said == [f"this campaign is not being saved: the saves folder {blocker / 'saves' / 'mini'} "
                        "cannot be written (Not a directory)"]
        assert len(app.session.current.decisions) == 3
    assert app.errors == [] and blocker.read_text() == "x"


# -- robustness -------------------------------------------------------------------------------


async def test_rapid_keys_and_resizes_never_crash(mini, campaign, tmp_path):
    for scenario in (mini, campaign):
        app = make_app(scenario, tmp_path / scenario.id, seed=2)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("enter", *"1213121312131213", "u", "u", *"11111111")
            await pilot.resize_terminal(40, 12)
            await pilot.press(*"1111hbes", "escape", "question_mark", "escape", *"2222")
            await pilot.resize_terminal(120, 40)
            await pilot.press(*"3333", "u", *"1111")
            await pilot.resize_terminal(41, 13)
            await pilot.pause()
            for _ in range(120):
                if app.session.current.ending:
                    break
                await pilot.press(str(open_number(app)), "h", "escape")
            await pilot.resize_terminal(80, 24)
            await pilot.press("c", "escape", "u", "1", "1", "escape")
            await pilot.pause()
            assert not isinstance(app.screen, ErrorScreen)
            assert app.errors == []


async def test_a_tiny_terminal_is_told_the_size_over_every_screen(mini, tmp_path):
    """At 40x12 every screen gives way to the message, and comes back as it was at 80x24."""
    from game.tui.screens.too_small import TooSmallScreen

    app = make_app(mini, tmp_path, seed=1)

    async def shrink_and_grow() -> None:
        shown = type(app.screen)
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert type(app.screen) is shown

    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot)
        await shrink_and_grow()
        for key in ("h", "s", "l", "b", "e", "question_mark"):
            await pilot.press(key)
            await pilot.pause()
            await shrink_and_grow()
            await pilot.press("escape")
            await pilot.pause()
        await play_to_end(pilot, app)
        await shrink_and_grow()
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ChronicleScreen)
        await shrink_and_grow()
        assert app.errors == []


async def test_an_unexpected_failure_becomes_the_error_screen(mini, tmp_path, monkeypatch):
    app = make_app(mini, tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await start(pilot)

        def broken(option_id: str):
            raise RuntimeError("the scroll is torn")

        monkeypatch.setattr(app.session, "choose", broken)
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.screen, ErrorScreen)
        assert "the scroll is torn" in plain(app.screen.query_one("#error-message", Static))
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CampaignScreen)
        assert len(app.errors) == 1


def test_a_player_never_sees_a_traceback(mini, tmp_path):
    """Run as the game runs (run_app) in a subprocess, with a render that fails."""
    script = f"""
import sys
from pathlib import Path
from game.scenario.compiled import load
from game.session.store import Store
from game.tui import app as tui
from game.tui.widgets.army import ArmyPanel

def render_line(self, y):
    raise RuntimeError("a broken banner")
ArmyPanel.render_line = render_line

async def auto_pilot(pilot):
    import asyncio
    await asyncio.sleep(0.3)
    pilot.app.call_later(pilot.app.action_new_campaign)
    await asyncio.sleep(1.0)

cs = load({str(MINI)!r})
store = Store.open(Path({str(tmp_path)!r}), cs)
app = tui.CallinicumApp(cs, store, seed=1)
app.for_players = True
app.run(headless=True, auto_pilot=auto_pilot)
print("code", app.return_code)
"""
    proc = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "CALLINICUM_DEBUG": ""},
    )
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output
    assert "internal error: RuntimeError: a broken banner" in output
    assert "code 70" in output


# -- keys, palette, theme ---------------------------------------------------------------------


def test_help_lists_every_key_the_screens_bind():
    from game.tui.screens.ending import EndingScreen as ES

    text = help_text().plain
    bound: set[str] = set()
    for screen in (TitleScreen, CampaignScreen, BattleScreen, ES, BranchesScreen):
        for binding in screen.BINDINGS:
            bound.add(binding.key_display or binding.key)
    bound |= {b.key_display or b.key for b in (KEYS["quit"], KEYS["help"], KEYS["theme"])}
    bound.discard("2")  # 2-9 are shown together as 1-9
    for n in range(2, 10):
        bound.discard(str(n))
    missing = {key for key in bound if key not in all_help_keys()}
    assert not missing
    for key in all_help_keys():
        assert key in text
    assert all(b.id for b in [*KEYS.values(), *CHOOSE])


async def test_the_palette_offers_the_games_commands(mini, tmp_path):
    app = make_app(mini, tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"endings found")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, EndingsScreen)


async def test_light_and_dark_themes(mini, tmp_path):
    app = make_app(mini, tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == DARK.name
        await pilot.press("t")
        await pilot.pause()
        assert app.theme == LIGHT.name
        await pilot.press("t")
        assert app.theme == DARK.name


async def test_play_screens_read_the_session_only(mini, tmp_path):
    """Redrawing never changes the game: the same decisions before and after any screen."""
    app = make_app(mini, tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await start(pilot)
        await pilot.press("1")
        await pilot.pause()
        state = app.session.current.state
        screen = app.screen
        assert isinstance(screen, PlayScreen)
        for _ in range(3):
            screen.refresh_view()
        for key in ("h", "escape", "b", "escape", "e", "escape"):
            await pilot.press(key)
            await pilot.pause()
        assert app.session.current.state == state


# -- branches that keep their chance, and saves of another version ------------------------------

LOST = ["scout", "gamble", "allies_right", "none", "blind", "hold", "stand"]


async def test_the_tree_keeps_roads_the_dice_parted_and_branches_into_each(mini, tmp_path):
    """Seeds 1 and 4 take the same decisions, but at "hold" the dice differ: two roads in the tree,
    each saying how the dice fell, and branching under each replays its own past."""
    from game.session.session import Session
    from game.session.store import Store

    played = {}
    for seed in (1, 4):
        session = Session(mini, Store.open(tmp_path, mini), seed=seed)
        session.new()
        for option_id in LOST:
            session.choose(option_id)
        played[seed] = session.current
    app = make_app(mini, tmp_path, seed=1)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, BranchesScreen)
        tree = app.screen.query_one("#branch-tree", Tree)
        nodes = list(_tree_nodes(tree.root))
        labels = [str(n.label) for n in nodes]
        assert any("2 roads from The battle" in label for label in labels)
        dice = [label for label in labels if "⚄" in label]
        assert len(dice) == 2 and all("Hold" in label or "hold" in label.lower() for label in dice)
        assert dice[0].split("⚄")[1] != dice[1].split("⚄")[1]
        # a star only where the sources record the choice: the march records none
        scouts = next(label for label in labels if "Send scouts" in label)
        gamble = next(label for label in labels if "Gamble on the weather" in label)
        assert scouts.startswith("★") and not gamble.startswith("★")
        for seed, original in played.items():
            target = next(
                n
                for n in nodes
                if isinstance(n.data, Point)
                and n.data.option_id == "stand"
                and n.data.node.chance == tuple(original.chance[:6])
            )
            tree.move_cursor(target)
            await pilot.pause()
            await pilot.press("b")
            await pilot.pause()
            p = app.session.current
            assert p.decisions == LOST[:6] and p.chance == original.chance[:6] and p.seed == seed
            assert [d.text for d in p.record] == [d.text for d in original.record[:6]]
            await pilot.press("b")
            await pilot.pause()
            tree = app.screen.query_one("#branch-tree", Tree)
            nodes = list(_tree_nodes(tree.root))
        assert app.errors == []


async def test_continuing_a_save_of_another_scenario_version_says_so(mini, tmp_path, scenario_copy):
    from game.scenario.compiled import load
    from game.session.playthrough import Playthrough
    from game.session.saves import from_playthrough, write_save

    scenario_copy.replace("scenario.yaml", 'version: "1"', 'version: "2"')
    newer = load(scenario_copy.path)
    old = Playthrough.new(mini, 1, ["scout"])
    write_save(tmp_path / "mini" / "autosave.json", from_playthrough(old))
    app = make_app(newer, tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CampaignScreen)
        assert app.session.current.decisions == ["scout"]
        shown = [n for n in app._notifications if "another version of the scenario" in n.message]
        assert len(shown) == 1 and "\n" not in shown[0].message
        assert shown[0].title == "The scenario has changed since this save"
        assert "version 1," in shown[0].message and "loaded now: version 2," in shown[0].message
        assert app.errors == []


async def test_the_army_panel_after_the_battle_agrees_with_replay_json(campaign, tmp_path):
    """What `replay --json` reports of each unit is what the army panel shows at the same point."""
    from game.engine.battle import FATIGUE_NAMES, MORALE_NAMES
    from game.session.report import battles_fought, playthrough_json
    from game.tui.widgets.army import ArmyPanel

    app = make_app(campaign, tmp_path, seed=6)
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        for _ in range(80):  # the historical road, to the first scene after the battle
            p = app.session.current
            if battles_fought(p) or p.ending:
                break
            await pilot.press(str(open_number(app)))
            await pilot.pause()
        p = app.session.current
        assert battles_fought(p) and isinstance(app.screen, CampaignScreen)
        shown = {u.id: u for u in app.screen.query_one(ArmyPanel).army}
        units = playthrough_json(p)["units"]
        with_men = {uid for uid, u in units.items() if u["men"] > 0}
        assert set(shown) == with_men
        for uid, u in shown.items():
            assert (u.men * 100, MORALE_NAMES[u.morale], FATIGUE_NAMES[u.fatigue]) == \
                (units[uid]["men"], units[uid]["morale"], units[uid]["fatigue"])
        # the battle left its mark on the panel: someone is tired, or fewer men than went in
        assert any(u.fatigue > 0 for u in shown.values()) or battles_fought(p)[0].roman_losses > 0
        for uid in battles_fought(p)[0].fallen:
            assert uid not in shown, "a unit cut down is gone from the panel"


async def test_the_chronicle_keeps_the_record_apart_from_imagined_lines(tmp_path, scenario_copy):
    """The record of 531 (with its sources) for the choice the sources record; the imagined line,
    labelled, for one they never made; paragraphs kept."""
    from game.scenario.compiled import load
    from game.session.chronicle import IMAGINED_LABEL

    RECORD_LABEL = "The historical record"  # the mini scenario names no year

    scenario_copy.replace(
        "scenes.yaml",
        "        text: The scouts ride out.\n        next: march\n",
        "        text: The scouts ride out.\n        next: march\n        chronicle:\n"
        "          record: |\n            The scouts went out\n            at dawn.\n\n"
        "            They came back at noon.\n          procopius: He sent scouts, foreseeing all.\n",
    )
    scenario_copy.replace(
        "scenes.yaml",
        "            effects: [supply = 0]\n            next: storm_ending\n",
        "            effects: [supply = 0]\n            next: storm_ending\n        chronicle:\n"
        "          - if: supply == 0\n            record: The storm took the baggage.\n"
        "            procopius: The storm was no fault of his.\n"
        "          - record: The weather held.\n",
    )
    app = make_app(load(scenario_copy.path), tmp_path, seed=2)
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        for number in ("1", "1"):  # send scouts, gamble on the weather: the storm (seed 2)
            await pilot.press(number)
            await pilot.pause()
        assert app.session.current.ending == "storm_ending"
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ChronicleScreen)
        text = plain(app.screen.query_one("#chronicle-entries", Static))
        assert f"{RECORD_LABEL} (A source):\nThe scouts went out at dawn.\nThey came back at noon." in text
        assert f"{IMAGINED_LABEL}:\nThe storm took the baggage." in text
        assert text.count(RECORD_LABEL) == 1 and "The weather held" not in text
        voices = "\n".join(plain(w) for w in app.screen.query(Static) if "foreseeing" in plain(w))
        assert "1. He sent scouts, foreseeing all." in voices
        assert "2. imagined: The storm was no fault of his." in voices
        assert app.errors == []


async def test_a_gamble_is_marked_with_its_odds_in_the_choices(campaign, tmp_path):
    from game.tui.widgets.choices import ChoiceList

    app = make_app(campaign, tmp_path, seed=3)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot)
        for _ in range(40):  # the historical road to the Holy Saturday assembly
            if app.session.current.view().node_id == "holy_saturday_assembly":
                break
            await pilot.press(str(open_number(app)))
            await pilot.pause()
        choices = app.screen.query_one(ChoiceList)
        drawn = choices.render().plain
        gamble = next(o for o in app.session.current.options() if o.id == "refuse_battle").gamble
        assert gamble and " ".join(gamble.split()) in " ".join(drawn.split())


async def test_a_failure_naming_a_hostile_file_is_shown_escaped(mini, tmp_path):
    from game.tui.errors import one_line

    assert one_line(ValueError("bad\nname\x1b]0;x\x07")) == "bad name\\x1b]0;x\\x07"
    app = make_app(mini, tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.report_error(PermissionError(13, "Permission denied", "/saves/\x1b[2Jevil\n.json"))
        await pilot.pause()
        [shown] = [n.message for n in app._notifications if "Permission denied" in n.message]
        assert shown == "Permission denied: /saves/\\x1b[2Jevil\\n.json"


# -- what were the odds -----------------------------------------------------------------------


def _odds_text(screen) -> dict[str, str]:
    """What the odds screen says, part by part, as the player reads it."""
    from game.tui.screens.odds import OddsTable

    said = {
        part: plain(screen.query_one(f"#odds-{part}", Static))
        for part in ("point", "how", "rare", "turn")
        if screen.query_one(f"#odds-{part}").display
    }
    said["table"] = screen.query_one(OddsTable).render().plain
    return said


def _shows_every_ending(table: str, scenario, endings: dict[str, float]) -> None:
    lines = table.splitlines()
    for e in scenario.scenario.endings:
        p = endings[e.id]
        if p > 0:
            assert any(e.title in line and f"{p * 100:.1f}%" in line for line in lines), e.title
        else:
            assert e.title in lines[-1]


async def _odds_at_the_ending(pilot, app):
    """Play the campaign to its ending, open the odds there and wait for them: the screen."""
    from game.tui.screens.odds import OddsScreen

    await start(pilot)
    await play_to_end(pilot, app)
    assert isinstance(app.screen, EndingScreen)
    await pilot.press("o")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, OddsScreen)
    await screen.worker.wait()
    await pilot.pause()
    return screen


async def test_odds_at_the_ending_show_the_sessions_figures_mini(mini, tmp_path):
    from game.session.odds import odds_from, odds_story
    from game.tui.screens.odds import OddsScreen
    from game.tui.widgets.keybar import KeyBar

    app = make_app(mini, tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _odds_at_the_ending(pilot, app)
        assert ("o", "o", "odds") in app.screen_stack[-2].query_one(KeyBar).keys()
        before = list(app.session.current.decisions)
        assert screen.outcome == "done"
        p = app.session.current
        odds = odds_from(mini, p.states[0])
        story = odds_story(p)
        said = _odds_text(screen)
        assert said["how"].startswith("Exact")
        _shows_every_ending(said["table"], mini, odds.endings)
        yours = next(e.title for e in mini.scenario.endings if e.id == p.ending)
        assert f"▸ {yours}" in said["table"]
        assert yours in said["rare"] and f"{odds.endings[p.ending] * 100:.1f}%" in said["rare"]
        turn = p.record[story.turning_point]
        for words in (turn.label, turn.scene_title, f"{story.moved * 100:+.0f} points"):
            assert words in said["turn"]
        assert screen.query_one("#odds-progress").display is False
        # read only: the campaign is as it was
        assert app.session.current.decisions == before and app.session.current.ending == p.ending
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, EndingScreen)
        # the same point again: the figures are at hand, nothing is computed twice
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, OddsScreen) and app.screen.worker is None
        assert _odds_text(app.screen)["table"] == said["table"]
        assert app.errors == []


async def test_odds_at_the_ending_of_the_campaign_are_exact_from_the_first_scene_campaign(campaign, tmp_path):
    """Every road of the campaign is too many to walk while the player waits; the odds kept beside
    the scenario (`explore --odds --keep`) are shown instead, exact, and the player's own ending
    among them."""
    from game.session.odds import kept_odds

    kept = kept_odds(campaign)
    assert kept is not None
    app = make_app(campaign, tmp_path, seed=5)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _odds_at_the_ending(pilot, app)
        said = _odds_text(screen)
        assert said["how"].startswith("Exact") and "every road walked" in said["how"]
        _shows_every_ending(said["table"], campaign, kept.endings)
        ending = app.session.current.ending
        assert f"{kept.endings[ending] * 100:.1f}%" in said["rare"]
        assert app.errors == []


async def test_the_palette_offers_the_odds_from_a_decision_mini(mini, tmp_path):
    from game.session.odds import odds_from
    from game.tui.screens.odds import OddsScreen

    app = make_app(mini, tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await start(pilot)
        await pilot.press(str(open_number(app)))
        await pilot.pause()
        assert isinstance(app.screen, (CampaignScreen, BattleScreen))
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"odds")
        await pilot.pause(0.3)
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        offered = [str(o.prompt) for o in palette.query_one(OptionList).options]
        assert any("What were the odds?" in o for o in offered)
        await pilot.press("enter")
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, OddsScreen)
        await screen.worker.wait()
        await pilot.pause()
        p = app.session.current
        odds = odds_from(mini, p.state)
        said = _odds_text(screen)
        assert said["point"].startswith("Every ending from here")
        assert p.view().title in said["point"]
        assert said["how"].startswith("Exact")
        _shows_every_ending(said["table"], mini, odds.endings)
        assert "rare" not in said and "turn" not in said  # those are for the ending
        assert app.errors == []


async def test_escape_while_the_odds_are_computed_closes_cleanly_campaign(
    campaign, tmp_path, monkeypatch
):
    """From the second decision the walk of the campaign runs out and an estimate follows: seconds
    of work (from the first, the odds kept beside the scenario are shown at once, where there are
    any). The thread is held at its first progress report until escape has been pressed."""
    import asyncio
    import threading

    from game.session import odds as session_odds
    from game.tui.screens import odds as odds_screen

    pressed = threading.Event()
    reports: list[float] = []

    def held_odds_from(*args, progress, **kwargs):
        def report(share: float) -> None:
            pressed.wait()
            reports.append(share)
            progress(share)

        return session_odds.odds_from(*args, progress=report, **kwargs)

    monkeypatch.setattr(odds_screen, "odds_from", held_odds_from)
    app = make_app(campaign, tmp_path, seed=3)
    async with app.run_test(size=(100, 30)) as pilot:
        await start(pilot)
        await pilot.press("1")
        await pilot.pause()
        taken = list(app.session.current.decisions)
        assert len(taken) == 1
        try:
            app.action_odds()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, odds_screen.OddsScreen)
            assert screen.outcome == "computing" and screen.query_one("#odds-progress").display
            # the thread is held, and still the interface answers
            await pilot.press("escape")
            await pilot.pause()
        finally:
            pressed.set()
        assert isinstance(app.screen, CampaignScreen)
        assert screen.worker.is_cancelled
        assert await asyncio.to_thread(screen.stopped.wait, 120)
        assert screen.outcome == "closed" and screen.figures is None
        assert len(reports) == 1  # it stopped at the first report after escape
        assert app.session.current.decisions == taken  # escape closed the screen and did nothing else
        assert app.errors == []


def test_the_quality_bar_ticks_the_thresholds_of_the_decision():
    from game.engine.campaign import QualityView
    from game.tui.widgets.qualities import _ticked_bar

    q = QualityView("authority", "Authority", 4, 0, 10, None, (3, 5, 7))
    cells = [(ch, style) for text, style in _ticked_bar(q, 10) for ch in text]
    assert "".join(ch for ch, _ in cells).count("┃") + "".join(ch for ch, _ in cells).count("╎") == 3
    ticked = [i for i, (ch, style) in enumerate(cells) if "warning" in style]
    assert ticked == [2, 4, 6]  # the cells where 3, 5 and 7 are reached
    # without thresholds, one run of one style
    assert _ticked_bar(QualityView("court", "Court", 4, 0, 10, None, ()), 10) == [
        ("████      ", "$secondary")]


async def test_the_ending_keeps_what_followed_on_a_page_of_its_own(scenario_copy, tmp_path):
    from textual.widgets import Collapsible

    from game.scenario.compiled import load

    scenario_copy.replace("scenes.yaml", "    text: You went home.\n",
                          "    text: You went home.\n    after: |\n      The next year, peace.\n")
    cs = load(scenario_copy.path)
    app = make_app(cs, tmp_path / "saves", seed=2)
    async with app.run_test(size=(100, 30)) as pilot:
        await start(pilot)
        for key in ("1", "2"):  # scout, then go home
            await pilot.press(key)
            await pilot.pause()
        assert isinstance(app.screen, EndingScreen) and app.session.current.ending == "wise_ending"
        after = app.screen.query_one("#ending-after", Collapsible)
        assert after.display and after.collapsed  # there, and closed until the player opens it
        assert "The next year, peace." in plain(app.screen.query_one("#ending-after-text", Static))
        assert "The next year" not in app.screen.query_one("#ending-text", Prose).content.plain
        after.collapsed = False
        await pilot.pause()
        assert app.screen.query_one("#ending-after-text", Static).display


# -- notifications show save names literally ------------------------------------------------------


@pytest.mark.parametrize("name", ["[/b] mine", "[my save]"])
async def test_loading_a_save_named_like_markup_neither_crashes_nor_loses_text(tmp_path, mini, name):
    app = make_app(mini, tmp_path / "saves", seed=1)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        app.save_as(name)
        await pilot.pause()
        app.load_save(app.store.slots()[0].save)
        await pilot.pause(0.2)
        shown = [toast.render().plain for toast in app.screen.query(Toast)]
    assert f"Loaded: {name}" in "\n".join(shown)


def test_an_estimate_that_left_playthroughs_out_says_so() -> None:
    from game.session.odds import Odds
    from game.tui.screens.odds import how_known

    whole = Odds({"a": 0.5, "b": 0.5}, exact=False, runs=1000, margin=0.03)
    part = Odds({"a": 0.5, "b": 0.5}, exact=False, runs=1000, margin=0.03, covered=0.9)
    assert "Note:" not in how_known(whole).plain
    assert "Note: these odds are of the 90.0% of playthroughs that reached an ending; the other 10.0% met a dead " \
           "end or went on too long." in how_known(part).plain
