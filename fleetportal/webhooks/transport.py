"""The one way a webhook leaves the portal: an HTTP POST that refuses to reach into the
operator's own network (SSRF).

The host is resolved here, every address it has is checked (private, loopback, link-local,
shared, multicast and reserved ranges are refused), and the connection goes to the address
that was checked, not to a second lookup an attacker's DNS could answer differently. TLS is
still verified against the host name. `http.client` of the standard library, since the portal
has no HTTP client dependency and this needs the connection's address in hand.

Settings: `WEBHOOKS_ALLOW_PRIVATE` (tests, a lab) lets private addresses through;
`WEBHOOKS_REQUIRE_HTTPS` (on unless DEBUG) refuses plain http;
`WEBHOOKS_TIMEOUT_SECONDS` bounds connecting and each read.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

MAX_ANSWER_BYTES = 64 * 1024  # what is read of an answer: its status is all that counts


class Refused(Exception):
    """The portal does not send to this URL (its scheme or its addresses)."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def addresses(host: str, port: int) -> list[str]:
    """The host's addresses, all of them public unless private ones are allowed (else `Refused`).
    A name that does not resolve raises `socket.gaierror`."""
    found = [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
    if not settings.WEBHOOKS_ALLOW_PRIVATE:
        refused = sorted({address for address in found if not is_public(address)})
        if refused:
            raise Refused(f"{host} resolves to a private or reserved address ({', '.join(refused)})")
    return found


def target(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a URL the portal may send to, else `Refused`."""
    parts = urlsplit(url)
    allowed = ("https",) if settings.WEBHOOKS_REQUIRE_HTTPS else ("https", "http")
    if parts.scheme not in allowed:
        raise Refused(f"scheme {parts.scheme!r} is not allowed")
    if not parts.hostname or parts.username or parts.password:
        raise Refused("the URL needs a host and no user name or password")
    return parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def _connect_to(address: str, host_port: tuple[str, int], *args: Any) -> socket.socket:
    return socket.create_connection((address, host_port[1]), *args)


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST `body` to `url`; answers the HTTP status. Raises `Refused`, `OSError` (DNS,
    connection, timeout) or `http.client.HTTPException` (a broken answer)."""
    scheme, host, port = target(url)
    address = addresses(host, port)[0]
    timeout = settings.WEBHOOKS_TIMEOUT_SECONDS
    connection: http.client.HTTPConnection
    if scheme == "https":
        connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
    connection._create_connection = partial(_connect_to, address)  # type: ignore[attr-defined]  # the checked address
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        answer = connection.getresponse()
        answer.read(MAX_ANSWER_BYTES)
        return answer.status
    finally:
        connection.close()
