"""Wyoming addresses: ``tcp://HOST:PORT`` (and ``unix://PATH`` for the server), checked with a clear error."""

from __future__ import annotations

import ipaddress
import urllib.parse
from dataclasses import dataclass

from assistant.errors import AssistantError


class AddressError(AssistantError):
    """A Wyoming URI that cannot be used."""


@dataclass(frozen=True, slots=True)
class Address:
    """Where a Wyoming peer is or listens."""

    scheme: str
    """``tcp`` or ``unix``."""
    host: str
    """Host name or address (``tcp``), or the socket's path (``unix``)."""
    port: int = 0
    """TCP port."""

    @property
    def uri(self) -> str:
        """The URI again, as wyoming's ``from_uri`` takes it."""
        if self.scheme == "unix":
            return f"unix://{self.host}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"tcp://{host}:{self.port}"

    @property
    def loopback(self) -> bool:
        """True when only this machine can reach it (a unix socket, 127.0.0.0/8, ::1, localhost)."""
        if self.scheme == "unix" or self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def parse_address(uri: str, what: str, *, unix: bool = False) -> Address:
    """``uri`` as an Address; AddressError naming ``what`` (the option) otherwise."""
    parts = urllib.parse.urlsplit(uri)
    if unix and parts.scheme == "unix":
        path = uri[len("unix://") :]
        if not path:
            raise AddressError(f"{what} {uri!r}: unix:// needs a socket path")
        return Address("unix", path)
    if parts.scheme != "tcp":
        allowed = "tcp://HOST:PORT or unix://PATH" if unix else "tcp://HOST:PORT"
        raise AddressError(f"{what} {uri!r}: expected {allowed}")
    try:
        port = parts.port
    except ValueError as error:
        raise AddressError(f"{what} {uri!r}: {error}") from error
    if not parts.hostname or port is None:
        raise AddressError(f"{what} {uri!r}: expected tcp://HOST:PORT, with both")
    return Address("tcp", parts.hostname, port)
