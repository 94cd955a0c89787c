"""The link from the persistence stand-ins to the worker's channel; ``python_worker.py`` installs it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_call: Callable[..., Any] | None = None


def install(call: Callable[..., Any]) -> None:
    """Route ``call(op, **payload)`` to the worker's request/response channel."""
    global _call
    _call = call


def call(op: str, **payload: Any) -> Any:
    """Send one request to the assistant and return its answer; raises RuntimeError if it failed."""
    if _call is None:
        raise RuntimeError(
            "the assistant's persistence stand-in is used outside a skill worker; run the skill with the assistant"
        )
    return _call(op, **payload)
