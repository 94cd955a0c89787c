"""Persistent skill attributes, offline: one sqlite database per installation, in place of DynamoDB or S3.

Skills reach it through the persistence-adapter stand-ins in ``shims/``, which ask the parent process over the
worker channel (see ``worker.py``). Every row is scoped by skill name, so two skills never see each other's data,
and every write is committed (WAL, ``synchronous=FULL``) before the skill is told it succeeded.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from assistant.errors import SkillError
from assistant.skills.schema import forget_skill, migrate

logger = logging.getLogger(__name__)

ITEM_MAX_BYTES = 400 * 1024
"""The largest item a skill may save, bytes: DynamoDB's item size limit (400 KB, the UTF-8 lengths of the
attribute names and values), here the partition key plus the attributes as JSON."""


class AttributeStoreError(SkillError):
    """The attribute database cannot be opened, read or written."""


class AttributeSizeError(AttributeStoreError):
    """Attributes larger than a DynamoDB item may be (``ITEM_MAX_BYTES``)."""


class AttributeStore:
    """Persistent attributes keyed by (skill, partition key), with JSON object values.

    The database is opened on first use, not in the constructor. One store may be shared by many workers and
    threads; calls are serialised by a lock.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        """The sqlite database file."""
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> AttributeStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=FULL")
                migrate(connection, self.path)
            except (OSError, sqlite3.Error) as error:
                raise AttributeStoreError(
                    f"cannot open the attribute database {self.path}: {error}"
                ) from error
            self._connection = connection
        return self._connection

    def _run(self, what: str, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """Run one statement in its own committed transaction; returns its rows (or the rowcount, as ``[(n,)]``)."""
        with self._lock:
            connection = self._connect()
            try:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    cursor = connection.execute(sql, params)
                    rows = cursor.fetchall() if cursor.description else [(cursor.rowcount,)]
                    connection.execute("COMMIT")
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
            except sqlite3.Error as error:
                raise AttributeStoreError(f"cannot {what} in {self.path}: {error}") from error
            return rows

    @contextmanager
    def transaction(self, what: str) -> Iterator[sqlite3.Connection]:
        """The database in one committed transaction (rolled back on error), for the service APIs' tables
        (``schema.py``); ``what`` names the operation in an error."""
        with self._lock:
            connection = self._connect()
            try:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    yield connection
                    connection.execute("COMMIT")
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
            except sqlite3.Error as error:
                raise AttributeStoreError(f"cannot {what} in {self.path}: {error}") from error

    def forget(self, skill: str) -> dict[str, int]:
        """Delete everything ``skill`` owns (attributes, grants, reminders, timers, lists, purchases); returns
        the rows removed per table."""
        with self._lock:
            connection = self._connect()
            try:
                return forget_skill(connection, skill)
            except sqlite3.Error as error:
                raise AttributeStoreError(f"cannot delete the data of skill {skill!r} in {self.path}: {error}") from error

    def get(self, skill: str, key: str) -> dict[str, Any] | None:
        """The attributes saved for ``key`` by ``skill``, or None when nothing was saved."""
        rows = self._run(
            f"read attributes of skill {skill!r}, key {key!r}",
            "SELECT value FROM attributes WHERE skill = ? AND key = ?",
            (skill, key),
        )
        if not rows:
            return None
        value = json.loads(rows[0][0])
        if not isinstance(value, dict):
            raise AttributeStoreError(
                f"attributes of skill {skill!r}, key {key!r} in {self.path} are not an object"
            )
        return value

    def save(self, skill: str, key: str, attributes: dict[str, Any]) -> None:
        """Replace the attributes of ``key`` for ``skill``; committed when this returns."""
        if not isinstance(attributes, dict):
            raise AttributeStoreError(
                f"skill {skill!r} tried to save attributes that are not an object: {type(attributes).__name__}"
            )
        try:
            text = json.dumps(attributes, allow_nan=False, sort_keys=True)
        except (TypeError, ValueError, RecursionError) as error:  # RecursionError: nested too deep
            raise AttributeStoreError(
                f"skill {skill!r} tried to save attributes that are not JSON: {error}"
            ) from error
        size = len(key.encode("utf-8")) + len(text.encode("utf-8"))
        if size > ITEM_MAX_BYTES:
            raise AttributeSizeError(
                f"skill {skill!r}, key {key!r}: the item is {size:,} bytes, over DynamoDB's item size limit of "
                f"{ITEM_MAX_BYTES:,} bytes (400 KB); nothing was saved"
            )
        self._run(
            f"save attributes of skill {skill!r}, key {key!r}",
            "INSERT INTO attributes (skill, key, value, updated) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (skill, key) DO UPDATE SET value = excluded.value, updated = excluded.updated",
            (skill, key, text, time.time()),
        )

    def delete(self, skill: str, key: str) -> None:
        """Forget the attributes of ``key`` for ``skill``; deleting what is not there is not an error."""
        self._run(
            f"delete attributes of skill {skill!r}, key {key!r}",
            "DELETE FROM attributes WHERE skill = ? AND key = ?",
            (skill, key),
        )

    def keys(self, skill: str) -> list[str]:
        """Every key that ``skill`` has attributes under, sorted."""
        rows = self._run(
            f"list attribute keys of skill {skill!r}",
            "SELECT key FROM attributes WHERE skill = ? ORDER BY key",
            (skill,),
        )
        return [row[0] for row in rows]

    def clear(self, skill: str) -> int:
        """Forget everything ``skill`` saved (on uninstall or reset); returns how many keys were removed."""
        rows = self._run(
            f"clear attributes of skill {skill!r}",
            "DELETE FROM attributes WHERE skill = ?",
            (skill,),
        )
        return int(rows[0][0])

    def close(self) -> None:
        """Close the database; the store reopens it on next use."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
