"""``assistant devices``: the sound devices PortAudio sees, or why there are none."""

from __future__ import annotations

import argparse

from ..audio.devices import list_devices
from ..settings import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("devices", help="list microphones and speakers (for --input-device / --output-device)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    print(list_devices())
    return 0
