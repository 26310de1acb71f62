"""The title screen's reader of a scenario's `scenario:` block (game/scenario/quickyaml.py): what it
reads is what PyYAML reads, and whatever it is not sure of it leaves to PyYAML (None)."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from game import CONTENT
from game.scenario.quickyaml import text_fields

from conftest import FUZZ, YAML_TEXT

WANTED = ("id", "title", "subtitle", "intro")
HEAD = (CONTENT / "callinicum" / "scenario.yaml").read_text(encoding="utf-8").split("\nqualities:")[0] + "\n"


def pyyaml(source: str) -> dict[str, str] | None:
    """The wanted text fields of the `scenario:` block as PyYAML reads them (None: it cannot)."""
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError:
        return None
    info = data.get("scenario") if isinstance(data, dict) else None
    if not isinstance(info, dict):
        return None
    return {k: v for k, v in info.items() if k in WANTED and isinstance(v, str)}


@pytest.mark.parametrize("name", ["callinicum", "dara", "satala"])
def test_the_shipped_scenarios_are_read_without_pyyaml_as_pyyaml_reads_them(name: str) -> None:
    source = (CONTENT / name / "scenario.yaml").read_text(encoding="utf-8")
    read = text_fields(source, "scenario", WANTED)
    assert read is not None and set(read) == set(WANTED)
    assert read == pyyaml(source)


READ = {
    "as shipped": HEAD,
    "a stripped introduction": HEAD.replace("intro: |", "intro: |-"),
    "blank lines before the introduction": HEAD.replace("intro: |\n", "intro: |\n\n"),
    "a line indented deeper": HEAD.replace("\n    You are", "\n      You are"),
    "an address with colons": HEAD.replace("title: Callinicum 531", "title: see http://x.org/a:b"),
    "quotes inside a title": HEAD.replace("title: Callinicum 531", "title: Belisarius' \"war\""),
    "spaces after a title": HEAD.replace("title: Callinicum 531", "title: Callinicum 531   "),
    "other fields quoted or negative": HEAD.replace('version: "1.0"', "version: '1.0'").replace(
        "year: 531", "year: -531"),
    "entries four spaces in": HEAD.replace("\n  ", "\n    ").replace("\n      ", "\n        "),
    "a comment after the key": HEAD.replace("scenario:", "scenario:  # the head"),
}
LEFT = {
    "a quoted title": HEAD.replace("title: Callinicum 531", 'title: "Callinicum 531"'),
    "a folded introduction": HEAD.replace("intro: |", "intro: >"),
    "a kept introduction": HEAD.replace("intro: |", "intro: |+"),
    "a title that is a number": HEAD.replace("title: Callinicum 531", "title: 531"),
    "a title that is a boolean": HEAD.replace("title: Callinicum 531", "title: yes"),
    "a comment after a title": HEAD.replace("title: Callinicum 531", "title: Callinicum 531  # c"),
    "a title with a mapping in it": HEAD.replace("title: Callinicum 531", "title: Callinicum: 531"),
    "a title over two lines": HEAD.replace("title: Callinicum 531", "title: Callinicum\n    531"),
    "a nested mapping": HEAD.replace("  hero: belisarius", "  hero:\n    a: b"),
    "a flow sequence": HEAD.replace("  hero: belisarius", "  hero: [a, b]"),
    "an anchor": HEAD.replace("  hero: belisarius", "  hero: &x belisarius"),
    "a tab": HEAD.replace("  hero: belisarius", "  hero:\tbelisarius"),
    "a line of spaces in the introduction": HEAD.replace("\n\n    You", "\n      \n    You"),
    "two scenario blocks": HEAD + "scenario:\n  id: x\n",
    "no scenario block": HEAD.replace("scenario:", "scenery:"),
    "a document marker": "---\n" + HEAD,
    "an empty introduction": HEAD.replace("intro: |", "intro:"),
    "a line break of Windows": HEAD.replace("\n", "\r\n"),
}


@pytest.mark.parametrize("name", READ)
def test_simple_yaml_is_read_as_pyyaml_reads_it(name: str) -> None:
    read = text_fields(READ[name], "scenario", WANTED)
    assert read is not None and read == pyyaml(READ[name])


@pytest.mark.parametrize("name", LEFT)
def test_anything_else_is_left_to_pyyaml(name: str) -> None:
    assert text_fields(LEFT[name], "scenario", WANTED) is None


@FUZZ
@given(at=st.integers(0, len(HEAD)), inserted=YAML_TEXT)
def test_whatever_is_written_into_the_block_it_reads_as_pyyaml_or_not_at_all(at: int, inserted: str) -> None:
    """Never other fields than PyYAML's. (Where PyYAML cannot read the file at all, the block may
    still be read: the loader then reports the mistake, with its line, as the campaign loads.)"""
    source = HEAD[:at] + inserted + HEAD[at:]
    read, reference = text_fields(source, "scenario", WANTED), pyyaml(source)
    assert read is None or reference is None or read == reference
