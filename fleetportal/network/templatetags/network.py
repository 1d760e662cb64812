from django import template

from fleetportal.core.actor import Actor
from fleetportal.network.policy import FLEET

register = template.Library()


@register.filter
def may_retry(actor: Actor | None) -> bool:
    """Whether the page may offer "retry" (the action checks again): staff or a fleet manager."""
    return actor is not None and (actor.is_staff or actor.can(FLEET))
