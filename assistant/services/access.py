"""What a skill worker needs to reach the API server from inside its sandbox, and nothing more.

The server listens on a Unix socket on the host (``ApiAccess.socket``). A sandboxed worker sees that one socket,
read-only, at ``SANDBOX_SOCKET``; the worker script (``python_worker.py``, ``node_bridge.js``) listens on
127.0.0.1 *inside the sandbox's own network namespace* and forwards each connection to the socket, byte for byte
(TLS runs end to end, from the skill's HTTP client to the server). The sandbox has no other way out: without
``--allow-network`` its namespace has only that loopback. The forwarder's port comes back in the worker's ``ready``
message.

Where it can (a sandbox made by root, which may keep ``CAP_NET_BIND_SERVICE`` in its own network namespace), the
forwarder listens on port 443 and the sandbox's ``/etc/hosts`` (``ApiAccess.hosts``) names Amazon's API hosts
127.0.0.1: ``apiEndpoint`` is then ``https://api.amazonalexa.com`` as on Alexa, and SDK clients that ignore
``apiEndpoint`` (ask-sdk-model's list client) reach the local server too, even in a sandbox granted the network.
Elsewhere ``apiEndpoint`` is ``https://127.0.0.1:<port>``. Without a sandbox (``--no-sandbox``) host names cannot be
redirected: a client that ignores ``apiEndpoint`` then goes to Amazon itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.services.tls import API_HOSTS
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
    hosts: Path
    """The ``/etc/hosts`` a sandbox sees: localhost and Amazon's API hosts at 127.0.0.1."""

    def endpoint(self, port: int) -> str:
        """``apiEndpoint`` for a worker whose forwarder listens on ``port``."""
        return f"https://{API_HOSTS[0]}" if port == 443 else f"https://127.0.0.1:{port}"


def write_hosts(path: Path) -> Path:
    """The sandboxes' ``/etc/hosts``."""
    lines = ["127.0.0.1 localhost", "::1 localhost ip6-localhost", *(f"127.0.0.1 {h}" for h in API_HOSTS)]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path
