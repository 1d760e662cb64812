"""The group bundle actions (F-50, F-51): each refusal names its field and changes nothing; a
line moves between pools with its membership history kept; everything is audited with its
event."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fleetportal.bundles import actions
from fleetportal.bundles.models import GroupBundle, GroupBundleMember
from fleetportal.catalog.demo import retain_for
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import AuditEvent, DomainEvent
from fleetportal.fleet.models import Line

pytestmark = [pytest.mark.spec("F-50", "F-51"), pytest.mark.django_db]


def _refusal(call, **kwargs) -> ActionError:
    with pytest.raises(ActionError) as caught:
        call(**kwargs)
    return caught.value


def test_order_a_pool_audited_with_its_event(pool, manager_actor, catalogue, offers) -> None:
    ordered = pool(name="  Sales   team ", out_of_bundle_notify_at="12,50")
    assert (ordered.name, ordered.out_of_bundle_notify_at, ordered.contract) == (
        "Sales team",
        Decimal("12.50"),
        catalogue,
    )
    assert ordered.customer_id == catalogue.customer_id and ordered.started_at and ordered.ended_at is None
    audit = AuditEvent.objects.get(action="pool.ordered")
    assert audit.object_id == str(ordered.pk) and audit.after["out_of_bundle_notify_at"] == "12.50"
    assert DomainEvent.objects.get(name="pool.ordered").object_id == str(ordered.pk)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"out_of_bundle_notify_at": "-1"}, "out_of_bundle_notify_at"),
        ({"out_of_bundle_notify_at": "ten euros"}, "out_of_bundle_notify_at"),
        ({"out_of_bundle_notify_at": "1.005"}, "out_of_bundle_notify_at"),
        ({"out_of_bundle_notify_at": "1000000"}, "out_of_bundle_notify_at"),
        ({"out_of_bundle_notify_at": "NaN"}, "out_of_bundle_notify_at"),
    ],
)
def test_a_bad_order_names_the_field_and_changes_nothing(manager_actor, catalogue, offers, change, field) -> None:
    kwargs = {"actor": manager_actor, "contract": catalogue, "offer": offers["group-data-50gb"], "name": "Pool"}
    assert _refusal(actions.pool_order, **{**kwargs, **change}).field == field
    assert not GroupBundle.objects.exists() and not AuditEvent.objects.filter(action__startswith="pool.").exists()


def test_an_offer_of_another_contract_is_refused_on_offer(manager_actor, catalogue, offers, other_customer) -> None:
    foreign = other_customer.contracts.get()
    retain_for(foreign)
    offer = foreign.group_bundles.first()
    refusal = _refusal(actions.pool_order, actor=manager_actor, contract=catalogue, offer=offer, name="Pool")
    assert refusal.field == "offer"


def test_only_the_fleet_right_orders_and_changes(
    pool, catalogue, offers, actor_for, billing_manager, member, lines
) -> None:
    for user in (billing_manager, member):
        with pytest.raises(PermissionDeniedError):
            actions.pool_order(actor=actor_for(user), contract=catalogue, offer=offers["group-data-50gb"], name="P")
    made = pool()
    with pytest.raises(PermissionDeniedError):
        actions.pool_members_add(actor=actor_for(billing_manager), pool=made, lines=lines)
    assert not GroupBundleMember.objects.exists()


def test_change_the_offer_name_and_amount_with_the_version(pool, manager_actor, offers) -> None:
    made = pool(offer=offers["group-data-50gb"])
    changed = actions.pool_change(
        actor=manager_actor,
        pool=made,
        offer=offers["group-data-200gb"],
        name="Sales",
        out_of_bundle_notify_at=Decimal("40"),
        version=made.version,
    )
    assert (changed.offer, changed.name, changed.out_of_bundle_notify_at) == (offers["group-data-200gb"], "Sales", 40)
    assert changed.version == made.version + 1
    audit = AuditEvent.objects.get(action="pool.changed")
    assert audit.before["offer"] == "Group Data 50 GB" and audit.after["offer"] == "Group Data 200 GB"
    stale = _refusal(
        actions.pool_change,
        actor=manager_actor,
        pool=made,
        offer=offers["group-voice-2000"],
        name="Other",
        out_of_bundle_notify_at=None,
        version=made.version,
    )
    assert stale.code == "conflict"
    assert GroupBundle.objects.get().name == "Sales"


def test_add_members_then_a_line_of_another_contract_names_it_on_lines(
    pool, manager_actor, lines, second_contract
) -> None:
    made = pool()
    change = actions.pool_members_add(actor=manager_actor, pool=made, lines=lines[:2])
    assert [line.pk for line in change.lines] == [lines[0].pk, lines[1].pk] and not change.moved_from
    _contract, elsewhere = second_contract
    refusal = _refusal(actions.pool_members_add, actor=manager_actor, pool=made, lines=[lines[2], elsewhere])
    assert refusal.field == "lines" and "+32 470 20 99 99" in str(refusal.message)
    # all or nothing: lines[2] did not join either
    assert set(GroupBundleMember.objects.values_list("line_id", flat=True)) == {lines[0].pk, lines[1].pk}
    assert AuditEvent.objects.filter(action="pool.members_added").count() == 2  # one row per line


def test_a_stopped_line_is_refused(pool, manager_actor, lines) -> None:
    Line.objects.filter(pk=lines[1].pk).update(status=Line.Status.STOPPED)
    lines[1].refresh_from_db()
    refusal = _refusal(actions.pool_members_add, actor=manager_actor, pool=pool(), lines=lines)
    assert refusal.field == "lines" and "+32 470 20 00 02" in str(refusal.message)
    assert not GroupBundleMember.objects.exists()


def test_no_lines_is_refused_on_lines(pool, manager_actor) -> None:
    assert _refusal(actions.pool_members_add, actor=manager_actor, pool=pool(), lines=[]).field == "lines"


def test_a_line_moves_between_pools_and_keeps_its_history(pool, manager_actor, lines) -> None:
    first, second = pool(name="First"), pool(name="Second")
    actions.pool_members_add(actor=manager_actor, pool=first, lines=lines[:2])
    again = actions.pool_members_add(actor=manager_actor, pool=first, lines=[lines[0]])
    assert again.lines == [] and again.unchanged == [lines[0]]  # already a member: nothing changes
    moved = actions.pool_members_add(actor=manager_actor, pool=second, lines=[lines[0], lines[2]])
    assert moved.moved_from == {lines[0].pk: first}
    history = GroupBundleMember.objects.filter(line=lines[0]).order_by("joined_at", "id")
    assert [(m.pool.name, m.left_at is None) for m in history] == [("First", False), ("Second", True)]
    assert history[0].left_at == history[1].joined_at  # no gap, no overlap
    audit = AuditEvent.objects.filter(action="pool.members_added", object_id=str(lines[0].pk)).latest("id")
    assert (audit.before, audit.after) == ({"group_bundle": "First"}, {"group_bundle": "Second"})
    event = DomainEvent.objects.filter(name="pool.members_added").latest("id")
    assert event.data["moved_from"] == {str(lines[0].pk): first.pk}


def test_remove_members_and_end_the_pool(pool, manager_actor, lines) -> None:
    made = pool()
    actions.pool_members_add(actor=manager_actor, pool=made, lines=lines)
    removed = actions.pool_members_remove(actor=manager_actor, pool=made, lines=[lines[0]])
    assert removed.lines == [lines[0]]
    not_in = _refusal(actions.pool_members_remove, actor=manager_actor, pool=made, lines=[lines[0]])
    assert not_in.field == "lines"
    ended = actions.pool_end(actor=manager_actor, pool=made, version=made.version)
    assert ended.ended_at is not None
    assert not GroupBundleMember.objects.filter(left_at__isnull=True).exists()
    assert GroupBundleMember.objects.count() == 3  # memberships end, never vanish
    assert _refusal(actions.pool_members_add, actor=manager_actor, pool=made, lines=lines).code == "conflict"
    assert set(DomainEvent.objects.values_list("name", flat=True)) == {
        "pool.ordered",
        "pool.members_added",
        "pool.members_removed",
        "pool.ended",
    }
