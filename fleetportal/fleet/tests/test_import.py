"""Lines from a CSV file (F-32): the template, upload checks (S10), a dry run with an error per
row that changes nothing, an all-or-nothing apply that checks again, progress, tenancy (S1);
the parser never fails on any text (R3, hypothesis)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from huey.contrib.djhuey import HUEY
from hypothesis import given, settings
from hypothesis import strategies as st

from fleetportal.accounts.models import Membership
from fleetportal.core.models import AuditEvent
from fleetportal.fleet.actions.imports import import_job_run, progress_key
from fleetportal.fleet.imports import COLUMNS, MAX_BYTES, UploadError, parse_csv, read_upload
from fleetportal.fleet.models import ImportJob, Line, PoolNumber, SimCard, Tag
from fleetportal.fleet.tests.csv_rows import good_rows, make_csv
from fleetportal.fleet.tests.factories import SimCardFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """A POST whose worker jobs run when its transaction commits, as the worker would."""

    def post(url: str, data: dict | None = None, **kwargs):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {}, **kwargs)

    return post


def upload(post, data: bytes, name: str = "employees.csv"):  # type: ignore[no-untyped-def]
    return post("/fleet/import/", {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def uploaded_job(post, data: bytes) -> ImportJob:  # type: ignore[no-untyped-def]
    response = upload(post, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ImportJob.objects.get()
    assert response["Location"] == f"/fleet/import/{job.pk}/"
    return job


def nothing_changed() -> None:
    assert not Line.objects.exists()
    assert not SimCard.objects.exclude(status=SimCard.Status.BLANK).exists()
    assert not PoolNumber.objects.exclude(status=PoolNumber.Status.FREE).exists()
    assert not Tag.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["line.added", "lines.imported", "tag.created"]).exists()


@pytest.mark.spec("F-32")
def test_template_has_the_wizards_columns(client, login, manager):
    login(client, manager)
    assert 'href="/fleet/import/"' in client.get("/fleet/lines/").content.decode()  # reached from the overview
    assert 'href="/fleet/import/template.csv"' in client.get("/fleet/import/").content.decode()
    response = client.get("/fleet/import/template.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="fleet-import-template.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    header = next(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert header == COLUMNS
    assert {"iccid", "plan", "options", "billing_account", "number", "port_in_operator", "tags"} <= set(header)
    # The template (with its example row) reads without a file-level error.
    assert len(parse_csv(read_upload(response.content))) == 1


@pytest.mark.spec("F-32", "R3")
def test_dry_run_then_apply(client, login, manager, stock, customer, post):
    login(client, manager)
    job = uploaded_job(post, make_csv(good_rows(stock)))
    job.refresh_from_db()
    assert (job.status, job.errors, job.total) == (ImportJob.Status.CHECKED, {}, 2)
    nothing_changed()  # the dry run ran every row through line_add and rolled back
    page = client.get(f"/fleet/import/{job.pk}/").content.decode()
    assert page.count('<span class="import-ok">ok</span>') == 2
    assert "Apply: add 2 SIM cards" in page

    response = post(f"/fleet/import/{job.pk}/apply/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.created) == (ImportJob.Status.DONE, 2)
    lotte = Line.objects.get(last_name="Peeters")
    assert lotte.status == Line.Status.PENDING and lotte.customer == customer
    assert lotte.msisdn in ("+32499000001", "+32499000002")  # a new number from the pool
    assert lotte.plan.code == "mobile-start" and lotte.civility == "ms" and lotte.language == "nl"
    assert lotte.email == "lotte.peeters@example.com" and lotte.contact_phone == "+32470123456"
    assert str(lotte.birth_date) == "1988-04-17"
    assert sorted(lotte.options.values_list("code", flat=True)) == ["data-eu-5gb", "roaming-world-1gb"]
    assert sorted(lotte.tags.values_list("name", flat=True)) == ["Field team", "Sales"]
    jens = Line.objects.get(last_name="Maes")
    assert (jens.msisdn, jens.donor_operator, jens.donor_account) == ("+32475998877", "Proximus", "PX-1234")
    assert SimCard.objects.filter(status=SimCard.Status.IN_USE).count() == 2
    assert AuditEvent.objects.filter(action="line.added").count() == 2
    imported = AuditEvent.objects.get(action="lines.imported")
    assert imported.actor == manager and imported.after == {"file": "employees.csv", "lines": 2}
    assert "2 SIM cards were added" in client.get(f"/fleet/import/{job.pk}/").content.decode()


@pytest.mark.spec("F-32", "R3")
def test_every_bad_row_is_named_and_nothing_changes(client, login, manager, stock, make_line, plans, post):
    first, second = stock
    used = make_line()  # its SIM is in use
    rows = [
        {"iccid": "8932 0000 0000 0000 001", "plan": "mobile-start"},  # check digit wrong
        {"iccid": used.sim.iccid, "plan": "mobile-start"},
        {"iccid": first.iccid, "plan": "Mobile Ultra"},
        {"iccid": first.iccid, "plan": "mobile-europe", "options": "voice-national-100"},
        {"iccid": second.iccid, "plan": "mobile-start", "birth_date": "31/02/1990"},
        {"iccid": SimCardFactory.create(customer=None).iccid, "plan": "mobile-start", "email": "not-an-address"},
        {"iccid": "", "plan": "", "first_name": "Anna"},
    ]
    login(client, manager)
    job = uploaded_job(post, make_csv(rows))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    errors = {int(line): problems for line, problems in job.errors.items()}
    assert errors[2][0][0] == "iccid" and "check digit" in errors[2][0][1]
    assert errors[3] == [["iccid", "This SIM card is already in use."]]
    assert errors[4] == [["plan", "Unknown tariff plan “Mobile Ultra”."]]
    assert errors[5] == [["iccid", "This SIM card is in the file twice (line 4)."]]
    assert errors[6] == [["birth_date", "Write the date as YYYY-MM-DD or DD/MM/YYYY."]]
    assert errors[7] == [["email", "Enter a valid e-mail address."]]
    assert sorted(column for column, _message in errors[8]) == ["iccid", "plan"]
    nothing_changed_but_the_fixture = Line.objects.count() == 1
    assert nothing_changed_but_the_fixture
    page = client.get(f"/fleet/import/{job.pk}/", {"errors": "1"}).content.decode()
    assert "7 rows have errors" in page and "Apply:" not in page
    assert "<code>plan</code>: Unknown tariff plan “Mobile Ultra”." in page
    # Applying anyway is refused.
    post(f"/fleet/import/{job.pk}/apply/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED and Line.objects.count() == 1


@pytest.mark.spec("F-32", "F-29", "R-F2")
def test_an_option_not_applicable_to_the_plan(client, login, manager, stock, post):
    first, _second = stock
    login(client, manager)
    job = uploaded_job(
        post, make_csv([{"iccid": first.iccid, "plan": "mobile-europe", "options": "voice-national-100"}])
    )
    job.refresh_from_db()
    ((column, message),) = job.errors["2"]
    assert column == "options" and "does not apply to the plan Mobile Europe" in message


@pytest.mark.spec("F-32", "R2")
def test_apply_checks_again_and_is_all_or_nothing(client, login, manager, stock, post):
    first, second = stock
    login(client, manager)
    job = uploaded_job(post, make_csv(good_rows(stock)))
    # Between the check and "Apply" the second card is used by the wizard elsewhere.
    SimCard.objects.filter(pk=second.pk).update(status=SimCard.Status.IN_USE)
    post(f"/fleet/import/{job.pk}/apply/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.errors == {"3": [["iccid", "This SIM card is already in use."]]}
    assert not Line.objects.exists()  # the first row, fine on its own, was not imported either
    assert SimCard.objects.get(pk=first.pk).status == SimCard.Status.BLANK
    assert not PoolNumber.objects.exclude(status=PoolNumber.Status.FREE).exists()
    page = client.get(f"/fleet/import/{job.pk}/").content.decode()
    assert "Nothing was imported" in page


@pytest.mark.spec("F-32", "R2")
def test_apply_twice_imports_once(client, login, manager, stock, post):
    login(client, manager)
    job = uploaded_job(post, make_csv(good_rows(stock)))
    post(f"/fleet/import/{job.pk}/apply/")
    response = post(f"/fleet/import/{job.pk}/apply/", follow=True)
    assert "already imported or being imported" in response.content.decode()
    assert Line.objects.count() == 2


@pytest.mark.spec("F-32", "S10", "R3")
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04" + b"\x00" * 100, "This is not a CSV text file."),
        (b"\x89PNG\r\n\x1a\n" + b"\x01" * 50, "This is not a CSV text file."),
        ("iccid;plan\n8932;Mobile Équipe\n".encode("latin-1"), "The file is not UTF-8 text (line 2)."),
        (b"", "The submitted file is empty."),
        (b" \r\n\r\n", "The file is empty."),
        (b"iccid;description\n89;x\n", "The column “plan” is missing."),
        (b"iccid;plan;salary\n89;x;1\n", "Unknown column “salary”."),
        (b"iccid;plan\n", "The file has a header but no rows to import."),
        (b"iccid;plan\n89;x\x07\n", "This is not a CSV text file."),
    ],
)
def test_unreadable_files_are_refused_whole(client, login, manager, catalogue, data, message, post):
    login(client, manager)
    response = upload(post, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'id="id_file_error"' in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.spec("F-32", "S10")
def test_size_cap(client, login, manager, catalogue, post):
    login(client, manager)
    big = b"iccid;plan\n" + b"8932;mobile-start\n" * (MAX_BYTES // 17 + 1)
    assert len(big) > MAX_BYTES
    response = upload(post, big)
    assert "The file is larger than 5 MB" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.spec("F-32")
def test_comma_separated_with_bom_and_excel_trailing_rows(client, login, manager, stock, post):
    login(client, manager)
    data = make_csv(good_rows(stock), delimiter=",", bom=True) + b",,,,,,,,,,,,,,,\r\n"
    job = uploaded_job(post, data)
    job.refresh_from_db()
    assert (job.status, job.total, job.errors) == (ImportJob.Status.CHECKED, 2, {})


@pytest.mark.spec("F-32", "S1")
def test_another_customers_job_and_stock(client, login, manager, other_holder, stock, other_customer, post):
    login(client, manager)
    job = uploaded_job(post, make_csv(good_rows(stock)))
    client.logout()
    login(client, other_holder)
    assert client.get(f"/fleet/import/{job.pk}/").status_code == 404
    assert client.get(f"/fleet/import/{job.pk}/progress/").status_code == 404
    assert post(f"/fleet/import/{job.pk}/apply/").status_code == 404
    assert ImportJob.objects.get().status == ImportJob.Status.CHECKED
    # Acme's blank cards are not in Globex's stock.
    other_job = uploaded_job_of(post, make_csv([{"iccid": stock[0].iccid, "plan": "mobile-start"}]), other_customer)
    assert other_job.errors["2"] == [["iccid", "This SIM card is not in your stock."]]


def uploaded_job_of(post, data: bytes, customer) -> ImportJob:  # type: ignore[no-untyped-def]
    assert upload(post, data).status_code == 302
    return ImportJob.objects.get(customer=customer)


@pytest.mark.spec("F-32", "S2")
def test_member_may_not_import(client, login, member):
    login(client, member)
    assert client.get("/fleet/import/").status_code == 403
    assert client.get("/fleet/import/template.csv").status_code == 403


@pytest.mark.spec("F-32")
def test_progress_is_polled_while_running(client, login, manager, customer):
    job = ImportJob.objects.create(
        customer=customer, created_by=manager, file_name="big.csv", content="", total=5000, status="applying"
    )
    HUEY.put(progress_key(job.pk), 1200)
    login(client, manager)
    page = client.get(f"/fleet/import/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and '<progress value="1200" max="5000">' in page
    assert "1200 of 5000 rows" in page
    partial = client.get(f"/fleet/import/{job.pk}/progress/")
    assert "HX-Refresh" not in partial and 'hx-trigger="every 1s"' in partial.content.decode()
    ImportJob.objects.filter(pk=job.pk).update(status="done", done=5000)
    partial = client.get(f"/fleet/import/{job.pk}/progress/")
    assert partial["HX-Refresh"] == "true" and "hx-trigger" not in partial.content.decode()
    HUEY.get(progress_key(job.pk))


@pytest.mark.spec("F-32", "R3")
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_parser_never_fails_on_any_text(text):
    try:
        rows = parse_csv(text)
    except UploadError as exc:
        assert exc.field == "file" and str(exc.message)
        return
    for row in rows:
        assert set(COLUMNS) <= set(row.values)
        assert all(error.column in ("", *COLUMNS) and error.message for error in row.errors)


@pytest.mark.spec("F-32", "S10", "R3")
@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_upload_reader_never_fails_on_any_bytes(data):
    try:
        text = read_upload(data)
    except UploadError as exc:
        assert str(exc.message)
        return
    assert "\x00" not in text and not text.startswith("\ufeff")


@pytest.mark.spec("F-32", "R3")
@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30), max_size=20),
        max_size=8,
    )
)
def test_rows_of_any_cells_give_row_errors_only(cells):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["iccid", "plan", "birth_date", "number", "port_in_operator"])
    writer.writerows(cells)
    try:
        rows = parse_csv(out.getvalue())
    except UploadError as exc:
        assert "no rows" in str(exc.message)  # only when every row was blank
        return
    assert all(row.number >= 2 for row in rows)


@pytest.mark.spec("F-32", "S2")
def test_the_job_acts_with_the_uploaders_rights_of_now(client, login, manager, stock, post):
    """Rights are checked when the worker runs, not only at the click: a manager disabled in
    between imports nothing (and the job never runs with the portal's own all-customer rights)."""
    login(client, manager)
    job = uploaded_job(post, make_csv(good_rows(stock)))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.APPLYING)  # "Apply" was clicked
    Membership.objects.filter(user=manager).update(status=Membership.Status.DISABLED)
    job = import_job_run(job_id=job.pk, apply=True)
    assert job.status == ImportJob.Status.FAILED
    assert job.errors == {"0": [["", "The person who uploaded this file may no longer manage SIM cards."]]}
    nothing_changed()
