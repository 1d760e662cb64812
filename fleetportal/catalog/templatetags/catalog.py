"""Template filters for prices and bundles: `{% load catalog %}`, `{{ price|money }}`,
`{{ plan|bundle }}` (what a plan, option or group bundle includes each month)."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fleetportal.catalog.models import Bundle

register = template.Library()

MB_PER_GB = 1024


@register.filter
def money(value: Decimal | None) -> str:
    """Decimal("5") → "€ 5.00" in the current language's number format ("€ 5,00" in Dutch)."""
    if value is None:
        return ""
    return f"€\N{NO-BREAK SPACE}{number_format(value, 2, use_l10n=True)}"


def _data(mb: int) -> str:
    if mb >= MB_PER_GB and mb % MB_PER_GB == 0:
        return _("%(count)s GB") % {"count": mb // MB_PER_GB}
    return _("%(count)s MB") % {"count": mb}


@register.filter
def bundle(item: Bundle) -> str:
    """ "20 GB · unlimited minutes · unlimited SMS"; parts the item does not include are left out."""
    parts = []
    if item.data_mb is None:
        parts.append(_("unlimited data"))
    elif item.data_mb:
        parts.append(_data(item.data_mb))
    if item.voice_minutes is None:
        parts.append(_("unlimited minutes"))
    elif item.voice_minutes:
        minutes = item.voice_minutes
        parts.append(ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes})
    if item.sms is None:
        parts.append(_("unlimited SMS"))
    elif item.sms:
        parts.append(_("%(count)s SMS") % {"count": item.sms})
    return " · ".join(parts) or "—"
