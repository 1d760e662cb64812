"""Helpers of the fleet page tests (the logged-in clients are fixtures in conftest.py)."""

from __future__ import annotations

from fleetportal.fleet.models import Line, SimCard


def messages_of(response: object) -> list[str]:
    """The flash messages a (followed) response shows."""
    context = getattr(response, "context", None)
    return [str(message) for message in context["messages"]] if context else []


def sim_of(line: Line) -> SimCard:
    """The SIM card of a line that has one (every line the factories make)."""
    assert line.sim is not None
    return line.sim
