"""One rule, in the action: the invitation page and the users API refuse a bad invitation with
`user_invite`'s own check and message (DESIGN rule 1, QUALITY R3); the forced password change
at login goes through an action and is audited (R-I4, S13); the pages read through selectors."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

import fleetportal
from fleetportal.accounts import actions, selectors
from fleetportal.accounts.forms import InviteForm, model_limit
from fleetportal.accounts.models import Membership, Role, User
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.core.models import AuditEvent, Channel
from fleetportal.notifications.models import OutboxMessage

INVITE_PAGE = "/users/invite/"
INVITE_API = "/api/v1/invitations"
GOOD: dict[str, Any] = {"email": "ok@acme.example", "role": Role.MEMBER, "language": "en"}


def _page_errors(client: Client, data: dict[str, str]) -> dict[str, list[str]]:
    response = client.post(INVITE_PAGE, data)
    assert response.status_code == 200, "the page accepted a bad invitation"
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


@pytest.mark.spec("F-03", "F-12", "F-91", "R3")
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-address"),
        ("email", "a@b"),
        ("email", "jan peeters@acme.example"),
        ("language", "xx"),
        ("language", "EN"),
    ],
)
def test_the_same_bad_invitation_gets_the_same_message_on_the_page_and_in_the_api(
    client: Client, login, manager: User, customer, actor_for, key_client, field: str, value: str
) -> None:
    bad: dict[str, Any] = {**GOOD, field: value}
    with pytest.raises(ActionError) as refused:
        actions.user_invite(actor=actor_for(manager), customer=customer, **bad)
    assert refused.value.field == field
    message = str(refused.value.message)

    login(client, manager)
    assert _page_errors(client, bad) == {field: [message]}

    answer = key_client.send("post", INVITE_API, bad)
    assert answer.status_code == 422, answer.content
    assert answer.json()["errors"] == [{"field": field, "message": message, "code": "value_error"}]

    assert not Membership.objects.filter(user__email="ok@acme.example").exists()
    assert not OutboxMessage.objects.filter(recipient="ok@acme.example").exists()


@pytest.mark.spec("F-03", "R3")
def test_the_action_checks_every_field_itself(manager: User, customer, actor_for) -> None:
    """An import or a job calling `user_invite` directly gets the same refusals, never a
    database error (PostgreSQL refuses a too long value)."""
    actor = actor_for(manager)
    changes: list[tuple[dict[str, Any], str]] = [
        ({"email": "x" * 250 + "@acme.example"}, "email"),
        ({"email": ""}, "email"),
        ({"description": "d" * 201}, "description"),
        ({"language": "klingon"}, "language"),
        ({"functions": ["fleet", "everything"]}, "functions"),
    ]
    for change, field in changes:
        with pytest.raises(ActionError) as refused:
            actions.user_invite(actor=actor, customer=customer, **{**GOOD, **change})
        assert refused.value.field == field, change
    assert not Membership.objects.filter(customer=customer, status=Membership.Status.INVITED).exists()
    # The limit itself is fine, and the address is kept in lower case.
    membership = actions.user_invite(actor=actor, customer=customer, **{**GOOD, "email": " Ok@Acme.Example "})
    assert membership.user.email == "ok@acme.example"
    assert actions.user_invite(
        actor=actor, customer=customer, **{**GOOD, "email": "d@acme.example", "description": "d" * 200}
    ).description == ("d" * 200)


@pytest.mark.spec("F-03", "R3")
def test_the_invitation_form_takes_its_limits_from_the_models(db: None) -> None:
    form = InviteForm()
    for name, limit in [
        ("email", model_limit(User, "email")),
        ("description", model_limit(Membership, "description")),
    ]:
        assert f'maxlength="{limit}"' in str(form[name]), name


@pytest.mark.spec("F-03", "R3")
def test_a_too_long_description_on_the_page_gets_the_actions_message(client: Client, login, manager: User) -> None:
    login(client, manager)
    assert _page_errors(client, {**GOOD, "description": "d" * 201}) == {
        "description": ["Enter at most 200 characters."]
    }


# --- a login's language: accepting the invitation, one's profile -------------------------------------

BAD_LANGUAGES = pytest.mark.parametrize("language", ["xx", "EN", "nl-be"])


@pytest.mark.spec("F-03", "F-80", "R3")
@BAD_LANGUAGES
def test_accepting_an_invitation_refuses_a_bad_language_with_the_actions_message(
    invited: Membership, invitation_link, language: str
) -> None:
    link = invitation_link(invited)
    accept = {
        "first_name": "Nora",
        "last_name": "New",
        "phone": "0470 12 34 56",
        "password1": "Tq8-zr5w-Lk3-pX",
        "password2": "Tq8-zr5w-Lk3-pX",
    }
    with pytest.raises(ActionError) as refused:
        actions.invitation_accept(
            actor=Actor(user=None, channel=Channel.WEB),
            token=link.split("/")[2],
            first_name=accept["first_name"],
            last_name=accept["last_name"],
            phone="+32470123456",
            password=accept["password1"],
            language=language,
        )
    assert refused.value.field == "language"

    page = Client().post(link, {**accept, "language": language})
    assert page.status_code == 200, "the page accepted a bad language"
    assert dict(page.context["form"].errors) == {"language": [str(refused.value.message)]}
    invited.refresh_from_db()
    assert invited.status == Membership.Status.INVITED and invited.user.language != language


@pytest.mark.spec("F-80", "R3")
@BAD_LANGUAGES
def test_the_profile_refuses_a_bad_language_with_the_actions_message(
    client: Client, login, reauthenticate, manager: User, actor_for, language: str
) -> None:
    with pytest.raises(ActionError) as refused:
        actions.user_update_profile(actor=actor_for(manager), user=manager, language=language)
    assert refused.value.field == "language"

    login(client, manager)
    reauthenticate(client)
    page = client.post("/profile/", {"language": language, "phone": ""})
    assert page.status_code == 200, "the page accepted a bad language"
    assert dict(page.context["form"].errors) == {"language": [str(refused.value.message)]}
    manager.refresh_from_db()
    assert manager.language != language
    assert not AuditEvent.objects.filter(action="profile.changed").exists()


# --- the forced password change at login (R-I4) -------------------------------------------------------


@pytest.mark.spec("R-I4", "S13")
def test_a_short_password_without_the_sms_step_is_audited_when_it_must_change(
    client: Client, member: User, customer
) -> None:
    member.set_password("Tq8-zr5w-ab")  # 11 characters: fine with the SMS step, too short without
    member.save()
    customer.sms_second_factor = False
    customer.save()
    for _attempt in range(2):
        response = client.post("/accounts/login/", {"login": member.email, "password": "Tq8-zr5w-ab"})
        assert response.status_code == 302
        client.logout()
    member.refresh_from_db()
    assert member.must_change_password
    event = AuditEvent.objects.get(action="password.change_required")  # once, not at every login
    assert (event.actor, event.customer, event.channel) == (member, customer, "web")
    assert (event.object_type, event.object_id) == ("user", str(member.pk))


@pytest.mark.spec("R-I4")
@pytest.mark.parametrize(("sms_step", "password"), [(True, "Tq8-zr5w-ab"), (False, "Tq8-zr5w-ab-123")])
def test_no_change_is_required_with_the_sms_step_or_a_long_password(
    member: User, customer, actor_for, sms_step: bool, password: str
) -> None:
    customer.sms_second_factor = sms_step
    customer.save()
    required = actions.password_require_change_if_short(actor=actor_for(member), user=member, password=password)
    member.refresh_from_db()
    assert (required, member.must_change_password) == (False, False)
    assert not AuditEvent.objects.filter(action="password.change_required").exists()


# --- reads through selectors ------------------------------------------------------------------------


@pytest.mark.spec("F-04", "S1")
def test_every_selector_of_accounts_is_used_by_the_code() -> None:
    """A selector no page, API or action calls is a read that went around it (a query inlined
    in a view instead, like the holder lookup of "No login yet?" once)."""
    source = Path(fleetportal.__file__).parent
    tree = ast.parse(Path(selectors.__file__).read_text(encoding="utf-8"))
    names = [node.name for node in tree.body if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")]
    code = "\n".join(
        path.read_text(encoding="utf-8")
        for path in source.rglob("*.py")
        if "tests" not in path.parts and path.resolve() != Path(selectors.__file__).resolve()
    )
    unused = [name for name in names if not re.search(rf"\b{name}\b", code)]
    assert not unused, f"selectors nobody calls: {unused}"
