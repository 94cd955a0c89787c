"""DynamoDbAdapter with the real class name and constructor; attributes go to the assistant's sqlite store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import _assistant_persistence as persistence
from _assistant_persistence import AbstractPersistenceAdapter

from .partition_keygen import user_id_partition_keygen


class DynamoDbAdapter(AbstractPersistenceAdapter):
    """Persistence adapter for skills written against DynamoDB, kept offline.

    ``table_name``, ``partition_key_name``, ``attribute_name``, ``create_table`` and ``dynamodb_resource`` are
    accepted and kept for the skill's own use; the attributes are stored under the partition key alone.
    """

    def __init__(
        self,
        table_name: str,
        partition_key_name: str = "id",
        attribute_name: str = "attributes",
        create_table: bool = False,
        partition_keygen: Callable[[Any], str] = user_id_partition_keygen,
        dynamodb_resource: Any = None,
    ) -> None:
        self.table_name = table_name
        self.partition_key_name = partition_key_name
        self.attribute_name = attribute_name
        self.create_table = create_table
        self.partition_keygen = partition_keygen
        self.dynamodb = dynamodb_resource

    def get_attributes(self, request_envelope: Any) -> dict[str, Any]:
        """The attributes stored for this request's partition key ({} when none)."""
        return persistence.get(self.partition_keygen(request_envelope))

    def save_attributes(self, request_envelope: Any, attributes: dict[str, Any]) -> None:
        """Store the attributes for this request's partition key."""
        persistence.save(self.partition_keygen(request_envelope), attributes)

    def delete_attributes(self, request_envelope: Any) -> None:
        """Forget the attributes of this request's partition key."""
        persistence.delete(self.partition_keygen(request_envelope))
