"""Who may see the accounts app's rows, registered with the kernel's `scope` (from
`AccountsConfig.ready`), and its right: managing users (F-09).

- Memberships (the user list, F-12): managers with the users right and keys with the users or
  read scope see their customer's; operator staff every customer's.
- API keys (F-91): the customer's user managers only, with a full login. A key never reads
  keys, whatever its scopes, and staff reach a customer's keys only as one of its managers."""

from fleetportal.core import scope

from .models import ApiKey, Function, Membership

USERS = Function.USERS
RIGHTS = (USERS,)


def register() -> None:
    scope.register(Membership, scope.Rule(customer="customer", rights=RIGHTS))
    scope.register(ApiKey, scope.Rule(customer="customer", rights=RIGHTS, staff=False, keys=False))
