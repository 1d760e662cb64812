"""Every change to SIM cards and lines (SPEC F-21..F-30) and their controls (F-40..F-43), for
pages, the API and jobs alike.

Each action is keyword-only, takes the acting `Actor`, checks rights (managers with the fleet
function of the line's customer, API keys with the fleet scope, operator staff), runs in one
transaction, writes its audit events and queues provisioning requests and e-mails in that
transaction. A broken rule raises `ActionError` naming the field; nothing is changed then.
"""

from .billing import KEEP, lines_change_billing, lines_set_tags, tag_create
from .bulk import (
    OptionsChangeReview,
    PlanChangeReview,
    lines_change_options,
    lines_change_plan,
    load_current_options,
    review_options_change,
    review_plan_change,
)
from .controls import (
    BlocksChangeReview,
    line_blocks_set,
    line_bundle_alerts_set,
    line_limits_change,
    lines_blocks_change,
    review_blocks_change,
)
from .details import LineDetails, line_confirm_details, line_update_details
from .lifecycle import line_stop, lines_reactivate, lines_stop, lines_suspend
from .lines import (
    Activation,
    LinesRefused,
    NewLine,
    NewNumber,
    PortIn,
    line_activate,
    line_add,
    line_port_in_complete,
    lines_add,
)
from .network import provisioning_retry
from .schedule import schedule_cancel
from .sims import EsimResendRefused, TooManyResends, esim_resend_activation, sim_swap

__all__ = [
    "KEEP",
    "Activation",
    "BlocksChangeReview",
    "EsimResendRefused",
    "LineDetails",
    "LinesRefused",
    "NewLine",
    "NewNumber",
    "OptionsChangeReview",
    "PlanChangeReview",
    "PortIn",
    "TooManyResends",
    "esim_resend_activation",
    "line_activate",
    "line_add",
    "line_blocks_set",
    "line_bundle_alerts_set",
    "line_confirm_details",
    "line_limits_change",
    "line_port_in_complete",
    "line_stop",
    "line_update_details",
    "lines_add",
    "lines_blocks_change",
    "lines_change_billing",
    "lines_change_options",
    "lines_change_plan",
    "lines_reactivate",
    "lines_set_tags",
    "lines_stop",
    "lines_suspend",
    "load_current_options",
    "provisioning_retry",
    "review_blocks_change",
    "review_options_change",
    "review_plan_change",
    "schedule_cancel",
    "sim_swap",
    "tag_create",
]
