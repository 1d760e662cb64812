"""The events the network app records (consumed by fleet: a line's network state, port-in)."""

from django.utils.translation import gettext_lazy as _

from fleetportal.core.events import EventType

# data: {"line_id", "operation"}; object: the ProvisioningRequest.
PROVISIONING_DONE = EventType("provisioning.done", _("Network change carried out"))
PROVISIONING_FAILED = EventType("provisioning.failed", _("Network change failed"))
