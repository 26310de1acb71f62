"""`callinicum graph`: the scene graph in Graphviz DOT and Mermaid, with the historical path marked."""

from __future__ import annotations

import re

import pytest

from game.scenario.compiled import CEnding, CScene, load
from game.scenario.graph import render_graph, scenario_edges

from conftest import ROOT

SCENARIOS = {
    "mini": ROOT / "tests" / "scenarios" / "mini",
    "dara": ROOT / "content" / "dara",
}

DOT_NODE = re.compile(r'^\s*"([a-z][a-z0-9_]*)" \[label=".*"(?:, [a-z]+=(?:"[^"]*"|[\w.]+))*\];$')
DOT_EDGE = re.compile(r'^\s*"([a-z][a-z0-9_]*)" -> "([a-z][a-z0-9_]*)" \[(.*)\];$')
MERMAID_EDGE = re.compile(r'^\s*([se]_[a-z0-9_]+) (-->|-\.->|==>)\|"([^"]*)"\| ([se]_[a-z0-9_]+)$')
MERMAID_NODE = re.compile(r'^\s*([se]_[a-z0-9_]+)(\["[^"]*"\]|\{\{"[^"]*"\}\}|\(\["[^"]*"\]\))$')


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def scenario(request):
    return load(SCENARIOS[request.param])


def ids(cs) -> tuple[list[str], list[str]]:
    scenes = [n.model.id for n in cs.nodes if isinstance(n, CScene)]
    endings = [n.model.id for n in cs.nodes if isinstance(n, CEnding)]
    return scenes, endings


def historical_pairs(cs) -> set[tuple[str, str]]:
    """(scene, target) for every route of every historical choice, read from the scenario itself."""
    out = set()
    for n in cs.nodes:
        if not isinstance(n, CScene):
            continue
        for c in n.choices:
            if not c.model.historical:
                continue
            targets = [c.target] if c.target is not None else [o.target for o in c.outcomes]
            for t in targets:
                out |= {(n.model.id, cs.node_id(node)) for _, node in t.routes}
    return out


def all_pairs(cs) -> set[tuple[str, str]]:
    out = set()
    for n in cs.nodes:
        if not isinstance(n, CScene):
            continue
        targets = [c.target for c in n.choices if c.target is not None]
        targets += [o.target for c in n.choices for o in c.outcomes]
        if n.battle is not None:
            targets.append(n.battle.after)
        for t in targets:
            out |= {(n.model.id, cs.node_id(node)) for _, node in t.routes}
    return out


# -- DOT -------------------------------------------------------------------------------------------


def test_dot_is_a_well_formed_digraph(scenario):
    out = render_graph(scenario, "dot")
    lines = out.rstrip("\n").splitlines()
    assert lines[0] == f'digraph "{scenario.id}" {{'
    assert lines[-1] == "}"
    assert out.count("{") == out.count("}")
    # every statement is one line ending in ';' (or opens/closes a stage cluster)
    for line in lines[1:-1]:
        s = line.strip()
        assert s.endswith(";") or s.startswith("subgraph cluster_") and s.endswith("{") or s == "}", line
        assert s.count('"') % 2 == 0 or '\\"' in s, line


def test_dot_has_every_scene_and_ending_as_a_node(scenario):
    out = render_graph(scenario, "dot")
    nodes = {m.group(1) for line in out.splitlines() if (m := DOT_NODE.match(line))}
    scenes, endings = ids(scenario)
    assert nodes == set(scenes) | set(endings)
    for e in endings:
        line = next(line for line in out.splitlines() if line.strip().startswith(f'"{e}" ['))
        assert "shape=ellipse" in line and 'class="ending ' in line
    for n in scenario.nodes:
        if isinstance(n, CScene) and n.battle is not None:
            line = next(line for line in out.splitlines() if line.strip().startswith(f'"{n.model.id}" ['))
            assert "shape=hexagon" in line and "⚔" in line and 'class="battle"' in line


def test_dot_edges_are_the_scenarios_edges_and_historical_ones_are_marked(scenario):
    out = render_graph(scenario, "dot")
    edges = [m.groups() for line in out.splitlines() if (m := DOT_EDGE.match(line))]
    assert {(a, b) for a, b, _ in edges} == all_pairs(scenario)
    assert all("label=" in attrs for _, _, attrs in edges)
    marked = {(a, b) for a, b, attrs in edges if 'class="historical"' in attrs}
    assert marked == historical_pairs(scenario)
    assert marked, "the scenario has a historical path"
    for a, b, attrs in edges:
        if 'class="historical"' in attrs:
            assert "penwidth=2.5" in attrs


# -- Mermaid ---------------------------------------------------------------------------------------


def test_mermaid_is_a_plausible_flowchart(scenario):
    out = render_graph(scenario, "mermaid")
    lines = [line for line in out.splitlines() if not line.startswith("%%")]
    assert lines[0] == "flowchart TD"
    opened = sum(1 for line in lines if line.strip().startswith("subgraph "))
    closed = sum(1 for line in lines if line.strip() == "end")
    assert opened == closed
    allowed = (MERMAID_EDGE, MERMAID_NODE)
    for line in lines[1:]:
        s = line.strip()
        if s.startswith(("subgraph ", "classDef ", "class ", "linkStyle ")) or s == "end":
            continue
        assert any(p.match(line) for p in allowed), line
        assert "<" not in s.replace("<br/>", ""), line  # comparison signs are entity-coded


def test_mermaid_has_every_node_and_marks_the_historical_links(scenario):
    out = render_graph(scenario, "mermaid")
    lines = out.splitlines()
    nodes = {m.group(1) for line in lines if (m := MERMAID_NODE.match(line))}
    scenes, endings = ids(scenario)
    assert nodes == {f"s_{s}" for s in scenes} | {f"e_{e}" for e in endings}
    edges = [m.groups() for line in lines if (m := MERMAID_EDGE.match(line))]
    pairs = {(a[2:], b[2:]) for a, _, _, b in edges}
    assert pairs == all_pairs(scenario)
    thick = {i for i, (_, arrow, _, _) in enumerate(edges) if arrow == "==>"}
    assert {(edges[i][0][2:], edges[i][3][2:]) for i in thick} == historical_pairs(scenario)
    link_style = next(line for line in lines if line.strip().startswith("linkStyle "))
    styled = {int(i) for i in link_style.split()[1].split(",")}
    assert styled == thick
    # ending nodes are stadium-shaped and classed by kind; battles are hexagons
    for e in endings:
        assert any(line.strip().startswith(f'e_{e}(["') for line in lines)
    for n in scenario.nodes:
        if isinstance(n, CScene) and n.battle is not None:
            assert any(line.strip().startswith(f's_{n.model.id}{{{{"⚔') for line in lines)


def test_edges_label_chance_and_conditions():
    cs = load(SCENARIOS["mini"])
    labels = {(e.source, e.target, e.label, e.kind) for e in scenario_edges(cs)}
    assert ("march", "battle", "Gamble on the weather · weight courage + 1", "chance") in labels
    assert ("march", "wise_ending", "Go home [if scouted]", "route") in labels
    assert ("march", "storm_ending", "Go home [otherwise]", "route") in labels
    assert ("battle", "win_ending", "after the battle [if won or held]", "battle") in labels
    assert ("camp", "march", "Feast first (if supply >= 5)", "choice") in labels
    out = render_graph(cs, "mermaid")
    assert "Feast first (if supply #gt;= 5)" in out


def test_constant_weights_show_exact_odds():
    cs = load(SCENARIOS["dara"])
    labels = [e.label for e in scenario_edges(cs) if e.source == "behind_the_walls" and e.kind == "chance"]
    assert any(label.endswith("· 67%") for label in labels)
    assert any(label.endswith("· 33%") for label in labels)


def test_unknown_format():
    with pytest.raises(ValueError, match="unknown graph format"):
        render_graph(load(SCENARIOS["mini"]), "svg")


@pytest.mark.parametrize("fmt, first", [("dot", 'digraph "dara" {'), ("mermaid", "flowchart TD")])
def test_cli(run_cli, fmt, first):
    result = run_cli("graph", "--scenario", SCENARIOS["dara"], "--format", fmt)
    assert result.code == 0, result.err
    assert first in result.out_lines[:3]
    assert "the_summons" in result.out and "dara_victory" in result.out


def test_cli_default_is_mermaid_of_the_shipped_campaign(run_cli):
    result = run_cli("graph")
    assert result.code == 0, result.err
    assert "flowchart TD" in result.out
