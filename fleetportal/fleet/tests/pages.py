"""Helpers of the fleet page tests (the logged-in clients are fixtures in conftest.py)."""

from __future__ import annotations

from django.http import HttpResponse


def messages_of(response: HttpResponse) -> list[str]:
    """The flash messages a (followed) response shows."""
    context = getattr(response, "context", None)
    return [str(message) for message in context["messages"]] if context else []
