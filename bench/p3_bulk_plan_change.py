"""P3: tariff plan change, then an options change, on 10,000 lines in one bulk action each,
audit rows and provisioning requests (the network's outbox) included.

Runs on a fresh SQLite file and, when DATABASE_URL names a PostgreSQL server, on a database
created there for the run (see harness). The jobs the actions queue are only queued (no worker
runs them during the timing). Prints seconds and queries per action for 1,000 and 10,000 lines,
and the ratio of the query counts at the two sizes (1.00: independent of the number of lines).
Goal (QUALITY P3): ≤ 5 s for 10,000 lines; the query count independent of the number of lines.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

import harness

SIZES = (1_000, 10_000)
GOAL_SECONDS = 5.0


@contextmanager
def counted_queries() -> Iterator[list[int]]:
    """Counts statements without Django's debug cursor (which would format 10,000-id queries)."""
    from django.db import connection

    count = [0]

    def count_one(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count_one):
        yield count


def fleet_of(size: int, serial: int):  # type: ignore[no-untyped-def]
    """A customer whose contract retains the catalogue, a manager, and `size` ACTIVE lines on
    Mobile Start with Voice National 100 (not for Mobile Europe) and Roaming World 1 GB."""
    from fleetportal.accounts.models import Membership, Role, User
    from fleetportal.billing.models import BillingAccount
    from fleetportal.catalog.demo import load_catalogue, retain_for
    from fleetportal.catalog.models import Option, TariffPlan
    from fleetportal.core.actor import Actor
    from fleetportal.core.models import Contract, Customer
    from fleetportal.fleet.iccid import luhn_check_digit
    from fleetportal.fleet.models import Line, LineOption, SimCard

    load_catalogue()
    customer = Customer.objects.create(name=f"Bench {serial} NV", login_domain=f"bench{serial}")
    contract = Contract.objects.create(
        customer=customer, number=f"BENCH-{serial}", start_date="2024-01-01", contact_email="fleet@bench.example"
    )
    retain_for(contract)
    account = BillingAccount.objects.create(customer=customer, contract=contract, number=f"9{serial:02d}0000000")
    user = User.objects.create_user(f"manager{serial}@bench.example")
    membership = Membership.objects.create(
        user=user, customer=customer, role=Role.MANAGER, status=Membership.Status.VALIDATED
    )
    start = TariffPlan.objects.get(code="mobile-start")
    sims = SimCard.objects.bulk_create(
        [
            SimCard(
                iccid=(body := f"89329{serial:02d}{n:011d}") + luhn_check_digit(body),
                imsi=f"2069{serial:02d}{n:09d}",
                customer=customer,
                status=SimCard.Status.IN_USE,
                pin="1234",
                puk="12345678",
            )
            for n in range(size)
        ],
        batch_size=2000,
    )
    lines = Line.objects.bulk_create(
        [
            Line(
                customer=customer,
                msisdn=f"+3247{serial}{n:06d}",
                sim=sim,
                status=Line.Status.ACTIVE,
                plan=start,
                billing_account=account,
                first_name=f"Employee{n}",
                last_name="Bench",
            )
            for n, sim in enumerate(sims)
        ],
        batch_size=2000,
    )
    options = list(Option.objects.filter(code__in=["voice-national-100", "roaming-world-1gb"]))
    LineOption.objects.bulk_create(
        [LineOption(line=line, option=option) for line in lines for option in options], batch_size=2000
    )
    actor = Actor(user=user, membership=membership)
    return actor, lambda: list(Line.objects.filter(customer=customer).order_by("pk"))


def measure(action: Callable[[], object]) -> tuple[float, int]:
    with counted_queries() as count:
        started = time.perf_counter()
        action()
        seconds = time.perf_counter() - started
    return seconds, count[0]


def main(backend: str) -> None:
    from huey.contrib.djhuey import HUEY

    from fleetportal.catalog.models import Option, TariffPlan
    from fleetportal.core.models import AuditEvent
    from fleetportal.fleet.actions import lines_change_options, lines_change_plan
    from fleetportal.network.models import ProvisioningRequest

    HUEY.immediate = False  # queue the delivery jobs, as in production; no worker runs them here
    print(f"P3 bulk plan + options change, {backend}")
    europe = TariffPlan.objects.none()
    figures: dict[int, dict[str, tuple[float, int]]] = {}
    for serial, size in enumerate(SIZES, start=1):
        started = time.perf_counter()
        actor, selection = fleet_of(size, serial)
        print(f"  data: {size:,} lines in {time.perf_counter() - started:.1f} s")
        europe = TariffPlan.objects.get(code="mobile-europe")
        add = list(Option.objects.filter(code="data-national-10gb"))
        remove = list(Option.objects.filter(code="roaming-world-1gb"))
        audit_before, requests_before = AuditEvent.objects.count(), ProvisioningRequest.objects.count()
        figures[size] = {
            "load selection": measure(selection),
            "plan change": measure(partial(lines_change_plan, actor=actor, lines=selection(), plan=europe)),
            "options change": measure(
                partial(lines_change_options, actor=actor, lines=selection(), add=add, remove=remove)
            ),
        }
        audit = AuditEvent.objects.count() - audit_before
        requests = ProvisioningRequest.objects.count() - requests_before
        assert audit == requests == 2 * size, (audit, requests)
        print(f"  {size:>6,} lines: {audit:,} audit rows and {requests:,} provisioning requests written")
        for name, (seconds, queries) in figures[size].items():
            print(f"    {name:<15} {seconds:7.2f} s   {queries:4d} queries")
    big = figures[SIZES[-1]]
    total = big["plan change"][0] + big["options change"][0]
    verdict = "within" if max(big["plan change"][0], big["options change"][0]) <= GOAL_SECONDS else "OVER"
    print(
        f"  10,000 lines: plan {big['plan change'][0]:.2f} s, options {big['options change'][0]:.2f} s "
        f"(each {verdict} the goal of {GOAL_SECONDS:.0f} s; both {total:.2f} s)"
    )
    small, large = SIZES
    for name in ("plan change", "options change"):
        few, many = figures[small][name][1], figures[large][name][1]
        growth = "independent of the number of lines" if few == many else "GROWING with the number of lines"
        print(
            f"  queries for {name}: {small:,} lines: {few}, {large:,} lines: {many}, "
            f"ratio {many / few:.2f} for {large // small}x the lines ({growth})"
        )


if __name__ == "__main__":
    harness.run(main)
