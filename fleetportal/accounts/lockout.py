"""django-axes hooks: which login an attempt was for, and a lockout answer that looks exactly
like a wrong password, so a locked account cannot be told apart (QUALITY S5)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def username_from_attempt(request: HttpRequest, credentials: dict | None) -> str:
    credentials = credentials or {}
    login = credentials.get("email") or credentials.get("username") or request.POST.get("login", "")
    return str(login).strip().lower()


def same_as_wrong_password(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    if original_response is not None:
        return original_response
    from django.shortcuts import redirect

    return redirect("account_login")
