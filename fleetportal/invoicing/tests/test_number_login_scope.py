"""A phone-number login's private invoices (F-64, F-74, R-I5): exactly its own number's live
line's, never a colleague's, the company's or a stopped line's that once had the number."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fleetportal.accounts.models import User
from fleetportal.conftest import make_actor
from fleetportal.core.actor import Actor
from fleetportal.core.models import Customer
from fleetportal.core.scope import scope
from fleetportal.fleet.models import Line
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.invoicing.models import Invoice, InvoiceItem

from .rows import issued

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-64", "F-74")]


def _private(customer: Customer, line: Line) -> Invoice:
    items = [(line, InvoiceItem.Kind.USAGE, "Calls", Decimal("7.50"))]
    return issued(customer, items, kind=Invoice.Kind.PRIVATE, line=line, member=line.user)


def test_a_number_login_sees_exactly_its_own_number_s_private_invoices(customer: Customer, member: User) -> None:
    mine = LineFactory.create(customer=customer, user=member, status=Line.Status.ACTIVE)
    colleague = LineFactory.create(customer=customer, status=Line.Status.ACTIVE)
    own = _private(customer, mine)
    _private(customer, colleague)
    issued(customer, [(mine, InvoiceItem.Kind.PLAN, "Plan", Decimal("20.00"))], line=mine)  # the company's
    number_login = Actor(user=member, membership=make_actor(member).membership, number=mine.msisdn)
    assert list(scope(number_login, Invoice)) == [own]
    assert set(scope(number_login, InvoiceItem)) == set(own.items.all())
    Line.objects.filter(pk=mine.pk).update(status=Line.Status.STOPPED)
    assert not scope(number_login, Invoice).exists()  # the number's next user will not see them
