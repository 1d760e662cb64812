"""Staff API keys (F-93): the operator's own integrations (a CRM, a stock system) call the back
office's endpoints with `Authorization: Bearer fps_…`.

A staff key acts as its owner, a staff login, with that login's role, and is accepted only by
the endpoints that name `StaffKeyAuth` (the back office's): it is no key to a customer's
fleet. Only an operator admin makes or revokes one; like a customer's key, only its SHA-256
is stored and the plaintext is shown once.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer

from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.http import PortalRequest
from fleetportal.core.models import Channel

from .api_keys import PREFIX_LENGTH, hash_key
from .models import StaffApiKey, User
from .session import client_ip

STAFF_KEY_PREFIX = "fps_"
MAX_KEY_LENGTH = 100


def _require_operator_admin(actor: Actor) -> None:
    if not actor.is_operator_admin:
        raise PermissionDeniedError(_("Only an operator admin can manage staff API keys."))


@transaction.atomic
def staff_api_key_create(*, actor: Actor, owner: User, name: str) -> tuple[StaffApiKey, str]:
    """A key acting as `owner` (active operator staff); returns it with its plaintext, shown once."""
    _require_operator_admin(actor)
    name = (name or "").strip()
    if not name or len(name) > StaffApiKey._meta.get_field("name").max_length:  # type: ignore[operator]
        raise ActionError(_("Give the key a name of at most 100 characters."), field="name")
    if not (owner.is_staff and owner.is_active):
        raise ActionError(_("A staff API key acts for an active member of the operator's staff."), field="owner")
    plaintext = STAFF_KEY_PREFIX + secrets.token_urlsafe(32)
    key = StaffApiKey.objects.create(
        owner=owner, name=name, prefix=plaintext[:PREFIX_LENGTH], key_hash=hash_key(plaintext), created_by=actor.user
    )
    record(
        actor=actor,
        action="staff_api_key.created",
        obj=key,
        after={"name": name, "prefix": key.prefix, "user": owner.email, "role": owner.staff_role},
    )
    return key, plaintext


@transaction.atomic
def staff_api_key_revoke(*, actor: Actor, key: StaffApiKey) -> None:
    _require_operator_admin(actor)
    now = timezone.now()
    if not StaffApiKey.objects.filter(pk=key.pk, revoked_at=None).update(revoked_at=now):
        raise ActionError(_("This key was already revoked."), code="conflict")
    record(actor=actor, action="staff_api_key.revoked", obj=key, after={"revoked_at": now.isoformat()})


def active_staff_key(plaintext: str) -> StaffApiKey | None:
    """The unrevoked key with this plaintext whose owner is still active staff."""
    if not plaintext.startswith(STAFF_KEY_PREFIX) or len(plaintext) > MAX_KEY_LENGTH:
        return None
    return (
        StaffApiKey.objects.select_related("owner")
        .filter(key_hash=hash_key(plaintext), revoked_at=None, owner__is_staff=True, owner__is_active=True)
        .first()
    )


class StaffKeyAuth(HttpBearer):
    """`Authorization: Bearer fps_…` on the back office's endpoints; anything else is a 401."""

    def authenticate(self, request: PortalRequest, token: str) -> StaffApiKey | None:  # type: ignore[override]
        key = active_staff_key(token.strip())
        if key is None:
            return None
        now = timezone.now()
        StaffApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        request.actor = Actor(user=key.owner, channel=Channel.API, ip_address=client_ip(request))
        return key
