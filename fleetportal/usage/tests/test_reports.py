"""The usage figures' sums, charts and exports (F-56): the SVG charts carry their figures, the
exports open with openpyxl with the page's totals, cells that would be formulas are text (S11),
"over the bundle" counts what it says."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client

from fleetportal.accounts.models import User
from fleetportal.core.models import AuditEvent
from fleetportal.fleet.models import Line
from fleetportal.usage import charts, reports
from fleetportal.usage.models import UsageCounter

from .counters import counter

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-56")]


@pytest.fixture
def period() -> dt.date:
    return reports.current_period()


@pytest.fixture
def manager_client(manager: User, login: Callable[..., object]) -> Client:
    client = Client()
    login(client, manager)
    return client


@pytest.mark.parametrize(
    ("columns", "over"),
    [
        ({"data_mb": "100", "data_bundle_mb": "100", "allowance_data_mb": 100}, False),  # used up, not beyond
        ({"data_mb": "150", "data_bundle_mb": "100", "allowance_data_mb": 100}, True),
        ({"data_mb": "150", "data_bundle_mb": "100", "data_pool_mb": "50", "allowance_data_mb": 100}, False),
        ({"data_mb": "9000", "data_bundle_mb": "9000", "allowance_data_mb": None}, False),  # unlimited
        ({"voice_seconds": "3660", "voice_bundle_seconds": "3600", "allowance_voice_minutes": 60}, True),
        ({"voice_seconds": "3660", "voice_bundle_seconds": "3000", "allowance_voice_minutes": 60}, False),
        ({"sms": "11", "sms_bundle": "10", "allowance_sms": 10}, True),
    ],
)
def test_over_the_bundle(lines: list[Line], period: dt.date, columns: dict[str, object], over: bool) -> None:
    values = {k: Decimal(v) if isinstance(v, str) else v for k, v in columns.items()}
    counter(lines[0], period, **values)
    assert reports.totals(UsageCounter.objects.all()).over_bundle == int(over)


def test_days_left_and_periods() -> None:
    march = dt.date(2026, 3, 1)
    assert reports.days_left(march, dt.date(2026, 3, 1)) == 31
    assert reports.days_left(march, dt.date(2026, 3, 31)) == 1
    assert reports.days_left(march, dt.date(2026, 4, 2)) == 0
    assert reports.previous_periods(march, 3) == [dt.date(2026, 1, 1), dt.date(2026, 2, 1), march]
    with pytest.raises(ValueError, match="YYYY-MM"):
        reports.read_period("2026-02-30")


def test_a_bundle_s_share_and_what_is_left() -> None:
    bundle = reports.Allowance(
        kind="data", label="", unit="", allowance=Decimal(1000), in_bundle=Decimal(250), in_pool=Decimal(0),
        used=Decimal(300),
    )  # fmt: skip
    assert (bundle.percent, bundle.remaining, bundle.beyond) == (25, Decimal(750), Decimal(50))
    empty = reports.Allowance(
        kind="sms", label="", unit="", allowance=Decimal(0), in_bundle=Decimal(0), in_pool=Decimal(0), used=Decimal(0)
    )
    assert empty.percent == 100


def test_the_charts_carry_their_figures_and_names() -> None:
    svg = charts.columns(
        [charts.Bar("1", Decimal("1234.5"), "1 March"), charts.Bar("2", Decimal(0))],
        title="Data <per> day",
        desc="MB each day",
        unit="MB",
    )
    assert svg.startswith("<svg") and 'viewBox="0 0 360 206"' in svg and 'role="img"' in svg
    assert "<title id=" in svg and "Data &lt;per&gt; day" in svg and "<desc id=" in svg
    assert "<title>1 March: 1,234 MB</title>" in svg  # the bar's own figure
    assert ">2,000<" in svg  # the axis top: 1, 2 or 5 × 10^n
    rows = charts.rows([charts.Bar("+32 470", Decimal("12.5"))], title="t", desc="d", unit="EUR", decimals=2)
    assert "12.50 EUR" in rows and "+32 470" in rows


def test_nice_axis_tops() -> None:
    assert [charts.nice_top(Decimal(v)) for v in ("0", "0.3", "7", "11", "200", "201")] == [1, 0.5, 10, 20, 200, 500]


def _report_data(lines: list[Line], period: dt.date) -> None:
    counter(lines[0], period, data_mb=Decimal("1000.5"), voice_seconds=Decimal("90"), out_of_bundle_eur=Decimal("2.25"))
    counter(lines[1], period, data_mb=Decimal("24"), out_of_bundle_eur=Decimal("1.75"), sms=Decimal("3"))
    Line.objects.filter(pk=lines[1].pk).update(first_name='=HYPERLINK("http://x")', last_name="")


def test_the_xlsx_export_has_every_table_and_the_totals(
    manager_client: Client, lines: list[Line], period: dt.date
) -> None:
    _report_data(lines, period)
    response = manager_client.get("/usage/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="usage-acme-')
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    assert book.sheetnames == ["Summary", "Lines", "Billing accounts", "Tags", "Days", "Months"]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Lines with usage"] == 2 and summary["Mobile data (MB)"] == pytest.approx(1024.5)
    assert summary["Out of bundle (EUR)"] == pytest.approx(4.0) and summary["Calls (minutes)"] == pytest.approx(1.5)
    sheet = book["Lines"]
    header = [cell.value for cell in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    data = header.index("Mobile data (MB)")
    assert sum(row[data] for row in rows) == pytest.approx(summary["Mobile data (MB)"])
    assert {row[header.index("Name")] for row in rows} >= {'=HYPERLINK("http://x")'}
    formula_cell = next(c for c in sheet["B"] if c.value == '=HYPERLINK("http://x")')
    assert formula_cell.data_type == "s" and formula_cell.quotePrefix  # text, never run
    months = list(book["Months"].iter_rows(min_row=2, values_only=True))
    assert len(months) == 6 and months[-1] == (f"{period:%Y-%m}", pytest.approx(4.0))
    assert AuditEvent.objects.filter(action="usage.exported", after__format="xlsx").exists()


def test_the_csv_export_of_a_table(manager_client: Client, lines: list[Line], period: dt.date) -> None:
    _report_data(lines, period)
    body = b"".join(manager_client.get("/usage/export.csv?table=lines").streaming_content).decode()  # type: ignore[attr-defined]
    rows = [line.split(";") for line in body.lstrip("\ufeff").splitlines()]
    assert rows[0][:4] == ["Phone number", "Name", "Billing account", "Mobile data (MB)"]
    assert sum(Decimal(row[3]) for row in rows[1:]) == Decimal("1024.50")
    assert "'=HYPERLINK" in body  # neutralised
    accounts = b"".join(manager_client.get("/usage/export.csv?table=accounts").streaming_content).decode()  # type: ignore[attr-defined]
    assert accounts.splitlines()[1].split(";")[2] == "2"  # both lines in the one billing account


def test_the_csv_export_writes_the_reader_s_decimal_mark(
    manager: User, manager_client: Client, lines: list[Line], period: dt.date
) -> None:
    _report_data(lines, period)
    User.objects.filter(pk=manager.pk).update(language="nl")
    body = b"".join(manager_client.get("/usage/export.csv?table=summary").streaming_content).decode()  # type: ignore[attr-defined]
    assert ";1024,50" in body


@pytest.mark.spec("S2")
def test_exports_are_for_those_who_see_the_company(
    member: User, login: Callable[..., object], lines: list[Line]
) -> None:
    client = Client()
    login(client, member)
    assert client.get("/usage/export.xlsx").status_code == 403
