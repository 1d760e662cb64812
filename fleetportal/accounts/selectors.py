"""Reads of logins and memberships, always scoped to the actor (DESIGN rule 2)."""

from __future__ import annotations

from django.db.models import Case, Q, QuerySet, When
from django.http import Http404

from fleetportal.core.actor import Actor
from fleetportal.core.models import Customer
from fleetportal.core.scope import CHANGE, scope

from .models import ApiKey, Membership, Role, User


def active_memberships(user: User) -> QuerySet[Membership]:
    """The memberships a login may use: not disabled, of a customer not suspended (F-93)."""
    return (
        Membership.objects.select_related("customer")
        .filter(user=user, customer__suspension__isnull=True)
        .exclude(status=Membership.Status.DISABLED)
        .order_by("customer__name")
    )


def current_membership(user: User, preferred_customer_id: int | None) -> Membership | None:
    memberships = active_memberships(user)
    if preferred_customer_id:
        chosen = memberships.filter(customer_id=preferred_customer_id).first()
        if chosen:
            return chosen
    return memberships.first()


def memberships_for(actor: Actor, *, search: str = "", status: str = "", role: str = "") -> QuerySet[Membership]:
    """The user list (F-12): the actor's customer only; staff see every customer (policy.py)."""
    qs = scope(actor, Membership)
    if search:
        qs = qs.filter(
            Q(user__email__icontains=search)
            | Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
            | Q(description__icontains=search)
            | Q(user__phone__icontains=search.replace(" ", ""))
        )
    if status:
        qs = qs.filter(status=status)
    if role:
        qs = qs.filter(role=role)
    role_rank = Case(When(role=Role.HOLDER, then=0), When(role=Role.MANAGER, then=1), default=2)
    return qs.select_related("user", "customer").order_by("customer__name", role_rank, "user__email")


def membership_for(actor: Actor, membership_id: int) -> Membership:
    """One membership the actor may manage, or 404 (a foreign id is a 404, QUALITY S1)."""
    membership = memberships_for(actor).filter(pk=membership_id).first()
    if membership is None:
        raise Http404
    return membership


def holder_of(customer: Customer) -> Membership | None:
    return Membership.objects.filter(customer=customer, role=Role.HOLDER).select_related("user").first()


def api_keys_for(actor: Actor) -> QuerySet[ApiKey]:
    """The keys of the actor's customer, for its managers with the users right: not for a key,
    nor for staff but as such a manager (policy.py). "change": the page manages them, so the
    right itself, not the read scope."""
    return scope(actor, ApiKey, CHANGE)


def user_by_login(login: str) -> User | None:
    """A login by e-mail or by `alias@company` (F-10)."""
    login = (login or "").strip()
    if "@" not in login:
        return None
    user = User.objects.filter(email__iexact=login).first()
    if user is not None:
        return user
    alias, _, domain = login.rpartition("@")
    membership = (
        Membership.objects.select_related("user")
        .filter(alias__iexact=alias, customer__login_domain__iexact=domain)
        .first()
    )
    return membership.user if membership else None
