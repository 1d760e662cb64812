"""What a new line may take: blank SIM cards and free numbers."""

from __future__ import annotations

from django.db.models import QuerySet
from ninja import Query, Router

from fleetportal.core.api import api_actor
from fleetportal.core.http import PortalRequest

from .. import selectors
from ..models import SimCard
from .schemas import RESPONSES, FreeNumbersOut, PageFilters, SimCardOut, SimCardPage
from .scopes import READ

router = Router(tags=["fleet"])


def _card(card: SimCard) -> SimCardOut:
    return SimCardOut(id=card.pk, iccid=card.iccid, kind=card.kind, operator_stock=card.customer_id is None)  # type: ignore[arg-type]


@router.get(
    "/sim-cards", response={200: SimCardPage, **RESPONSES}, operation_id="sim_cards_list", summary="Blank SIM stock"
)
def sim_cards_list(request: PortalRequest, filters: Query[PageFilters]) -> SimCardPage:
    """Blank SIM cards a new line may take: yours and the operator's. Scope `read` or `fleet`."""
    cards: QuerySet[SimCard] = selectors.blank_sims_for(api_actor(request, *READ))
    return SimCardPage.of(cards, filters, _card)


@router.get(
    "/numbers/free", response={200: FreeNumbersOut, **RESPONSES}, operation_id="free_numbers", summary="Free numbers"
)
def free_numbers(request: PortalRequest) -> FreeNumbersOut:
    """How many numbers the pool has free, and the first few. Scope `read` or `fleet`."""
    api_actor(request, *READ)
    return FreeNumbersOut(count=selectors.free_numbers_count(), first=selectors.free_numbers(limit=10))
