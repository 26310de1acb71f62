"""`callinicum play --plain`: the game in plain lines, on the same session and saves as the Textual
interface, for screen readers, serial consoles and scripts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from game.engine.campaign import Option
from game.plain import open_options

from conftest import MINI, ROOT


def play(args: list[str], stdin: str, tmp_path: Path, *, flag: bool = True, timeout: float = 120):
    """`python -m game play [--plain] ARGS` with this standard input, in a subprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLINICUM") or k == "CALLINICUM_CACHE"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    argv = [sys.executable, "-m", "game", "play", *(["--plain"] if flag else []), *args,
            "--saves", str(tmp_path / "saves")]
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=timeout,
                          cwd=tmp_path, env=env)


def autosave(tmp_path: Path, scenario: str = "mini") -> dict:
    return json.loads((tmp_path / "saves" / scenario / "autosave.json").read_text(encoding="utf-8"))


def test_always_the_first_choice_plays_the_campaign_to_an_ending(tmp_path):
    """The issue's own check: `yes 1 | head -400 | callinicum play --plain --seed 3 --saves DIR`."""
    proc = play(["--seed", "3"], "1\n" * 400, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "\x1b" not in proc.stdout and "Traceback" not in proc.stdout
    lines = proc.stdout.splitlines()
    ending = lines[-1].removeprefix("ending: ")
    assert lines[-1].startswith("ending: ") and ending
    assert "== The Chronicle ==" in proc.stdout and "== The end: " in proc.stdout
    saved = autosave(tmp_path, "callinicum")
    assert saved["seed"] == 3 and saved["ending"] == ending
    found = json.loads((tmp_path / "saves" / "callinicum" / "endings.json").read_text(encoding="utf-8"))
    assert ending in found["found"]
    assert not any(ch in proc.stdout for ch in "─│┌┐└┘╭╮╰╯═║"), "no box drawing"


def test_a_short_input_ends_cleanly_and_the_campaign_continues_later(tmp_path):
    proc = play(["--scenario", str(MINI), "--seed", "3"], "1\n", tmp_path)
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.splitlines()[-1].startswith("Input ended. Your campaign is saved")
    assert autosave(tmp_path)["decisions"] == ["scout"]
    # without a seed, the saved campaign is offered and continued
    proc = play(["--scenario", str(MINI)], "1\n2\n", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "A campaign is saved: Day two, the ford, after 1 decision." in proc.stdout
    assert proc.stdout.splitlines()[-1] == "ending: wise_ending"
    assert autosave(tmp_path)["decisions"] == ["scout", "go_home"]


def test_history_undo_save_and_quit(tmp_path):
    proc = play(["--scenario", str(MINI), "--seed", "3"], "h\n1\nu\n1\ns before the ford\nq\n", tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    note = out.index("== What happened: The camp ==")
    assert "Nothing happened here." in out[note:] and "What the real commander did: Send scouts" in out[note:]
    assert "Taken back: Send scouts" in out
    assert "Saved as “before the ford”" in out
    slot = json.loads((tmp_path / "saves" / "mini" / "slots" / "before the ford.json").read_text(encoding="utf-8"))
    assert slot["decisions"] == ["scout"]
    assert autosave(tmp_path)["decisions"] == ["scout"]
    assert out.splitlines()[-1].startswith("Your campaign is saved after your last decision")


def test_a_number_that_names_no_choice_says_why_nothing_happened(tmp_path):
    proc = play(["--scenario", str(MINI), "--seed", "3"], "9\nfrobnicate\n", tmp_path)
    assert proc.returncode == 0
    assert "There is no choice 9 here: the choices are 1 to 2." in proc.stdout
    assert "'frobnicate' is not a command here. Type a number from 1 to 2, or ? for the commands." in proc.stdout
    assert not (tmp_path / "saves" / "mini" / "autosave.json").exists() or autosave(tmp_path)["decisions"] == []


def test_choices_not_open_are_listed_without_a_number():
    shut = Option("feast", "Feast", available=False, reason="There is not enough food.")
    opts = [Option("scout", "Send scouts"), shut, Option("rush", "Rush")]
    assert [o.id for o in open_options(opts)] == ["scout", "rush"]


def test_the_closed_choice_is_shown_with_its_reason(tmp_path):
    proc = play(["--scenario", str(MINI), "--seed", "3"], "", tmp_path)
    assert "  1. Send scouts\n  2. Rush to the ford\n  -  Feast first (not open: There is not enough food.)\n" in proc.stdout


def test_play_is_plain_by_itself_when_output_is_not_a_terminal(tmp_path):
    proc = play(["--scenario", str(MINI), "--seed", "3"], "1\n2\n", tmp_path, flag=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "ending: wise_ending"
    assert "\x1b" not in proc.stdout


def test_the_plain_path_never_imports_textual(tmp_path):
    script = (
        "import io, sys\n"
        "from game.cli import main\n"
        "sys.stdin = io.StringIO('1\\n2\\n')\n"
        f"code = main(['play', '--plain', '--scenario', {str(MINI)!r}, '--seed', '3', "
        f"'--saves', {str(tmp_path / 'saves')!r}])\n"
        "print('textual loaded:', any(m == 'textual' or m.startswith('textual.') for m in sys.modules))\n"
        "raise SystemExit(code)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env={k: v for k, v in os.environ.items()
                               if not k.startswith("CALLINICUM") or k == "CALLINICUM_CACHE"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-2:] == ["ending: wise_ending", "textual loaded: False"]


@pytest.mark.parametrize("args", [["--scenario", "nowhere"], ["--mod", "nowhere"]])
def test_a_missing_folder_is_one_line(tmp_path, args):
    proc = play(args, "", tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (1, "", "nowhere: no such scenario folder\n")


def test_the_plain_chronicle_keeps_the_record_apart_from_imagined_lines(tmp_path, scenario_copy):
    from game.session.chronicle import IMAGINED_LABEL

    RECORD_LABEL = "The historical record"  # the mini scenario names no year

    scenario_copy.replace(
        "scenes.yaml", "        text: The scouts ride out.\n        next: march\n",
        "        text: The scouts ride out.\n        next: march\n        chronicle:\n"
        "          record: The scouts went out at dawn.\n")
    scenario_copy.replace(
        "scenes.yaml", "            effects: [supply = 0]\n            next: storm_ending\n",
        "            effects: [supply = 0]\n            next: storm_ending\n        chronicle:\n"
        "          - if: supply == 0\n            record: The storm took the baggage.\n"
        "            malalas: And a storm fell on them.\n"
        "          - record: The weather held.\n")
    proc = play(["--scenario", str(scenario_copy.path), "--seed", "2"], "1\n1\n", tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout[proc.stdout.index("== The Chronicle =="):]
    assert f"   {RECORD_LABEL} (A source):\n\n   The scouts went out at dawn." in out
    assert f"   {IMAGINED_LABEL}:\n\n   The storm took the baggage." in out
    assert "  2. (imagined) And a storm fell on them." in out and "The weather held" not in out


def test_a_gamble_shows_its_odds_and_an_ending_its_after_page(tmp_path, scenario_copy):
    scenario_copy.replace("scenes.yaml", "    text: You went home.\n",
                          "    text: You went home.\n    after: |\n      The next year, peace.\n")
    scenario_copy.replace("scenes.yaml", "          - weight: courage + 1\n",
                          "          - weight: courage + 1\n            label: fair weather\n")
    # scout (1), then at the march: gamble on the weather is choice 1, go home choice 2
    proc = play(["--scenario", str(scenario_copy.path), "--seed", "2"], "1\n2\n", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "A gamble: fair weather " in proc.stdout  # the odds, before the choice is made
    assert "== What followed ==" in proc.stdout and "The next year, peace." in proc.stdout
    assert proc.stdout.splitlines()[-1] == "ending: wise_ending"
