"""What ``assistant skill`` does about Alexa's service APIs: permissions (asked at install on a terminal, ``grant``,
``revoke``), in-skill products (``install --isps``, ``purchases``), and a skill's data on ``remove``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import SkillError
from ..services import permissions as perm
from ..services.monetization import Catalog
from ..settings import Settings
from ..skills.package import SkillPackage
from ..skills.registry import Registry
from ..skills.store import AttributeStore


def add_actions(actions: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    """``grant``, ``revoke`` and ``purchases``."""
    grant = actions.add_parser(
        "grant", help="grant a skill permissions by Alexa's names (alexa::alerts:reminders:skill:readwrite…)"
    )
    grant.add_argument("name", metavar="NAME")
    grant.add_argument("permissions", nargs="*", metavar="PERMISSION", help="none: list what it has and asks for")
    grant.set_defaults(handler=run_grant)

    revoke = actions.add_parser("revoke", help="withdraw permissions from a skill (all without PERMISSION)")
    revoke.add_argument("name", metavar="NAME")
    revoke.add_argument("permissions", nargs="*", metavar="PERMISSION")
    revoke.set_defaults(handler=run_revoke)

    purchases = actions.add_parser("purchases", help="a skill's in-skill products and what was bought")
    purchases.add_argument("name", metavar="NAME")
    purchases.add_argument("--reset", action="store_true", help="forget every purchase (nothing was charged)")
    purchases.set_defaults(handler=run_purchases)


def _skill(name: str, settings: Settings) -> SkillPackage:
    return Registry(settings).get(name)


def run_grant(args: argparse.Namespace, settings: Settings) -> int:
    package = _skill(args.name, settings)
    with AttributeStore(settings.database) as store:
        permissions = perm.Permissions(store)
        if args.permissions:
            permissions.grant(package.name, list(args.permissions))
            print(f"granted {package.name}: {', '.join(args.permissions)}")
            return 0
        have = permissions.of(package.name)
    asks = perm.declared(package.root)
    print(f"{package.name} has: {', '.join(have) or 'no permission'}")
    print(f"{package.name} asks for: {', '.join(asks) or 'nothing (its skill.json declares no permission)'}")
    return 0


def run_revoke(args: argparse.Namespace, settings: Settings) -> int:
    package = _skill(args.name, settings)
    with AttributeStore(settings.database) as store:
        perm.Permissions(store).revoke(package.name, list(args.permissions) or None)
    print(f"revoked {', '.join(args.permissions) or 'every permission'} of {package.name}")
    return 0


def ask_permissions(package: SkillPackage, settings: Settings) -> list[str]:
    """At install: ask, on a terminal, whether to grant each permission the skill declares; with no terminal,
    grant nothing and say how to grant later. Returns what was granted."""
    asks = [p for p in perm.declared(package.root) if p in perm.KNOWN]
    unknown = [p for p in perm.declared(package.root) if p not in perm.KNOWN]
    for name in unknown:
        print(f"note: {package.name} asks for {name}, which this assistant does not serve")
    if not asks:
        return []
    if not sys.stdin.isatty():
        print(
            f"note: {package.name} asks for {', '.join(asks)}; nothing was granted (no terminal to ask on): "
            f"`assistant skill grant {package.name} PERMISSION...`"
        )
        return []
    granted = []
    for name in asks:
        answer = input(f"Let {package.name} use {perm.KNOWN[name]} ({name})? [y/N] ").strip().lower()
        if answer in ("y", "yes"):
            granted.append(name)
    if granted:
        with AttributeStore(settings.database) as store:
            perm.Permissions(store).grant(package.name, granted)
    return granted


def load_products(package: SkillPackage, settings: Settings, folder: Path | None) -> int:
    """The skill's in-skill products: from ``folder`` (``--isps``), else its own ``isps/`` folder; returns how
    many were loaded (0 when it has none)."""
    with AttributeStore(settings.database) as store:
        catalog = Catalog(store)
        if folder is not None:
            return catalog.load(package.name, folder)
        for own in (package.root / "skill-package" / "isps", package.root / "isps"):
            if own.is_dir():
                return catalog.load(package.name, own)
    return 0


def run_purchases(args: argparse.Namespace, settings: Settings) -> int:
    package = _skill(args.name, settings)
    with AttributeStore(settings.database) as store:
        catalog = Catalog(store)
        if args.reset:
            count = catalog.reset(package.name)
            print(f"forgot {count} purchase(s) of {package.name}")
            return 0
        products = catalog.products(package.name)
        owned = catalog.entitled(package.name)
    if not products:
        print(f"{package.name} has no in-skill products (install it with --isps DIR to give it some)")
    for product in products:
        mark = "bought" if product.product_id in owned else "not bought"
        print(f"{product.reference_name:28} {product.type:13} {mark:11} {product.name}")
    return 0


def confirm_forget(name: str, settings: Settings, forget: bool) -> bool:
    """Whether to delete the skill's data on removal: yes with ``--forget``; else asked on a terminal."""
    if forget:
        return True
    if not sys.stdin.isatty():
        print(f"note: the data of {name} (attributes, reminders, lists, purchases) is kept; --forget deletes it")
        return False
    answer = input(f"Also delete {name}'s data (attributes, reminders, timers, lists, purchases)? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def forget(name: str, settings: Settings) -> None:
    """Delete everything the skill owns and say what went."""
    with AttributeStore(settings.database) as store:
        removed = store.forget(name)
    print("deleted: " + ", ".join(f"{count} {table}" for table, count in removed.items()))


__all__ = ["SkillError", "add_actions", "ask_permissions", "confirm_forget", "forget", "load_products"]
