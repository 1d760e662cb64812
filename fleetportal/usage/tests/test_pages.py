"""The usage pages (F-56): the company's usage for managers with the fleet or billing right,
a line's usage, the member's own bundles on their home page, the dashboard's live figures;
the role matrix cell by cell (S2), other customers' ids 404 (S1), a bad period named (R3)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fleetportal.accounts import session as session_keys
from fleetportal.accounts.models import Function, Membership, User
from fleetportal.core.models import Customer
from fleetportal.core.tests.factories import BillingAccountFactory
from fleetportal.fleet.models import Line, Tag
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.usage.reports import current_period, previous_periods

from .counters import counter, usage_record

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-56")]


def logged_in(user: User, login: Callable[..., object]) -> Client:
    client = Client()
    login(client, user)
    return client


@pytest.fixture
def period() -> dt.date:
    return current_period()


@pytest.fixture
def used(lines: list[Line], other_line: Line, period: dt.date) -> list[Line]:
    """The member's line over its data bundle (EUR 12.50 out of bundle), a colleague's line
    tagged "Sales" within its bundles, another customer's line with usage."""
    mine, colleague, _idle = lines
    counter(
        mine,
        period,
        data_mb=Decimal("2500"),
        data_bundle_mb=Decimal("2048"),
        allowance_data_mb=2048,
        voice_seconds=Decimal("5400"),
        voice_bundle_seconds=Decimal("5400"),
        allowance_voice_minutes=None,
        sms=Decimal("12"),
        sms_bundle=Decimal("12"),
        allowance_sms=100,
        out_of_bundle_eur=Decimal("12.50"),
    )
    counter(colleague, period, data_mb=Decimal("300"), data_bundle_mb=Decimal("300"), allowance_data_mb=5120)
    counter(other_line, period, data_mb=Decimal("987654"), out_of_bundle_eur=Decimal("777.77"))
    sales = Tag.objects.create(customer=colleague.customer, name="Sales")
    colleague.tags.add(sales)
    return lines


def test_the_manager_sees_the_company_totals_charts_and_lines(
    manager: User, login: Callable[..., object], used: list[Line]
) -> None:
    response = logged_in(manager, login).get("/usage/")
    assert response.status_code == 200
    page = response.content.decode()
    report = response.context["report"]
    assert (report.totals.lines, report.totals.over_bundle) == (2, 1)
    assert report.totals.data_mb == Decimal("2800") and report.totals.out_of_bundle_eur == Decimal("12.50")
    assert [(g.label, g.totals.data_mb) for g in report.tags] == [
        ("Sales", Decimal("300")),
        ("No tag", Decimal("2500")),
    ]
    assert [g.totals.lines for g in report.accounts] == [2]
    assert page.count("<svg") == 3 and 'role="img"' in page  # no records: no daily charts, a sentence
    assert "No mobile data used in this period." in page
    assert "+32 470 10 00 01" in page and "over bundle" in page
    assert "987,654" not in page  # the other customer's figures
    assert "777.77" not in page


def test_a_billing_manager_sees_the_company_page_too(
    billing_manager: User, login: Callable[..., object], used: list[Line]
) -> None:
    response = logged_in(billing_manager, login).get("/usage/")
    assert response.status_code == 200
    assert response.context["report"].totals.lines == 2


def test_a_manager_without_the_right_and_a_member_go_to_their_own_usage(
    manager: User, member: User, login: Callable[..., object], used: list[Line]
) -> None:
    Membership.objects.filter(user=manager).update(functions=[Function.USERS])
    member_client = logged_in(member, login)
    for client in (logged_in(manager, login), member_client):
        response = client.get("/usage/")
        assert response.status_code == 302 and response["Location"] == "/me/"
    page = member_client.get("/me/").content.decode()
    assert "My usage this period" in page
    assert "2,048 of 2,048 MB used" in page and "452 MB beyond the bundle" in page
    assert "Unlimited · 90 minutes used" in page and "12 of 100 SMS used" in page
    assert re.search(r"\d+ days? left in this period", page)
    assert "300" not in page.split("My usage this period")[1]  # not the colleague's line


def test_staff_have_no_company_page_but_open_any_line(
    staff: User, login: Callable[..., object], used: list[Line], other_line: Line
) -> None:
    client = logged_in(staff, login)
    assert client.get("/usage/").status_code == 403
    assert client.get(f"/usage/lines/{other_line.pk}/").status_code == 200


def test_a_line_page_shows_its_bundles_and_periods(
    manager: User, login: Callable[..., object], used: list[Line], period: dt.date
) -> None:
    client = logged_in(manager, login)
    assert f'href="/usage/lines/{used[0].pk}/"' in client.get(f"/fleet/lines/{used[0].pk}/").content.decode()
    response = client.get(f"/usage/lines/{used[0].pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<progress aria-labelledby="bundle-' in page and 'value="100" max="100"' in page
    assert "12.50" in page and f'href="/fleet/lines/{used[0].pk}/"' in page
    assert len(response.context["history"]) == 13


def test_a_line_without_usage_shows_its_plan_bundles(
    manager: User, login: Callable[..., object], used: list[Line]
) -> None:
    idle = used[2]
    response = logged_in(manager, login).get(f"/usage/lines/{idle.pk}/")
    bundles = {b.kind: b for b in response.context["usage"].allowances}
    assert response.context["usage"].counter is None
    assert bundles["data"].allowance == (Decimal(idle.plan.data_mb) if idle.plan.data_mb is not None else None)
    assert "No usage in this period yet." in response.content.decode()


@pytest.mark.spec("S1", "S2")
def test_other_lines_are_404(
    manager: User, member: User, billing_manager: User, login: Callable[..., object], used: list[Line],
    other_line: Line,
) -> None:  # fmt: skip
    member_client, manager_client = logged_in(member, login), logged_in(manager, login)
    for client in (manager_client, logged_in(billing_manager, login), member_client):
        assert client.get(f"/usage/lines/{other_line.pk}/").status_code == 404
    assert member_client.get(f"/usage/lines/{used[0].pk}/").status_code == 200  # their own
    assert member_client.get(f"/usage/lines/{used[1].pk}/").status_code == 404  # a colleague's
    assert manager_client.get(f"/usage/?account={other_line.billing_account_id}").status_code == 404
    foreign_tag = Tag.objects.create(customer=other_line.customer, name="Theirs")
    assert manager_client.get(f"/usage/?tag={foreign_tag.pk}").status_code == 404


@pytest.mark.spec("R-I5", "S2")
def test_a_phone_number_login_sees_its_number_s_usage_on_its_home(
    client: Client, member: User, used: list[Line], last_code: Callable[..., str], customer: Customer
) -> None:
    # The member's mobile number is a line of theirs too; a number login sees that line only.
    mobile = LineFactory.create(customer=customer, msisdn="+32470000003", user=member)
    counter(mobile, current_period(), sms=Decimal("7"), sms_bundle=Decimal("7"), allowance_sms=50)
    client.post("/login/phone/", {"step": "number", "phone": "0470 00 00 03"})
    client.post("/login/phone/", {"step": "send"})
    client.post("/login/phone/", {"step": "code", "code": last_code("+32470000003")})
    assert client.session[session_keys.NUMBER] == "+32470000003"
    page = client.get("/me/").content.decode()
    assert "7 of 50 SMS used" in page and "Usage details" not in page
    assert "+32 470 10 00 01" not in page and "2,048 of 2,048 MB used" not in page
    assert client.get("/usage/").status_code == 302
    customer.number_login_functions = ["invoices"]
    customer.save()
    assert "My usage this period" not in client.get("/me/").content.decode()


@pytest.mark.spec("R3")
@pytest.mark.parametrize("bad", ["2026-13", "march", "2026-3-x", "9999-01", "1999-12"])
def test_a_bad_period_is_named_and_the_current_period_shown(
    manager: User, login: Callable[..., object], used: list[Line], bad: str, period: dt.date
) -> None:
    client = logged_in(manager, login)
    response = client.get("/usage/", {"period": bad})
    assert response.status_code == 400
    assert response.context["form"].errors["period"]
    assert "Period:" in response.content.decode()
    assert response.context["period"] == period
    assert client.get(f"/usage/lines/{used[0].pk}/", {"period": bad}).status_code == 400
    export = client.get("/usage/export.xlsx", {"period": bad})
    assert export.status_code == 302 and "period=" in export["Location"]


def test_a_past_period_and_the_six_months_of_cost(
    manager: User, login: Callable[..., object], used: list[Line], period: dt.date
) -> None:
    months = previous_periods(period, 7)
    counter(used[1], months[1], out_of_bundle_eur=Decimal("3.25"), data_mb=Decimal("10"))
    counter(used[1], months[0], out_of_bundle_eur=Decimal("99"))  # six periods back: not in the chart
    client = logged_in(manager, login)
    response = client.get("/usage/", {"period": f"{months[1]:%Y-%m}"})
    report = response.context["report"]
    assert report.totals.lines == 1 and report.totals.out_of_bundle_eur == Decimal("3.25")
    now = client.get("/usage/").context["report"]
    assert [cost for _p, cost in now.months] == [Decimal("3.25"), *[Decimal(0)] * 4, Decimal("12.50")]
    assert dict(client.get("/usage/", {"period": f"{months[6]:%Y-%m}"}).context["report"].months)[months[1]] == Decimal(
        "3.25"
    )
    options = re.findall(r'<option value="(\d{4}-\d{2})"', response.content.decode())
    assert len(options) == 13 and options[0] == f"{period:%Y-%m}"


def test_narrowed_to_a_billing_account_or_a_tag(manager: User, login: Callable[..., object], used: list[Line]) -> None:
    client = logged_in(manager, login)
    sales = Tag.objects.get(name="Sales")
    assert client.get("/usage/", {"tag": sales.pk}).context["report"].totals.data_mb == Decimal("300")
    other = LineFactory.create(
        customer=used[0].customer, billing_account=BillingAccountFactory.create(customer=used[0].customer)
    )
    counter(other, current_period(), data_mb=Decimal("5"))
    narrowed = client.get("/usage/", {"account": other.billing_account_id}).context["report"]
    assert (narrowed.totals.lines, narrowed.totals.data_mb) == (1, Decimal("5"))


def test_the_daily_chart_sums_the_records_of_each_local_day(
    manager: User, login: Callable[..., object], used: list[Line], period: dt.date
) -> None:
    start = dt.datetime.combine(period, dt.time(), tzinfo=dt.UTC)
    usage_record(used[0], start + dt.timedelta(hours=1), quantity="40")  # 1 or 2 o'clock in Brussels
    usage_record(used[1], start + dt.timedelta(hours=5), quantity="2")
    usage_record(used[0], start + dt.timedelta(hours=3), kind="voice", quantity="120")
    usage_record(used[0], start - dt.timedelta(hours=2), quantity="500")  # the day before, in UTC and locally
    report = logged_in(manager, login).get("/usage/").context["report"]
    first = report.days[0]
    assert (first.day, first.data_mb, first.voice_minutes) == (period, Decimal("42"), Decimal("2"))
    assert sum(day.data_mb for day in report.days) == Decimal("42")


@pytest.mark.spec("F-73")
def test_the_dashboard_shows_this_period_s_figures_to_managers_with_the_right(
    holder: User, manager: User, login: Callable[..., object], used: list[Line]
) -> None:
    page = logged_in(holder, login).get("/dashboard/").content.decode()
    assert "Lines over their bundle" in page and "EUR 12.50" in page and 'href="/usage/"' in page
    Membership.objects.filter(user=manager).update(functions=[Function.USERS])
    assert "Lines over their bundle" not in logged_in(manager, login).get("/dashboard/").content.decode()


def test_the_member_without_a_line_gets_no_usage_panel(member: User, login: Callable[..., object]) -> None:
    assert "My usage this period" not in logged_in(member, login).get("/me/").content.decode()


@pytest.mark.spec("P1")
def test_the_page_s_queries_do_not_grow_with_the_lines(
    manager: User, login: Callable[..., object], used: list[Line], period: dt.date
) -> None:
    client = logged_in(manager, login)
    client.get("/usage/")  # the session's first page writes it

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/usage/").status_code == 200
        return len(captured)

    few = queries()
    for n in range(30):
        line = LineFactory.create(customer=used[0].customer, msisdn=f"+3247020{n:04d}")
        counter(line, period, data_mb=Decimal(n + 1), out_of_bundle_eur=Decimal(n))
    assert queries() == few
