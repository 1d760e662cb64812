"""Template filters of the line controls' pages (F-40)."""

from __future__ import annotations

from django import template

from fleetportal.fleet.models import Service

register = template.Library()
_LABELS = dict(Service.choices)


@register.filter
def service_label(code: str) -> str:
    """A blocked service's short name ("Mobile data", "Abroad: data"); an unknown code as is."""
    return str(_LABELS.get(code, code))
