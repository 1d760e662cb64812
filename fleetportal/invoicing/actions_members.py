"""R-B4: the employee of a split-bill line is invited by e-mail when the line is activated, to
their own pages (private invoices, F-64); they cannot sign up on their own (allauth's sign-up is
closed). The invitation is the accounts' (`member_invite_by_portal`, in the member's language,
through the outbox); the line is then linked to that login."""

from __future__ import annotations

from django.db import transaction

from fleetportal.accounts.actions import member_invite_by_portal
from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.fleet.models import Line


@transaction.atomic
def split_bill_member_invite(*, actor: Actor, line: Line) -> bool:
    """Invite the line's employee if it is a split-bill line with an e-mail address and no
    login yet; whether the line got one. Run again (a replayed event), nothing more is sent."""
    if line.split_bill_profile_id is None or line.user_id is not None or not line.email:
        return False
    membership = member_invite_by_portal(actor=actor, customer=line.customer, email=line.email, language=line.language)
    if not Line.objects.filter(pk=line.pk, user=None).update(user=membership.user):
        return False
    record(
        actor=actor,
        action="line.details_updated",  # the line's user: now the invited login
        customer=line.customer,
        obj=line,
        before={"user": ""},
        after={"user": membership.user.email},
    )
    return True
