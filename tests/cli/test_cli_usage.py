"""The command line as a user of well-loved tools expects it: unknown commands answered with the
list of commands, help for every option, no figure that means nothing, progress only where it helps."""

from __future__ import annotations

import argparse
import json

import pytest

from game.cli import COMMANDS, _parser

from conftest import ROOT

DARA = ROOT / "content" / "dara"


def test_an_unknown_command_lists_the_commands(run_cli):
    result = run_cli("frobnicate")
    assert result.code == 2 and result.out == ""
    assert result.err_lines[0].startswith("usage: callinicum")
    assert result.err_lines[-1] == (
        "callinicum: error: unknown command 'frobnicate'; the commands are " + ", ".join(COMMANDS)
        + " (callinicum --help says what each does)")
    assert "(did you mean 'explore'?)" in run_cli("explor").err


def test_options_still_go_to_play(run_cli):
    result = run_cli("--scenario", "nowhere")
    assert (result.code, result.err) == (1, "nowhere: no such scenario folder\n")


def _parsers(parser: argparse.ArgumentParser, name: str = "callinicum"):
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from _parsers(sub, f"{name} {sub_name}")


def test_every_option_and_command_has_help():
    parsers = dict(_parsers(_parser()))
    assert set(COMMANDS) <= {name.split()[-1] for name in parsers}
    missing = [f"{name}: {action.option_strings or action.dest}"
               for name, parser in parsers.items() for action in parser._actions
               if not isinstance(action, argparse._SubParsersAction) and not (action.help or "").strip()]
    assert not missing, missing
    for action in _parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            assert all((c.help or "").strip() for c in action._choices_actions)


def test_an_exhaustive_walk_reports_states_per_second_not_playthroughs(run_cli):
    result = run_cli("explore", "--scenario", DARA, "--exhaustive")
    assert result.code == 0, result.err
    last = result.out_lines[-1]
    assert " states/s" in last and "playthroughs/s" not in result.out  # then how many processes fought
    assert result.err == ""  # no progress where standard error is not a terminal


def test_random_play_keeps_its_rates(run_cli):
    result = run_cli("explore", "--scenario", DARA, "--runs", "50")
    assert result.code == 0 and result.err == ""
    assert "playthroughs/s" in result.out_lines[-1]


def test_json_is_only_json(run_cli):
    result = run_cli("explore", "--scenario", DARA, "--runs", "50", "--json")
    assert result.code == 0 and result.err == ""
    assert json.loads(result.out)["runs"] == 50


def test_progress_is_reported_to_the_caller():
    from game.engine.explore import explore_exhaustive, explore_random
    from game.scenario.compiled import load

    cs = load(DARA)
    told: list[int] = []
    explore_random(cs, 600, 1, progress=told.append)
    assert told == [0, 256, 512]
    told.clear()
    report = explore_exhaustive(cs, progress=told.append)
    assert told and told == sorted(told) and all(0 < n <= report.states for n in told)


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_serve_refuses_a_port_that_cannot_be(port, capsys):
    with pytest.raises(SystemExit) as info:
        _parser().parse_args(["serve", "--port", port])
    assert info.value.code == 2 and "argument --port" in capsys.readouterr().err


def test_serve_listens_on_this_computer_only_unless_told():
    args = _parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8000)
