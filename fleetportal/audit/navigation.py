"""The audit log's menu entry, for managers and operator staff (registered in `AuditConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fleetportal.core.navigation import MANAGER, STAFF, MenuEntry, register_menu


def register() -> None:
    register_menu(
        MenuEntry(
            key="audit.log", label=_("Audit log"), url="audit_log", audiences=frozenset({MANAGER, STAFF}), order=70
        )
    )
