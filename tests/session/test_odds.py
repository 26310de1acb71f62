"""What were the odds: exact where the walk completes, estimated with a margin otherwise, and the
decision where the player's own odds moved most."""

from __future__ import annotations

import random

import pytest

from game.engine.campaign import Campaign
from game.engine.explore import explore_exhaustive
from game.scenario.compiled import load
from game.session.odds import estimate, odds_from, odds_story
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
