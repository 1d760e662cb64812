"""Who a worker job acts as: the person (or API key) who asked for it, with their rights as
they are now, never the portal's own job actor, which may manage every customer's lines. Shared
by the CSV imports and the bulk jobs (F-32)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from fleetportal.accounts.api_keys import key_functions
from fleetportal.accounts.models import ApiKey, Membership, User
from fleetportal.core.actor import Actor
from fleetportal.core.errors import PermissionDeniedError
from fleetportal.core.models import Channel, Customer


class Requested(Protocol):
    """A job row that keeps who asked for it (`ImportJob`, `BulkJob`)."""

    customer: Customer
    created_by: User | None
    created_by_id: int | None
    api_key: ApiKey | None
    api_key_id: int | None


def requester(
    job: Requested, *, key_lost: str, person_lost: str, scopes: Collection[str] = (ApiKey.Scope.FLEET,)
) -> Actor:
    """The job's requester as an actor of the job channel; refused with `key_lost` when their
    API key is revoked or has none of `scopes` any more, `person_lost` when they left the customer."""
    if job.api_key_id:
        key = job.api_key
        if key is None or key.revoked_at is not None or not set(scopes) & set(key.scopes):
            raise PermissionDeniedError(key_lost)
        return Actor(user=None, channel=Channel.JOB, api_key=key, functions=key_functions(key))
    membership = (
        Membership.objects.filter(user=job.created_by, customer=job.customer)
        .exclude(status=Membership.Status.DISABLED)
        .select_related("customer")
        .first()
        if job.created_by_id
        else None
    )
    if membership is None:
        raise PermissionDeniedError(person_lost)
    return Actor(
        user=job.created_by,
        channel=Channel.JOB,
        membership=membership,
        functions=frozenset(membership.functions),
    )
