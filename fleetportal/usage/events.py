"""The events usage records (consumed next by rating: a job's new records to price)."""

from django.utils.translation import gettext_lazy as _

from fleetportal.core.events import EventType

AUDIT_LABEL = _("Usage records ingested")

# data: {"job": id, "ingested": n, "duplicates": n, "bad": n}; the job's records are its new ones.
USAGE_INGESTED = EventType("usage.ingested", _("Usage records ingested"))

# Recorded by rating once per customer and period it (re)rated, after the counters are written:
# data: {"period": "YYYY-MM-01", "lines": [line ids whose counters changed], "pools": [pool ids]}.
# Alerts and rules consume it; a consumer reads the counters, never the records.
RATED_LABEL = _("Usage rated")
USAGE_RATED = EventType("usage.rated", RATED_LABEL)
