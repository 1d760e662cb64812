"""The demo's usage (issue 7 "Demo"): six months for Acme's active lines through the real ingest,
rating and alerts, telling its story — the capped line's refused charge, the blocked roamer's
refused data abroad, the pool drawn from first, over-bundle lines with their e-mails — on a
small set of lines; idempotent."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fleetportal.alerts.models import CostAlert, RuleFiring, UsageRule
from fleetportal.bundles.models import GroupBundle
from fleetportal.catalog.models import ROAMING_ZONES
from fleetportal.demo import data as demo
from fleetportal.demo.usage import MONTHS, PAYBYMOBILE_CAP, Story, data_allowances, load_usage, periods, pick_story
from fleetportal.fleet.models import Line, Service
from fleetportal.usage.models import PoolCounter, UsageCounter, UsageRecord

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-41", "F-40", "F-50", "F-51", "F-55", "F-42")]

LINES = 60
POOL = 5


@pytest.fixture
def acme_lines(db: None) -> list[Line]:
    demo.load()
    active = Line.objects.filter(customer__login_domain="acme", status=Line.Status.ACTIVE).select_related("plan")
    return list(active.order_by("msisdn")[:LINES])


@pytest.fixture
def loaded(acme_lines: list[Line]) -> int:
    return load_usage(lines=acme_lines, pool_size=POOL)


def _story(acme_lines: list[Line]) -> Story:
    return pick_story(acme_lines, data_allowances(acme_lines), pool_size=POOL)


def test_six_months_of_moderate_rated_usage(loaded, acme_lines) -> None:
    records = UsageRecord.objects.all()
    assert records.count() == loaded
    assert 5 * len(acme_lines) * MONTHS <= loaded <= 60 * len(acme_lines) * MONTHS
    assert not records.filter(outcome="").exists()  # every record rated by the ingest's consumer
    now = timezone.now()
    first, last = periods(now)[0], periods(now)[-1]
    assert records.earliest("started_at").started_at >= first.start and records.latest("started_at").started_at < now
    assert timezone.localtime(last.start).date() == timezone.localdate().replace(day=1)
    months = set(UsageCounter.objects.values_list("period", flat=True))
    assert len(months) == MONTHS
    assert {"national", "eu", "world_1"} <= set(records.values_list("zone", flat=True))
    assert {"data", "voice", "sms", "third_party"} == set(records.values_list("kind", flat=True))


def test_the_capped_line_has_a_refused_charge(loaded, acme_lines) -> None:
    capped = Line.objects.get(pk=_story(acme_lines).capped.pk)
    assert (capped.paybymobile, capped.paybymobile_cap) == (Line.PayByMobile.CAPPED, PAYBYMOBILE_CAP)
    charges = UsageRecord.objects.filter(line=capped, kind="third_party")
    assert charges.filter(outcome="refused", refusal="paybymobile_cap").exists()
    for counter in UsageCounter.objects.filter(line=capped):
        assert counter.third_party_eur <= PAYBYMOBILE_CAP  # the refused ones never count


def test_the_blocked_roamer_has_its_data_abroad_refused(loaded, acme_lines) -> None:
    roamer = _story(acme_lines).blocked_roamer
    assert list(roamer.blocks.values_list("service", flat=True)) == [Service.ROAMING_DATA]
    abroad = UsageRecord.objects.filter(line=roamer, kind="data", zone__in=ROAMING_ZONES)
    assert abroad.exists() and not abroad.exclude(outcome="refused", refusal="blocked").exists()
    assert not UsageRecord.objects.filter(line=roamer, zone="national", outcome="refused").exists()


def test_the_pool_members_draw_from_it_first(loaded, acme_lines) -> None:
    pool = GroupBundle.objects.get()
    members = set(pool.members.filter(left_at__isnull=True).values_list("line_id", flat=True))
    assert members == {line.pk for line in _story(acme_lines).pooled} and len(members) == POOL
    assert pool.started_at <= periods(timezone.now())[0].start  # six months old in the story
    assert PoolCounter.objects.filter(pool=pool).count() == MONTHS
    drawn = UsageRecord.objects.filter(line_id__in=members, pool=pool, pool_quantity__gt=0)
    assert drawn.exists()
    assert not UsageRecord.objects.exclude(line_id__in=members).filter(pool__isnull=False).exists()


def test_over_bundle_lines_pay_and_their_managers_are_told(loaded, acme_lines) -> None:
    over = _story(acme_lines).over_bundle
    assert over
    for line in over:
        since = timezone.localtime(line.activated_at).date() if line.activated_at else None
        whole = [c for c in UsageCounter.objects.filter(line=line) if since is None or since < c.period]
        assert whole and all(counter.out_of_bundle_eur > 0 for counter in whole)  # the current one too
        assert CostAlert.objects.filter(line=line).exists()


def test_loading_again_changes_nothing(loaded, acme_lines) -> None:
    assert load_usage(lines=acme_lines, pool_size=POOL) == 0
    assert UsageRecord.objects.count() == loaded and GroupBundle.objects.count() == 1


def test_the_rules_are_set_and_the_over_bundle_lines_set_one_off(loaded, acme_lines) -> None:
    rules = {rule.name: rule for rule in UsageRule.objects.all()}
    assert {"Data beyond 120 %", "Field service pool at 90 %", "No roaming beyond 300 EUR"} <= set(rules)
    assert rules["Field service pool at 90 %"].pool == GroupBundle.objects.get()
    fired = RuleFiring.objects.filter(rule=rules["Data beyond 120 %"], period=timezone.localdate().replace(day=1))
    assert {line.pk for line in _story(acme_lines).over_bundle} <= set(fired.values_list("line_id", flat=True))
