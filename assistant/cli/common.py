"""Helpers shared by the CLI subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..grammar.compiler import CompiledGrammar, compile_launcher, compile_session
from ..model.loader import load_model
from ..model.types import InteractionModel
from ..settings import Settings


def add_model_args(p: argparse.ArgumentParser) -> None:
    """--model (repeatable) and --launcher."""
    p.add_argument("--model", "-m", type=Path, action="append", required=True,
                   help="a skill folder (any layout) or an interaction model file; repeat with --launcher")
    p.add_argument("--launcher", action="store_true",
                   help="use the top-level grammar (open / ask <skill> …) over the given skills")


def load_models(args: argparse.Namespace, settings: Settings) -> list[InteractionModel]:
    """The interaction models named by --model."""
    return [load_model(path, settings.locale) for path in args.model]


def grammar_for(args: argparse.Namespace, settings: Settings) -> CompiledGrammar:
    """The launcher grammar over the models with --launcher, else the first model's in-session grammar."""
    models = load_models(args, settings)
    return compile_launcher(models) if args.launcher else compile_session(models[0])
