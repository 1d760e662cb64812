"""The group bundle pages (F-50, F-51) and who may open them: a manager with the fleet right
changes; a billing manager reads; a member reads the pools of their own line, seeing only that
line among the members; another customer's pool is a 404. Lines come from typed numbers or from
the SIM overview's selection, posted as to the fleet's bulk pages."""

from __future__ import annotations

import pytest
from django.test import Client

from fleetportal.bundles import actions
from fleetportal.bundles.models import GroupBundle, GroupBundleMember
from fleetportal.fleet.models import Line

pytestmark = [pytest.mark.spec("F-50", "F-51"), pytest.mark.django_db]


@pytest.fixture
def filled(pool, manager_actor, lines) -> GroupBundle:
    made = pool()
    actions.pool_members_add(actor=manager_actor, pool=made, lines=lines[:2])
    return made


def _logged_in(login, user) -> Client:
    client = Client()
    login(client, user)
    return client


def test_the_manager_lists_orders_and_changes(login, manager, offers, lines) -> None:
    client = _logged_in(login, manager)
    assert "Order a group bundle" in client.get("/group-bundles/").content.decode()
    form = client.get("/group-bundles/order/").content.decode()
    assert "Group Data 50 GB" in form
    bad = client.post(
        "/group-bundles/order/",
        {"offer": offers["group-data-50gb"].pk, "name": "Sales", "out_of_bundle_notify_at": "abc"},
    )
    assert bad.status_code == 200 and "Enter an amount in EUR" in bad.content.decode()
    assert not GroupBundle.objects.exists()
    response = client.post(
        "/group-bundles/order/",
        {"offer": offers["group-data-50gb"].pk, "name": "Sales", "out_of_bundle_notify_at": "25"},
    )
    pool = GroupBundle.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/group-bundles/{pool.pk}/"
    added = client.post(f"/group-bundles/{pool.pk}/members/add/", {"numbers": "0470 20 00 01,\n+32470200002"})
    assert added.status_code == 302
    page = client.get(f"/group-bundles/{pool.pk}/").content.decode()
    assert "+32 470 20 00 01" in page and "+32 470 20 00 02" in page and "Remove from the group bundle" in page
    listing = client.get("/group-bundles/").content.decode()
    assert "Sales" in listing and "Group Data 50 GB" in listing
    changed = client.post(
        f"/group-bundles/{pool.pk}/",
        {
            "offer": offers["group-data-200gb"].pk,
            "name": "Sales BE",
            "out_of_bundle_notify_at": "",
            "version": pool.version,
        },
    )
    assert changed.status_code == 302
    pool.refresh_from_db()
    assert (pool.name, pool.offer, pool.out_of_bundle_notify_at) == ("Sales BE", offers["group-data-200gb"], None)


def test_a_typed_number_that_is_not_a_line_names_the_field(login, manager, filled, other_customer) -> None:
    client = _logged_in(login, manager)
    for typed, message in (("+32470209876", "is not one of your lines"), ("hello", "is not a mobile number")):
        response = client.post(f"/group-bundles/{filled.pk}/members/add/", {"numbers": typed})
        assert response.status_code == 200 and message in response.content.decode()
    assert GroupBundleMember.objects.count() == 2


def test_from_the_sim_overview_choose_a_pool_then_add(login, manager, manager_actor, filled, lines) -> None:
    client = _logged_in(login, manager)
    overview = client.get("/fleet/lines/").content.decode()
    assert 'formaction="/group-bundles/add-lines/"' in overview and "Add to group bundle" in overview
    other = actions.pool_order(actor=manager_actor, contract=filled.contract, offer=filled.offer, name="Support")
    chooser = client.post("/group-bundles/add-lines/", {"line": [lines[0].pk, lines[2].pk]}).content.decode()
    assert f'formaction="/group-bundles/{other.pk}/members/add/"' in chooser and "2 SIM cards selected" in chooser
    review = client.post(f"/group-bundles/{other.pk}/members/add/", {"line": [lines[0].pk, lines[2].pk]})
    assert "in another group bundle" in review.content.decode() and not other.members.exists()
    done = client.post(f"/group-bundles/{other.pk}/members/add/", {"line": [lines[0].pk, lines[2].pk], "confirm": "1"})
    assert done.status_code == 302
    assert set(other.members.filter(left_at__isnull=True).values_list("line_id", flat=True)) == {
        lines[0].pk,
        lines[2].pk,
    }
    assert not filled.members.filter(line=lines[0], left_at__isnull=True).exists()  # moved
    everything = client.post(f"/group-bundles/{filled.pk}/members/add/", {"all": "1", "confirm": "1"})
    assert everything.status_code == 302 and filled.members.filter(left_at__isnull=True).count() == 3


def test_remove_and_end(login, manager, filled, lines) -> None:
    client = _logged_in(login, manager)
    assert client.post(f"/group-bundles/{filled.pk}/members/remove/", {"line": [lines[0].pk]}).status_code == 302
    assert list(filled.members.filter(left_at__isnull=True).values_list("line_id", flat=True)) == [lines[1].pk]
    page = client.get(f"/group-bundles/{filled.pk}/").content.decode()
    assert "Earlier member lines" in page
    assert client.post(f"/group-bundles/{filled.pk}/end/", {"version": filled.version}).status_code == 302
    filled.refresh_from_db()
    assert filled.ended_at is not None
    assert "Change the group bundle" not in client.get(f"/group-bundles/{filled.pk}/").content.decode()


def test_a_billing_manager_reads_without_forms(login, billing_manager, filled, lines) -> None:
    client = _logged_in(login, billing_manager)
    page = client.get(f"/group-bundles/{filled.pk}/").content.decode()
    assert "+32 470 20 00 02" in page and "Change the group bundle" not in page and "Add lines" not in page
    assert client.get("/group-bundles/order/").status_code == 403
    assert client.post(f"/group-bundles/{filled.pk}/members/add/", {"numbers": "+32470200003"}).status_code == 403
    assert client.post(f"/group-bundles/{filled.pk}/", {"name": "X"}).status_code == 404
    assert filled.members.filter(left_at__isnull=True).count() == 2


def test_a_member_sees_only_the_pool_of_their_line_and_only_their_line(login, member, filled, pool) -> None:
    elsewhere = pool(name="Not mine")
    client = _logged_in(login, member)
    listing = client.get("/group-bundles/").content.decode()
    assert "Sales team" in listing and "Not mine" not in listing and "Order a group bundle" not in listing
    page = client.get(f"/group-bundles/{filled.pk}/").content.decode()
    assert "+32 470 20 00 01" in page and "+32 470 20 00 02" not in page and "Change the group bundle" not in page
    assert client.get(f"/group-bundles/{elsewhere.pk}/").status_code == 404
    assert client.post(f"/group-bundles/{filled.pk}/members/remove/", {"line": []}).status_code == 403


def test_another_customer_gets_404(login, other_holder, filled) -> None:
    client = _logged_in(login, other_holder)
    assert "Sales team" not in client.get("/group-bundles/").content.decode()
    for path in ("/", "/members/add/"):
        assert client.get(f"/group-bundles/{filled.pk}{path}").status_code == 404
    assert client.post(f"/group-bundles/{filled.pk}/end/").status_code == 404
    filled.refresh_from_db()
    assert filled.ended_at is None


def test_refusals_show_on_the_form_and_change_nothing(login, manager, filled, lines) -> None:
    client = _logged_in(login, manager)
    Line.objects.filter(pk=lines[2].pk).update(status=Line.Status.STOPPED)
    selected = {"line": [lines[2].pk], "confirm": "1"}
    refused = client.post(f"/group-bundles/{filled.pk}/members/add/", selected).content.decode()
    assert "+32 470 20 00 03 is Stopped: it cannot join a group bundle." in refused
    bad = client.post(
        f"/group-bundles/{filled.pk}/",
        {"offer": filled.offer_id, "name": "Sales", "out_of_bundle_notify_at": "-3", "version": filled.version},
    )
    assert bad.status_code == 200 and "Enter an amount from 0" in bad.content.decode()
    filled.refresh_from_db()
    assert filled.out_of_bundle_notify_at is None and filled.members.filter(left_at__isnull=True).count() == 2
    assert client.post("/group-bundles/add-lines/", {}).status_code == 302  # nothing selected: back to the overview
