"""A minimal client of the Osmocom CTRL interface (osmo-hlr's port 4259).

Each command is one IPA frame: a 2-byte length, protocol 0xEE (OSMO), extension 0x00 (CTRL),
then text, `GET <id> <variable>` or `SET <id> <variable> <value>`. The element answers
`GET_REPLY|SET_REPLY <id> <variable> <value>` or `ERROR <id> <reason>`, and may slip in TRAP
frames of its own, which are skipped. Ids must be numeric; a counter per connection suffices
since one connection carries one command at a time.

A socket failure (refused, reset, timed out) is a `NetworkError`, retried by the pipeline; an
ERROR answer is a `CtrlRefused`, whose `reason` the adapter reads to tell "already exists"
from a real refusal.
"""

from __future__ import annotations

import socket
import struct
from itertools import count
from types import TracebackType

from fleetportal.network.adapters.base import NetworkError, NetworkRejected

IPA_PROTO_OSMO = 0xEE
IPA_EXT_CTRL = 0x00
_HEADER = struct.Struct(">HB")


class CtrlRefused(NetworkRejected):
    """The element answered ERROR: retrying the same command will not change its mind."""

    def __init__(self, command: str, reason: str) -> None:
        super().__init__(f"{command}: {reason}")
        self.reason = reason


class CtrlClient:
    """One CTRL connection, opened on entering a `with` block and closed on leaving it."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.address = (host, port)
        self.timeout = timeout
        self._ids = count(1)
        self._sock: socket.socket | None = None

    def __enter__(self) -> CtrlClient:
        try:
            self._sock = socket.create_connection(self.address, timeout=self.timeout)
        except OSError as exc:
            raise NetworkError(f"osmo-hlr CTRL at {self.address[0]}:{self.address[1]}: {exc}") from exc
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def get(self, variable: str) -> str:
        return self._command("GET", variable)

    def set(self, variable: str, value: str) -> str:
        return self._command("SET", f"{variable} {value}")

    def _command(self, verb: str, rest: str) -> str:
        command_id = str(next(self._ids))
        text = f"{verb} {command_id} {rest}"
        try:
            self._send(text)
            while True:
                kind, reply_id, value = self._receive()
                if reply_id == command_id:
                    break
        except OSError as exc:
            raise NetworkError(f"osmo-hlr CTRL {text}: {exc}") from exc
        if kind == "ERROR":
            raise CtrlRefused(text, value)
        # GET_REPLY/SET_REPLY repeat the variable before the value.
        return value.split(" ", 1)[1] if " " in value else ""

    def _send(self, text: str) -> None:
        assert self._sock is not None, "use the client in a `with` block"
        body = bytes([IPA_EXT_CTRL]) + text.encode()
        self._sock.sendall(_HEADER.pack(len(body), IPA_PROTO_OSMO) + body)

    def _receive(self) -> tuple[str, str, str]:
        """The next CTRL answer as (kind, id, rest); frames of other protocols and TRAPs give
        an empty id, which matches no command."""
        length, proto = _HEADER.unpack(self._read(_HEADER.size))
        body = self._read(length)
        if proto != IPA_PROTO_OSMO or not body or body[0] != IPA_EXT_CTRL:
            return "", "", ""
        kind, _, rest = body[1:].decode(errors="replace").partition(" ")
        reply_id, _, value = rest.partition(" ")
        return (kind, reply_id, value) if kind != "TRAP" else ("", "", "")

    def _read(self, size: int) -> bytes:
        assert self._sock is not None
        chunks = bytearray()
        while len(chunks) < size:
            chunk = self._sock.recv(size - len(chunks))
            if not chunk:
                raise ConnectionResetError("osmo-hlr closed the CTRL connection")
            chunks += chunk
        return bytes(chunks)
