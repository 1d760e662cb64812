"""An audit event's before → after as people read it (the audit log page and a line's history)."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .audit_labels import VALUE_LABELS, field_label
from .models import AuditEvent


def _readable(value: Any, labels: dict[str, Promise] | None = None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list | tuple):
        return ", ".join(_readable(v, labels) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_readable(v, VALUE_LABELS.get(k))}" for k, v in value.items()) or "—"
    label = labels.get(str(value)) if labels else None
    return str(label) if label is not None else str(value)


def value_label(key: str, value: Any) -> str:
    """A before/after value as people read it: a code named by its app, in the active language."""
    return _readable(value, VALUE_LABELS.get(key))


def changes(event: AuditEvent) -> list[tuple[str, str, str]]:
    """(field, before, after) for every key either side holds, unchanged keys left out."""
    before, after = event.before or {}, event.after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [
        (field_label(key), value_label(key, before.get(key)), value_label(key, after.get(key)))
        for key in keys
        if before.get(key) != after.get(key)
    ]
