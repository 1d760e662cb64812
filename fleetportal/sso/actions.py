"""Registering the operator's client apps for single sign-on (F-11). Clients are operator-wide
(one app serves every customer's logins), so only an operator admin registers, rotates or
removes one; the client secret is returned once and kept hashed."""

from __future__ import annotations

from ipaddress import ip_address
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import Application

from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError, PermissionDeniedError

NAME_MAX = 255
SECRET_LENGTH = 48
CLIENT_TYPES = (Application.CLIENT_CONFIDENTIAL, Application.CLIENT_PUBLIC)
LOOPBACK_HOSTS = ("localhost",)


def require_operator_admin(actor: Actor) -> None:
    if not actor.is_operator_admin:
        raise PermissionDeniedError(_("Only an operator admin may register single sign-on client apps."))


def _loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def clean_redirect_uris(text: str) -> str:
    """One absolute URI a line (or space-separated), https, or http to a loopback address in
    development and demo; no fragment (RFC 6749 3.1.2)."""
    uris = (text or "").split()
    if not uris:
        raise ActionError(_("Give at least one redirect URI."), field="redirect_uris")
    allow_loopback_http = settings.DEBUG or settings.DEMO_MODE
    for uri in uris:
        parts = urlsplit(uri)
        plain_http = parts.scheme == "http" and allow_loopback_http and _loopback(parts.hostname or "")
        if not parts.hostname or parts.fragment or not (parts.scheme == "https" or plain_http):
            raise ActionError(
                _("%(uri)s is not a valid redirect URI: use an absolute https address without a fragment.")
                % {"uri": uri},
                field="redirect_uris",
            )
    return " ".join(dict.fromkeys(uris))


def clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise ActionError(_("Give the app a name (at most 255 characters)."), field="name")
    return name


def _described(client: Application) -> dict[str, str]:
    return {"name": client.name, "redirect_uris": client.redirect_uris, "client_type": client.client_type}


@transaction.atomic
def client_create(*, actor: Actor, name: str, redirect_uris: str, client_type: str) -> tuple[Application, str]:
    """Register an app for the authorization code flow (PKCE required, RS256 ID tokens);
    returns it with its client secret (shown once; a public app gets none to use)."""
    require_operator_admin(actor)
    if client_type not in CLIENT_TYPES:
        raise ActionError(_("Choose confidential or public."), field="client_type")
    secret = get_random_string(SECRET_LENGTH)
    client = Application(
        name=clean_name(name),
        redirect_uris=clean_redirect_uris(redirect_uris),
        client_type=client_type,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        algorithm=Application.RS256_ALGORITHM,
        client_secret=secret,
    )
    client.save()
    record(actor=actor, action="sso.client_created", obj=client, after=_described(client))
    return client, secret


@transaction.atomic
def client_rotate_secret(*, actor: Actor, client: Application) -> str:
    """A new client secret; the old one stops working at once."""
    require_operator_admin(actor)
    secret = get_random_string(SECRET_LENGTH)
    client.client_secret = secret
    client.save(update_fields=["client_secret", "updated"])
    record(actor=actor, action="sso.secret_rotated", obj=client)
    return secret


@transaction.atomic
def client_delete(*, actor: Actor, client: Application) -> None:
    """Remove the app with its grants and tokens: its logins end at their next token check."""
    require_operator_admin(actor)
    record(actor=actor, action="sso.client_deleted", obj=client, before=_described(client))
    client.delete()
