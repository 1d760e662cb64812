"""Template filters of the member's own pages (F-74)."""

from __future__ import annotations

from django import template

from fleetportal.core.actor import Actor

register = template.Library()


@register.filter
def allows(actor: Actor, function: str) -> bool:
    """`{% if actor|allows:"alerts" %}`: whether the login may use that function of its line
    (a phone-number login only what the contract holder allows, F-08)."""
    return actor.number_login_allows(function)
