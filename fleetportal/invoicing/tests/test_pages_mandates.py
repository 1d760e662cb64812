"""The direct debit mandate action (F-61) the account page and the API share: each refusal
names its field and changes nothing; only the billing right (or staff) signs one."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fleetportal.accounts.models import User
from fleetportal.billing.models import BillingAccount, DirectDebitMandate
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import AuditEvent, Customer
from fleetportal.invoicing.actions_mandates import mandate_request

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-61")]
GOOD = {"iban": "BE71096123456769", "bic": "GKCCBEBB", "holder_name": "Acme NV"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"iban": "BE72096123456769"}, "iban"),  # check digits wrong
        ({"iban": "BE7109612345676"}, "iban"),  # one digit short
        ({"iban": "XX71096123456769"}, "iban"),
        ({"bic": "GKCC"}, "bic"),
        ({"bic": "INGBNL2A"}, "bic"),  # a Dutch bank for a Belgian IBAN
        ({"holder_name": "   "}, "holder_name"),
        ({"holder_name": "x" * 71}, "holder_name"),
    ],
)
def test_refusals_name_the_field_and_change_nothing(
    customer: Customer, billing_manager: User, actor_for: Callable[..., Actor], change: dict, field: str
) -> None:
    account = customer.billing_accounts.get()

    with pytest.raises(ActionError) as refused:
        mandate_request(actor=actor_for(billing_manager), account=account, **{**GOOD, **change})

    assert refused.value.field == field
    assert not DirectDebitMandate.objects.exists() and not AuditEvent.objects.filter(action="mandate.requested")
    assert BillingAccount.objects.get(pk=account.pk).payment_mode == BillingAccount.PaymentMode.TRANSFER


def test_only_the_billing_right_signs(
    customer: Customer,
    other_customer: Customer,
    manager: User,
    member: User,
    other_holder: User,
    staff: User,
    actor_for: Callable[..., Actor],
) -> None:
    membership = manager.memberships.get()
    membership.functions = ["fleet"]
    membership.save()
    account = customer.billing_accounts.get()
    for user in (manager, member, other_holder):
        with pytest.raises(PermissionDeniedError):
            mandate_request(actor=actor_for(user), account=account, **GOOD)

    first = mandate_request(actor=actor_for(staff), account=account, **GOOD)
    second = mandate_request(actor=actor_for(staff), account=account, **{**GOOD, "iban": "BE68539007547034"})

    first.refresh_from_db()
    assert first.status == DirectDebitMandate.Status.REVOKED
    assert second.status == DirectDebitMandate.Status.ACTIVE and second.reference != first.reference
    assert AuditEvent.objects.filter(action="mandate.requested").count() == 2
