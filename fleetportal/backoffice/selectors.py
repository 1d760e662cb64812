"""The back office's reads, each from `scope(actor, …)`: staff see every row, anyone else none
(a customer id in a staff URL is a 404 for them, as for an unknown id)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from fleetportal.accounts.models import CustomerSuspension, StaffApiKey, User
from fleetportal.core.actor import Actor
from fleetportal.core.models import Contract, Customer
from fleetportal.core.scope import scope
from fleetportal.fleet.models import PoolNumber, SimCard

from .forms import CUSTOMERS, SHARED


def customers_for(
    actor: Actor, *, search: str = "", status: str = "", country: str = "", language: str = ""
) -> QuerySet[Customer]:
    """Customers with their login count and whether they are suspended, by name."""
    rows = scope(actor, Customer).annotate(
        logins=Count("memberships", distinct=True),
        suspended=Exists(CustomerSuspension.objects.filter(customer=OuterRef("pk"))),
    )
    if search:
        rows = rows.filter(
            Q(name__icontains=search)
            | Q(legal_name__icontains=search)
            | Q(vat_number__icontains=search)
            | Q(login_domain__icontains=search)
            | Q(contracts__number__icontains=search)
        ).distinct()
    if status:
        rows = rows.filter(suspended=status == "suspended")
    if country:
        rows = rows.filter(country=country)
    if language:
        rows = rows.filter(language=language)
    return rows.order_by("name", "pk")


def customer_for(actor: Actor, pk: int) -> Customer:
    customer = scope(actor, Customer).filter(pk=pk).select_related("suspension").first()
    if customer is None:
        raise Http404
    return customer


def staff_contract_for(actor: Actor, number: str) -> Contract:
    """A contract by its number, for staff only (a customer's manager reads theirs on the
    catalogue's contract page, not here)."""
    if not actor.is_staff:
        raise Http404
    contract = scope(actor, Contract).select_related("customer").filter(number=number).first()
    if contract is None:
        raise Http404
    return contract


def pool_numbers_for(actor: Actor, *, search: str = "", status: str = "") -> QuerySet[PoolNumber]:
    rows = scope(actor, PoolNumber)
    # As people type it: "+32 470 …", or nationally "0470 …" (the leading 0 is not in E.164).
    digits = "".join(ch for ch in search if ch.isdigit()).removeprefix("0")
    if digits:
        rows = rows.filter(msisdn__contains=digits)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("msisdn")


def sim_stock_for(
    actor: Actor, *, search: str = "", owner: str = "", customer: str = "", status: str = "", kind: str = ""
) -> QuerySet[SimCard]:
    """SIM cards (staff: every card), the newest batch first; never shows PIN or PUK."""
    if not actor.is_staff:
        return SimCard.objects.none()
    rows = scope(actor, SimCard).select_related("customer").defer("pin", "puk")
    digits = "".join(ch for ch in search if ch.isdigit())
    if digits:
        rows = rows.filter(Q(iccid__contains=digits) | Q(imsi__contains=digits))
    if owner == SHARED:
        rows = rows.filter(customer=None)
    elif owner == CUSTOMERS:
        rows = rows.exclude(customer=None)
    if customer:
        rows = rows.filter(Q(customer__name__icontains=customer) | Q(customer__login_domain__iexact=customer))
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("-created_at", "iccid")


def staff_keys_for(actor: Actor) -> QuerySet[StaffApiKey]:
    if not actor.is_operator_admin:
        return StaffApiKey.objects.none()
    return scope(actor, StaffApiKey).select_related("owner")


def staff_logins_for(actor: Actor) -> QuerySet[User]:
    """The operator's staff logins, for an operator admin (who sets their roles)."""
    if not actor.is_operator_admin:
        return User.objects.none()
    return User.objects.filter(is_staff=True).order_by("-is_active", "email")
