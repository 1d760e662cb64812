"""The interface every network adapter implements (DESIGN rule 6).

`send` hands one request to the network element and returns once the network has *accepted*
it; it raises `NetworkError` for a transient failure (retried with backoff, then failed) and
`NetworkRejected` for a refusal that no retry will change (failed at once). The network's
*answer* — often later, from another process — is reported with
`fleetportal.network.delivery.record_answer(request_id, ok=..., error=...)`. A synchronous
element (e.g. an HLR answering on the same connection) returns from `send` a callable that
records the answer: it runs once the request is marked SENT. `send` may be called again for the same request after
a crash: an adapter passes `request.idempotency_key` on so the network applies it once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from fleetportal.network.models import ProvisioningRequest


class NetworkError(Exception):
    """The network could not be reached or did not accept the request this time."""


class NetworkRejected(NetworkError):
    """The network refused the request; retrying the same request will not help."""


class NetworkAdapter(Protocol):
    def send(self, request: ProvisioningRequest) -> Callable[[], None] | None: ...
