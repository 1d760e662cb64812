"""The number pool and SIM stock imports (F-93): counts, caps, and a refused batch named by row."""

from __future__ import annotations

import pytest

from fleetportal.backoffice.actions_stock import MAX_RANGE, SimRowsRefused, pool_import_range, sim_stock_import
from fleetportal.core.errors import ActionError
from fleetportal.core.models import AuditEvent
from fleetportal.fleet.iccid import luhn_check_digit
from fleetportal.fleet.models import PoolNumber, SimCard


def iccid(n: int) -> str:
    body = f"894101{n:012d}"
    return body + luhn_check_digit(body)


def csv_of(*rows: tuple[str, str, str, str]) -> bytes:
    return ("iccid,imsi,pin,puk\n" + "".join(",".join(row) + "\n" for row in rows)).encode()


@pytest.mark.spec("F-93")
def test_a_range_adds_the_missing_numbers_and_counts_those_present(operator_admin, actor_for):
    PoolNumber.objects.create(msisdn="+32470000005")
    PoolNumber.objects.create(msisdn="+32470000999", status=PoolNumber.Status.ASSIGNED)
    PoolNumber.objects.create(msisdn="+324700000051")  # longer number, sorts inside the range as text
    result = pool_import_range(actor=actor_for(operator_admin), first="+32470000000", last="+32 470 000 999")
    assert (result.created, result.skipped) == (998, 2)
    assert PoolNumber.objects.count() == 1001
    assert PoolNumber.objects.get(msisdn="+32470000999").status == PoolNumber.Status.ASSIGNED  # untouched
    event = AuditEvent.objects.get(action="pool.imported")
    assert event.after == {"first": "+32470000000", "last": "+32470000999", "created": 998, "skipped": 2}
    again = pool_import_range(actor=actor_for(operator_admin), first="+32470000000", last="+32470000999")
    assert (again.created, again.skipped) == (0, 1000)


@pytest.mark.spec("F-93", "R3")
@pytest.mark.parametrize(
    ("first", "last", "field", "words"),
    [
        ("+32470000999", "+32470000000", "last", "comes before"),
        ("+32470000000", f"+{32470000000 + MAX_RANGE}", "last", "at most 100,000"),
        ("0470 00 00 00", "+32470000999", "first", "international format"),
        ("+32470000000", "+3247000099", "last", "same number of digits"),
    ],
)
def test_a_bad_range_is_refused_on_its_field_and_nothing_is_added(operator_admin, actor_for, first, last, field, words):
    with pytest.raises(ActionError) as refused:
        pool_import_range(actor=actor_for(operator_admin), first=first, last=last)
    assert refused.value.field == field and words in str(refused.value.message)
    assert not PoolNumber.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.spec("F-93")
def test_the_largest_range_is_imported(operator_admin, actor_for):
    result = pool_import_range(actor=actor_for(operator_admin), first="+32480000000", last="+32480099999")
    assert (result.created, result.skipped) == (MAX_RANGE, 0)


@pytest.mark.spec("F-93", "F-21")
def test_a_sim_batch_goes_into_the_customers_stock(operator_admin, actor_for, customer):
    content = csv_of(
        (iccid(1), "206010000000001", "1234", "12345678"), (iccid(2), "206010000000002", "0000", "87654321")
    )
    assert sim_stock_import(actor=actor_for(operator_admin), content=content, customer=customer) == 2
    cards = SimCard.objects.order_by("iccid")
    assert [(c.customer, c.status, c.pin, c.puk) for c in cards] == [
        (customer, SimCard.Status.BLANK, "1234", "12345678"),
        (customer, SimCard.Status.BLANK, "0000", "87654321"),
    ]
    event = AuditEvent.objects.get(action="sim_stock.imported")
    assert event.customer == customer and event.after["count"] == 2
    assert "1234" not in str(event.after) and "12345678" not in str(event.after)  # never the PIN/PUK


@pytest.mark.spec("F-93", "R3")
def test_a_bad_luhn_row_is_reported_by_row_number_and_nothing_is_imported(operator_admin, actor_for):
    bad = iccid(3)[:-1] + str((int(iccid(3)[-1]) + 1) % 10)
    SimCard.objects.create(iccid=iccid(9), imsi="206010000000009", pin="1111", puk="11111111")
    content = csv_of(
        (iccid(1), "206010000000001", "1234", "12345678"),
        (bad, "206010000000003", "1234", "12345678"),
        (iccid(4), "206010000000004", "12", "12345678"),
        (iccid(9), "206010000000010", "1234", "12345678"),
        (iccid(1), "206010000000011", "1234", "12345678"),
    )
    with pytest.raises(SimRowsRefused) as refused:
        sim_stock_import(actor=actor_for(operator_admin), content=content, customer=None)
    rows = {error.row: error.message for error in refused.value.rows}
    assert sorted(rows) == [3, 4, 5, 6]
    assert "check digit" in rows[3] and bad in rows[3]
    assert "PIN" in rows[4]
    assert "in stock already" in rows[5]
    assert "earlier row" in rows[6]
    assert refused.value.field == "file" and "row 3:" in str(refused.value.message)
    assert SimCard.objects.count() == 1  # all or nothing
    assert not AuditEvent.objects.filter(action="sim_stock.imported").exists()


@pytest.mark.spec("F-93", "R3")
def test_a_file_without_the_columns_is_refused(operator_admin, actor_for):
    with pytest.raises(ActionError) as refused:
        sim_stock_import(actor=actor_for(operator_admin), content=b"number;code\n1;2\n", customer=None)
    assert refused.value.field == "file" and "iccid, imsi, pin, puk" in str(refused.value.message)


@pytest.mark.spec("F-93", "R3")
@pytest.mark.parametrize(
    "content",
    [
        b'iccid,imsi,pin,puk\n"8941,2060,1234\n',
        b"iccid,imsi,\xc3\r\xc3\x99pin,puk\n",
        b"iccid,imsi,pin,puk\na\rb,1,2,3\n",
    ],
)
def test_a_file_that_is_not_csv_is_refused_with_its_row(operator_admin, actor_for, content):
    """Found by fuzzing the staff API: a lone carriage return or quote was a 500."""
    with pytest.raises(ActionError) as refused:
        sim_stock_import(actor=actor_for(operator_admin), content=content, customer=None)
    assert refused.value.field == "file"
    assert SimCard.objects.count() == 0


@pytest.mark.spec("F-93", "R3")
def test_a_field_past_the_csv_limit_names_its_row(operator_admin, actor_for):
    content = b"iccid,imsi,pin,puk\n" + b"8" * 200_000 + b",1,2,3\n"
    with pytest.raises(ActionError) as refused:
        sim_stock_import(actor=actor_for(operator_admin), content=content, customer=None)
    assert str(refused.value.message) == "Row 2 cannot be read as CSV (check the quotes)."


@pytest.mark.spec("F-93")
def test_the_import_page_lists_the_refused_rows(client, operator_admin, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, operator_admin)
    bad = iccid(3)[:-1] + str((int(iccid(3)[-1]) + 1) % 10)
    upload = SimpleUploadedFile("batch.csv", csv_of((bad, "206010000000003", "1234", "12345678")), "text/csv")
    response = client.post("/staff/sim-cards/import/", {"file": upload, "customer": ""})
    assert response.status_code == 200
    assert [row.row for row in response.context["refused_rows"]] == [2]
    assert "1 rows are refused; nothing was imported." in response.content.decode()
    good = SimpleUploadedFile("batch.csv", csv_of((iccid(5), "206010000000005", "1234", "12345678")), "text/csv")
    assert client.post("/staff/sim-cards/import/", {"file": good, "customer": ""}).status_code == 302
    assert SimCard.objects.get().customer is None  # the operator's shared stock
    page = client.get("/staff/sim-cards/", {"owner": "shared", "q": iccid(5)[-6:]})
    assert [sim.iccid for sim in page.context["page"]] == [iccid(5)]
    unknown = SimpleUploadedFile("batch.csv", csv_of((iccid(6), "206010000000006", "1234", "12345678")), "text/csv")
    response = client.post("/staff/sim-cards/import/", {"file": unknown, "customer": "nobody"})
    assert response.status_code == 200 and "customer" in response.context["form"].errors
    assert SimCard.objects.count() == 1


@pytest.mark.spec("F-93")
def test_the_pool_page_imports_and_lists_with_filters(client, operator_admin, login):
    login(client, operator_admin)
    response = client.post("/staff/numbers/import/", {"first": "+32470000000", "last": "+32470000099"}, follow=True)
    assert "100 numbers were added to the pool; 0 were there already" in response.content.decode()
    page = client.get("/staff/numbers/", {"q": "0470 000 0 42", "status": "free"})
    assert [n.msisdn for n in page.context["page"]] == ["+32470000042"]
    response = client.post("/staff/numbers/import/", {"first": "+32470000099", "last": "+32470000000"})
    assert response.status_code == 200 and "last" in response.context["form"].errors
