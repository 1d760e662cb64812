"""The SIM overview as .xlsx or CSV (F-31): the overview's filter, every column, cells that
cannot run as formulas (S11), the user's language, only the actor's lines (S1), audited."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fleetportal.core.models import AuditEvent
from fleetportal.fleet.exports import neutralise
from fleetportal.fleet.models import Line
from fleetportal.fleet.tests.factories import TagFactory

pytestmark = pytest.mark.django_db


def download(client, **params):  # type: ignore[no-untyped-def]
    response = client.get("/fleet/lines/export/", params)
    assert response.status_code == 200, response.status_code
    assert response.streaming
    return response, b"".join(response.streaming_content)


def sheet_rows(body: bytes) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


def csv_rows(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))


@pytest.fixture
def lines(make_line, customer, options, plans):  # type: ignore[no-untyped-def]
    sales, it = TagFactory.create(customer=customer, name="Sales"), TagFactory.create(customer=customer, name="IT")
    activated = timezone.make_aware(datetime(2025, 3, 30, 9, 15))
    suspended = make_line(
        msisdn="+32470111111",
        status=Line.Status.SUSPENDED,
        description='=HYPERLINK("http://evil.example","x")',
        first_name="@Lotte",
        last_name="-Peeters",
        plan=plans["mobile-start"],
        options=[options["roaming-world-1gb"], options["data-eu-5gb"]],
        tags=[sales, it],
        activated_at=activated,
        network_state=Line.NetworkState.FAILED,
    )
    active = make_line(msisdn="+32470222222", description="\tTab", first_name="Jens", last_name="\rMaes")
    return suspended, active


@pytest.mark.spec("F-31", "S11")
def test_xlsx_holds_the_filtered_lines_with_every_column(client, login, manager, lines):
    suspended, _active = lines
    login(client, manager)
    response, body = download(client, status="suspended", format="xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="fleet-acme-{today}.xlsx"'
    header, *data = sheet_rows(body)
    assert header == (
        "Phone number",
        "Description",
        "First name",
        "Last name",
        "Tariff plan",
        "Status",
        "Billing account",
        "Options",
        "Tags / cost centres",
        "SIM card number (ICCID)",
        "Network",
        "Activated on",
    )
    assert len(data) == 1
    assert data[0] == (
        "+32470111111",
        '=HYPERLINK("http://evil.example","x")',
        "@Lotte",
        "-Peeters",
        "Mobile Start",
        "Suspended",
        suspended.billing_account.number,
        "Data EU 5 GB; Roaming World 1 GB",  # the catalogue's order
        "IT; Sales",
        suspended.sim.iccid,
        "Failed, retry",
        datetime(2025, 3, 30, 9, 15),  # local time, as the user sees it
    )
    # Text, including what would start a formula, is text with Excel's quote prefix, never a
    # formula (S11); the date is a date in the sheet's format.
    cells = next(openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows(min_row=2))
    assert all(cell.quotePrefix and cell.data_type == "s" for cell in cells[:-1])
    assert (cells[-1].data_type, cells[-1].number_format, cells[-1].quotePrefix) == ("d", "dd/mm/yyyy hh:mm", False)
    assert not [cell for cell in cells if cell.data_type == "f"]


@pytest.mark.spec("F-31")
def test_an_export_of_no_lines_keeps_its_header(client, login, manager, lines):
    login(client, manager)
    _response, body = download(client, q="no such line")
    assert sheet_rows(body)[0][:2] == ("Phone number", "Description")
    assert not any(any(row) for row in sheet_rows(body)[1:])


@pytest.mark.spec("F-31", "S11")
def test_csv_is_streamed_with_neutralised_cells(client, login, manager, lines):
    login(client, manager)
    response, body = download(client, format="csv", sort="msisdn")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith('.csv"')
    header, *data = csv_rows(body)
    assert header[0] == "Phone number" and len(header) == 12
    assert [row[0] for row in data] == ["'+32470111111", "'+32470222222"]
    first, second = data
    assert first[1].startswith("'=HYPERLINK") and first[2] == "'@Lotte" and first[3] == "'-Peeters"
    assert second[1] == "'\tTab" and second[3] == "'\rMaes"
    assert first[11] == "2025-03-30 09:15" and second[8] == ""


@pytest.mark.spec("S11")
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+32470", "'+32470"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Sales", "Sales"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralise(text, expected):
    assert neutralise(text) == expected


@pytest.mark.spec("F-31")
def test_search_and_sort_as_on_the_overview(client, login, manager, make_line):
    make_line(msisdn="+32470000011", last_name="Zeebroek", first_name="Anna")
    make_line(msisdn="+32470000012", last_name="Aerts", first_name="Anna")
    make_line(msisdn="+32470000013", last_name="Claes", first_name="Bart")
    login(client, manager)
    _response, body = download(client, q="anna", sort="-msisdn", format="xlsx")
    assert [row[0] for row in sheet_rows(body)[1:]] == ["+32470000012", "+32470000011"]


@pytest.mark.spec("F-31", "S1")
def test_only_the_actors_lines(client, login, manager, make_line, other_customer):
    from fleetportal.fleet.tests.factories import LineFactory

    make_line(msisdn="+32470000021")
    LineFactory.create(customer=other_customer, msisdn="+36301234567")
    login(client, manager)
    _response, body = download(client, format="csv")
    numbers = [row[0] for row in csv_rows(body)[1:]]
    assert numbers == ["'+32470000021"]
    # A filter naming another customer's tag is not applied to someone else's data: it is refused.
    foreign_tag = TagFactory.create(customer=other_customer)
    _response, body = download(client, format="csv", tag=foreign_tag.pk)
    assert "+36301234567" not in body.decode()


@pytest.mark.spec("F-31", "S2")
def test_member_may_not_export(client, login, member, make_line):
    make_line()
    login(client, member)
    assert client.get("/fleet/lines/export/", {"format": "xlsx"}).status_code == 403


@pytest.mark.spec("F-31", "F-80")
def test_headers_and_labels_in_the_users_language(client, login, manager, lines):
    manager.language = "fr"
    manager.save()
    login(client, manager)
    _response, body = download(client, format="xlsx", status="suspended")
    header, row = sheet_rows(body)
    assert header[0] == "Numéro de téléphone" and header[2] == "Prénom"
    assert row[5] != "Suspended"  # the status label is French too


@pytest.mark.spec("F-31", "F-33")
def test_export_is_audited(client, login, manager, lines):
    login(client, manager)
    download(client, format="csv", status="active")
    event = AuditEvent.objects.get(action="lines.exported")
    assert event.actor == manager and event.customer == manager.memberships.get().customer
    assert event.after == {"format": "csv", "lines": 1, "status": "active"}


@pytest.mark.spec("F-31", "P2")
def test_queries_do_not_grow_with_the_lines(client, login, manager, make_line, options):
    login(client, manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            download(client, format="xlsx")
        return len(captured)

    make_line(options=[options["data-eu-5gb"]])
    few = queries()
    for _ in range(15):
        make_line(options=[options["data-eu-5gb"], options["roaming-world-1gb"]])
    assert queries() == few


@pytest.mark.spec("F-31")
@pytest.mark.parametrize("path", ["/fleet/lines/export/", "/api/v1/lines/export"])
def test_a_streamed_export_counts_its_lines_once(client, login, manager, lines, path):
    """The count that chooses between streaming and a job is the export's own."""
    login(client, manager)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, {"format": "csv"})
        b"".join(response.streaming_content)
    counts = [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT COUNT(")]
    assert len(counts) == 1, counts


@pytest.mark.spec("F-31", "F-20")
def test_options_and_tags_stay_on_their_line_in_every_sort(client, login, manager, make_line, customer, options, plans):
    """Options and tags stream in the lines' own order and are merged: any sort keeps them right."""
    from fleetportal.fleet.forms import SORT_VALUES

    tags = [TagFactory.create(customer=customer, name=name) for name in ("IT", "Sales", "HR")]
    choices = list(options.values())
    expected = {}
    for n in range(12):
        line = make_line(
            msisdn=f"+3247055{n:04d}",
            description=["Driver", "Account manager", ""][n % 3],  # ties on the sorted column
            plan=[plans["mobile-start"], plans["mobile-1"]][n % 2],
            status=[Line.Status.ACTIVE, Line.Status.SUSPENDED, Line.Status.PENDING][n % 3],
            options=[choices[n % 3]] if n % 4 else [],
            tags=tags[: n % 4],
        )
        expected[f"'{line.msisdn}"] = (
            "; ".join(o.name for o in line.options.order_by("sort_order", "name")),
            "; ".join(sorted(t.name for t in line.tags.all())),
        )
    login(client, manager)
    for sort in SORT_VALUES:
        _response, body = download(client, format="csv", sort=sort)
        got = {row[0]: (row[7], row[8]) for row in csv_rows(body)[1:]}
        assert got == expected, sort
