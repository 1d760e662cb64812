"""Invoice numbers: gap-free per year, given back on rollback, never shared by parallel runs."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

import pytest
from django.db import OperationalError, connection, transaction

from fleetportal.invoicing.models import InvoiceNumber
from fleetportal.invoicing.numbers import communication_for, format_number, take_number, take_numbers

pytestmark = pytest.mark.spec("F-60")


@pytest.mark.django_db
def test_numbers_follow_each_other_per_year_and_fit_the_column() -> None:
    with transaction.atomic():
        assert take_number(2026) == (1, "2026/000001")
        assert take_number(2026) == (2, "2026/000002")
        assert take_number(2027) == (1, "2027/000001")
        assert list(take_numbers(2026, 3)) == [3, 4, 5]
    assert len(format_number(2026, 10**7)) <= 20
    assert int(communication_for(2026, 123)[:10]) == 2026000123


@pytest.mark.django_db
def test_a_rolled_back_invoice_gives_its_number_back() -> None:
    with transaction.atomic():
        take_number(2026)
    with pytest.raises(RuntimeError), transaction.atomic():
        take_number(2026)
        raise RuntimeError("the invoice could not be stored")
    with transaction.atomic():
        assert take_number(2026)[0] == 2


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError):
        take_number(2026)


def retrying_while_locked(fn: Callable[[], object]) -> object:
    """The suite's in-memory SQLite answers "locked" at once to a second writer where a file
    database waits (busy_timeout): wait here. PostgreSQL waits on the row lock itself."""
    for _ in range(400):
        try:
            return fn()
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.02)
    raise AssertionError("still locked")


@pytest.mark.django_db(transaction=True)
def test_parallel_takers_never_share_or_skip_a_number() -> None:
    """Threads with their own connections take numbers of a year that has no row yet (so they
    race to create it too); some roll back. The committed numbers are 1..n without a gap."""
    threads_count, rounds = 4, 6
    committed: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        def attempt() -> None:
            with transaction.atomic():
                sequences = list(take_numbers(2031, 1 + i % 2))
                time.sleep(0.002)
                if i % 3 == 0:
                    raise _Rollback
                with lock:
                    committed.extend(sequences)

        with contextlib.suppress(_Rollback):
            retrying_while_locked(attempt)

    def work(t: int) -> None:
        try:
            for r in range(rounds):
                one(t * rounds + r)
        except BaseException as exc:  # reported by the assertion below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(t,)) for t in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(committed) == list(range(1, len(committed) + 1))
    assert InvoiceNumber.objects.get(year=2031).last == len(committed)


class _Rollback(Exception):
    pass
