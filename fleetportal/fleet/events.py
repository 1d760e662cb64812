"""The events the fleet records, beside the audit rows of the same changes (consumed next by
rules, alerts and webhooks). data: the line's new values, as in its audit row's "after"."""

from django.utils.translation import gettext_lazy as _

from fleetportal.core.events import EventType

LINE_ADDED = EventType("line.added", _("Line added"))
LINE_ACTIVATED = EventType("line.activated", _("Line activated"))
LINE_SUSPENDED = EventType("line.suspended", _("Line suspended"))
LINE_REACTIVATED = EventType("line.reactivated", _("Line reactivated"))
LINE_STOPPED = EventType("line.stopped", _("Line stopped"))
LINE_PORT_IN_COMPLETED = EventType("line.port_in_completed", _("Number port-in completed"))
LINE_PLAN_CHANGED = EventType("line.plan_changed", _("Tariff plan changed"))
LINE_OPTIONS_CHANGED = EventType("line.options_changed", _("Options changed"))
LINE_BILLING_CHANGED = EventType("line.billing_changed", _("Billing account changed"))
LINE_SIM_SWAPPED = EventType("line.sim_swapped", _("SIM card replaced"))
LINE_BLOCKS_CHANGED = EventType("line.blocks_changed", _("Blocks changed"))
LINE_LIMITS_CHANGED = EventType("line.limits_changed", _("PayByMobile limit or out-of-bundle notification changed"))
LINE_BUNDLE_ALERTS_SWITCHED = EventType("line.bundle_alerts_switched", _("Bundle alerts switched"))

# The event each audited line change records (the audit codes "line.suspend"/"line.reactivate"
# predate the catalogue and stay as the audit log keeps them).
OF_AUDIT_ACTION = {
    "line.added": LINE_ADDED,
    "line.activated": LINE_ACTIVATED,
    "line.suspend": LINE_SUSPENDED,
    "line.reactivate": LINE_REACTIVATED,
    "line.stopped": LINE_STOPPED,
    "line.port_in_completed": LINE_PORT_IN_COMPLETED,
    "line.plan_changed": LINE_PLAN_CHANGED,
    "line.options_changed": LINE_OPTIONS_CHANGED,
    "line.billing_changed": LINE_BILLING_CHANGED,
    "line.sim_swapped": LINE_SIM_SWAPPED,
    "line.blocks_changed": LINE_BLOCKS_CHANGED,
    "line.limits_changed": LINE_LIMITS_CHANGED,
    "line.bundle_alerts_switched": LINE_BUNDLE_ALERTS_SWITCHED,
}
