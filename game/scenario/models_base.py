"""Types shared by the scenario and battle formats."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

Id = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64),
    Field(description="lower_snake_case identifier"),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
Line = Annotated[str, StringConstraints(min_length=1, max_length=500)]
def _number_as_text(value: object) -> object:
    """A bare number (`weight: 3`) or truth value (`if: true`) is the expression it spells."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int) else value


Expr = Annotated[
    str,
    BeforeValidator(_number_as_text),
    StringConstraints(min_length=1, max_length=500),
    Field(description="an expression; see MODDING.md, 'Expressions'"),
]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Variant(Model):
    """Extra text shown when its condition holds."""

    if_: Expr = Field(alias="if")
    text: Text


class Route(Model):
    """One branch of a conditional `next`: the first whose condition holds is taken."""

    if_: Expr | None = Field(None, alias="if")
    to: Id


Next = Id | list[Route]


