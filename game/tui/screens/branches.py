"""The branch tree: every playthrough merged into one tree of decisions and what the dice gave.

Straight runs of decisions stay at one level; where roads part, a fork opens one branch per road,
whether a decision or the dice parted them (a road the dice chose says how they fell). Decisions
the real Belisarius took are starred, endings found are flagged, and "branch from here" starts a
new playthrough at the highlighted decision, with the very past shown, without touching the old ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static, Tree
from textual.widgets.tree import TreeNode

from game.session.branches import BranchNode, BranchTree, NodeInfo, Turn
from game.session.history_words import HistoryWords
from game.tui.errors import guarded
from game.tui.keys import keys
from game.tui.screens.base import Overlay
from game.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from game.engine.campaign import Option


@dataclass(frozen=True)
class Point:
    """A place in the tree: the decision taken at `node` (or, with no option, the node itself)."""

    node: BranchNode
    option_id: str | None = None
    fork: bool = False


def _option_parts(o: Option, taken: bool, here: bool, as_in: str) -> list[str | tuple[str, str]]:
    """One option of a decision in the details: taken on some road (●), not (○), or the one this
    road took (→); whether it is the history's, and whether it was ever explored."""
    mark = ("→ ", "bold $accent") if here else (("● ", "$foreground") if taken else ("○ ", "$muted"))
    parts: list[str | tuple[str, str]] = [mark, (o.label, "" if o.available else "$muted")]
    if o.historical:
        parts.append((f"  ★ {as_in}", "$success"))
    if not taken:
        never = "  never explored" if o.available else "  closed on this road"
        parts.append((never, "italic $muted"))
    parts.append("\n")
    return parts


class BranchesScreen(Overlay):
    BINDINGS = keys("branch_here")

    def compose(self) -> ComposeResult:
        with Vertical(id="branches-box", classes="overlay-box"):
            yield Static(id="branches-summary", markup=False)
            with Horizontal(id="branches-body"):
                yield Tree(Text("The campaign"), id="branch-tree")
                with VerticalScroll(id="branch-details"):
                    yield Static(id="branch-info", markup=False)
                    yield Button("Branch from here", id="branch-here", variant="primary")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#branches-box").border_title = "The branch tree"
        self._infos: dict[tuple[Turn, ...], NodeInfo] = {}
        self.build()

    # -- building ----------------------------------------------------------------------------
    def _info(self, node: BranchNode) -> NodeInfo:
        info = self._infos.get(node.turns)
        if info is None:
            info = self._infos[node.turns] = self.branch_tree.info(node)
        return info

    def _styles(self) -> dict[str, Style]:
        theme = self.app.current_theme
        return {
            "historical": Style(color=theme.success, bold=True),
            "ending": Style(color=theme.primary, bold=True),
            "muted": Style(dim=True),
            "fork": Style(color=theme.secondary, bold=True),
            "here": Style(color=theme.accent, bold=True),
            "dice": Style(color=theme.warning, italic=True),
            "title": Style(bold=True),
        }

    @guarded
    def build(self) -> None:
        self.branch_tree: BranchTree = self.game.store.tree()
        self.tree_styles = self._styles()
        session = self.game.session
        p = session.playthrough
        self.current_path = tuple(Turn(o, c) for o, c in zip(p.decisions, p.chance)) if p else None
        self.ending_titles = {e.id: e.title for e in self.game.scenario.endings}
        tree = self.query_one("#branch-tree", Tree)
        tree.clear()
        tree.root.data = Point(self.branch_tree.root)
        tree.root.expand()
        self._here: TreeNode | None = None
        root = self.branch_tree.root
        records = len(root.playthroughs)
        if not root.children:
            tree.root.add_leaf(
                Text(
                    "No decisions taken yet: play a campaign first.",
                    style=self.tree_styles["muted"],
                )
            )
        else:
            self._chain(tree.root, root, True)
        found = self.game.store.endings_found()
        total = len(self.game.scenario.endings)
        self.query_one("#branches-summary", Static).update(
            Content.assemble(
                (f"{records} playthrough{'s' if records != 1 else ''}", "bold"),
                "  ·  ",
                (f"{len(found)} of {total}", "bold"),
                " endings found     ",
                ("★", "bold $success"),
                f" {HistoryWords.of(self.game.scenario).as_in}  ",
                ("⚑", "bold $primary"),
                " ending  ",
                ("◀", "bold $accent"),
                " you",
            )
        )
        target = self._here or tree.root
        self.call_after_refresh(self._focus, target)

    def _focus(self, node: TreeNode) -> None:
        tree = self.query_one("#branch-tree", Tree)
        tree.move_cursor(node)
        tree.focus()
        self._show(node.data)

    def _historical(self, info: NodeInfo, option_id: str, parent_historical: bool) -> tuple[bool, bool]:
        """(still on the road of 531, starred): the road goes on while every choice the sources
        record was taken as in 531; a star marks only a choice the sources record."""
        if not parent_historical:
            return False, False
        marked = [o for o in info.options if o.historical]
        if not marked:
            return True, False  # the sources record no choice here: the road goes on, unstarred
        taken = any(o.id == option_id for o in marked)
        return taken, taken

    def _decision_label(
        self,
        info: NodeInfo,
        option_id: str,
        historical: bool,
        here: bool,
        with_title: bool,
        dice: str | None = None,
    ) -> Text:
        labels = {o.id: o.label for o in info.options}
        text = Text()
        text.append("★ " if historical else "  ", self.tree_styles["historical"])
        if with_title:
            text.append(info.title, self.tree_styles["title"])
            text.append(": ")
        text.append(labels.get(option_id, option_id))
        if dice:
            text.append(f"  ⚄ {dice}", self.tree_styles["dice"])
        if here:
            text.append("  ◀ you are here", self.tree_styles["here"])
        return text

    def _chain(self, parent: TreeNode, node: BranchNode, historical: bool) -> None:
        while True:
            if not node.children:
                self._leaf(parent, node)
                return
            info = self._info(node)
            children = list(node.children.items())
            if len(children) == 1:
                (option_id, _), child = children[0]
                road, star = self._historical(info, option_id, historical)
                here = self.current_path is not None and child.turns == self.current_path
                item = parent.add_leaf(
                    self._decision_label(info, option_id, star, here, True),
                    data=Point(node, option_id),
                )
                if here:
                    self._here = item
                node, historical = child, road
                continue
            taken = [turn.option for turn, _ in children]
            split = {o for o in taken if taken.count(o) > 1}  # decisions after which the dice parted roads
            dice = {t: d for o in split for t, d in self.branch_tree.outcomes(node, o).items()}
            fork_label = Text()
            fork_label.append(f"◇ {len(children)} roads from ", self.tree_styles["fork"])
            fork_label.append(info.title, self.tree_styles["title"])
            if info.date:
                fork_label.append(f"  {info.date}", self.tree_styles["muted"])
            on_path = (
                self.current_path is not None
                and self.current_path[: len(node.path)] == node.turns
            )
            fork = parent.add(fork_label, data=Point(node, None, fork=True), expand=True)
            for turn, child in children:
                option_id = turn.option
                road, star = self._historical(info, option_id, historical)
                here = self.current_path is not None and child.turns == self.current_path
                ahead = (
                    on_path
                    and self.current_path is not None
                    and self.current_path[: len(child.path)] == child.turns
                )
                endings = len(child.endings)
                label = self._decision_label(info, option_id, star, here, False, dice.get(turn))
                if endings:
                    label.append(
                        f"  ({endings} ending{'s' if endings != 1 else ''})",
                        self.tree_styles["muted"],
                    )
                branch = fork.add(
                    label, data=Point(node, option_id), expand=ahead or len(children) <= 3
                )
                if here:
                    self._here = branch
                self._chain(branch, child, road)
            return

    def _leaf(self, parent: TreeNode, node: BranchNode) -> None:
        if node.ending:
            text = Text("⚑ ", self.tree_styles["ending"])
            text.append(
                self.ending_titles.get(node.ending, node.ending), self.tree_styles["ending"]
            )
        else:
            text = Text("… not finished", self.tree_styles["muted"])
        if self.current_path is not None and node.turns == self.current_path:
            text.append("  ◀ you are here", self.tree_styles["here"])
            self._here = parent.add_leaf(text, data=Point(node))
        else:
            parent.add_leaf(text, data=Point(node))

    # -- details -----------------------------------------------------------------------------
    @on(Tree.NodeHighlighted, "#branch-tree")
    @guarded
    def _highlighted(self, event: Tree.NodeHighlighted) -> None:
        self._show(event.node.data)

    def _show(self, point: Point | None) -> None:
        info_widget = self.query_one("#branch-info", Static)
        button = self.query_one("#branch-here", Button)
        if point is None:
            info_widget.update(Content(""))
            button.display = False
            return
        node = point.node
        if point.option_id is None and not point.fork and node.ending:
            info_widget.update(
                Content.assemble(
                    ("⚑ ", "bold $primary"),
                    (self.ending_titles.get(node.ending, node.ending), "bold $primary"),
                    "\n\n",
                    f"Reached after {node.depth} decisions. To take another road, highlight a decision above it.",
                )
            )
            button.display = False
            return
        info = self._info(node)
        info_widget.update(Content.assemble(*self._decision_parts(point, info)))
        button.display = not info.ending

    def _decision_parts(self, point: Point, info: NodeInfo) -> list[str | tuple[str, str]]:
        """A decision point: the scene, its options (the one taken on this road marked), the
        endings found beyond it, and the way to branch."""
        node = point.node
        parts: list[str | tuple[str, str]] = [(info.title, "bold $primary")]
        if info.date:
            parts.append((f"\n{info.date}", "$muted"))
        parts.append((f"\nDecision {node.depth + 1}\n\n", "$muted"))
        if info.ending:
            parts.append(("This is an ending.\n", "italic"))
        as_in = HistoryWords.of(self.game.scenario).as_in
        for o in info.options:
            parts += _option_parts(o, o.id in info.explored, o.id == point.option_id, as_in)
        if not info.reproduced:
            parts.append(
                (
                    "\nIn this version of the scenario the road to here no longer goes as it was"
                    " recorded: branching from here replays it as far as it still goes.\n",
                    "$warning",
                )
            )
        endings = sorted(node.endings)
        if endings:
            parts.append(("\nEndings found beyond this point:\n", "bold"))
            for e in endings:
                parts += [("⚑ ", "$primary"), f"{self.ending_titles.get(e, e)}\n"]
        parts.append(("\nb", "bold $primary"))
        parts.append(" branch from here: a new playthrough at this decision; the old ones are kept.")
        return parts

    # -- acting ------------------------------------------------------------------------------
    @guarded
    def action_branch_here(self) -> None:
        tree = self.query_one("#branch-tree", Tree)
        node = tree.cursor_node
        point = node.data if node is not None else None
        if not isinstance(point, Point):
            self.notify("Highlight a decision first.", severity="warning")
            return
        if point.node.ending and point.option_id is None and not point.fork:
            self.notify("That is an ending; highlight a decision above it.", severity="warning")
            return
        self.game.branch_from(point.node)

    @on(Button.Pressed, "#branch-here")
    def _button(self) -> None:
        self.action_branch_here()
