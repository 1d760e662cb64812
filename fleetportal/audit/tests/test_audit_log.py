"""The audit log page (F-33): managers see their company's events, staff every company's;
filters by line, user, action and date; actions and before/after keys by their translated
names; the current filter as CSV, scoped alike; members refused."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone, translation

from fleetportal.core.models import AuditEvent, Channel, Customer

pytestmark = pytest.mark.django_db


def event(
    customer: Customer | None,
    action: str,
    *,
    label: str = "",
    who: str = "",
    channel: str = Channel.WEB,
    **kwargs: object,
) -> AuditEvent:
    return AuditEvent.objects.create(
        customer=customer,
        channel=channel,
        action=action,
        object_type="line",
        object_label=label,
        actor_label=who,
        **kwargs,
    )


def shown(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.spec("F-33", "S1")
def test_manager_sees_only_their_company(client, login, manager, customer, other_customer):
    event(customer, "line.suspend", label="+32470111111", who="manager@acme.example")
    event(other_customer, "line.stopped", label="+36301234567", who="admin@globex.example")
    login(client, manager)
    html = shown(client.get("/audit/"))
    assert "Line suspended" in html and "+32470111111" in html
    assert "Line stopped" not in html and "+36301234567" not in html
    # A customer parameter (the staff filter) does not widen a manager's view.
    html = shown(client.get("/audit/", {"customer": other_customer.pk}))
    assert "+36301234567" not in html and "+32470111111" in html


@pytest.mark.spec("F-33", "S2")
def test_member_is_refused(client, login, member, customer):
    event(customer, "line.suspend", label="+32470111111")
    login(client, member)
    assert client.get("/audit/").status_code == 403


@pytest.mark.spec("F-33")
def test_anonymous_goes_to_login(client):
    response = client.get("/audit/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.spec("F-33", "S1")
def test_staff_sees_all_and_filters_by_customer(client, login, staff, customer, other_customer):
    event(customer, "line.suspend", label="+32470111111")
    event(other_customer, "line.stopped", label="+36301234567")
    login(client, staff)
    html = shown(client.get("/audit/"))
    assert "+32470111111" in html and "+36301234567" in html
    assert "Globex Kft" in html  # the customer column
    html = shown(client.get("/audit/", {"customer": other_customer.pk}))
    assert "+36301234567" in html and "+32470111111" not in html


@pytest.mark.spec("F-33")
def test_filter_by_number_as_typed(client, login, manager, customer):
    event(customer, "line.suspend", label="+32470123456")
    event(customer, "line.suspend", label="+32470999999")
    login(client, manager)
    html = shown(client.get("/audit/", {"number": "0470 12 34 56"}))
    assert "+32470123456" in html and "+32470999999" not in html
    html = shown(client.get("/audit/", {"number": "999"}))  # a fragment of digits
    assert "+32470999999" in html and "+32470123456" not in html


@pytest.mark.spec("F-33")
def test_filter_by_user_and_action(client, login, manager, customer):
    event(customer, "line.suspend", label="+32470000011", who="marc@acme.example")
    event(customer, "line.stopped", label="+32470000022", who="hanne@acme.example")
    event(customer, "line.suspend", label="+32470000033", who="hanne@acme.example")
    login(client, manager)
    html = shown(client.get("/audit/", {"user": "HANNE@"}))
    assert "+32470000022" in html and "+32470000033" in html and "+32470000011" not in html
    html = shown(client.get("/audit/", {"user": "hanne", "action": "line.suspend"}))
    assert "+32470000033" in html and "+32470000022" not in html and "+32470000011" not in html
    # The drop-down offers the actions this company's log holds, by their names.
    assert '<option value="line.stopped">Line stopped</option>' in html


@pytest.mark.spec("F-33")
def test_filter_by_dates_in_the_users_calendar(client, login, manager, customer):
    old = event(customer, "line.suspend", label="+32470000044")
    new = event(customer, "line.suspend", label="+32470000055")
    # 23:30 local on 1 March is 22:30 UTC: it still belongs to 1 March.
    late_evening = timezone.make_aware(datetime(2026, 3, 1, 23, 30))
    AuditEvent.objects.filter(pk=old.pk).update(created_at=late_evening)
    AuditEvent.objects.filter(pk=new.pk).update(created_at=late_evening + timedelta(days=2))
    login(client, manager)
    html = shown(client.get("/audit/", {"date_from": "2026-03-01", "date_to": "2026-03-01"}))
    assert "+32470000044" in html and "+32470000055" not in html
    html = shown(client.get("/audit/", {"date_from": "2026-03-02"}))
    assert "+32470000055" in html and "+32470000044" not in html


@pytest.mark.spec("F-33", "R3")
def test_bad_filters_are_named_not_a_500(client, login, manager, customer):
    event(customer, "line.suspend", label="+32470000066")
    login(client, manager)
    html = shown(client.get("/audit/", {"date_from": "not a date", "action": "no.such.action"}))
    assert 'id="id_date_from_error"' in html and 'id="id_action_error"' in html
    html = shown(client.get("/audit/", {"date_from": "2026-03-05", "date_to": "2026-03-01"}))
    assert "The end date is before the start date." in html


@pytest.mark.spec("F-33")
def test_before_and_after_are_readable(client, login, manager, customer):
    event(
        customer,
        "line.plan_changed",
        label="+32470000077",
        before={"plan": "Mobile 1", "options": ["Data EU 5 GB", "Roaming World 1 GB"], "status": "active"},
        after={"plan": "Mobile Start", "options": ["Roaming World 1 GB"], "status": "active"},
    )
    login(client, manager)
    html = shown(client.get("/audit/"))
    assert "<del>Mobile 1</del> → <ins>Mobile Start</ins>" in html
    assert "<dt>tariff plan</dt><dd><del>Mobile 1</del>" in html
    assert "<del>Data EU 5 GB, Roaming World 1 GB</del> → <ins>Roaming World 1 GB</ins>" in html
    assert "<dt>status</dt>" not in html  # unchanged keys are left out


@pytest.mark.spec("F-33")
def test_pages_keep_the_filters(client, login, manager, customer):
    AuditEvent.objects.bulk_create(
        AuditEvent(customer=customer, channel=Channel.WEB, action="line.suspend", object_label=f"+3247000{i:04d}")
        for i in range(60)
    )
    event(customer, "line.stopped", label="+32470009999")
    login(client, manager)
    html = shown(client.get("/audit/", {"action": "line.suspend"}))
    assert "Page 1 of 2" in html
    assert "?action=line.suspend&amp;page=2" in html
    html = shown(client.get("/audit/", {"action": "line.suspend", "page": 2}))
    assert html.count('<td title="line.suspend">Line suspended</td>') == 10 and "+32470009999" not in html


# --- readable labels ------------------------------------------------------------------------------


@pytest.mark.spec("F-33")
def test_actions_show_by_name_sorted_in_the_drop_down(client, login, manager, customer):
    event(customer, "line.plan_changed", label="+32470000088")
    event(customer, "api_key.created", label="HR sync")
    event(customer, "login.failed", label="marc@acme.example")
    login(client, manager)
    html = shown(client.get("/audit/"))
    assert '<td title="line.plan_changed">Tariff plan changed</td>' in html
    assert '<td title="login.failed">Login failed</td>' in html
    assert ">line.plan_changed<" not in html and ">login.failed<" not in html
    options = re.findall(r'<option value="([a-z_.]+)">([^<]+)</option>', html)
    # The manager's own login (login.ok, code.sent, …) is in the log too: every name sorted.
    assert ("api_key.created", "API key created") in options and ("login.failed", "Login failed") in options
    assert [name for _code, name in options] == sorted((name for _code, name in options), key=str.casefold)


@pytest.mark.spec("F-33")
def test_an_unknown_action_is_humanised_not_an_error(client, login, manager, customer):
    event(customer, "fleet.lines_merged_v2", label="+32470000099", before={"odd_key": 1}, after={"odd_key": 2})
    login(client, manager)
    html = shown(client.get("/audit/"))
    assert '<td title="fleet.lines_merged_v2">Fleet lines merged v2</td>' in html
    assert "<dt>odd key</dt><dd><del>1</del> → <ins>2</ins></dd>" in html
    assert '<option value="fleet.lines_merged_v2">Fleet lines merged v2</option>' in html


@pytest.mark.spec("F-33")
def test_the_page_in_dutch_translates_the_labels(client, login, manager, customer):
    event(
        customer,
        "line.options_changed",
        label="+32470000010",
        before={"options": ["Data EU 5 GB"]},
        after={"options": []},
    )
    manager.language = "nl"
    manager.save()
    login(client, manager)
    html = shown(client.get("/audit/"))
    with translation.override("nl"):
        options, changed = translation.gettext("options"), translation.gettext("Options changed")
    assert options != "options"  # the catalogue has it: the key really is translated
    assert f"<dt>{options}</dt>" in html
    assert f'<td title="line.options_changed">{changed}</td>' in html


# --- CSV export -----------------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content[:500]
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


HEADER = ["Time (UTC)", "Customer", "Who", "Channel", "Action code", "Action", "On", "Before", "After"]


@pytest.mark.spec("F-33", "S1")
def test_csv_export_holds_the_managers_company_only(client, login, manager, customer, other_customer):
    acme = event(
        customer,
        "line.plan_changed",
        label="+32470111111",
        who="manager@acme.example",
        before={"plan": "Mobile 1"},
        after={"plan": "Mobile Start"},
    )
    AuditEvent.objects.filter(pk=acme.pk).update(created_at=timezone.make_aware(datetime(2026, 3, 1, 23, 30)))
    event(other_customer, "line.stopped", label="+36301234567", who="admin@globex.example")
    login(client, manager)
    rows = csv_rows(client.get("/audit/", {"format": "csv", "action": "line.plan_changed"}))
    assert rows[0] == HEADER
    assert rows[1:] == [
        [
            "2026-03-01T22:30:00+00:00",  # 23:30 in Brussels
            "Acme Belgium NV",
            "manager@acme.example",
            "Web",
            "line.plan_changed",
            "Tariff plan changed",
            "'+32470111111",
            '{"plan": "Mobile 1"}',
            '{"plan": "Mobile Start"}',
        ]
    ]
    # The whole log, and another company's id as a filter: still Acme's rows only.
    text = str(csv_rows(client.get("/audit/", {"format": "csv", "customer": other_customer.pk})))
    assert "+32470111111" in text and "Globex" not in text and "+36301234567" not in text


@pytest.mark.spec("F-33", "S1")
def test_csv_export_of_another_company_never_holds_acmes_rows(client, login, other_holder, customer, other_customer):
    event(customer, "line.suspend", label="+32470111111", who="manager@acme.example")
    event(other_customer, "line.stopped", label="+36301234567", who="admin@globex.example")
    login(client, other_holder)
    rows = csv_rows(client.get("/audit/", {"format": "csv", "customer": customer.pk}))
    assert {row[1] for row in rows[1:]} == {"Globex Kft"}
    assert "'+36301234567" in [row[6] for row in rows] and "+32470111111" not in str(rows)


@pytest.mark.spec("F-33", "S1")
def test_staff_export_every_company_or_the_one_filtered(client, login, staff, customer, other_customer):
    event(customer, "line.suspend", label="+32470111111")
    event(other_customer, "line.stopped", label="+36301234567")
    login(client, staff)
    customers = {row[1] for row in csv_rows(client.get("/audit/", {"format": "csv"}))[1:]}
    assert {"Acme Belgium NV", "Globex Kft"} <= customers
    rows = csv_rows(client.get("/audit/", {"format": "csv", "customer": other_customer.pk}))[1:]
    assert rows and {row[1] for row in rows} == {"Globex Kft"}


@pytest.mark.spec("F-33", "S2")
def test_a_member_gets_no_export(client, login, member, customer):
    event(customer, "line.suspend", label="+32470111111")
    login(client, member)
    assert client.get("/audit/", {"format": "csv"}).status_code == 403


@pytest.mark.spec("F-33", "S11")
def test_csv_cells_that_would_be_formulas_are_neutralised(client, login, manager, customer):
    event(customer, "tag.created", label='=HYPERLINK("http://evil.example")', who="@SUM(A1)", after={"name": "-2+3"})
    event(customer, "tag.created", label="\tTAB", who="\rCR")
    login(client, manager)
    rows = csv_rows(client.get("/audit/", {"format": "csv", "action": "tag.created"}))[1:]
    cells = {(row[2], row[6]) for row in rows}
    assert cells == {("'@SUM(A1)", '\'=HYPERLINK("http://evil.example")'), ("'\rCR", "'\tTAB")}
    assert '{"name": "-2+3"}' in [row[8] for row in rows]  # JSON starts with "{": nothing to run


@pytest.mark.spec("F-33", "R3")
@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"date_from": "2026-03-05", "date_to": "2026-03-01"}, "date_to"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_to": "2026-02-30"}, "date_to"),
        ({"action": "no.such.action"}, "action"),
    ],
)
def test_a_bad_filter_shows_the_form_error_instead_of_a_file(client, login, manager, customer, filters, field):
    event(customer, "line.suspend", label="+32470000066")
    login(client, manager)
    response = client.get("/audit/", {"format": "csv", **filters})
    html = shown(response)
    assert response["Content-Type"].startswith("text/html")
    assert f'id="id_{field}_error"' in html
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


@pytest.mark.spec("F-33", "S13")
def test_the_export_is_audited_with_its_filter(client, login, manager, customer):
    event(customer, "line.suspend", label="+32470000066")
    login(client, manager)
    csv_rows(client.get("/audit/", {"format": "csv", "action": "line.suspend", "date_from": "2026-01-01"}))
    exported = AuditEvent.objects.get(action="audit.exported")
    assert (exported.customer, exported.actor_label) == (customer, "manager@acme.example")
    assert exported.after == {"format": "csv", "events": 1, "action": "line.suspend", "date_from": "2026-01-01"}


@pytest.mark.spec("F-33")
def test_the_page_offers_the_download_of_its_filter(client, login, manager, customer):
    event(customer, "line.suspend", label="+32470000066")
    login(client, manager)
    html = shown(client.get("/audit/", {"action": "line.suspend", "page": "1"}))
    assert 'href="?action=line.suspend&amp;format=csv"' in html
