"""Fuzz tests (Hypothesis over bytes and text) of the YAML reader: whatever the bytes, it gives a
Document or a YamlProblem with a line >= 1 within the text and a message. Brief by design
(deterministic, a few hundred examples each), so that they run in CI on every submission."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from game.scenario.yamlread import Document, YamlProblem, parse_yaml

from conftest import FUZZ, YAML_TEXT, max_line


def check_document_or_problem(raw: bytes) -> Document | None:
    try:
        doc = parse_yaml(raw)
    except YamlProblem as exc:
        assert isinstance(exc.line, int) and exc.line >= 1
        assert exc.line <= max_line(raw), (exc.line, exc.message)
        assert exc.message.strip()
        return None
    assert doc.data is not None
    for line in [*doc.lines.values(), *doc.key_lines.values()]:
        assert 1 <= line <= max_line(raw)
    return doc


@FUZZ
@given(raw=st.binary(max_size=2000))
def test_yaml_reader_on_random_bytes(raw):
    check_document_or_problem(raw)


@FUZZ
@given(text=st.lists(st.one_of(YAML_TEXT, st.text(max_size=10)), max_size=40).map("".join))
def test_yaml_reader_on_random_yaml_like_text(text):
    check_document_or_problem(text.encode("utf-8", "surrogatepass"))
