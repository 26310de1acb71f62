"""The JSON Schema of scenario files, generated from the pydantic models."""

from __future__ import annotations

import json

from game.scenario.models import ScenarioFile


def schema() -> dict:
    out = ScenarioFile.model_json_schema(by_alias=True)
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["title"] = "Callinicum 531 scenario file"
    return out


def schema_json() -> str:
    return json.dumps(schema(), indent=2, sort_keys=True) + "\n"
