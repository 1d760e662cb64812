"""Who may see which rows: the one place that knows staff, managers with their rights, API keys
with their scopes, members and phone-number logins (DESIGN rule 2, QUALITY S1/S2).

Each app registers, in its `policy.py`, how each of its models hangs off a customer and which
rights read it; every selector starts from `scope(actor, Model)` (or a queryset of it) and
narrows from there, so a query outside the actor's reach cannot be written by accident and a
foreign id is a 404.

- operator staff (not through a phone-number login): every row;
- a manager login or an API key of the row's customer: every row of that customer, if one of
  the rule's `rights` is theirs (`actor.can`: a login's function limits, a key's scopes;
  "read" is the key scope that reads everything and any unlimited manager has it);
- a member (or a manager without the right): only the rows the rule's `own` lookup ties to
  their user, if the rule has one;
- a phone-number login: only the rows the rule's `number` lookup ties to that number (R-I5),
  and none if the rule names a `number_function` the contract holder did not allow (F-08);
- anyone else: nothing.

A rule may narrow that: `customer=None` for the operator's own rows (staff only), `staff=False`
for rows staff reach only as a member of the customer like anyone else, `keys=False` for rows
an API key never reads whatever its scopes (a customer's keys are managed by its user managers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from django.db import models
from django.db.models import Q, QuerySet

from .actor import Actor

M = TypeVar("M", bound=models.Model)

READ = "read"  # the API key scope that reads every part of the portal
VIEW = "view"
CHANGE = "change"


@dataclass(frozen=True)
class Rule:
    # Lookup from the model to its Customer, e.g. "customer" or "line__customer"; None for the
    # operator's own rows (the back office's), which only staff read.
    customer: str | None
    rights: tuple[str, ...]  # functions (F-09) that see every row of the customer
    own: str | None = None  # lookup to the User a member sees their own rows by
    number: str | None = None  # lookup to the E.164 number a phone-number login sees
    number_also: Q | None = None  # what else a phone-number login's rows must match
    number_function: str | None = None  # the phone-number login function ("invoices") they need
    # Rows a customer sees that belong to no customer (e.g. the operator's blank SIM stock).
    shared: Q | None = None
    staff: bool = True  # operator staff see every row (False: only what their membership gives)
    keys: bool = True  # API keys read the rows by their scopes (False: logins only)


_rules: dict[type[models.Model], Rule] = {}


def register(model: type[models.Model], rule: Rule) -> None:
    _rules[model] = rule


def rule_for(model: type[models.Model]) -> Rule:
    try:
        return _rules[model]
    except KeyError:
        raise LookupError(f"{model.__name__} has no scope rule; register one in its app's policy.py") from None


def has_right(actor: Actor, rights: tuple[str, ...], action: str = VIEW) -> bool:
    """Whether the actor (a full login or a key of some customer) holds one of `rights`; to
    view, the key scope "read" counts too."""
    if actor.customer is None or actor.number is not None:
        return False
    wanted = rights if action == CHANGE else (*rights, READ)
    return any(actor.can(right) for right in wanted)


def scope(actor: Actor, rows: type[M] | QuerySet[M], action: str = VIEW) -> QuerySet[M]:
    """`rows` narrowed to what `actor` may see (or, with action="change", change)."""
    queryset: QuerySet[M] = rows.objects.all() if isinstance(rows, type) else rows  # type: ignore[attr-defined]
    rule = rule_for(queryset.model)
    if actor.is_staff and rule.staff:
        return queryset
    customer = actor.customer
    if customer is None or rule.customer is None or (actor.api_key is not None and not rule.keys):
        return queryset.none()
    mine = Q(**{rule.customer: customer})
    if rule.shared is not None:
        mine |= rule.shared
    if actor.number is not None:
        if rule.number is None or (rule.number_function and not actor.number_login_allows(rule.number_function)):
            return queryset.none()
        narrowed = queryset.filter(mine, **{rule.number: actor.number})
        return narrowed.filter(rule.number_also) if rule.number_also is not None else narrowed
    if has_right(actor, rule.rights, action):
        return queryset.filter(mine)
    if rule.own is not None and actor.user is not None and action == VIEW:
        return queryset.filter(mine, **{rule.own: actor.user})
    return queryset.none()


def sees_all_of_customer(actor: Actor, model: type[models.Model], action: str = VIEW) -> bool:
    """Whether `scope` gives the actor every row of its customer (not only its own)."""
    rule = rule_for(model)
    if actor.is_staff and rule.staff:
        return True
    if rule.customer is None or (actor.api_key is not None and not rule.keys):
        return False
    return has_right(actor, rule.rights, action)
