"""What the operator's management commands share."""

from __future__ import annotations

from django.core.management.base import CommandError

from .ids import row_id
from .models import Customer


def customer_option(wanted: str) -> Customer:
    """The customer a `--customer` option names, by login domain or id; else the command stops."""
    found = Customer.objects.filter(login_domain=wanted).first()
    if found is None and (pk := row_id(wanted)) is not None:
        found = Customer.objects.filter(pk=pk).first()
    if found is None:
        raise CommandError(f"{wanted}: no such customer")
    return found
