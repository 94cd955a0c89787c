"""What the DynamoDB and S3 stand-ins share: the ASK SDK adapter base and the calls to the assistant's store."""

from __future__ import annotations

from typing import Any

import _assistant_worker_channel

try:
    from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
    from ask_sdk_core.exceptions import PersistenceException
except ImportError:  # a skill that uses the adapter without ask-sdk-core; keep the same interface

    class AbstractPersistenceAdapter:  # type: ignore[no-redef]
        """Stand-in for ask_sdk_core.attributes_manager.AbstractPersistenceAdapter."""

    class PersistenceException(Exception):  # type: ignore[no-redef]  # noqa: N818 (the SDK's name)
        """Stand-in for ask_sdk_core.exceptions.PersistenceException."""


def _call(op: str, key: Any, **payload: Any) -> Any:
    if not isinstance(key, str):
        raise PersistenceException(f"the attributes key must be a string, got {type(key).__name__}: {key!r}")
    try:
        return _assistant_worker_channel.call(op, key=key, **payload)
    except RuntimeError as error:
        raise PersistenceException(f"{op} failed for key {key!r}: {error}") from error


def get(key: Any) -> dict[str, Any]:
    """The attributes stored under ``key`` ({} when none)."""
    value = _call("attributes.get", key)
    return value if value is not None else {}


def save(key: Any, attributes: dict[str, Any]) -> None:
    """Store ``attributes`` under ``key``; durable when this returns."""
    _call("attributes.save", key, value=attributes)


def delete(key: Any) -> None:
    """Forget what is stored under ``key``."""
    _call("attributes.delete", key)
