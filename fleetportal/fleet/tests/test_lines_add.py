"""Adding many lines at once (F-21, F-32, DESIGN rule 4): `lines_add` is the one implementation,
`line_add` (the wizard's and the API's action) its one-line case. Many lines at once give what
the same lines gave one by one (lines, options, cards, numbers, audit rows, domain events), in
the same statements for 3 or 30 lines (QUALITY P3), all or nothing with each refused line named
by the message `line_add` gives it (R2, R3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from fleetportal.billing.models import BillingAccount, SplitBillProfile
from fleetportal.catalog.models import Option, TariffPlan
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.core.models import AuditEvent, Customer, DomainEvent
from fleetportal.fleet.actions import LineDetails, LinesRefused, NewLine, NewNumber, PortIn, line_add, lines_add
from fleetportal.fleet.models import Line, PoolNumber, SimCard
from fleetportal.fleet.tests.factories import PoolNumberFactory, SimCardFactory, make_iccid

pytestmark = pytest.mark.spec("F-21", "F-32")


def snapshot(customer: Customer) -> dict[str, Any]:
    """What adding lines leaves behind, without ids and times."""
    skip = {"id", "created_at", "updated_at", "sim"}
    lines = {
        str(line.sim): {
            **{f.attname: getattr(line, f.attname) for f in Line._meta.concrete_fields if f.name not in skip},
            "options": sorted(line.options.values_list("code", flat=True)),
        }
        for line in Line.objects.filter(customer=customer).select_related("sim")
    }
    audit = sorted(
        (e.object_label, e.actor_id, e.channel, e.customer_id, e.before, sorted(e.after.items()))
        for e in AuditEvent.objects.filter(action="line.added")
    )
    events = sorted(
        (e.customer_id, e.object_type, sorted(e.data.items())) for e in DomainEvent.objects.filter(name="line.added")
    )
    return {
        "lines": lines,
        "audit": audit,
        "events": events,
        "sims": sorted(SimCard.objects.values_list("iccid", "status", "customer_id")),
        "numbers": sorted(PoolNumber.objects.values_list("msisdn", "status")),
    }


@pytest.fixture
def new_lines(
    customer: Customer,
    plans: dict[str, TariffPlan],
    options: dict[str, Option],
    account: BillingAccount,
    blank_sim: Callable[..., SimCard],
) -> list[NewLine]:
    """Four lines as the wizard gives them: the first free number with a split-bill profile and
    every detail, a chosen number on an operator's card, a port-in on an eSIM, the next free one."""
    for n in (1, 2, 3):
        PoolNumberFactory.create(msisdn=f"+3249900000{n}")
    profile = SplitBillProfile.objects.create(customer=customer, name="Employee pays data")
    start, europe = plans["mobile-start"], plans["mobile-europe"]
    return [
        NewLine(
            iccid=blank_sim().iccid,
            details=LineDetails(
                description="Account manager",
                civility="ms",
                first_name="Lotte",
                last_name="Peeters",
                birth_date=date(1988, 4, 17),
                email="Lotte.Peeters@Example.com",
                contact_phone="0470 12 34 56",
                language="nl",
                postal_code="9000",
                locality="Gent",
            ),
            plan=start,
            options=[options["data-eu-5gb"], options["roaming-world-1gb"], options["data-eu-5gb"]],
            billing_account=account,
            number_choice=NewNumber(),
            split_bill_profile=profile,
        ),
        NewLine(
            iccid=SimCardFactory.create(customer=None).iccid,
            details=LineDetails(first_name="Ann"),
            plan=europe,
            options=[],
            billing_account=account,
            number_choice=NewNumber(msisdn="0499 00 00 03"),
        ),
        NewLine(
            iccid=blank_sim(esim=True).iccid,
            details=LineDetails(last_name="Maes"),
            plan=europe,
            options=[],
            billing_account=account,
            number_choice=PortIn(msisdn="0475 99 88 77", donor_operator=" Proximus ", donor_sim="8932"),
        ),
        NewLine(
            iccid=blank_sim().iccid,
            details=LineDetails(),
            plan=start,
            options=[options["roaming-world-1gb"]],
            billing_account=account,
            number_choice=NewNumber(),
        ),
    ]


def one_by_one(actor: Actor, new: list[NewLine]) -> list[Line]:
    return [line_add(actor=actor, **new_line.__dict__) for new_line in new]


@pytest.mark.spec("F-21", "F-32", "P3")
def test_many_lines_at_once_give_what_line_add_gives_one_by_one(
    manager_actor: Actor, customer: Customer, new_lines: list[NewLine]
) -> None:
    with transaction.atomic():
        one_by_one(manager_actor, new_lines)
        expected = snapshot(customer)
        transaction.set_rollback(True)
    assert not Line.objects.exists() and len(expected["lines"]) == len(expected["events"]) == 4

    added = lines_add(actor=manager_actor, lines=new_lines)
    assert snapshot(customer) == expected
    assert [line.msisdn for line in added] == ["+32499000001", "+32499000003", "+32475998877", "+32499000002"]
    # The lines answered are the lines stored, as `Line.objects.create` answered them.
    for line in added:
        stored = Line.objects.get(pk=line.pk)
        assert {f.attname: getattr(line, f.attname) for f in Line._meta.concrete_fields} == {
            f.attname: getattr(stored, f.attname) for f in Line._meta.concrete_fields
        }
        assert line.sim is not None and line.sim.status == SimCard.Status.IN_USE and line.sim.customer_id == customer.pk
        assert not line._state.adding


@pytest.mark.spec("F-21", "P3")
def test_adding_many_lines_costs_the_same_statements_as_a_few(
    manager_actor: Actor,
    plans: dict[str, TariffPlan],
    options: dict[str, Option],
    account: BillingAccount,
    blank_sim: Callable[..., SimCard],
    django_assert_max_num_queries,
) -> None:
    def new(n: int, offset: int) -> list[NewLine]:
        for k in range(n):
            PoolNumberFactory.create(msisdn=f"+32499300{offset + k:03d}")
        return [
            NewLine(
                iccid=blank_sim().iccid,
                details=LineDetails(last_name=f"N{k}"),
                plan=plans["mobile-start"],
                options=[options["roaming-world-1gb"]],
                billing_account=account,
                number_choice=NewNumber(),
            )
            for k in range(n)
        ]

    few, many = new(3, 0), new(30, 100)
    with CaptureQueriesContext(connection) as for_few:
        lines_add(actor=manager_actor, lines=few)
    with django_assert_max_num_queries(len(for_few)) as for_many:
        assert len(lines_add(actor=manager_actor, lines=many)) == 30
    inserts = [query["sql"] for query in for_many.captured_queries if query["sql"].startswith("INSERT")]
    assert sum('"fleet_line"' in sql for sql in inserts) == sum('"core_auditevent"' in sql for sql in inserts) == 1
    assert Line.objects.filter(status=Line.Status.PENDING).count() == 33


@pytest.mark.spec("R2", "R3")
def test_a_refused_line_adds_none_and_each_is_named_as_line_add_names_it(
    manager_actor: Actor, customer: Customer, new_lines: list[NewLine], make_line: Callable[..., Line]
) -> None:
    in_use = SimCardFactory.create(customer=customer, status=SimCard.Status.IN_USE)
    make_line(msisdn="+32475998877")  # the port-in's number is a line already
    good, chosen, porting, _last = new_lines
    bad = [
        good,
        NewLine(**{**good.__dict__, "iccid": make_iccid(424_242)[:-1]}),  # not a card number
        NewLine(**{**good.__dict__, "iccid": in_use.iccid}),
        chosen,
        porting,
    ]
    before = snapshot(customer)

    with pytest.raises(LinesRefused) as refused:
        lines_add(actor=manager_actor, lines=bad)
    assert sorted(refused.value.problems) == [1, 2, 4]
    assert snapshot(customer) == before  # nothing taken, nothing written
    for index, problem in refused.value.problems.items():
        with pytest.raises(ActionError) as alone:
            line_add(actor=manager_actor, **bad[index].__dict__)
        assert (problem.field, str(problem.message)) == (alone.value.field, str(alone.value.message))
        assert type(alone.value) is ActionError  # `line_add` refuses with the line's problem itself
    assert (refused.value.field, refused.value.message) == (
        refused.value.problems[1].field,
        refused.value.problems[1].message,
    )


def test_two_lines_asking_for_one_card_or_number(
    manager_actor: Actor, new_lines: list[NewLine], customer: Customer
) -> None:
    first, chosen, _porting, _last = new_lines
    with pytest.raises(LinesRefused) as refused:
        lines_add(
            actor=manager_actor,
            lines=[first, NewLine(**{**first.__dict__, "number_choice": NewNumber()}), chosen, chosen],
        )
    messages = {index: str(problem.message) for index, problem in refused.value.problems.items()}
    assert messages == {1: "This SIM card is already in use.", 3: "This SIM card is already in use."}
    assert not Line.objects.exists()
