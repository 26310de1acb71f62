"""An exact-odds walk that stops at its state limit never prints bare percentages that do not add
up: it says what its figures cover, each ending's figure as a floor, the probability not explored,
and how to get a complete answer; in text and in JSON alike. Beside it comes an estimate from random
play, called one, with its margin. And `--jobs` changes nothing found."""

from __future__ import annotations

import json
import re

import pytest

from game import DEFAULT_SCENARIO

DARA = DEFAULT_SCENARIO.parent / "dara"


def _percentages(line: str) -> list[float]:
    return [float(x) for x in re.findall(r"(\d+\.\d+)%", line)]


@pytest.mark.parametrize("scenario, limit", [(DARA, 40), (DEFAULT_SCENARIO, 2000)], ids=["dara", "callinicum"])
def test_incomplete_odds_in_text_say_what_they_cover(run_cli, scenario, limit: int) -> None:
    result = run_cli("explore", "--scenario", scenario, "--odds", "--max-states", limit, "--jobs", "1",
                     "--runs", "300")
    assert result.code == 0, result.err
    lines = result.out_lines[:next(i for i, line in enumerate(result.out_lines) if line.startswith("ESTIMATE"))]
    assert "INCOMPLETE" in lines[0]
    note = next(line for line in lines if line.startswith("INCOMPLETE:"))
    covered, unexplored = _percentages(note)[:2]
    assert 0 <= covered < 100 and covered + unexplored == pytest.approx(100, abs=0.011)
    assert "--max-states" in result.out  # how to get a complete answer
    endings = [line for line in lines if line.startswith("  ") and "%" in line and "not explored" not in line]
    assert endings and all("at least" in line for line in endings)  # never a bare percentage
    rest = next(line for line in lines if "(not explored)" in line)
    shown = sum(_percentages(line)[0] for line in endings) + _percentages(rest)[0]
    assert shown == pytest.approx(100, abs=0.01 * (len(endings) + 1))  # they add up, to rounding


@pytest.mark.parametrize("scenario, limit", [(DARA, 40), (DEFAULT_SCENARIO, 2000)], ids=["dara", "callinicum"])
def test_incomplete_odds_come_with_an_estimate_called_one(run_cli, scenario, limit: int) -> None:
    args = ("explore", "--scenario", scenario, "--odds", "--max-states", limit, "--jobs", "1", "--runs", "400")
    result = run_cli(*args)
    assert result.code == 0, result.err
    lines = result.out_lines
    at = next(i for i, line in enumerate(lines) if line.startswith("ESTIMATE"))
    assert "not exact" in lines[at] and "400 random playthroughs" in lines[at] and "margin ±" in lines[at]
    guesses = [line for line in lines[at + 1:] if "%" in line]
    assert guesses and all("about" in line and "at least" not in line for line in guesses)
    assert sum(_percentages(line)[0] for line in guesses) == pytest.approx(100, abs=0.01 * len(guesses))
    estimate = result.out.split("ESTIMATE")[1]
    assert run_cli(*args).out.split("ESTIMATE")[1] == estimate  # seeded: the same estimate every time
    assert run_cli(*args, "--seed", "9").out.split("ESTIMATE")[1] != estimate


def test_the_estimate_in_json_and_none_when_asked_for_none(run_cli) -> None:
    report = json.loads(run_cli("explore", "--scenario", DARA, "--odds", "--max-states", "40", "--json",
                                "--runs", "300", "--seed", "4").out)
    guess = report["estimate"]
    assert guess["runs"] == 300 and guess["seed"] == 4 and 0 < guess["margin"] < 0.1
    assert sum(guess["endings"].values()) == pytest.approx(1) and guess["covered"] == 1.0
    assert set(guess["endings"]) == set(report["endings"])
    none = run_cli("explore", "--scenario", DARA, "--odds", "--max-states", "40", "--runs", "0")
    assert none.code == 0 and "INCOMPLETE" in none.out and "ESTIMATE" not in none.out
    assert "estimate" not in json.loads(run_cli("explore", "--scenario", DARA, "--odds", "--max-states", "40",
                                                "--json", "--runs", "0").out)


def test_incomplete_odds_in_json_say_what_they_cover(run_cli) -> None:
    result = run_cli("explore", "--scenario", DARA, "--odds", "--max-states", "40", "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["complete"] is False
    assert 0 < report["covered"] < 1 and report["covered"] + report["unexplored"] == pytest.approx(1)
    assert sum(report["endings"].values()) <= report["covered"] + 1e-12
    assert "not explored" in report["note"] and "40 states" in report["note"]


def test_complete_odds_cover_everything(run_cli) -> None:
    result = run_cli("explore", "--scenario", DARA, "--odds", "--json")
    report = json.loads(result.out)
    assert report["complete"] is True and report["covered"] == 1.0 and report["unexplored"] == 0.0
    assert "note" not in report and "estimate" not in report
    text = run_cli("explore", "--scenario", DARA, "--odds").out
    assert "INCOMPLETE" not in text and "at least" not in text and "not explored" not in text
    assert "ESTIMATE" not in text


def test_incomplete_path_counts_do_not_call_an_ending_unreachable(run_cli) -> None:
    result = run_cli("explore", "--scenario", DARA, "--exhaustive", "--max-states", "40")
    assert "INCOMPLETE:" in result.out and "UNREACHED" not in result.out


def test_jobs_change_nothing_that_is_found(run_cli) -> None:
    def found(jobs: str) -> dict:
        report = json.loads(run_cli("explore", "--scenario", DARA, "--odds", "--json", "--jobs", jobs).out)
        for speed in ("elapsed_seconds", "playthroughs_per_second", "choices_per_second", "jobs"):
            report.pop(speed)
        return report

    assert found("2") == found("1")


@pytest.mark.parametrize("jobs", ["0", "-2"])
def test_jobs_must_be_one_or_more(run_cli, jobs: str) -> None:
    result = run_cli("explore", "--scenario", DARA, "--odds", "--jobs", jobs)
    assert result.code != 0 and "--jobs must be 1 or more" in result.text


def test_a_walk_stopped_by_its_memory_limit_says_so_and_how_to_go_on(run_cli) -> None:
    """The walk also stops at a memory limit (`--max-memory`, default half the machine's) rather
    than make the machine swap; what it prints then is what a walk stopped at its state limit
    prints, with the memory named and the memory limit to raise."""
    result = run_cli("explore", "--odds", "--max-memory", "1", "--jobs", "1", "--runs", "0")
    assert result.code == 0, result.err
    note = next(line for line in result.out_lines if line.startswith("INCOMPLETE:"))
    assert "memory limit of 1 MB" in note and "--max-memory 2" in result.out
    assert all("at least" in line for line in result.out_lines if line.startswith("  ") and "%" in line
               and "not explored" not in line)
    report = json.loads(run_cli("explore", "--odds", "--max-memory", "1", "--jobs", "1", "--runs", "0",
                                "--json").out)
    assert report["complete"] is False and report["memory_reached"] is True and report["max_memory_mb"] == 1
    assert "memory limit" in report["note"]


def test_a_walk_within_its_memory_limit_is_as_without_one(run_cli) -> None:
    plain = json.loads(run_cli("explore", "--scenario", DARA, "--odds", "--jobs", "1", "--json").out)
    roomy = json.loads(run_cli("explore", "--scenario", DARA, "--odds", "--jobs", "1", "--json",
                               "--max-memory", "100000").out)
    assert roomy["complete"] and not roomy["memory_reached"] and roomy["max_memory_mb"] == 100000
    assert roomy["endings"] == plain["endings"] and roomy["states"] == plain["states"]
    assert plain["max_memory_mb"] > 0  # half the machine's, by default


def test_a_memory_limit_below_one_megabyte_is_refused(run_cli) -> None:
    result = run_cli("explore", "--odds", "--max-memory", "0")
    assert result.code != 0 and "--max-memory must be 1 (MB) or more" in result.err
