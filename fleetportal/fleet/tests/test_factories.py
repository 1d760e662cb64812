"""The factories other tests build on make valid data."""

from __future__ import annotations

import pytest

from fleetportal.core.models import Customer
from fleetportal.fleet.iccid import is_valid_iccid
from fleetportal.fleet.models import Line, SimCard
from fleetportal.fleet.tests.factories import LineFactory, PoolNumberFactory, SimCardFactory, TagFactory

pytestmark = pytest.mark.spec("F-20")


def test_line_factory_builds_a_consistent_line(customer: Customer) -> None:
    tag = TagFactory.create(customer=customer)
    line = LineFactory.create(customer=customer, tags=[tag])
    assert line.status == Line.Status.ACTIVE and line.sim is not None
    assert line.sim.customer == customer and line.sim.status == SimCard.Status.IN_USE
    assert is_valid_iccid(line.sim.iccid)
    assert line.billing_account.customer == customer
    assert list(line.tags.all()) == [tag]
    assert line.msisdn.startswith("+32")


def test_sim_and_pool_factories(db: None) -> None:
    esim = SimCardFactory.create(esim=True)
    assert esim.kind == SimCard.Kind.ESIM and esim.activation_code.startswith("LPA:1$")
    assert esim.customer is None and esim.status == SimCard.Status.BLANK
    assert PoolNumberFactory.create().msisdn.startswith("+32499")
