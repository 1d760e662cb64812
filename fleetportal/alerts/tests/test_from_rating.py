"""From a usage file to the member's SMS (F-43 with F-55): the ingest's event rates the records,
rating's `usage.rated` reaches the alerts consumer, and a second ingest of the same file (R5)
sends nothing more."""

from __future__ import annotations

from typing import Any

import pytest

from fleetportal.alerts.models import BundleAlert
from fleetportal.catalog.tests.factories import TariffPlanFactory
from fleetportal.core.models import Customer
from fleetportal.fleet.models import Line
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.notifications.models import OutboxMessage
from fleetportal.usage.tests.conftest import csv_bytes, record, run_ingest

pytestmark = pytest.mark.django_db

NUMBER = "+32470100001"


@pytest.mark.spec("F-43", "R-C2", "F-55")
def test_an_ingested_file_sends_the_bundle_alert_once(
    customer: Customer, django_capture_on_commit_callbacks: Any
) -> None:
    line = LineFactory.create(
        customer=customer, msisdn=NUMBER, plan=TariffPlanFactory.create(data_mb=100, voice_minutes=10, sms=5)
    )
    data = csv_bytes([record(1, quantity="50"), record(2, quantity="30")])  # 80 MB of 100
    for _twice in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            run_ingest(data)
    alerts = list(BundleAlert.objects.filter(line=line).values_list("bundle", "threshold"))
    assert alerts == [("data", 75)]
    (sms,) = OutboxMessage.objects.filter(kind=OutboxMessage.Kind.SMS, recipient=NUMBER)
    assert "75 % of its data bundle for March 2026" in sms.body
    assert Line.objects.get(pk=line.pk).status == Line.Status.ACTIVE
