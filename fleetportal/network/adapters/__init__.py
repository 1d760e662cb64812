"""The configured network adapter: settings.NETWORK_ADAPTER is a short name or a dotted path."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from .base import NetworkAdapter, NetworkError, NetworkRejected

ADAPTERS = {
    "simulator": "fleetportal.network.adapters.simulator.SimulatorAdapter",
    "osmo_hlr": "fleetportal.network.adapters.osmo_hlr.adapter.OsmoHlrAdapter",
}

__all__ = ["NetworkAdapter", "NetworkError", "NetworkRejected", "get_adapter"]


def get_adapter() -> NetworkAdapter:
    name = settings.NETWORK_ADAPTER
    return import_string(ADAPTERS.get(name, name))()
