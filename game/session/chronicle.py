"""The Chronicle: the player's campaign beside 531, and how two chroniclers would have told it.

Procopius, Belisarius' own assessor, flatters him, blames al-Harith and is silent on the inquiry;
Malalas is blunter and credits Sunicas and Simmas. Each choice in the scenario may carry its own
`chronicle` lines; the Chronicle gathers those of the choices the player made.
"""

from __future__ import annotations

from dataclasses import dataclass

from game.scenario.compiled import CScene
from game.session.playthrough import Playthrough


@dataclass(frozen=True)
class ChronicleEntry:
    step: int
    title: str
    date: str | None
    yours: str
    historical: bool
    what_happened: str | None  # the historical choice at this point, when the player's differed
    record: str | None
    procopius: str | None
    malalas: str | None
    history: str | None


@dataclass(frozen=True)
class Chronicle:
    entries: tuple[ChronicleEntry, ...]
    matched: int
    diverged: int

    @property
    def decisions_with_history(self) -> int:
        return self.matched + self.diverged

    @property
    def procopius(self) -> list[str]:
        return [e.procopius for e in self.entries if e.procopius]

    @property
    def malalas(self) -> list[str]:
        return [e.malalas for e in self.entries if e.malalas]


def chronicle(p: Playthrough) -> Chronicle:
    entries = []
    matched = diverged = 0
    for i, rec in enumerate(p.record):
        state = p.states[i]
        node = p.scenario.nodes[state.node]
        choice = p.campaign.choice_model(state, rec.option_id)
        has_history = rec.historical or rec.historical_label is not None
        if has_history:
            if rec.historical:
                matched += 1
            else:
                diverged += 1
        entry_chron = choice.model.chronicle if choice is not None else None
        history = None
        if isinstance(node, CScene) and node.model.history is not None and (i == 0 or p.states[i - 1].node != state.node):
            history = node.model.history.text.strip()
        if not has_history and entry_chron is None:
            continue
        entries.append(ChronicleEntry(
            step=i + 1, title=rec.scene_title, date=rec.date, yours=rec.label, historical=rec.historical,
            what_happened=rec.historical_label, record=entry_chron.record.strip() if entry_chron else None,
            procopius=entry_chron.procopius.strip() if entry_chron and entry_chron.procopius else None,
            malalas=entry_chron.malalas.strip() if entry_chron and entry_chron.malalas else None,
            history=history,
        ))
    return Chronicle(tuple(entries), matched, diverged)


def markdown(p: Playthrough, stopped: str | None = None) -> str:
    """A playthrough and its Chronicle as Markdown, for sharing."""
    c = chronicle(p)
    info = p.scenario.scenario.info
    view = p.view()
    out = [f"# {info.title}: a campaign", "",
           f"Scenario `{p.scenario.id}` v{info.version}, seed {p.seed}, {len(p.decisions)} decisions.", ""]
    if p.ending:
        out += [f"**Ending: {view.title}** (`{p.ending}`)", ""]
    elif stopped:
        out += [f"*Stopped: {stopped}*", ""]
    total = c.decisions_with_history
    if total:
        out += [f"You followed the real Belisarius in {c.matched} of {total} recorded decisions "
                f"and diverged in {c.diverged}.", ""]
    out += ["## The campaign beside 531", ""]
    for e in c.entries:
        out.append(f"### {e.step}. {e.title}" + (f" — {e.date}" if e.date else ""))
        out.append("")
        mark = " *(as in 531)*" if e.historical else ""
        out.append(f"- **You:** {e.yours}{mark}")
        if e.what_happened:
            out.append(f"- **In 531:** {e.what_happened}")
        if e.record:
            out.append(f"- **The record:** {' '.join(e.record.split())}")
        out.append("")
    if c.procopius or c.malalas:
        out += ["## As the chroniclers would tell it", ""]
        if c.procopius:
            out += ["**Procopius**, Belisarius' assessor:", ""] + [f"> {' '.join(t.split())}" for t in c.procopius] + [""]
        if c.malalas:
            out += ["**John Malalas**, from Antioch:", ""] + [f"> {' '.join(t.split())}" for t in c.malalas] + [""]
    if p.ending:
        out += ["## The ending", ""] + [para.strip() for para in view.text.split("\n\n")]
        out += ["", f"ending: {p.ending}"]
    return "\n".join(out).rstrip() + "\n"
