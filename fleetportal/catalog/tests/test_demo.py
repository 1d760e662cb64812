from decimal import Decimal

import pytest

from fleetportal.catalog.demo import load_catalogue, retain_for
from fleetportal.catalog.models import (
    ContractGroupBundle,
    ContractOption,
    ContractPlan,
    GroupBundleOffer,
    Option,
    TariffPlan,
)
from fleetportal.core.models import Contract, Customer

pytestmark = pytest.mark.spec("F-72")


def test_catalogue_loads_the_seeds_plans_once(db: None) -> None:
    load_catalogue()
    load_catalogue()
    plans = dict(TariffPlan.objects.values_list("name", "list_price"))
    assert plans["Mobile 1"] == Decimal("5.00")
    assert plans["Mobile Europe"] == Decimal("45.00")
    assert plans["Mobile Limitless"] == Decimal("33.00")
    assert TariffPlan.objects.count() == 9
    assert TariffPlan.objects.filter(category=TariffPlan.Category.DATA).count() == 3
    limitless = TariffPlan.objects.get(code="mobile-limitless")
    assert (limitless.data_mb, limitless.voice_minutes, limitless.sms) == (None, None, None)
    voice = Option.objects.get(name="Voice National 100 min")
    assert set(voice.excluded_plans.values_list("name", flat=True)) == {
        "Mobile Europe",
        "Mobile Contact",
        "Mobile Limitless",
        "Mobile Data 12",
        "Mobile Data 20",
        "Mobile Data 50",
    }
    assert GroupBundleOffer.objects.count() == 3


def test_retain_for_uses_the_contracts_own_prices_and_keeps_them(catalogue: Contract, other_customer: Customer) -> None:
    other = other_customer.contracts.get()
    retain_for(other, discount=Decimal("0.10"))
    assert ContractPlan.objects.get(contract=other, plan__code="mobile-europe").monthly_price == Decimal("40.50")
    assert ContractPlan.objects.get(contract=catalogue, plan__code="mobile-europe").monthly_price == Decimal("45.00")
    retain_for(other)  # again, without discount: what was retained keeps its price
    assert ContractPlan.objects.get(contract=other, plan__code="mobile-europe").monthly_price == Decimal("40.50")
    assert ContractOption.objects.filter(contract=catalogue).count() == Option.objects.count()
    assert ContractGroupBundle.objects.filter(contract=catalogue).count() == 3
