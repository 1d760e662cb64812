"""The user endpoints: same rules and audit as the pages, the tenant only from the key."""

from __future__ import annotations

import pytest

from fleetportal.accounts.models import ApiKey, Membership, User
from fleetportal.core.models import AuditEvent, Customer
from fleetportal.core.tests.factories import InvitedMembershipFactory, MembershipFactory
from fleetportal.notifications.models import OutboxMessage
from fleetportal.tests.api_client import ApiClient

pytestmark = pytest.mark.django_db
USERS = "/api/v1/users"


def pk(user: User) -> int:
    return user.memberships.get().pk


def invited_in(customer: Customer, **kwargs: object) -> Membership:
    return InvitedMembershipFactory.create(customer=customer, **kwargs)  # type: ignore[return-value]


@pytest.mark.spec("F-91", "F-12")
def test_list_shows_the_customers_users_with_filters_and_pages(key_client, holder, manager, member, other_member):
    invited_in(holder.memberships.get().customer, user__email="zed.invited@acme.example")

    everyone = key_client.get(USERS).json()
    assert everyone["count"] == 4
    emails = {u["email"] for u in everyone["items"]}
    assert "user@globex.example" not in emails and "member@acme.example" in emails

    invited = key_client.get(USERS, {"status": "invited"}).json()
    assert [u["email"] for u in invited["items"]] == ["zed.invited@acme.example"]
    assert key_client.get(USERS, {"q": "MEMBER@acme"}).json()["count"] == 1
    assert key_client.get(USERS, {"role": "holder"}).json()["items"][0]["email"] == "holder@acme.example"

    first = key_client.get(USERS, {"limit": 3}).json()
    second = key_client.get(USERS, {"limit": 3, "offset": 3}).json()
    assert (len(first["items"]), len(second["items"]), second["count"]) == (3, 1, 4)
    assert not {u["id"] for u in first["items"]} & {u["id"] for u in second["items"]}


@pytest.mark.spec("F-91", "F-12")
def test_get_one_user(key_client, member):
    body = key_client.get(f"{USERS}/{pk(member)}").json()
    assert body["email"] == "member@acme.example"
    assert body["role"] == "member" and body["status"] == "validated"
    assert body["phone"] == "+32470000003"


@pytest.mark.spec("F-91", "F-03", "S13", "R1")
def test_invitation_sends_an_email_and_is_audited_as_the_key(key_client, customer, holder):
    response = key_client.send(
        "post",
        "/api/v1/invitations",
        {"email": "Jan.Peeters@Acme.example", "role": "manager", "description": "HR", "functions": ["users"]},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["user"]["email"] == "jan.peeters@acme.example"
    assert body["user"]["status"] == "invited" and body["user"]["functions"] == ["users"]
    assert body["expires_at"]
    membership = Membership.objects.get(pk=body["user"]["id"])
    assert membership.customer == customer and membership.role == "manager"
    mail = OutboxMessage.objects.get(recipient="jan.peeters@acme.example")
    assert "/invite/" in mail.body and mail.customer == customer
    event = AuditEvent.objects.get(action="invitation.sent")
    assert event.channel == "api" and event.actor is None and event.actor_label.startswith("API key fp_")
    assert event.customer == customer


@pytest.mark.spec("F-91", "S1")
def test_a_customer_field_in_the_body_is_ignored(key_client, customer, other_customer):
    response = key_client.send(
        "post",
        "/api/v1/invitations",
        {"email": "sneaky@acme.example", "role": "member", "customer": other_customer.pk, "customer_id": 999},
    )
    assert response.status_code == 201
    assert Membership.objects.get(user__email="sneaky@acme.example").customer == customer
    assert not other_customer.memberships.filter(user__email="sneaky@acme.example").exists()


@pytest.mark.spec("F-91", "S1")
def test_another_customers_user_answers_404_everywhere(key_client, other_member, other_customer):
    foreign = pk(other_member)
    invited = invited_in(other_customer).pk
    assert key_client.get(f"{USERS}/{foreign}").status_code == 404
    response = key_client.send("patch", f"{USERS}/{foreign}", {"disabled": True, "role": "manager"})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert key_client.send("post", f"{USERS}/{invited}/resend-invitation").status_code == 404
    assert key_client.get(f"{USERS}/987654").status_code == 404
    assert (
        Membership.objects.get(pk=foreign).status == "validated" and Membership.objects.get(pk=foreign).role == "member"
    )
    assert not OutboxMessage.objects.filter(customer=other_customer).exists()
    assert not AuditEvent.objects.filter(customer=other_customer).exists()


@pytest.mark.spec("F-91", "S1")
def test_the_other_customers_key_sees_only_its_own(new_key, other_holder, member, other_member):
    client = ApiClient(new_key(other_holder)[1])
    assert {u["email"] for u in client.get(USERS).json()["items"]} == {"admin@globex.example", "user@globex.example"}
    assert client.get(f"{USERS}/{pk(member)}").status_code == 404


@pytest.mark.spec("F-91", "F-01", "S2")
def test_the_contract_holder_cannot_be_changed_through_the_api(key_client, holder):
    target = f"{USERS}/{pk(holder)}"
    for change in ({"role": "member"}, {"disabled": True}, {"functions": ["billing"]}):
        response = key_client.send("patch", target, change)
        assert response.status_code == 403, change
        assert response.json()["code"] == "forbidden"
    membership = holder.memberships.get()
    assert (membership.role, membership.status, membership.functions) == ("holder", "validated", [])
    assert key_client.send("patch", target, {"role": "holder"}).status_code == 422


@pytest.mark.spec("F-91", "F-09", "F-12", "S13")
def test_patch_changes_role_rights_and_status_with_audit(key_client, member):
    target = f"{USERS}/{pk(member)}"
    body = key_client.send("patch", target, {"role": "manager", "functions": ["users"]}).json()
    assert (body["role"], body["functions"]) == ("manager", ["users"])
    body = key_client.send("patch", target, {"disabled": True}).json()
    assert body["status"] == "disabled"
    assert key_client.send("patch", target, {"disabled": False}).json()["status"] == "validated"
    actions = list(AuditEvent.objects.filter(channel="api").order_by("id").values_list("action", flat=True))
    assert actions == ["rights.changed", "role.changed", "user.disabled", "user.enabled"]


@pytest.mark.spec("F-91", "F-09", "S2")
def test_a_key_cannot_make_a_manager_with_more_rights_than_its_scopes(key_client, new_key, holder, member):
    invite = {"email": "boss@acme.example", "role": "manager"}
    assert key_client.send("post", "/api/v1/invitations", invite).status_code == 403  # no limits = every right
    billing = key_client.send("post", "/api/v1/invitations", {**invite, "functions": ["billing"]})
    assert billing.status_code == 403
    assert not Membership.objects.filter(user__email="boss@acme.example").exists()

    # A key acts unlimited only with every function's scope: without support it may not.
    no_support = [scope for scope in ApiKey.Scope.values if scope != ApiKey.Scope.SUPPORT]
    assert (
        ApiClient(new_key(holder, scopes=no_support)[1]).send("post", "/api/v1/invitations", invite).status_code == 403
    )
    assert not Membership.objects.filter(user__email="boss@acme.example").exists()
    every_scope = ApiClient(new_key(holder, scopes=ApiKey.Scope.values)[1])
    assert every_scope.send("post", "/api/v1/invitations", invite).status_code == 201


@pytest.mark.spec("F-91", "F-09", "R2")
def test_a_patch_changes_all_or_nothing(key_client, member):
    membership = member.memberships.get()
    Membership.objects.filter(pk=membership.pk).update(functions=["support"])
    # Clearing the limits is allowed on a member, promoting the unlimited result is not: both or neither.
    response = key_client.send("patch", f"{USERS}/{membership.pk}", {"functions": [], "role": "manager"})
    assert response.status_code == 403
    membership.refresh_from_db()
    assert (membership.role, membership.functions) == ("member", ["support"])
    assert not AuditEvent.objects.filter(action__in=["rights.changed", "role.changed"]).exists()


@pytest.mark.spec("F-91", "F-03", "R-I2")
def test_resend_invitation_only_while_invited(key_client, customer, member):
    invited = invited_in(customer)
    response = key_client.send("post", f"{USERS}/{invited.pk}/resend-invitation")
    assert response.status_code == 200, response.content
    assert response.json()["user"]["id"] == invited.pk
    assert OutboxMessage.objects.filter(recipient=invited.user.email).count() == 1
    assert invited.invitations.count() == 1

    response = key_client.send("post", f"{USERS}/{invited.pk}/resend-invitation")
    assert response.status_code == 200
    assert invited.invitations.filter(revoked_at__isnull=True).count() == 1  # the earlier link is dead

    refused = key_client.send("post", f"{USERS}/{pk(member)}/resend-invitation")
    assert refused.status_code == 400 and "validated" in refused.json()["detail"]


@pytest.mark.spec("F-91", "F-03")
def test_inviting_an_existing_login_of_this_customer_names_the_field(key_client, member):
    response = key_client.send("post", "/api/v1/invitations", {"email": "member@acme.example", "role": "member"})
    assert response.status_code == 400
    assert response.json()["field"] == "email"


@pytest.mark.spec("F-91", "F-12")
def test_a_member_of_another_customer_can_be_invited_here(key_client, customer, other_member):
    response = key_client.send("post", "/api/v1/invitations", {"email": "user@globex.example", "role": "member"})
    assert response.status_code == 201
    assert other_member.memberships.count() == 2


@pytest.mark.spec("F-91", "S1")
def test_the_list_never_counts_other_customers(key_client, holder, other_customer):
    MembershipFactory.create_batch(3, customer=other_customer)
    assert key_client.get(USERS).json()["count"] == 1
