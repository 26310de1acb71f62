"""How the game speaks of the history a scenario follows: its year and the real person the player
is ("as in 531: this is what Belisarius did"), from the scenario's `year` and `hero`, with plain
words for a scenario that names neither."""

from __future__ import annotations

from dataclasses import dataclass

from game.scenario.compiled import CompiledScenario


@dataclass(frozen=True)
class HistoryWords:
    year: str  # "531", or "history"
    hero: str  # "Belisarius", or "the real commander"

    @classmethod
    def of(cls, scenario: CompiledScenario) -> HistoryWords:
        info = scenario.info
        hero = scenario.character(info.hero) if info.hero else None
        return cls(str(info.year) if info.year else "history", hero.name if hero else "the real commander")

    @property
    def as_in(self) -> str:
        """'as in 531'"""
        return f"as in {self.year}"

    @property
    def in_year(self) -> str:
        """'In 531'"""
        return f"In {self.year}"

    @property
    def did(self) -> str:
        """'this is what Belisarius did.'"""
        return f"this is what {self.hero} did."

    @property
    def chose_otherwise(self) -> str:
        """'In 531, Belisarius chose otherwise: '"""
        return f"{self.in_year}, {self.hero} chose otherwise: "

    @property
    def the_real(self) -> str:
        """'the real Belisarius'"""
        return self.hero if self.hero.lower().startswith("the ") else f"the real {self.hero}"

    @property
    def happened(self) -> str:
        """'What happened in 531', or 'What happened'"""
        return f"What happened in {self.year}" if self.year[:1].isdigit() else "What happened"

    @property
    def beside(self) -> str:
        """'531', or 'the history' (the campaign beside ...)"""
        return self.year if self.year[:1].isdigit() else "the history"

    @property
    def record(self) -> str:
        """'The record of 531': what the sources record, apart from what is imagined."""
        return f"The record of {self.year}" if self.year[:1].isdigit() else "The historical record"
