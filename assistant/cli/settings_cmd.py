"""``assistant settings``: what skills learn through Alexa's Settings, Device Address and Customer Profile APIs.

``assistant settings`` shows them all; ``assistant settings KEY`` one; ``assistant settings KEY VALUE`` sets one
(an empty VALUE clears it). Time zone and units default to the machine's; address and profile are empty until set,
and reach a skill only with the permission the user granted it (``assistant skill grant``).
"""

from __future__ import annotations

import argparse
import json

from ..services.userdata import FIELDS, UserSettings, field
from ..settings import Settings
from ..skills.store import AttributeStore


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    keys = ", ".join(f.key for f in FIELDS)
    p = sub.add_parser(
        "settings",
        help="show or set the time zone, units, address and profile that skills may ask for",
        description=f"Settings: {keys}.",
    )
    p.add_argument("key", nargs="?", metavar="KEY", help="one setting (time-zone, address.city, profile.email…)")
    p.add_argument("value", nargs="?", metavar="VALUE", help="its new value ('' clears it)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    with AttributeStore(settings.database) as store:
        user = UserSettings(store, settings.locale)
        if args.key is not None and args.value is not None:
            stored = user.set(args.key, args.value)
            print(f"{args.key} = {stored}" if stored else f"{args.key} cleared")
            return 0
        if args.key is not None:
            field(args.key)
            values = {args.key: user.get(args.key)}
        else:
            values = {f.key: user.all().get(f.key) for f in FIELDS}
    if args.json:
        print(json.dumps(values, indent=2))
        return 0
    for key, value in values.items():
        print(f"{key:28} {value if value else '(not set)'}")
    return 0
