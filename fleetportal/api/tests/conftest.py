"""API test helpers on top of the shared fixtures in fleetportal/conftest.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.test import Client

from fleetportal.accounts.models import ApiKey, User
from fleetportal.api.actions import api_key_create
from fleetportal.conftest import make_actor


@pytest.fixture
def new_key(db: None) -> Callable[..., tuple[ApiKey, str]]:
    """`new_key(manager_user, scopes=("read", "users"))` → (ApiKey, plaintext), made by the real action."""

    def make(user: User, scopes: Sequence[str] = ("read", "users"), name: str = "HR sync") -> tuple[ApiKey, str]:
        return api_key_create(actor=make_actor(user), name=name, scopes=list(scopes))

    return make


class ApiClient(Client):
    """A test client that sends JSON and, when given one, the API key."""

    def __init__(self, key: str | None = None, **kwargs: Any):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        super().__init__(headers=headers, **kwargs)

    def send(self, method: str, path: str, data: Any = None, raw: str | None = None) -> Any:
        body = raw if raw is not None else data
        return getattr(self, method.lower())(path, body, content_type="application/json")


@pytest.fixture
def api_client() -> Callable[..., ApiClient]:
    return ApiClient


@pytest.fixture
def key_client(new_key: Callable[..., tuple[ApiKey, str]], holder: User) -> ApiClient:
    """A client with a `read`+`users` key of `customer`."""
    return ApiClient(new_key(holder)[1])
