"""Paying an invoice online (F-62, F-64; QUALITY S14): start a payment, take the provider's
word for how it ended, and settle a payment that has to be refunded.

`payment_start` checks everything it can before the provider hears of the payment (the payer's
right, an invoice already paid or credited, a payment already under way), then asks the
provider outside any transaction (a slow provider holds no row lock) and keeps its checkout.

`payment_webhook` is what a provider's call leads to: it never trusts the call's body, it
re-fetches the payment from the provider and applies the state found with one conditional
UPDATE (`_transition`), so however many calls arrive, in whatever order, at once or late, a
payment changes state once, and only that change to paid books the amount on the invoice.
A payment confirmed for an invoice paid (or credited) meanwhile is flagged `refund_due` for
staff instead of being booked twice. Every call is logged (`ProviderEvent`), every change
audited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.events import EventType
from fleetportal.core.models import Channel
from fleetportal.invoicing.actions import invoice_payment_record
from fleetportal.invoicing.models import Invoice

from . import events
from .models import Payment, ProviderEvent
from .policy import may_pay
from .providers import base

logger = logging.getLogger(__name__)

PROVIDER_ID_MAX = Payment._meta.get_field("provider_id").max_length or 100
# How long a payment may wait for the provider's answer to its creation.
STALE = timedelta(minutes=10)
# What `invoicing.invoice_payment_record` refuses when the invoice has nothing left to pay.
NOTHING_TO_BOOK = {"already_paid", "credited", "over_balance"}


def provider_actor(name: str) -> Actor:
    """Who acts when a provider tells us something: the audit trail names the provider."""
    return Actor(user=None, channel=Channel.SYSTEM, name=f"Payment provider {name}")


def _payable(invoice: Invoice) -> None:
    """Refuse an invoice that has nothing to pay online, or a payment under way or done."""
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        raise ActionError(_("A credit note is not paid: it is refunded."), field="invoice", code="credit_note")
    if invoice.status == Invoice.Status.CREDITED:
        raise ActionError(
            _("This invoice was credited by a credit note; there is nothing to pay."), field="invoice", code="credited"
        )
    if invoice.status == Invoice.Status.PAID or invoice.balance <= 0:
        raise ActionError(_("This invoice is paid already."), field="invoice", code="already_paid")
    under_way = invoice.payments.filter(status__in=(*Payment.OPEN_STATES, Payment.Status.PAID), refund_due=False)
    if under_way.filter(status=Payment.Status.PAID).exists():
        raise ActionError(_("This invoice was paid online already."), field="invoice", code="already_paid")
    if under_way.exists():
        raise _under_way()


def _under_way() -> ActionError:
    return ActionError(
        _("A payment of this invoice is already under way: finish it, or wait until it expires."),
        field="invoice",
        code="payment_open",
    )


def _data(payment: Payment, **extra: str) -> dict[str, str]:
    return {
        "payment": str(payment.pk),
        "invoice": payment.invoice.number,
        "amount": str(payment.amount),
        "currency": payment.currency,
        "provider": payment.provider,
        **extra,
    }


def _audit(actor: Actor, action: str, payment: Payment, event: EventType | None = None, **after: str) -> None:
    record(
        actor=actor,
        action=action,
        customer=payment.invoice.customer,
        obj=payment,
        after={"invoice": payment.invoice.number, "amount": str(payment.amount), "currency": payment.currency, **after},
    )
    if event is not None:
        event.record(customer=payment.invoice.customer, obj=payment, data=_data(payment, **after))


def _urls(actor: Actor, payment: Payment) -> tuple[str, str]:
    """The payer's way back and the provider's webhook, as absolute addresses. A phone-number
    login comes back to the member pages, the only ones its session opens (R-I5)."""
    back_page = "me_payment_return" if actor.number is not None else "payments:return"
    back = settings.PORTAL_BASE_URL + reverse(back_page, args=[payment.pk])
    webhook = settings.PAYMENT_WEBHOOK_BASE_URL + reverse("payments:webhook", args=[payment.provider])
    return back, webhook


def payment_start(*, actor: Actor, invoice: Invoice) -> Payment:
    """Open a payment of the invoice's balance at the `PAYMENT_PROVIDER`; the payer goes on to
    its `checkout_url`. Refused (nothing sent to the provider) for a payer without the right,
    an invoice paid, credited or a credit note, or one with a payment under way or paid."""
    if not may_pay(actor, invoice):
        raise PermissionDeniedError(
            _("Only the employee of a private invoice, or a manager with the billing right, can pay it.")
        )
    adapter_name = settings.PAYMENT_PROVIDER
    try:
        with transaction.atomic():
            # Under the invoice's lock: two payers clicking at once open one payment.
            invoice = Invoice.objects.select_for_update().select_related("customer").get(pk=invoice.pk)
            # A payment the provider never confirmed opening (the worker died in between)
            # does not hold the invoice for ever.
            invoice.payments.filter(status=Payment.Status.CREATED, created_at__lt=timezone.now() - STALE).update(
                status=Payment.Status.FAILED, error="never reached the provider", version=F("version") + 1
            )
            _payable(invoice)
            payment = Payment.objects.create(
                invoice=invoice,
                amount=invoice.balance,
                currency=invoice.currency,
                provider=adapter_name,
                created_by=actor.user,
                created_by_label=actor.label,
            )
    except IntegrityError:  # the one-open-payment constraint, on a database without row locks
        raise _under_way() from None
    back, webhook = _urls(actor, payment)
    new = base.NewPayment(
        payment_id=payment.pk,
        amount=payment.amount,
        currency=payment.currency,
        description=_("Invoice %(number)s") % {"number": invoice.number},
        redirect_url=back,
        webhook_url=webhook,
        metadata={"payment": str(payment.pk), "invoice": invoice.number},
    )
    try:
        checkout = base.provider(adapter_name).create(new)
    except (base.ProviderError, LookupError) as exc:
        logger.warning("payment %s: provider %s refused to start it: %s", payment.pk, adapter_name, exc)
        with transaction.atomic():
            Payment.objects.filter(pk=payment.pk, status=Payment.Status.CREATED).update(
                status=Payment.Status.FAILED, error=str(exc)[:200], version=F("version") + 1
            )
            _audit(actor, "payment.start_failed", payment)
        raise ActionError(
            _("The payment service cannot be reached at the moment; please try again in a few minutes."),
            code="provider_unavailable",
        ) from None
    with transaction.atomic():
        Payment.objects.filter(pk=payment.pk, status=Payment.Status.CREATED).update(
            status=Payment.Status.OPEN,
            provider_id=checkout.provider_id[:PROVIDER_ID_MAX],
            checkout_url=checkout.checkout_url,
            version=F("version") + 1,
        )
        payment.refresh_from_db()
        _audit(actor, "payment.started", payment, events.PAYMENT_STARTED, provider_id=payment.provider_id)
    return payment


@dataclass(frozen=True)
class Applied:
    changed: bool
    refund_due: bool = False


def _transition(payment: Payment, state: base.State) -> Applied:
    """Apply the provider's state with one conditional UPDATE (in the caller's transaction).

    To paid from any state but paid (the provider's word on money taken wins over an earlier
    failure it reported); to failed, canceled or expired only from an open state. The one
    caller whose UPDATE changed the row books the payment; the others change nothing."""
    target = state.status
    if target in Payment.OPEN_STATES or target not in Payment.Status.values:
        return Applied(changed=False)
    sources = [s for s in Payment.Status.values if s != Payment.Status.PAID]
    if target != Payment.Status.PAID:
        sources = list(Payment.OPEN_STATES)
    before = payment.status
    now = timezone.now()
    changes: dict[str, object] = {"status": target, "version": F("version") + 1, "updated_at": now}
    if state.method:
        changes["method"] = state.method
    if target == Payment.Status.PAID:
        changes["paid_at"] = now
    if not Payment.objects.filter(pk=payment.pk, status__in=sources).update(**changes):
        return Applied(changed=False)
    payment.refresh_from_db()
    actor = provider_actor(payment.provider)
    if target != Payment.Status.PAID:
        _audit(
            actor,
            "payment.failed"
            if target == Payment.Status.FAILED
            else "payment.canceled"
            if target == Payment.Status.CANCELED
            else "payment.expired",
            payment,
            events.PAYMENT_UNSUCCESSFUL,
            status=target,
            before=before,
        )
        return Applied(changed=True)
    _audit(actor, "payment.paid", payment, events.PAYMENT_PAID, method=payment.method, before=before)
    invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
    try:
        reference = f"{payment.provider}:{payment.provider_id}"
        invoice_payment_record(actor=actor, invoice=invoice, amount=payment.amount, reference=reference)
        return Applied(changed=True)
    except ActionError as exc:
        if exc.code not in NOTHING_TO_BOOK:
            raise
    Payment.objects.filter(pk=payment.pk).update(refund_due=True)
    payment.refund_due = True
    _audit(actor, "payment.refund_due", payment, events.PAYMENT_REFUND_DUE, invoice_status=invoice.status)
    return Applied(changed=True, refund_due=True)


def _printable(text: str, limit: int) -> str:
    """What a caller sent, fit for the log: control characters (NUL, which PostgreSQL's text
    refuses) shown as "?", cut to the column."""
    return "".join(c if c.isprintable() else "?" for c in text[:limit])


def _log(provider: str, provider_id: str, outcome: str, **fields: object) -> ProviderEvent:
    return ProviderEvent.objects.create(
        provider=_printable(provider, 20),
        provider_id=_printable(provider_id, PROVIDER_ID_MAX),
        outcome=outcome,
        **fields,
    )


def payment_webhook(*, provider: str, provider_id: str) -> ProviderEvent:
    """A provider says payment `provider_id` changed: re-fetch it there and apply its state.

    Returns the call's log row (outcome changed, unchanged or refund due). Refused, and logged,
    for an unknown provider or id (code "not_found"), an id that cannot be one (code
    "bad_request") and a provider that does not answer (code "provider_unavailable": the
    provider calls again later)."""
    provider_id = (provider_id or "").strip()
    if provider not in base.PROVIDERS:
        _log(provider, provider_id, ProviderEvent.Outcome.UNKNOWN, detail="unknown provider")
        raise ActionError(_("Unknown payment provider."), field="provider", code="not_found")
    if not provider_id or len(provider_id) > PROVIDER_ID_MAX or not provider_id.isprintable():
        _log(provider, provider_id, ProviderEvent.Outcome.BAD_REQUEST, detail="no usable id in the body")
        raise ActionError(_("Give the payment's id."), field="id", code="bad_request")
    payment = (
        Payment.objects.filter(provider=provider, provider_id=provider_id).select_related("invoice__customer").first()
    )
    if payment is None:
        _log(provider, provider_id, ProviderEvent.Outcome.UNKNOWN, detail="no such payment")
        raise ActionError(_("Unknown payment."), field="id", code="not_found")
    try:
        state = base.provider(provider).fetch(provider_id)
    except base.ProviderError as exc:
        logger.warning("payment %s: re-fetch from %s failed: %s", payment.pk, provider, exc)
        _log(provider, provider_id, ProviderEvent.Outcome.PROVIDER_ERROR, payment=payment, detail=str(exc)[:200])
        raise ActionError(
            _("The payment service cannot be reached at the moment."), code="provider_unavailable"
        ) from None
    before = payment.status
    with transaction.atomic():
        applied = _transition(payment, state)
        if applied.refund_due:
            outcome = ProviderEvent.Outcome.REFUND_DUE
        elif applied.changed:
            outcome = ProviderEvent.Outcome.CHANGED
        else:
            outcome = ProviderEvent.Outcome.UNCHANGED
        detail = f"{before} → {payment.status}" if applied.changed else f"still {payment.status}"
        return _log(provider, provider_id, outcome, payment=payment, provider_status=state.status, detail=detail)


def payment_refresh(*, actor: Actor, payment: Payment) -> Payment:
    """Re-fetch an open payment when its payer comes back from the checkout before the webhook
    did (Mollie's may lag): the same transition as the webhook's, so either may come first.
    A provider that does not answer leaves the payment as it is, for the webhook to settle."""
    if not payment.is_open or not payment.provider_id:
        return payment
    try:
        state = base.provider(payment.provider).fetch(payment.provider_id)
    except base.ProviderError as exc:
        logger.info("payment %s: re-fetch for %s failed: %s", payment.pk, actor.label, exc)
        return payment
    with transaction.atomic():
        _transition(payment, state)
    payment.refresh_from_db()
    return payment


@transaction.atomic
def payment_refund_done(*, actor: Actor, payment: Payment) -> Payment:
    """Staff record that a refund-due payment was paid back to the payer."""
    if not actor.is_staff:
        raise PermissionDeniedError(_("Only operator staff settle refunds."))
    if not Payment.objects.filter(pk=payment.pk, refund_due=True, refunded_at__isnull=True).update(
        refunded_at=timezone.now(), version=F("version") + 1
    ):
        raise ActionError(_("This payment has no refund due."), field="payment", code="conflict")
    payment.refresh_from_db()
    _audit(actor, "payment.refunded", payment)
    return payment
