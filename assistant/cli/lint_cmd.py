"""``assistant lint SKILL``: problems in a skill's interaction model, each with where and what to do.

SKILL is a skill folder (any layout), a model file, or the name of an installed or bundled skill. Exit code 1
when there are errors (warnings alone give 0).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..settings import Settings
from ..skills.registry import Registry
from ..testing.lint import ERROR, lint_skill


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("lint", help="find problems in a skill's interaction model (ambiguity, sound, naming)")
    p.add_argument(
        "skill", metavar="SKILL", help="a skill folder, a model file, or an installed skill's name"
    )
    p.add_argument("--json", action="store_true", help="print the diagnostics as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.skill)
    if not path.exists():
        path = Registry(settings).get(args.skill).model_path
    found = lint_skill(path, settings.locale)
    errors = sum(d.severity == ERROR for d in found)
    if args.json:
        summary = {"errors": errors, "warnings": len(found) - errors}
        print(json.dumps({"summary": summary, "diagnostics": [d.to_json() for d in found]}, indent=2))
    else:
        for diagnostic in found:
            print(diagnostic)
        print(f"{errors} error(s), {len(found) - errors} warning(s)")
    return 1 if errors else 0
