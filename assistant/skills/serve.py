"""``assistant skill serve``: an installed skill as an HTTPS endpoint, the way Alexa calls a web-service skill.

The skill runs as it does for the assistant itself (``WorkerPool``: its own process, in its sandbox, its
persistent attributes in this installation's sqlite file); the server only carries envelopes:

- ``POST /`` (any path) with a request envelope → ``200`` and the skill's response envelope as JSON;
- a body that is not a JSON object → ``400``; a skill fault (raised, crashed, timed out, invalid response) →
  ``500`` with ``{"error": …}``, as ask-sdk-webservice-support answers when the skill raises;
- anything but POST → ``405``.

It binds to loopback unless told otherwise, and speaks TLS when given a certificate and its key. Requests are
not signature-checked (only Amazon can sign them): whoever can reach the port can call the skill, so bind it to
a private address or put it behind a proxy that authenticates.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from assistant.errors import SkillError, SkillFault
from assistant.skills.package import SkillPackage
from assistant.skills.worker import WorkerPool

logger = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 1024 * 1024
"""A request body longer than this is refused (413)."""


class SkillServer(ThreadingHTTPServer):
    """An HTTP(S) server for one skill; ``serve_forever`` in a thread of your own, ``shutdown`` to stop."""

    daemon_threads = True

    def __init__(
        self,
        package: SkillPackage,
        pool: WorkerPool,
        address: tuple[str, int] = ("127.0.0.1", 0),
        *,
        certfile: Path | None = None,
        keyfile: Path | None = None,
    ) -> None:
        super().__init__(address, _Handler)
        self.package = package
        """The skill served."""
        self.pool = pool
        """Runs the skill (its worker is started on the first request)."""
        self.lock = threading.Lock()
        """One request at a time reaches the skill's worker, as one Lambda instance takes one at a time."""
        self.tls = certfile is not None
        """True when it speaks HTTPS."""
        if certfile is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(certfile), str(keyfile) if keyfile is not None else None)
            self.socket = context.wrap_socket(self.socket, server_side=True)

    @property
    def url(self) -> str:
        """The address to give ``skill install --endpoint``."""
        host, port = self.server_address[:2]
        scheme = "https" if self.tls else "http"
        shown = host if isinstance(host, str) else host.decode()
        return f"{scheme}://{'[' + shown + ']' if ':' in shown else shown}:{port}/"

    def answer(self, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The status and JSON body for one envelope."""
        with self.lock:
            try:
                return 200, self.pool.get(self.package).invoke(event)
            except SkillFault as fault:
                return 500, {"error": str(fault)}
            except SkillError as error:
                logger.error("skill %s cannot be run: %s", self.package.name, error)
                return 500, {"error": str(error)}


class _Handler(BaseHTTPRequestHandler):
    server: SkillServer
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        began = time.monotonic()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_REQUEST_BYTES:
            self._reply(413 if length > 0 else 400, {"error": "a JSON request envelope of at most 1 MB is expected"})
            return
        try:
            event = json.loads(self.rfile.read(length).decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            event = None
        if not isinstance(event, dict):
            self._reply(400, {"error": "the body is not a JSON request envelope"})
            return
        status, body = self.server.answer(event)
        self._reply(status, body)
        kind = (event.get("request") or {}).get("type") if isinstance(event.get("request"), dict) else None
        logger.info("%s %s: HTTP %d in %.3f s", self.server.package.name, kind, status, time.monotonic() - began)

    def do_GET(self) -> None:  # noqa: N802
        self._reply(405, {"error": "POST a request envelope"})

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's signature)
        logger.debug("%s: " + format, self.client_address[0], *args)
