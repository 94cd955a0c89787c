"""The ``assistant`` command. Each subcommand lives in its own module with ``add_parser`` and ``run``.

User-facing output belongs here (and in the subcommand modules) alone; library code logs.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
from pathlib import Path

from ..errors import AssistantError
from ..model.layouts import canonical_locale
from ..settings import Settings

STREAM_URL_MAP_ENV = "ASSISTANT_STREAM_URL_MAP"
"""Test-only: a JSON object mapping stream URLs to others (``Settings.stream_url_map``)."""
SUBCOMMANDS = (
    "recognize", "parse", "compile", "setup", "skill", "chat", "run", "serve", "service", "test", "lint", "devices",
    "settings",
)
"""Subcommand modules in ``assistant.cli``; each defines ``add_parser(subparsers)`` and ``run(args, settings)``."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(prog="assistant", description="An offline voice assistant that runs Alexa skills.")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    parser.add_argument("--locale", default="en-US", help="interaction model locale (default en-US)")
    parser.add_argument("--data-dir", type=Path, help="where installed skills and data live (default XDG data dir)")
    parser.add_argument("--timeout", type=float, default=8.0, help="seconds a skill may take to answer (default 8)")
    parser.add_argument("--seed", type=int, help="seed for random prompt variations")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"assistant.cli.{name}_cmd")
        except ModuleNotFoundError as err:
            if err.name != f"assistant.cli.{name}_cmd":
                raise
            continue
        module.add_parser(sub)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """The frozen settings for this invocation."""
    settings = Settings(
        locale=canonical_locale(args.locale),  # "de_de" → "de-DE"; anything else is refused, saying why
        skill_timeout=args.timeout,
        seed=args.seed,
        sandbox=not getattr(args, "no_sandbox", False),
    )
    if args.data_dir:
        settings = settings.with_(data_dir=args.data_dir)
    url_map = os.environ.get(STREAM_URL_MAP_ENV)
    if url_map:
        try:
            mapping = json.loads(url_map)
        except json.JSONDecodeError as error:
            raise AssistantError(f"{STREAM_URL_MAP_ENV}: not JSON: {error}") from None
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            raise AssistantError(f"{STREAM_URL_MAP_ENV}: a JSON object of URL to URL is expected")
        settings = settings.with_(stream_url_map=mapping)
    return settings


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``assistant`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "command", None):
        args = parser.parse_args([*(argv if argv is not None else sys.argv[1:]), "run"])
    try:
        return int(args.handler(args, settings_from(args)) or 0)
    except AssistantError as err:
        print(f"assistant: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
