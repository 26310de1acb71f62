"""The Callinicum campaign itself: it loads clean, follows the sources, and plays as history did."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from game import DEFAULT_SCENARIO
from game.engine.explore import explore_random, follow_map
from game.scenario.checker import check_scenario
from game.scenario.compiled import CEnding, CScene, load
from game.session.saves import read_save, replay
from game.session.transcript import transcript

PLAYTHROUGHS = DEFAULT_SCENARIO / "playthroughs"
DEFEATS = ("historical_recall", "disaster", "malalas_boat", "kept_command", "the_tigris_peace")  # after a lost field


@pytest.fixture(scope="module")
def cs():
    return load(DEFAULT_SCENARIO)


@pytest.fixture(scope="module")
def historical(cs):
    p, stopped = replay(cs, read_save(PLAYTHROUGHS / "historical.json"))
    assert stopped is None
    return p


def test_the_campaign_has_no_errors(cs) -> None:
    errors = [f for f in check_scenario(cs) if f.severity == "error"]
    assert errors == []


def test_historical_playthrough_ends_in_the_historical_ending(historical) -> None:
    assert historical.ending == "historical_recall"
    assert len(historical.decisions) >= 20
    assert transcript(historical).rstrip().endswith("ending: historical_recall")


def test_historical_playthrough_passes_the_key_facts(historical) -> None:
    text = transcript(historical)
    # the corrected chronology: Good Friday at Sura, the battle on Holy Saturday, Easter on the 20th
    assert "Good Friday, 18 April 531" in text
    assert "Holy Saturday, 19 April 531" in text
    assert re.search(r"Holy Saturday[^.]*19 April", text)
    for name in ("Sura", "Callinicum", "Peter", "Ascan", "Lycaonian", "al-Harith", "Constantiolus",
                 "Hermogenes", "Azarethes", "Sunicas", "Chalcis", "Gabboulon", "Barbalissos"):
        assert name in text, name
    # the battle went as the sources tell it: the right broke, the stand by the river held
    v = historical.state.values
    ns = historical.scenario.namespace.slots
    assert v[ns["battle_defeat"].index] and v[ns["stood_by_river"].index]
    assert v[ns["fasting"].index] and v[ns["blamed_troops"].index]


def test_the_battle_is_never_put_on_the_wrong_day(cs) -> None:
    for node in cs.nodes:
        if isinstance(node, CScene) and node.model.date:
            date = node.model.date
            assert not ("Holy Saturday" in date and "19 April" not in date), node.model.id
            assert not ("Easter" in date and "Sunday" in date and "20 April" not in date), node.model.id
            assert not ("Good Friday" in date and "18 April" not in date), node.model.id


def test_every_decision_of_the_spine_marks_the_historical_choice(cs) -> None:
    scenes_with_history = [n for n in cs.nodes if isinstance(n, CScene) and any(c.model.historical for c in n.choices)]
    assert len(scenes_with_history) >= 12
    for node in scenes_with_history:
        for c in node.choices:
            if c.model.historical:
                assert c.model.sources, f"{node.model.id}:{c.id} has no sources"
    battle = cs.battles["callinicum"].model
    assert any(o.historical for d in battle.deployment for o in d.options)
    assert any(o.historical and o.action == "dismount_stand" for p in battle.phases for o in p.orders)
    assert any(o.action == "take_boat" for p in battle.phases for o in p.orders)


def test_every_stage_has_a_history_note_and_the_disputes_are_shown(cs) -> None:
    disputes = 0
    for node in cs.nodes:
        history = node.model.history
        assert history is not None and history.sources, node.model.id
        disputes += len(history.disputes)
    assert disputes >= 20
    text = " ".join(
        f"{d.question} " + " ".join(v.source + " " + v.says for v in d.views)
        for n in cs.nodes for d in (n.model.history.disputes if n.model.history else [])
    )
    for topic in ("Malalas", "Procopius", "Zachariah", "Barbalissos", "Hermogenes", "al-Harith"):
        assert topic in text, topic


def _words(cs) -> int:
    out = []
    for node in cs.nodes:
        m = node.model
        out.append(m.text)
        out += [v.text for v in m.variants]
        if m.history:
            out.append(m.history.text)
        if isinstance(node, CScene):
            out += [c.says for c in m.counsel]
            for c in m.choices:
                out += [c.label, c.text or ""] + [o.text or "" for o in c.chance or []]
                for entry in c.chronicles:
                    out += [entry.record, entry.procopius or "", entry.malalas or ""]
    return sum(len(t.split()) for t in out)


def test_there_is_a_book_of_prose(cs) -> None:
    assert _words(cs) >= 15_000
    endings = [n for n in cs.nodes if isinstance(n, CEnding)]
    assert len(endings) >= 7


def test_no_placeholder_and_nothing_from_the_novel(cs) -> None:
    for path in DEFAULT_SCENARIO.rglob("*.yaml"):
        text = path.read_text("utf-8")
        for bad in ("TODO", "Lorem", "TBD", "XXX", "placeholder"):
            assert bad not in text, f"{path}: {bad}"
        # figures that circulate online but come from Robert Graves' Count Belisarius
        assert "6,000 Roman dead" not in text and "7,000 arrows" not in text


def test_random_play_reaches_every_scene_and_ending(cs) -> None:
    report = explore_random(cs, 4000, 11)
    assert report.unreached_endings == []
    assert report.unvisited_scenes == []
    assert report.dead_ends == 0
    assert report.decisions_per_playthrough >= 12  # random play also takes the early ways out


def _follow(cs, name: str, runs: int = 1500) -> dict[str, float]:
    save = read_save(PLAYTHROUGHS / f"{name}.json")
    report = explore_random(cs, runs, 7, follow_map(cs, save.seed, save.decisions))
    return {e: n / runs for e, n in report.endings.items()}


def test_the_historical_course_is_the_most_likely_but_not_certain(cs) -> None:
    odds = _follow(cs, "historical")
    top = max(odds, key=odds.get)
    assert top == "historical_recall"
    assert odds[top] < 0.9


def test_a_watchful_commander_is_beaten_less_often(cs) -> None:
    historical = sum(_follow(cs, "historical")[e] for e in DEFEATS)
    watchful = sum(_follow(cs, "watchful")[e] for e in DEFEATS)
    assert watchful < historical - 0.15


def test_a_victory_is_earned_by_reading_azarethes(cs) -> None:
    """The skilled plan (the men fed, Ascan's veterans on the rise, a strong reserve, the commander
    watching from the rise, the reserve sent to meet the blow, then the charge) wins at least 40% of
    the time; the historical plan rarely, and the historical ending stays its likeliest."""
    skilled = _follow(cs, "skilled", runs=2000)
    historical = _follow(cs, "historical", runs=2000)
    assert skilled["victory"] >= 0.40
    assert historical["victory"] < 0.10
    assert max(historical, key=historical.get) == "historical_recall"


def test_the_recorded_playthroughs_are_saves_of_this_scenario(cs) -> None:
    for path in PLAYTHROUGHS.glob("*.json"):
        save = read_save(path)
        assert save.scenario == cs.id
        p, stopped = replay(cs, save)
        assert stopped is None and p.ending, path
    assert Path(PLAYTHROUGHS / "watchful.json").exists()


def test_the_whole_campaign_is_covered_exhaustively(cs) -> None:
    """Every reachable state of the campaign, battles included, from the news of the invasion to
    every ending: `callinicum explore --exhaustive` completes, and nothing declared is unreachable.
    (The slowest test: about a minute.)"""
    from game.engine.explore import all_choice_keys, explore_exhaustive

    report = explore_exhaustive(cs, max_states=2_000_000, odds=False)
    assert report.complete
    assert report.unreached_endings == []
    assert report.unvisited_scenes == []
    assert report.scenes_visited == report.scenes_total
    assert report.choices_taken == report.choices_total == len(all_choice_keys(cs))
    assert report.dead_ends == 0
    assert sum(report.endings.values()) == report.runs


# The morning's count at the assembly (scenes/act2_holy_saturday.yaml): each quality to a step of
# its count, so that the acts after it read the road before Sura only as the count gives it. Each
# count as (first value, last value, step) for every band of values.
COUNTS = {
    "hermogenes_trust": ((0, 1, 1), (2, 4, 3), (5, 7, 6), (8, 10, 9)),  # his counsel turns at 5
    "intelligence": ((0, 1, 0), (2, 3, 2), (4, 5, 5)),  # the prisoners' word turns at 2
}
STEPS = ((0, 0, 0), (1, 3, 2), (4, 6, 5), (7, 9, 8), (10, 10, 10))  # every other quality
COUNTED = ("supply", "fatigue", "discipline", "temper", "authority", "hermogenes_trust", "hun_loyalty",
           "ghassanid_loyalty", "court", "syria_harm", "intelligence", "persian_loot", "persian_morale")


def test_the_morning_count_moves_no_quality_by_more_than_a_point(cs) -> None:
    """On arrival at the assembly every quality the player watches but the Persians' distance (which
    nothing after it reads) is taken to the step of its band, none by more than a point, and the
    thresholds the assembly itself reads fall where they fell before the count (Hermogenes' counsel
    at 5, what the prisoners told you at 2); nothing else changes."""
    from game.engine.state import apply_effects

    node = cs.nodes[cs.index["holy_saturday_assembly"]]
    assert {cs.names[e.slot.index] for e in node.effects} == set(COUNTED)
    shown = {q.id for q in cs.qualities if q.shown}
    assert shown - set(COUNTED) == {"persian_distance"}
    for q in cs.qualities:
        if q.id not in COUNTED:
            continue
        slot = cs.namespace.slots[q.id].index
        bands = COUNTS.get(q.id, STEPS)
        assert bands[0][0] == q.min and bands[-1][1] == q.max
        for lo, hi, step in bands:
            for v in range(lo, hi + 1):
                values = list(cs.initial)
                values[slot] = v
                out = apply_effects(values, node.effects)
                assert out[slot] == step and abs(step - v) <= 1, (q.id, v, out[slot])
                assert [a for j, a in enumerate(out) if cs.names[j] not in COUNTED] == \
                    [a for j, a in enumerate(values) if cs.names[j] not in COUNTED]
                if q.id == "hermogenes_trust":
                    assert (step >= 5) == (v >= 5)
                if q.id == "intelligence":
                    assert (step >= 2) == (v >= 2) and (step >= 4) == (v >= 4)


def test_every_road_from_the_first_scene_is_weighed_exactly(cs) -> None:
    """`callinicum explore --odds` from the news of the invasion: complete within its default
    limit, every scene and choice reached, fourteen odds that add up to one. (The morning's count
    is what keeps it within reach: without it the walk holds 27 million states.)"""
    from game.engine.explore import default_max_states, explore_exhaustive

    report = explore_exhaustive(cs, odds=True, max_states=default_max_states(cs, True))  # as `explore --odds`
    assert report.complete and not report.limit_reached and not report.memory_reached
    assert report.unvisited_scenes == [] and report.unreached_endings == []
    assert report.choices_taken == report.choices_total
    assert len(report.endings) == 14 and all(p > 0 for p in report.endings.values())
    assert sum(report.endings.values()) == pytest.approx(1.0, abs=1e-12)
    assert report.states < 5_000_000
    # the figures kept beside the scenario's files, which the game's odds screen shows, are these
    from game.session.odds import kept_odds

    kept = kept_odds(cs)
    assert kept is not None, "content/callinicum/odds.json is missing or stale: callinicum explore --odds --keep"
    assert kept.endings == pytest.approx(report.endings, rel=1e-12, abs=1e-15)


def test_the_battle_reads_the_campaign_only_through_the_muster(cs) -> None:
    """The battle's setup and deployment read only the muster and a few flags: the campaign's many
    qualities reach it as the battle scenes reckon them on arrival."""
    battle = cs.battles["callinicum"]
    names = {cs.names[j] for s in battle.setup for j in s.cond.reads}
    for group in battle.deployment:
        for opt in group:
            if opt.cond is not None:
                names |= {cs.names[j] for j in opt.cond.reads}
    assert names <= {"army_state", "rear_behind", "fasting", "huns_resolve"}
    orders = {cs.names[j] for row in battle.orders for o in row if o.cond is not None for j in o.cond.reads}
    assert orders <= {"boats_on_the_river"}
    for sid in ("battle_holy_saturday", "battle_after_easter"):
        written = {e.slot.index for e in cs.nodes[cs.index[sid]].effects}
        assert {cs.namespace.slots["army_state"].index, cs.namespace.slots["harith_resolve"].index} <= written


def test_a_gamble_shows_its_odds_from_the_state_before_it_is_taken(cs) -> None:
    from game.engine.campaign import Campaign
    from game.engine.dice import enumerate_chance

    p, _ = replay(cs, read_save(PLAYTHROUGHS / "historical.json"), 13)  # the Holy Saturday assembly
    campaign = Campaign(cs)
    options = {o.id: o for o in p.options()}
    refuse = options["refuse_battle"]
    assert [label for label, _ in refuse.chance] == ["the army obeys", "the army rises"]
    assert refuse.gamble.startswith("A gamble: the army obeys ")
    assert options["yield_and_fight"].chance == () and options["yield_and_fight"].gamble is None
    # the percents are the dice's own odds from this state
    exact = {}
    for q, s in enumerate_chance(lambda d: campaign.step(p.state, "refuse_battle", d).state):
        exact[cs.node_id(s.node)] = exact.get(cs.node_id(s.node), 0) + q
    assert [pct for _, pct in refuse.chance] == [round(100 * exact["persians_withdraw"]), round(100 * exact["mutiny_at_sura"])]
    # and they move with the state: more authority, better odds that the army obeys
    slot = cs.namespace.slots["authority"].index
    values = list(p.state.values)
    values[slot] = 10
    firmer = {o.id: o for o in campaign.options(p.state._replace(values=tuple(values)))}["refuse_battle"]
    assert firmer.chance[0][1] > refuse.chance[0][1]


def test_what_the_campaign_did_reaches_the_field_and_says_where_it_came_from(cs) -> None:
    """At least six Act I-II decisions leave something the battle uses, listed as the battle begins
    with the decision behind it; the boats and Sunicas' treatment change what can be ordered."""
    from game.engine.campaign import Campaign
    from game.engine.dice import SeededDice

    campaign = Campaign(cs)
    p, _ = replay(cs, read_save(PLAYTHROUGHS / "historical.json"))
    eve = next(s for s in p.states if s.battle is not None)
    view = campaign.view(eve).battle
    sources = {source for _, source in view.brought}
    assert len(sources) >= 6, sources
    assert "What the campaign brought to the field" in view.prompt
    first = campaign.step(eve, campaign.available(eve)[0], SeededDice(1, 0))
    assert any(t.startswith("From the campaign: ") for t in first.text)

    def with_(state, **flags):
        values = list(state.values)
        for name, value in flags.items():
            values[cs.namespace.slots[name].index] = value
        return campaign.enter(state.node, tuple(values))

    # the Huns volunteer for the slope unless Sunicas was punished
    punished = with_(eve, sunicas_punished=1, sunicas_praised=0)
    praised = with_(eve, sunicas_punished=0, sunicas_praised=1)
    rise = lambda s: next(o for o in campaign.options(s) if o.id == "huns_on_the_rise")  # noqa: E731
    assert rise(praised).available and not rise(punished).available
    assert "Sunicas punished for his raid" in {src for _, src in campaign.view(punished).battle.brought}
    # the grain boats are the boats at the crisis
    boats = {o.cond.source for row in cs.battles["callinicum"].orders for o in row if o.cond is not None}
    assert boats == {"boats_on_the_river"}


def test_counsellors_read_the_odds_each_with_a_bias_to_learn(cs) -> None:
    p, _ = replay(cs, read_save(PLAYTHROUGHS / "historical.json"), 13)  # the Holy Saturday assembly
    truth = next(o for o in p.options() if o.chance).chance[0][1]
    said = {c.who: c.says for c in p.view().counsel}
    assert f"{truth - 15}% that the army obeys" in said["hermogenes"]  # cautious
    assert f"{truth + 15}% that the army obeys" in said["sunicas"]  # bold
    assert f"{truth}% that the army obeys" in said["harith"]  # reads the desert true
    before, _ = replay(cs, read_save(PLAYTHROUGHS / "historical.json"), 12)  # no gamble in that scene
    if not any(o.chance for o in before.options()):
        assert not any("% that" in c.says for c in before.view().counsel)


def test_the_quality_bars_know_the_thresholds_of_the_decision_at_hand(cs) -> None:
    p, _ = replay(cs, read_save(PLAYTHROUGHS / "historical.json"), 13)  # the assembly's weights
    bars = {q.id: q for q in p.view().qualities}
    assert bars["authority"].thresholds == (3, 5, 7)  # `authority >= 3`, `>= 5`, `>= 7` in the weights
    assert bars["discipline"].thresholds == (3, 5, 7)
    assert bars["court"].thresholds == ()  # nothing here reads the court
    from game.engine.campaign import Campaign

    start = Campaign(cs).view(Campaign(cs).start())
    assert all(min_ < t <= max_ for q in start.qualities for t in q.thresholds for min_, max_ in [(q.min, q.max)])


def test_a_choice_with_one_possible_outcome_is_no_gamble(scenario_copy) -> None:
    scenario_copy.replace("scenes.yaml", "          - weight: 1\n", "          - weight: courage - courage\n")
    cs = load("scen")
    from game.session.playthrough import Playthrough

    p = Playthrough.new(cs, 1, ["scout"])
    gamble = next(o for o in p.options() if o.id == "gamble")
    assert gamble.chance == () and gamble.gamble is None  # the storm cannot come: the weather is certain


def test_every_gamble_of_the_campaign_names_its_outcomes(cs) -> None:
    """A player weighing a gamble sees what each outcome is, not only its odds."""
    unnamed = [f"{n.model.id}/{c.id}" for n in cs.nodes if isinstance(n, CScene) for c in n.choices
               if len(c.outcomes) > 1 and any(o.model_label is None for o in c.outcomes)]
    assert unnamed == []
