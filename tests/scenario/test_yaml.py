"""Safe YAML reading: every value keeps its line, and nothing unsafe or malformed gets through."""

from __future__ import annotations


import pytest

from game.scenario import yamlread
from game.scenario.yamlread import MAX_DEPTH, MAX_FILE_BYTES, YamlProblem, parse_yaml, read_yaml

from conftest import BILLION_LAUGHS


def problem_of(raw: bytes | str) -> YamlProblem:
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    with pytest.raises(YamlProblem) as info:
        parse_yaml(data)
    return info.value


# -- what is read ----------------------------------------------------------------------------


def test_plain_data_and_lines():
    doc = parse_yaml(
        b"scenes:\n"
        b"  - id: camp\n"
        b"    title: The camp\n"
        b"    choices:\n"
        b"      - id: go\n"
        b"        next: march\n"
    )
    assert doc.data == {
        "scenes": [{"id": "camp", "title": "The camp", "choices": [{"id": "go", "next": "march"}]}]
    }
    assert doc.line_of(("scenes",)) == 2  # a block sequence starts at its first item
    assert doc.line_of(("scenes", 0)) == 2
    assert doc.line_of(("scenes", 0, "title")) == 3
    assert doc.line_of(("scenes", 0, "choices", 0, "next")) == 6
    # a path that does not exist falls back to its nearest ancestor
    assert doc.line_of(("scenes", 0, "choices", 0, "missing", 3)) == 5
    assert doc.line_of(("nothing",)) == 1


def test_scalars_are_plain_python_values():
    doc = parse_yaml(
        b"a: 12\nb: -3\nc: 0x1F\ne: 1_000\nf: 2.5\ng: true\nh: no\ni: ~\n"
        b"j: 2024-04-19\nk: '12'\nl: on\nm: null\n"
    )
    assert doc.data == {
        "a": 12, "b": -3, "c": 31, "e": 1000, "f": 2.5, "g": True, "h": False, "i": None,
        "j": "2024-04-19", "k": "12", "l": True, "m": None,
    }


def test_brackets_and_markup_in_text_are_kept():
    doc = parse_yaml(b"text: |\n  [Brackets] stay as written: *not* markup.\n\n  Second paragraph.\n")
    assert doc.data["text"] == "[Brackets] stay as written: *not* markup.\n\nSecond paragraph.\n"


def test_byte_order_mark_is_ignored():
    doc = parse_yaml("\ufeffflags:\n  - id: a\n".encode("utf-8"))
    assert doc.data == {"flags": [{"id": "a"}]}
    assert doc.line_of(("flags", 0, "id")) == 2


def test_windows_line_endings_keep_lines():
    doc = parse_yaml(b"flags:\r\n  - id: a\r\n  - id: b\r\n")
    assert doc.line_of(("flags", 1, "id")) == 3


def test_read_yaml_reads_a_file(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("flags:\n  - id: a\n", encoding="utf-8")
    assert read_yaml(path).data == {"flags": [{"id": "a"}]}


def test_read_yaml_missing_file_is_a_problem(tmp_path):
    with pytest.raises(YamlProblem) as info:
        read_yaml(tmp_path / "missing.yaml")
    assert info.value.line == 1
    assert "cannot read file" in info.value.message


# -- malformed ---------------------------------------------------------------------------------


def test_syntax_error_has_its_line():
    p = problem_of("flags:\n  - id: a\n  - id: [b\n  - id: c\n")
    assert p.message.startswith("YAML syntax:")
    assert p.line == 4


def test_unclosed_quote():
    p = problem_of('a: 1\nb: "open\nc: 3\n')
    assert p.message.startswith("YAML syntax:")


def test_tab_indentation():
    p = problem_of("flags:\n  - id: a\n\tstart: true\n")
    assert p.line == 3
    assert p.message == "YAML syntax: found a tab character that violates indentation"


def test_duplicate_key():
    p = problem_of("flags:\n  - id: a\n    start: true\n    start: false\n")
    assert (p.line, p.message) == (4, "duplicate key 'start'")


def test_duplicate_top_level_section():
    p = problem_of("flags: []\nunits: []\nflags: []\n")
    assert (p.line, p.message) == (3, "duplicate key 'flags'")


def test_several_documents():
    p = problem_of("flags: []\n---\nflags: []\n")
    assert p.line == 2
    assert p.message.startswith("YAML syntax:")


def test_empty_file():
    assert (problem_of(b"").line, problem_of(b"").message) == (1, "file is empty")


@pytest.mark.parametrize("raw", [b"   \n\n", b"# only a comment\n", b"\n# comment\n\n"])
def test_blank_files_are_empty(raw):
    p = problem_of(raw)
    assert (p.line, p.message) == (1, "file is empty")


@pytest.mark.parametrize("raw", [b"---\n", b"~\n", b"null\n"])
def test_a_lone_null_document_reads_as_nothing(raw):
    # not a mapping: the loader reports it as such (see test_loader)
    assert parse_yaml(raw).data is None


def test_binary_file():
    p = problem_of(b"flags:\n  - id: a\x00\x01\x02\xff")
    assert (p.line, p.message) == (1, "file is binary, not YAML text")


def test_non_utf8_reports_the_line():
    raw = "flags:\n  - id: a\n    description: caf\xe9\n".encode("latin-1")
    p = problem_of(raw)
    assert (p.line, p.message) == (3, "file is not UTF-8 text (save it as UTF-8)")


def test_utf16_is_not_utf8():
    p = problem_of("flags: []\n".encode("utf-16"))
    assert p.line == 1
    assert "binary" in p.message or "UTF-8" in p.message


def test_huge_file():
    raw = b"# " + b"x" * (MAX_FILE_BYTES + 10) + b"\n"
    p = problem_of(raw)
    assert p.line == 1
    assert p.message.startswith("file is too large (")
    assert "the limit is 2,000,000" in p.message


def test_just_under_the_size_limit_is_read():
    raw = b"a: 1\n# " + b"x" * (MAX_FILE_BYTES - 20) + b"\n"
    assert len(raw) <= MAX_FILE_BYTES
    assert parse_yaml(raw).data == {"a": 1}


# -- unsafe ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        '!!python/object/apply:os.system ["touch PWNED"]',
        "!!python/object/new:os.system [touch PWNED]",
        "!!python/name:os.system",
        "!!python/module:os",
        '!!python/object:os.system {cmd: "touch PWNED"}',
    ],
)
def test_python_tags_are_refused_and_never_run(value, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    p = problem_of(f"flags:\n  - id: a\n    description: {value}\n")
    assert p.line == 3
    assert p.message.startswith("YAML tag 'tag:yaml.org,2002:python/")
    assert p.message.endswith("' is not allowed")
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize(
    "raw, tag",
    [
        ("flags: !!set {a, b}\n", "tag:yaml.org,2002:set"),
        ("flags: !!binary aGVsbG8=\n", "tag:yaml.org,2002:binary"),
        ("flags: !!omap [a: 1]\n", "tag:yaml.org,2002:omap"),
        ("flags: !custom thing\n", "!custom"),
    ],
)
def test_other_tags_are_refused(raw, tag):
    p = problem_of(raw)
    assert (p.line, p.message) == (1, f"YAML tag {tag!r} is not allowed")


def test_anchor_and_alias():
    p = problem_of("scenario:\n  title: &t The Ford\n  subtitle: *t\n")
    assert p.line == 2  # the anchored node, where the alias points
    assert p.message == "anchors and aliases (& and *) are not supported; write the value out"


def test_alias_bomb_is_refused_quickly():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    raw = ("\n".join(lines) + "\n").encode()
    p = problem_of(raw)  # at the first anchor, before any alias is expanded
    assert p.message == "anchors and aliases (& and *) are not supported; write the value out"
    assert p.line == 1


def test_merge_key():
    p = problem_of("flags:\n  - id: a\n    <<: {start: true}\n")
    assert (p.line, p.message) == (3, "merge keys (<<) are not supported")


@pytest.mark.parametrize("raw", ["? [a, b]\n: 1\n", "~: 1\n", "? {a: 1}\n: 2\n"])
def test_keys_must_be_words(raw):
    p = problem_of(raw)
    assert (p.line, p.message) == (1, "a mapping key must be a plain word")


def test_deep_nesting():
    depth = MAX_DEPTH + 20
    p = problem_of("flags: " + "[" * depth + "]" * depth + "\n")
    assert p.line == 1
    assert p.message == f"YAML is nested too deeply (more than {MAX_DEPTH} levels)"


def test_deep_block_nesting_reports_its_line():
    lines = [("  " * i) + f"k{i}:" for i in range(MAX_DEPTH + 5)]
    lines[-1] += " end"
    p = problem_of("\n".join(lines) + "\n")
    assert "nested too deeply" in p.message
    assert p.line == MAX_DEPTH + 1  # the first key below the limit


def test_very_deep_nesting_is_a_problem_not_a_crash():
    depth = 10_000
    p = problem_of("flags: " + "[" * depth + "]" * depth + "\n")
    assert p.line == 1
    assert "nested too deeply" in p.message


def test_extremely_deep_nesting_does_not_crash_the_interpreter(tmp_path, run_game):
    folder = tmp_path / "deep"
    folder.mkdir()
    depth = 50_000
    (folder / "deep.yaml").write_text("flags: " + "[" * depth + "]" * depth + "\n")
    assert (folder / "deep.yaml").stat().st_size < MAX_FILE_BYTES
    result = run_game("check", folder)
    assert result.code == 1, f"exit status {result.code}"
    assert "nested too deeply" in result.out


def test_too_many_values(monkeypatch):
    assert yamlread.MAX_NODES == 200_000
    monkeypatch.setattr(yamlread, "MAX_NODES", 1_000)
    p = problem_of("flags:\n" + "".join(f"  - {i}\n" for i in range(1_200)))
    assert p.line == 999  # the 1,001st value: the mapping, then 999 items, then this one
    assert p.message == "file has too many values (more than 1,000)"


# -- control characters and numbers out of range ---------------------------------------------------


@pytest.mark.parametrize("escape, code", [
    ("\\e]0;pwned\\a", "U+001B"),      # ESC: set the window title
    ("\\x1b[2J", "U+001B"),            # clear the screen
    ("\\a", "U+0007"),                 # BEL
    ("\\x9b2J", "U+009B"),             # C1 CSI
    ("\\x85", "U+0085"),               # C1 NEL, a line break on some terminals
    ("\\x7f", "U+007F"),               # DEL
    ("\\r", "U+000D"),                 # a carriage return overwrites the line
    ("\\0", "U+0000"),
    ("\\b", "U+0008"),
])
def test_control_characters_written_as_escapes_are_refused_at_their_line(escape, code):
    p = problem_of(f'flags:\n  - id: a\n    description: "plain {escape} text"\n')
    assert p.line == 3
    assert p.message == f"control character {code} is not allowed in text (newline and tab are the only ones allowed)"


def test_control_characters_in_keys_and_ids_are_refused():
    assert problem_of('flags:\n  - "id\\e[2J": a\n').line == 2
    assert problem_of('flags:\n  - id: "\\e]0;x\\a"\n').line == 2
    assert problem_of('scenes:\n  - id: a\n    text: |\n      fine\n    title: "\\e[31m"\n').line == 5


def test_newline_and_tab_are_prose():
    doc = parse_yaml(b'text: "one\\ttwo\\nthree"\nmore: |\n  a\tb\n\n  c\n')
    assert doc.data == {"text": "one\ttwo\nthree", "more": "a\tb\n\nc\n"}


def test_printable_unicode_is_kept():
    doc = parse_yaml("text: \"Ἀζαρέθης — Callinicum, \\u00a0ok \\u202e\"\n".encode())
    assert doc.data["text"] == "Ἀζαρέθης — Callinicum, \u00a0ok \u202e"


@pytest.mark.parametrize("number", [
    "10000000000000000000000000000000000000000",
    "-10000000000000000000000000000000000000000",
    "1000001",
    "-1000001",
    "0x1000000",
    "1" + "0" * 5000,
    "1.0e+300",
    "2000000.5",
])
def test_numbers_out_of_range_are_refused_at_their_line(number):
    p = problem_of(f"qualities:\n  - id: a\n    max: {number}\n")
    assert p.line == 3
    assert "is out of range: numbers in scenario files are from -1,000,000 to 1,000,000" in p.message
    assert len(p.message) < 200


def test_numbers_at_the_ends_of_the_range_are_read():
    doc = parse_yaml(b"a: 1000000\nb: -1000000\nc: 1_000_000\nd: '10000000000000000000000'\n")
    assert doc.data == {"a": 1_000_000, "b": -1_000_000, "c": 1_000_000, "d": "10000000000000000000000"}
    assert yamlread.MAX_NUMBER == 1_000_000


# -- an alias bomb is refused at once -------------------------------------------------------------


def test_billion_laughs_is_refused_at_once():
    with pytest.raises(YamlProblem) as info:
        parse_yaml(BILLION_LAUGHS.encode())
    assert "anchors and aliases" in info.value.message
    assert info.value.line in (1, 2)  # the anchor, or its first alias: refused before anything is expanded
