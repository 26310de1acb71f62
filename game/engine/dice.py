"""Chance: seeded draws for play, exact enumeration for the explorer.

Every random event in the engine is `dice.pick(weights)`. In play the dice are seeded from the
playthrough's seed and the step number, so a draw depends only on (seed, step, draw) and the same
decisions always give the same playthrough. The explorer instead runs a step once per chance path
and weighs each result by its exact probability.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final, Protocol, TypeVar

_MASK: Final = (1 << 64) - 1

T = TypeVar("T")


class Dice(Protocol):
    def pick(self, weights: Sequence[int]) -> int:
        """Index of the outcome drawn, with probability weight/sum (negative weights count as 0)."""
        ...


def _mix(x: int) -> int:
    """The splitmix64 finaliser: a fast, well-distributed 64-bit hash."""
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9 & _MASK
    x = (x ^ (x >> 27)) * 0x94D049BB133111EB & _MASK
    return x ^ (x >> 31)


class SeededDice:
    """The dice of one step of a playthrough."""

    __slots__ = ("base", "count")

    def __init__(self, seed: int, step: int):
        self.base = _mix((seed & _MASK) * 0x9E3779B97F4A7C15 + step * 0xD1B54A32D192ED03 & _MASK)
        self.count = 0

    def pick(self, weights: Sequence[int]) -> int:
        total = 0
        for w in weights:
            if w > 0:
                total += w
        self.count += 1
        if total <= 0:
            return 0
        r = _mix(self.base + self.count * 0x9E3779B97F4A7C15 & _MASK) % total
        for i, w in enumerate(weights):
            if w > 0:
                if r < w:
                    return i
                r -= w
        return len(weights) - 1  # pragma: no cover - unreachable


class _PathDice:
    """Follows a fixed prefix of picks, then always takes the first possible outcome, noting the
    other possible outcomes of each pick it made itself."""

    __slots__ = ("prefix", "picks", "others", "prob")

    def __init__(self, prefix: list[int]):
        self.prefix = prefix
        self.picks: list[int] = []
        self.others: list[list[int]] = []  # per pick past the prefix: the later possible outcomes
        self.prob = 1.0

    def pick(self, weights: Sequence[int]) -> int:
        picks = self.picks
        n = len(picks)
        total = 0
        for w in weights:
            if w > 0:
                total += w
        if total <= 0:
            choice = 0
            if n >= len(self.prefix):
                self.others.append([])
        elif n < len(self.prefix):
            choice = self.prefix[n]
            self.prob *= weights[choice] / total
        else:
            possible = [i for i, w in enumerate(weights) if w > 0]
            choice = possible[0]
            self.others.append(possible[1:])
            self.prob *= weights[choice] / total
        picks.append(choice)
        return choice


def enumerate_chance(fn: Callable[[Dice], T]) -> list[tuple[float, T]]:
    """Every outcome of `fn` over all chance paths, with its exact probability."""
    results: list[tuple[float, T]] = []
    stack: list[list[int]] = [[]]
    while stack:
        prefix = stack.pop()
        dice = _PathDice(prefix)
        result = fn(dice)
        results.append((dice.prob, result))
        picks, start = dice.picks, len(prefix)
        for i in range(len(picks) - 1, start - 1, -1):
            for j in dice.others[i - start]:
                stack.append(picks[:i] + [j])
    return results
