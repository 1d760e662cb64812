"""Lines to provision, and adapters that misbehave on purpose."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fleetportal.catalog.tests.factories import TariffPlanFactory
from fleetportal.core.models import Customer
from fleetportal.core.tests.factories import BillingAccountFactory
from fleetportal.fleet.models import Line
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.network.adapters import NetworkError, NetworkRejected
from fleetportal.network.adapters.simulator import SimulatorAdapter
from fleetportal.network.models import ProvisioningRequest

SENT_KEYS: list[str] = []


class RecordingAdapter(SimulatorAdapter):
    """The simulator, noting the idempotency key of every request it is handed."""

    def send(self, request: ProvisioningRequest) -> Callable[[], None] | None:
        SENT_KEYS.append(request.idempotency_key)
        return super().send(request)


class FlakyAdapter:
    """A network that cannot be reached."""

    def send(self, request: ProvisioningRequest) -> None:
        raise NetworkError("connection refused")


class RefusingAdapter:
    def send(self, request: ProvisioningRequest) -> None:
        raise NetworkRejected("unknown subscriber")


class CrashingAdapter:
    """The worker is killed while sending: the request stays claimed (leased) and pending."""

    def send(self, request: ProvisioningRequest) -> None:
        raise KeyboardInterrupt


@pytest.fixture
def sent_keys(settings) -> list[str]:  # type: ignore[no-untyped-def]
    settings.NETWORK_ADAPTER = f"{__name__}.RecordingAdapter"
    SENT_KEYS.clear()
    return SENT_KEYS


@pytest.fixture
def make_lines(customer: Customer) -> Callable[..., list[Line]]:
    """`make_lines(n, customer=customer)`: n ACTIVE lines, inserted in one go (no SIM card)."""

    def make(n: int = 1, customer: Customer = customer) -> list[Line]:
        plan = TariffPlanFactory.create()
        account = customer.billing_accounts.first() or BillingAccountFactory.create(customer=customer)
        lines = [LineFactory.build(customer=customer, plan=plan, billing_account=account, sim=None) for _ in range(n)]
        return Line.objects.bulk_create(lines)

    return make


@pytest.fixture
def worker(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """`with worker(): …` runs what the code inside queues after commit, as the workers would
    (deliveries, and the consumers of the events it records)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
