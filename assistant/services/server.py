"""The local Alexa API server: HTTPS on a Unix socket, Amazon's paths and JSON shapes.

Why the standard library's ``http.server`` is enough here: the only clients are the skills of this one user,
a request or two per skill turn, each a small JSON exchange; there is no public exposure (a Unix socket, reached
only through each sandbox's forwarder), so what a framework would add (routing DSLs, async I/O, middleware) buys
nothing, and a dependency would. It is maintained with Python itself; ``ThreadingMixIn`` gives one thread per
connection, the TLS handshake runs in that thread (``ssl``), and every request is answered with a
``Content-Length`` so HTTP/1.1 keep-alive (Node's agent) works.

Each request must carry ``Authorization: Bearer <apiAccessToken>``; the token names the skill (``tokens.py``),
never the request. A route may need a permission the user granted the skill (``permissions.py``): without it the
answer is 403, as on Alexa. Anything the server does not serve gets a clear HTTP error (404, 405), and the log
names the API the skill wanted; no request is ever forwarded anywhere.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import socket
import socketserver
import ssl
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from assistant.services.tls import Credentials
from assistant.services.tokens import Grant, TokenIssuer

logger = logging.getLogger(__name__)

BODY_MAX_BYTES = 1024 * 1024
"""The largest request body accepted, bytes."""
CONNECTION_TIMEOUT = 30.0
"""Seconds a connection may stay silent before it is closed."""


class ApiError(Exception):
    """An HTTP error answer: status, Alexa's error ``code`` and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        """HTTP status."""
        self.code = code
        """Alexa's error code (``ACCESS_DENIED``, ``NOT_FOUND``, ``INVALID_REQUEST``…)."""
        self.message = message
        """What went wrong, for the skill's log."""


@dataclass(frozen=True, slots=True)
class Call:
    """One authenticated request, as a route handler sees it."""

    grant: Grant
    """The skill, user and device the token was issued for."""
    method: str
    """``GET``, ``POST``, ``PUT``, ``DELETE``."""
    path: str
    """The URL path."""
    params: dict[str, str]
    """The route pattern's named groups."""
    query: dict[str, list[str]]
    """The query string."""
    body: Any
    """The JSON body (None when there is none)."""

    def param(self, name: str) -> str | None:
        """The first value of query parameter ``name``."""
        values = self.query.get(name)
        return values[0] if values else None


@dataclass(frozen=True, slots=True)
class Answer:
    """What a handler answers."""

    status: int = 200
    """HTTP status."""
    body: Any = None
    """JSON to send; None sends no body."""


@dataclass(frozen=True, slots=True)
class Route:
    """One API path."""

    method: str
    """HTTP method."""
    pattern: str
    """A regular expression matched against the whole path, with named groups."""
    name: str
    """The API's name, for the log (``Settings API System.timeZone``)."""
    handler: Callable[[Call], Answer]
    """Answers a call."""
    permissions: tuple[str, ...] = ()
    """The call needs at least one of these granted (none: no grant needed)."""
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regex", re.compile(self.pattern))

    def match(self, path: str) -> dict[str, str] | None:
        """The named groups when ``path`` is this route's, else None."""
        found = self._regex.fullmatch(path)
        return found.groupdict() if found else None


Granted = Callable[[str, str], bool]
"""``granted(skill, permission)``."""


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True  # a connection's thread never outlives the server's stop()
    block_on_close = False

    def __init__(self, path: str, context: ssl.SSLContext, api: ApiServer) -> None:
        self.context = context
        self.api = api
        super().__init__(path, _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(CONNECTION_TIMEOUT)
        try:
            secure = self.context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError) as error:
            logger.info("API connection refused at the TLS handshake: %s", error)
            return
        try:
            _Handler(secure, client_address, self)
        finally:
            with contextlib.suppress(OSError):
                secure.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.exception("API server: a connection failed")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AssistantAlexaApi/1"
    server: _Server

    def address_string(self) -> str:
        return "skill"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        logger.debug("API %s", format % args)

    def do_GET(self) -> None:  # noqa: N802 (http.server's names)
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._serve("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve("DELETE")

    def do_PATCH(self) -> None:  # noqa: N802
        self._serve("PATCH")

    def _serve(self, method: str) -> None:
        try:
            body = self._body()
            answer = self.server.api.answer(method, self.path, self.headers.get("Authorization"), body)
        except ApiError as error:
            answer = Answer(error.status, error_body(self.path, error))
        self._send(answer)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if length > BODY_MAX_BYTES:
            self.close_connection = True
            raise ApiError(413, "INVALID_REQUEST", f"the body is over {BODY_MAX_BYTES:,} bytes")
        if length <= 0:
            return None
        raw = self.rfile.read(length)
        try:
            return json.loads(raw)
        except ValueError as error:
            raise ApiError(400, "INVALID_REQUEST", f"the body is not JSON: {error}") from error

    def _send(self, answer: Answer) -> None:
        data = b"" if answer.body is None else json.dumps(answer.body).encode("utf-8")
        self.send_response(answer.status)
        if answer.body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)


UPS_CODES = frozenset(
    {"INVALID_KEY", "INVALID_VALUE", "INVALID_TOKEN", "INVALID_URI", "DEVICE_UNREACHABLE", "UNKNOWN_ERROR"}
)
"""The error codes the Settings and Customer Profile APIs (UPS) may answer: the SDKs parse ``code`` as this enum."""


def error_body(path: str, error: ApiError) -> dict[str, str]:
    """An error as the API at ``path`` shapes it: ``code`` and ``message`` (reminders, timers), ``type`` and
    ``message`` (device address, lists), ``code`` from UPS's own enum for settings and profile."""
    code = error.code
    if path.startswith(("/v2/devices/", "/v2/accounts/")) and code not in UPS_CODES:
        code = "INVALID_TOKEN" if error.status in (401, 403) else "UNKNOWN_ERROR"
    return {"code": code, "type": error.code, "message": error.message}


class ApiServer:
    """Serves ``routes`` over HTTPS on a Unix socket in a private temporary folder.

    ``start`` binds and serves in a thread of its own; ``stop`` stops it and removes the socket (also a context
    manager). Nothing happens in the constructor.
    """

    def __init__(
        self, routes: Sequence[Route], issuer: TokenIssuer, credentials: Credentials, granted: Granted
    ) -> None:
        self.routes = tuple(routes)
        """What is served."""
        self.issuer = issuer
        """Knows what each token speaks for."""
        self.credentials = credentials
        """The server's certificate and key."""
        self.granted = granted
        """Whether a skill was granted a permission."""
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._folder: Path | None = None

    @property
    def socket_path(self) -> Path:
        """The Unix socket (after ``start``)."""
        if self._folder is None:
            raise RuntimeError("the API server is not started")
        return self._folder / "api.sock"

    def __enter__(self) -> ApiServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Bind the socket and serve in a thread."""
        if self._server is not None:
            return
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.credentials.certificate, self.credentials.key)
        # A short folder name: a Unix socket path must stay under 108 bytes.
        self._folder = Path(tempfile.mkdtemp(prefix="assistant-api-"))
        os.chmod(self._folder, 0o755)  # a sandboxed skill (maybe another uid in its namespace) must reach it
        self._server = _Server(str(self.socket_path), context, self)
        os.chmod(self.socket_path, 0o666)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.1,), name="alexa-api", daemon=True
        )
        self._thread.start()
        logger.info("Alexa API server on %s", self.socket_path)

    def stop(self) -> None:
        """Stop serving and remove the socket; stopping a stopped server does nothing."""
        server, thread, folder = self._server, self._thread, self._folder
        self._server = self._thread = None
        if server is not None:
            try:
                server.shutdown()
            finally:
                server.server_close()
        if thread is not None:
            thread.join(5.0)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
            self._folder = None

    def answer(self, method: str, target: str, authorization: str | None, body: Any) -> Answer:
        """The answer to one request (errors raised as ApiError)."""
        parts = urlsplit(target)
        path = parts.path
        grant = self._grant(authorization, method, path)
        allowed: list[str] = []
        for route in self.routes:
            params = route.match(path)
            if params is None:
                continue
            if route.method != method:
                allowed.append(route.method)
                continue
            missing = [p for p in route.permissions if not self.granted(grant.skill, p)]
            if route.permissions and len(missing) == len(route.permissions):
                logger.warning(
                    "skill %r called %s (%s %s) without the permission %s: 403",
                    grant.skill, route.name, method, path, " or ".join(route.permissions),
                )
                raise ApiError(
                    403,
                    "ACCESS_DENIED",
                    f"the user has not granted this skill {' or '.join(route.permissions)}",
                )
            call = Call(grant, method, path, params, parse_qs(parts.query), body)
            logger.info("skill %r: %s (%s %s)", grant.skill, route.name, method, path)
            return route.handler(call)
        if allowed:
            raise ApiError(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed on {path} ({', '.join(allowed)} is)")
        logger.warning(
            "skill %r called an Alexa API that is not served here: %s %s (nothing was sent off this machine)",
            grant.skill, method, path,
        )
        raise ApiError(404, "NOT_FOUND", f"{method} {path} is not an API this assistant serves")

    def _grant(self, authorization: str | None, method: str, path: str) -> Grant:
        scheme, _, token = (authorization or "").partition(" ")
        grant = self.issuer.lookup(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if grant is None:
            logger.warning("an API call without a valid apiAccessToken was refused: %s %s", method, path)
            raise ApiError(401, "UNAUTHORIZED", "the apiAccessToken is missing, unknown or expired")
        return grant


def connect(socket_path: Path) -> socket.socket:
    """A connection to the server's socket (for tests and the forwarders' documentation)."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(str(socket_path))
    return client
