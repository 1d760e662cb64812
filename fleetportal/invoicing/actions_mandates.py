"""How a billing account pays (F-61): by bank transfer with each invoice's structured
communication, or by SEPA direct debit from a mandate its billing manager signs on the portal
(IBAN and BIC checked by schwifty, the mandate id and signature date kept for the bank). A
new mandate replaces the account's previous one; going back to transfer revokes it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fleetportal.billing.models import BillingAccount, DirectDebitMandate
from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.scope import CHANGE, has_right

from .mandates import clean_bic, clean_iban, new_reference
from .policy import RIGHTS

HOLDER_MAX = DirectDebitMandate._meta.get_field("holder_name").max_length or 70


def _require_billing(actor: Actor, account: BillingAccount) -> None:
    if actor.is_staff:
        return
    if actor.customer is None or actor.customer.pk != account.customer_id or not has_right(actor, RIGHTS, CHANGE):
        raise PermissionDeniedError(_("Only a manager with the billing right changes how an account pays."))


def _masked(iban: str) -> str:
    return f"{iban[:4]}…{iban[-4:]}"


def _revoke(account: BillingAccount) -> int:
    live = account.mandates.exclude(status=DirectDebitMandate.Status.REVOKED)
    return live.update(status=DirectDebitMandate.Status.REVOKED)


def mandate_request(
    *, actor: Actor, account: BillingAccount, iban: str, bic: str, holder_name: str
) -> DirectDebitMandate:
    """Sign a direct debit mandate for the account today; the account is then collected by it."""
    _require_billing(actor, account)
    compact_iban = clean_iban(iban or "")
    if compact_iban is None:
        raise ActionError(_("This IBAN is not valid: check its country code, length and check digits."), field="iban")
    compact_bic = clean_bic(bic or "")
    if compact_bic is None:
        raise ActionError(_("This BIC is not valid: 8 or 11 letters and digits, e.g. GKCCBEBB."), field="bic")
    if compact_bic[4:6] != compact_iban[:2]:
        raise ActionError(_("The BIC is of a bank in another country than the IBAN."), field="bic")
    holder = " ".join((holder_name or "").split())
    if not holder:
        raise ActionError(_("Give the name of the account holder."), field="holder_name")
    if len(holder) > HOLDER_MAX:
        raise ActionError(_("The account holder's name is too long."), field="holder_name")
    with transaction.atomic():
        locked = BillingAccount.objects.select_for_update().get(pk=account.pk)
        before = {"payment_mode": locked.payment_mode}
        _revoke(locked)
        mandate = DirectDebitMandate.objects.create(
            account=locked,
            reference=new_reference(locked),
            iban=compact_iban,
            bic=compact_bic,
            holder_name=holder,
            signed_on=timezone.localdate(),
            status=DirectDebitMandate.Status.ACTIVE,
            created_by_label=actor.label[:200],
        )
        locked.payment_mode = BillingAccount.PaymentMode.DIRECT_DEBIT
        locked.save(update_fields=["payment_mode"])
        record(
            actor=actor,
            action="mandate.requested",
            customer=locked.customer,
            obj=locked,
            before=before,
            after={"payment_mode": locked.payment_mode, "mandate": mandate.reference, "iban": _masked(compact_iban)},
        )
    account.payment_mode = locked.payment_mode
    return mandate


def payment_mode_transfer(*, actor: Actor, account: BillingAccount) -> BillingAccount:
    """Pay by bank transfer again: the account's mandate is revoked."""
    _require_billing(actor, account)
    with transaction.atomic():
        locked = BillingAccount.objects.select_for_update().get(pk=account.pk)
        if locked.payment_mode == BillingAccount.PaymentMode.TRANSFER:
            return locked
        revoked = _revoke(locked)
        locked.payment_mode = BillingAccount.PaymentMode.TRANSFER
        locked.save(update_fields=["payment_mode"])
        record(
            actor=actor,
            action="payment_mode.changed",
            customer=locked.customer,
            obj=locked,
            before={"payment_mode": BillingAccount.PaymentMode.DIRECT_DEBIT},
            after={"payment_mode": locked.payment_mode, "mandates_revoked": revoked},
        )
    return locked
