"""``assistant setup``: prepare the bundled skills' environments (the only step that uses the network)."""

from __future__ import annotations

import argparse

from ..services.tls import ensure_credentials
from ..settings import Settings
from ..skills.registry import Registry, ensure_bundled_envs


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("setup", help="install the bundled skills' dependencies (ask-sdk-core…) from PyPI/npm")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    built = ensure_bundled_envs(settings)
    for path in built:
        print(f"set up {path}")
    credentials = ensure_credentials(settings.data_dir / "api")
    print(f"local Alexa API CA: {credentials.ca}")
    registry = Registry(settings)
    for skill in registry.active():
        print(f"  {registry.invocation(skill):20} {skill.runtime:6} {'bundled' if skill.bundled else 'installed'}")
    for notice in registry.notices:
        print(f"  note: {notice}")
    return 0
