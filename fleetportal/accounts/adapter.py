"""allauth hooks: no self sign-up, the SMS step after the password, audit of logins, and
allauth's own mails sent through the outbox like every other message."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import translation

from fleetportal.core.actor import Actor
from fleetportal.core.models import Channel
from fleetportal.notifications import outbox

from . import second_factor
from . import session as keys
from .actions import audit_identity
from .models import User
from .selectors import active_memberships, current_membership
from .session import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False  # logins come from invitations and "no login yet?" (F-03, F-04)

    def authenticate(self, request: HttpRequest, **credentials: Any) -> User | None:  # type: ignore[override]
        """A deactivated login, or one whose memberships are all disabled, is answered exactly
        like a wrong password: no session, no "account inactive" page that would confirm the
        password (QUALITY S5, S9)."""
        user = super().authenticate(request, **credentials)
        if user is None or (user.is_active and (user.is_staff or active_memberships(user).exists())):
            return user
        return None

    def login(self, request: HttpRequest, user: User) -> None:  # type: ignore[override]
        super().login(request, user)
        membership = current_membership(user, None)
        audit_identity(
            actor=Actor(user=user, channel=Channel.WEB, ip_address=client_ip(request)),
            action="login.ok",
            customer=membership.customer if membership else None,
            user=user,
        )
        second_factor.begin(request, user)

    def post_login(
        self, request: HttpRequest, user: User, *, redirect_url: str | None = None, **kwargs: Any
    ) -> HttpResponse:
        """Owing an SMS code, go to the code page first; the `next` page allauth already
        checked (`redirect_url`) goes along, so the login still lands where it was asked for."""
        response = super().post_login(request, user, redirect_url=redirect_url, **kwargs)
        if request.session.get(keys.SMS_PENDING):
            return redirect(second_factor.code_url(redirect_url))
        return response

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        user = context.get("user")
        language = getattr(user, "language", "") or translation.get_language() or "en"
        with translation.override(language):
            subject = render_to_string(f"{template_prefix}_subject.txt", context).strip()
            body = render_to_string(f"{template_prefix}_message.txt", context)
        outbox.queue_email(to=email, subject=self.format_email_subject(subject), body=body)
