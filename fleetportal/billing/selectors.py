"""Reads of billing accounts and split-bill profiles, scoped to the actor (DESIGN rule 2)."""

from __future__ import annotations

from django.db.models import QuerySet

from fleetportal.core.actor import Actor
from fleetportal.core.scope import scope

from .models import BillingAccount, SplitBillProfile


def billing_accounts_for(actor: Actor) -> QuerySet[BillingAccount]:
    return scope(actor, BillingAccount).select_related("contract")


def split_bill_profiles_for(actor: Actor) -> QuerySet[SplitBillProfile]:
    return scope(actor, SplitBillProfile)
