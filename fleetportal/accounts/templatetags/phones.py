from django import template

from fleetportal.core.phones import display

register = template.Library()


@register.filter(name="phone")
def phone(value: object) -> str:
    """+32470000003 → +32 470 00 00 03 (numbers are stored in E.164)."""
    return display(str(value)) if value else ""
