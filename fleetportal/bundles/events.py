"""The events group bundles record, beside the audit rows of the same changes (consumed by
rating, alerts and webhooks). The audit rows use the same codes, so the log and the events read
alike. data: the pool's new values (`pool_snapshot`), or for members the lines concerned."""

from django.utils.translation import gettext_lazy as _

from fleetportal.core.events import EventType

# The codes, as names the audit label test reads from the actions' source.
ORDERED = "pool.ordered"
CHANGED = "pool.changed"
MEMBERS_ADDED = "pool.members_added"
MEMBERS_REMOVED = "pool.members_removed"
ENDED = "pool.ended"

POOL_ORDERED = EventType(ORDERED, _("Group bundle ordered"))
POOL_CHANGED = EventType(CHANGED, _("Group bundle changed"))
# data: {"lines": [line ids], "moved_from": {"<line id>": pool id}} (lines that left another pool)
POOL_MEMBERS_ADDED = EventType(MEMBERS_ADDED, _("Lines added to a group bundle"))
# data: {"lines": [line ids]}
POOL_MEMBERS_REMOVED = EventType(MEMBERS_REMOVED, _("Lines removed from a group bundle"))
POOL_ENDED = EventType(ENDED, _("Group bundle ended"))

ALL = (POOL_ORDERED, POOL_CHANGED, POOL_MEMBERS_ADDED, POOL_MEMBERS_REMOVED, POOL_ENDED)
OF_ACTION = {event.name: event for event in ALL}
