"""Wyoming addresses and the loopback rule of ``assistant serve --wyoming`` (no processes)."""

from __future__ import annotations

import pytest

from assistant.rooms.address import AddressError, parse_address
from assistant.rooms.server import check_bind


@pytest.mark.parametrize(
    ("uri", "loopback"),
    [("tcp://127.0.0.1:10700", True), ("tcp://localhost:10700", True), ("tcp://[::1]:10700", True),
     ("tcp://0.0.0.0:10700", False), ("tcp://192.168.1.20:10700", False), ("unix:///run/assistant.sock", True)],
)
def test_only_loopback_is_served_without_allow_remote(uri: str, loopback: bool) -> None:
    address = parse_address(uri, "--wyoming", unix=True)
    assert address.loopback is loopback
    check_bind(address, allow_remote=True)
    if loopback:
        check_bind(address, allow_remote=False)
    else:
        with pytest.raises(AddressError, match="no authentication"):
            check_bind(address, allow_remote=False)


@pytest.mark.parametrize("uri", ["http://127.0.0.1:10700", "tcp://127.0.0.1", "tcp://:10700", "tcp://h:99999",
                                 "unix:///x.sock"])
def test_bad_satellite_addresses_say_what_is_expected(uri: str) -> None:
    with pytest.raises(AddressError, match="--satellite"):
        parse_address(uri, "--satellite")
