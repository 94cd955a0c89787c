"""S3Adapter with the real class name and constructor; attributes go to the assistant's sqlite store."""

from __future__ import annotations

import os.path
from collections.abc import Callable
from typing import Any

import _assistant_persistence as persistence
from _assistant_persistence import AbstractPersistenceAdapter

from .object_keygen import user_id_keygen


class S3Adapter(AbstractPersistenceAdapter):
    """Persistence adapter for skills written against S3, kept offline; the key is ``path_prefix/object key``."""

    DEFAULT_PATH_PREFIX = ""
    S3_CLIENT_NAME = "s3"
    S3_OBJECT_BODY_NAME = "Body"

    def __init__(
        self,
        bucket_name: str,
        path_prefix: str | None = None,
        s3_client: Any = None,
        object_keygen: Callable[[Any], str] = user_id_keygen,
    ) -> None:
        self.bucket_name = bucket_name
        self.path_prefix = path_prefix or self.DEFAULT_PATH_PREFIX
        self.s3_client = s3_client
        self.object_keygen = object_keygen

    def _object_id(self, request_envelope: Any) -> str:
        return os.path.join(self.path_prefix, self.object_keygen(request_envelope))

    def get_attributes(self, request_envelope: Any) -> dict[str, Any]:
        """The attributes stored for this request's object key ({} when none)."""
        return persistence.get(self._object_id(request_envelope))

    def save_attributes(self, request_envelope: Any, attributes: dict[str, Any]) -> None:
        """Store the attributes under this request's object key."""
        persistence.save(self._object_id(request_envelope), attributes)

    def delete_attributes(self, request_envelope: Any) -> None:
        """Forget the attributes under this request's object key."""
        persistence.delete(self._object_id(request_envelope))
