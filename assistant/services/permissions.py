"""Permissions a user grants a skill, by Alexa's names, as a skill's ``skill.json`` asks for them.

A skill declares what it may ask for in ``manifest.permissions`` (``[{"name": "alexa::alerts:reminders:skill:
readwrite"}]``). ``assistant skill install`` asks, on a terminal, whether to grant each; with no terminal it grants
nothing, and ``assistant skill grant NAME PERMISSION...`` grants later. Settings need no grant (as on Alexa);
address, profile, reminders, timers and lists do. Grants are rows of the ``grants`` table, per skill.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from assistant.errors import SkillError
from assistant.skills.store import AttributeStore

ADDRESS_FULL = "read::alexa:device:all:address"
ADDRESS_COUNTRY_POSTAL = "read::alexa:device:all:address:country_and_postal_code"
PROFILE_NAME = "alexa::profile:name:read"
PROFILE_GIVEN_NAME = "alexa::profile:given_name:read"
PROFILE_EMAIL = "alexa::profile:email:read"
PROFILE_MOBILE = "alexa::profile:mobile_number:read"
REMINDERS = "alexa::alerts:reminders:skill:readwrite"
TIMERS = "alexa::alerts:timers:skill:readwrite"
LISTS_READ = "read::alexa:household:list"
LISTS_WRITE = "write::alexa:household:list"

KNOWN: dict[str, str] = {
    ADDRESS_FULL: "your full address",
    ADDRESS_COUNTRY_POSTAL: "your country and postal code",
    PROFILE_NAME: "your name",
    PROFILE_GIVEN_NAME: "your given name",
    PROFILE_EMAIL: "your email address",
    PROFILE_MOBILE: "your mobile number",
    REMINDERS: "reminders",
    TIMERS: "timers",
    LISTS_READ: "reading your lists",
    LISTS_WRITE: "changing your lists",
}
"""Every permission this assistant serves, with what it gives access to (for the install question)."""


class PermissionError_(SkillError):  # noqa: N801 (not the builtin PermissionError)
    """A permission name this assistant does not know."""


def declared(root: Path) -> list[str]:
    """The permissions a skill folder's ``skill.json`` (``skill-package/`` or top level) declares."""
    for manifest in (root / "skill-package" / "skill.json", root / "skill.json"):
        if manifest.is_file():
            try:
                data = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return []
            entries = (data.get("manifest") or {}).get("permissions") if isinstance(data, dict) else None
            return [str(e["name"]) for e in entries or [] if isinstance(e, dict) and isinstance(e.get("name"), str)]
    return []


class Permissions:
    """The grants in the database."""

    def __init__(self, store: AttributeStore) -> None:
        self.store = store
        """The installation's database."""

    def granted(self, skill: str, permission: str) -> bool:
        """Whether the user granted ``permission`` to ``skill``."""
        with self.store.transaction(f"read the permissions of skill {skill!r}") as db:
            row = db.execute(
                "SELECT 1 FROM grants WHERE skill = ? AND permission = ?", (skill, permission)
            ).fetchone()
        return row is not None

    def of(self, skill: str) -> list[str]:
        """Every permission granted to ``skill``, sorted."""
        with self.store.transaction(f"read the permissions of skill {skill!r}") as db:
            rows = db.execute("SELECT permission FROM grants WHERE skill = ? ORDER BY permission", (skill,))
            return [row[0] for row in rows]

    def grant(self, skill: str, permissions: list[str]) -> None:
        """Grant each of ``permissions`` (Alexa's names) to ``skill``; an unknown name is refused first."""
        unknown = [p for p in permissions if p not in KNOWN]
        if unknown:
            raise PermissionError_(
                f"unknown permission {', '.join(unknown)}; the permissions are: {', '.join(KNOWN)}"
            )
        with self.store.transaction(f"grant permissions to skill {skill!r}") as db:
            for permission in permissions:
                db.execute(
                    "INSERT OR IGNORE INTO grants (skill, permission, granted) VALUES (?, ?, ?)",
                    (skill, permission, time.time()),
                )

    def revoke(self, skill: str, permissions: list[str] | None = None) -> None:
        """Withdraw ``permissions`` (all when None) from ``skill``."""
        with self.store.transaction(f"revoke permissions of skill {skill!r}") as db:
            if permissions is None:
                db.execute("DELETE FROM grants WHERE skill = ?", (skill,))
            for permission in permissions or []:
                db.execute("DELETE FROM grants WHERE skill = ? AND permission = ?", (skill, permission))
