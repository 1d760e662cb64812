"""What other apps do when the network has carried out a change (e.g. a port-in completed → the
line becomes active). The network app calls them without importing those apps' actions.

Register in the other app's `AppConfig.ready()`, e.g. by importing a module holding::

    from fleetportal.network.hooks import on_done

    @on_done("port_in")
    def port_in_completed(request: ProvisioningRequest) -> None:
        line_port_in_complete(line=request.line, actor=SYSTEM)

A hook runs inside the transaction that marks the request DONE: if it raises, nothing of the
answer is kept and the request stays waiting, so the expiry job shows it failed (R4).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import ProvisioningRequest

DoneHook = Callable[["ProvisioningRequest"], None]

_hooks: defaultdict[str, list[DoneHook]] = defaultdict(list)


def on_done(operation: str) -> Callable[[DoneHook], DoneHook]:
    def register(hook: DoneHook) -> DoneHook:
        if hook not in _hooks[operation]:  # ready() may run twice in tests
            _hooks[operation].append(hook)
        return hook

    return register


def run_done_hooks(request: ProvisioningRequest) -> None:
    for hook in _hooks.get(request.operation, ()):
        hook(request)
