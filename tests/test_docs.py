"""The documentation cannot drift: MODDING.md names every field of every model, its field index
matches the models exactly, its tutorial works as written, and content/schema.json is current."""

from __future__ import annotations

import inspect
import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

import game.scenario.battle_models as battle_models
import game.scenario.models as models
import game.scenario.models_base as models_base
from game.engine.explore import explore_exhaustive
from game.scenario.checker import check_scenario
from game.scenario.compiled import load
from game.scenario.schema import schema_json

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "MODDING.md"
SCHEMA = ROOT / "content" / "schema.json"


def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text of one `## title` section of MODDING.md (to the next `## `)."""
    text = doc()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start: end if end >= 0 else len(text)]


def documented_models() -> dict[str, type[BaseModel]]:
    """Every pydantic model with fields defined in models.py and battle_models.py (and `Route`,
    from models_base.py, which both use), by class name."""
    out = {}
    for module in (models_base, models, battle_models):
        for name, cls in vars(module).items():
            if (inspect.isclass(cls) and issubclass(cls, BaseModel) and cls.__module__ == module.__name__
                    and cls.model_fields):
                out[name] = cls
    return out


def yaml_keys(cls: type[BaseModel]) -> list[str]:
    """The field names as written in YAML: the alias where there is one (`if` for `if_`)."""
    return [field.alias or name for name, field in cls.model_fields.items()]


# -- the JSON Schema -----------------------------------------------------------------------------


def test_committed_schema_is_current():
    assert SCHEMA.is_file(), "content/schema.json is missing: run `callinicum schema > content/schema.json`"
    assert SCHEMA.read_text(encoding="utf-8") == schema_json(), (
        "content/schema.json is stale: run `callinicum schema > content/schema.json`"
    )


def test_schema_command_prints_the_committed_schema(run_cli):
    result = run_cli("schema")
    assert result.code == 0
    assert result.out == SCHEMA.read_text(encoding="utf-8")


def test_dara_files_point_their_editors_at_the_schema():
    for path in sorted((ROOT / "content" / "dara").rglob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        m = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert m, f"{path}: no yaml-language-server modeline on the first line"
        assert (path.parent / m.group(1)).resolve() == SCHEMA.resolve(), path


def test_docs_show_the_modeline_and_the_settings():
    text = section("Editor support: the JSON Schema")
    assert "# yaml-language-server: $schema=../schema.json" in text
    assert '"yaml.schemas"' in text
    assert "callinicum schema > content/schema.json" in text


# -- every field of every model ------------------------------------------------------------------


def test_there_are_models_to_document():
    names = set(documented_models())
    assert {"Scene", "Choice", "Battle", "Setup", "Results", "Tables", "DeployOption", "Order"} <= names


@pytest.mark.parametrize("name", sorted(documented_models()))
def test_every_field_is_mentioned(name):
    text = doc()
    cls = documented_models()[name]
    for key in yaml_keys(cls):
        as_code = f"`{key}`" in text
        as_yaml_key = re.search(rf"^\s*(?:- )?{re.escape(key)}:", text, re.M) is not None
        assert as_code or as_yaml_key, f"MODDING.md does not mention {name}.{key}"


def field_index() -> dict[str, list[str]]:
    rows = {}
    for line in section("Field index").splitlines():
        m = re.match(r"^\| `(\w+)` \| [^|]* \| (.*) \|$", line)
        if m:
            rows[m.group(1)] = re.findall(r"`([^`]+)`", m.group(2))
    return rows


def test_field_index_matches_the_models_exactly():
    index = field_index()
    models_ = documented_models()
    assert set(index) == set(models_), "the field index lists other models than the code defines"
    for name, cls in models_.items():
        assert index[name] == yaml_keys(cls), f"the field index row for {name} is out of date"


def literal_values(alias: object) -> list[str]:
    return [str(v) for v in typing.get_args(alias)]


@pytest.mark.parametrize("what, values", [
    ("action", literal_values(battle_models.Action)),
    ("phase kind", literal_values(battle_models.PhaseKind)),
    ("terrain", literal_values(battle_models.Terrain)),
])
def test_battles_section_documents_every_action_kind_and_terrain(what, values):
    text = section("Battles")
    assert values
    for value in values:
        assert f"`{value}`" in text, f"the Battles section does not document the {what} `{value}`"


def test_every_order_action_has_its_own_entry():
    text = section("Battles")
    for action in literal_values(battle_models.Action):
        assert re.search(rf"^- `{action}`: ", text, re.M), f"no '- `{action}`: ...' entry"
    for kind in literal_values(battle_models.PhaseKind):
        assert f"**`{kind}`**" in text


def test_mods_and_checker_are_documented():
    mods = section("Where scenarios and mods are found")
    assert "--mod" in mods and "same relative path" in mods and "added" in mods
    check = section("Checking a scenario")
    assert "--strict" in check and "**Errors**" in check and "**Warnings**" in check


# -- the tutorial works as written ---------------------------------------------------------------


def tutorial_files() -> dict[str, str]:
    """The tutorial's YAML blocks, by the file name in their first-line comment."""
    out = {}
    for block in re.findall(r"```yaml\n(.*?)```", section("Tutorial: a scenario from nothing"), re.S):
        first = block.splitlines()[0]
        if first.startswith("# my_scenario/"):
            out[first[2:].strip()] = block
    return out


def test_tutorial_step_one_is_a_clean_scenario(tmp_path, monkeypatch, run_cli):
    files = tutorial_files()
    assert set(files) == {"my_scenario/scenario.yaml", "my_scenario/road.yaml"}
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my_scenario").mkdir()
    (tmp_path / "my_scenario/scenario.yaml").write_text(files["my_scenario/scenario.yaml"], encoding="utf-8")
    cs = load("my_scenario")
    assert check_scenario(cs) == []
    text = section("Tutorial: a scenario from nothing")
    result = run_cli("check", "my_scenario")
    assert result.code == 0
    assert f"`{result.out_lines[-1]}`" in text
    report = explore_exhaustive(cs)
    assert report.complete and not report.unreached_endings
    shown = {e: f"{v:.2%}".replace(".00%", "%") for e, v in report.endings.items()}
    assert f"`home` {shown['home']}" in text.replace("\n", " ")

    # the deliberate mistake gives the message the tutorial shows
    path = tmp_path / "my_scenario/scenario.yaml"
    path.write_text(files["my_scenario/scenario.yaml"].replace("next: held", "next: helt"), encoding="utf-8")
    result = run_cli("check", "my_scenario")
    assert result.code == 1
    assert result.out_lines[0] in text


def test_tutorial_step_five_grows_it(tmp_path):
    files = tutorial_files()
    folder = tmp_path / "my_scenario"
    folder.mkdir()
    main = files["my_scenario/scenario.yaml"]
    old = "        label: Burn the bridge and march home\n        next: home\n"
    assert main.count(old) == 1
    main = main.replace(old, "        label: Burn the bridge and march home\n"
                             "        effects: [burned = true]\n        next: the_road\n")
    (folder / "scenario.yaml").write_text(main, encoding="utf-8")
    (folder / "road.yaml").write_text(files["my_scenario/road.yaml"], encoding="utf-8")
    cs = load(folder)
    assert check_scenario(cs) == []
    report = explore_exhaustive(cs)
    assert report.complete and not report.unreached_endings and not report.unvisited_scenes
