"""What were the odds: exact where the walk completes, estimated with a margin otherwise, and the
decision where the player's own odds moved most."""

from __future__ import annotations

import json
import os
import random
import shutil
import stat

import pytest

from game import DEFAULT_SCENARIO
from game.engine.campaign import Campaign
from game.engine.explore import explore_exhaustive
from game.scenario.compiled import load
from game.session.odds import KEPT, estimate, keep_odds, kept_odds, odds_from, odds_story
from game.session.playthrough import Playthrough

from conftest import FROZEN, MINI


@pytest.fixture(scope="module")
def mini():
    return load(MINI)


def test_exact_odds_are_the_explorers(mini) -> None:
    start = Campaign(mini).start()
    odds = odds_from(mini, start)
    assert odds.exact and odds.runs == 0 and odds.margin == 0
    # the game walks one state at a time (no numpy in its process): those figures exactly, and the
    # sweep's but for the order in which floats are added
    assert odds.endings == explore_exhaustive(mini, origin=start, odds=True, sweep=False).endings
    swept = explore_exhaustive(mini, origin=start, odds=True).endings
    assert odds.endings == pytest.approx(swept, rel=1e-12)
    assert abs(sum(odds.endings.values()) - 1) < 1e-9


def test_an_estimate_falls_within_its_margin_of_the_exact_odds(mini) -> None:
    start = Campaign(mini).start()
    exact = odds_from(mini, start).endings
    guess = odds_from(mini, start, budget=0, runs=4000, seed=3)
    assert not guess.exact and guess.runs == 4000 and 0 < guess.margin < 0.05
    assert set(guess.endings) == set(exact)
    for ending, p in exact.items():
        assert abs(guess.endings[ending] - p) <= guess.margin + 0.01, ending
    # the same seed gives the same estimate
    assert estimate(mini, start, 500, seed=9) == estimate(mini, start, 500, seed=9)


def test_the_odds_story_ends_certain_and_names_the_decision_that_moved_most(mini) -> None:
    for seed in range(20):
        p = Playthrough.new(mini, seed)
        rng = random.Random(seed)
        while not p.ending:
            p.choose(rng.choice([o.id for o in p.options() if o.available]))
        story = odds_story(p, runs=200, seed=1)
        assert story.ending == p.ending
        assert len(story.steps) == len(p.decisions) + 1 and story.steps[-1] == 1.0
        assert story.at_start == story.steps[0]
        moves = [b - a for a, b in zip(story.steps, story.steps[1:])]
        assert story.moved == moves[story.turning_point]
        assert abs(story.moved) == max(abs(m) for m in moves)


def test_odds_story_needs_an_ending(mini) -> None:
    with pytest.raises(ValueError):
        odds_story(Playthrough.new(mini, 1))


def test_odds_from_tells_its_progress_and_stops_when_told_to() -> None:
    """The interface shows the walk's progress, and stops it when the player closes the screen."""
    cs = load(FROZEN)  # a campaign: from its start the walk runs out
    shares: list[float] = []

    class Closed(Exception):
        pass

    def told(share: float) -> None:
        shares.append(share)
        if len(shares) == 2:
            raise Closed

    with pytest.raises(Closed):
        odds_from(cs, Campaign(cs).start(), progress=told)
    assert 0 < shares[0] < shares[1] <= 1


# -- the odds from the first scene, kept beside the scenario's files ----------------------------


@pytest.fixture
def kept_mini(tmp_path):
    """A copy of the mini scenario with its exact odds from the first scene kept beside it."""
    folder = tmp_path / "mini"
    shutil.copytree(MINI, folder)
    cs = load(folder)
    report = explore_exhaustive(cs, odds=True)
    assert report.complete
    path = keep_odds(cs, report.endings, report.states)
    assert path == folder / KEPT
    return folder, report


def test_kept_odds_are_what_the_walk_found_and_the_game_shows_them(kept_mini) -> None:
    folder, report = kept_mini
    cs = load(folder)
    kept = kept_odds(cs)
    assert kept is not None and kept.exact and kept.endings == report.endings
    start = Campaign(cs).start()
    # with no budget for a walk, the odds from the first scene are still exact: the kept ones
    assert odds_from(cs, start, budget=0, runs=50) == kept
    # from any later point they are worked out as before (here: estimated, with no budget)
    p = Playthrough.new(cs, 1)
    p.choose(next(o.id for o in p.options() if o.available))
    assert not odds_from(cs, p.state, budget=0, runs=50).exact
    # the story of a playthrough's odds begins at the kept figure
    rng = random.Random(4)
    while not p.ending:
        p.choose(rng.choice([o.id for o in p.options() if o.available]))
    assert odds_story(p, runs=50).steps[0] == kept.endings[p.ending]


def _edit_odds(folder, change) -> None:
    path = folder / KEPT
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _first(data) -> str:
    return next(iter(data["endings"]))


@pytest.mark.parametrize("damage", [
    lambda f: (f / KEPT).write_text("{ not json"),
    lambda f: (f / KEPT).write_bytes(b"\xff\xfe\x00"),
    lambda f: (f / KEPT).write_text("[1, 2]"),
    lambda f: _edit_odds(f, lambda d: d.update(format=2)),
    lambda f: _edit_odds(f, lambda d: d.update(scenario="dara")),
    lambda f: _edit_odds(f, lambda d: d.update(content_hash="0" * 16)),
    lambda f: _edit_odds(f, lambda d: d.update(endings=[0.5, 0.5])),
    lambda f: _edit_odds(f, lambda d: d["endings"].pop(_first(d))),
    lambda f: _edit_odds(f, lambda d: d["endings"].update(no_such_ending=0.0)),
    lambda f: _edit_odds(f, lambda d: d["endings"].update({_first(d): True})),
    lambda f: _edit_odds(f, lambda d: d["endings"].update({_first(d): "0.5"})),
    lambda f: _edit_odds(f, lambda d: d["endings"].update({_first(d): -0.1})),
    lambda f: _edit_odds(f, lambda d: d["endings"].update({_first(d): d["endings"][_first(d)] + 0.01})),
    lambda f: _edit_odds(f, lambda d: d.update(endings={e: (1.5 if i == 0 else -0.5 if i == 1 else 0.0)
                                                      for i, e in enumerate(d["endings"])})),
    lambda f: _edit_odds(f, lambda d: d.update(code="0" * 24)),
    lambda f: _edit_odds(f, lambda d: d.pop("code")),
    lambda f: (f / KEPT).write_text("[" * 100_000 + "]" * 100_000),
    lambda f: (f / KEPT).write_text((f / KEPT).read_text() + " " * 70_000),
    lambda f: ((f / KEPT).unlink(), (f / KEPT).mkdir()),
    lambda f: ((f / KEPT).unlink(), os.mkfifo(f / KEPT)),
    lambda f: (f / "scenario.yaml").write_text((f / "scenario.yaml").read_text() + "\n# a changed file\n"),
], ids=["not-json", "not-text", "not-an-object", "format", "other-scenario", "other-files", "endings-a-list",
        "an-ending-missing", "an-ending-too-many", "a-flag", "a-string", "negative", "not-adding-up",
        "out-of-range-adding-up", "other-code", "no-code", "nested-deep", "too-large", "a-folder", "a-pipe",
        "a-file-changed"])
def test_kept_odds_that_are_damaged_or_for_other_files_are_never_shown(kept_mini, damage) -> None:
    """The screen then estimates the odds from the first scene, as it does without any kept."""
    folder, _ = kept_mini
    damage(folder)
    cs = load(folder)
    assert kept_odds(cs) is None
    assert not odds_from(cs, Campaign(cs).start(), budget=0, runs=50).exact


def test_kept_odds_are_for_the_code_that_walked_them(kept_mini, monkeypatch) -> None:
    """Odds kept by other game code (an upgrade that changed the rules) are not shown as exact."""
    from game.session import odds as session_odds

    folder, _ = kept_mini
    assert kept_odds(load(folder)) is not None
    monkeypatch.setattr(session_odds, "code_digest", lambda: "f" * 24)
    assert kept_odds(load(folder)) is None


def test_kept_odds_are_readable_by_every_player(kept_mini) -> None:
    folder, _ = kept_mini
    mask = os.umask(0o022)
    try:
        cs = load(folder)
        keep_odds(cs, kept_odds(cs).endings, 1)
    finally:
        os.umask(mask)
    assert stat.S_IMODE((folder / KEPT).stat().st_mode) == 0o644


def test_kept_odds_are_not_those_of_the_scenario_with_a_mod(kept_mini, tmp_path) -> None:
    folder, _ = kept_mini
    mod = tmp_path / "mod"
    mod.mkdir()
    # a mod that gives the same scenario file, with a word more
    (mod / "scenario.yaml").write_text((folder / "scenario.yaml").read_text() + "\n# the mod's\n")
    assert kept_odds(load(folder)) is not None
    assert kept_odds(load(folder, [mod])) is None


@pytest.mark.parametrize("name", ["callinicum", "dara", "satala"])
def test_every_shipped_scenario_keeps_its_odds_from_the_first_scene(name: str) -> None:
    """Kept for the files as they are, and what the walk finds (Callinicum's walk itself is
    compared in tests/scenario/test_callinicum.py, where it is walked anyway)."""
    cs = load(DEFAULT_SCENARIO.parent / name)
    kept = kept_odds(cs)
    assert kept is not None and kept.exact, (
        f"content/{name}/odds.json is missing or stale (the scenario or the engine changed): "
        f"callinicum explore --scenario content/{name} --odds --keep")
    if name != "callinicum":
        walked = explore_exhaustive(cs, odds=True)
        assert walked.complete and kept.endings == pytest.approx(walked.endings, rel=1e-12, abs=1e-15)
