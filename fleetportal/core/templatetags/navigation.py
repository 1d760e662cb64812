"""`{% load navigation %}{% selection_actions as actions %}`: the SIM overview's buttons that
other apps registered (`core.navigation.register_selection_action`), for the page's actor."""

from __future__ import annotations

from typing import Any

from django import template

from fleetportal.core.navigation import Shown, selection_actions_for

register = template.Library()


@register.simple_tag(takes_context=True)
def selection_actions(context: Any) -> list[Shown]:
    actor = getattr(context.get("request"), "actor", None)
    return selection_actions_for(actor) if actor is not None else []
