"""Readable, translated names for the audit log's action codes and before/after keys (F-33).

The codes stay stable in the database, the CSV and the API; people read these labels. A code
recorded anywhere needs an entry in ACTION_LABELS (a test collects every code the code base
records); a code missing here still shows, humanised, never as an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, Promise] = {
    # Logins, codes and passwords (accounts)
    "login.ok": _("Logged in"),
    "login.failed": _("Login failed"),
    "login.second_factor_ok": _("SMS code at login accepted"),
    "login.second_factor_failed": _("Wrong SMS code at login"),
    "login.claimed": _("Contract holder login claimed"),
    "code.sent": _("One-time code sent"),
    "password.changed": _("Password changed"),
    "password.reset": _("Password reset"),
    "password.temporary_set": _("Temporary password set"),
    "password.change_required": _("Password change required"),
    "second_factor.switched": _("SMS second factor switched"),
    "profile.changed": _("Profile changed"),
    # Users, roles and rights (accounts)
    "invitation.sent": _("Invitation sent"),
    "invitation.resent": _("Invitation sent again"),
    "invitation.accepted": _("Invitation accepted"),
    "role.changed": _("Role changed"),
    "rights.changed": _("Rights changed"),
    "rights.number_login_changed": _("Phone-number login rights changed"),
    "user.disabled": _("User disabled"),
    "user.enabled": _("User enabled"),
    # API keys (api)
    "api_key.created": _("API key created"),
    "api_key.revoked": _("API key revoked"),
    # Customers and the audit log itself (core)
    "customer.created": _("Customer created"),
    "audit.exported": _("Audit log exported"),
    # Lines (fleet)
    "line.added": _("Line added"),
    "line.activated": _("Line activated"),
    "line.suspend": _("Line suspended"),
    "line.reactivate": _("Line reactivated"),
    "line.stopped": _("Line stopped"),
    "line.port_in_completed": _("Number port-in completed"),
    "line.plan_changed": _("Tariff plan changed"),
    "line.options_changed": _("Options changed"),
    "line.billing_changed": _("Billing account changed"),
    "line.tags_changed": _("Tags changed"),
    "line.sim_swapped": _("SIM card replaced"),
    "line.esim_resent": _("eSIM activation e-mail sent again"),
    "sim.codes_revealed": _("SIM codes (PIN, PUK, eSIM code) shown to the user"),
    "line.details_updated": _("User details changed"),
    "line.details_confirmed": _("User details confirmed"),
    "line.blocks_changed": _("Blocks changed"),
    "line.limits_changed": _("PayByMobile limit or out-of-bundle notification changed"),
    "line.bundle_alerts_switched": _("Bundle alerts switched"),
    "line.change_scheduled": _("Change planned"),
    "line.change_cancelled": _("Planned change cancelled"),
    "lines.imported": _("Lines imported"),
    "lines.exported": _("Lines exported"),
    "export.file_deleted": _("Export file deleted after its retention period"),
    "tag.created": _("Tag created"),
    # The network (network)
    "network.retry": _("Network change retried"),
    "outbox.redelivered": _("Failed message sent again"),
    "network.simulator_rule_add": _("Network simulator rule added"),
    "network.simulator_rule_delete": _("Network simulator rule deleted"),
}

FIELD_LABELS: dict[str, Promise] = {
    "action": _("action"),
    "added": _("added"),
    "billing_account": _("billing account"),
    "blocked": _("blocked"),
    "blocks": _("blocks"),
    "bundle_alerts": _("bundle alerts by SMS"),
    "box": _("box"),
    "channel": _("channel"),
    "civility": _("civility"),
    "contact_phone": _("contact phone"),
    "contract": _("contract"),
    "customer": _("customer"),
    "date": _("date"),
    "date_from": _("start date"),
    "date_to": _("end date"),
    "description": _("description"),
    "details_confirmed_at": _("details confirmed on"),
    "donor_account": _("account at the donor operator"),
    "donor_operator": _("donor operator"),
    "donor_sim": _("SIM card at the donor operator"),
    "dropped": _("options dropped"),
    "email": _("e-mail"),
    "error": _("error"),
    "events": _("events"),
    "file": _("file"),
    "first_name": _("first name"),
    "format": _("format"),
    "functions": _("rights"),
    "iccid": _("SIM card number (ICCID)"),
    "kind": _("kind"),
    "language": _("language"),
    "last_name": _("last name"),
    "lines": _("lines"),
    "locality": _("locality"),
    "login": _("login"),
    "method": _("method"),
    "msisdn": _("phone number"),
    "name": _("name"),
    "network_state": _("network state"),
    "not_applicable": _("options not applicable"),
    "number": _("phone number"),
    "operation": _("operation"),
    "options": _("options"),
    "outcome": _("outcome"),
    "out_of_bundle_notify_at": _("out-of-bundle notification at (EUR)"),
    "paybymobile": _("PayByMobile"),
    "paybymobile_cap": _("PayByMobile monthly limit (EUR)"),
    "phone": _("mobile number"),
    "plan": _("tariff plan"),
    "port_in": _("port-in"),
    "postal_code": _("postal code"),
    "prefix": _("key prefix"),
    "purpose": _("purpose"),
    "reason": _("reason"),
    "recipient": _("recipient"),
    "removed": _("removed"),
    "request": _("network request"),
    "revoked_at": _("revoked on"),
    "role": _("role"),
    "rule": _("usage rule"),
    "scopes": _("scopes"),
    "search": _("search"),
    "sms_second_factor": _("SMS second factor"),
    "sort": _("sort order"),
    "split_bill_profile": _("split-bill profile"),
    "status": _("status"),
    "street": _("street"),
    "tag": _("tag"),
    "transfer_to_private": _("transfer to a private subscription"),
    "unblocked": _("unblocked"),
    "user": _("user"),
}


# Readable values of the keys whose values are codes ("member", "suspended"): each app registers
# its own choices in ready(), the kernel knows none of them. A value without a label shows as is.
VALUE_LABELS: dict[str, dict[str, Promise]] = {}


def register_values(key: str, choices: Iterable[tuple[Any, Any]]) -> None:
    """Name the values of `key` (a model's `choices`); a value named already keeps its label."""
    labels = VALUE_LABELS.setdefault(key, {})
    for value, label in choices:
        labels.setdefault(str(value), label)


def humanise(code: str) -> str:
    """The fallback for a code without a label: "lines.suspended" → "Lines suspended"."""
    words = " ".join(code.replace(".", " ").replace("_", " ").split())
    return words[:1].upper() + words[1:] if words else "—"


def action_label(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else humanise(code)


def field_label(key: str) -> str:
    label = FIELD_LABELS.get(key)
    return str(label) if label is not None else " ".join(key.replace("_", " ").split()) or "—"


def action_choices(codes: Iterable[str]) -> list[tuple[str, str]]:
    """(code, label) pairs sorted by label in the active language, for a drop-down."""
    return sorted(((code, action_label(code)) for code in set(codes)), key=lambda pair: pair[1].casefold())
