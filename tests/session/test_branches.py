"""The branch tree: playthroughs merged into one tree of decisions, endings beneath each node, the
choices never explored, the road of 531, and "branch from here"."""

from __future__ import annotations

import pytest

from game import DEFAULT_SCENARIO
from game.scenario.compiled import load
from game.session.branches import BranchRecord, BranchTree
from game.session.playthrough import Playthrough
from game.session.saves import read_save
from game.session.session import Session
from game.session.store import Store

from conftest import MINI


# Three roads through the mini scenario (seed 1: the gamble brings the battle; seed 42: it is not tried)
WISE = ["scout", "go_home"]
LOST = ["scout", "gamble", "allies_right", "none", "blind", "hold", "stand"]
STORM = ["rush", "go_home"]


@pytest.fixture(scope="module")
def mini():
    return load(MINI)


def finished(mini, seed: int, decisions: list[str]) -> Playthrough:
    p = Playthrough.new(mini, seed, decisions)
    assert p.ending, decisions
    return p


def record(mini, rid: str, seed: int, decisions: list[str]) -> BranchRecord:
    p = Playthrough.new(mini, seed, decisions)
    return BranchRecord(rid, seed, list(decisions), p.ending, rid)


def session_played(scenario, store: Store, seed: int, decisions: list[str]) -> Session:
    """A session of the store that has taken these decisions in a new campaign."""
    session = Session(scenario, store, seed=seed)
    session.new()
    for option_id in decisions:
        session.choose(option_id)
    return session


def test_empty_tree(mini):
    tree = BranchTree(mini, [])
    assert tree.root.children == {} and tree.root.endings == set() and tree.nodes() == [tree.root]
    info = tree.info(tree.root)
    assert info.title == "The camp" and info.explored == set()
    assert [o.id for o in info.unexplored] == ["scout", "rush"]  # "feast" is not open at the start
    assert info.historical_path and info.ending is None


def test_merging_playthroughs(mini):
    recs = [record(mini, "a", 1, LOST), record(mini, "b", 1, WISE), record(mini, "c", 1, STORM),
            record(mini, "d", 1, LOST[:3]), record(mini, "e", 1, LOST)]
    assert [r.ending for r in recs] == ["loss_ending", "wise_ending", "storm_ending", None, "loss_ending"]
    tree = BranchTree(mini, recs)
    root = tree.root
    # shared prefixes merge: one node per distinct prefix
    prefixes = {tuple(r.decisions[:n]) for r in recs for n in range(len(r.decisions) + 1)}
    assert {n.path for n in tree.nodes()} == prefixes
    assert len(tree.nodes()) == len(prefixes)
    assert root.explored == {"scout", "rush"}
    scout, = root.taken("scout")
    assert scout.explored == {"go_home", "gamble"}
    assert scout.playthroughs == {"a", "b", "d", "e"} and root.playthroughs == {"a", "b", "c", "d", "e"}
    # endings beneath each node, and the ending reached exactly at a leaf
    assert root.endings == {"loss_ending", "wise_ending", "storm_ending"}
    assert scout.endings == {"loss_ending", "wise_ending"}
    assert root.taken("rush")[0].endings == {"storm_ending"}
    assert tree.node(WISE).ending == "wise_ending" and tree.node(LOST).ending == "loss_ending"
    assert tree.node(LOST[:3]).ending is None and tree.node(LOST[:3]).endings == {"loss_ending"}
    assert tree.node(["scout"]).ending is None
    assert tree.node(["nowhere"]) is None and tree.node([]) is root
    for node in tree.nodes():
        assert node.depth == len(node.path)
        for turn, child in node.children.items():
            assert child.path == node.path + (turn.option,) and child.chance == node.chance + (turn.chance,)
            assert child.endings <= node.endings and child.playthroughs <= node.playthroughs
    # the order of the records does not change the tree
    other = BranchTree(mini, list(reversed(recs)))
    assert {n.path: (n.endings, n.ending, n.playthroughs) for n in other.nodes()} == \
           {n.path: (n.endings, n.ending, n.playthroughs) for n in tree.nodes()}


def test_node_info_knows_what_was_never_explored(mini):
    tree = BranchTree(mini, [record(mini, "a", 1, LOST), record(mini, "b", 1, WISE)])
    march = tree.info(tree.node(["scout"]))
    assert march.title == "The march" and march.date == "Day two"
    assert march.explored == {"gamble", "go_home"} and march.unexplored == []
    camp = tree.info(tree.root)
    assert camp.explored == {"scout"} and [o.id for o in camp.unexplored] == ["rush"]
    assert {o.id for o in camp.options} == {"scout", "rush", "feast"}  # closed choices are shown, not offered
    battle = tree.info(tree.node(LOST[:2]))
    assert battle.title.startswith("The battle") and battle.explored == {"allies_right"}
    assert [o.id for o in battle.unexplored] == ["horse_right"]
    end = tree.info(tree.node(LOST))
    assert end.ending == "loss_ending" and end.options == [] and end.unexplored == []


def test_historical_path_marking(mini):
    tree = BranchTree(mini, [record(mini, "a", 1, LOST), record(mini, "b", 1, STORM)])
    assert tree.historical_path() == ["scout"]  # mini's sources name no choice at the march
    assert tree.info(tree.root).historical_path
    assert tree.info(tree.node(["scout"])).historical_path
    assert not tree.info(tree.node(["rush"])).historical_path
    assert not tree.info(tree.node(STORM)).historical_path
    # a point the sources are silent on does not leave the road; a choice against them does
    assert tree.info(tree.node(LOST[:2])).historical_path  # "gamble": no choice there is the historical one
    assert tree.info(tree.node(LOST[:3])).historical_path  # "allies_right" is
    assert tree.info(tree.node(LOST)).historical_path
    other = BranchTree(mini, [record(mini, "c", 1, ["scout", "gamble", "horse_right"])])
    assert not other.info(other.node(["scout", "gamble", "horse_right"])).historical_path


def test_historical_path_of_the_campaign():
    cs = load(DEFAULT_SCENARIO)  # fresh: it is being tuned
    tree = BranchTree(cs, [])
    path = tree.historical_path()
    assert path
    p = Playthrough.new(cs, tree.root.seed)
    for option_id in path:
        options = {o.id: o for o in p.options()}
        assert options[option_id].historical and options[option_id].available
        p.choose(option_id)
    assert not any(o.historical and o.available for o in p.options())


def test_nodes_replay_with_the_seed_that_reached_them(mini):
    """Chance depends on the seed: the storm (seed 2) and the fair weather (seed 1) after the same
    "gamble" are two nodes, each replayed with its own seed."""
    storm = finished(mini, 2, ["scout", "gamble"])  # seed 2: the storm
    assert storm.ending == "storm_ending"
    tree = BranchTree(mini, [BranchRecord("s", 2, ["scout", "gamble"], "storm_ending"),
                             BranchRecord("b", 1, LOST, "loss_ending")])
    stormy, fair = tree.nodes_at(["scout", "gamble"])
    assert stormy.seed == 2 and tree.info(stormy).ending == "storm_ending" and stormy.chance == ((), (1,))
    assert fair.seed == 1 and tree.info(fair).title.startswith("The battle") and fair.chance == ((), (0,))
    assert tree.node(["scout", "gamble"]) is stormy  # the first road recorded
    assert tree.node(["scout", "gamble"], [(), (0,)]) is fair
    assert tree.node(LOST[:3]).seed == 1 and tree.info(tree.node(LOST[:3])).title.startswith("The battle")
    assert tree.node(["scout", "gamble"]).endings == {"storm_ending"} and fair.endings == {"loss_ending"}
    # the march knows "gamble" was taken, and that the dice parted the roads after it
    march = tree.node(["scout"])
    assert march.explored == {"gamble"} and len(march.children) == 2
    assert set(tree.outcomes(march, "gamble").values()) == {"A storm.", "Fair weather."}


# Seeds 1 and 4 take the same decisions to the same ending, but at "hold" the dice differ: with
# seed 1 the horse break and run, with seed 4 they stand.
SAME_ROAD_OTHER_DICE = (1, 4)


def test_same_decisions_other_dice_are_other_nodes_and_each_branch_keeps_its_past(mini, tmp_path):
    store = Store.open(tmp_path, mini)
    played = {}
    for seed in SAME_ROAD_OTHER_DICE:
        session = session_played(mini, store, seed, LOST)
        played[seed] = session.current
    one, four = (played[s] for s in SAME_ROAD_OTHER_DICE)
    assert one.decisions == four.decisions == LOST and one.ending == four.ending == "loss_ending"
    assert one.chance != four.chance
    at = next(i for i, (a, b) in enumerate(zip(one.chance, four.chance)) if a != b)
    assert LOST[at] == "hold"
    assert any("The horse break and run" in t for t in one.record[at].text)
    assert any("The horse stand their ground" in t for t in four.record[at].text)

    tree = store.tree()
    assert {tuple(r.decisions) for r in store.records()} == {tuple(LOST)}  # two records, one road
    assert len(store.records()) == 2
    # shared while the dice agreed, apart from the first decision where they did not
    assert len(tree.nodes_at(LOST[:at])) == 1
    ends = tree.nodes_at(LOST)
    assert len(ends) == 2 and len(tree.nodes_at(LOST[: at + 1])) == 2
    assert {n.chance for n in ends} == {tuple(one.chance), tuple(four.chance)}
    assert all(n.ending == "loss_ending" and len(n.playthroughs) == 1 for n in ends)
    before = tree.node(LOST[:at])
    assert before.explored == {"hold"} and len(before.children) == 2
    labels = tree.outcomes(before, "hold")
    assert len(set(labels.values())) == 2

    # branching from each node replays exactly the past it shows: decisions, dice, text and state
    for original in (one, four):
        for n in range(at, len(LOST) + 1):
            node = tree.node(LOST[:n], original.chance[:n])
            assert node is not None and (n == at or node.seed == original.seed)  # shared up to `at`
            info = tree.info(node)
            assert info.reproduced
            if n:
                assert info.told == original.record[n - 1].text
            session = Session(mini, store)
            p = session.branch_from(node)
            assert session.notice is None
            assert p.decisions == LOST[:n] and p.chance == original.chance[:n]
            assert [d.text for d in p.record] == [d.text for d in original.record[:n]]
            assert p.state == original.states[n]


def test_old_records_without_chance_are_read_and_kept_apart(mini, tmp_path):
    """A playthroughs.json written before the dice were recorded: the tree replays each record to
    learn what the dice gave, and keeps the two pasts apart; the file is not rewritten."""
    store = Store.open(tmp_path, mini)
    old = {"format": 1, "scenario": "mini", "playthroughs": [
        {"id": f"r{seed}", "seed": seed, "decisions": LOST, "ending": "loss_ending", "label": "",
         "updated": "2026-01-01T00:00:00+00:00"} for seed in SAME_ROAD_OTHER_DICE]}
    path = store.dir / "playthroughs.json"
    import json

    path.write_text(json.dumps(old))
    raw = path.read_bytes()
    records = store.records()
    assert [r.chance for r in records] == [None, None] and store.problems == []
    tree = store.tree()
    ends = tree.nodes_at(LOST)
    assert {n.chance for n in ends} == {tuple(Playthrough.new(mini, s, LOST).chance) for s in SAME_ROAD_OTHER_DICE}
    assert {n.seed for n in ends} == set(SAME_ROAD_OTHER_DICE)
    assert path.read_bytes() == raw
    # a new playthrough is written beside them, with its dice
    session = Session(mini, store, seed=1)
    session.new()
    session.choose("scout")
    data = json.loads(path.read_text())
    assert [r.get("chance") for r in data["playthroughs"]] == [None, None, [[]]]
    # an old record whose road this version no longer has: known as far as it goes
    tree = BranchTree(mini, [BranchRecord("x", 1, ["scout", "dance"], None)])
    node = tree.node(["scout", "dance"])
    assert node.chance == ((), None) and not tree.info(node).reproduced


def test_records_keep_the_dice(mini, tmp_path):
    store = Store.open(tmp_path, mini)
    session = session_played(mini, store, 4, LOST)
    (rec,) = store.records()
    assert rec.chance == session.current.chance
    assert [tuple(c) for c in rec.chance] == list(Playthrough.new(mini, 4, LOST).chance)


def test_branch_when_the_dice_now_fall_otherwise(mini, tmp_path, scenario_copy):
    """A record made with another version, in which the same road now throws other dice: branching
    replays it and says so, instead of showing a past that did not happen."""
    store = Store.open(tmp_path / "saves", mini)
    session = session_played(mini, store, 1, ["scout", "gamble"])
    scenario_copy.replace("scenes.yaml", "          - weight: courage + 1\n", "          - weight: 0\n")
    changed = load(scenario_copy.path)
    new_store = Store.open(tmp_path / "saves", changed)
    tree = new_store.tree()
    node = tree.node(["scout", "gamble"])
    assert node.chance == ((), (0,)) and not tree.info(node).reproduced
    new_session = Session(changed, new_store)
    p = new_session.branch_from(node)
    assert p.chance == [(), (1,)] and p.ending == "storm_ending"
    assert new_session.notice == ("In this version of the scenario the dice fall otherwise at decision 2: "
                                  "the road from there is not the one the tree showed.")


def test_the_tree_from_the_store_merges_every_session(mini, tmp_path):
    root = tmp_path / "saves"
    for seed, decisions in [(1, LOST), (1, WISE), (1, STORM)]:
        session = session_played(mini, Store.open(root, mini), seed, decisions)
    tree = Store.open(root, mini).tree()
    assert tree.root.endings == {"loss_ending", "wise_ending", "storm_ending"}
    assert len(tree.root.playthroughs) == 3
    assert {n.ending for n in tree.nodes() if n.ending} == {"loss_ending", "wise_ending", "storm_ending"}


# -- branch from here ------------------------------------------------------------------------------


def test_branch_from_a_node_leaves_the_old_record_intact(mini, tmp_path):
    store = Store.open(tmp_path, mini)
    session = session_played(mini, store, 1, LOST)
    first_id = session.id
    records_before = (store.dir / "playthroughs.json").read_bytes()

    tree = store.tree()
    fork = tree.node(["scout"])
    p = session.branch_from(fork)
    assert p.decisions == ["scout"] and p.seed == 1 and session.id != first_id and session.notice is None
    assert p.state == Playthrough.new(mini, 1, ["scout"]).state
    # the autosave is the new start; nothing in the records changed yet
    assert read_save(store.autosave_path).decisions == ["scout"]
    assert (store.dir / "playthroughs.json").read_bytes() == records_before

    session.choose("go_home")  # the other road
    recs = {r.id: r for r in store.records()}
    assert recs[first_id].decisions == LOST and recs[first_id].ending == "loss_ending"
    assert recs[session.id].decisions == WISE and recs[session.id].ending == "wise_ending"
    tree = store.tree()
    fork = tree.node(["scout"])
    assert fork.explored == {"gamble", "go_home"}
    assert fork.endings == {"loss_ending", "wise_ending"}
    assert tree.info(fork).unexplored == []
    assert set(store.endings_found()) == {"loss_ending", "wise_ending"}


def test_branch_from_the_root_and_from_a_battle(mini, tmp_path):
    store = Store.open(tmp_path, mini)
    session = session_played(mini, store, 1, LOST)
    tree = store.tree()
    p = session.branch_from(tree.root)
    assert p.decisions == [] and p.seed == 1
    session.choose("rush")
    mid = store.tree().node(LOST[:4])  # inside the battle, after the deployment's first questions
    q = session.branch_from(mid)
    assert q.decisions == LOST[:4] and q.state.battle is not None
    session.choose("watch")
    while not q.ending:
        session.choose([o.id for o in q.options() if o.available][-1])
    tree = store.tree()
    assert tree.node(LOST[:4]).explored == {"blind", "watch"}
    assert len(tree.root.playthroughs) == 3
    assert tree.node(LOST).ending == "loss_ending"  # the first road is still whole


def test_branching_again_and_again_never_overwrites(mini, tmp_path):
    store = Store.open(tmp_path, mini)
    session = session_played(mini, store, 1, LOST)
    roads = {tuple(LOST)}
    for order in ["wait", "back", "boat"]:
        session.branch_from(store.tree().node(LOST[:-1]))
        session.choose(order)
        roads.add(tuple(LOST[:-1] + [order]))
    assert {tuple(r.decisions) for r in store.records()} == roads
    assert store.tree().node(LOST[:-1]).explored == {"stand", "wait", "back", "boat"}
    assert store.tree().info(store.tree().node(LOST[:-1])).unexplored == []


def test_branch_from_a_road_the_scenario_no_longer_has(mini, tmp_path, scenario_copy):
    store = Store.open(tmp_path / "saves", mini)
    session = session_played(mini, store, 1, WISE)
    scenario_copy.replace("scenes.yaml", "      - id: go_home\n", "      - id: withdraw\n")
    changed = load(scenario_copy.path)
    new_store = Store.open(tmp_path / "saves", changed)
    tree = new_store.tree()
    node = tree.node(WISE)
    info = tree.info(node)  # replays as far as it can
    assert info.title == "The march"
    new_session = Session(changed, new_store)
    p = new_session.branch_from(node)
    assert p.decisions == ["scout"]
    assert new_session.notice == ("decision 2 ('go_home') no longer exists in this version of the scenario: "
                                  "there is no decision 'go_home' here")
    new_session.choose("withdraw")
    assert {tuple(r.decisions) for r in new_store.records()} == {tuple(WISE), ("scout", "withdraw")}


def test_the_easter_assembly_road_and_the_other(tmp_path):
    """The issue's own case, on the campaign: finish it, branch from the Easter assembly, take the other
    road to its end, and the tree shows both roads, each with its ending, beneath the assembly."""
    cs = load(DEFAULT_SCENARIO)  # fresh: it is being tuned
    store = Store.open(tmp_path, cs)
    session = Session(cs, store, seed=531)

    def on_to_the_end(p: Playthrough) -> None:
        while not p.ending and len(p.decisions) < 500:
            options = [o for o in p.options() if o.available]
            session.choose(next((o for o in options if o.historical), options[0]).id)

    p = session.new()
    on_to_the_end(p)
    first_ending, first_id = p.ending, session.id
    assert first_ending
    at = next(i for i, r in enumerate(p.record) if r.node_id == "holy_saturday_assembly")
    taken = p.decisions[at]
    tree = store.tree()
    assembly = tree.node(p.decisions[:at])
    assert tree.info(assembly).title == "The assembly on Easter eve"
    other = next(o for o in tree.info(assembly).unexplored)

    q = session.branch_from(assembly)
    session.choose(other.id)
    on_to_the_end(q)
    assert q.ending

    tree = store.tree()
    assembly = tree.node(q.decisions[:at])
    assert assembly.explored == {taken, other.id}
    assert assembly.endings == {first_ending, q.ending}
    for option_id, ending in [(taken, first_ending), (other.id, q.ending)]:
        leaves = [n for n in tree.nodes() if n.ending and n.path[: at + 1] == assembly.taken(option_id)[0].path]
        assert [n.ending for n in leaves] == [ending]
    assert {r.id: r.ending for r in store.records()}[first_id] == first_ending
    assert set(store.endings_found()) == {first_ending, q.ending}
