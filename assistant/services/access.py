"""What a skill worker needs to reach the API server from inside its sandbox, and nothing more.

The server listens on a Unix socket on the host (``ApiAccess.socket``). A sandboxed worker sees that one socket,
read-only, at ``SANDBOX_SOCKET``; the worker script (``python_worker.py``, ``node_bridge.js``) listens on
127.0.0.1 *inside the sandbox's own network namespace* and forwards each connection to the socket, byte for byte
(TLS runs end to end, from the skill's HTTP client to the server). The sandbox has no other way out: without
``--allow-network`` its namespace has only that loopback. The forwarder's port comes back in the worker's ``ready``
message, and each request's ``apiEndpoint`` is ``https://127.0.0.1:<port>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.services.tokens import TokenIssuer
from assistant.skills.sandbox import SANDBOX_SOCKET

__all__ = ["SANDBOX_SOCKET", "ApiAccess"]


@dataclass(frozen=True, slots=True)
class ApiAccess:
    """The API server as workers reach it."""

    socket: Path
    """The server's Unix socket on the host."""
    bundle: Path
    """The CA bundle (system CAs and the local CA) skills trust; shown read-only in the sandbox."""
    issuer: TokenIssuer
    """Issues each request's ``apiAccessToken``."""

    def endpoint(self, port: int) -> str:
        """``apiEndpoint`` for a worker whose forwarder listens on ``port``."""
        return f"https://127.0.0.1:{port}"
