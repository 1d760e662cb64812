"""The seeds' catalogue (plans, options, group bundles, plans' own usage rates) and a way to let a contract retain it.

Used by the demo (`fleetportal.demo.load`) and by tests (the `catalogue` fixture). Idempotent:
running it again changes nothing that exists.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.db import transaction

from fleetportal.core.models import Contract

from .models import (
    ContractGroupBundle,
    ContractOption,
    ContractPlan,
    Direction,
    GroupBundleOffer,
    Option,
    TariffPlan,
    UsageRate,
    UsageZone,
)

GB = 1024  # bundles are stored in MB
CENT = Decimal("0.01")


class Item(NamedTuple):
    code: str
    name: str
    price: str
    data_mb: int | None
    voice_minutes: int | None
    sms: int | None


MOBILE = TariffPlan.Category.MOBILE
DATA = TariffPlan.Category.DATA

# (category, item); None in a bundle means unlimited, 0 means not included.
PLANS: list[tuple[str, Item]] = [
    (MOBILE, Item("mobile-1", "Mobile 1", "5.00", 1 * GB, 100, 100)),
    (MOBILE, Item("mobile-europe", "Mobile Europe", "45.00", 20 * GB, None, None)),
    (MOBILE, Item("mobile-start", "Mobile Start", "10.00", 2 * GB, 200, None)),
    (MOBILE, Item("mobile-contact", "Mobile Contact", "20.00", 5 * GB, None, None)),
    (MOBILE, Item("mobile-start-plus", "Mobile Start+", "10.00", 3 * GB, 300, None)),
    (MOBILE, Item("mobile-limitless", "Mobile Limitless", "33.00", None, None, None)),
    (DATA, Item("mobile-data-12", "Mobile Data 12", "12.00", 12 * GB, 0, 0)),
    (DATA, Item("mobile-data-20", "Mobile Data 20", "20.00", 20 * GB, 0, 0)),
    (DATA, Item("mobile-data-50", "Mobile Data 50", "50.00", 50 * GB, 0, 0)),
]

DATA_PLANS = ["mobile-data-12", "mobile-data-20", "mobile-data-50"]

# (item, codes of the plans it is "not applicable" to)
OPTIONS: list[tuple[Item, list[str]]] = [
    (Item("data-asia-business-600mb", "Data Asia business 600 MB", "16.00", 600, 0, 0), []),
    (
        Item("voice-national-100", "Voice National 100 min", "3.00", 0, 100, 0),
        ["mobile-europe", "mobile-contact", "mobile-limitless", *DATA_PLANS],
    ),
    (Item("data-asia-tech-3gb", "Data Asia tech 3 GB", "35.00", 3 * GB, 0, 0), []),
    (Item("data-national-10gb", "Data National 10 GB", "25.00", 10 * GB, 0, 0), ["mobile-limitless"]),
    (Item("data-eu-5gb", "Data EU 5 GB", "10.00", 5 * GB, 0, 0), ["mobile-europe", "mobile-limitless"]),
    (Item("roaming-world-1gb", "Roaming World 1 GB", "15.00", 1 * GB, 0, 0), []),
    (Item("voice-international-60", "Voice International 60 min", "8.00", 0, 60, 0), DATA_PLANS),
]

# Rates of a plan that override the operator's list rates (migration catalog/0002) beyond the
# bundles: Mobile Europe's travellers pay less in world zone 1. (plan, kind, zone, EUR per unit)
PLAN_RATES: list[tuple[str, str, str, str]] = [
    ("mobile-europe", UsageRate.Kind.VOICE, UsageZone.WORLD_1, "0.5000"),
    ("mobile-europe", UsageRate.Kind.DATA, UsageZone.WORLD_1, "1.0000"),
]

GROUP_BUNDLES: list[Item] = [
    Item("group-voice-2000", "Group Voice 2000 min", "60.00", 0, 2000, 0),
    Item("group-data-50gb", "Group Data 50 GB", "150.00", 50 * GB, 0, 0),
    Item("group-data-200gb", "Group Data 200 GB", "450.00", 200 * GB, 0, 0),
]


def _bundle(item: Item) -> dict[str, object]:
    return {
        "name": item.name,
        "list_price": Decimal(item.price),
        "data_mb": item.data_mb,
        "voice_minutes": item.voice_minutes,
        "sms": item.sms,
    }


@transaction.atomic
def load_catalogue() -> None:
    """Create the seeds' catalogue where it is missing (plans, options, group bundle offers)."""
    plans: dict[str, TariffPlan] = {}
    for order, (category, item) in enumerate(PLANS):
        plans[item.code], _ = TariffPlan.objects.get_or_create(
            code=item.code, defaults={**_bundle(item), "category": category, "sort_order": order}
        )
    for order, (item, excluded) in enumerate(OPTIONS):
        option, created = Option.objects.get_or_create(code=item.code, defaults={**_bundle(item), "sort_order": order})
        if created:
            option.excluded_plans.set([plans[code] for code in excluded])
    for item in GROUP_BUNDLES:
        GroupBundleOffer.objects.get_or_create(code=item.code, defaults=_bundle(item))
    for code, kind, zone, price in PLAN_RATES:
        UsageRate.objects.get_or_create(
            plan=plans[code], kind=kind, zone=zone, direction=Direction.OUT, defaults={"unit_price": Decimal(price)}
        )


def _price(list_price: Decimal, discount: Decimal) -> Decimal:
    return (list_price * (1 - discount)).quantize(CENT, rounding=ROUND_HALF_UP)


@transaction.atomic
def retain_for(contract: Contract, *, discount: Decimal = Decimal(0)) -> None:
    """Let `contract` retain every plan, option and group bundle on sale at its own price.

    `discount` is a fraction of the list price (Decimal("0.10") = 10% off). What the contract
    retained already keeps its price.
    """
    ContractPlan.objects.bulk_create(
        [
            ContractPlan(contract=contract, plan=plan, monthly_price=_price(plan.list_price, discount))
            for plan in TariffPlan.objects.filter(active=True)
        ],
        ignore_conflicts=True,
    )
    ContractOption.objects.bulk_create(
        [
            ContractOption(contract=contract, option=option, monthly_price=_price(option.list_price, discount))
            for option in Option.objects.filter(active=True)
        ],
        ignore_conflicts=True,
    )
    ContractGroupBundle.objects.bulk_create(
        [
            ContractGroupBundle(contract=contract, offer=offer, monthly_price=_price(offer.list_price, discount))
            for offer in GroupBundleOffer.objects.all()
        ],
        ignore_conflicts=True,
    )
