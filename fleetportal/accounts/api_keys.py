"""Creating and revoking a customer's API keys (F-91).

Only the key's SHA-256 is stored: the plaintext is returned once, to be shown once, and
never reaches the database, the audit log or a log line (QUALITY S13).
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.scope import CHANGE, sees_all_of_customer

from .models import ApiKey, Function

KEY_PREFIX = "fp_"
PREFIX_LENGTH = 12


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def key_functions(key: ApiKey) -> frozenset[str]:
    """A key's scopes as the actor's limits (F-09): a key without every function acts as a
    limited manager, so it cannot make a manager with more rights than itself. (A key with no
    function scope at all never reaches a changing action: those need the users scope.)"""
    functions = frozenset(key.scopes) & frozenset(Function.values)
    return frozenset() if functions == frozenset(Function.values) else functions


def _require_key_manager(actor: Actor) -> None:
    """Keys act for the whole customer, so only its user managers (not keys) make them: the
    rule of the keys page (policy.py)."""
    if not sees_all_of_customer(actor, ApiKey, CHANGE):
        raise PermissionDeniedError(_("Only a manager with the right to manage users can manage API keys."))


def _new_plaintext() -> str:
    for _attempt in range(5):
        plaintext = KEY_PREFIX + secrets.token_urlsafe(32)  # 256 bits
        if not ApiKey.objects.filter(prefix=plaintext[:PREFIX_LENGTH]).exists():
            return plaintext
    raise RuntimeError("could not find a free API key prefix")  # 5 collisions of 54 random bits


@transaction.atomic
def api_key_create(*, actor: Actor, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    """Make a key for the actor's customer; returns it with its plaintext, shown once."""
    _require_key_manager(actor)
    name = (name or "").strip()
    if not name:
        raise ActionError(_("Give the key a name."), field="name")
    if len(name) > ApiKey._meta.get_field("name").max_length:  # type: ignore[operator]
        raise ActionError(_("The name is too long."), field="name")
    unknown = set(scopes) - set(ApiKey.Scope.values)
    if unknown:
        raise ActionError(_("Unknown scope: %(names)s") % {"names": ", ".join(sorted(unknown))}, field="scopes")
    if not scopes:
        raise ActionError(_("Choose at least one scope."), field="scopes")
    if actor.functions and not set(scopes) <= actor.functions:
        # A manager limited to some functions (F-09) gives a key no more than they have; "read"
        # reads every part of the portal, so it is not theirs to give either.
        raise PermissionDeniedError(_("You cannot give a key rights that you do not have yourself."))
    plaintext = _new_plaintext()
    key = ApiKey.objects.create(
        customer=actor.tenant,
        name=name,
        prefix=plaintext[:PREFIX_LENGTH],
        key_hash=hash_key(plaintext),
        scopes=sorted(set(scopes)),
        created_by=actor.user,
    )
    record(
        actor=actor,
        action="api_key.created",
        customer=key.customer,
        obj=key,
        after={"name": key.name, "prefix": key.prefix, "scopes": key.scopes},
    )
    return key, plaintext


@transaction.atomic
def api_key_revoke(*, actor: Actor, api_key: ApiKey) -> ApiKey:
    """Revoke a key for good; its next request answers 401."""
    _require_key_manager(actor)
    if api_key.customer_id != actor.tenant.pk:
        raise PermissionDeniedError(_("Only a manager with the right to manage users can manage API keys."))
    now = timezone.now()
    if not ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=now):
        raise ActionError(_("This key was already revoked."), code="conflict")
    api_key.revoked_at = now
    record(
        actor=actor,
        action="api_key.revoked",
        customer=api_key.customer,
        obj=api_key,
        before={"revoked_at": None},
        after={"revoked_at": now.isoformat()},
    )
    return api_key
