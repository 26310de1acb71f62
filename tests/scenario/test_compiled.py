"""What a CompiledScenario offers the layers above it, so that none reaches through `.scenario`."""

from __future__ import annotations

import pytest
from conftest import MINI

from game.scenario.compiled import CompiledScenario, compile_folder


@pytest.fixture(scope="module")
def mini() -> CompiledScenario:
    return compile_folder(MINI)


def test_info_and_content(mini):
    assert (mini.info.id, mini.info.title, mini.info.version, mini.info.start) == ("mini", "The Ford", "1", "camp")
    assert mini.content_hash == mini.scenario.content_hash and len(mini.content_hash) == 16


def test_lists_are_in_the_order_of_the_files(mini):
    assert [q.id for q in mini.qualities] == ["supply", "courage", "losses"]
    assert [f.id for f in mini.flags] == ["scouted", "won", "held", "lost", "routed", "stood"]
    assert [p.id for p in mini.places] == ["camp", "ford"]
    assert [c.id for c in mini.characters] == ["captain", "rival"]
    assert [e.id for e in mini.endings] == ["storm_ending", "wise_ending", "win_ending", "loss_ending"]
    assert [u.id for u in mini.units if u.is_enemy] == ["enemy_left", "enemy_centre", "enemy_right"]
    assert len(mini.units) == 7


def test_lookups_by_id(mini):
    assert mini.place("ford").name == "the ford"
    assert mini.character("captain").name == "The Captain"
    assert mini.ending("win_ending").title == "Victory"
    for lookup in (mini.place, mini.character, mini.ending):
        assert lookup("nobody") is None and lookup(None) is None and lookup("") is None


def test_what_callers_read_cannot_change_the_scenario(mini):
    with pytest.raises(AttributeError):
        mini.places.append(mini.places[0])  # a tuple: the compiled scenario's data stays as validated
    assert len(mini.scenario.places) == 2
