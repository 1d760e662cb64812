"""Fixtures of the accounts tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fleetportal.core import navigation


@pytest.fixture
def navigation_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The registered tiles, menu entries and selection actions, free to change in the test: put
    back afterwards."""
    monkeypatch.setattr(navigation, "_tiles", dict(navigation._tiles))
    monkeypatch.setattr(navigation, "_menu", dict(navigation._menu))
    monkeypatch.setattr(navigation, "_selection_actions", dict(navigation._selection_actions))
    yield
