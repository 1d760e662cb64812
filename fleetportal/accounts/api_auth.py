"""Who calls the API: a customer's key (`Authorization: Bearer fp_…`) or the portal's own
browser session (F-11). Either way `request.actor` is set, with channel API, and endpoints
hand that actor to the same actions the pages use (DESIGN rule 3).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from fleetportal.core.actor import Actor
from fleetportal.core.http import PortalRequest
from fleetportal.core.models import Channel

from . import session as session_keys
from .api_keys import KEY_PREFIX, hash_key, key_functions
from .models import ApiKey
from .session import client_ip

# Writing last_used_at on every call would turn each read into a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_KEY_LENGTH = 100


def active_key(plaintext: str) -> ApiKey | None:
    """The unrevoked key with this plaintext, looked up by its hash; none of a suspended customer."""
    if not plaintext.startswith(KEY_PREFIX) or len(plaintext) > MAX_KEY_LENGTH:
        return None
    keys = ApiKey.objects.select_related("customer").filter(customer__suspension__isnull=True)
    return keys.filter(key_hash=hash_key(plaintext), revoked_at=None).first()


def _touch(key: ApiKey) -> None:
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer <key>`; an unknown or revoked key is a 401."""

    def authenticate(self, request: PortalRequest, token: str) -> ApiKey | None:  # type: ignore[override]
        key = active_key(token.strip())
        if key is None:
            return None
        _touch(key)
        request.actor = Actor(
            user=None,
            channel=Channel.API,
            api_key=key,
            ip_address=client_ip(request),
            functions=key_functions(key),
        )
        return key


class PortalSessionAuth(APIKeyCookie):
    """The logged-in browser session, with Django's CSRF check on unsafe methods.

    Only a session that finished logging in counts: one still owing its SMS code or a new
    password is not logged in yet, whatever the session cookie says (the access gate leaves
    /api/ open, so the check lives here).
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        if "Authorization" in request.headers or self.param_name not in request.COOKIES:
            return None  # a bad key must not fall back to a cookie; no cookie, no CSRF to check
        return super().__call__(request)

    def authenticate(self, request: PortalRequest, key: str | None) -> Any:  # type: ignore[override]
        user = request.user
        actor = getattr(request, "actor", None)
        if not user.is_authenticated or actor is None or actor.user != user:
            return None
        if request.session.get(session_keys.SMS_PENDING) or user.must_change_password:
            return None
        request.actor = dataclasses.replace(actor, channel=Channel.API)
        return user
