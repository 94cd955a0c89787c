"""Skills behind HTTPS endpoints, as Alexa calls them: each request envelope is POSTed to the skill's URL.

``EndpointWorker`` is the :class:`~assistant.skills.worker.SkillWorker` of a skill installed with
``assistant skill install --endpoint https://… FOLDER`` (the interaction model comes from FOLDER). Per request:

- a POST of the envelope as UTF-8 JSON with the headers Alexa sends (``Content-Type: application/json;
  charset=utf-8``, ``Accept: application/json``, ``Accept-Charset: utf-8``, a ``User-Agent``), but **no**
  ``Signature`` / ``Signature-256`` / ``SignatureCertChainUrl``: only Amazon can sign, so a skill's signature
  verifier must be turned off (its timestamp verifier may stay on; see ``docs/rooms.md``);
- the skill's timeout (``--timeout``, 8 s by default) for the whole exchange;
- the reply checked against the same response schema and size limits as a local skill's.

A TLS failure, a refused connection, a timeout, a status other than 200, a body that is not JSON or not a valid
response is a ``SkillFault``: the user hears the usual apology and the session ends with ``ERROR``. The log line
gives the HTTP status and the time taken, for faults and successes alike.

``context.System.apiEndpoint`` (and ``apiAccessToken``) are sent only when the skill was installed with
``--api-url`` naming an address of the assistant's API server that the skill can reach; otherwise the request
carries neither, since an address on this machine means nothing to a skill elsewhere.
"""

from __future__ import annotations

import copy
import http.client
import json
import logging
import ssl
import time
import urllib.parse
from pathlib import Path
from types import TracebackType
from typing import Any

from assistant.errors import SkillError, SkillFault
from assistant.skills.package import SkillPackage
from assistant.skills.responses import ignored_reply, response_limit_problem, response_problem
from assistant.skills.sanitize import printable

logger = logging.getLogger(__name__)

HEADERS = {
    "Content-Type": "application/json; charset=utf-8",
    "Accept": "application/json",
    "Accept-Charset": "utf-8",
    "User-Agent": "assistant (Alexa skill request; unsigned)",
}
"""What each POST carries (Alexa's headers, less the signature ones)."""
MAX_REPLY_BYTES = 1024 * 1024
"""A reply longer than this is not read (Alexa's limit on a response is 24 KB)."""
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
"""Hosts for which plain ``http://`` is accepted (a skill served on this machine); elsewhere only HTTPS."""


def check_endpoint_url(url: str, what: str = "--endpoint") -> str:
    """``url`` if it can be a skill endpoint (``https://host[:port]/path``, or ``http://`` on loopback), else a
    SkillError saying why."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SkillError(f"{what} {url!r}: not an https:// URL with a host")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise SkillError(
            f"{what} {url!r}: plain http is accepted only on this machine (127.0.0.1, localhost); Alexa sends "
            "requests over HTTPS only"
        )
    try:
        parts.port  # noqa: B018 (raises ValueError for a port out of range)
    except ValueError as error:
        raise SkillError(f"{what} {url!r}: {error}") from error
    return url


class EndpointWorker:
    """A skill at an HTTPS endpoint; nothing to start or stop, one connection per request."""

    def __init__(self, package: SkillPackage, *, timeout: float = 8.0) -> None:
        if package.endpoint is None:
            raise SkillError(f"skill {package.name!r} has no endpoint")
        self.package = package
        """The skill (its ``endpoint``, ``api_url`` and ``ca_file``)."""
        self.url = check_endpoint_url(package.endpoint)
        """Where requests go."""
        self.timeout = timeout
        """Seconds the whole exchange may take."""
        self.last_status: int | None = None
        """The HTTP status of the last exchange (None when no answer came)."""
        self.last_seconds: float | None = None
        """How long the last exchange took."""

    def __enter__(self) -> EndpointWorker:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Nothing to start: the skill runs elsewhere."""

    def stop(self) -> None:
        """Nothing to stop."""

    def context(self) -> ssl.SSLContext:
        """The TLS context: the system's certificates, and those of ``ca_file`` when given."""
        ca = self.package.ca_file
        if ca is not None and not Path(ca).is_file():
            raise SkillError(f"skill {self.package.name!r}: its --ca-file {ca} does not exist")
        return ssl.create_default_context(cafile=str(ca) if ca is not None else None)

    def outgoing(self, event: dict[str, Any]) -> dict[str, Any]:
        """The envelope as sent: ``apiEndpoint`` set to ``api_url``, or left out with the token."""
        event = copy.deepcopy(event)
        system = event.get("context", {}).get("System")
        if isinstance(system, dict):
            if self.package.api_url:
                system["apiEndpoint"] = self.package.api_url
            else:
                system.pop("apiEndpoint", None)
                system.pop("apiAccessToken", None)
        return event

    def invoke(self, event: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        """POST ``event``; the valid response envelope, or SkillFault (see the module's docstring)."""
        timeout = self.timeout if timeout is None else timeout
        body = json.dumps(self.outgoing(event), ensure_ascii=False).encode("utf-8")
        request_type = (event.get("request") or {}).get("type")
        began = time.monotonic()
        self.last_status = None
        try:
            status, reason, data = self._post(body, timeout, began)
        except TimeoutError:
            raise self._fault("timeout", f"no response within {timeout:g} s", began) from None
        except ssl.SSLError as error:
            raise self._fault("unreachable", f"TLS failure: {error.reason or error}", began) from None
        except OSError as error:
            raise self._fault("unreachable", f"cannot connect: {error.strerror or error}", began) from None
        except http.client.HTTPException as error:
            raise self._fault("invalid-response", f"broken HTTP reply: {error!r}", began) from None
        elapsed = time.monotonic() - began
        self.last_status, self.last_seconds = status, elapsed
        if status != 200:
            raise self._fault("invalid-response", f"HTTP {status} {reason}".rstrip(), began)
        try:
            response = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise self._fault("invalid-response", f"HTTP 200, but the body is not JSON: {data[:120]!r}", began) from None
        logger.info("skill %r at %s: HTTP %d in %.3f s", self.package.name, self.url, status, elapsed)
        if request_type == "SessionEndedRequest":
            return ignored_reply(self.package.name, response)
        problem = response_problem(response) if isinstance(response, dict) else "(root): not an object"
        problem = problem or response_limit_problem(response)
        if problem is not None:
            raise self._fault("invalid-response", f"HTTP 200, {problem}", began)
        return response

    def _post(self, body: bytes, timeout: float, began: float) -> tuple[int, str, bytes]:
        parts = urllib.parse.urlsplit(self.url)
        host, port = parts.hostname or "", parts.port
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=self.context())
        else:
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            connection.request("POST", path, body=body, headers=HEADERS)
            # The socket timeout bounds each read; the deadline bounds them all.
            remaining = timeout - (time.monotonic() - began)
            if remaining <= 0:
                raise TimeoutError
            if connection.sock is not None:
                connection.sock.settimeout(remaining)
            reply = connection.getresponse()
            chunks, size = [], 0
            while size <= MAX_REPLY_BYTES:
                remaining = timeout - (time.monotonic() - began)
                if remaining <= 0:
                    raise TimeoutError
                if connection.sock is not None:
                    connection.sock.settimeout(remaining)
                chunk = reply.read1(65536) if hasattr(reply, "read1") else reply.read(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            return reply.status, reply.reason, b"".join(chunks)[: MAX_REPLY_BYTES + 1]
        finally:
            connection.close()

    def _fault(self, kind: str, detail: str, began: float) -> SkillFault:
        elapsed = time.monotonic() - began
        self.last_seconds = elapsed
        fault = SkillFault(self.package.name, kind, printable(f"{detail} after {elapsed:.3f} s ({self.url})"))
        logger.warning("%s", fault)
        return fault
