"""Ordering blank SIM cards and their fulfilment (F-71): ordered → shipped → delivered.

A manager with the fleet right orders (page or API, `sim_order_create`); the operator ships and
delivers: its staff from the fulfilment page, or the periodic job as the simulator's courier
(`sim_orders_advance`: shipped on the planned business day, delivered on the expected date).
Delivery puts the ordered blank cards in the customer's stock and e-mails whoever ordered them
(through the outbox). Each change is one transaction, audited, with its `sim_order.*` event
(the audit rows carry the same codes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import Customer
from fleetportal.fleet.actions.common import is_portal_job, require_fleet
from fleetportal.fleet.models import SimCard
from fleetportal.notifications.outbox import send_email

from . import rules
from .delivery import DELIVER_AFTER, SHIP_AFTER, business_days_after
from .events import CREATED, DELIVERED, OF_ACTION, SHIPPED
from .models import SimOrder
from .stock import blank_cards

Status = SimOrder.Status


def order_snapshot(order: SimOrder) -> dict[str, Any]:
    """The order as its audit rows and events keep it (JSON values)."""
    return {
        "order": order.pk,
        "quantity": order.quantity,
        "kind": order.kind,
        "status": order.status,
        "expected_on": order.expected_on.isoformat(),
        **{name: getattr(order, name) for name in rules.ADDRESS_FIELDS},
    }


def _audit(actor: Actor, action: str, order: SimOrder, before: dict[str, Any], **extra: Any) -> None:
    after = order_snapshot(order)
    customer = Customer(pk=order.customer_id)
    record(actor=actor, action=action, customer=customer, obj=order, before=before, after=after)
    OF_ACTION[action].record(customer=customer, obj=order, data={**after, **extra})


@transaction.atomic
def sim_order_create(
    *,
    actor: Actor,
    quantity: Any,
    kind: Any,
    country: Any,
    postal_code: Any,
    locality: Any,
    street: Any,
    number: Any,
    suffix: Any = "",
    box: Any = "",
    message: Any = "",
) -> SimOrder:
    """Order `quantity` blank cards of `kind` for the actor's customer, delivered to the address
    within 2 business days of today in the delivery country."""
    customer = actor.customer
    if customer is None:
        raise PermissionDeniedError(_("Only a customer's fleet managers order blank SIM cards."))
    require_fleet(actor, customer)
    count = rules.clean_quantity(quantity)
    card_kind = rules.clean_kind(kind)
    address = rules.clean_address(
        country=country,
        postal_code=postal_code,
        locality=locality,
        street=street,
        number=number,
        suffix=suffix,
        box=box,
    )
    note = rules.clean_text(message, "message", multiline=True)
    now = timezone.now()
    today = timezone.localdate(now)
    order = SimOrder.objects.create(
        customer=customer,
        quantity=count,
        kind=card_kind,
        message=note,
        ordered_by=actor.user,
        ordered_at=now,
        ships_on=business_days_after(today, SHIP_AFTER, address.country),
        expected_on=business_days_after(today, DELIVER_AFTER, address.country),
        **address.as_dict(),
    )
    _audit(actor, CREATED, order, {})
    return order


def _require_operator(actor: Actor) -> None:
    """The operator fulfils orders: any of its staff (the fulfilment desk works with the
    support agents) or the portal's job."""
    if not (actor.is_staff or is_portal_job(actor)):
        raise PermissionDeniedError(_("Only the operator ships and delivers SIM card orders."))


def _locked(order: SimOrder) -> SimOrder:
    return SimOrder.objects.select_for_update(of=("self",)).select_related("customer", "ordered_by").get(pk=order.pk)


@transaction.atomic
def sim_order_ship(*, actor: Actor, order: SimOrder) -> SimOrder:
    """The order left the warehouse."""
    _require_operator(actor)
    current = _locked(order)
    if current.status != Status.ORDERED:
        raise ActionError(_("This order has already been shipped."), code="conflict")
    before = order_snapshot(current)
    current.status, current.shipped_at = Status.SHIPPED, timezone.now()
    current.save(update_fields=["status", "shipped_at"])
    _audit(actor, SHIPPED, current, before)
    return current


@transaction.atomic
def sim_order_deliver(*, actor: Actor, order: SimOrder) -> SimOrder:
    """The order arrived (shipped now if it was not yet): its blank cards join the customer's
    stock, where the Add SIM wizard offers them."""
    _require_operator(actor)
    current = _locked(order)
    if current.status == Status.DELIVERED:
        raise ActionError(_("This order has already been delivered."), code="conflict")
    before = order_snapshot(current)
    now = timezone.now()
    new = blank_cards(
        customer=Customer(pk=current.customer_id),
        kind=current.kind,
        country=current.country,
        order_id=current.pk,
        quantity=current.quantity,
    )
    _refuse_taken_numbers(new)
    cards = SimCard.objects.bulk_create(new)
    current.cards.add(*cards)
    current.status, current.delivered_at = Status.DELIVERED, now
    current.shipped_at = current.shipped_at or now
    current.save(update_fields=["status", "shipped_at", "delivered_at"])
    _audit(actor, DELIVERED, current, before, iccids=[card.iccid for card in cards])
    _mail_delivered(current)
    return current


def _refuse_taken_numbers(cards: list[SimCard]) -> None:
    """The ordered range is the operator's; a card imported into it by hand would make the
    delivery fail on the unique numbers: say so instead."""
    taken = Q(iccid__in=[card.iccid for card in cards]) | Q(imsi__in=[card.imsi for card in cards])
    if SimCard.objects.filter(taken).exists():
        raise ActionError(_("Some of this order's SIM card numbers are already in stock: check the SIM stock."))


def _mail_delivered(order: SimOrder) -> None:
    """Tell whoever ordered (in their language, else the customer's) that the cards are in stock."""
    user = order.ordered_by
    if user is None or not user.email:
        return
    link = settings.PORTAL_BASE_URL + reverse("simorders:detail", args=[order.pk])
    send_email(
        to=user.email,
        template="simorders/email/delivered",
        context={"order": order, "link": link},
        language=user.language or order.customer.language,
        customer=order.customer,
    )


def sim_orders_advance(*, actor: Actor, today: dt.date | None = None) -> dict[str, int]:
    """The simulator's courier: every order planned to ship by `today` is shipped, every order
    expected by `today` delivered, each in its own transaction (one failing leaves the others).
    Returns how many were shipped and delivered."""
    _require_operator(actor)
    day = today or timezone.localdate()
    done = {"shipped": 0, "delivered": 0}
    for order in SimOrder.objects.filter(status=Status.ORDERED, ships_on__lte=day):
        try:
            sim_order_ship(actor=actor, order=order)
        except ActionError:  # shipped meanwhile by staff
            continue
        done["shipped"] += 1
    for order in SimOrder.objects.filter(status__in=(Status.ORDERED, Status.SHIPPED), expected_on__lte=day):
        try:
            sim_order_deliver(actor=actor, order=order)
        except ActionError:  # delivered meanwhile by staff
            continue
        done["delivered"] += 1
    return done
