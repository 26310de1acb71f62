"""The Chronicle: the player's campaign beside the history (531, for Callinicum), and how two
chroniclers would have told it.

Procopius, Belisarius' own assessor, flatters him, blames al-Harith and is silent on the inquiry;
Malalas is blunter and credits Sunicas and Simmas. Each choice in the scenario may carry its own
`chronicle` lines (one entry, or a list whose first entry that holds on the state after the
decision is told); the Chronicle gathers those of the choices the player made.

What the sources record and what they never wrote are kept apart by construction: a choice marked
historical gives `record` (told as the record of 531, with its sources); any other choice gives
`imagined` (told as a chronicler might have told it, and labelled so), and the chroniclers' lines
for it are marked imagined too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from game.scenario.compiled import CChoice, CScene
from game.session.history_words import HistoryWords
from game.session.playthrough import Playthrough

if TYPE_CHECKING:
    from game.scenario.models import ChronicleEntry as ChronicleText

IMAGINED_LABEL = "As a chronicler might have told it — imagined"


def paragraphs(text: str | None) -> list[str]:
    """Hard-wrapped prose as paragraphs, each on one line; blank lines part paragraphs."""
    if not text:
        return []
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        joined = " ".join(block.split())
        if joined:
            out.append(joined)
    return out


@dataclass(frozen=True)
class ChronicleEntry:
    step: int
    title: str
    date: str | None
    yours: str
    historical: bool
    what_happened: str | None  # the historical choice at this point, when the player's differed
    record: str | None  # what the sources record: only for a choice the real Belisarius made
    sources: tuple[str, ...]  # who records it
    imagined: str | None  # a chronicler's line for a choice the real Belisarius never made
    procopius: str | None
    malalas: str | None
    history: str | None


@dataclass(frozen=True)
class Voiced:
    """One line in a chronicler's voice, and whether it tells a deed the sources never record."""

    step: int
    text: str
    imagined: bool


@dataclass(frozen=True)
class Chronicle:
    entries: tuple[ChronicleEntry, ...]
    matched: int
    diverged: int
    words: HistoryWords = HistoryWords("history", "the real commander")

    @property
    def decisions_with_history(self) -> int:
        return self.matched + self.diverged

    @property
    def procopius(self) -> list[Voiced]:
        return [Voiced(e.step, e.procopius, not e.historical) for e in self.entries if e.procopius]

    @property
    def malalas(self) -> list[Voiced]:
        return [Voiced(e.step, e.malalas, not e.historical) for e in self.entries if e.malalas]


def told(choice: CChoice | None, values: tuple[int, ...]) -> ChronicleText | None:
    """The chronicle entry a choice tells on the state after it was taken: the first that holds."""
    if choice is None:
        return None
    for cond, entry in choice.chronicle:
        if cond is None or cond.fn(values):
            return entry
    return None


def _clean(text: str | None) -> str | None:
    return text.strip() if text and text.strip() else None


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
        entry_chron = told(choice, p.states[i + 1].values)
        history = None
        scene_history = node.model.history if isinstance(node, CScene) else None
        if scene_history is not None and (i == 0 or p.states[i - 1].node != state.node):
            history = scene_history.text.strip()
        if not has_history and entry_chron is None:
            continue
        line = _clean(entry_chron.record) if entry_chron else None
        sources: tuple[str, ...] = ()
        if rec.historical and line and choice is not None:
            sources = tuple(choice.model.sources) or tuple(scene_history.sources if scene_history else ())
        entries.append(ChronicleEntry(
            step=i + 1, title=rec.scene_title, date=rec.date, yours=rec.label, historical=rec.historical,
            what_happened=rec.historical_label,
            record=line if rec.historical else None, sources=sources,
            imagined=line if not rec.historical else None,
            procopius=_clean(entry_chron.procopius) if entry_chron else None,
            malalas=_clean(entry_chron.malalas) if entry_chron else None,
            history=history,
        ))
    return Chronicle(tuple(entries), matched, diverged, p.words)


def _quote(text: str) -> list[str]:
    """A Markdown blockquote that keeps the paragraphs."""
    out: list[str] = []
    for para in paragraphs(text):
        if out:
            out.append(">")
        out.append(f"> {para}")
    return out


def _voice(name: str, lead: str, lines: list[Voiced]) -> list[str]:
    out = [f"**{name}**, {lead}:", ""]
    for v in lines:
        label = f"*{IMAGINED_LABEL}:* " if v.imagined else ""
        paras = paragraphs(v.text)
        out.append(f"> **{v.step}.** {label}{paras[0]}")
        for para in paras[1:]:
            out += [">", f"> {para}"]
        out.append("")
    return out


def markdown(p: Playthrough, stopped: str | None = None) -> str:
    """A playthrough and its Chronicle as Markdown, for sharing."""
    c = chronicle(p)
    words = c.words
    info = p.scenario.info
    view = p.view()
    out = [f"# {info.title}: a campaign", "",
           f"Scenario `{p.scenario.id}` v{info.version}, seed {p.seed}, {len(p.decisions)} decisions.", ""]
    if p.ending:
        out += [f"**Ending: {view.title}** (`{p.ending}`)", ""]
    elif stopped:
        out += [f"*Stopped: {stopped}*", ""]
    total = c.decisions_with_history
    if total:
        out += [f"You followed {words.the_real} in {c.matched} of {total} recorded decisions "
                f"and diverged in {c.diverged}.", ""]
    out += [f"## The campaign beside {words.beside}", ""]
    for e in c.entries:
        out.append(f"### {e.step}. {e.title}" + (f" — {e.date}" if e.date else ""))
        out.append("")
        mark = f" *({words.as_in})*" if e.historical else ""
        out.append(f"- **You:** {e.yours}{mark}")
        if e.what_happened:
            out.append(f"- **{words.in_year}:** {e.what_happened}")
        out.append("")
        if e.record:
            cited = f" ({'; '.join(e.sources)})" if e.sources else ""
            out += [f"**{words.record}**{cited}:", ""] + _quote(e.record) + [""]
        if e.imagined:
            out += [f"*{IMAGINED_LABEL}:*", ""] + _quote(e.imagined) + [""]
    if c.procopius or c.malalas:
        out += ["## As the chroniclers would tell it", ""]
        if c.procopius:
            out += _voice("Procopius", "Belisarius' assessor", c.procopius)
        if c.malalas:
            out += _voice("John Malalas", "from Antioch", c.malalas)
    if p.ending:
        out += ["## The ending", ""]
        for para in paragraphs(view.text):
            out += [para, ""]
        if view.after:
            out += ["## What followed", ""]
            for para in paragraphs(view.after):
                out += [para, ""]
        out += [f"ending: {p.ending}"]
    return "\n".join(out).rstrip() + "\n"
