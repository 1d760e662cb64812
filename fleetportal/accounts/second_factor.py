"""The SMS code after the password (F-07, R-I4).

A login whose customer keeps the SMS step on, and who has no stronger factor (TOTP or a
passkey, which allauth already asked for), is logged in with the session marked as still
owing a code; the access gate keeps it on the code page until the code is given.
"""

from __future__ import annotations

import contextlib

from allauth.mfa.models import Authenticator
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from fleetportal.core.actor import Actor
from fleetportal.core.models import Channel

from . import code_pages
from . import session as keys
from .actions import audit_identity
from .codes import CodeRequest, TooManyCodes, issue_code, new_flow_id
from .models import OneTimeCode, User
from .selectors import current_membership


def needs_sms_code(user: User) -> bool:
    if user.is_staff or not user.phone:
        return False
    if Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.RECOVERY_CODES).exists():
        return False
    return user.memberships.filter(customer__sms_second_factor=True).exclude(status="disabled").exists()


def code_url(next_url: str | None) -> str:
    """The SMS code page, carrying on the page asked for before the login (`next`), which
    the code page checks again before it redirects there."""
    url = reverse("login_sms_code")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def send_login_code(request: HttpRequest, user: User) -> None:
    """Send (or resend) the code; raises TooManyCodes over the limits. Either way the code page
    learns what happened (code_pages: a refusal leaves this page without a code of its own)."""
    membership = current_membership(user, None)
    flow_id = request.session.get(keys.flow_key(OneTimeCode.Purpose.LOGIN_SMS)) or new_flow_id()
    request.session[keys.flow_key(OneTimeCode.Purpose.LOGIN_SMS)] = flow_id
    code_request = CodeRequest(
        purpose=OneTimeCode.Purpose.LOGIN_SMS,
        channel=OneTimeCode.Channel.SMS,
        target=user.phone.as_e164,
        flow_id=flow_id,
        language=user.language or (membership.customer.language if membership else "en"),
        user=user,
        customer=membership.customer if membership else None,
        ip_address=keys.client_ip(request),
    )
    try:
        issue_code(code_request)
    except TooManyCodes as exc:
        code_pages.remember_refused(request.session, OneTimeCode.Purpose.LOGIN_SMS, exc)
        raise
    code_pages.remember_sent(request.session, code_request)
    audit_identity(
        actor=Actor(user=user, channel=Channel.WEB, ip_address=keys.client_ip(request)),
        action="code.sent",
        customer=membership.customer if membership else None,
        user=user,
        detail={"purpose": "login_sms"},
    )


def begin(request: HttpRequest, user: User) -> None:
    """Called right after a password login."""
    if not needs_sms_code(user):
        return
    request.session[keys.SMS_PENDING] = True
    with contextlib.suppress(TooManyCodes):  # the code page says why there is no code, and until when
        send_login_code(request, user)
