"""The events alerts and usage rules record (webhooks and the audit log name them)."""

from django.utils.translation import gettext_lazy as _

from fleetportal.core.events import EventType

# data: {"period": "YYYY-MM-01", "bundle": "data|voice|sms", "threshold": 75|90|100}
BUNDLE_ALERT_SENT = EventType("alert.bundle_sent", _("Bundle alert sent"))
# data: {"period": ..., "amount": "12.3400", "notify_at": "10.00"}; on a line or a pool
COST_ALERT_SENT = EventType("alert.out_of_bundle_sent", _("Out-of-bundle notification sent"))
RULE_CREATED = EventType("rule.created", _("Usage rule created"))
RULE_CHANGED = EventType("rule.changed", _("Usage rule changed"))
RULE_DELETED = EventType("rule.deleted", _("Usage rule deleted"))
# data: {"rule": id, "period": ..., "effect": ..., "value": "..."}; one per line
RULE_FIRED = EventType("rule.fired", _("Usage rule applied"))
RULE_LIFTED = EventType("rule.lifted", _("Usage rule lifted"))

ALL = (BUNDLE_ALERT_SENT, COST_ALERT_SENT, RULE_CREATED, RULE_CHANGED, RULE_DELETED, RULE_FIRED, RULE_LIFTED)
