"""The List Management API: the household lists (Alexa shopping list, Alexa to-do list) and a skill's own lists.

Paths and shapes as ``ListManagementServiceClient`` calls them (``/v2/householdlists``…). Reading needs
``read::alexa:household:list``, writing ``write::alexa:household:list``. The two household lists are the user's,
shared by every skill granted them; a list a skill creates is its own: another skill's token never sees it (it
gets 404, as for a list that does not exist). Versions count changes, as Alexa's do.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from assistant.services import permissions as perm
from assistant.services.server import Answer, ApiError, Call, Route
from assistant.skills.store import AttributeStore

HOUSEHOLD = ("Alexa shopping list", "Alexa to-do list")
"""The lists every household has."""
STATES = ("active", "archived")
ITEM_STATES = ("active", "completed")


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Lists:
    """Lists and items in the database."""

    def __init__(self, store: AttributeStore) -> None:
        self.store = store
        """The installation's database."""

    def _ensure_household(self, db: sqlite3.Connection) -> None:
        for index, name in enumerate(HOUSEHOLD):
            list_id = f"household-{index}"
            db.execute(
                "INSERT OR IGNORE INTO lists (id, skill, name, state, version) VALUES (?, NULL, ?, 'active', 1)",
                (list_id, name),
            )

    def _list(self, db: sqlite3.Connection, skill: str, list_id: str) -> tuple[str, str, str, int]:
        row = db.execute(
            "SELECT id, name, state, version FROM lists WHERE id = ? AND (skill IS NULL OR skill = ?)",
            (list_id, skill),
        ).fetchone()
        if row is None:
            raise ApiError(404, "NOT_FOUND", f"no list {list_id!r}")
        return row

    def routes(self) -> list[Route]:
        read, write = (perm.LISTS_READ,), (perm.LISTS_WRITE,)
        base = "/v2/householdlists"
        return [
            Route("GET", base, "List API lists", self.all_lists, read),
            Route("POST", base, "List API create list", self.create_list, write),
            Route("POST", base + "/(?P<list>[^/]+)/items", "List API create item", self.create_item, write),
            Route("GET", base + "/(?P<list>[^/]+)/items/(?P<item>[^/]+)", "List API item", self.get_item, read),
            Route("PUT", base + "/(?P<list>[^/]+)/items/(?P<item>[^/]+)", "List API update item", self.update_item,
                  write),
            Route("DELETE", base + "/(?P<list>[^/]+)/items/(?P<item>[^/]+)", "List API delete item",
                  self.delete_item, write),
            Route("GET", base + "/(?P<list>[^/]+)/(?P<status>active|completed)", "List API list", self.get_list, read),
            Route("GET", base + "/(?P<list>[^/]+)", "List API list metadata", self.metadata, read),
            Route("PUT", base + "/(?P<list>[^/]+)", "List API update list", self.update_list, write),
            Route("DELETE", base + "/(?P<list>[^/]+)", "List API delete list", self.delete_list, write),
        ]

    @staticmethod
    def _metadata(row: tuple[str, str, str, int]) -> dict[str, Any]:
        list_id, name, state, version = row
        return {
            "listId": list_id, "name": name, "state": state, "version": version,
            "statusMap": [{"href": f"/v2/householdlists/{list_id}/{s}", "status": s} for s in ITEM_STATES],
        }

    @staticmethod
    def _item(list_id: str, row: tuple[Any, ...]) -> dict[str, Any]:
        item_id, value, status, version, created, updated = row
        return {
            "id": item_id, "version": version, "value": value, "status": status, "createdTime": _iso(created),
            "updatedTime": _iso(updated), "href": f"/v2/householdlists/{list_id}/items/{item_id}",
        }

    def all_lists(self, call: Call) -> Answer:
        with self.store.transaction("read the lists") as db:
            self._ensure_household(db)
            rows = db.execute(
                "SELECT id, name, state, version FROM lists WHERE skill IS NULL OR skill = ? ORDER BY rowid",
                (call.grant.skill,),
            ).fetchall()
        return Answer(200, {"lists": [self._metadata(r) for r in rows]})

    def create_list(self, call: Call) -> Answer:
        body = _object(call.body)
        name, state = body.get("name"), body.get("state", "active")
        if not isinstance(name, str) or not name.strip() or state not in STATES:
            raise ApiError(400, "INVALID_REQUEST", "a list needs a name and a state (active or archived)")
        with self.store.transaction("create a list") as db:
            self._ensure_household(db)
            if db.execute("SELECT 1 FROM lists WHERE name = ? AND (skill IS NULL OR skill = ?)",
                          (name, call.grant.skill)).fetchone():
                raise ApiError(409, "CONFLICT", f"a list named {name!r} exists")
            list_id = str(uuid.uuid4())
            db.execute("INSERT INTO lists (id, skill, name, state, version) VALUES (?, ?, ?, ?, 1)",
                       (list_id, call.grant.skill, name, state))
        return Answer(201, self._metadata((list_id, name, state, 1)))

    def metadata(self, call: Call) -> Answer:
        with self.store.transaction("read a list") as db:
            self._ensure_household(db)
            return Answer(200, self._metadata(self._list(db, call.grant.skill, call.params["list"])))

    def get_list(self, call: Call) -> Answer:
        status = call.params["status"]
        with self.store.transaction("read a list") as db:
            self._ensure_household(db)
            list_id, name, state, version = self._list(db, call.grant.skill, call.params["list"])
            rows = db.execute(
                "SELECT id, value, status, version, created, updated FROM list_items WHERE list_id = ? AND status = ? "
                "ORDER BY created", (list_id, status),
            ).fetchall()
        return Answer(200, {
            "listId": list_id, "name": name, "state": state, "version": version,
            "items": [self._item(list_id, r) for r in rows], "links": None,
        })

    def update_list(self, call: Call) -> Answer:
        body = _object(call.body)
        with self.store.transaction("update a list") as db:
            list_id, name, state, version = self._list(db, call.grant.skill, call.params["list"])
            if list_id.startswith("household-"):
                raise ApiError(403, "FORBIDDEN", "the household lists cannot be renamed or archived")
            name = str(body.get("name") or name)
            state = str(body["state"]) if body.get("state") in STATES else state
            db.execute("UPDATE lists SET name = ?, state = ?, version = version + 1 WHERE id = ?", (name, state, list_id))
        return Answer(200, self._metadata((list_id, name, str(state), version + 1)))

    def delete_list(self, call: Call) -> Answer:
        with self.store.transaction("delete a list") as db:
            list_id = self._list(db, call.grant.skill, call.params["list"])[0]
            if list_id.startswith("household-"):
                raise ApiError(403, "FORBIDDEN", "the household lists cannot be deleted")
            db.execute("DELETE FROM list_items WHERE list_id = ?", (list_id,))
            db.execute("DELETE FROM lists WHERE id = ?", (list_id,))
        return Answer(200)

    def create_item(self, call: Call) -> Answer:
        body = _object(call.body)
        value, status = body.get("value"), body.get("status", "active")
        if not isinstance(value, str) or not value.strip() or status not in ITEM_STATES:
            raise ApiError(400, "INVALID_REQUEST", "an item needs a value and a status (active or completed)")
        now = time.time()
        with self.store.transaction("add a list item") as db:
            self._ensure_household(db)
            list_id = self._list(db, call.grant.skill, call.params["list"])[0]
            item_id = str(uuid.uuid4())
            db.execute(
                "INSERT INTO list_items (id, list_id, value, status, version, created, updated) "
                "VALUES (?, ?, ?, ?, 1, ?, ?)", (item_id, list_id, value, status, now, now),
            )
        return Answer(201, self._item(list_id, (item_id, value, status, 1, now, now)))

    def _find_item(self, db: sqlite3.Connection, call: Call) -> tuple[str, tuple[Any, ...]]:
        self._ensure_household(db)
        list_id = self._list(db, call.grant.skill, call.params["list"])[0]
        row = db.execute(
            "SELECT id, value, status, version, created, updated FROM list_items WHERE id = ? AND list_id = ?",
            (call.params["item"], list_id),
        ).fetchone()
        if row is None:
            raise ApiError(404, "NOT_FOUND", f"no item {call.params['item']!r} in that list")
        return list_id, row

    def get_item(self, call: Call) -> Answer:
        with self.store.transaction("read a list item") as db:
            list_id, row = self._find_item(db, call)
        return Answer(200, self._item(list_id, row))

    def update_item(self, call: Call) -> Answer:
        body = _object(call.body)
        with self.store.transaction("update a list item") as db:
            list_id, (item_id, value, status, version, created, _) = self._find_item(db, call)
            if isinstance(body.get("version"), int) and body["version"] != version:
                raise ApiError(409, "CONFLICT", f"the item is at version {version}, not {body['version']}")
            value = body.get("value") if isinstance(body.get("value"), str) else value
            status = body.get("status") if body.get("status") in ITEM_STATES else status
            now = time.time()
            db.execute("UPDATE list_items SET value = ?, status = ?, version = ?, updated = ? WHERE id = ?",
                       (value, status, version + 1, now, item_id))
        return Answer(200, self._item(list_id, (item_id, value, status, version + 1, created, now)))

    def delete_item(self, call: Call) -> Answer:
        with self.store.transaction("delete a list item") as db:
            _, row = self._find_item(db, call)
            db.execute("DELETE FROM list_items WHERE id = ?", (row[0],))
        return Answer(200)


def _object(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ApiError(400, "INVALID_REQUEST", "the body must be a JSON object")
    return value
