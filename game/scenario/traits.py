"""What the scenario's items can say of themselves beyond their fields, shared by the validated
models (`models`, `battle_models`) and the plain records the game plays from (`frozen`). Nothing
here imports pydantic, and nothing here is annotated as a field: pydantic would take it for one of
the model's."""

from __future__ import annotations

from typing import Any


class UnitTraits:
    __slots__ = ()

    @property
    def is_enemy(self) -> bool:
        return self.side != "roman"  # type: ignore[attr-defined]


class ChoiceTraits:
    __slots__ = ()

    @property
    def chronicles(self) -> list[Any]:
        """The chronicle entries, one or many, in order."""
        if self.chronicle is None:
            return []
        return list(self.chronicle) if isinstance(self.chronicle, list) else [self.chronicle]


class BattleTraits:
    __slots__ = ()

    @property
    def ground(self) -> list[str]:
        """The terrain at every position of the line, left to right."""
        if self.terrain is not None:
            return list(self.terrain)
        return [self.terrain_left] + ["open"] * (len(self.line) - 2) + [self.terrain_right]


#: By the name of the model class: the traits its records share.
TRAITS: dict[str, type] = {"Unit": UnitTraits, "Choice": ChoiceTraits, "Battle": BattleTraits}
