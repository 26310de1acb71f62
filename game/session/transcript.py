"""A playthrough told as text: for `callinicum replay` and for sharing."""

from __future__ import annotations

import textwrap

from game.engine.campaign import Campaign, State
from game.session.playthrough import Playthrough

WIDTH = 88


def _wrap(text: str, indent: str = "") -> list[str]:
    out: list[str] = []
    for para in text.strip().split("\n\n"):
        para = " ".join(para.split())
        out.extend(textwrap.wrap(para, WIDTH, initial_indent=indent, subsequent_indent=indent) or [""])
        out.append("")
    return out


def transcript(p: Playthrough, stopped: str | None = None) -> str:
    """The whole playthrough: each scene, the decision taken, what followed, and the ending."""
    campaign: Campaign = p.campaign
    lines: list[str] = [f"{p.scenario.info.title} (scenario {p.scenario.id} "
                        f"v{p.scenario.info.version}), seed {p.seed}", ""]
    state: State = p.states[0]
    last_node = -1
    for i, option_id in enumerate(p.decisions):
        view = campaign.view(state)
        if state.node != last_node:
            head = " — ".join(x for x in (view.stage, view.title) if x)
            lines.append(f"== {head} ==")
            lines.append(" · ".join(x for x in (view.date, view.place_name) if x))
            lines.append("")
            lines.extend(_wrap(view.text))
            last_node = state.node
        if view.battle is not None:
            lines.append(f"-- {view.battle.stage} ({view.battle.time}) --")
        record = p.record[i]
        mark = f" [{p.words.as_in}]" if record.historical else ""
        lines.append(f"> {i + 1}. {record.label}{mark}")
        lines.append("")
        for t in record.text:
            lines.extend(_wrap(t, "  "))
        state = p.states[i + 1]
    if stopped:
        lines.append(f"stopped: {stopped}")
    view = campaign.view(p.state)
    if p.ending:
        lines.append(f"== Ending: {view.title} ==")
        lines.append("")
        lines.extend(_wrap(view.text))
        lines.append(f"ending: {p.ending}")
    else:
        lines.append(f"(the playthrough stops at '{view.title}' after {len(p.decisions)} decisions)")
    return "\n".join(lines).rstrip() + "\n"

