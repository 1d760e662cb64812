"""The events blank SIM orders record (webhooks may subscribe), beside the audit rows of the
same changes, which carry the same codes. data: {"order": id, "quantity", "kind", "status",
"expected_on"}; on delivery also "iccids", the cards put in stock."""

from django.utils.translation import gettext_lazy as _

from fleetportal.core.events import EventType

CREATED = "sim_order.created"
SHIPPED = "sim_order.shipped"
DELIVERED = "sim_order.delivered"

SIM_ORDER_CREATED = EventType(CREATED, _("Blank SIM cards ordered"))
SIM_ORDER_SHIPPED = EventType(SHIPPED, _("Blank SIM card order shipped"))
SIM_ORDER_DELIVERED = EventType(DELIVERED, _("Blank SIM card order delivered"))

ALL = (SIM_ORDER_CREATED, SIM_ORDER_SHIPPED, SIM_ORDER_DELIVERED)
OF_ACTION = {event.name: event for event in ALL}
