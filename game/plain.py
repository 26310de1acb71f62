"""The game in plain lines of text: `callinicum play --plain`, and `play` whenever standard input or
output is not a terminal.

For screen readers, serial consoles and scripts: the same session, saves and autosave as the Textual
interface, but nothing is drawn. Text is printed once, top to bottom, wrapped to the width; there is
no colour, no cursor movement and no box drawing. The player answers with a line: a choice's number,
or a one-letter command. Textual is never imported on this path.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from game.engine.campaign import EngineError
from game.session.chronicle import IMAGINED_LABEL, chronicle, paragraphs
from game.session.history_words import HistoryWords
from game.session.saves import SaveError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from game.engine.campaign import Option
    from game.engine.campaign import View
    from game.engine.battle import BattleView
    from game.session.playthrough import Decision
    from game.session.session import Session

PHASE_LINE = re.compile(r"^\[(?P<time>[^\]]+)\]\s+(?P<title>.+)$")
KIND_WORDS = {
    "victory": "A victory", "draw": "A drawn day", "defeat": "A defeat", "disaster": "A disaster",
    "peace": "A peace", "disgrace": "A disgrace",
}
COMMANDS = (
    ("1, 2, ...", "take that choice"),
    ("h", "the history note: what happened here, and who says so"),
    ("a", "the army and the state of the campaign"),
    ("r", "the scene again"),
    ("u", "undo the last decision"),
    ("s NAME", "save the campaign under a name (it is also saved after every decision)"),
    ("q", "quit (the campaign is saved; `callinicum play --plain` continues it)"),
    ("?", "these commands"),
)


@dataclass
class Shown:
    """What the player has already been shown, so a scene is not printed twice in a row."""

    node: int = -1
    steps: int = -1


class PlainGame:
    def __init__(self, session: Session, inp: TextIO, out: TextIO, *, width: int = 80, echo: bool = False):
        self.session = session
        self.words = HistoryWords.of(session.scenario)
        self.inp = inp
        self.out = out
        self.width = max(30, width)
        self.echo = echo  # print each line read, when the input is not a terminal that shows it
        self.shown = Shown()
        self._problems_shown = 0

    # -- writing -----------------------------------------------------------------------------------
    def line(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def prose(self, text: str | None, indent: str = "") -> None:
        for para in paragraphs(text):
            self.line("\n".join(textwrap.wrap(para, self.width, initial_indent=indent,
                                              subsequent_indent=indent, break_on_hyphens=False)))
            self.line()

    def heading(self, text: str) -> None:
        self.line(f"== {text} ==")

    def notices(self) -> None:
        s = self.session
        if s.notice:
            self.line(f"{s.notice_title or 'Note'}: {s.notice}")
            self.line()
            s.notice = None
        problems = s.store.problems[self._problems_shown:]
        self._problems_shown = len(s.store.problems)
        for problem in problems:
            self.line(f"Saves: {problem}")
        if problems:
            self.line()

    # -- reading -----------------------------------------------------------------------------------
    def ask(self, prompt: str = "> ") -> str | None:
        """One line from the player; None at the end of input."""
        self.out.write(prompt)
        self.out.flush()
        text = self.inp.readline()
        if not text:
            self.line()
            return None
        text = text.strip()
        if self.echo:
            self.line(text)
        return text

    # -- the game ----------------------------------------------------------------------------------
    def run(self) -> int:
        self.title()
        if not self.start():
            return self.leave("Input ended before a campaign began.")
        while True:
            p = self.session.current
            if p.ending:
                self.ending()
                return 0
            self.scene()
            answer = self.ask()
            if answer is None:
                return self.leave("Input ended.")
            if answer.lower() in ("q", "quit", "exit"):
                return self.leave("")
            self.command(answer)

    def leave(self, why: str) -> int:
        p = self.session.playthrough
        where = ("Your campaign is saved after your last decision; `callinicum play --plain` "
                 "continues it.") if p is not None and p.decisions else ""
        text = " ".join(x for x in (why, where) if x)
        if text:
            self.line(text)
        self.out.flush()
        return 0

    def title(self) -> None:
        info = self.session.scenario.info
        self.heading(info.title + (f": {info.subtitle}" if info.subtitle else ""))
        self.line()
        self.prose(info.intro)
        self.notices()

    def start(self) -> bool:
        """A new campaign, or the saved one if there is one and the player wants it. False at the
        end of input. With a seed given on the command line the campaign is always a new one."""
        s = self.session
        latest = s.store.latest() if s.fixed_seed is None else None
        self.notices()
        if latest is None or latest.ending:
            s.new()
            return True
        where = ", ".join(x for x in (latest.date, latest.place) if x) or "the beginning"
        self.line(f"A campaign is saved: {where}, after {len(latest.decisions)} decision"
                  f"{'' if len(latest.decisions) == 1 else 's'}.")
        self.line("  1. Continue it")
        self.line("  2. Begin a new campaign")
        while True:
            answer = self.ask()
            if answer is None:
                return False
            if answer in ("", "1", "c"):
                s.resume(latest)
                break
            if answer in ("2", "n"):
                s.new()
                break
            if answer.lower() in ("q", "quit"):
                return False
            self.line("Type 1 to continue the saved campaign or 2 to begin a new one.")
        self.line()
        self.notices()
        return True

    def command(self, answer: str) -> None:
        p = self.session.current
        word, _, rest = answer.partition(" ")
        key = word.lower()
        if answer.isdigit():
            self.choose(int(answer))
        elif key in ("h", "history"):
            self.history(p.view())
        elif key in ("a", "army"):
            self.situation(p.view())
        elif key in ("r", "l", "look"):
            self.shown = Shown()
        elif key in ("u", "undo"):
            self.undo()
        elif key in ("s", "save"):
            self.save(rest.strip())
        elif key in ("?", "help"):
            self.help()
        elif answer == "":
            self.options(p.view())
        else:
            n = len(open_options(p.options()))
            self.line(f"'{answer}' is not a command here. Type a number from 1 to {n}, or ? for the commands.")

    def choose(self, number: int) -> None:
        options = open_options(self.session.current.options())
        if not 1 <= number <= len(options):
            self.line(f"There is no choice {number} here: " + (
                f"the choices are 1 to {len(options)}." if len(options) > 1 else "the only choice is 1."))
            return
        option = options[number - 1]
        try:
            decision = self.session.choose(option.id)
        except EngineError as exc:
            self.line(f"Not possible: {exc}")
            return
        self.line()
        self.outcome(decision)

    def undo(self) -> None:
        p = self.session.current
        label = p.record[-1].label if p.record else None
        if self.session.undo():
            self.line(f"Taken back: {label}")
            self.line()
            self.shown = Shown()
        else:
            self.line("Nothing to undo: the campaign begins here.")

    def save(self, name: str) -> None:
        if not name:
            name = self.ask("Save as (a name): ") or ""
        if not name:
            self.line("Not saved: a save needs a name (`s NAME`).")
            return
        try:
            path = self.session.save(name)
        except (SaveError, OSError) as exc:
            self.line(f"Not saved: {getattr(exc, 'strerror', None) or exc}")
            return
        self.line(f"Saved as “{path.stem}” ({path}).")

    def help(self) -> None:
        self.line("Commands (type one and press Enter):")
        for key, what in COMMANDS:
            self.line(f"  {key:<10} {what}")

    # -- what is shown -----------------------------------------------------------------------------
    def scene(self) -> None:
        """The scene, once, when it is new; then the choices."""
        p = self.session.current
        view = p.view()
        steps = len(p.decisions)
        if self.shown.steps == steps:
            self.options(view)
            return
        if view.battle is not None:
            self.battle(view, view.battle)
        elif p.state.node != self.shown.node:
            self.heading(" — ".join(x for x in (view.stage, view.title) if x))
            when = ", ".join(x for x in (view.date, view.place_name) if x)
            if when:
                self.line(when)
            self.line()
            self.prose(view.text)
            self.counsel(view)
        self.shown = Shown(p.state.node, steps)
        self.options(view)

    def counsel(self, view: View) -> None:
        if not view.counsel:
            return
        self.line("Counsel:")
        for c in view.counsel:
            who = c.name + (f", {c.title}" if c.title else "")
            self.prose(f"{who}: {' '.join(paragraphs(c.says))}", "  ")

    def battle(self, view: View, b: BattleView) -> None:
        self.heading(f"{b.title}: {b.time}, {b.stage}")
        if self.shown.node != self.session.current.state.node:
            self.prose(view.text)
        left = b.terrain_left if b.terrain_left != "open" else "open ground"
        right = b.terrain_right if b.terrain_right != "open" else "open ground"
        self.line(f"The line, from the {left} on the left to the {right} on the right:")
        for pos in b.positions:
            self.prose(position_line(pos), "  ")
        facts = [f"Reserve: {b.reserve or 'none'}.", f"You stand {b.station}."]
        if any(pos.terrain == "rise" for pos in b.positions):
            facts.append(f"The rise is {'watched' if b.watch else 'unwatched'}.")
        self.prose(" ".join(facts))
        group = next((o.group for o in view.options if o.group), None) or b.stage
        first, _, rest = (b.prompt or "").partition("\n")
        self.prose(rest if first.strip() == group.strip() else b.prompt)  # the question comes with the choices

    def options(self, view: View) -> None:
        if not view.options:
            return
        group = next((o.group for o in view.options if o.group), None)
        if group is None and view.battle is not None:
            group = view.battle.stage
        self.line(group or "What will you do?")
        numbered = open_options(view.options)
        for i, o in enumerate(numbered, 1):
            self.wrapped(f"{i}. {o.label}", "  ", "     ")
            if o.gamble:
                self.wrapped(o.gamble, "     ", "     ")
        for o in view.options:
            if not o.available:
                self.wrapped(f"-  {o.label} (not open: {o.reason or 'not now'})", "  ", "     ")
        self.line(f"Choose 1 to {len(numbered)}; h history, a army, u undo, s save, q quit, ? help.")

    def wrapped(self, text: str, first: str, rest: str) -> None:
        self.line("\n".join(textwrap.wrap(text, self.width, initial_indent=first, subsequent_indent=rest,
                                          break_on_hyphens=False)))

    def outcome(self, decision: Decision) -> None:
        self.line(f"You chose: {decision.label}")
        self.line()
        for text in decision.text:
            m = PHASE_LINE.match(text.strip())
            if m:
                self.line(f"-- {m['time']}: {m['title']} --")
                self.line()
            else:
                self.prose(text)
        w = self.words
        if decision.historical:
            self.prose(f"{w.as_in.capitalize()}: {w.did}")
        elif decision.historical_label:
            self.prose(f"{w.chose_otherwise}{decision.historical_label}")

    def history(self, view: View) -> None:
        self.heading(f"{self.words.happened}: {view.title}")
        h = view.history
        if h is None:
            self.line("There is no history note for this stage.")
            self.line()
        else:
            self.prose(getattr(h, "text", ""))
            sources = list(getattr(h, "sources", []) or [])
            if sources:
                self.line("Who says so:")
                for s in sources:
                    self.prose(s, "  ")
            for d in list(getattr(h, "disputes", []) or []):
                self.line(f"Where the sources disagree: {d.question}")
                for v in d.views:
                    self.prose(f"{v.source}: {' '.join(paragraphs(v.says))}", "  ")
        historical = [o for o in view.options if o.historical]
        for o in historical:
            src = f" ({'; '.join(o.sources)})" if o.sources else ""
            self.prose(f"What {self.words.hero} did: {o.label}{src}")
        if not historical and view.options:
            self.prose(f"None of the choices here is recorded as the one {self.words.hero} made.")

    def situation(self, view: View) -> None:
        self.heading("The army and the campaign")
        for u in view.army:
            who = f", under {u.commander}" if u.commander else ""
            self.line(f"  {u.name}{who}: {u.men * 100:,} men, {u.kind}, morale {u.morale}, "
                      f"fatigue {u.fatigue}, {u.experience}")
        for q in view.qualities:
            self.line(f"  {q.label}: {q.value} (from {q.min} to {q.max})")
        self.line()

    def ending(self) -> None:
        p = self.session.current
        view = p.view()
        kind = KIND_WORDS.get(view.ending_kind or "", view.ending_kind or "The end")
        self.heading(f"The end: {view.title} ({kind})")
        self.line()
        self.prose(view.text)
        if view.after:
            self.heading("What followed")
            self.prose(view.after)
        self.chronicle()
        found = len(self.session.store.endings_found())
        total = len(self.session.scenario.endings)
        self.line(f"{found} of {total} endings found.")
        self.line(f"ending: {p.ending}")
        self.out.flush()

    def chronicle(self) -> None:
        c = chronicle(self.session.current)
        self.heading("The Chronicle")
        self.line()
        if c.decisions_with_history:
            self.prose(f"You followed {self.words.the_real} in {c.matched} of {c.decisions_with_history} "
                       f"recorded decisions and took another road in {c.diverged}.")
        for e in c.entries:
            self.line(f"{e.step}. {e.title}" + (f", {e.date}" if e.date else ""))
            self.prose(f"You: {e.yours}" + (f" ({self.words.as_in})" if e.historical else ""), "   ")
            if e.what_happened:
                self.prose(f"{self.words.in_year}: {e.what_happened}", "   ")
            if e.record:
                cited = f" ({'; '.join(e.sources)})" if e.sources else ""
                self.prose(f"{self.words.record}{cited}:", "   ")
                self.prose(e.record, "   ")
            if e.imagined:
                self.prose(f"{IMAGINED_LABEL}:", "   ")
                self.prose(e.imagined, "   ")
        if c.procopius or c.malalas:
            self.line("As the chroniclers would tell it:")
            self.line()
            for name, voiced in (("Procopius, Belisarius' assessor", c.procopius),
                                 ("John Malalas, from Antioch", c.malalas)):
                if voiced:
                    self.line(f"{name}:")
                    for v in voiced:
                        self.prose(f"{v.step}. " + ("(imagined) " if v.imagined else "") + v.text, "  ")


def open_options(options: Sequence[Option]) -> list[Option]:
    """The choices the player can take, numbered from 1: those not open are listed, unnumbered,
    with the reason, so that a number always names something that can be done."""
    return [o for o in options if o.available]


GROUND = {"river": "by the river", "rise": "on the rise", "hill": "on the hill", "wall": "on the wall"}


def position_line(p) -> str:  # noqa: ANN001 - a PositionView
    """One position of the battle line in words."""
    who = p.name + (f" ({GROUND[p.terrain]})" if p.terrain in GROUND else "")
    who += " (you are here)" if p.commander_here else ""
    men = f"{p.men * 100:,} men" if p.men > 0 else "none left"
    state = f"{p.morale}, {p.fatigue}" if p.status == "in line" else p.status
    support = f", supported by {p.support}" if p.support else ""
    enemy = (f"facing {p.enemy_name}, {p.enemy_men * 100:,} men" if p.enemy_men is not None
             else "facing whatever is beyond the rise")
    return f"{p.position}. {who}: {men}, {state}{support}; {enemy}."


def run_plain(session: Session, inp: TextIO, out: TextIO, *, width: int = 80, echo: bool = False) -> int:
    return PlainGame(session, inp, out, width=width, echo=echo).run()
