"""A test client for the API: JSON bodies and, when given one, an API key."""

from __future__ import annotations

from typing import Any

from django.test import Client


class ApiClient(Client):
    """A test client that sends JSON and, when given one, the API key."""

    def __init__(self, key: str | None = None, **kwargs: Any):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        super().__init__(headers=headers, **kwargs)

    def send(self, method: str, path: str, data: Any = None, raw: str | None = None) -> Any:
        body = raw if raw is not None else data
        return getattr(self, method.lower())(path, body, content_type="application/json")
