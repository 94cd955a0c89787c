"""The installation's sqlite database: its tables, its schema version, and the migrations between versions.

One file (``Settings.database``) holds every skill's persistent attributes and what Alexa's service APIs keep
for them (``assistant.services``): the user's settings, the permissions granted per skill, reminders, timers,
lists, in-skill products and entitlements. ``PRAGMA user_version`` is the schema version; :func:`migrate` brings
an older database up to :data:`VERSION` step by step, each step in one transaction, so an upgrade keeps the
user's data. A database newer than this code is refused, never downgraded.

Every row that belongs to a skill carries the skill's name, so removing a skill can delete all of its data
(:func:`forget_skill`).
"""

from __future__ import annotations

import sqlite3

from assistant.errors import SkillError

_V1 = """
CREATE TABLE IF NOT EXISTS attributes (
    skill TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (skill, key)
);
"""

_V2 = """
CREATE TABLE IF NOT EXISTS user_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS grants (
    skill TEXT NOT NULL,
    permission TEXT NOT NULL,
    granted REAL NOT NULL,
    PRIMARY KEY (skill, permission)
);
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY,
    skill TEXT NOT NULL,
    kind TEXT NOT NULL,
    due REAL,
    status TEXT NOT NULL,
    body TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_due ON alerts (status, due);
CREATE TABLE IF NOT EXISTS lists (
    id TEXT PRIMARY KEY,
    skill TEXT,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS list_items (
    id TEXT PRIMARY KEY,
    list_id TEXT NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    value TEXT NOT NULL,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS products (
    skill TEXT NOT NULL,
    product_id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (skill, product_id)
);
CREATE TABLE IF NOT EXISTS entitlements (
    skill TEXT NOT NULL,
    product_id TEXT NOT NULL,
    purchased REAL NOT NULL,
    PRIMARY KEY (skill, product_id)
);
"""

_V3 = """
ALTER TABLE entitlements ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3)
"""``MIGRATIONS[n]`` takes a database from version ``n`` to ``n + 1`` (version 0: empty or pre-versioning; the
attribute table of version 1 is what every database had before versions were kept)."""
VERSION = len(MIGRATIONS)
"""The schema version this code reads and writes."""

SKILL_TABLES = ("attributes", "grants", "alerts", "products", "entitlements")
"""Tables whose rows belong to one skill (``skill`` column); a skill's lists and their items go too."""


class SchemaError(SkillError):
    """A database this version of the assistant cannot use."""


def migrate(connection: sqlite3.Connection, path: object = "the database") -> int:
    """Bring the database up to :data:`VERSION`; returns the version it had. Each step is one transaction."""
    version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    if version > VERSION:
        raise SchemaError(
            f"{path} has schema version {version}, newer than this assistant's ({VERSION}): upgrade the assistant"
        )
    for step in range(version, VERSION):
        connection.execute("BEGIN IMMEDIATE")
        try:
            current = int(connection.execute("PRAGMA user_version").fetchone()[0])
            if current == step:  # another process may have migrated meanwhile
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {step + 1}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    return version


def forget_skill(connection: sqlite3.Connection, skill: str) -> dict[str, int]:
    """Delete everything ``skill`` owns, in one transaction; returns the rows removed per table."""
    removed: dict[str, int] = {}
    connection.execute("BEGIN IMMEDIATE")
    try:
        for table in SKILL_TABLES:
            removed[table] = connection.execute(f"DELETE FROM {table} WHERE skill = ?", (skill,)).rowcount
        lists = [row[0] for row in connection.execute("SELECT id FROM lists WHERE skill = ?", (skill,))]
        for list_id in lists:
            connection.execute("DELETE FROM list_items WHERE list_id = ?", (list_id,))
        removed["lists"] = connection.execute("DELETE FROM lists WHERE skill = ?", (skill,)).rowcount
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return removed
