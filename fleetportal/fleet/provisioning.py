"""Asking the network for a line change, from the fleet's actions: the network app's requests,
and the lines marked "pending in network" in the same transaction (R4)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import transaction

from fleetportal.network import actions as network
from fleetportal.network.models import ProvisioningRequest

from .models import Line


def request_provisioning(
    *,
    lines: Sequence[Line],
    operation: str,
    payload: dict | None = None,
    payload_for: Callable[[Line], dict] | None = None,
) -> list[ProvisioningRequest]:
    """One request per line and the lines PENDING, in the same few queries for 1 or 10,000 lines.

    The lines' `version` is left alone: a network round trip is not a business change and must
    not make the caller's next edit "changed meanwhile".
    """
    with transaction.atomic():
        requests = network.request_provisioning(
            lines=lines, operation=operation, payload=payload, payload_for=payload_for
        )  # type: ignore[arg-type]
        if requests:
            Line.objects.filter(pk__in=[line.pk for line in lines]).update(network_state=Line.NetworkState.PENDING)
    for line in lines:
        line.network_state = Line.NetworkState.PENDING
    return requests
