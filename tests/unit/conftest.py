"""Unit tests are pure: any network connection fails loudly unless the test is marked ``allow_network``.

A subprocess (the ruff run in test_import_rules.py) is its own process and unaffected; Unix-domain sockets
(local inter-process pipes) are not network and stay allowed.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest


class NetworkBlockedError(RuntimeError):
    """A unit test tried to reach the network."""


def _blocked(address: Any) -> NetworkBlockedError:
    return NetworkBlockedError(
        f"unit tests make no network connections (tried {address!r}); move the test to tests/integration "
        "with moto, or mark it @pytest.mark.allow_network if it truly needs one"
    )


@pytest.fixture(autouse=True)
def _no_network(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("allow_network"):
        return
    connect, connect_ex, sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto

    def guarded_connect(self: socket.socket, address: Any) -> None:
        if self.family == socket.AF_UNIX:
            return connect(self, address)
        raise _blocked(address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        if self.family == socket.AF_UNIX:
            return connect_ex(self, address)
        raise _blocked(address)

    def guarded_sendto(self: socket.socket, data: Any, *args: Any) -> int:
        if self.family == socket.AF_UNIX:
            return sendto(self, data, *args)
        raise _blocked(args[-1] if args else None)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket.socket, "sendto", guarded_sendto)
