"""The demo fleets: every status, valid ICCIDs, compatible options, the member's own line;
deterministic and idempotent."""

from __future__ import annotations

import pytest

from fleetportal.core.phones import parse_mobile
from fleetportal.demo import data as demo
from fleetportal.fleet.iccid import is_valid_iccid
from fleetportal.fleet.models import Line, LineOption, PoolNumber, ScheduledChange, SimCard, Tag

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-20", "F-21", "F-23")]


@pytest.fixture
def loaded(db: None) -> tuple[int, int, int]:
    demo.load()
    return Line.objects.count(), SimCard.objects.count(), PoolNumber.objects.count()


def test_acme_has_a_living_fleet(loaded):  # type: ignore[no-untyped-def]
    lines = Line.objects.filter(customer__login_domain="acme")
    assert 1000 <= lines.count() <= 1010
    statuses = set(lines.values_list("status", flat=True))
    assert statuses == set(Line.Status.values)  # pending, porting, active, suspended, stopped
    porting = lines.get(status=Line.Status.PORTING)
    assert porting.donor_operator and porting.donor_account
    assert lines.filter(sim__kind=SimCard.Kind.ESIM).exclude(sim__activation_code="").exists()
    # Every cost centre is on at least one line.
    assert not Tag.objects.filter(customer__login_domain="acme", lines=None).exists()
    # Pending lines wait for a scheduled activation.
    pending = lines.filter(status=Line.Status.PENDING)
    assert ScheduledChange.objects.filter(line__in=pending, kind=ScheduledChange.Kind.ACTIVATE).count() == len(pending)


def test_member_has_their_own_line(loaded):  # type: ignore[no-untyped-def]
    line = Line.objects.get(msisdn="+32470000003")
    assert line.user is not None and line.user.email == "member@acme.example"
    assert line.status == Line.Status.ACTIVE


def test_stock_and_pool(loaded):  # type: ignore[no-untyped-def]
    blank = SimCard.objects.filter(customer__login_domain="acme", status=SimCard.Status.BLANK)
    assert blank.count() == 50
    assert {SimCard.Kind.PHYSICAL, SimCard.Kind.ESIM} == set(blank.values_list("kind", flat=True))
    assert PoolNumber.objects.filter(status=PoolNumber.Status.FREE, msisdn__startswith="+32").count() == 500
    assert not PoolNumber.objects.filter(msisdn__in=Line.objects.values("msisdn")).exists()


def test_data_is_valid(loaded):  # type: ignore[no-untyped-def]
    assert all(is_valid_iccid(iccid) for iccid in SimCard.objects.values_list("iccid", flat=True))
    for msisdn in Line.objects.values_list("msisdn", flat=True)[::25]:
        assert parse_mobile(msisdn) == msisdn
    globex = Line.objects.filter(customer__login_domain="globex")
    assert 200 <= globex.count() <= 400 and not globex.exclude(msisdn__startswith="+36").exists()
    # Options on a line are never "not applicable" to its plan (R-F2).
    for lo in LineOption.objects.select_related("line__plan", "option")[:300]:
        assert not lo.option.excluded_plans.filter(pk=lo.line.plan_id).exists()
    # A stopped line's SIM is retired; a live one's in use.
    assert not Line.objects.filter(status=Line.Status.STOPPED).exclude(sim__status=SimCard.Status.RETIRED).exists()
    assert not Line.objects.filter(status=Line.Status.ACTIVE).exclude(sim__status=SimCard.Status.IN_USE).exists()


def test_idempotent(loaded):  # type: ignore[no-untyped-def]
    demo.load()
    assert (Line.objects.count(), SimCard.objects.count(), PoolNumber.objects.count()) == loaded
