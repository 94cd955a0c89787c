"""Partition key generators, as in ask_sdk_dynamodb.partition_keygen (same names, same fallbacks)."""

from __future__ import annotations

from typing import Any

from _assistant_persistence import PersistenceException


def user_id_partition_keygen(request_envelope: Any) -> str:
    """``context.System.user.userId`` of the request."""
    try:
        return request_envelope.context.system.user.user_id  # type: ignore[no-any-return,unused-ignore]
    except AttributeError:
        raise PersistenceException(
            "Couldn't retrieve user id from request envelope, for partition key use"
        ) from None


def device_id_partition_keygen(request_envelope: Any) -> str:
    """``context.System.device.deviceId`` of the request."""
    try:
        return request_envelope.context.system.device.device_id  # type: ignore[no-any-return,unused-ignore]
    except AttributeError:
        raise PersistenceException(
            "Couldn't retrieve device id from request envelope, for partition key use"
        ) from None


def person_id_partition_keygen(request_envelope: Any) -> str:
    """``context.System.person.personId`` of the request, else its user id."""
    try:
        person_id = request_envelope.context.system.person.person_id
    except AttributeError:
        try:
            person_id = user_id_partition_keygen(request_envelope=request_envelope)
        except PersistenceException:
            raise PersistenceException(
                "Couldn't retrieve person id or user id from request envelope, for partition key use"
            ) from None
    return person_id  # type: ignore[no-any-return,unused-ignore]
