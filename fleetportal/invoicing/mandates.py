"""SEPA direct debit mandates of a billing account (F-61): checking the bank account the
customer gives (schwifty: the IBAN's country, length and check digits, the BIC's form and
country) and the mandate an account is collected by."""

from __future__ import annotations

from django.utils import timezone
from django.utils.crypto import get_random_string
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from fleetportal.billing.models import BillingAccount, DirectDebitMandate

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def clean_iban(value: str) -> str | None:
    """The IBAN in its compact form ("BE71096123456769"), or None when it is not one."""
    try:
        return IBAN(value).compact
    except (SchwiftyException, ValueError):
        return None


def clean_bic(value: str) -> str | None:
    try:
        return str(BIC(value).compact)
    except (SchwiftyException, ValueError):
        return None


def new_reference(account: BillingAccount) -> str:
    """A mandate id (at most 35 characters of A-Z, 0-9 and '-', as SEPA allows)."""
    return f"FP-{account.number}-{timezone.localdate():%Y%m%d}-{get_random_string(6, REFERENCE_ALPHABET)}"[:35]


def active_mandate(account: BillingAccount) -> DirectDebitMandate | None:
    """The mandate a direct-debit account is collected by (the newest not revoked)."""
    if account.payment_mode != BillingAccount.PaymentMode.DIRECT_DEBIT:
        return None
    return account.mandates.exclude(status=DirectDebitMandate.Status.REVOKED).first()
