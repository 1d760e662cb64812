"""A network that lives in the portal, for the demo and the tests.

It behaves like a real one, asynchronously: `send` accepts the request and the answer comes a
little later from a worker job. A port-in is answered by the simulated donor operator, after
NETWORK_SIMULATOR_PORT_IN_SECONDS instead of the day it takes in real life.

What it answers is steered by settings (NETWORK_SIMULATOR_FAIL / NETWORK_SIMULATOR_TIMEOUT:
operations or E.164 numbers) and by `SimulatorRule` rows that tests and the back office set.
"fail" answers a refusal; "timeout" never answers, which the expiry job turns into a failure.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db.models import Q

from fleetportal.network.models import ProvisioningRequest, SimulatorRule
from fleetportal.network.tasks import simulator_answer

Outcome = SimulatorRule.Outcome


def outcome_for(request: ProvisioningRequest) -> str | None:
    """The rule that applies to this request (a refusal wins over a timeout), or None."""
    targets = {request.operation, request.line.msisdn}
    if targets & set(settings.NETWORK_SIMULATOR_FAIL):
        return Outcome.FAIL
    if targets & set(settings.NETWORK_SIMULATOR_TIMEOUT):
        return Outcome.TIMEOUT
    outcomes = set(
        SimulatorRule.objects.filter(
            Q(msisdn="") | Q(msisdn=request.line.msisdn), Q(operation="") | Q(operation=request.operation)
        ).values_list("outcome", flat=True)
    )
    for outcome in (Outcome.FAIL, Outcome.TIMEOUT):
        if outcome in outcomes:
            return outcome
    return None


def answer_delay(request: ProvisioningRequest) -> float:
    if request.operation == ProvisioningRequest.Operation.PORT_IN:
        return settings.NETWORK_SIMULATOR_PORT_IN_SECONDS
    return settings.NETWORK_SIMULATOR_DELAY_SECONDS


class SimulatorAdapter:
    def send(self, request: ProvisioningRequest) -> Callable[[], None] | None:
        outcome = outcome_for(request)
        if outcome == Outcome.TIMEOUT:
            return None  # accepted, and never answered
        ok = outcome != Outcome.FAIL
        delay = answer_delay(request)
        if delay > 0:
            return lambda: simulator_answer.schedule(args=(request.pk, ok), delay=delay)
        return lambda: simulator_answer(request.pk, ok)
