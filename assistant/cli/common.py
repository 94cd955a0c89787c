"""Helpers shared by the CLI subcommands."""

from __future__ import annotations

import argparse
import contextlib
import signal
import time
from collections.abc import Iterator
from pathlib import Path

from ..audio.stream import probe_stream
from ..grammar.compiler import CompiledGrammar, compile_launcher, compile_session
from ..model.loader import load_model
from ..model.types import InteractionModel
from ..runtime.audioplayer import AudioPlayer, ClockOutput
from ..settings import Settings
from ..skills.sandbox import probe


def text_player(settings: Settings) -> AudioPlayer:
    """The player of the text commands (``chat``, ``test``): streams are opened (so one that cannot be reached
    fails as it would by voice), then play in silence on the wall clock."""
    return AudioPlayer(ClockOutput(time.monotonic, probe_stream), settings.stream_url_map)


def add_model_args(p: argparse.ArgumentParser) -> None:
    """--model (repeatable) and --launcher."""
    p.add_argument("--model", "-m", type=Path, action="append", required=True,
                   help="a skill folder (any layout) or an interaction model file; repeat with --launcher")
    p.add_argument("--launcher", action="store_true",
                   help="use the top-level grammar (open / ask <skill> …) over the given skills")


def add_skill_options(p: argparse.ArgumentParser) -> None:
    """--skill PATH, --no-bundled and --no-sandbox, for the commands that run the skills (chat, run, serve)."""
    p.add_argument(
        "--skill",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help="a skill folder to use for this run without installing it (repeatable)",
    )
    p.add_argument("--no-bundled", action="store_true", help="leave the bundled skills out")
    add_sandbox_option(p)


def add_locale_option(p: argparse.ArgumentParser) -> None:
    """--locale after the subcommand too (``assistant chat --locale de-DE``); the global one is its default."""
    p.add_argument(
        "--locale",
        default=argparse.SUPPRESS,
        help="the skills' models, invocation names and built-in phrases in this locale (default en-US); a test "
        "file's configuration locale wins",
    )


def add_sandbox_option(p: argparse.ArgumentParser) -> None:
    """--no-sandbox, for the commands that run skills."""
    p.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run the skills without a sandbox, with your files and network (only skills you trust; needed "
        "to run installed skills where no sandbox can be made)",
    )


def sandbox_notice(settings: Settings) -> str | None:
    """A line for the user when skills will not run sandboxed (say it at start), else None."""
    if not settings.sandbox:
        return "skills run without a sandbox (--no-sandbox): they can read your files and use the network"
    support = probe()
    if not support.available:
        return (
            f"no sandbox can be made here: {support.detail}; the bundled skills run unconfined, installed ones "
            "only with --no-sandbox"
        )
    return None


def load_models(args: argparse.Namespace, settings: Settings) -> list[InteractionModel]:
    """The interaction models named by --model."""
    return [load_model(path, settings.locale) for path in args.model]


def grammar_for(args: argparse.Namespace, settings: Settings) -> CompiledGrammar:
    """The launcher grammar over the models with --launcher, else the first model's in-session grammar."""
    models = load_models(args, settings)
    return compile_launcher(models) if args.launcher else compile_session(models[0])


@contextlib.contextmanager
def terminate_as_exit() -> Iterator[None]:
    """SIGTERM ends the run the way Ctrl-C does (the transcript is written, devices and skills are stopped),
    with the conventional status 143. The CLI is the only place that installs a signal handler."""

    def terminate(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread (run from a test harness's thread): leave SIGTERM alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
