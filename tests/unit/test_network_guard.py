"""The unit suite's socket guard: a connection attempt fails loudly; a marked test may connect."""

from __future__ import annotations

import socket
import urllib.request

import pytest

from tests.unit.conftest import NetworkBlockedError


def test_a_tcp_connection_fails_loudly() -> None:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
        pytest.raises(NetworkBlockedError, match="no network"),
    ):
        sock.connect(("127.0.0.1", 9))


def test_an_http_request_fails_loudly() -> None:
    with pytest.raises(NetworkBlockedError):
        urllib.request.urlopen("http://127.0.0.1:9/", timeout=1)


def test_a_udp_datagram_fails_loudly() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, pytest.raises(NetworkBlockedError):
        sock.sendto(b"x", ("127.0.0.1", 9))


@pytest.mark.allow_network
def test_a_marked_test_may_connect() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=1):
            pass
