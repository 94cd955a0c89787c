"""``apiAccessToken``: issued per skill and per request, and the only thing the API server trusts.

A token is 32 random bytes (URL-safe base64) mapped, in memory only, to the skill, user and device it was issued
for. A token from skill A's request is refused for anything of skill B's: the server reads the skill from the token,
never from the request. Tokens expire (``LIFETIME``, an hour, as Alexa's do) and die with the assistant.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

LIFETIME = 3600.0
"""Seconds a token stays valid."""
MAX_TOKENS = 10_000
"""Tokens kept at most (the oldest go first): one per request, so this bounds memory, not use."""


@dataclass(frozen=True, slots=True)
class Grant:
    """Who a token speaks for."""

    skill: str
    """The skill's name (its data and permissions are keyed by it)."""
    user_id: str
    """``context.System.user.userId`` of the request."""
    device_id: str
    """``context.System.device.deviceId`` of the request."""
    expires: float
    """``time.monotonic()`` after which the token is refused."""


class TokenIssuer:
    """Issues tokens and looks them up; safe to share between threads."""

    def __init__(self, lifetime: float = LIFETIME, clock: Callable[[], float] = time.monotonic) -> None:
        self.lifetime = lifetime
        """Seconds a new token stays valid."""
        self._clock = clock
        self._grants: dict[str, Grant] = {}
        self._lock = threading.Lock()

    def issue(self, skill: str, user_id: str, device_id: str) -> str:
        """A new token for one request of ``skill``."""
        token = "local." + secrets.token_urlsafe(32)
        with self._lock:
            now = self._clock()
            if len(self._grants) >= MAX_TOKENS:
                for old in list(self._grants)[: MAX_TOKENS // 10]:
                    del self._grants[old]
            self._grants[token] = Grant(skill, user_id, device_id, now + self.lifetime)
        return token

    def lookup(self, token: str) -> Grant | None:
        """Who ``token`` speaks for, or None when it is unknown or expired."""
        with self._lock:
            grant = self._grants.get(token)
            if grant is not None and grant.expires < self._clock():
                del self._grants[token]
                return None
            return grant
