"""The gate every request passes after authentication (QUALITY S7, S9; R-I3, R-I5).

It builds `request.actor`, ends idle and disabled sessions, and keeps a session that still
owes an SMS code, must change a temporary password, or logged in by phone number on the few
pages it may see.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from fleetportal.core.actor import Actor
from fleetportal.core.http import PortalRequest
from fleetportal.core.models import Channel

from . import session as keys
from .selectors import current_membership
from .session import client_ip

# Idle time is tracked to the minute so that the session is not written on every request.
LAST_SEEN_RESOLUTION = 60
# The language switch stays open to a session that still owes its code (it then only sets the
# language of the session, see views.set_language).
ALWAYS_OPEN = ("/static/", "/profile/language/", "/healthz", "/accounts/logout/", "/dev/outbox/", "/api/")
# A phone-number login's pages: its own line's, and the built-in test provider's checkout,
# which stands for the provider's site when it pays its private invoices (F-64).
NUMBER_LOGIN_OPEN = ("/me/", "/payments/test-checkout/")


def _open(path: str, prefixes: tuple[str, ...]) -> bool:
    return path.startswith(ALWAYS_OPEN + prefixes)


class AccessGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: PortalRequest) -> HttpResponse:
        request.actor = Actor(user=None, channel=Channel.WEB, ip_address=client_ip(request))
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)

        now = int(time.time())
        last_seen = request.session.get(keys.LAST_SEEN, now)
        started = request.session.setdefault(keys.STARTED, now)
        membership = current_membership(user, request.session.get(keys.CUSTOMER))
        if (
            now - last_seen > settings.SESSION_IDLE_SECONDS
            or now - started > settings.SESSION_COOKIE_AGE
            or not user.is_active
            or (membership is None and not user.is_staff)
        ):
            logout(request)
            return redirect(reverse("account_login"))
        if now - last_seen >= LAST_SEEN_RESOLUTION or keys.LAST_SEEN not in request.session:
            request.session[keys.LAST_SEEN] = now  # saves the session: not on every request

        number = request.session.get(keys.NUMBER)
        request.actor = Actor(
            user=user,
            channel=Channel.STAFF if user.is_staff and not number else Channel.WEB,
            membership=membership,
            number=number,
            ip_address=client_ip(request),
            functions=frozenset(membership.functions if membership else ()),
        )
        path = request.path
        request.gated = bool(request.session.get(keys.SMS_PENDING) or user.must_change_password)
        if request.session.get(keys.SMS_PENDING):
            if not _open(path, ("/login/code/",)):
                return redirect("login_sms_code")
        elif user.must_change_password:
            if not _open(path, ("/password/change-required/",)):
                return redirect("password_change_required")
        elif number and not _open(path, NUMBER_LOGIN_OPEN):
            return redirect("member_home")
        return self.get_response(request)


class UserLanguageMiddleware:
    """A logged-in user's profile language wins over the browser's (F-80); staff pages too.

    A session that still owes its SMS code may switch the language of its own pages; the
    profile takes that choice only once the code is given (views_login.sms_code)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        language = user.language if user.is_authenticated else ""
        if user.is_authenticated and request.session.get(keys.SMS_PENDING):
            language = request.session.get(keys.LANGUAGE) or language
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
