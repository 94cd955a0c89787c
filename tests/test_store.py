"""The sqlite attribute store: scoped by skill, durable, JSON objects only."""

from __future__ import annotations

import functools
import math
import sqlite3
import threading
from pathlib import Path

import pytest

from assistant.skills.store import AttributeStore, AttributeStoreError


@pytest.fixture
def store(tmp_path: Path):
    with AttributeStore(tmp_path / "data" / "attributes.sqlite3") as s:
        yield s


def test_round_trip_and_missing(store: AttributeStore) -> None:
    assert store.get("pizza", "amzn1.ask.account.U1") is None
    store.save("pizza", "amzn1.ask.account.U1", {"orders": 2, "last": {"size": "large"}, "tags": ["a", None]})
    assert store.get("pizza", "amzn1.ask.account.U1") == {
        "orders": 2,
        "last": {"size": "large"},
        "tags": ["a", None],
    }
    store.save("pizza", "amzn1.ask.account.U1", {"orders": 3})
    assert store.get("pizza", "amzn1.ask.account.U1") == {"orders": 3}


def test_skills_never_see_each_other(store: AttributeStore) -> None:
    store.save("pizza", "U1", {"who": "pizza"})
    store.save("facts", "U1", {"who": "facts"})
    assert store.get("pizza", "U1") == {"who": "pizza"}
    assert store.get("facts", "U1") == {"who": "facts"}
    store.delete("pizza", "U1")
    assert store.get("pizza", "U1") is None
    assert store.get("facts", "U1") == {"who": "facts"}
    store.delete("pizza", "U1")  # deleting what is gone is fine


def test_keys_and_clear(store: AttributeStore) -> None:
    for key in ("b", "a", "c"):
        store.save("pizza", key, {"k": key})
    store.save("facts", "a", {})
    assert store.keys("pizza") == ["a", "b", "c"]
    assert store.clear("pizza") == 3
    assert store.keys("pizza") == []
    assert store.keys("facts") == ["a"]


def test_a_fresh_store_reads_what_was_committed(tmp_path: Path) -> None:
    path = tmp_path / "attributes.sqlite3"
    first = AttributeStore(path)
    first.save("pizza", "U1", {"orders": 1})
    # No close: the row is committed when save returns, so another connection sees it.
    with AttributeStore(path) as second:
        assert second.get("pizza", "U1") == {"orders": 1}
    first.close()
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        connection.close()


def test_the_constructor_opens_nothing(tmp_path: Path) -> None:
    path = tmp_path / "not-yet" / "attributes.sqlite3"
    AttributeStore(path)
    assert not path.parent.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([1, 2], "not an object: list"),
        ({"x": math.nan}, "not JSON"),
        ({"x": object()}, "not JSON"),
        ({"x": functools.reduce(lambda inner, _: [inner], range(100_000), [])}, "not JSON"),  # too deep
        ({"blob": "x" * 409_600}, "over DynamoDB's item size limit of 409,600 bytes"),
    ],
)
def test_only_json_objects_are_saved(store: AttributeStore, value: object, message: str) -> None:
    with pytest.raises(AttributeStoreError, match=message) as error:
        store.save("pizza", "U1", value)  # type: ignore[arg-type]
    assert "'pizza'" in str(error.value)
    assert store.get("pizza", "U1") is None


def test_an_unusable_path_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    with pytest.raises(AttributeStoreError, match=str(folder)):
        AttributeStore(folder).get("pizza", "U1")


def test_threads_share_one_store(store: AttributeStore) -> None:
    def work(n: int) -> None:
        for i in range(20):
            store.save("pizza", f"user-{n}", {"i": i})

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [store.get("pizza", f"user-{n}") for n in range(4)] == [{"i": 19}] * 4
