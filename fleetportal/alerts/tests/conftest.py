"""Alerts and rules test fixtures on top of the shared ones (fleetportal/conftest.py).

lines               three ACTIVE lines of `customer`: the first is the member's (their login)
counter(line, **kw) the line's UsageCounter of PERIOD set to these values (as rating writes
                    them); own bundles of 1000 MB, 100 minutes and 50 SMS unless told
pool_counter(pool, **kw)   likewise for a pool
rated(lines, pools) records `usage.rated` for them and runs its consumers, as rating does
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from fleetportal.accounts.models import User
from fleetportal.bundles.models import GroupBundle
from fleetportal.core.models import Customer, EventDelivery
from fleetportal.fleet.models import Line
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.usage.events import USAGE_RATED
from fleetportal.usage.models import PoolCounter, UsageCounter
from fleetportal.usage.periods import period_of

OWN_BUNDLES = {"allowance_data_mb": 1000, "allowance_voice_minutes": 100, "allowance_sms": 50}


@pytest.fixture
def period() -> dt.date:
    """The current period: rules fire in it only."""
    return period_of(timezone.now())


@pytest.fixture
def lines(customer: Customer, member: User, catalogue: Any) -> list[Line]:
    account = customer.billing_accounts.get()
    return [
        LineFactory.create(customer=customer, billing_account=account, msisdn="+32470300001", user=member),
        LineFactory.create(customer=customer, billing_account=account, msisdn="+32470300002"),
        LineFactory.create(customer=customer, billing_account=account, msisdn="+32470300003"),
    ]


@pytest.fixture
def counter(period: dt.date) -> Callable[..., UsageCounter]:
    def set_counter(line: Line, *, on: dt.date | None = None, **values: Any) -> UsageCounter:
        row, _ = UsageCounter.objects.update_or_create(
            line=line,
            period=on or period,
            defaults={"customer_id": line.customer_id, **OWN_BUNDLES, **values},
        )
        return row

    return set_counter


@pytest.fixture
def pool_counter(period: dt.date) -> Callable[..., PoolCounter]:
    def set_counter(pool: GroupBundle, **values: Any) -> PoolCounter:
        row, _ = PoolCounter.objects.update_or_create(
            pool=pool, period=period, defaults={"customer_id": pool.customer_id, **values}
        )
        return row

    return set_counter


@pytest.fixture
def rated(period: dt.date, django_capture_on_commit_callbacks: Any) -> Callable[..., None]:
    def record(lines: Sequence[Line] = (), pools: Sequence[GroupBundle] = (), *, on: dt.date | None = None) -> None:
        customer = (lines[0] if lines else pools[0]).customer
        data = {
            "period": (on or period).isoformat(),
            "lines": [line.pk for line in lines],
            "pools": [pool.pk for pool in pools],
        }
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            batch = USAGE_RATED.record(customer=customer, data=data)
        delivery = EventDelivery.objects.get(batch=batch, consumer="alerts")
        assert delivery.status == EventDelivery.SENT, delivery.last_error  # the consumer ran, without error

    return record
