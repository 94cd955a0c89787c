"""Object key generators, as in ask_sdk_s3.object_keygen."""

from __future__ import annotations

from typing import Any

from _assistant_persistence import PersistenceException


def user_id_keygen(request_envelope: Any) -> str:
    """``context.System.user.userId`` of the request."""
    try:
        return request_envelope.context.system.user.user_id  # type: ignore[no-any-return,unused-ignore]
    except AttributeError:
        raise PersistenceException("Couldn't retrieve user id from request envelope") from None


def device_id_keygen(request_envelope: Any) -> str:
    """``context.System.device.deviceId`` of the request."""
    try:
        return request_envelope.context.system.device.device_id  # type: ignore[no-any-return,unused-ignore]
    except AttributeError:
        raise PersistenceException("Couldn't retrieve device id from request envelope") from None
