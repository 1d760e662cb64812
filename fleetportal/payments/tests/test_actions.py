"""The payment actions (F-62, F-64, QUALITY S14): who may pay, what is refused before the
provider hears of it, and how the provider's state moves a payment once, whatever the calls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from fleetportal.accounts.models import User
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import AuditEvent, DomainEvent
from fleetportal.invoicing.models import Invoice
from fleetportal.payments import actions
from fleetportal.payments.models import Method, Payment, ProviderEvent, TestCheckout
from fleetportal.payments.providers import base
from fleetportal.payments.providers import test as test_provider

pytestmark = pytest.mark.spec("F-62", "S14")


class ScriptedProvider:
    """A provider whose `fetch` answers the states it is given, one per call (the last one
    again once they run out): late and reordered webhooks, a provider changing its mind."""

    name = "test"

    def __init__(self, *states: str, method: str = Method.BANCONTACT) -> None:
        self.states = list(states)
        self.method = method
        self.created: list[base.NewPayment] = []
        self.fetched = 0

    def create(self, payment: base.NewPayment) -> base.Checkout:
        self.created.append(payment)
        return base.Checkout(provider_id=f"tst_scripted{payment.payment_id}", checkout_url="https://pay.example/c")

    def fetch(self, provider_id: str) -> base.State:
        self.fetched += 1
        status = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return base.State(provider_id=provider_id, status=status, method=self.method)


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> Callable[..., ScriptedProvider]:
    def install(*states: str, **kwargs: Any) -> ScriptedProvider:
        fake = ScriptedProvider(*states, **kwargs)
        monkeypatch.setattr(base, "provider", lambda name=None: fake)
        return fake

    return install


def settle(payment: Payment, outcome: str = "succeed", method: str = Method.BANCONTACT) -> ProviderEvent:
    """The payer's click on the test checkout, then the test provider's webhook call."""
    row = TestCheckout.objects.get(provider_id=payment.provider_id)
    test_provider.settle(row, outcome=outcome, method=method)
    return actions.payment_webhook(provider="test", provider_id=payment.provider_id)


# --- starting a payment ---------------------------------------------------------------------------


def test_a_billing_manager_starts_a_payment_of_the_balance(
    billing_manager: User, company_invoice: Invoice, actor_for: Callable[..., Actor]
) -> None:
    company_invoice.paid = Decimal("21.00")
    company_invoice.status = Invoice.Status.PARTLY_PAID
    company_invoice.save()

    payment = actions.payment_start(actor=actor_for(billing_manager), invoice=company_invoice)

    assert payment.status == Payment.Status.OPEN
    assert payment.amount == Decimal("100.00")  # the balance, not the total
    assert payment.provider == "test" and payment.provider_id.startswith("tst_")
    row = TestCheckout.objects.get(provider_id=payment.provider_id)
    assert payment.checkout_url == f"http://testserver/payments/test-checkout/{row.token}/"
    assert row.amount == Decimal("100.00") and row.currency == "EUR"
    assert row.webhook_url == "http://testserver/payments/webhook/test/"
    assert row.redirect_url == f"http://testserver/payments/{payment.pk}/"
    assert row.metadata == {"payment": str(payment.pk), "invoice": company_invoice.number}
    audit = AuditEvent.objects.get(action="payment.started")
    assert audit.actor == billing_manager and audit.after["amount"] == "100.00"
    assert DomainEvent.objects.filter(name="payment.started", object_id=str(payment.pk)).count() == 1


@pytest.mark.spec("F-64")
def test_a_member_pays_their_own_private_invoice(
    member: User, private_invoice: Invoice, actor_for: Callable[..., Actor]
) -> None:
    payment = actions.payment_start(actor=actor_for(member), invoice=private_invoice)
    assert payment.amount == Decimal("12.10") and payment.created_by == member


@pytest.mark.parametrize("who", ["member", "manager_without_billing", "other_holder"])
def test_who_may_not_pay_a_company_invoice(
    who: str,
    request: pytest.FixtureRequest,
    company_invoice: Invoice,
    customer: Any,
    actor_for: Callable[..., Actor],
    scripted: Callable[..., ScriptedProvider],
) -> None:
    if who == "manager_without_billing":
        user = request.getfixturevalue("manager")
        user.memberships.update(functions=["fleet"])
    else:
        user = request.getfixturevalue(who)
    fake = scripted("open")
    with pytest.raises(PermissionDeniedError):
        actions.payment_start(actor=actor_for(user), invoice=company_invoice)
    assert fake.created == [] and not Payment.objects.exists()


@pytest.mark.spec("F-64")
def test_a_private_invoice_is_paid_by_its_employee_only(
    holder: User, billing_manager: User, private_invoice: Invoice, actor_for: Callable[..., Actor]
) -> None:
    for user in (holder, billing_manager):
        with pytest.raises(PermissionDeniedError):
            actions.payment_start(actor=actor_for(user), invoice=private_invoice)
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"status": Invoice.Status.PAID, "paid": Decimal("121.00")}, "already_paid"),
        ({"status": Invoice.Status.CREDITED}, "credited"),
        ({"kind": Invoice.Kind.CREDIT_NOTE, "total_incl_vat": Decimal("-121.00")}, "credit_note"),
    ],
)
def test_an_invoice_with_nothing_to_pay_is_refused_before_the_provider_is_called(
    fields: dict[str, Any],
    code: str,
    holder: User,
    make_invoice: Callable[..., Invoice],
    actor_for: Callable[..., Actor],
    scripted: Callable[..., ScriptedProvider],
) -> None:
    fake = scripted("open")
    with pytest.raises(ActionError) as refused:
        actions.payment_start(actor=actor_for(holder), invoice=make_invoice(**fields))
    assert refused.value.code == code and refused.value.field == "invoice"
    assert fake.created == [] and not Payment.objects.exists()


def test_a_second_payment_is_refused_before_the_provider_is_called(
    holder: User, company_invoice: Invoice, actor_for: Callable[..., Actor], scripted: Callable[..., ScriptedProvider]
) -> None:
    actor = actor_for(holder)
    fake = scripted("paid")
    first = actions.payment_start(actor=actor, invoice=company_invoice)
    with pytest.raises(ActionError) as under_way:
        actions.payment_start(actor=actor, invoice=company_invoice)
    assert under_way.value.code == "payment_open"
    actions.payment_webhook(provider="test", provider_id=first.provider_id)
    company_invoice.refresh_from_db()
    with pytest.raises(ActionError) as paid:
        actions.payment_start(actor=actor, invoice=company_invoice)
    assert paid.value.code == "already_paid"
    assert len(fake.created) == 1 and Payment.objects.count() == 1


def test_after_a_failed_payment_the_payer_may_try_again(
    holder: User, company_invoice: Invoice, actor_for: Callable[..., Actor]
) -> None:
    actor = actor_for(holder)
    settle(actions.payment_start(actor=actor, invoice=company_invoice), "fail")
    again = actions.payment_start(actor=actor, invoice=company_invoice)
    assert again.status == Payment.Status.OPEN and Payment.objects.count() == 2


def test_a_payment_that_never_reached_the_provider_holds_the_invoice_ten_minutes_only(
    holder: User, company_invoice: Invoice, actor_for: Callable[..., Actor]
) -> None:
    stuck = Payment.objects.create(invoice=company_invoice, amount=Decimal(121), provider="test", created_by_label="x")
    with pytest.raises(ActionError):
        actions.payment_start(actor=actor_for(holder), invoice=company_invoice)
    Payment.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    assert actions.payment_start(actor=actor_for(holder), invoice=company_invoice).status == Payment.Status.OPEN
    stuck.refresh_from_db()
    assert stuck.status == Payment.Status.FAILED and stuck.error == "never reached the provider"


def test_a_provider_that_cannot_be_reached_leaves_a_failed_payment_and_a_clear_message(
    holder: User, company_invoice: Invoice, actor_for: Callable[..., Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Down(ScriptedProvider):
        def create(self, payment: base.NewPayment) -> base.Checkout:
            raise base.ProviderError("connection refused")

    monkeypatch.setattr(base, "provider", lambda name=None: Down("open"))
    with pytest.raises(ActionError) as refused:
        actions.payment_start(actor=actor_for(holder), invoice=company_invoice)
    assert refused.value.code == "provider_unavailable"
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.FAILED and payment.error == "connection refused"
    assert AuditEvent.objects.filter(action="payment.start_failed").exists()


def test_the_test_provider_works_only_in_the_demo(
    holder: User, company_invoice: Invoice, actor_for: Callable[..., Actor], settings: Any
) -> None:
    settings.DEMO_MODE = settings.DEBUG = False
    with pytest.raises(ActionError) as refused:
        actions.payment_start(actor=actor_for(holder), invoice=company_invoice)
    assert refused.value.code == "provider_unavailable" and not TestCheckout.objects.exists()


# --- the provider's word --------------------------------------------------------------------------


def test_success_books_the_payment_once_on_the_invoice(
    holder: User, company_invoice: Invoice, actor_for: Callable[..., Actor]
) -> None:
    payment = actions.payment_start(actor=actor_for(holder), invoice=company_invoice)

    call = settle(payment, "succeed", Method.IDEAL)

    assert call.outcome == ProviderEvent.Outcome.CHANGED and call.provider_status == "paid"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.method == Method.IDEAL and payment.paid_at
    assert payment.version == 3  # created → open → paid
    company_invoice.refresh_from_db()
    assert company_invoice.status == Invoice.Status.PAID and company_invoice.balance == 0
    paid = AuditEvent.objects.get(action="payment.paid")
    assert paid.actor is None and paid.actor_label == "Payment provider test"
    assert DomainEvent.objects.filter(name="payment.paid").count() == 1
    assert DomainEvent.objects.filter(name="invoice.paid").count() == 1


@pytest.mark.parametrize(("outcome", "status"), [("fail", "failed"), ("cancel", "canceled")])
def test_failure_and_cancel_book_nothing(
    outcome: str, status: str, holder: User, company_invoice: Invoice, actor_for: Callable[..., Actor]
) -> None:
    payment = actions.payment_start(actor=actor_for(holder), invoice=company_invoice)
    assert settle(payment, outcome).outcome == ProviderEvent.Outcome.CHANGED
    payment.refresh_from_db()
    assert payment.status == status
    company_invoice.refresh_from_db()
    assert company_invoice.paid == 0 and company_invoice.status == Invoice.Status.OPEN
    assert AuditEvent.objects.filter(action=f"payment.{status}").count() == 1
    assert DomainEvent.objects.filter(name="payment.unsuccessful").count() == 1


def test_duplicate_webhooks_give_one_transition(
    holder: User, company_invoice: Invoice, actor_for: Callable[..., Actor]
) -> None:
    payment = actions.payment_start(actor=actor_for(holder), invoice=company_invoice)
    outcomes = [settle(payment).outcome] + [
        actions.payment_webhook(provider="test", provider_id=payment.provider_id).outcome for _ in range(4)
    ]
    assert outcomes == ["changed"] + ["unchanged"] * 4
    company_invoice.refresh_from_db()
    assert company_invoice.paid == Decimal("121.00")
    assert AuditEvent.objects.filter(action="payment.paid").count() == 1
    assert ProviderEvent.objects.filter(payment=payment).count() == 5


@pytest.mark.parametrize(
    "states",
    [
        ("open", "paid", "open", "failed", "expired"),  # a stale state read after the confirmation
        ("paid", "canceled", "paid"),
        ("open", "open", "paid"),  # webhooks before the payer finished
    ],
)
def test_late_and_reordered_webhooks_leave_one_paid_transition(
    states: tuple[str, ...],
    holder: User,
    company_invoice: Invoice,
    actor_for: Callable[..., Actor],
    scripted: Callable[..., ScriptedProvider],
) -> None:
    scripted(*states)
    payment = actions.payment_start(actor=actor_for(holder), invoice=company_invoice)
    for _ in states:
        actions.payment_webhook(provider="test", provider_id=payment.provider_id)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    company_invoice.refresh_from_db()
    assert company_invoice.paid == Decimal("121.00") and company_invoice.status == Invoice.Status.PAID
    assert AuditEvent.objects.filter(action="payment.paid").count() == 1


def test_a_late_confirmation_after_a_reported_failure_is_booked(
    holder: User, company_invoice: Invoice, actor_for: Callable[..., Actor], scripted: Callable[..., ScriptedProvider]
) -> None:
    """The provider's word on money taken wins: failed, then paid, books the payment."""
    scripted("failed", "paid")
    payment = actions.payment_start(actor=actor_for(holder), invoice=company_invoice)
    actions.payment_webhook(provider="test", provider_id=payment.provider_id)
    actions.payment_webhook(provider="test", provider_id=payment.provider_id)
    company_invoice.refresh_from_db()
    assert company_invoice.status == Invoice.Status.PAID


@pytest.mark.parametrize("meanwhile", [Invoice.Status.PAID, Invoice.Status.CREDITED])
def test_a_payment_confirmed_for_an_invoice_settled_meanwhile_becomes_a_refund_case(
    meanwhile: str, holder: User, company_invoice: Invoice, actor_for: Callable[..., Actor]
) -> None:
    payment = actions.payment_start(actor=actor_for(holder), invoice=company_invoice)
    paid = Decimal("121.00") if meanwhile == Invoice.Status.PAID else Decimal(0)
    Invoice.objects.filter(pk=company_invoice.pk).update(status=meanwhile, paid=paid)  # a bank transfer came first

    call = settle(payment)

    assert call.outcome == ProviderEvent.Outcome.REFUND_DUE
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.refund_due and payment.refunded_at is None
    company_invoice.refresh_from_db()
    assert company_invoice.paid == paid and company_invoice.status == meanwhile  # never paid twice
    assert AuditEvent.objects.filter(action="payment.refund_due").count() == 1
    assert DomainEvent.objects.filter(name="payment.refund_due").count() == 1
    assert DomainEvent.objects.filter(name="invoice.paid").count() == 0
    settle(payment)  # the provider calls again: still one case
    assert AuditEvent.objects.filter(action="payment.refund_due").count() == 1


def test_staff_record_the_refund_once(
    holder: User, staff: User, company_invoice: Invoice, actor_for: Callable[..., Actor]
) -> None:
    payment = actions.payment_start(actor=actor_for(holder), invoice=company_invoice)
    Invoice.objects.filter(pk=company_invoice.pk).update(status=Invoice.Status.PAID, paid=Decimal("121.00"))
    settle(payment)
    payment.refresh_from_db()
    with pytest.raises(PermissionDeniedError):
        actions.payment_refund_done(actor=actor_for(holder), payment=payment)
    assert actions.payment_refund_done(actor=actor_for(staff), payment=payment).refunded_at is not None
    with pytest.raises(ActionError) as again:
        actions.payment_refund_done(actor=actor_for(staff), payment=payment)
    assert again.value.code == "conflict"
    assert AuditEvent.objects.filter(action="payment.refunded").count() == 1


# --- calls that lead nowhere ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "provider_id", "code", "outcome"),
    [
        ("test", "tst_doesnotexist", "not_found", "unknown"),
        ("stripe", "pi_123", "not_found", "unknown"),
        ("test", "", "bad_request", "bad_request"),
        ("test", "x" * 101, "bad_request", "bad_request"),
        ("test", "tst_\x00", "bad_request", "bad_request"),
        ("te\x00st", "tst_1", "not_found", "unknown"),
    ],
)
def test_unknown_and_bad_calls_are_refused_and_logged(
    provider: str, provider_id: str, code: str, outcome: str, db: None
) -> None:
    with pytest.raises(ActionError) as refused:
        actions.payment_webhook(provider=provider, provider_id=provider_id)
    assert refused.value.code == code
    logged = ProviderEvent.objects.get()
    assert logged.outcome == outcome and "\x00" not in logged.provider + logged.provider_id


def test_a_provider_down_at_the_refetch_changes_nothing_and_is_logged(
    holder: User, company_invoice: Invoice, actor_for: Callable[..., Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    payment = actions.payment_start(actor=actor_for(holder), invoice=company_invoice)

    class Down(ScriptedProvider):
        def fetch(self, provider_id: str) -> base.State:
            raise base.ProviderError("timeout")

    monkeypatch.setattr(base, "provider", lambda name=None: Down("paid"))
    with pytest.raises(ActionError) as refused:
        actions.payment_webhook(provider="test", provider_id=payment.provider_id)
    assert refused.value.code == "provider_unavailable"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN
    assert ProviderEvent.objects.get().outcome == ProviderEvent.Outcome.PROVIDER_ERROR


def test_the_return_page_refresh_applies_the_same_single_transition(
    holder: User, company_invoice: Invoice, actor_for: Callable[..., Actor], scripted: Callable[..., ScriptedProvider]
) -> None:
    """The payer back before the webhook: the refresh books it, the webhook then finds it known."""
    scripted("paid")
    actor = actor_for(holder)
    payment = actions.payment_start(actor=actor, invoice=company_invoice)
    assert actions.payment_refresh(actor=actor, payment=payment).status == Payment.Status.PAID
    assert actions.payment_webhook(provider="test", provider_id=payment.provider_id).outcome == "unchanged"
    company_invoice.refresh_from_db()
    assert company_invoice.paid == Decimal("121.00")
