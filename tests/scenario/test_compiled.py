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


def test_a_scenario_that_forgets_its_sources_still_plays():
    from game.session.playthrough import Playthrough

    cs = compile_folder(MINI)
    remembered = Playthrough.new(cs, 7)
    assert cs.sources.items and cs.sources.at("scenes", "camp")[1] > 1
    cs.forget_sources()
    assert not cs.sources.items and cs.sources.files
    assert cs.sources.at("scenes", "camp") == (cs.sources.files[0], 1)  # where a message would point
    p = Playthrough.new(cs, 7)
    while not p.ending:
        p.choose(next(o.id for o in p.options() if o.available))
        remembered.choose(p.decisions[-1])
    assert p.record == remembered.record
