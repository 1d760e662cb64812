"""Template filters of the member's own pages (F-74)."""

from __future__ import annotations

from django import template

from fleetportal.core.actor import Actor
from fleetportal.fleet.views.member import number_login_allows

register = template.Library()


@register.filter
def allows(actor: Actor, function: str) -> bool:
    """`{% if actor|allows:"alerts" %}`: whether the login may use that function of its line
    (a phone-number login only what the contract holder allows, F-08)."""
    return number_login_allows(actor, function)
