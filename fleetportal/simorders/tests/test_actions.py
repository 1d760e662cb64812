"""Ordering blank SIM cards and their fulfilment (F-71): the action's rules and rights, what it
writes (audit, events), and delivery putting Luhn-valid blank cards in the customer's stock,
where the Add SIM wizard finds them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import AuditEvent, Channel, DomainEvent
from fleetportal.core.tests.factories import StaffFactory
from fleetportal.fleet.iccid import is_valid_iccid
from fleetportal.fleet.models import SimCard
from fleetportal.fleet.selectors import blank_sims_for, blank_sims_matching
from fleetportal.notifications.models import OutboxMessage
from fleetportal.simorders import actions, tasks
from fleetportal.simorders.models import SimOrder
from fleetportal.simorders.selectors import address_initial
from fleetportal.simorders.stock import blank_card, serial
from fleetportal.simorders.tasks import COURIER

from .conftest import order_fields

pytestmark = pytest.mark.spec("F-71")
WEDNESDAY = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def at_wednesday(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: WEDNESDAY)


def _order(actor: Actor, **changes: Any) -> SimOrder:
    return actions.sim_order_create(actor=actor, **order_fields(**changes))


def test_an_order_is_planned_audited_and_recorded(manager, actor_for, at_wednesday) -> None:
    order = _order(actor_for(manager), quantity="30", kind="esim", message="Reception, ask for Els")
    assert (order.status, order.quantity, order.kind, order.ordered_by) == ("ordered", 30, "esim", manager)
    assert (order.ships_on, order.expected_on) == (dt.date(2026, 12, 3), dt.date(2026, 12, 4))
    audit = AuditEvent.objects.get(action="sim_order.created")
    assert audit.after["quantity"] == 30 and audit.after["postal_code"] == "2050" and audit.actor == manager
    event = DomainEvent.objects.get(name="sim_order.created")
    assert event.data["expected_on"] == "2026-12-04" and event.customer_id == order.customer_id


def test_the_address_is_trimmed_and_the_next_order_starts_from_it(manager, actor_for) -> None:
    actor = actor_for(manager)
    assert address_initial(actor) == {"country": "BE"}  # the customer's country, no address yet
    _order(actor, locality="  Antwerpen   Noord ", suffix="B", box="3", country="be")
    assert address_initial(actor) == {
        "country": "BE", "postal_code": "2050", "locality": "Antwerpen Noord", "street": "Katwilgweg",
        "number": "2", "suffix": "B", "box": "3",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": 15}, "quantity"),
        ({"quantity": "abc"}, "quantity"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": 1010}, "quantity"),
        ({"kind": "nano"}, "kind"),
        ({"country": "NL"}, "country"),
        ({"postal_code": ""}, "postal_code"),
        ({"postal_code": "205"}, "postal_code"),
        ({"postal_code": "B-2050"}, "postal_code"),
        ({"locality": "  "}, "locality"),
        ({"street": ""}, "street"),
        ({"number": ""}, "number"),
        ({"box": "x" * 11}, "box"),
        ({"street": "Katwilg\x00weg"}, "street"),
        ({"message": "m" * 2001}, "message"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_is_written(manager, actor_for, changes, field) -> None:
    with pytest.raises(ActionError) as refused:
        _order(actor_for(manager), **changes)
    assert refused.value.field == field
    assert not SimOrder.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="sim_order.").exists()


def test_only_a_manager_with_the_fleet_right_orders(member, billing_manager, staff, actor_for) -> None:
    for user in (member, billing_manager, staff):
        with pytest.raises(PermissionDeniedError):
            _order(actor_for(user))
    assert not SimOrder.objects.exists()


def test_delivery_puts_luhn_valid_blank_cards_in_the_stock_for_the_wizard(
    manager, member, other_holder, staff, actor_for
) -> None:
    order = _order(actor_for(manager), quantity=20, kind="esim")
    delivered = actions.sim_order_deliver(actor=actor_for(staff), order=order)
    assert delivered.status == "delivered" and delivered.shipped_at and delivered.delivered_at
    cards = list(delivered.cards.all())
    assert len(cards) == 20 and len({card.iccid for card in cards}) == 20
    for card in cards:
        assert is_valid_iccid(card.iccid) and card.iccid.startswith("893205")
        assert (card.status, card.kind, card.customer_id) == ("blank", "esim", order.customer_id)
        assert len(card.pin) == 4 and len(card.puk) == 8 and card.pin.isdigit() and card.puk.isdigit()
        assert len(card.imsi) == 15 and card.imsi.startswith("20601")
        assert card.activation_code.startswith("LPA:1$")
    assert set(blank_sims_for(actor_for(manager))) >= set(cards)
    assert blank_sims_matching(actor_for(manager), cards[0].iccid[-8:], limit=5) == [cards[0]]
    assert not set(blank_sims_for(actor_for(other_holder))) & set(cards)
    event = DomainEvent.objects.get(name="sim_order.delivered")
    assert sorted(event.data["iccids"]) == sorted(card.iccid for card in cards)
    assert AuditEvent.objects.filter(action="sim_order.delivered", actor=staff).count() == 1


def test_two_orders_never_draw_the_same_numbers(manager, staff, actor_for) -> None:
    first, second = _order(actor_for(manager), quantity=1000), _order(actor_for(manager), quantity=1000, country="HU")
    for order in (first, second):
        actions.sim_order_deliver(actor=actor_for(staff), order=order)
    assert SimCard.objects.count() == 2000
    assert SimCard.objects.filter(iccid__startswith="893605", imsi__startswith="21630").count() == 1000


def test_fulfilment_is_the_operators_and_goes_one_way(manager, actor_for) -> None:
    order = _order(actor_for(manager))
    with pytest.raises(PermissionDeniedError):
        actions.sim_order_ship(actor=actor_for(manager), order=order)
    with pytest.raises(PermissionDeniedError):
        actions.sim_order_deliver(actor=actor_for(manager), order=order)
    agent, admin = (actor_for(StaffFactory.create(staff_role=role)) for role in ("agent", "admin"))
    assert actions.sim_order_ship(actor=agent, order=order).status == "shipped"  # any staff member
    with pytest.raises(ActionError, match="already been shipped"):
        actions.sim_order_ship(actor=admin, order=order)
    actions.sim_order_deliver(actor=admin, order=order)
    with pytest.raises(ActionError, match="already been delivered"):
        actions.sim_order_deliver(actor=agent, order=order)
    assert SimCard.objects.count() == 20  # the second delivery added none


def test_the_courier_ships_the_next_business_day_and_delivers_on_the_expected_date(
    manager, actor_for, at_wednesday
) -> None:
    order = _order(actor_for(manager))
    assert COURIER.channel == Channel.JOB
    assert actions.sim_orders_advance(actor=COURIER, today=dt.date(2026, 12, 2)) == {"shipped": 0, "delivered": 0}
    assert actions.sim_orders_advance(actor=COURIER, today=dt.date(2026, 12, 3)) == {"shipped": 1, "delivered": 0}
    order.refresh_from_db()
    assert order.status == "shipped" and not order.cards.exists()
    assert actions.sim_orders_advance(actor=COURIER, today=dt.date(2026, 12, 4)) == {"shipped": 0, "delivered": 1}
    order.refresh_from_db()
    assert order.status == "delivered" and order.cards.count() == 20
    assert actions.sim_orders_advance(actor=COURIER, today=dt.date(2026, 12, 7)) == {"shipped": 0, "delivered": 0}
    audit = AuditEvent.objects.get(action="sim_order.shipped")
    assert audit.actor_label == "Blank SIM order fulfilment" and audit.channel == Channel.JOB


def test_a_late_courier_ships_and_delivers_in_one_run(manager, actor_for, at_wednesday) -> None:
    _order(actor_for(manager))
    assert actions.sim_orders_advance(actor=COURIER, today=dt.date(2026, 12, 10)) == {"shipped": 1, "delivered": 1}
    names = list(
        DomainEvent.objects.filter(name__startswith="sim_order.").order_by("id").values_list("name", flat=True)
    )
    assert names == ["sim_order.created", "sim_order.shipped", "sim_order.delivered"]


def test_the_courier_is_the_operators_job_only(manager, actor_for) -> None:
    with pytest.raises(PermissionDeniedError):
        actions.sim_orders_advance(actor=actor_for(manager))


def test_delivery_mails_whoever_ordered(manager, staff, actor_for) -> None:
    order = _order(actor_for(manager))
    actions.sim_order_deliver(actor=actor_for(staff), order=order)
    mail = OutboxMessage.objects.get(recipient=manager.email)
    assert f"Order #{order.pk}: your 20 blank SIM cards are delivered" == mail.subject
    assert f"/orders/{order.pk}/" in mail.body and mail.customer_id == order.customer_id


def test_a_delivery_whose_numbers_are_taken_is_refused_and_changes_nothing(manager, staff, actor_for) -> None:
    order = _order(actor_for(manager))
    taken = blank_card(customer=order.customer, kind="physical", country="BE", serial=serial(order.pk, 7))
    taken.customer = None
    taken.save()  # imported by hand into the ordered range
    with pytest.raises(ActionError, match="already in stock"):
        actions.sim_order_deliver(actor=actor_for(staff), order=order)
    order.refresh_from_db()
    assert order.status == "ordered" and SimCard.objects.count() == 1 and not order.cards.exists()


def test_the_periodic_task_runs_the_courier_with_the_clock(manager, actor_for, at_wednesday, monkeypatch) -> None:
    order = _order(actor_for(manager))
    monkeypatch.setattr(timezone, "localdate", lambda *args: dt.date(2026, 12, 4))
    tasks.advance_sim_orders.call_local()
    order.refresh_from_db()
    assert order.status == "delivered" and order.cards.count() == 20
