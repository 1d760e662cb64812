"""The line controls' pages: the Manage SIM page's "Blocks" and "PayByMobile limit" tabs
(F-40..F-42), blocks in bulk for the SIM overview's selection (choose → review → apply, all or
nothing), the member's bundle alerts switch on /me/ (F-43), and who may see each (S1, S2)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from fleetportal.accounts.models import User
from fleetportal.core.models import AuditEvent, Customer
from fleetportal.fleet.models import Line, LineBlock
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.network.models import ProvisioningRequest

from .pages import messages_of

pytestmark = pytest.mark.spec("F-40")


def blocks_of(line: Line) -> set[str]:
    return set(LineBlock.objects.filter(line=line).values_list("service", flat=True))


def tab(line: Line, name: str) -> str:
    return f"/fleet/lines/{line.pk}/?tab={name}"


# --- Manage SIM: blocks tab ------------------------------------------------------------------------


def test_the_blocks_tab_shows_the_seeds_groups_and_saves_the_switches(
    manager_client: Client, make_line: Callable[..., Line]
) -> None:
    line = make_line()
    page = manager_client.get(tab(line, "blocks")).content.decode()
    for text in ("All services", "General", "From abroad", "Block mobile data", "Block incoming calls abroad"):
        assert text in page
    saved = manager_client.post(
        tab(line, "blocks"), {"blocks": ["data", "roaming_all"], "version": line.version}, follow=True
    )
    assert "The changes were saved." in messages_of(saved)
    assert blocks_of(line) == {"data", "roaming_all"}
    assert ProvisioningRequest.objects.filter(line=line, operation="blocks").count() == 1
    # The page shows them, whichever tab is open, and the switches are on.
    shown = manager_client.get(tab(line, "details")).content.decode()
    assert 'class="badge blocked" data-service="data">Mobile data' in shown
    again = manager_client.get(tab(line, "blocks")).content.decode()
    assert 'value="data" id="id_blocks_' in again and "checked" in again
    # Every switch off lifts them all.
    manager_client.post(tab(line, "blocks"), {"version": line.version + 1})
    assert blocks_of(line) == set()


@pytest.mark.spec("F-40", "R2")
def test_the_blocks_tab_shows_the_actions_refusals_on_its_form(
    manager_client: Client, make_line: Callable[..., Line]
) -> None:
    line = make_line()
    unknown = manager_client.post(tab(line, "blocks"), {"blocks": ["data", "warp"], "version": line.version})
    assert unknown.status_code == 200 and "Unknown service warp" in unknown.context["form"].errors["blocks"][0]
    stale = manager_client.post(tab(line, "blocks"), {"blocks": ["data"], "version": line.version - 1})
    assert "changed meanwhile" in stale.content.decode()
    stopped = make_line(status=Line.Status.STOPPED)
    refused = manager_client.post(tab(stopped, "blocks"), {"blocks": ["data"]})
    assert "its blocks and limits cannot be changed" in refused.content.decode()
    assert not LineBlock.objects.exists() and not AuditEvent.objects.filter(action="line.blocks_changed").exists()


def test_a_rules_block_is_marked_on_the_tab(manager_client: Client, make_line: Callable[..., Line]) -> None:
    line = make_line()
    LineBlock.objects.create(line=line, service="data", rule_id=4)
    page = manager_client.get(tab(line, "blocks")).content.decode()
    assert "set by a usage rule, lifted at the next period" in page


# --- Manage SIM: PayByMobile limit tab ------------------------------------------------------------


@pytest.mark.spec("F-41", "F-42")
def test_the_limits_tab_saves_a_cap_and_the_out_of_bundle_amount(
    manager_client: Client, make_line: Callable[..., Line]
) -> None:
    line = make_line()
    page = manager_client.get(tab(line, "limits")).content.decode()
    assert "No limit" in page and "Monthly limit" in page and "Blocked" in page and "notification only" in page
    saved = manager_client.post(
        tab(line, "limits"),
        {"paybymobile": "capped", "paybymobile_cap": "25,50", "out_of_bundle_notify_at": "40", "version": line.version},
        follow=True,
    )
    assert "The changes were saved." in messages_of(saved)
    line.refresh_from_db()
    assert (line.paybymobile, line.paybymobile_cap, line.out_of_bundle_notify_at) == (
        "capped",
        Decimal("25.50"),
        Decimal("40.00"),
    )


@pytest.mark.spec("F-41", "F-42", "R3")
@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"paybymobile": "capped", "paybymobile_cap": ""}, "paybymobile_cap", "Enter the monthly PayByMobile limit"),
        ({"paybymobile": "capped", "paybymobile_cap": "abc"}, "paybymobile_cap", "Enter an amount in EUR"),
        ({"paybymobile": "unlimited", "out_of_bundle_notify_at": "-5"}, "out_of_bundle_notify_at", "from 0 to"),
        ({"paybymobile": "sometimes"}, "paybymobile", "Choose one of"),
    ],
)
def test_bad_limits_show_the_actions_message_on_their_field(
    manager_client: Client, make_line: Callable[..., Line], data: dict[str, str], field: str, text: str
) -> None:
    line = make_line()
    response = manager_client.post(tab(line, "limits"), data)
    assert response.status_code == 200
    assert text in response.context["form"].errors[field][0]
    line.refresh_from_db()
    assert line.version == 1 and not AuditEvent.objects.filter(action="line.limits_changed").exists()


# --- blocks in bulk ----------------------------------------------------------------------------------


def bulk(client: Client, lines: list[Line], **data: Any) -> Any:
    return client.post("/fleet/lines/blocks/", {"line": [line.pk for line in lines], **data})


@pytest.fixture
def three(make_line: Callable[..., Line]) -> list[Line]:
    return [make_line(msisdn=f"+3247000050{n}") for n in range(3)]


def test_bulk_blocks_review_then_apply(manager_client: Client, three: list[Line]) -> None:
    LineBlock.objects.create(line=three[0], service="data")
    choose = bulk(manager_client, three)
    assert choose.status_code == 200 and choose.context["review"] is None
    review = bulk(manager_client, three, block=["data", "roaming_data"], unblock=["mms"], stage="review")
    rows = {row.line.msisdn: row for row in review.context["rows"]}
    assert rows["+32470000500"].blocked == ["roaming_data"] and rows["+32470000501"].blocked == ["data", "roaming_data"]
    page = review.content.decode()
    assert "+32 470 00 05 02" in page and "+ Abroad: data" in page
    assert not LineBlock.objects.filter(service="roaming_data").exists()  # a review changes nothing
    applied = bulk(
        manager_client,
        three,
        block=["data", "roaming_data"],
        unblock=["mms"],
        stage="apply",
        review=review.context["token"],
    )
    assert applied.status_code == 302
    assert all(blocks_of(line) == {"data", "roaming_data"} for line in three)
    assert AuditEvent.objects.filter(action="line.blocks_changed").count() == 3
    overview = manager_client.get("/fleet/lines/").content.decode()
    assert overview.count('class="badge blocked"') == 3 and "/fleet/lines/blocks/" in overview


@pytest.mark.spec("F-40", "R2")
def test_bulk_blocks_with_a_stopped_line_change_nothing(
    manager_client: Client, three: list[Line], make_line: Callable[..., Line]
) -> None:
    stopped = make_line(status=Line.Status.STOPPED, msisdn="+32470000599")
    lines = [*three, stopped]
    review = bulk(manager_client, lines, block=["data"], stage="review")
    assert "1 number cannot be changed" in review.content.decode()
    refused = bulk(manager_client, lines, block=["data"], stage="apply", review=review.context["token"])
    assert refused.status_code == 200 and "470 00 05 99 is Stopped" in refused.content.decode()
    assert not LineBlock.objects.exists() and not ProvisioningRequest.objects.exists()


def test_bulk_blocks_refuse_an_empty_or_contradictory_choice(manager_client: Client, three: list[Line]) -> None:
    empty = bulk(manager_client, three, stage="review")
    assert "Choose services to block or to unblock." in empty.context["form"].errors["block"][0]
    both = bulk(manager_client, three, block=["data"], unblock=["data"], stage="review")
    assert "cannot be blocked and unblocked at once" in both.context["form"].errors["unblock"][0]
    assert both.context["review"] is None


# --- the member's bundle alerts ---------------------------------------------------------------------


@pytest.mark.spec("F-43")
def test_the_member_switches_bundle_alerts_on_their_page(
    member_client: Client, member: User, make_line: Callable[..., Line]
) -> None:
    own = make_line(user=member)
    page = member_client.get("/me/").content.decode()
    assert f"/me/lines/{own.pk}/bundle-alerts/" in page and "Bundle alerts by SMS" in page
    off = member_client.post(f"/me/lines/{own.pk}/bundle-alerts/", {}, follow=True)
    assert "You will no longer get SMS about your bundles." in messages_of(off)
    own.refresh_from_db()
    assert own.bundle_alerts is False
    member_client.post(f"/me/lines/{own.pk}/bundle-alerts/", {"bundle_alerts": "on"})
    own.refresh_from_db()
    assert own.bundle_alerts is True
    assert AuditEvent.objects.filter(action="line.bundle_alerts_switched").count() == 2


# --- who sees what ----------------------------------------------------------------------------------


@pytest.mark.spec("F-40", "F-41", "F-43", "S1", "S2")
def test_role_matrix(
    manager_client: Client,
    member_client: Client,
    billing_client: Client,
    member: User,
    other_customer: Customer,
    make_line: Callable[..., Line],
) -> None:
    line = make_line()
    own = make_line(user=member)
    foreign = LineFactory.create(customer=other_customer)
    # A manager with the fleet right: every page.
    assert manager_client.get(tab(line, "blocks")).status_code == 200
    assert manager_client.get(tab(line, "limits")).status_code == 200
    assert bulk(manager_client, [line]).status_code == 200
    # Another customer's line: 404, in bulk too, nothing changed.
    assert manager_client.get(tab(foreign, "blocks")).status_code == 404
    assert manager_client.post(tab(foreign, "blocks"), {"blocks": ["data"]}).status_code == 404
    assert bulk(manager_client, [line, foreign], block=["data"], stage="review").status_code == 404
    assert manager_client.post(f"/me/lines/{foreign.pk}/bundle-alerts/", {}).status_code == 404
    # A manager without the fleet right and a member: no Manage SIM page, no bulk page.
    for client in (billing_client, member_client):
        assert client.get(tab(line, "blocks")).status_code == 403
        assert client.post(tab(own, "blocks"), {"blocks": ["data"]}).status_code == 403
        assert bulk(client, [own], block=["data"], stage="review").status_code == 403
    # A member switches their own line's alerts only.
    assert member_client.post(f"/me/lines/{line.pk}/bundle-alerts/", {}).status_code == 404
    assert member_client.post(f"/me/lines/{own.pk}/bundle-alerts/", {}).status_code == 302
    line.refresh_from_db()
    own.refresh_from_db()
    assert line.bundle_alerts is True and own.bundle_alerts is False
    assert not LineBlock.objects.exists()
