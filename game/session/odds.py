"""What were the odds? The probability of each ending from a point of a playthrough, and where the
player's own odds moved most.

Odds are those of the explorer: every open decision equally likely, every chance outcome by its
weight. They are exact where the exhaustive walk completes within a small budget of states (from
the eve of the battle on, in about a second), and otherwise estimated from random playthroughs,
with the margin of the estimate (95%, the largest over the endings). From the first scene they are
exact when `callinicum explore --odds --keep` has walked every road and kept the figures beside the
scenario's files (`odds.json`, for the files it walked: a changed scenario or a mod is estimated).
"""

from __future__ import annotations

import json
import math
import os
import random
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from game.atomic import atomic_write
from game.engine import native
from game.engine.campaign import Campaign, State
from game.engine.dice import SeededDice
from game.engine.explore import explore_exhaustive
from game.scenario.compiled import CEnding, CompiledScenario
from game.session.playthrough import Playthrough

Progress = Callable[[float], None]  # called with the share done, 0..1


@dataclass(frozen=True)
class Odds:
    endings: dict[str, float]  # ending id -> probability, every ending of the scenario
    exact: bool
    runs: int = 0  # random playthroughs behind an estimate (0 when exact)
    margin: float = 0.0  # 95% margin of an estimate, as a probability (0 when exact)
    decisions_left: float = 0.0  # an estimate's mean number of decisions to an ending
    # the share of random play the figures stand for: 1 for exact odds (only a complete walk is
    # given as exact); for an estimate, the share of its playthroughs that reached an ending (the
    # others met a dead end or ran too long, and are left out of the figures)
    covered: float = 1.0

    def likeliest(self) -> str:
        return max(self.endings, key=lambda e: self.endings[e])

    def coverage_note(self) -> str | None:
        """What the figures leave out, in words; None when they stand for every playthrough."""
        if self.covered >= 1.0:
            return None
        return (f"these odds are of the {self.covered:.1%} of playthroughs that reached an ending; "
                f"the other {1 - self.covered:.1%} met a dead end or went on too long")


def _ending_ids(cs: CompiledScenario) -> list[str]:
    return [n.model.id for n in cs.nodes if isinstance(n, CEnding)]


KEPT = "odds.json"  # beside a scenario's files: the exact odds of every ending from its first scene
KEPT_FORMAT = 1
KEPT_LIMIT = 64 * 1024  # bytes: a kept file is a few hundred; anything larger is not one


def code_digest() -> str:
    """The digest of the code that works the odds out (the engine, and the scenario's compiled
    form): odds kept by other code are not shown, for they may no longer be the odds."""
    return native.code_digest()[:24]


def _read_kept(path: Path) -> object:
    """The kept file's JSON; None when it is not a regular file of at most KEPT_LIMIT bytes of
    UTF-8 JSON (a pipe, a device, a folder, something huge or nested beyond reason)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, "rb") as f:
            raw = f.read(KEPT_LIMIT + 1)
        if len(raw) > KEPT_LIMIT:
            return None
        return json.loads(raw.decode("utf-8"))
    except (OSError, ValueError, RecursionError, MemoryError):
        return None


def kept_odds(cs: CompiledScenario) -> Odds | None:
    """The exact odds of every ending from the first scene, as `callinicum explore --odds --keep`
    kept them beside the scenario's files. None when there are none, when they were walked from
    other files (the scenario changed since, or a mod is added to it) or by other code, or when
    the file is not what `keep_odds` writes: the odds are then estimated, as for any other point of
    the story."""
    data = _read_kept(Path(cs.folder) / KEPT)
    if not isinstance(data, dict) or data.get("format") != KEPT_FORMAT or data.get("scenario") != cs.id:
        return None
    if data.get("content_hash") != cs.content_hash or data.get("code") != code_digest():
        return None
    figures, ids = data.get("endings"), _ending_ids(cs)
    if not isinstance(figures, dict) or sorted(figures) != sorted(ids):
        return None
    if not all(type(f) in (int, float) and 0 <= f <= 1 for f in figures.values()):
        return None
    if abs(math.fsum(figures.values()) - 1.0) > 1e-9:
        return None
    return Odds({e: float(figures[e]) for e in ids}, exact=True)


def keep_odds(cs: CompiledScenario, endings: Mapping[str, float], states: int) -> Path:
    """Keep the exact odds from the first scene (a complete walk's) beside the scenario's files,
    for the files they were walked from; the file written. OSError when it cannot be written."""
    path = Path(cs.folder) / KEPT
    data = {
        "format": KEPT_FORMAT,
        "about": "The exact odds of every ending from the first scene, every open choice as likely as "
                 "the next and the dice by their odds, written by `callinicum explore --odds --keep` for "
                 "the scenario files whose digest is content_hash, by the game code whose digest is code.",
        "scenario": cs.id,
        "content_hash": cs.content_hash,
        "code": code_digest(),
        "states": states,
        "endings": {e: float(endings.get(e, 0.0)) for e in _ending_ids(cs)},
    }
    atomic_write(path, (json.dumps(data, indent=2) + "\n").encode())
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)  # readable by every player of the scenario, as its other files are
    return path


def estimate(cs: CompiledScenario, state: State, runs: int, seed: int = 0, max_steps: int = 1000,
             progress: Progress | None = None) -> Odds:
    """Random playthroughs from `state`; each run's dice are seeded by `seed` and the run.
    `progress`, if given, is told the share of the runs done every hundred runs."""
    campaign = Campaign(cs)
    counts = dict.fromkeys(_ending_ids(cs), 0)
    finished = steps = 0
    for run in range(runs):
        if progress is not None and run % 100 == 99:
            progress((run + 1) / runs)
        run_seed = (seed * 1_000_003 + run) & 0x7FFFFFFFFFFFFFFF
        rng = random.Random(run_seed)
        s = state
        for k in range(max_steps):
            ending = campaign.ending(s)
            if ending is not None:
                counts[ending] += 1
                finished += 1
                steps += k
                break
            options = campaign.available(s)
            if not options:
                break
            s = campaign.step(s, options[rng.randrange(len(options))], SeededDice(run_seed, k),
                              check=False, log=False).state
    total = max(1, finished)
    probs = {e: n / total for e, n in counts.items()}
    margin = max((1.96 * math.sqrt(p * (1 - p) / total) for p in probs.values()), default=0.0)
    return Odds(probs, exact=False, runs=finished, margin=max(margin, 1 / total), decisions_left=steps / total,
                covered=finished / runs if runs else 1.0)


def odds_from(cs: CompiledScenario, state: State, *, budget: int = 6_000, runs: int = 2_000,
              seed: int = 0, progress: Progress | None = None, exact_within: float = 16) -> Odds:
    """Exact odds if the walk completes within `budget` states, else an estimate from `runs` playthroughs.

    The estimate comes first (a fraction of a second); the exact walk is tried only when the story
    is near its end (at most `exact_within` decisions left, on average), where it can complete: from
    an early decision it would spend its whole budget and still fall back on the estimate. An
    incomplete walk is never given as exact odds. The walk runs in this process (the game calls this
    from a thread, where starting processes is not safe). `progress`, if given, is told now and
    then the share of the budget walked; an exception it raises stops the walk."""
    if state == Campaign(cs).start():
        kept = kept_odds(cs)
        if kept is not None:
            return kept
    first = None if progress is None else (lambda share: progress(share / 10))  # the estimate: the first tenth
    guess = estimate(cs, state, runs, seed, progress=first)
    if budget > 0 and guess.decisions_left <= exact_within:
        tell = None if progress is None else (lambda n: progress(0.1 + 0.9 * min(1.0, n / budget)))
        # one state at a time (not the sweep): a walk this small is as quick so, and the sweep's
        # numpy would stay in the game's memory for the rest of the campaign
        report = explore_exhaustive(cs, max_states=budget, origin=state, odds=True, progress=tell, sweep=False)
        if report.complete:
            return Odds(dict(report.endings), exact=True)
    return guess


@dataclass(frozen=True)
class OddsStory:
    """The odds of the ending the player reached, before each decision, and after the last."""

    ending: str
    at_start: float  # how likely this ending was from the first decision
    steps: tuple[float, ...]  # before decision i (i = 0..n-1), then after the last (len n + 1)
    turning_point: int | None  # the decision (0-based) that moved these odds most
    moved: float  # by how much (a signed change in probability)


def odds_story(p: Playthrough, runs: int = 300, seed: int = 0, progress: Progress | None = None) -> OddsStory:
    """How the odds of the player's own ending moved, decision by decision (estimated from `runs`
    random playthroughs before each decision, but for the first scene's kept exact odds; exact at
    the end, where the ending is certain)."""
    ending = p.ending
    if ending is None:
        raise ValueError("the playthrough has not reached an ending")
    cs = p.scenario
    n = len(p.decisions)
    kept = kept_odds(cs)  # the odds from the first scene, where every playthrough begins
    steps: list[float] = []
    for i in range(n):
        if i == 0 and kept is not None:
            steps.append(kept.endings[ending])
        else:
            steps.append(estimate(cs, p.states[i], runs, seed + i).endings[ending])
        if progress is not None:
            progress((i + 1) / n)
    steps.append(1.0)
    moves = [steps[i + 1] - steps[i] for i in range(n)]
    turning = max(range(n), key=lambda i: abs(moves[i])) if n else None
    return OddsStory(ending, steps[0] if steps else 1.0, tuple(steps), turning,
                     moves[turning] if turning is not None else 0.0)
