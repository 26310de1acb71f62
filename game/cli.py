"""The command line: `callinicum [play|serve|check|replay|explore|schema|graph]`.

Each command is one entry of COMMANDS (what it runs, its help, its options); the options every
command that reads a scenario shares (`--scenario`, `--mod`) are declared once, in
`_scenario_options`. Every failure is one clear line on stderr and a non-zero exit; the game's own
errors (`game.errors.CallinicumError`) are caught in `main`, and a traceback is never shown.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import game.scenario
from game import DEFAULT_SCENARIO, config
from game.errors import CallinicumError
from game.scenario.errors import ScenarioLoadError, display_path, escape_controls


class CliError(CallinicumError):
    """A user-facing failure: printed as one line, exit status 1 (or `code`)."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


# -- options ----------------------------------------------------------------------------------------

SCENARIO_HELP = "scenario folder, or the name of a shipped scenario (default: the Callinicum campaign)"
MOD_HELP = "a folder whose files override or add to the scenario's (may be given more than once)"


def _play_seed(text: str) -> int:
    """A seed a save can record: a whole number from 0 to 2**63 - 1 (else every autosave would fail)."""
    from game.session.saves import MAX_SEED

    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 0 <= seed <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{seed} is out of range (0 to {MAX_SEED})")
    return seed


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is out of range (1 to 65535)")
    return port


def _scenario_options(parser: argparse.ArgumentParser, scenario_help: str | None = SCENARIO_HELP) -> None:
    """`--scenario` and `--mod`, for every command that reads a scenario (`check` names its
    folders as arguments, so it takes `--mod` alone: `scenario_help=None`)."""
    if scenario_help is not None:
        parser.add_argument("--scenario", type=Path, default=None, metavar="DIR", help=scenario_help)
    parser.add_argument("--mod", type=Path, action="append", default=[], metavar="DIR", help=MOD_HELP)


def _game_options(parser: argparse.ArgumentParser) -> None:
    """What `play` and `serve` share: the scenario, the seed, the saves folder."""
    _scenario_options(parser)
    parser.add_argument("--seed", type=_play_seed, default=None, metavar="N",
                        help="seed for chance (default: a new one each campaign)")
    parser.add_argument("--saves", type=Path, default=None, metavar="DIR",
                        help="folder for saves, branches and endings found")


def _play_options(parser: argparse.ArgumentParser) -> None:
    _game_options(parser)
    parser.add_argument("--plain", action="store_true",
                        help="plain lines of text read from standard input, no full-screen interface "
                             "(chosen by itself when standard input or output is not a terminal)")


def _serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this computer only; 0.0.0.0 for every "
                             "network this computer is on)")
    parser.add_argument("--port", type=_port, default=8000, metavar="N", help="port to listen on (default 8000)")
    _game_options(parser)


def _check_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dirs", nargs="*", type=Path, metavar="DIR",
                        help="scenario folders to check (default: the Callinicum campaign)")
    _scenario_options(parser, scenario_help=None)
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")


def _replay_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE",
                        help="a save: an autosave, a named save or a shipped playthrough")
    parser.add_argument("--until", type=int, default=None, metavar="N", help="stop after N decisions")
    _scenario_options(parser, "scenario folder (default: the shipped scenario the save names)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--markdown", action="store_true", help="print a Markdown export with the Chronicle")
    output.add_argument("--json", action="store_true",
                        help="print the playthrough's record as one JSON object (scenes, values, units, battles)")


def _explore_options(parser: argparse.ArgumentParser) -> None:
    _scenario_options(parser)
    parser.add_argument("--runs", type=int, default=None, metavar="N",
                        help="random playthroughs to play (default 1000; with --odds, those behind the "
                             f"estimate given when the exact walk cannot finish, default {ESTIMATE_RUNS:,})")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="seed of the random play (default 1)")
    parser.add_argument("--exhaustive", action="store_true",
                        help="explore every reachable state; count the paths to each ending")
    parser.add_argument("--odds", action="store_true",
                        help="explore every reachable state and give each ending's exact probability")
    parser.add_argument("--follow", type=Path, default=None, metavar="FILE",
                        help="take the decisions of this playthrough where possible")
    parser.add_argument("--impact", action="store_true",
                        help="how far each decision point's options move the ending odds (total variation, "
                             "in percentage points, from random play)")
    parser.add_argument("--save-runs", type=Path, default=None, metavar="DIR",
                        help="write every random playthrough into DIR as a save that `replay` and the game can open")
    parser.add_argument("--from", dest="origin", type=Path, default=None, metavar="FILE",
                        help="start from where this saved playthrough stands (with --odds: the odds from that point)")
    parser.add_argument("--max-states", type=int, default=None, metavar="N",
                        help="an exhaustive walk stops (complete: false) after this many states "
                             "(default 2,000,000 for --exhaustive; for --odds 50,000,000, or 200,000 "
                             "where the story loops back or the walk starts inside a battle)")
    parser.add_argument("--max-memory", type=int, default=None, metavar="MB",
                        help="an exhaustive walk also stops (complete: false) once it holds this much memory "
                             "(default: half the machine's)")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="processes that fight the battles of an exhaustive walk, with the same result "
                             "(default: every core; 1: this process alone)")
    parser.add_argument("--keep", action="store_true",
                        help="with --odds from the first scene: keep the exact odds beside the scenario's "
                             "files (odds.json), where the game's odds screen reads them")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")


def _graph_options(parser: argparse.ArgumentParser) -> None:
    _scenario_options(parser)
    parser.add_argument("--format", choices=("dot", "mermaid"), default="mermaid",
                        help="Graphviz dot or Mermaid (default mermaid)")


def _no_options(parser: argparse.ArgumentParser) -> None:
    """`schema` takes none."""


# -- check, replay ----------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    failed = False
    for folder in args.dirs or [DEFAULT_SCENARIO]:
        try:
            cs, findings = game.scenario.check(folder, args.mod)
        except ScenarioLoadError as exc:
            for problem in exc.problems:
                print(problem)
            failed = True
            continue
        for f in findings:
            print(f)
        if any(f.severity == "error" or args.strict for f in findings):
            failed = True
            continue
        warn = f", {len(findings)} warning(s)" if findings else ""
        print(f"ok: {escape_controls(display_path(Path(folder)))}: {cs.info.title} v{cs.info.version}: "
              f"{cs.n_scenes} scenes, {len(cs.endings)} endings, {len(cs.battles)} battle(s){warn}")
    return 1 if failed else 0


def _scenario_for_save(save, explicit: Path | None) -> Path:  # noqa: ANN001 - a SaveFile
    """The scenario a save is replayed on: the one named on the command line, else the shipped
    scenario the save names, else the campaign."""
    if explicit is not None:
        return explicit
    return game.scenario.shipped(save.scenario) or DEFAULT_SCENARIO


def cmd_replay(args: argparse.Namespace) -> int:
    from game.session.saves import SaveError, read_save, replay
    from game.session.session import scenario_changed

    save = read_save(args.file)
    cs = game.scenario.load(_scenario_for_save(save, args.scenario), args.mod)
    try:
        p, stopped = replay(cs, save, args.until)
    except SaveError as exc:
        raise CliError(f"{args.file}: {exc}") from None
    changed = scenario_changed(cs, save)
    if changed:  # said first, in one line; the replay goes on as far as the decisions apply
        print(escape_controls(f"{args.file}: {changed}"), file=sys.stderr, flush=True)
    if args.json:
        from game.session.report import playthrough_json

        print(json.dumps(playthrough_json(p, stopped), indent=2, ensure_ascii=False))
    elif args.markdown:
        from game.session.chronicle import markdown

        sys.stdout.write(markdown(p, stopped))
    else:
        from game.session.transcript import transcript

        sys.stdout.write(transcript(p, stopped))
    if stopped:
        print(escape_controls(f"{args.file}: {stopped}"), file=sys.stderr)
        return 1
    return 0


# -- explore ----------------------------------------------------------------------------------------

ESTIMATE_RUNS = 10_000  # random playthroughs behind the estimate beside an --odds walk that cannot finish


def _refuse_conflicts(args: argparse.Namespace) -> None:
    """Options that cannot go together are refused before anything is loaded."""
    if args.runs is not None and args.runs < 0:
        raise CliError("--runs must be 0 or more")
    args.estimate_runs = ESTIMATE_RUNS if args.runs is None else args.runs
    args.runs = 1000 if args.runs is None else args.runs
    if args.max_states is not None and args.max_states < 1:
        raise CliError("--max-states must be 1 or more")
    if args.max_memory is not None and args.max_memory < 1:
        raise CliError("--max-memory must be 1 (MB) or more")
    if args.jobs is not None and args.jobs < 1:
        raise CliError("--jobs must be 1 or more")
    exhaustive = args.exhaustive or args.odds
    if args.save_runs is not None and (exhaustive or args.origin is not None):
        raise CliError("--save-runs saves random playthroughs from the start; it cannot be used with "
                       "--exhaustive, --odds or --from")
    if exhaustive and args.follow is not None:
        raise CliError("--follow takes one playthrough's decisions at random play; it cannot be used with "
                       "--exhaustive or --odds")
    if args.keep and (not args.odds or args.origin is not None or args.mod):
        raise CliError("--keep keeps the exact odds from the first scene beside the scenario's own files; "
                       "it needs --odds, and cannot be used with --from or --mod")
    if args.impact and (exhaustive or args.follow is not None or args.origin is not None or args.save_runs):
        raise CliError("--impact measures every decision point from the start by random play; it cannot be "
                       "used with --exhaustive, --odds, --follow, --from or --save-runs")


def _origin(cs, path: Path | None):  # noqa: ANN001, ANN202 - a CompiledScenario; a State or None
    """Where `--from FILE` starts the exploration: the state its playthrough stands in."""
    if path is None:
        return None
    from game.session.saves import read_save, replay

    p, stopped = replay(cs, read_save(path))
    if stopped:
        raise CliError(f"{path}: {stopped}")
    return p.state


def _follow(cs, path: Path | None):  # noqa: ANN001, ANN202 - a CompiledScenario; the engine's follow map
    """The decisions `--follow FILE` takes where it can, by the state they were taken in."""
    if path is None:
        return None
    from game.engine.explore import follow_map
    from game.session.saves import read_save

    save = read_save(path)
    if save.scenario != cs.id:
        raise CliError(f"{path}: the playthrough is for scenario '{save.scenario}', not '{cs.id}'")
    return follow_map(cs, save.seed, save.decisions)


def _explore(cs, args: argparse.Namespace):  # noqa: ANN001, ANN202 - a CompiledScenario; the engine's report
    """Run the walk the options ask for (exhaustive, or random play) and give its report; with
    --odds, when the exact walk cannot finish, an estimate from random play beside it (else None)."""
    from game.engine.explore import (default_jobs, default_max_memory_mb, default_max_states, explore_exhaustive,
                                     explore_random)

    origin = _origin(cs, args.origin)
    if args.exhaustive or args.odds:
        limit = args.max_states or default_max_states(cs, args.odds, origin)
        with _Progress.start(None, quiet=args.json) as progress:
            report = explore_exhaustive(cs, max_states=limit, origin=origin, odds=args.odds,
                                        max_memory_mb=args.max_memory or default_max_memory_mb(),
                                        progress=progress.update, jobs=args.jobs or default_jobs())
        if not args.odds or report.complete or not args.estimate_runs:
            return report, None
        from game.engine.campaign import Campaign
        from game.session.odds import estimate

        with _Progress.start(args.estimate_runs, quiet=args.json) as progress:
            guess = estimate(cs, origin if origin is not None else Campaign(cs).start(), args.estimate_runs,
                             args.seed, progress=lambda share: progress.update(int(share * args.estimate_runs)))
        return report, guess
    follow = _follow(cs, args.follow)
    kept: list[tuple[int, list[str]]] | None = [] if args.save_runs is not None else None
    with _Progress.start(args.runs, quiet=args.json) as progress:
        report = explore_random(cs, args.runs, args.seed, follow, origin=origin, keep=kept,
                                progress=progress.update)
    if kept is not None:
        _save_runs(cs, kept, args.save_runs)
    return report, None


def _print_report(report) -> None:  # noqa: ANN001 - the engine's ExploreReport
    from game.engine import native

    total = sum(report.endings.values()) or 1
    print(f"{report.scenario}: {report.mode} exploration, {report.runs:,} playthroughs"
          + (f", {report.states:,} states" if report.states is not None else "")
          + f", {'complete' if report.complete else 'INCOMPLETE'}")
    note = report.coverage_note()
    if note is not None:  # never bare figures that do not add up: what they cover, and how to cover all
        hope = "" if report.covered is None or report.covered >= 0.01 else (
            " (the walk covered almost none of the story before its limit: a higher one may not be enough)")
        limit = (f"the memory limit if the machine has more to give (--max-memory {2 * report.max_memory_mb})"
                 if report.memory_reached else f"the limit (for instance --max-states {10 * report.max_states})")
        print(f"INCOMPLETE: {note}.\n  For a complete answer raise {limit}{hope}, or start later in the story "
              "(--from SAVE).")
    floor = "at least " if note is not None and report.odds else ""
    for ending, value in sorted(report.endings.items(), key=lambda kv: -kv[1]):
        if report.odds is False:  # exhaustive, counting paths
            print(f"  {ending:<24} {'reachable' if value else 'UNREACHED' if note is None else 'not reached':>11}  "
                  f"({int(value):,} path{'' if value == 1 else 's'})")
            continue
        share = value / total if report.mode != "exhaustive" else value
        print(f"  {ending:<24} {floor}{share:7.2%}" + ("" if report.mode == "exhaustive" else f"  ({int(value):,})"))
    if floor:
        print(f"  {'(not explored)':<24} {'':9}{report.unexplored:7.2%}")
    print(f"scenes visited {report.scenes_visited}/{report.scenes_total}; "
          f"choices taken {report.choices_taken}/{report.choices_total}")
    if report.unvisited_scenes:
        print(f"unvisited scenes: {', '.join(report.unvisited_scenes)}")
    if report.mode == "exhaustive":  # paths are counted, not played: a rate of them means nothing
        rate = (report.states or 0) / report.elapsed_seconds if report.elapsed_seconds else 0
        print(f"{report.elapsed_seconds:.2f} s; {rate:,.0f} states/s"
              + (f"; battles fought in {report.jobs} processes" if report.jobs > 1 else "")
              + f"; {native.describe()}")
    else:
        print(f"{report.elapsed_seconds:.2f} s; {report.playthroughs_per_second:,.0f} playthroughs/s; "
              f"{report.choices_per_second:,.0f} choices/s; {native.describe()}")


def cmd_explore(args: argparse.Namespace) -> int:
    _refuse_conflicts(args)
    cs = game.scenario.load(args.scenario, args.mod)
    if args.impact:
        return _print_impact(cs, args)
    report, guess = _explore(cs, args)
    kept = _keep(cs, report) if args.keep else None
    if args.json:
        out = report.as_json()
        if guess is not None:
            out["estimate"] = {"runs": guess.runs, "seed": args.seed, "margin": round(guess.margin, 6),
                               "covered": round(guess.covered, 6), "endings": guess.endings}
        if kept is not None:
            out["kept"] = str(kept)
        print(json.dumps(out, indent=2))
    else:
        _print_report(report)
        if guess is not None:
            _print_estimate(guess, args.seed)
        if kept is not None:
            print(f"kept: {kept}")
    return 1 if args.keep and kept is None else 0


def _keep(cs, report) -> Path | None:  # noqa: ANN001 - a CompiledScenario; the engine's report
    """`--keep`: the exact odds of a complete walk, beside the scenario's files; None (and a word
    on stderr) when the walk did not complete: odds that are not exact are never kept."""
    from game.session.odds import keep_odds

    if not report.complete:
        print("callinicum explore: nothing kept: the walk did not complete, and only exact odds are kept "
              "(raise --max-states or --max-memory)", file=sys.stderr)
        return None
    try:
        return keep_odds(cs, report.endings, report.states)
    except OSError as exc:
        raise CliError(f"cannot keep the odds beside the scenario's files: {exc}") from exc


def _print_estimate(guess, seed: int) -> None:  # noqa: ANN001 - the session's Odds
    """Beside exact odds that could not be completed: an estimate, never given as exact."""
    print(f"ESTIMATE, not exact: from {guess.runs:,} random playthroughs (seed {seed}), every decision equally "
          f"likely; 95% margin ±{100 * guess.margin:.1f} points")
    for ending, p in sorted(guess.endings.items(), key=lambda kv: -kv[1]):
        print(f"  {ending:<24} about {p:7.2%}")
    note = guess.coverage_note()
    if note is not None:
        print(f"  ({note})")


class _Progress:
    """Rich's progress display on standard error, for a long `explore` at a terminal; nothing at all
    with --json or when standard error is not a terminal. The display shows after a second, so a
    short run leaves no trace."""

    def __init__(self, progress=None, task=None):  # noqa: ANN001
        self.progress = progress
        self.task = task

    @classmethod
    def start(cls, total: int | None, *, quiet: bool) -> _Progress:
        if quiet or not sys.stderr.isatty() or config.dumb_terminal():
            return cls()
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                   TimeElapsedColumn)

        if total is None:
            columns = [SpinnerColumn(), TextColumn("exploring every state:"),
                       TextColumn("{task.completed:,} states"), TimeElapsedColumn()]
        else:
            columns = [TextColumn("playing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
        progress = Progress(*columns, console=Console(stderr=True), transient=True)
        task = progress.add_task("explore", total=total, start=True, visible=False)
        progress.start()
        return cls(progress, task)

    def update(self, done: int) -> None:
        if self.progress is not None:
            elapsed = self.progress.tasks[0].elapsed or 0
            self.progress.update(self.task, completed=done, visible=elapsed >= 1.0)

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


def _print_impact(cs, args: argparse.Namespace) -> int:  # noqa: ANN001
    from game.engine.explore import explore_impact

    impact = explore_impact(cs, seed=args.seed)
    if args.json:
        print(json.dumps(impact.as_json(), indent=2))
        return 0
    print(f"{impact.scenario}: how far each decision point moves the ending odds "
          f"(total variation, percentage points; {impact.samples} states sampled, {impact.runs} playthroughs per option)")
    for scene, points in impact.points:
        print(f"  {scene:<36} {points:5.1f}  {'#' * round(points / 2)}")
    print(f"median {impact.median:.1f} points; {impact.elapsed_seconds:.1f} s")
    return 0


def _save_runs(cs, runs: list[tuple[int, list[str]]], folder: Path) -> None:  # noqa: ANN001
    """Each random playthrough as a save file: `run-00001.json`, ... (replayed, so the save carries
    where it stands and how it ended, exactly as the game writes one)."""
    from game.session.saves import from_playthrough, replay_decisions, write_save

    folder.mkdir(parents=True, exist_ok=True)
    width = max(5, len(str(len(runs))))
    for i, (seed, decisions) in enumerate(runs, 1):
        p, _ = replay_decisions(cs, seed, decisions)
        write_save(folder / f"run-{i:0{width}d}.json", from_playthrough(p, f"explore run {i}"))


# -- schema, graph ----------------------------------------------------------------------------------


def cmd_schema(args: argparse.Namespace) -> int:
    from game.scenario.schema import schema_json

    sys.stdout.write(schema_json())
    return 0


def cmd_graph(args: argparse.Namespace) -> int:
    from game.scenario.graph import render_graph

    cs = game.scenario.load(args.scenario, args.mod)
    sys.stdout.write(render_graph(cs, args.format))
    return 0


# -- play, serve ------------------------------------------------------------------------------------


def _terminal() -> bool:
    """Whether the player is at a terminal the full-screen interface can use (or a Textual driver
    of its own was chosen: the web browser's, under `callinicum serve`)."""
    return config.served() or (sys.stdin.isatty() and sys.stdout.isatty())


def _campaign_loader(folder: Path, mods: tuple[Path, ...], saves: Path | None) -> Callable[[], tuple]:
    """What the interface runs behind its title screen, in a worker thread: the scenario through
    the front door and the store of its saves. The session layer is imported there, not before
    the title is drawn."""

    def load() -> tuple:
        from game.session.session import open_scenario

        return open_scenario(folder, mods, saves)

    return load


def _play_plain(loader: Callable[[], tuple], seed: int | None) -> int:
    import shutil

    from game.plain import run_plain
    from game.session.session import Session

    cs, store = loader()
    session = Session(cs, store, seed)
    width = min(100, shutil.get_terminal_size((81, 24)).columns - 1) if sys.stdout.isatty() else 80
    return run_plain(session, sys.stdin, sys.stdout, width=width, echo=not sys.stdin.isatty())


def cmd_play(args: argparse.Namespace) -> int:
    folder, mods = game.scenario.locate(args.scenario, args.mod)  # a missing folder is said at once
    loader = _campaign_loader(folder, mods, args.saves)
    if args.plain or not _terminal():
        return _play_plain(loader, args.seed)
    import gc

    gc.disable()  # until the title is drawn (see run_app_loading): the title is up sooner
    # The game in a terminal speaks to no network: asyncio's optional TLS (the ssl module, which
    # loads OpenSSL's libraries, about 4 MB of the game's memory) is kept out, as asyncio allows.
    sys.modules.setdefault("ssl", None)  # type: ignore[arg-type]
    from game.tui.app import run_app_loading

    return run_app_loading(loader, game.scenario.preview(folder, mods), seed=args.seed)


def cmd_serve(args: argparse.Namespace) -> int:
    """The game in a web browser: textual-serve runs `callinicum play` for each browser that connects."""
    import shlex

    folder, mods = game.scenario.locate(args.scenario, args.mod)
    try:
        from textual_serve.server import Server
    except ImportError:
        raise CliError("serving to a browser needs textual-serve: pip install textual-serve") from None
    command = [sys.executable, "-m", "game", "play"]
    if args.scenario is not None:
        command += ["--scenario", str(folder.resolve())]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    for mod in mods:
        command += ["--mod", str(mod.resolve())]
    # the browser's game saves where the terminal's would
    command += ["--saves", str(config.saves_dir(args.saves).resolve())]
    url = f"http://{'localhost' if args.host in ('127.0.0.1', 'localhost') else args.host}:{args.port}"
    print(f"callinicum: serving the game at {url} (ctrl+c stops it)", file=sys.stderr, flush=True)
    Server(shlex.join(command), host=args.host, port=args.port, title="Callinicum 531", public_url=url).serve()
    return 0


# -- the commands, and the way in -------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    run: Callable[[argparse.Namespace], int]
    help: str
    options: Callable[[argparse.ArgumentParser], None]


#: Every command, in the order `--help` lists them; `play` is the default.
COMMANDS: dict[str, Command] = {
    "play": Command(cmd_play, "play the game (the default)", _play_options),
    "serve": Command(cmd_serve, "serve the game to a web browser (textual-serve)", _serve_options),
    "check": Command(cmd_check, "validate scenario folders", _check_options),
    "replay": Command(cmd_replay, "replay a saved playthrough and print its transcript", _replay_options),
    "explore": Command(cmd_explore, "automated play: endings, coverage, speed", _explore_options),
    "schema": Command(cmd_schema, "print the JSON Schema of scenario files", _no_options),
    "graph": Command(cmd_graph, "print the scenario's scene graph", _graph_options),
}


class _Version(argparse.Action):
    """`--version`, read from the installed package only when asked (it costs start-up otherwise)."""

    def __call__(self, parser, namespace, values, option_string=None):  # noqa: ANN001, ANN204
        import game

        sys.stdout.write(f"callinicum {game.__version__}\n")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="callinicum",
        description="Callinicum 531: you are Belisarius in the spring of 531.",
    )
    p.add_argument("--version", action=_Version, nargs=0, help="show the game's version and exit")
    _play_options(p)  # `callinicum --help` shows what the default command takes
    sub = p.add_subparsers(dest="command")
    for name, command in COMMANDS.items():
        parser = sub.add_parser(name, help=command.help)
        command.options(parser)
        parser.set_defaults(run=command.run)
    return p


def _unknown_command(word: str) -> str:
    import difflib

    close = difflib.get_close_matches(word, COMMANDS, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return (f"unknown command '{word}'{hint}; the commands are {', '.join(COMMANDS)} "
            "(callinicum --help says what each does)")


def _run(argv: list[str]) -> int:
    parser = _parser()
    if argv and not argv[0].startswith("-") and argv[0] not in COMMANDS:
        parser.error(_unknown_command(argv[0]))  # usage, then the message; exit status 2
    if not argv or argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version"):
        argv = ["play", *argv]
    args = parser.parse_args(argv)
    return args.run(args)


def main(argv: list[str] | None = None) -> int:
    try:
        return _run(list(sys.argv[1:] if argv is None else argv))
    except CliError as exc:
        if str(exc):
            print(f"callinicum: {escape_controls(exc)}", file=sys.stderr)
        return exc.code
    except ScenarioLoadError as exc:  # every problem, each as file:line: field: message
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    except CallinicumError as exc:  # a save, a decision or an expression the game refuses, in words
        print(f"callinicum: {escape_controls(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("callinicum: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        print(f"callinicum: {escape_controls(f'{exc.strerror or exc}{where}')}", file=sys.stderr)
        return 1
    except Exception as exc:  # the last guard: never a traceback for a player
        print(f"callinicum: internal error: {type(exc).__name__}: {escape_controls(exc)} (please report this)",
              file=sys.stderr)
        if config.debug():
            raise
        return 70
