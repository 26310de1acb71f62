"""The scene graph of a scenario, for modders: `callinicum graph [--format dot|mermaid]`.

Scenes and endings are nodes (endings styled by their kind, battle scenes marked, scenes grouped
by their `stage`); choices are labelled edges. A conditional `next` gives one edge per route,
labelled with its condition; a `chance` gives one dotted edge per outcome, labelled with its odds
(exact when the weights are constants, otherwise the weight's expression); a battle gives one edge
per route of its `after`. The historical path is marked: the edges of `historical: true` choices
are drawn thick and coloured, and so are the scenes and endings they lead to.

Graphviz: `callinicum graph --format dot | dot -Tsvg > graph.svg`. Mermaid: paste the output into
a Markdown ```mermaid block (GitHub renders it) or the Mermaid live editor.
"""

from __future__ import annotations

from dataclasses import dataclass

from game.scenario.compiled import CChoice, CEnding, CompiledScenario, CScene, Target

FORMATS = ("dot", "mermaid")
HISTORICAL_COLOUR = "#b8860b"
LABEL_WIDTH = 48
ENDING_COLOURS = {
    "victory": "#c8e6c9",
    "draw": "#eeeeee",
    "defeat": "#ffe0b2",
    "disaster": "#ffcdd2",
    "peace": "#bbdefb",
    "disgrace": "#e1bee7",
}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str
    kind: str  # "choice", "route" (a conditional next), "chance" or "battle"
    historical: bool


def _short(text: str, width: int = LABEL_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _routes(t: Target, cs: CompiledScenario) -> list[tuple[str | None, str]]:
    """(condition source or None, target id) for each route of a compiled `next`."""
    return [(cond.source if cond is not None else None, cs.node_id(node)) for cond, node in t.routes]


def _odds(choice: CChoice, cs: CompiledScenario) -> list[str]:
    """How each chance outcome is labelled: exact odds for constant weights, else the weight."""
    weights = [o.weight for o in choice.outcomes]
    if all(not w.reads for w in weights):
        values = [max(0, int(w.fn(cs.initial))) for w in weights]
        total = sum(values)
        if total > 0:
            return [f"{100 * v / total:.0f}%" for v in values]
    return [f"weight {w.source.strip()}" for w in weights]


def _route_label(base: str, cond: str | None, conditional: bool) -> str:
    if not conditional:
        return base
    return f"{base} [if {cond}]" if cond is not None else f"{base} [otherwise]"


def scenario_edges(cs: CompiledScenario) -> list[Edge]:
    """Every edge of the scene graph, in the scenario's order."""
    edges: list[Edge] = []
    for node in cs.nodes:
        if not isinstance(node, CScene):
            continue
        sid = node.model.id
        for c in node.choices:
            base = _short(c.model.label)
            if c.model.if_ is not None:
                base += f" (if {_short(c.model.if_, 32)})"
            hist = c.model.historical
            if c.target is not None:
                routes = _routes(c.target, cs)
                conditional = len(routes) > 1 or routes[0][0] is not None
                for cond, to in routes:
                    edges.append(Edge(sid, to, _route_label(base, cond, conditional),
                                      "route" if conditional else "choice", hist))
            for odds, outcome in zip(_odds(c, cs), c.outcomes):
                routes = _routes(outcome.target, cs)
                conditional = len(routes) > 1 or routes[0][0] is not None
                for cond, to in routes:
                    edges.append(Edge(sid, to, _route_label(f"{base} · {odds}", cond, conditional),
                                      "chance", hist))
        if node.battle is not None:
            routes = _routes(node.battle.after, cs)
            conditional = len(routes) > 1 or routes[0][0] is not None
            for cond, to in routes:
                edges.append(Edge(sid, to, _route_label("after the battle", cond, conditional), "battle", False))
    return edges


def historical_nodes(cs: CompiledScenario, edges: list[Edge]) -> set[str]:
    """The start, and every scene or ending a historical choice leads to."""
    return {cs.node_id(cs.start)} | {e.target for e in edges if e.historical}


def render_graph(cs: CompiledScenario, fmt: str = "mermaid") -> str:
    """The scenario's scene graph as Graphviz DOT or a Mermaid flowchart."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown graph format '{fmt}' (expected {' or '.join(FORMATS)})")
    edges = scenario_edges(cs)
    on_path = historical_nodes(cs, edges)
    return _dot(cs, edges, on_path) if fmt == "dot" else _mermaid(cs, edges, on_path)


def _stages(cs: CompiledScenario) -> list[tuple[str | None, list[CScene]]]:
    """Scenes grouped by stage, in order of first appearance (None: scenes without a stage)."""
    groups: dict[str | None, list[CScene]] = {}
    for node in cs.nodes:
        if isinstance(node, CScene):
            groups.setdefault(node.model.stage, []).append(node)
    return list(groups.items())


def _endings(cs: CompiledScenario) -> list[CEnding]:
    return [n for n in cs.nodes if isinstance(n, CEnding)]


# -- Graphviz ------------------------------------------------------------------------------------


def _q(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dot(cs: CompiledScenario, edges: list[Edge], on_path: set[str]) -> str:
    info = cs.info
    start = cs.node_id(cs.start)
    out = [
        f"digraph {_q(info.id)} {{",
        f"  graph [rankdir=TB, labelloc=t, fontname=Helvetica, "
        f"label={_q(f'{info.title} (v{info.version}): scenes, choices and endings')}];",
        "  node [fontname=Helvetica, fontsize=11, shape=box, style=rounded];",
        "  edge [fontname=Helvetica, fontsize=9];",
    ]

    def scene_line(node: CScene, indent: str) -> str:
        sc = node.model
        attrs = []
        if node.battle is not None:
            label = f"⚔ {sc.title}\n({sc.id}; battle: {node.battle.model.id})"
            attrs += ["shape=hexagon", 'style="filled"', 'fillcolor="#f5e1d0"', 'class="battle"']
        else:
            label = f"{sc.title}\n({sc.id})"
        if sc.id == start:
            label = f"▶ {label}"
        if sc.id in on_path:
            attrs += [f'color="{HISTORICAL_COLOUR}"', "penwidth=2.5"]
        return f"{indent}{_q(sc.id)} [label={_q(label)}{''.join(', ' + a for a in attrs)}];"

    for k, (stage, scenes) in enumerate(_stages(cs)):
        if stage is None:
            out.extend(scene_line(n, "  ") for n in scenes)
            continue
        out.append(f"  subgraph cluster_stage_{k} {{")
        out.append(f'    label={_q(stage)}; style="rounded,dashed"; color="#999999";')
        out.extend(scene_line(n, "    ") for n in scenes)
        out.append("  }")
    for node in _endings(cs):
        e = node.model
        attrs = ["shape=ellipse", 'style="filled"', f'fillcolor="{ENDING_COLOURS.get(e.kind, "#ffffff")}"',
                 f'class="ending {e.kind}"']
        if e.id in on_path:
            attrs += [f'color="{HISTORICAL_COLOUR}"', "penwidth=2.5"]
        label = f"{e.title}\n({e.id}; {e.kind})"
        out.append(f"  {_q(e.id)} [label={_q(label)}, {', '.join(attrs)}];")
    for e in edges:
        attrs = [f"label={_q(e.label)}"]
        if e.kind == "chance":
            attrs.append("style=dotted")
        elif e.kind in ("route", "battle"):
            attrs.append("style=dashed")
        if e.historical:
            attrs += [f'color="{HISTORICAL_COLOUR}"', "penwidth=2.5", 'class="historical"']
        out.append(f"  {_q(e.source)} -> {_q(e.target)} [{', '.join(attrs)}];")
    out.append("}")
    return "\n".join(out) + "\n"


# -- Mermaid -------------------------------------------------------------------------------------


def _m(text: str) -> str:
    """Text inside a Mermaid double-quoted label, with its special characters as entity codes."""
    text = text.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    return text.replace("\n", "<br/>")


def _mid(ident: str, ending: bool = False) -> str:
    """A Mermaid node id: prefixed, so that ids such as `end` cannot clash with the syntax."""
    return ("e_" if ending else "s_") + ident


def _mermaid(cs: CompiledScenario, edges: list[Edge], on_path: set[str]) -> str:
    info = cs.info
    start = cs.node_id(cs.start)
    endings = {n.model.id for n in _endings(cs)}
    out = [
        f"%% {info.title} (v{info.version}): scenes, choices and endings",
        "%% thick gold edges: historical choices; dotted: chance; ⚔: a battle",
        "flowchart TD",
    ]

    def scene_line(node: CScene, indent: str) -> str:
        sc = node.model
        label = f"{sc.title}\n({sc.id})"
        if sc.id == start:
            label = f"▶ {label}"
        if node.battle is not None:
            return f'{indent}{_mid(sc.id)}{{{{"{_m("⚔ " + label)}"}}}}'
        return f'{indent}{_mid(sc.id)}["{_m(label)}"]'

    for k, (stage, scenes) in enumerate(_stages(cs)):
        if stage is None:
            out.extend(scene_line(n, "  ") for n in scenes)
            continue
        out.append(f'  subgraph stage_{k}["{_m(stage)}"]')
        out.extend(scene_line(n, "    ") for n in scenes)
        out.append("  end")
    for node in _endings(cs):
        e = node.model
        label = f"{e.title}\n({e.id}; {e.kind})"
        out.append(f'  {_mid(e.id, True)}(["{_m(label)}"])')
    historical_links = []
    for i, e in enumerate(edges):
        arrow = "==>" if e.historical else "-.->" if e.kind == "chance" else "-->"
        target = _mid(e.target, e.target in endings)
        out.append(f'  {_mid(e.source)} {arrow}|"{_m(e.label)}"| {target}')
        if e.historical:
            historical_links.append(str(i))
    out.append("  classDef battle fill:#f5e1d0,stroke:#8d6e63")
    out.append(f"  classDef historical stroke:{HISTORICAL_COLOUR},stroke-width:3px")
    for kind, colour in ENDING_COLOURS.items():
        out.append(f"  classDef {kind} fill:{colour}")
    battles = [_mid(n.model.id) for n in cs.nodes if isinstance(n, CScene) and n.battle is not None]
    if battles:
        out.append(f"  class {','.join(battles)} battle")
    by_kind: dict[str, list[str]] = {}
    for node in _endings(cs):
        by_kind.setdefault(node.model.kind, []).append(_mid(node.model.id, True))
    for kind, ids in by_kind.items():
        out.append(f"  class {','.join(ids)} {kind}")
    path = [_mid(i, i in endings) for i in sorted(on_path)]
    out.append(f"  class {','.join(path)} historical")
    if historical_links:
        out.append(f"  linkStyle {','.join(historical_links)} stroke:{HISTORICAL_COLOUR},stroke-width:3px")
    return "\n".join(out) + "\n"
