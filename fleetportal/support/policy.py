"""Who sees which tickets (F-70), registered with the kernel's `scope`:

- operator staff: every ticket (support agent and operator admin roles come with the back
  office; until then `actor.is_staff`);
- a manager with the support right (F-09; every unlimited manager has it) and an API key with
  the `read` scope: every ticket of their customer;
- anyone else of the customer (a member, a manager limited to other rights): only the tickets
  they opened themselves;
- a phone-number login, another customer: none (a foreign id is a 404).

The conversation and the attachments follow their ticket. Internal notes are staff's only:
the selectors leave them out for anyone else (`selectors.entries_of`)."""

from fleetportal.accounts.models import Function
from fleetportal.core import scope
from fleetportal.core.actor import Actor

from .models import Attachment, Entry, Ticket

SUPPORT = Function.SUPPORT
RIGHTS = (SUPPORT,)


def register() -> None:
    scope.register(Ticket, scope.Rule(customer="customer", rights=RIGHTS, own="opened_by"))
    scope.register(Entry, scope.Rule(customer="ticket__customer", rights=RIGHTS, own="ticket__opened_by"))
    scope.register(Attachment, scope.Rule(customer="ticket__customer", rights=RIGHTS, own="ticket__opened_by"))


def may_open(actor: Actor) -> bool:
    """Any login of a customer opens tickets (not a phone-number login); an API key only with
    the support scope (none is offered yet: keys read tickets with `read`)."""
    if actor.customer is None or actor.number is not None:
        return False
    return actor.api_key is None or actor.can(SUPPORT)
