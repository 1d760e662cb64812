"""Invitations and user management (F-03, F-12, S8, R-I2), the fixed contract holder (F-01)
and per-user rights (F-09)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from fleetportal.accounts import actions
from fleetportal.accounts.models import Function, Invitation, Membership, Role, User
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import AuditEvent
from fleetportal.core.tests.factories import MembershipFactory
from fleetportal.notifications.models import OutboxMessage

NEW_PASSWORD = "Tq8-zr5w-Lk3-pX"
ACCEPT = {
    "first_name": "Nora",
    "last_name": "New",
    "phone": "0470 12 34 56",
    "language": "en",
    "password1": NEW_PASSWORD,
    "password2": NEW_PASSWORD,
}


def _emails_to(address: str) -> int:
    return OutboxMessage.objects.filter(recipient=address, kind=OutboxMessage.Kind.EMAIL).count()


@pytest.mark.spec("F-03", "F-12", "S13")
def test_manager_invites_by_email_and_picks_the_role(client, login, manager, customer, invitation_link) -> None:
    login(client, manager)
    assert client.get("/users/invite/").status_code == 200
    response = client.post(
        "/users/invite/",
        {"email": "Nora.New@Acme.example", "role": Role.MANAGER, "language": "en", "description": "IT"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/users/"
    membership = Membership.objects.get(user__email="nora.new@acme.example")
    assert (membership.customer, membership.role, membership.status) == (customer, Role.MANAGER, "invited")
    assert not membership.user.has_usable_password()
    message = OutboxMessage.objects.get(recipient="nora.new@acme.example")
    assert message.kind == OutboxMessage.Kind.EMAIL
    assert invitation_link(membership) in message.body
    event = AuditEvent.objects.get(action="invitation.sent")
    assert (event.actor, event.customer, event.channel) == (manager, customer, "web")


@pytest.mark.spec("F-03", "R-I1")
def test_invitation_to_an_address_already_in_the_customer_is_refused(client, login, manager, member) -> None:
    login(client, manager)
    response = client.post("/users/invite/", {"email": "MEMBER@acme.example", "role": Role.MEMBER, "language": "en"})
    assert response.status_code == 200
    assert "already has a login" in response.content.decode()
    assert Membership.objects.filter(user=member).count() == 1


@pytest.mark.spec("F-03", "F-01")
def test_nobody_is_invited_as_contract_holder(manager, customer, actor_for) -> None:
    with pytest.raises(ActionError):
        actions.user_invite(actor=actor_for(manager), customer=customer, email="x@acme.example", role=Role.HOLDER)


@pytest.mark.spec("F-03", "S8", "S13")
def test_invitee_completes_the_login_and_can_log_in(invited, invitation_link, login) -> None:
    link = invitation_link(invited)
    token = link.split("/")[2]
    assert len(token) >= 22  # ≥ 128 bits of randomness in URL-safe base64
    assert not Invitation.objects.filter(token_hash__contains=token).exists()  # only its hash is stored

    client = Client()
    page = client.get(link)
    assert page.status_code == 200
    response = client.post(link, ACCEPT)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"

    invited.refresh_from_db()
    user = invited.user
    assert invited.status == Membership.Status.VALIDATED
    assert (user.first_name, user.last_name, user.phone.as_e164) == ("Nora", "New", "+32470123456")
    assert EmailAddress.objects.get(user=user).verified
    assert AuditEvent.objects.filter(action="invitation.accepted", actor=user, customer=invited.customer).exists()
    login(client, user, password=NEW_PASSWORD)  # password, then the SMS to the number just linked
    assert client.get("/me/").status_code == 200


@pytest.mark.spec("F-03", "S8")
def test_invitation_link_works_once(invited, invitation_link) -> None:
    link = invitation_link(invited)
    assert Client().post(link, ACCEPT).status_code == 302
    again = Client()
    assert again.get(link).status_code == 410
    response = again.post(link, {**ACCEPT, "password1": "Other-pass-987", "password2": "Other-pass-987"})
    assert response.status_code == 410
    invited.user.refresh_from_db()
    assert invited.user.check_password(NEW_PASSWORD)


@pytest.mark.spec("F-03", "S8")
def test_invitation_expires_after_seven_days(invited, invitation_link) -> None:
    invitation = invited.invitations.get()
    assert invitation.expires_at - invitation.created_at == pytest.approx(timedelta(days=7), abs=timedelta(seconds=5))
    link = invitation_link(invited)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(link).status_code == 410
    assert Client().post(link, ACCEPT).status_code == 410
    invited.refresh_from_db()
    assert invited.status == Membership.Status.INVITED


@pytest.mark.spec("F-03", "R3")
def test_bad_details_are_refused_on_their_field_and_the_link_stays_usable(invited, invitation_link) -> None:
    link = invitation_link(invited)
    client = Client()
    response = client.post(link, {**ACCEPT, "phone": "12345"})
    assert response.status_code == 200
    assert "id_phone_error" in response.content.decode()
    response = client.post(link, {**ACCEPT, "password1": "qwertyuiop", "password2": "qwertyuiop"})
    assert response.status_code == 200
    assert "too common" in response.content.decode()
    invited.refresh_from_db()
    assert invited.status == Membership.Status.INVITED
    assert not invited.user.has_usable_password()
    assert client.post(link, ACCEPT).status_code == 302


@pytest.mark.spec("F-03", "R-I2", "S8", "S13")
def test_resend_kills_the_old_link(client, login, manager, invited, invitation_link) -> None:
    old = invitation_link(invited)
    login(client, manager)
    response = client.post(f"/users/{invited.pk}/", {"operation": "resend"})
    assert response.status_code == 302
    new = invitation_link(invited)
    assert new != old
    assert _emails_to(invited.user.email) == 2
    assert Client().get(old).status_code == 410
    assert Client().get(new).status_code == 200
    assert AuditEvent.objects.filter(action="invitation.resent", actor=manager).exists()


@pytest.mark.spec("F-03", "R-I2")
def test_resend_refused_once_validated(client, login, manager, invited, invitation_link) -> None:
    Client().post(invitation_link(invited), ACCEPT)
    login(client, manager)
    response = client.post(f"/users/{invited.pk}/", {"operation": "resend"}, follow=True)
    assert "only be resent while the profile is not validated" in response.content.decode()
    assert _emails_to(invited.user.email) == 1


@pytest.mark.spec("F-03", "R-I2")
def test_resend_refused_for_a_validated_member(member, manager, actor_for) -> None:
    with pytest.raises(ActionError):
        actions.invitation_resend(actor=actor_for(manager), membership=member.memberships.get())
    assert _emails_to(member.email) == 0


@pytest.mark.spec("F-03", "S9")
def test_opening_an_invitation_while_logged_in_asks_to_log_out_first(
    client, login, manager, invited, invitation_link
) -> None:
    """A GET changes nothing: the session stays, the page offers to log out and come back."""
    login(client, manager)
    link = invitation_link(invited)
    page = client.get(link)
    assert page.status_code == 200 and "_auth_user_id" in client.session
    html = page.content.decode()
    assert "You are logged in as manager@acme.example" in html
    assert 'action="/accounts/logout/"' in html and f'name="next" value="{link}"' in html
    # Posting the form while logged in accepts nothing either.
    client.post(link, ACCEPT)
    invited.refresh_from_db()
    assert invited.status == Membership.Status.INVITED and "_auth_user_id" in client.session
    logged_out = client.post("/accounts/logout/", {"next": link})
    assert logged_out["Location"] == link and "_auth_user_id" not in client.session
    assert "Complete your login" in client.get(link).content.decode()


# --- the contract holder is fixed (F-01) ----------------------------------------------------------


@pytest.mark.spec("F-01", "S2")
@pytest.mark.parametrize(
    "operation", [{"operation": "role", "role": Role.MEMBER}, {"operation": "disable"}, {"operation": "functions"}]
)
def test_manager_cannot_demote_disable_or_limit_the_holder(client, login, manager, holder, operation) -> None:
    membership = holder.memberships.get()
    login(client, manager)
    response = client.post(f"/users/{membership.pk}/", operation)
    assert response.status_code == 200
    assert "contract holder cannot be changed" in response.content.decode()
    membership.refresh_from_db()
    assert (membership.role, membership.status, membership.functions) == (Role.HOLDER, "validated", [])


@pytest.mark.spec("F-01")
def test_holder_cannot_demote_themselves(holder, actor_for) -> None:
    with pytest.raises(PermissionDeniedError):
        actions.membership_change_role(actor=actor_for(holder), membership=holder.memberships.get(), role=Role.MEMBER)


@pytest.mark.spec("F-01", "S13")
def test_staff_can_change_and_disable_the_holder(staff, holder, actor_for) -> None:
    membership = holder.memberships.get()
    actions.membership_change_role(actor=actor_for(staff), membership=membership, role=Role.MANAGER)
    actions.membership_set_disabled(actor=actor_for(staff), membership=membership, disabled=True)
    membership.refresh_from_db()
    assert (membership.role, membership.status) == (Role.MANAGER, "disabled")
    event = AuditEvent.objects.get(action="role.changed")
    assert (event.before, event.after, event.channel) == ({"role": "holder"}, {"role": "manager"}, "staff")


# --- user management (F-12) -----------------------------------------------------------------------


@pytest.mark.spec("F-12", "S13")
def test_manager_changes_a_role(client, login, manager, member, customer) -> None:
    membership = member.memberships.get()
    login(client, manager)
    response = client.post(f"/users/{membership.pk}/", {"operation": "role", "role": Role.MANAGER})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER
    event = AuditEvent.objects.get(action="role.changed")
    assert (event.actor, event.customer, event.channel) == (manager, customer, "web")
    assert (event.before, event.after) == ({"role": "member"}, {"role": "manager"})


@pytest.mark.spec("F-12")
def test_manager_cannot_change_their_own_role(client, login, manager) -> None:
    membership = manager.memberships.get()
    login(client, manager)
    response = client.post(f"/users/{membership.pk}/", {"operation": "role", "role": Role.MEMBER})
    assert "cannot change your own role" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER


@pytest.mark.spec("F-12", "S9")
def test_disable_and_enable_again(client, login, manager, member) -> None:
    membership = member.memberships.get()
    login(client, manager)
    assert client.post(f"/users/{membership.pk}/", {"operation": "disable"}).status_code == 302
    membership.refresh_from_db()
    assert membership.status == Membership.Status.DISABLED
    assert client.post(f"/users/{membership.pk}/", {"operation": "enable"}).status_code == 302
    membership.refresh_from_db()
    assert membership.status == Membership.Status.VALIDATED


@pytest.mark.spec("F-12")
def test_user_list_shows_and_searches(client, login, manager, member, holder, invited, other_holder) -> None:
    login(client, manager)
    page = client.get("/users/").content.decode()
    for text in ("member@acme.example", "holder@acme.example", "new.employee@acme.example", "+32 470 00 00 03"):
        assert text in page
    assert "VALIDATED" in page and "INVITED" in page
    assert "admin@globex.example" not in page
    found = client.get("/users/", {"q": "mia"}).content.decode()  # not in any field: no match
    assert "member@acme.example" not in found
    found = client.get("/users/", {"q": "member@"}).content.decode()
    assert "member@acme.example" in found and "holder@acme.example" not in found
    invited_only = client.get("/users/", {"status": "invited"}).content.decode()
    assert "new.employee@acme.example" in invited_only and "member@acme.example" not in invited_only


# --- rights (F-09) --------------------------------------------------------------------------------


@pytest.mark.spec("F-09", "S2")
@pytest.mark.parametrize("path", ["/users/", "/users/invite/"])
def test_member_and_billing_manager_cannot_reach_user_management(client, login, member, billing_manager, path) -> None:
    for user in (member, billing_manager):
        client.logout()
        login(client, user)
        assert client.get(path).status_code == 403


@pytest.mark.spec("F-09", "S2")
def test_a_limited_manager_cannot_widen_their_own_rights(customer, actor_for) -> None:
    limited = MembershipFactory.create(customer=customer, role=Role.MANAGER, functions=[Function.USERS])
    actor = actor_for(limited.user)
    with pytest.raises(ActionError):
        actions.membership_set_functions(actor=actor, membership=limited, functions=[])
    limited.refresh_from_db()
    assert limited.functions == [Function.USERS]


@pytest.mark.spec("F-09", "S2")
def test_a_limited_manager_cannot_give_rights_they_do_not_have(customer, member, actor_for) -> None:
    limited = MembershipFactory.create(customer=customer, role=Role.MANAGER, functions=[Function.USERS])
    actor = actor_for(limited.user)
    with pytest.raises(PermissionDeniedError):
        actions.user_invite(actor=actor, customer=customer, email="boss@acme.example", role=Role.MANAGER)
    with pytest.raises(PermissionDeniedError):
        actions.membership_change_role(actor=actor, membership=member.memberships.get(), role=Role.MANAGER)
    assert not User.objects.filter(email="boss@acme.example").exists()
    assert member.memberships.get().role == Role.MEMBER
    # within their own rights it works
    actions.user_invite(actor=actor, customer=customer, email="helper@acme.example", role=Role.MEMBER)
    invited = actions.user_invite(
        actor=actor, customer=customer, email="peer@acme.example", role=Role.MANAGER, functions=[Function.USERS]
    )
    assert invited.functions == [Function.USERS]


@pytest.mark.spec("F-09", "S13")
def test_holder_limits_a_manager_to_billing(holder, manager, actor_for) -> None:
    membership = manager.memberships.get()
    actions.membership_set_functions(actor=actor_for(holder), membership=membership, functions=[Function.BILLING])
    actor = actor_for(manager)
    assert actor.can(Function.BILLING) and not actor.can(Function.USERS) and not actor.can(Function.FLEET)
    event = AuditEvent.objects.get(action="rights.changed")
    assert (event.before, event.after) == ({"functions": []}, {"functions": ["billing"]})
    with pytest.raises(ActionError, match="Unknown function"):
        actions.membership_set_functions(actor=actor_for(holder), membership=membership, functions=["root"])
