"""``assistant test [FILES...]``: run Bespoken YAML tests and ``ask dialog --replay`` files against a skill.

Without FILES, ``test/**/*.yml`` of the skill in the current folder (or of ``--skill NAME``) are run. Exit code
0 when everything passed, 1 when a test failed or a file could not run.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import TextIO

from ..errors import AssistantError, ConversationTestError
from ..settings import Settings
from ..skills.package import SkillPackage
from ..skills.registry import Registry
from ..skills.sanitize import printable
from ..testing.bespoken import load_suite
from ..testing.replay import is_replay, load_replay, run_replay
from ..testing.report import json_report, junit_xml, text_report
from ..testing.runner import TEXT, VOICE, ConversationRunner, RunOptions, SuiteResult
from ..testing.skill import skill_for, with_environment
from .common import add_locale_option, add_sandbox_option, sandbox_notice

PATTERNS = ("*.yml", "*.yaml")
"""Test files looked for in a folder (recursively); replay files are run when named."""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("test", help="run Bespoken YAML tests and ask dialog replay files against a skill")
    p.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="YAML test files, replay .json files or folders (default: test/ of the skill here)",
    )
    p.add_argument("--skill", metavar="NAME", help="test this installed or bundled skill")
    add_locale_option(p)
    p.add_argument(
        "--mode",
        choices=(TEXT, VOICE),
        default=TEXT,
        help="text: utterances through the NLU (default); voice: synthesized and recognised",
    )
    p.add_argument(
        "--voices",
        metavar="V1,V2",
        help="espeak-ng voices for --mode voice, comma-separated (default: the locale's, en-us for en-US)",
    )
    p.add_argument("--noise", type=Path, metavar="WAV", help="mix this noise into voice steps")
    p.add_argument("--snr", type=float, default=10.0, metavar="DB", help="signal-to-noise ratio (default 10)")
    p.add_argument("--now", metavar="ISO", help="a fixed clock, e.g. 2026-11-26T10:00:00 (local time)")
    p.add_argument("--junit", type=Path, metavar="FILE", help="also write JUnit XML here")
    p.add_argument("--json", action="store_true", help="print the results as JSON instead of text")
    p.add_argument("--steps", action="store_true", help="list every step, not only failed and voice ones")
    add_sandbox_option(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    options = RunOptions(
        mode=args.mode,
        voices=tuple(v.strip() for v in (args.voices or "").split(",") if v.strip()),
        noise=args.noise,
        snr_db=args.snr,
        now=_clock(args.now),
        seed=settings.seed if settings.seed is not None else 0,
    )
    if options.noise is not None and not options.noise.is_file():
        raise ConversationTestError(f"{options.noise}: no such noise recording")
    notice = sandbox_notice(settings)
    if notice is not None:
        print(f"note: {notice}", file=sys.stderr)
    files = _files(args.files, args.skill, settings)
    total = _step_count(files) * (len(options.voices) if options.mode == VOICE else 1)
    bar = ProgressBar(total, sys.stderr) if sys.stderr.isatty() and not args.json else None
    results: list[SuiteResult] = []
    environments: dict[tuple[Path, str, str], SkillPackage] = {}
    try:
        with ExitStack() as stack:
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="assistant-test-skills-")))
            runner = stack.enter_context(ConversationRunner(settings, options, bar.update if bar else None))
            for file in files:
                results.extend(_run_file(runner, file, args.skill, settings, environments, scratch))
    finally:
        if bar is not None:
            bar.clear()
    if args.junit is not None:
        args.junit.parent.mkdir(parents=True, exist_ok=True)
        args.junit.write_text(junit_xml(results), encoding="utf-8")
    if args.json:
        print(json.dumps(json_report(results), indent=2))
    else:
        sys.stdout.write(printable(text_report(results, verbose=args.steps)))  # the skills' words, made safe
    return 0 if results and all(r.passed for r in results) else 1


def _run_file(
    runner: ConversationRunner,
    file: Path,
    skill: str | None,
    settings: Settings,
    environments: dict[tuple[Path, str, str], SkillPackage],
    scratch: Path,
) -> list[SuiteResult]:
    replay = is_replay(file)
    mode = TEXT if replay else runner.options.mode
    try:
        source = load_replay(file) if replay else load_suite(file)
        configuration = source.configuration
        package = skill_for(file, configuration, settings, skill)
        key = (package.root, package.runtime, package.handler)
        if key not in environments:
            environments[key] = with_environment(package, settings, scratch)
        package = environments[key]
    except AssistantError as error:
        return [SuiteResult(file, "", mode, None, error=str(error))]
    if replay:
        return [run_replay(runner, source, package)]  # type: ignore[arg-type]
    return runner.run(source, package)  # type: ignore[arg-type]


def _files(given: list[Path], skill: str | None, settings: Settings) -> list[Path]:
    if not given:
        base = Path.cwd()
        if skill is not None:
            base = Registry(settings).get(skill).root
        folder = base / "test"
        found = _yaml_in(folder) if folder.is_dir() else []
        if not found:
            raise ConversationTestError(f"no test files: {folder} has no *.yml; name the files to run")
        return found
    files: list[Path] = []
    for path in given:
        if path.is_dir():
            files.extend(_yaml_in(path))
        elif path.is_file():
            files.append(path)
        else:
            raise ConversationTestError(f"{path}: no such file or folder")
    return files


def _yaml_in(folder: Path) -> list[Path]:
    return sorted({p for pattern in PATTERNS for p in folder.rglob(pattern)})


def _step_count(files: list[Path]) -> int:
    count = 0
    for file in files:
        try:
            if is_replay(file):
                count += len(load_replay(file).inputs)
            else:
                count += sum(len(t.steps) for t in load_suite(file).tests)
        except AssistantError:
            continue
    return count


def _clock(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise ConversationTestError(
            f"--now {text!r} is not an ISO date and time (2026-11-26T10:00:00)"
        ) from error
    return moment.astimezone() if moment.tzinfo is None else moment


class ProgressBar:
    """A one-line progress bar on a terminal (drawn over itself; ``clear`` removes it)."""

    WIDTH = 30

    def __init__(self, total: int, out: TextIO) -> None:
        self.total = max(total, 1)
        self.out = out

    def update(self, done: int, label: str) -> None:
        filled = min(self.WIDTH, self.WIDTH * done // self.total)
        text = f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{self.total} {label}"[:120]
        self.out.write(text.ljust(120))
        self.out.flush()

    def clear(self) -> None:
        self.out.write("\r" + " " * 121 + "\r")
        self.out.flush()
